# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""mimecast_managed_url through main(), every HTTP call declared, answers built from the captured managed URLs.

Captures (real-samples): mimecast-managedurl-rapid7-1 (a list page with next; two aadroid.net entries that differ in
path "/" and ""), -2 (an empty list), -3 and demisto-1 (create answers), -4 (the duplicate refusal), -5 (a delete
answer), -7 (the list filter, not used), splunk-1 (a peer's create request, disableLogClick true), splunk-2 (a peer's
first list request).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

import pytest
import requests

from ansible_collections.emailsec.tracking.plugins.module_utils._mimecast import (
    MANAGED_URL_CREATE, MANAGED_URL_DELETE, MANAGED_URL_LIST,
)
from ansible_collections.emailsec.tracking.plugins.modules import mimecast_managed_url
from ansible_collections.emailsec.tracking.tests.unit.plugins.module_utils.helpers import ScriptedSession, response
from ansible_collections.emailsec.tracking.tests.unit.plugins.modules.utils import run_module
from ansible_collections.emailsec.tracking.tests.unit.plugins.modules.utils import sample as capture

BASE = "https://mc.example"
ARGS = {"base_url": BASE, "access_key": "mc-access", "secret_key": "c2VjcmV0", "app_id": "mc-app",
        "app_key": "mc-app-key", "retry_max_delay": 0}


LISTED = capture("mimecast-managedurl-rapid7-1.json")      # 10 of 31 entries, meta.pagination.next
EMPTY = capture("mimecast-managedurl-rapid7-2.json")       # data [], pagination {pageSize: 0}
CREATED = capture("mimecast-managedurl-rapid7-3.json")     # https://www.test.net/ permit explicit, path "/"
CREATED_NO_SLASH = capture("mimecast-managedurl-demisto-1.json")  # https://www.test.com permit, path "", "None"
DUPLICATE = capture("mimecast-managedurl-rapid7-4.json")   # refusal of https://www.morele344.net/ permit
DELETED = capture("mimecast-managedurl-rapid7-5.json")     # data [], no id
FILTERED = capture("mimecast-managedurl-rapid7-7.json")    # data[{domainOrUrl, exactMatch}]
SPLUNK_CREATE = capture("mimecast-managedurl-splunk-1.json")
SPLUNK_LIST = capture("mimecast-managedurl-splunk-2.json")
# CLICKS.md section 7 (a capture kept aside): an unknown id, HTTP 200, fail without key
NOT_FOUND = {"meta": {"status": 200}, "data": [], "fail": [{"errors": [{
    "code": "err_managed_url_not_found", "message": "Managed URL not found", "retryable": False}]}]}
SLASH, NO_SLASH = LISTED["data"][8], LISTED["data"][9]     # http://aadroid.net/ and http://aadroid.net
MORELE344 = LISTED["data"][2]                                # https://www.morele344.net/ permit
MORELE3 = LISTED["data"][4]                                  # https://www.morele3.net/ block


def ok(body):
    return response(200, body)


def whole_list(entries=None):
    """The captured two pages (rapid7-1 with next, then the empty rapid7-2), or one page of ``entries``."""
    if entries is None:
        return [ok(LISTED), ok(EMPTY)]
    body = copy.deepcopy(EMPTY)
    body["data"] = entries
    body["meta"]["pagination"] = {"pageSize": len(entries), "totalCount": len(entries)}
    return [ok(body)]


def made(**fields):
    """A create answer as captured (rapid7-3's envelope and field order) for an entry with these fields."""
    body = copy.deepcopy(CREATED)
    body["data"][0].update(fields)
    return ok(body)


def run(monkeypatch, answers, **args):
    for name in ("MIMECAST_BASE_URL", "MIMECAST_ACCESS_KEY", "MIMECAST_SECRET_KEY", "MIMECAST_APP_ID",
                 "MIMECAST_APP_KEY", "MIMECAST_CLIENT_ID", "MIMECAST_CLIENT_SECRET", "MIMECAST_AUTH_TYPE"):
        monkeypatch.delenv(name, raising=False)
    session = ScriptedSession(answers)
    monkeypatch.setattr(requests.Session, "request", session)
    check_mode = args.pop("_check_mode", False)
    full = dict(ARGS, **args)
    full.setdefault("comment", "IR-1: phishing link")  # the task's marker: its own entries carry exactly this
    if check_mode:
        full["_ansible_check_mode"] = True
    result = run_module(mimecast_managed_url.main, full, monkeypatch)
    assert not session.answers, "declared answers left over: %d" % len(session.answers)
    return result, session


