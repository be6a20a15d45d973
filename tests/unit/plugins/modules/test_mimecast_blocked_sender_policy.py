# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""mimecast_blocked_sender_policy through main(), every HTTP call declared, answers built from captured policies.

Captures (real-samples): mimecast-actions-demisto-4 (a create-policy answer, both echo forms, no comment), -5 (a
get-policy list), rapid7-1 (a whole create-policy answer), rapid7-2 (a whole delete-policy answer), chronicle-3 (a
refused create).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import datetime
import re

import pytest
import requests

from ansible_collections.emailsec.tracking.plugins.module_utils._mimecast import (
    POLICY_CREATE, POLICY_DELETE, POLICY_GET,
)
from ansible_collections.emailsec.tracking.plugins.modules import mimecast_blocked_sender_policy
from ansible_collections.emailsec.tracking.tests.unit.plugins.module_utils.helpers import ScriptedSession, response
from ansible_collections.emailsec.tracking.tests.unit.plugins.modules.utils import run_module
from ansible_collections.emailsec.tracking.tests.unit.plugins.modules.utils import sample as capture

BASE = "https://mc.example"
ARGS = {"base_url": BASE, "access_key": "mc-access", "secret_key": "c2VjcmV0", "app_id": "mc-app",
        "app_key": "mc-app-key", "retry_max_delay": 0}


DEMISTO4 = capture("mimecast-actions-demisto-4.json")          # google.com, fromPart both, description "test"
DEMISTO5 = capture("mimecast-actions-demisto-5.json")          # [internal_addresses -> external_addresses]
RAPID7_CREATE = capture("mimecast-actions-rapid7-1.json")      # whole answer, everyone -> everyone
RAPID7_DELETE = capture("mimecast-actions-rapid7-2.json")      # whole answer, data[0].id
CHRONICLE_REFUSED = capture("mimecast-actions-chronicle-3.json")
GOOGLE = {"sender": "@google.com", "description": "test", "from_part": "both", "allow_broad": True}


def google(**changes):
    """GOOGLE's arguments with some changed."""
    args = dict(GOOGLE)
    args.update(changes)
    return args


def page(entries, following=None):
    pagination = {"pageSize": len(entries)}
    if following:
        pagination["next"] = following
    return response(200, {"meta": {"status": 200, "pagination": pagination}, "data": entries, "fail": []})


def echo(item, policy_id):
    """A create-policy answer as captured (rapid7-1's envelope): both echo forms, defaults filled in, no comment."""
    body = copy.deepcopy(RAPID7_CREATE)
    policy = dict(copy.deepcopy(DEMISTO4["policy"]), **copy.deepcopy(item["policy"]))
    policy.pop("comment", None)
    for side in ("from", "to"):
        obj = policy[side]
        policy[side + "Type"] = obj["type"]
        policy.pop(side + "Value", None)
        if obj.get("emailDomain") or obj.get("emailAddress"):
            policy[side + "Value"] = obj.get("emailDomain") or obj.get("emailAddress")
    body["data"][0] = {"option": item["option"], "id": policy_id, "policy": policy}
    return body


def run(monkeypatch, answers, **args):
    for name in ("MIMECAST_BASE_URL", "MIMECAST_ACCESS_KEY", "MIMECAST_SECRET_KEY", "MIMECAST_APP_ID",
                 "MIMECAST_APP_KEY", "MIMECAST_CLIENT_ID", "MIMECAST_CLIENT_SECRET", "MIMECAST_AUTH_TYPE"):
        monkeypatch.delenv(name, raising=False)
    session = ScriptedSession(answers)
    monkeypatch.setattr(requests.Session, "request", session)
    check_mode = args.pop("_check_mode", False)
    full = dict(ARGS, **args)
    if check_mode:
        full["_ansible_check_mode"] = True
    result = run_module(mimecast_blocked_sender_policy.main, full, monkeypatch)
    return result, session


def paths(session):
    return [call["url"][len(BASE):] for call in session.calls]


def own_google(**changes):
    entry = copy.deepcopy(DEMISTO4)
    entry["policy"].update(changes)
    return entry


