# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""mimecast_remediation_incident through main(), every HTTP call declared: one incident a case AND indicator, the
create sent once, the wait by the one polling piece, failures that keep the incident, rails before any request."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64

import pytest

from ansible_collections.emailsec.tracking.plugins.module_utils import _module
from ansible_collections.emailsec.tracking.plugins.module_utils._mimecast_remediation import (
    incident_of, incidents_of, marker_of, settled,
)
from ansible_collections.emailsec.tracking.plugins.modules import mimecast_remediation_incident
from ansible_collections.emailsec.tracking.tests.unit.plugins.module_utils.helpers import ScriptedSession, response
from ansible_collections.emailsec.tracking.tests.unit.plugins.modules.utils import run_module

BASE = "https://eu-api.mimecast.com"
HASH = "2033b7a057a68ba8c60862e9de3bd9ce630010c982682d5167e33568a926315b"
OTHER = "c" * 64
CREATE, CREATE_V2 = BASE + "/api/ttp/remediation/create", BASE + "/api/ttp/remediation/v2/create"
GET, FIND = BASE + "/api/ttp/remediation/get-incident", BASE + "/api/ttp/remediation/find-incidents"
ARGS = {"base_url": BASE, "access_key": "ak", "secret_key": base64.b64encode(b"k" * 32).decode(), "app_id": "app",
        "app_key": "appkey", "retries": 2, "retry_max_delay": 1.0, "reason": "Invoice phishing campaign"}
OPENED, LATER = "2020-05-25T10:01:53+0000", "2020-05-25T10:03:12+0000"


def envelope(data, fail=None):
    return response(200, {"meta": {"status": 200}, "data": data, "fail": fail or []})


def incident(number, case, identified=3, successful=0, criteria=None, modified=OPENED, in_find=True, **fields):
    """An incident in the captured vocabulary (real-samples/mimecast-actions-demisto-6.json)."""
    value = {"id": "MTE2NjE0OD%06d" % number, "code": "TR-CSND1A7780-%05d-M" % number, "type": "manual",
             "reason": "Invoice phishing campaign [ansible:%s]" % case, "identified": identified,
             "successful": successful, "failed": 0, "restored": 0, "create": OPENED, "modified": modified,
             "searchCriteria": dict({"start": "2020-04-25T10:01:53+0000", "end": "2020-05-25T22:01:53+0000"},
                                    **(criteria or {"fileHash": HASH}))}
    value.update(fields)
    return value


def found(*incidents):
    """A find-incidents answer: data[0].incidents, the items without searchCriteria (as the sandbox now answers)."""
    return envelope([{"incidents": [dict((k, v) for k, v in i.items() if k != "searchCriteria") for i in incidents]}])


class Vendor:
    """The scripted Mimecast and a clock of its own: sleeping moves the clock and is recorded, never done."""

    def __init__(self, answers):
        self.session = ScriptedSession(answers)
        self.now = 1000.0
        self.sleeps = []

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds

    @property
    def calls(self):
        return [(c["url"], (c["json"] or {}).get("data")) for c in self.session.calls]

    def urls(self):
        return [c["url"] for c in self.session.calls]


def run(monkeypatch, answers, vendor=None, **args):
    """One run of the module against the declared answers (or a Vendor made beforehand)."""
    vendor = vendor or Vendor(answers)
    real = _module.HttpClient

    def make(**kwargs):
        kwargs.update(monotonic=vendor.monotonic, sleep=vendor.sleep, rand=lambda: 0.0)
        client = real(**kwargs)
        client.session.request = vendor.session
        return client

    monkeypatch.setattr(_module, "HttpClient", make)
    result = run_module(mimecast_remediation_incident.main, dict(ARGS, **args), monkeypatch)
    assert vendor.session.answers == [], "declared answers were not asked for"
    return result, vendor