def paths(session):
    return [call["url"][len(BASE):] for call in session.calls]


def sent(session, path):
    return [call["json"]["data"] for call in session.calls if call["url"] == BASE + path]


def passed(result):
    assert not result.failed, result.result["msg"]
    return result.result


# -- the stored form ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("url, expected", [
    ("http://aadroid.net/", SLASH), ("http://aadroid.net", NO_SLASH), ("HTTP://AADroid.NET:80/", SLASH),
    ("https://www.morele3.net/", MORELE3),
])
def test_the_captured_list_is_compared_in_its_stored_form_path_slash_and_empty_apart(monkeypatch, url, expected):
    result, session = run(monkeypatch, whole_list(), url=url, comment=expected["comment"])
    out = passed(result)
    assert out["changed"] is False and out["outcome"] == "unchanged"
    assert out["entry"] == expected and out["removed"] == []
    assert out["diff"]["before"] == out["diff"]["after"] == {expected["id"]: {
        k: v for k, v in expected.items() if k != "id"}}
    # the whole list, page by page: the second page asks for the captured next token
    assert paths(session) == [MANAGED_URL_LIST, MANAGED_URL_LIST]
    assert session.calls[1]["json"]["meta"]["pagination"]["pageToken"] == LISTED["meta"]["pagination"]["next"]


def test_the_list_is_read_whole_as_a_peer_asks_for_it_never_by_the_filter(monkeypatch):
    result, session = run(monkeypatch, whole_list(), url="http://aadroid.net/")
    passed(result)
    first = session.calls[0]["json"]
    # splunk-2 sends the same first page (with a null pageToken); the rapid7-7 filter is not used: what it matches
    # is documented only loosely, and the comparison needs every entry
    assert first == {"data": [], "meta": {"pagination": dict(
        (k, v) for k, v in SPLUNK_LIST["meta"]["pagination"].items() if v is not None)}}
    assert "domainOrUrl" in FILTERED["data"][0] and first["data"] == []


def test_a_query_string_is_another_url_and_a_block_of_one_warns(monkeypatch):
    entry = dict(SLASH, id="new-id", queryString="a=1")
    result, session = run(monkeypatch, whole_list() + [made(**entry)], url="http://aadroid.net/?a=1")
    out = passed(result)
    assert out["outcome"] == "created" and out["entry"]["id"] == "new-id"
    assert sent(session, MANAGED_URL_CREATE) == [[{"url": "http://aadroid.net/?a=1", "action": "block",
                                                   "matchType": "explicit", "comment": "IR-1: phishing link",
                                                   "disableLogClick": False}]]
    assert any("query string" in w and "http://aadroid.net/ instead" in w for w in out["warnings"])


# -- creates -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("url, answer", [("https://www.test.net/", CREATED),
                                         ("https://www.test.com", CREATED_NO_SLASH)])
def test_the_captured_create_answers_are_the_entry_made(monkeypatch, url, answer):
    result, session = run(monkeypatch, whole_list([]) + [ok(answer)], url=url, action="permit",
                          comment=answer["data"][0]["comment"])
    out = passed(result)
    assert out["changed"] is True and out["outcome"] == "created" and out["entry"] == answer["data"][0]
    assert sent(session, MANAGED_URL_CREATE) == [[{
        "url": url, "action": "permit", "matchType": "explicit", "comment": answer["data"][0]["comment"],
        "disableLogClick": False, "disableRewrite": False, "disableUserAwareness": False}]]
    assert out["diff"]["before"] == {} and list(out["diff"]["after"]) == ["new entry"]


def test_check_mode_predicts_the_create_and_sends_nothing(monkeypatch):
    mark = CREATED["data"][0]["comment"]
    real, dummy = run(monkeypatch, whole_list([]) + [ok(CREATED)], url="https://www.test.net/", action="permit",
                      comment=mark)
    check, session = run(monkeypatch, whole_list([]), url="https://www.test.net/", action="permit", _check_mode=True,
                         comment=mark)
    real, check = passed(real), passed(check)
    assert paths(session) == [MANAGED_URL_LIST]
    assert (check["changed"], check["outcome"], check["diff"]) == (real["changed"], real["outcome"], real["diff"])
    assert dict(check["entry"], id=None) == dict(real["entry"], id=None) and check["entry"]["id"] is None