# -- finding 1: idempotent on the real echo ---------------------------------------------------------------------
def test_a_rerun_against_the_captured_echo_is_unchanged_and_writes_nothing(monkeypatch):
    result, session = run(monkeypatch, [page(DEMISTO5 + [DEMISTO4])], **GOOGLE)
    assert not result.failed, result.result["msg"]
    assert result.result["changed"] is False and result.result["outcome"] == "unchanged"
    assert [p["id"] for p in result.result["policies"]] == [DEMISTO4["id"]]
    assert paths(session) == [POLICY_GET]
    assert session.calls[0]["json"]["data"] == []
    diff = result.result["diff"]
    assert isinstance(diff["before"], dict) and diff["before"] == diff["after"]
    assert diff["before"][DEMISTO4["id"]]["policy"]["from"] == {"type": "email_domain", "emailDomain": "google.com"}


def test_only_the_flat_echo_is_read_too_and_a_missing_field_is_mimecasts_default(monkeypatch):
    entry = copy.deepcopy(DEMISTO4)
    for name in ("from", "to", "enabled", "override", "conditions", "fromEternal", "fromDate"):
        del entry["policy"][name]
    result, session = run(monkeypatch, [page([entry])], **GOOGLE)
    assert result.result["changed"] is False and result.result["outcome"] == "unchanged", result.result
    assert paths(session) == [POLICY_GET]


def test_a_comment_is_compared_only_when_given_and_echoed(monkeypatch):
    result, session = run(monkeypatch, [page([DEMISTO4])], comment="CHG-1", **GOOGLE)
    assert result.result["changed"] is False and paths(session) == [POLICY_GET]
    result, session = run(monkeypatch, [page([own_google(comment="CHG-0")]), response(200, echo(
        {"option": "block_sender", "policy": dict(DEMISTO4["policy"], comment="CHG-1")}, DEMISTO4["id"]))],
        comment="CHG-1", **GOOGLE)
    assert result.result["outcome"] == "updated" and paths(session) == [POLICY_GET, POLICY_CREATE]
    assert session.calls[1]["json"]["data"][0]["policy"]["comment"] == "CHG-1"


def test_no_comment_is_sent_unless_given(monkeypatch):
    item = {"option": "block_sender", "policy": dict(DEMISTO4["policy"], description="IR-1")}
    result, session = run(monkeypatch, [page(DEMISTO5), response(200, echo(item, "eNoNew"))],
                          **google(description="IR-1"))
    assert result.result["outcome"] == "created", result.result
    sent = session.calls[1]["json"]["data"][0]
    assert "comment" not in sent["policy"] and "id" not in sent
    assert sent["policy"]["from"] == {"type": "email_domain", "emailDomain": "google.com"}
    assert sent["policy"]["to"] == {"type": "everyone"}
    assert result.result["policies"][0]["id"] == "eNoNew"
    assert result.result["diff"]["before"] == {} and list(result.result["diff"]["after"]) == ["new policy"]


# -- finding 2: never rewrite someone else's policy ---------------------------------------------------------------
def test_another_policy_that_blocks_exactly_this_is_kept_and_named(monkeypatch):
    result, session = run(monkeypatch, [page(DEMISTO5 + [DEMISTO4])], **google(description="IR-2: again"))
    assert result.result["changed"] is False and result.result["outcome"] == "existing"
    assert [p["id"] for p in result.result["existing"]] == [DEMISTO4["id"]]
    assert result.result["policies"][0]["id"] == DEMISTO4["id"]
    assert paths(session) == [POLICY_GET]
    warning = " ".join(result.result["warnings"])
    assert DEMISTO4["id"] in warning and "'test'" in warning


@pytest.mark.parametrize("changes, differs", [
    ({"conditions": {"sourceIPs": ["198.51.100.7/32"]}}, ["conditions"]),
    ({"enabled": False}, ["enabled"]),
    ({"toEternal": False, "toDate": "2024-07-01T00:00:00+0000"}, ["toDate"]),
    ({"fromEternal": False, "fromDate": "2099-01-01T00:00:00+0000"}, ["fromDate"]),
])
def test_a_similar_policy_that_blocks_less_is_left_alone_and_the_own_one_created(monkeypatch, changes, differs):
    admin = own_google(description="ADMIN: partner relay only", **changes)
    item = {"option": "block_sender", "policy": dict(DEMISTO4["policy"], description="IR-3")}
    result, session = run(monkeypatch, [page([admin]), response(200, echo(item, "eNoOwn"))],
                          **google(description="IR-3"))
    assert result.result["changed"] is True and result.result["outcome"] == "created"
    assert paths(session) == [POLICY_GET, POLICY_CREATE]
    assert "id" not in session.calls[1]["json"]["data"][0]
    assert [(c["id"], c["differs"]) for c in result.result["conflicts"]] == [(DEMISTO4["id"], differs)]
    assert result.result["policies"][0]["id"] == "eNoOwn"
    assert "Left alone" in " ".join(result.result["warnings"])