# -- finding the incident of this case AND indicator (H2) -------------------------------------------------------
def test_case_ir_1_does_not_take_the_incident_of_ir_12(monkeypatch):
    ir12 = incident(1, "IR-12")
    mine = incident(2, "IR-1", identified=5)
    result, vendor = run(monkeypatch, [found(ir12), envelope([mine])], file_hash=HASH, case="IR-1")
    assert not result.failed and result.result["created"] is True and result.result["changed"] is True
    assert result.result["id"] == mine["id"]
    # IR-12's incident is not even read: its reason does not end with [ansible:IR-1]
    assert vendor.urls() == [FIND, CREATE]
    sent = vendor.calls[1][1][0]
    assert sent["reason"] == "Invoice phishing campaign [ansible:IR-1]"
    assert sent["searchBy"] == "hash" and sent["hashOrMessageId"] == HASH


def test_a_second_hash_under_one_case_opens_its_own_incident(monkeypatch):
    first = incident(1, "IR-1", criteria={"fileHash": OTHER})
    second = incident(2, "IR-1", identified=5)
    result, vendor = run(monkeypatch, [found(first), envelope([first]), envelope([second])], file_hash=HASH,
                         case="IR-1")
    assert result.result["created"] is True and result.result["id"] == second["id"]
    assert vendor.urls() == [FIND, GET, CREATE]
    assert vendor.calls[1][1] == [{"id": first["id"]}]


def test_the_incident_of_this_case_and_hash_is_found_in_any_letter_case(monkeypatch):
    mine = incident(1, "IR-1", identified=3, successful=3, criteria={"fileHash": HASH.upper()})
    result, vendor = run(monkeypatch, [found(incident(2, "IR-12"), mine), envelope([mine])], file_hash=HASH,
                         case="IR-1")
    assert result.result["changed"] is False and result.result["created"] is False
    assert result.result["id"] == mine["id"] and result.result["settled"] is True
    assert vendor.urls() == [FIND, GET]


@pytest.mark.parametrize("args, criteria, same", [
    ({"message_id": "abc@evil.example"}, {"messageId": "<abc@evil.example>"}, True),
    ({"message_id": "abc@evil.example"}, {"messageId": "<ABC@evil.example>"}, False),
    ({"message_id": "abc@evil.example"}, {"fileHash": HASH}, False),
    ({"url": "https://evil.example/pay/1"}, {"url": "https://evil.example/pay/1"}, True),
    ({"url": "https://evil.example/pay/1"}, {"url": "https://evil.example/pay/12"}, False),
    ({"url": "https://evil.example/pay/1"}, {}, False),
    ({"message_ids": ["<b@x.example>", "a@x.example"]}, {"messageIds": ["<a@x.example>", "<b@x.example>"]}, True),
    ({"message_ids": ["<b@x.example>"]}, {"messageIds": ["<a@x.example>", "<b@x.example>"]}, False),
])
def test_criteria_decide_whether_the_case_incident_is_this_one(monkeypatch, args, criteria, same):
    candidate = incident(1, "IR-1", identified=2, successful=2, criteria=criteria)
    answers = [found(candidate), envelope([candidate])]
    if not same:
        answers.append(envelope([incident(2, "IR-1")]))
    result, vendor = run(monkeypatch, answers, case="IR-1", **args)
    assert result.result["created"] is (not same)
    assert result.result["id"] == ("MTE2NjE0OD000001" if same else "MTE2NjE0OD000002")


def test_a_message_id_keeps_its_brackets_and_message_ids_go_to_the_v2_create(monkeypatch):
    result, vendor = run(monkeypatch, [envelope([incident(1, "x", criteria={"messageId": "<a@x.example>"})])],
                         message_id=" a@x.example ")
    assert vendor.calls[0][1][0]["hashOrMessageId"] == "<a@x.example>" and vendor.calls[0][1][0]["searchBy"] \
        == "messageId"
    ids = {"messageIds": ["<a@x.example>", "<b@x.example>"]}
    result, vendor = run(monkeypatch, [envelope([incident(1, "x", criteria=ids)])],
                         message_ids=["<a@x.example>", "b@x.example", "a@x.example"])
    assert vendor.urls() == [CREATE_V2]
    sent = vendor.calls[0][1][0]
    assert sent["searchBy"] == "message_ids" and sent["messageIds"] == ["<a@x.example>", "<b@x.example>"]
    assert set(sent) == {"searchBy", "messageIds", "reason", "start", "end"}
    assert result.result["created"] is True