def test_an_answer_for_another_path_does_not_prove_the_create(monkeypatch):
    # rapid7-3 made https://www.test.net/ (path "/"); the task asked for https://www.test.net (path "")
    result, session = run(monkeypatch, whole_list([]) + [ok(CREATED)], url="https://www.test.net", action="permit")
    assert result.failed and "not proven" in result.result["msg"]
    assert paths(session).count(MANAGED_URL_CREATE) == 1


def test_the_request_is_splunks_but_keeps_click_logging_on(monkeypatch):
    theirs = SPLUNK_CREATE["data"][0]
    assert theirs["disableLogClick"] is True
    answer = made(id="new-id", scheme="https", domain="testxyz.com", path="/endpoint", action="block",
                  comment=theirs["comment"])
    result, session = run(monkeypatch, whole_list([]) + [answer], url=theirs["url"], comment=theirs["comment"])
    out = passed(result)
    ours = sent(session, MANAGED_URL_CREATE)[0][0]
    assert set(ours) == set(theirs) and dict(ours, disableLogClick=True) == theirs
    assert ours["disableLogClick"] is False
    assert not any("disable_log_click" in w for w in out["warnings"])


def test_click_logging_is_switched_off_only_when_asked_and_then_with_a_warning(monkeypatch):
    answer = made(id="new-id", domain="testxyz.com", path="/endpoint", action="block", comment="",
                  disableLogClick=True)
    result, session = run(monkeypatch, whole_list([]) + [answer], url="https://testxyz.com/endpoint",
                          disable_log_click=True)
    out = passed(result)
    assert sent(session, MANAGED_URL_CREATE)[0][0]["disableLogClick"] is True
    assert any("disable_log_click is true" in w and "who clicked" in w for w in out["warnings"])


def test_the_duplicate_refusal_is_read_as_already_there(monkeypatch):
    # the first read misses the entry (made in the meantime); Mimecast refuses the create as captured
    result, session = run(monkeypatch, whole_list([]) + [ok(DUPLICATE)] + whole_list(),
                          url=DUPLICATE["fail"][0]["key"]["url"], action="permit")
    out = passed(result)
    assert out["changed"] is False and out["outcome"] == "existing" and out["entry"] == MORELE344
    assert paths(session) == [MANAGED_URL_LIST, MANAGED_URL_CREATE, MANAGED_URL_LIST, MANAGED_URL_LIST]
    assert any("err_managed_url_exists_code" in w for w in out["warnings"])


def test_a_duplicate_refusal_without_the_entry_in_the_list_fails_and_says_so(monkeypatch):
    result, session = run(monkeypatch, whole_list([]) + [ok(DUPLICATE)] + whole_list([]),
                          url="https://www.morele344.net/", action="permit")
    assert result.failed
    assert "err_managed_url_exists_code" in result.result["msg"] and "already exists" in result.result["msg"]
    assert paths(session).count(MANAGED_URL_CREATE) == 1


def test_a_lost_create_answer_is_looked_for_not_sent_again(monkeypatch):
    entry = dict(CREATED["data"][0])
    result, session = run(monkeypatch, whole_list([]) + [response(502, {"meta": {"status": 502}, "fail": []})] +
                          whole_list([entry]), url="https://www.test.net/", action="permit")
    out = passed(result)
    assert out["outcome"] == "created" and out["entry"] == entry
    assert paths(session).count(MANAGED_URL_CREATE) == 1
    assert any("not sent again" in w for w in out["warnings"])


# -- replace: Mimecast cannot update -------------------------------------------------------------------------------
def test_another_action_is_deleted_and_recreated_and_check_mode_predicts_both(monkeypatch):
    new = dict(SLASH, id="new-id", action="permit")
    check, session = run(monkeypatch, whole_list(), url="http://aadroid.net/", action="permit", _check_mode=True,
                         comment=SLASH["comment"])
    check = passed(check)
    assert paths(session) == [MANAGED_URL_LIST, MANAGED_URL_LIST]
    real, session = run(monkeypatch, whole_list() + [ok(DELETED), made(**new)], url="http://aadroid.net/",
                        action="permit", comment=SLASH["comment"])
    real = passed(real)
    assert paths(session)[2:] == [MANAGED_URL_DELETE, MANAGED_URL_CREATE]
    assert sent(session, MANAGED_URL_DELETE) == [[{"id": SLASH["id"]}]]
    for out in (check, real):
        assert out["changed"] is True and out["outcome"] == "replaced" and out["removed"] == [SLASH["id"]]
        assert any("delete and recreate" in w for w in out["warnings"])
    assert check["diff"] == real["diff"] and real["entry"]["id"] == "new-id"
    assert real["diff"]["before"][SLASH["id"]]["action"] == "block"
    assert real["diff"]["after"]["new entry"]["action"] == "permit"