def test_the_own_policy_with_other_settings_is_updated_by_its_id(monkeypatch):
    own = own_google(enabled=False)
    item = {"option": "block_sender", "policy": DEMISTO4["policy"]}
    result, session = run(monkeypatch, [page([own]), response(200, echo(item, DEMISTO4["id"]))], **GOOGLE)
    assert result.result["changed"] is True and result.result["outcome"] == "updated"
    assert session.calls[1]["json"]["data"][0]["id"] == DEMISTO4["id"]
    assert session.calls[1]["json"]["data"][0]["policy"]["enabled"] is True
    diff = result.result["diff"]
    assert diff["before"][DEMISTO4["id"]]["policy"]["enabled"] is False
    assert diff["after"][DEMISTO4["id"]]["policy"]["enabled"] is True
    assert "enabled differs" in " ".join(result.result["warnings"])


def test_the_same_description_with_another_from_part_is_not_the_own_policy(monkeypatch):
    result, session = run(monkeypatch, [page([DEMISTO4])], _check_mode=True, **google(from_part="header_from"))
    assert result.result["changed"] is True and result.result["outcome"] == "created"
    assert result.result["conflicts"] == [] and result.result["existing"] == []
    assert "Left in place: 1 policy with the description 'test'" in " ".join(result.result["warnings"])


def test_check_mode_predicts_the_create_and_sends_nothing(monkeypatch):
    result, session = run(monkeypatch, [page([])], _check_mode=True, **google(description="IR-1"))
    assert result.result["changed"] is True and result.result["outcome"] == "created"
    assert paths(session) == [POLICY_GET]
    assert result.result["policies"][0]["id"] is None
    assert list(result.result["diff"]["after"]) == ["new policy"]


def delete_answer(policy_id):
    body = copy.deepcopy(RAPID7_DELETE)
    body["data"][0]["id"] = policy_id
    return response(200, body)


def test_absent_removes_only_the_own_policy_and_counts_what_the_answer_names(monkeypatch):
    admin = own_google(description="ADMIN")
    admin["id"] = "eNoAdmin"
    everyone = RAPID7_CREATE["data"][0]
    result, session = run(monkeypatch, [page([everyone, admin, DEMISTO4]), delete_answer(DEMISTO4["id"])],
                          sender="@google.com", description="test", state="absent")
    assert not result.failed, result.result["msg"]
    assert result.result["removed"] == [DEMISTO4["id"]] and result.result["not_found"] == []
    assert result.result["changed"] is True
    assert paths(session) == [POLICY_GET, POLICY_DELETE]
    assert session.calls[1]["json"]["data"] == [{"id": DEMISTO4["id"]}]
    assert [p["id"] for p in result.result["existing"]] == ["eNoAdmin"]
    assert result.result["diff"]["after"] == {} and list(result.result["diff"]["before"]) == [DEMISTO4["id"]]


def test_a_delete_answer_that_names_another_id_is_not_a_removal(monkeypatch):
    result, session = run(monkeypatch, [page([DEMISTO4]), response(200, RAPID7_DELETE)],
                          sender="@google.com", description="test", state="absent")
    assert result.failed
    assert "not proven" in result.result["msg"] and DEMISTO4["id"] in result.result["msg"]
    assert result.result["removed"] == []


def test_an_id_mimecast_no_longer_knows_is_not_found_not_removed(monkeypatch):
    gone = response(200, {"meta": {"status": 404}, "data": [], "fail": []})
    result, session = run(monkeypatch, [page([DEMISTO4]), gone], sender="@google.com", description="test",
                          state="absent")
    assert not result.failed, result.result["msg"]
    assert result.result["removed"] == [] and result.result["not_found"] == [DEMISTO4["id"]]
    assert result.result["changed"] is False