def test_check_mode_opens_nothing_and_predicts(monkeypatch):
    result, vendor = run(monkeypatch, [found(incident(1, "IR-12"))], file_hash=HASH, case="IR-1",
                         _ansible_check_mode=True)
    assert result.result["changed"] is True and result.result["incident"] is None and vendor.urls() == [FIND]
    mine = incident(1, "IR-1", identified=3, successful=1)
    result, vendor = run(monkeypatch, [found(mine), envelope([mine])], file_hash=HASH, case="IR-1", wait=True,
                         _ansible_check_mode=True)
    assert result.result["changed"] is False and result.result["id"] == mine["id"] and vendor.urls() == [FIND, GET]
    assert result.result["settled"] is False and result.result["reads"] == 0


# -- the create sent once (M1) -----------------------------------------------------------------------------------
def test_a_create_answered_502_is_found_and_not_sent_again(monkeypatch):
    made = incident(1, "IR-7", identified=5)
    result, vendor = run(monkeypatch, [found(), response(502, raw=b"<html>Bad gateway</html>"), found(made),
                                       envelope([made])], file_hash=HASH, case="IR-7")
    assert not result.failed, result.result["msg"]
    assert vendor.urls() == [FIND, CREATE, FIND, GET]
    assert result.result["created"] is True and result.result["changed"] is True and result.result["id"] == made["id"]
    warning, = result.result["warnings"]
    assert "the answer to the create was lost" in warning and made["id"] in warning


def test_a_create_that_failed_and_was_not_found_fails_saying_where_to_look(monkeypatch):
    bad = response(502, raw=b"<html>Bad gateway</html>")
    result, vendor = run(monkeypatch, [found(), bad, found(), bad, found(), bad, found()], file_hash=HASH,
                         case="IR-7")
    assert result.failed and vendor.urls().count(CREATE) == 3
    assert "Mimecast may have opened the incident" in result.result["msg"]
    assert "[ansible:IR-7]" in result.result["msg"] and result.result["created"] is None


def test_without_a_case_a_failed_create_is_never_sent_again(monkeypatch):
    result, vendor = run(monkeypatch, [response(502, raw=b"<html>Bad gateway</html>")], file_hash=HASH)
    assert result.failed and vendor.urls() == [CREATE]
    assert "may have opened the incident" in result.result["msg"]
    assert "Invoice phishing campaign" in result.result["msg"] and "give case" in result.result["msg"]


def test_a_refused_create_says_nothing_was_opened(monkeypatch):
    refusal = response(400, {"meta": {"status": 400}, "data": [],
                             "fail": [{"errors": [{"code": "err_validation_hash", "message": "bad hash"}]}]})
    result, vendor = run(monkeypatch, [found(), refusal], file_hash=HASH, case="IR-7")
    assert result.failed and result.result["created"] is False and result.result["id"] is None
    assert result.result["vendor_code"] == "err_validation_hash" and "may have opened" not in result.result["msg"]


# -- waiting (M5) --------------------------------------------------------------------------------------------------
def test_wait_reads_again_after_a_create_that_counts_0(monkeypatch):
    new = incident(1, "IR-20", identified=0)
    answers = [found(), envelope([new]), envelope([new]), envelope([incident(1, "IR-20", 40, 10, modified=LATER)]),
               envelope([incident(1, "IR-20", 40, 40, modified=LATER)])]
    result, vendor = run(monkeypatch, answers, file_hash=HASH, case="IR-20", wait=True, poll_interval=2,
                         wait_timeout=30)
    assert result.result["settled"] is True and result.result["reads"] == 3
    assert result.result["counts"] == {"identified": 40, "successful": 40, "failed": 0}
    assert vendor.urls() == [FIND, CREATE, GET, GET, GET] and vendor.sleeps == [2, 2, 2]
    assert result.result["warnings"] == []