def test_an_entry_with_click_logging_off_is_replaced_and_named_as_a_gap(monkeypatch):
    silent = dict(MORELE3, disableLogClick=True)
    result, session = run(monkeypatch, whole_list([silent]) + [ok(DELETED), made(**dict(MORELE3, id="new-id"))],
                          url="https://www.morele3.net/", comment=MORELE3["comment"])
    out = passed(result)
    assert out["outcome"] == "replaced" and out["removed"] == [MORELE3["id"]]
    assert sent(session, MANAGED_URL_CREATE)[0][0]["disableLogClick"] is False
    assert any("click logging off" in w and "who-clicked evidence" in w for w in out["warnings"])


def test_a_failed_create_after_the_delete_says_what_was_removed(monkeypatch):
    result, session = run(monkeypatch, whole_list() + [ok(DELETED), response(400, {"meta": {"status": 400}, "fail": [
        {"errors": [{"code": "err_validation_blank", "message": "url cannot be blank", "retryable": False}]}]})],
        url="http://aadroid.net/", action="permit", comment=SLASH["comment"])
    assert result.failed and result.result["removed"] == [SLASH["id"]]


def test_another_comment_is_not_a_reason_to_replace(monkeypatch):
    """Someone else's entry (another comment) that already blocks the URL: reported, never rewritten."""
    result, session = run(monkeypatch, whole_list(), url="http://aadroid.net", comment="IR-4711")
    out = passed(result)
    assert out["outcome"] == "existing" and out["changed"] is False and out["entry"] == NO_SLASH
    assert paths(session) == [MANAGED_URL_LIST, MANAGED_URL_LIST]
    assert any("not the task's" in w and "Blocked by @jmontero from Slack!" in w for w in out["warnings"])


def test_another_s_entry_with_other_settings_is_never_deleted(monkeypatch):
    """An admin's block with click logging off: the URL is blocked already; nothing deleted or recreated."""
    admin = dict(MORELE3, disableLogClick=True, comment="ADMIN CHG-7: permanent block")
    result, session = run(monkeypatch, whole_list([admin]), url="https://www.morele3.net/", comment="IR-6")
    out = passed(result)
    assert out["outcome"] == "existing" and out["changed"] is False and out["removed"] == []
    assert paths(session) == [MANAGED_URL_LIST]


def test_another_s_entry_that_does_the_opposite_is_refused_not_deleted(monkeypatch):
    admin = dict(MORELE3, action="permit", comment="ADMIN CHG-8: partner portal")
    result, session = run(monkeypatch, whole_list([admin]), url="https://www.morele3.net/", comment="IR-6")
    assert result.failed and "not this task's" in result.result["msg"]
    assert paths(session) == [MANAGED_URL_LIST]


def test_absent_never_deletes_another_s_entry(monkeypatch):
    admin = dict(MORELE3, comment="ADMIN CHG-7: permanent block")
    result, session = run(monkeypatch, whole_list([admin]), url="https://www.morele3.net/", comment="IR-5",
                          state="absent")
    out = passed(result)
    assert out["outcome"] == "absent" and out["removed"] == [] and paths(session) == [MANAGED_URL_LIST]
    assert any("Left in place" in w for w in out["warnings"])


# -- absent -------------------------------------------------------------------------------------------------------
def test_absent_deletes_the_entry_proven_by_the_captured_answer(monkeypatch):
    check, session = run(monkeypatch, whole_list(), url="https://www.morele3.net/", state="absent", _check_mode=True,
                         comment=MORELE3["comment"])
    check = passed(check)
    assert paths(session) == [MANAGED_URL_LIST, MANAGED_URL_LIST]
    real, session = run(monkeypatch, whole_list() + [ok(DELETED)], url="https://www.morele3.net/", state="absent",
                        comment=MORELE3["comment"])
    real = passed(real)
    assert sent(session, MANAGED_URL_DELETE) == [[{"id": MORELE3["id"]}]]
    for out in (check, real):
        assert out["changed"] is True and out["outcome"] == "removed" and out["removed"] == [MORELE3["id"]]
        assert out["entry"] is None and out["diff"]["after"] == {}
    assert check["diff"] == real["diff"]