def test_absent_without_description_is_refused(monkeypatch):
    result, session = run(monkeypatch, [], sender="@google.com", state="absent")
    assert result.failed and "description" in result.result["msg"] and session.calls == []


# -- finding 3: rails before any request -------------------------------------------------------------------------
@pytest.mark.parametrize("change, message", [
    ({"sender": ""}, "sender is empty: give an address (user@example.com) or a domain (@example.com)"),
    ({"sender": " "}, "sender is empty"),
    ({"sender": "@"}, "sender is empty"),
    ({"sender": "*"}, "sender: '*' is a wildcard"),
    ({"sender": "@*"}, "sender: '@*' is a wildcard"),
    ({"sender": "*.evil.example"}, "is a sub-domain pattern, which a blocked sender policy cannot take"),
    ({"sender": "@*.evil.example"}, "give the domain, like @evil.example"),
    ({"sender": "*.x"}, "sub-domain pattern"),
    ({"sender": "a@b@c"}, "sender: 'a@b@c' is not an email address"),
    ({"sender": "Bad Guy <bad@evil.example>"}, "is not an email address; write user@example.com"),
    ({"sender": "evil.example."}, "sender: 'evil.example.' is neither an email address nor a domain"),
    ({"sender": "evil"}, "sender: 'evil' is neither an email address nor a domain"),
    ({"sender": "@gmail.com"}, "gmail.com is a free-mail or shared-platform domain"),
    ({"sender": "docs.google.com"}, "free-mail or shared-platform domain"),
    ({"sender": "@acme.example", "own_domains": ["acme.example"]}, "one of the organisation's own domains"),
    ({"sender": "@evil.example", "recipient": "*"}, "recipient: '*' is a wildcard"),
    ({"sender": "@evil.example", "source_ips": ["203.0.113.300"]}, "source_ips: '203.0.113.300' is not an IP"),
    ({"sender": "@evil.example", "source_ips": [""]}, "source_ips: '' is not an IP address or CIDR network"),
    ({"sender": "@evil.example", "description": "  "}, "description is empty"),
    ({"sender": "@evil.example", "to_date": "+30x"}, "to_date: unit 'x' in '+30x' is not known"),
    ({"sender": "@evil.example", "to_date": "tomorrow"}, "to_date: 'tomorrow' is not an ISO 8601 time"),
    ({"sender": "@evil.example", "to_date": "-1d"}, "to_date (...) is not after now"),
    ({"sender": "@evil.example", "from_date": "+2d", "to_date": "+1d"}, "is not after from_date"),
    ({"sender": "@evil.example", "from_date": "1800-01-01"}, "from_date: '1800-01-01' lies outside the dates"),
    ({"sender": "@evil.example", "to_date": "+99999w"}, "to_date: '+99999w' lies outside the dates"),
    ({"sender": "", "state": "absent"}, "sender is empty"),
    ({"sender": "*", "state": "absent"}, "is a wildcard"),
])
def test_bad_input_is_refused_before_any_request(monkeypatch, change, message):
    args = dict({"description": "IR-1"}, **change)
    result, session = run(monkeypatch, [], **args)
    assert result.failed, result.result
    head, dummy, tail = message.partition("(...)")
    assert head in result.result["msg"] and tail in result.result["msg"], result.result["msg"]
    assert session.calls == []


@pytest.mark.parametrize("change", [
    {"sender": "invoices.acme@gmail.com"},
    {"sender": "@gmail.com", "allow_broad": True},
    {"sender": "ceo@acme.example", "own_domains": ["acme.example"]},
    {"sender": "@evil.example", "recipient": ""},
    {"sender": "@evil.example", "source_ips": ["203.0.113.7", "2001:db8::/32"]},
])
def test_what_the_rails_let_through_does_reach_mimecast(monkeypatch, change):
    result, session = run(monkeypatch, [page([])], _check_mode=True, **dict({"description": "IR-1"}, **change))
    assert not result.failed, result.result["msg"]
    assert paths(session) == [POLICY_GET]
    assert result.result["policies"][0]["policy"]["to"] == {"type": "everyone"}