def test_a_create_that_answers_settled_counts_is_still_read_again(monkeypatch):
    done = incident(1, "IR-21", identified=3, successful=3)
    result, vendor = run(monkeypatch, [envelope([done]), envelope([done])], file_hash=HASH, wait=True,
                         poll_interval=1)
    assert result.result["reads"] == 1 and result.result["settled"] is True and vendor.urls() == [CREATE, GET]
    # without wait it was never read again: not proven settled
    result, vendor = run(monkeypatch, [envelope([done])], file_hash=HASH)
    assert result.result["settled"] is False and result.result["reads"] == 0


def test_wait_ends_at_its_timeout_with_settled_false_and_a_warning(monkeypatch):
    answers = [found(), envelope([incident(1, "IR-30", 100, 0)])] + [
        envelope([incident(1, "IR-30", 100, n, modified=LATER)]) for n in range(1, 6)]
    result, vendor = run(monkeypatch, answers, file_hash=HASH, case="IR-30", wait=True, poll_interval=1,
                         wait_timeout=4.5)
    assert not result.failed and result.result["settled"] is False and result.result["reads"] == 5
    assert vendor.sleeps == [1, 1, 1, 1, 0.5]  # the last wait is cut to what is left of the timeout
    warning, = result.result["warnings"]
    assert "MTE2NjE0OD000001" in warning and "TR-CSND1A7780-00001-M" in warning
    assert "identified 100, successful 5, failed 0" in warning and "had not settled after 4.5 seconds" in warning


def test_an_incident_that_stays_at_0_is_not_settled(monkeypatch):
    zero = incident(1, "IR-31", identified=0)
    result, vendor = run(monkeypatch, [envelope([zero])] * 4, file_hash=HASH, wait=True, poll_interval=1,
                         wait_timeout=2.5)
    assert result.result["settled"] is False and result.result["reads"] == 3
    assert "identified 0, successful 0, failed 0" in result.result["warnings"][0]


def test_wait_timeout_beyond_total_timeout_is_refused_before_any_request(monkeypatch):
    result, vendor = run(monkeypatch, [], file_hash=HASH, wait=True, wait_timeout=600, total_timeout=300)
    assert result.failed and vendor.urls() == []
    assert result.result["msg"] == ("wait_timeout (600.0 seconds) must be less than total_timeout (300.0 seconds), "
                                    "the deadline of the whole run, or the deadline would cut the wait: lower "
                                    "wait_timeout or raise total_timeout")


# -- failures after the incident exists, odd answers (L2) -----------------------------------------------------------
def test_a_failed_read_after_the_create_returns_the_incident(monkeypatch):
    made = incident(1, "IR-30", identified=5)
    boom = response(500, {"meta": {"status": 500}, "data": [],
                          "fail": [{"errors": [{"code": "err_internal", "message": "boom"}]}]})
    result, vendor = run(monkeypatch, [found(), envelope([made]), boom, boom, boom], file_hash=HASH, case="IR-30",
                         wait=True, poll_interval=1)
    assert result.failed
    assert result.result["id"] == made["id"] and result.result["code"] == made["code"]
    assert result.result["created"] is True and result.result["vendor_code"] == "err_internal"
    assert "was opened by this run" in result.result["msg"] and made["id"] in result.result["msg"]


def test_the_runs_deadline_during_the_wait_returns_the_incident(monkeypatch):
    made = incident(1, "IR-30", identified=50)
    clock = []

    def slow_create(method, url, params, headers):
        clock[0].now += 5  # the create took 5 of the run's 10 seconds
        return envelope([made])

    answers = [slow_create] + [envelope([incident(1, "IR-30", 50, n, modified=LATER)]) for n in range(1, 4)]
    vendor = Vendor(answers)
    clock.append(vendor)
    result, vendor = run(monkeypatch, None, vendor, file_hash=HASH, wait=True, poll_interval=1.5, wait_timeout=9,
                         total_timeout=10)
    # reads at 6.5, 8 and 9.5 seconds; the fourth, at 11, is past the run's deadline and is not sent
    assert result.failed and vendor.urls() == [CREATE, GET, GET, GET]
    assert "total_timeout of 10.0 seconds ran out" in result.result["msg"]
    assert result.result["id"] == made["id"] and result.result["code"] == made["code"]
    assert result.result["created"] is True and result.result["incident"]["successful"] == 3


