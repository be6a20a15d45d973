# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""mimecast_held_message through main(), every HTTP call declared: outcomes only from Mimecast's answer, rails
before any request, the envelope sender only, bounds."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import copy

import pytest

from ansible_collections.emailsec.tracking.plugins.modules import mimecast_held_message
from ansible_collections.emailsec.tracking.tests.unit.plugins.module_utils.helpers import response
from ansible_collections.emailsec.tracking.tests.unit.plugins.modules.utils import run_module, sample, scripted_vendor

ACCOUNT = {"base_url": "https://mc.example", "access_key": "mYtOL3XZCOwG96BOiFTZRmAAAA", "app_id": "app-1",
           "secret_key": base64.b64encode(b"secret-key-bytes").decode(), "app_key": "app-key-1",
           "retries": 1, "retry_max_delay": 0}
HOLD_LIST = sample("mimecast-actions-demisto-1.json")  # a captured hold queue page (10 held messages)
FIRST = HOLD_LIST["data"][0]["id"]


def envelope(data, fail=None, meta=None):
    return response(200, {"meta": dict({"status": 200}, **(meta or {})), "data": data, "fail": fail or []})


def held(i, sender, header=None, reason="Message Hold Applied - Spam Signature policy", policy="Relaxed Spam Detection"):
    return {"id": "h%d" % i, "reason": reason, "reasonCode": "x", "policyInfo": policy,
            "from": {"emailAddress": sender, "displayableName": ""},
            "fromHeader": {"emailAddress": header or sender, "displayableName": ""},
            "to": {"emailAddress": "anna@acme.example", "displayableName": "Anna"}, "subject": "Invoice %d" % i,
            "route": "INBOUND", "hasAttachments": False, "size": 100, "dateReceived": "2026-11-20T10:00:00+0000"}


def run(monkeypatch, answers, **args):
    session = scripted_vendor(monkeypatch, answers)
    result = run_module(mimecast_held_message.main, dict(ACCOUNT, **args), monkeypatch)
    return result, session


def paths(session):
    return [c["url"].split("mc.example", 1)[1] for c in session.calls]


def test_the_captured_release_answer_is_a_release(monkeypatch):
    result, session = run(monkeypatch, [envelope(HOLD_LIST["data"]),
                                        response(200, dict(sample("mimecast-actions-demisto-2.json"),
                                                           data=[{"id": FIRST, "release": True}]))],
                          state="released", ids=[FIRST])
    assert not result.failed, result.result
    assert result.result["changed"] is True
    assert [(r["id"], r["outcome"]) for r in result.result["results"]] == [(FIRST, "released")]
    assert paths(session) == ["/api/gateway/get-hold-message-list", "/api/gateway/hold-release"]
    assert session.calls[1]["json"] == {"data": [{"id": FIRST}]}


def test_release_false_is_a_failure_and_the_task_fails(monkeypatch):
    refused = copy.deepcopy(sample("mimecast-actions-demisto-7.json"))  # release: false, no fail[]
    refused["data"][0]["id"] = FIRST
    result, session = run(monkeypatch, [envelope(HOLD_LIST["data"]), response(200, refused)],
                          state="released", ids=[FIRST])
    assert result.failed
    assert result.result["results"][0]["outcome"] == "failed"
    assert "release: false" in result.result["results"][0]["message"]
    assert "still held" in result.result["msg"]
    assert result.result["changed"] is False


def test_a_keyed_failure_carries_the_vendor_code(monkeypatch):
    ids = [h["id"] for h in HOLD_LIST["data"][:3]]
    answer = envelope([{"id": ids[0], "reject": True}, {"id": ids[1], "reject": False}],
                      [{"key": {"id": ids[1]}, "errors": [{"code": "err_permission_denied", "message": "not allowed",
                                                           "retryable": False}]}])
    result, session = run(monkeypatch, [envelope(HOLD_LIST["data"]), answer], state="rejected", ids=ids)
    assert result.failed
    outcomes = dict((r["id"], (r["outcome"], r.get("code"))) for r in result.result["results"])
    assert outcomes == {ids[0]: ("rejected", None), ids[1]: ("failed", "err_permission_denied"),
                        ids[2]: ("failed", None)}  # the third: the answer says nothing of it
    assert "err_permission_denied" in result.result["msg"]
    assert result.result["changed"] is True  # one was rejected, and the result says so