def test_absent_on_an_id_mimecast_no_longer_knows_is_not_found(monkeypatch):
    result, session = run(monkeypatch, whole_list() + [ok(NOT_FOUND)], url="https://www.morele3.net/",
                          state="absent", comment=MORELE3["comment"])
    out = passed(result)
    assert out["changed"] is False and out["outcome"] == "absent"
    assert out["removed"] == [] and out["not_found"] == [MORELE3["id"]]
    assert any("no longer knew" in w for w in out["warnings"])


def test_absent_leaves_the_other_action_in_place(monkeypatch):
    result, session = run(monkeypatch, whole_list(), url="https://www.morele344.net/", state="absent")
    out = passed(result)
    assert out["changed"] is False and out["outcome"] == "absent" and paths(session) == [MANAGED_URL_LIST] * 2
    assert any("Left in place" in w and MORELE344["id"] in w for w in out["warnings"])


def test_a_delete_answer_that_proves_nothing_fails(monkeypatch):
    odd = {"meta": {"status": 200}, "data": [{"id": "someone-else"}], "fail": []}
    result, session = run(monkeypatch, whole_list() + [ok(odd)], url="https://www.morele3.net/", state="absent",
                          comment=MORELE3["comment"])
    assert result.failed and "not proven" in result.result["msg"] and result.result["removed"] == []


# -- domain entries ------------------------------------------------------------------------------------------------
def test_a_domain_entry_is_compared_and_sent_by_its_domain_alone(monkeypatch):
    entry = dict(MORELE3, id="dom-id", matchType="domain", path="", domain="evil.example")
    result, session = run(monkeypatch, whole_list([entry]), url="https://Evil.example/pay?x=1", match_type="domain",
                          comment=entry["comment"])
    out = passed(result)
    assert out["outcome"] == "unchanged" and out["entry"]["id"] == "dom-id"
    assert any("whole domain evil.example" in w for w in out["warnings"])
    result, session = run(monkeypatch, whole_list([]) + [made(**entry)], url="https://Evil.example/pay?x=1",
                          match_type="domain")
    assert passed(result)["outcome"] == "created"
    assert sent(session, MANAGED_URL_CREATE)[0][0]["url"] == "https://evil.example"


# -- input, refused before any request -----------------------------------------------------------------------------
@pytest.mark.parametrize("args, says", [
    ({"url": ""}, "url is empty"),
    ({"url": "   "}, "url is empty"),
    ({"url": "*"}, "wildcard"),
    ({"url": "https://*.evil.example/pay"}, "wildcard"),
    ({"url": "ftp://evil.example/pay"}, "not an absolute URL"),
    ({"url": "evil.example/pay"}, "not an absolute URL"),
    ({"url": "https://localhost/pay"}, "no domain"),
    ({"url": "https://paypal.com@evil.example/pay"}, "user part"),
    ({"url": "https://docs.google.com/"}, "whole shared platform"),
    ({"url": "https://docs.google.com/forms/d/abc", "match_type": "domain"}, "shared-platform"),
    ({"url": "https://evil.sharepoint.com", "match_type": "domain", "action": "permit"}, "shared-platform"),
    ({"url": "https://acme.example/", "own_domains": ["acme.example"]}, "organisation's own site"),
    ({"url": "https://mail.acme.example/x", "match_type": "domain", "own_domains": ["acme.example"]},
     "organisation's own domains"),
    ({"url": "https://evil.example/pay", "disable_rewrite": True}, "apply only to action permit"),
    ({"url": "https://evil.example/pay", "own_domains": ["@"]}, "own_domains"),
])
def test_bad_and_broad_input_is_refused_before_any_request(monkeypatch, args, says):
    result, session = run(monkeypatch, [], **args)
    assert result.failed and says in result.result["msg"], result.result["msg"]
    assert session.calls == []


def test_allow_broad_lets_a_whole_platform_domain_through(monkeypatch):
    entry = dict(MORELE3, id="dom-id", matchType="domain", path="", domain="docs.google.com")
    result, session = run(monkeypatch, whole_list([]) + [made(**entry)], url="https://docs.google.com/forms/x",
                          match_type="domain", allow_broad=True)
    assert passed(result)["outcome"] == "created"


def test_a_fragment_is_left_out_with_a_warning(monkeypatch):
    entry = dict(MORELE3, id="new-id", domain="evil.example", path="/pay")
    result, session = run(monkeypatch, whole_list([]) + [made(**entry)], url="https://evil.example/pay#step-2")
    out = passed(result)
    assert sent(session, MANAGED_URL_CREATE)[0][0]["url"] == "https://evil.example/pay"
    assert any("fragment #step-2" in w for w in out["warnings"])