@pytest.mark.parametrize("answer", [
    envelope([]),
    envelope([{"code": "TR-x", "identified": 0}]),
    envelope(["not an object"]),
])
def test_a_create_answer_without_an_incident_is_a_clear_failure(monkeypatch, answer):
    result, vendor = run(monkeypatch, [found(), answer], url="https://evil.example/pay/1", case="K1", wait=True)
    assert result.failed and "exception" not in result.result
    assert "Mimecast accepted the create, but the answer has no incident" in result.result["msg"]
    assert "[ansible:K1]" in result.result["msg"] and result.result["created"] is True


def test_a_get_incident_answer_without_the_incident_is_a_clear_failure(monkeypatch):
    made = incident(1, "K1", identified=2, criteria={"url": "https://evil.example/pay/1"})
    result, vendor = run(monkeypatch, [found(), envelope([made]), envelope([])], url="https://evil.example/pay/1",
                         case="K1", wait=True, poll_interval=0.1)
    assert result.failed and "the answer holds no incident with this id" in result.result["msg"]
    assert result.result["id"] == made["id"] and result.result["created"] is True


# -- rails before any request (L4) ---------------------------------------------------------------------------------
@pytest.mark.parametrize("args, message", [
    ({"message_id": " "}, "message_id is empty: give the Message-ID header of the message, like <id@example.com>"),
    ({"message_id": "<>"}, "message_id is empty: give the Message-ID header of the message, like <id@example.com>"),
    ({"message_id": "*"}, "message_id: '*' is not a Message-ID (it holds blanks or a wildcard)"),
    ({"message_ids": ["<a@x.example>", "<>"]}, "message_ids[1] is empty: give the Message-ID header of the "
                                               "message, like <id@example.com>"),
    ({"url": " "}, "url: ' ' is not an absolute URL: give the whole link, like https://evil.example/pay"),
    ({"url": "*"}, "url: '*' is not an absolute URL: give the whole link, like https://evil.example/pay"),
    ({"url": "http"}, "url: 'http' is not an absolute URL: give the whole link, like https://evil.example/pay"),
    ({"url": "https://docs.google.com/"}, "url: https://docs.google.com/ is a whole shared platform or the "
                                          "organisation's own site; give the campaign's own link (with its path), "
                                          "or set allow_broad: true if that is really meant"),
    ({"url": "https://www.acme.example", "own_domains": ["acme.example"]},
     "url: https://www.acme.example is a whole shared platform or the organisation's own site; give the campaign's "
     "own link (with its path), or set allow_broad: true if that is really meant"),
    ({"file_hash": "not-a-hash"}, "file_hash: 'not-a-hash' is not an MD5, SHA-1 or SHA-256 hash (hexadecimal)"),
    ({"file_hash": HASH, "url": "https://evil.example/x"},
     "give exactly one of file_hash, message_id, message_ids, url (got file_hash, url)"),
    ({}, "give exactly one of file_hash, message_id, message_ids, url (got none)"),
    ({"file_hash": HASH, "case": " "}, "case is empty: give the case or ticket id that marks this incident"),
    ({"file_hash": HASH, "case": "IR-1]"}, "case: 'IR-1]' holds a square bracket, which would end the marker "
                                           "[ansible:<case>] early; give the ticket id without brackets"),
    ({"file_hash": HASH, "reason": " "}, "reason is empty: say why the messages are removed"),
    ({"file_hash": HASH, "wait_timeout": 0}, "wait_timeout and poll_interval must be more than 0 seconds"),
])
def test_wrong_input_is_refused_before_any_request(monkeypatch, args, message):
    result, vendor = run(monkeypatch, [], **args)
    assert result.failed and vendor.urls() == []
    assert result.result["msg"] == message


def test_a_broad_url_is_accepted_when_allowed_or_with_a_path(monkeypatch):
    for args in ({"url": "https://docs.google.com/", "allow_broad": True},
                 {"url": "https://docs.google.com/forms/d/e/1FAIpQL/viewform"}):
        result, vendor = run(monkeypatch, [envelope([incident(1, "x", criteria={"url": args["url"]})])], **args)
        assert not result.failed and vendor.calls[0][1][0]["url"] == args["url"]