# -- finding 4: a create is sent once -----------------------------------------------------------------------------
def test_a_create_answered_502_is_found_and_not_sent_again(monkeypatch):
    item = {"option": "block_sender", "policy": dict(DEMISTO4["policy"], description="IR-4")}
    made = echo(item, "eNoMade")["data"][0]
    result, session = run(monkeypatch, [page(DEMISTO5), response(502, {}), page(DEMISTO5 + [made])],
                          **google(description="IR-4"))
    assert not result.failed, result.result["msg"]
    assert paths(session) == [POLICY_GET, POLICY_CREATE, POLICY_GET]
    assert result.result["changed"] is True and result.result["outcome"] == "created"
    assert [p["id"] for p in result.result["policies"]] == ["eNoMade"]
    assert "not sent again" in " ".join(result.result["warnings"])


def test_a_create_answered_502_and_not_found_fails_after_looking_once_more(monkeypatch):
    result, session = run(monkeypatch, [page([]), response(502, {}), page([])], retries=0,
                          **google(description="IR-4"))
    assert result.failed and result.result["status"] == 502
    assert re.search("found nothing|nothing was found", result.result["msg"]), result.result["msg"]
    assert paths(session) == [POLICY_GET, POLICY_CREATE, POLICY_GET]


def test_a_refused_create_fails_with_the_vendors_code(monkeypatch):
    result, session = run(monkeypatch, [page([]), response(200, CHRONICLE_REFUSED), page([])], retries=0,
                          **google(description="IR-5"))
    assert result.failed
    assert result.result["code"] == "err_policy_invalid_from_value" and "Invalid fromValue" in result.result["msg"]
    assert paths(session).count(POLICY_CREATE) == 1


# -- finding 5: dates -------------------------------------------------------------------------------------------
def test_to_date_plus_30_days_is_a_future_time(monkeypatch):
    result, session = run(monkeypatch, [page([])], _check_mode=True, to_date="+30d", **google(description="x"))
    assert not result.failed, result.result["msg"]
    policy = result.result["policies"][0]["policy"]
    assert policy["toEternal"] is False and policy["fromEternal"] is True
    end = datetime.datetime.strptime(policy["toDate"], "%Y-%m-%dT%H:%M:%S+0000")
    ahead = end - datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    assert datetime.timedelta(days=29, hours=23) < ahead <= datetime.timedelta(days=30)


def test_a_relative_date_makes_a_rerun_unchanged(monkeypatch):
    own = own_google(toEternal=False, toDate="2099-03-01T10:00:00+0000", fromEternal=False,
                     fromDate="2024-06-06T08:18:34+0000")
    result, session = run(monkeypatch, [page([own])], from_date="now", to_date="+30d", **GOOGLE)
    assert result.result["changed"] is False and result.result["outcome"] == "unchanged", result.result
    assert paths(session) == [POLICY_GET]


def test_a_relative_end_that_has_passed_is_renewed(monkeypatch):
    own = own_google(toEternal=False, toDate="2024-07-01T00:00:00+0000")
    result, session = run(monkeypatch, [page([own])], _check_mode=True, to_date="+30d", **GOOGLE)
    assert result.result["changed"] is True and result.result["outcome"] == "updated", result.result
    assert "toDate differs" in " ".join(result.result["warnings"])


def test_an_absolute_date_is_compared_exactly(monkeypatch):
    own = own_google(toEternal=False, toDate="2099-03-01T10:00:00+0000")
    result, session = run(monkeypatch, [page([own])], _check_mode=True, to_date="2099-03-01T11:00:00+01:00",
                          **GOOGLE)
    assert result.result["changed"] is False, result.result
    result, session = run(monkeypatch, [page([own])], _check_mode=True, to_date="2099-03-02T10:00:00Z", **GOOGLE)
    assert result.result["changed"] is True and result.result["outcome"] == "updated"


# -- finding 7: paging ends --------------------------------------------------------------------------------------
def test_an_endless_policy_list_ends_with_a_clear_error(monkeypatch):
    answers = [page([], "token-%d" % n) for n in range(40)]
    result, session = run(monkeypatch, answers, **google(description="x"))
    assert result.failed
    assert "empty pages in a row" in result.result["msg"] and "paging would not end" in result.result["msg"]
    assert len(session.calls) == 20 and set(paths(session)) == {POLICY_GET}