def test_allow_partial_reports_the_failures_without_failing(monkeypatch):
    answer = envelope([{"id": FIRST, "reject": False}])
    result, session = run(monkeypatch, [envelope(HOLD_LIST["data"]), answer], state="rejected", ids=[FIRST],
                          allow_partial=True)
    assert not result.failed
    assert result.result["partial"] is True and result.result["changed"] is False
    assert any("still held" in w for w in result.result["warnings"])


def test_a_failure_naming_no_id_that_was_sent_fails_the_task(monkeypatch):
    answer = envelope([{"id": FIRST, "reject": True}],
                      [{"key": {"id": "someone-else"}, "errors": [{"code": "err_x", "message": "odd"}]}])
    result, session = run(monkeypatch, [envelope(HOLD_LIST["data"]), answer], state="rejected", ids=[FIRST])
    assert result.failed
    assert "not asked" in result.result["msg"] and "err_x" in result.result["msg"]


def test_a_release_failing_on_the_way_returns_what_was_done(monkeypatch):
    queue = [held(i, "bad@evil.example") for i in (1, 2, 3)]
    answers = [envelope(queue), envelope([{"id": "h1", "release": True}]),
               response(500, {"meta": {"status": 500}, "data": [], "fail": [{"errors": [{"code": "err_internal"}]}]}),
               response(500, {"meta": {"status": 500}, "data": [], "fail": [{"errors": [{"code": "err_internal"}]}]})]
    result, session = run(monkeypatch, answers, state="released", sender="@evil.example")
    assert result.failed
    assert [(r["id"], r["outcome"]) for r in result.result["results"]] == [
        ("h1", "released"), ("h2", "failed"), ("h3", "not_attempted")]
    assert result.result["changed"] is True


def test_release_by_sender_matches_the_envelope_only(monkeypatch):
    queue = [held(1, "invoices@partner.example"),
             held(2, "x@attacker.example", header="invoices@partner.example", reason="Attachment Protect",
                  policy="Malicious Attachment")]
    result, session = run(monkeypatch, [envelope(queue), envelope([{"id": "h1", "release": True}])],
                          state="released", sender="invoices@partner.example")
    assert not result.failed, result.result
    assert [(r["id"], r["outcome"]) for r in result.result["results"]] == [("h1", "released")]
    assert paths(session).count("/api/gateway/hold-release") == 1


def test_header_from_selects_only_when_asked(monkeypatch):
    queue = [held(1, "invoices@partner.example"), held(2, "x@attacker.example", header="invoices@partner.example")]
    result, session = run(monkeypatch, [envelope(queue)], state="rejected", header_from="invoices@partner.example",
                          _ansible_check_mode=True)
    assert [r["id"] for r in result.result["results"]] == ["h1", "h2"]


def test_a_subdomain_pattern_means_what_it_means_in_the_trace(monkeypatch):
    queue = [held(1, "a@mail.evil.example"), held(2, "b@evil.example"), held(3, "c@notevil.example")]
    result, session = run(monkeypatch, [envelope(queue)], state="rejected", sender="*.evil.example",
                          _ansible_check_mode=True)
    assert [(r["id"], r["outcome"]) for r in result.result["results"]] == [("h1", "would_reject"),
                                                                           ("h2", "would_reject")]


@pytest.mark.parametrize("args, message", [
    ({"sender": ""}, "sender is empty"),
    ({"sender": "  "}, "sender is empty"),
    ({"sender": "@"}, "sender is empty"),
    ({"sender": "*"}, "wildcard"),
    ({"sender": "@*"}, "wildcard"),
    ({"sender": "a@b@c.example"}, "not an email address"),
    ({"sender": "Bad Guy <bad@evil.example>"}, "not an email address"),
    ({"sender": "evil.example."}, "neither an email address nor a domain"),
    ({"sender": "localhost"}, "neither an email address nor a domain"),
    ({"sender": "@gmail.com"}, "free-mail or shared-platform"),
    ({"sender": "*.outlook.com"}, "free-mail or shared-platform"),
    ({"sender": "@acme.example", "own_domains": ["acme.example"]}, "organisation's own domains"),
    ({"header_from": "gmail.com"}, "free-mail or shared-platform"),
    ({"recipient": "*"}, "wildcard"),
    ({"subject": " "}, "at least 3 characters"),
    ({"reason": "a"}, "at least 3 characters"),
    ({"ids": [" "]}, "empty or blank id"),
    ({"ids": ["a", "b", "c"], "max_messages": 2}, "more than max_messages (2)"),
    ({"sender": "@evil.example", "max_messages": 0}, "max_messages must be 1 or more"),
    ({}, "nothing selected"),
])
def test_what_could_select_everything_is_refused_before_any_request(args, message, monkeypatch):
    result, session = run(monkeypatch, [], state="rejected", **args)
    assert result.failed
    assert message in result.result["msg"], result.result["msg"]
    assert session.calls == []