# -- the pieces --------------------------------------------------------------------------------------------------------
def test_markers_are_whole_tokens_at_the_end_of_the_reason():
    assert marker_of("phish [ansible:IR-1]") == "IR-1"
    assert marker_of("phish [ansible:IR-12]") == "IR-12"
    assert marker_of("phish [ansible:IR-1] and more") is None
    assert marker_of("phish ansible:IR-1") is None and marker_of(None) is None


def test_incidents_in_both_shapes_and_settling():
    one = {"id": "i1", "identified": 3, "successful": 1, "failed": 1}
    assert incidents_of({"data": [{"incidents": [one]}]}) == [one]
    assert incidents_of({"data": [one]}) == [one]
    assert settled(one) is False and settled(dict(one, successful=2)) is True
    assert settled({"identified": "3"}) is False
    zero = {"identified": 0, "successful": 0, "failed": 0, "create": OPENED}
    assert settled(dict(zero, modified=OPENED)) is False and settled(dict(zero, modified=LATER)) is True
    assert settled(zero) is False
    assert incident_of({"data": []}) is None and incident_of({"data": [{"code": "x"}]}) is None


def test_two_incidents_of_one_case_and_indicator_are_reported_with_a_warning(monkeypatch):
    first, second = incident(1, "IR-1", 2, 2), incident(2, "IR-1", 2, 2)
    result, vendor = run(monkeypatch, [found(first, second), envelope([first]), envelope([second])], file_hash=HASH,
                         case="IR-1")
    assert result.result["id"] == first["id"] and result.result["changed"] is False
    warning, = result.result["warnings"]
    assert "2 remediation incidents carry [ansible:IR-1]" in warning and second["id"] in warning


def test_the_captured_create_answer_is_read_as_the_incident(monkeypatch):
    """mimecast-actions-demisto-6: an integrator's create answer (a message id incident), through main()."""
    from ansible_collections.emailsec.tracking.tests.unit.plugins.modules.utils import sample
    captured = sample("mimecast-actions-demisto-6.json")
    result, vendor = run(monkeypatch, [response(200, captured)], message_id="<test-id@example.com>")
    assert not result.failed, result.result
    assert result.result["created"] is True and result.result["changed"] is True
    assert result.result["id"] == "test-id" and result.result["code"] == "TR-CSND1A7780-00045-M"
    assert result.result["counts"] == {"identified": 3, "successful": 0, "failed": 0}
    assert result.result["incident"]["type"] == "manual"


def test_an_incident_that_ends_before_the_given_end_does_not_stand_for_a_later_wave(monkeypatch):
    """The same case and hash, traced again after a second wave: the old incident's window ends before the new
    trace's end, so it cannot have removed the later mail; a new incident is opened."""
    old = incident(1, "IR-1", identified=5, successful=5)  # searchCriteria.end 2020-05-25T22:01:53+0000
    new = incident(2, "IR-1", identified=5)
    result, vendor = run(monkeypatch, [found(old), envelope([old]), envelope([new])], file_hash=HASH, case="IR-1",
                         start="2020-05-20T00:00:00Z", end="2020-05-26T09:00:00Z")
    assert result.result["created"] is True and result.result["id"] == new["id"]
    assert vendor.urls() == [FIND, GET, CREATE]
    # the same end as the old incident's (a rerun of the same response): found, nothing opened
    result, vendor = run(monkeypatch, [found(old), envelope([old])], file_hash=HASH, case="IR-1",
                         start="2020-05-20T00:00:00Z", end="2020-05-25T22:01:53Z")
    assert result.result["created"] is False and result.result["id"] == old["id"]


def test_a_message_id_echoed_without_brackets_is_the_same_message_id(monkeypatch):
    """mimecast-actions-demisto-6 echoes searchCriteria.messageId without angle brackets."""
    echoed = incident(1, "IR-1", identified=1, successful=1, criteria={"messageId": "abc@evil.example"})
    result, vendor = run(monkeypatch, [found(echoed), envelope([echoed])], message_id="<abc@evil.example>",
                         case="IR-1")
    assert result.result["created"] is False and result.result["id"] == echoed["id"]