def test_allow_broad_lets_a_whole_free_mail_domain_through(monkeypatch):
    queue = [held(1, "x@gmail.com")]
    result, session = run(monkeypatch, [envelope(queue)], state="rejected", sender="@gmail.com", allow_broad=True,
                          _ansible_check_mode=True)
    assert not result.failed and result.result["results"][0]["outcome"] == "would_reject"


def test_a_selection_larger_than_max_messages_does_nothing(monkeypatch):
    queue = [held(i, "bad@evil.example") for i in range(1, 6)]
    result, session = run(monkeypatch, [envelope(queue)], state="rejected", sender="@evil.example", max_messages=4)
    assert result.failed and "5 held messages, more than max_messages (4)" in result.result["msg"]
    assert paths(session) == ["/api/gateway/get-hold-message-list"]


def test_endless_page_tokens_end_with_a_clear_error(monkeypatch):
    pages = [envelope([], meta={"pagination": {"pageSize": 100, "next": "t%d" % n}}) for n in range(25)]
    result, session = run(monkeypatch, pages, state="rejected", sender="@evil.example")
    assert result.failed and "empty pages in a row" in result.result["msg"]
    assert len(session.calls) == 20


def test_a_page_larger_than_asked_is_refused(monkeypatch):
    big = [held(i, "bad@evil.example") for i in range(101)]
    result, session = run(monkeypatch, [envelope(big)], state="rejected", sender="@evil.example")
    assert result.failed and "101 items on a page of at most 100" in result.result["msg"]


def test_an_empty_list_of_ids_selects_nothing_and_sends_nothing(monkeypatch):
    result, session = run(monkeypatch, [], state="released", ids=[])
    assert not result.failed and result.result["changed"] is False and result.result["results"] == []
    assert session.calls == []


def test_the_captured_reject_answer_and_a_captured_hold_record(monkeypatch):
    """A sanitised capture's record: ``to`` one object, a non-Latin display name, a header From unlike the sender."""
    record = dict(sample("mimecast-actions-chronicle-1.json"), **{
        "from": {"emailAddress": "billing@evil.example", "displayableName": "ג'יימס בונד"}})
    reject = copy.deepcopy(sample("mimecast-actions-demisto-3.json"))
    reject["data"][0]["id"] = record["id"]
    result, session = run(monkeypatch, [envelope([record]), response(200, reject)], state="rejected",
                          recipient="TestRecipient@acme.example", reason="content examination")
    assert result.result["results"] == []  # TestRecipient is not an address: nothing matches, nothing is sent
    record["to"] = {"emailAddress": "anna@acme.example", "displayableName": "Anna"}
    result, session = run(monkeypatch, [envelope([record]), response(200, reject)], state="rejected",
                          recipient="anna@acme.example", reason="content examination")
    assert not result.failed, result.result
    assert [(r["id"], r["outcome"], r["recipients"]) for r in result.result["results"]] == [
        ("Test_Id_1", "rejected", ["anna@acme.example"])]
    assert session.calls[1]["json"]["data"][0]["ids"] == ["Test_Id_1"]


def test_releasing_mail_held_for_a_threat_warns(monkeypatch):
    queue = [held(1, "x@attacker.example", header="invoices@partner.example", reason="Attachment Protect",
                  policy="Malicious Attachment")]
    result, session = run(monkeypatch, [envelope(queue)], state="released", header_from="invoices@partner.example",
                          _ansible_check_mode=True)
    assert result.result["results"][0]["outcome"] == "would_release"
    assert any("held for a threat" in w and "h1" in w for w in result.result["warnings"])
