# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""mimecast_message_info through main(), every HTTP call declared: the captured answer read through the real
decoding, both component shapes, failures per id, wrong types, and bad input refused before any request."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json

import pytest

from ansible_collections.emailsec.tracking.plugins.module_utils._mimecast_message_info import message_id_of
from ansible_collections.emailsec.tracking.plugins.modules import mimecast_message_info
from ansible_collections.emailsec.tracking.tests.unit.plugins.module_utils.helpers import response
from ansible_collections.emailsec.tracking.tests.unit.plugins.modules.utils import (
    run_module, sample, scripted_vendor,
)

CAPTURE = "mimecast-msginfo-demisto-1.json"  # a copy of shared/api/real-samples, as every fixture there
URL = "https://eu-api.mimecast.com/api/message-finder/get-message-info"
REAL_ID = "<978aeeb7a7bded3d-193351@nodered-mimecast-686cbcb7f9-znlxj.hamilton321.net>"
SHA = "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08"
ENVIRONMENT = ("MIMECAST_BASE_URL", "MIMECAST_ACCESS_KEY", "MIMECAST_SECRET_KEY", "MIMECAST_APP_ID",
               "MIMECAST_APP_KEY", "MIMECAST_CLIENT_ID", "MIMECAST_CLIENT_SECRET", "MIMECAST_AUTH_TYPE")
SECRET = "c2VjcmV0LWtleS1mb3ItdW5pdC10ZXN0cw=="


@pytest.fixture()
def capture():
    return sample(CAPTURE)


@pytest.fixture()
def env(monkeypatch):
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def args(**extra):
    base = {"region": "eu", "access_key": "mYtOL3XZCOwG96BOiFTZRm-access", "secret_key": SECRET,
            "app_id": "00000000-0000-0000-0000-000000000001", "app_key": "app-key-for-unit-tests",
            "retry_max_delay": 0, "retries": 1}
    base.update(extra)
    return base


def envelope(data, fail=None):
    return response(200, {"meta": {"status": 200}, "data": data, "fail": fail or []})


def run(env, answers, **extra):
    session = scripted_vendor(env, answers)
    result = run_module(mimecast_message_info.main, args(**extra), env)
    assert not session.answers, "declared answers were not asked for"
    return result, session


def test_the_captured_answer_gives_the_message_id_recipients_and_policies(env, capture):
    data0 = capture["data"][0]
    result, session = run(env, [response(200, capture)], ids=[data0["id"]])
    assert not result.failed, result.result
    assert [(c["method"], c["url"], c["json"]) for c in session.calls] == [
        ("POST", URL, {"data": [{"id": data0["id"]}]})]
    out = result.result
    assert out["changed"] is False and out["count"] == 1
    message = out["messages"][0]
    assert message["id"] == data0["id"] and message["status"] == "archived"
    assert message["message_id"] == REAL_ID
    assert message["recipients"] == ["test@test.com"]
    assert message["from_envelope"] == message["from_header"] == "markrobertsny@pilot-meadow.b41.one"
    assert message["subject"] == "Demand Ken Lay Donate Proceeds from Enron Stock Sales"
    assert message["to"] == ["test@test.com"] and message["cc"] == []
    assert message["sent"] == message["processed"] == "2022-07-18T13:25:21+0000"
    delivered = message["delivered"]
    assert [(d["recipient"], d["event"], d["route"]) for d in delivered] == [
        ("test@test.com", "Email Delivered via Routing Rule", "inbound")]
    assert len(delivered[0]["policies"]) == 12 and delivered[0]["policies"][-1] == "Accept and drop messages"
    # the capture's components are the message's own parts (transmission, bodies), none of them an attachment
    assert message["attachments"] == []
    assert message["spam"] == {"spamScore": 2, "detectionLevel": "relaxed"}
    assert message["raw"] == data0


def test_attachments_from_both_component_shapes_each_once(env, capture):
    data0 = copy.deepcopy(capture["data"][0])
    file_part = {"type": "Attachment Of Some Kind", "name": "INV-1.html", "extension": "html",
                 "mimeType": "text/html", "size": 3918, "hash": SHA}
    data0["recipientInfo"]["recipientMetaInfo"]["components"].append(file_part)
    data0["recipientInfo"]["recipientMetaInfo"]["components"].append(dict(file_part, hash="not-a-sha256"))
    data0["deliveredMessage"]["Test@Test.com"] = data0["deliveredMessage"].pop("test@test.com")
    data0["deliveredMessage"]["Test@Test.com"]["deliveryMetaInfo"]["components"].append(dict(file_part))
    data0["deliveredMessage"]["other@test.com"] = {
        "txInfo": {"txEvent": "Item currently queued for delivery", "transmissionComponents": [
            {"fileName": "transmission.eml", "fileType": "Email Transmission File", "hash": "a" * 64, "txSize": 9},
            {"fileName": "payload.zip", "fileType": "zip", "hash": "b" * 64, "txSize": 77}]}}
    result, dummy = run(env, [envelope([data0])], ids=["abc"])
    message = result.result["messages"][0]
    assert message["attachments"] == [
        {"name": "INV-1.html", "sha256": SHA.lower(), "mime_type": "text/html", "size": 3918},
        {"name": "payload.zip", "sha256": "b" * 64, "mime_type": None, "size": 77}]
    assert message["recipients"] == ["test@test.com", "other@test.com"]
    assert message["delivered"][1] == {"recipient": "other@test.com", "event": "Item currently queued for delivery",
                                       "route": None, "policies": []}


def test_held_mail_in_the_older_shape(env, capture):
    components = [
        {"fileName": "body.htm", "fileType": "Email Primary Body HTML", "hash": "c" * 64, "txSize": 5},
        {"fileName": "INV-1.html", "fileType": "File Attachment", "hash": SHA, "txSize": 3918}]
    recipient_info = {"messageInfo": capture["data"][0]["recipientInfo"]["messageInfo"],
                      "txInfo": {"txEvent": "Item currently queued for delivery",
                                 "transmissionComponents": components}}
    held = {"id": "held-1", "status": "held", "deliveredMessage": {}, "recipientInfo": recipient_info,
            "queueInfo": {"reason": "Spam Signature", "heldGroup": "administrator"}}
    result, dummy = run(env, [envelope([held])], ids=["held-1"])
    message = result.result["messages"][0]
    assert message["status"] == "held" and message["message_id"] == REAL_ID
    assert message["recipients"] == [] and message["delivered"] == []
    assert [a["sha256"] for a in message["attachments"]] == [SHA.lower()]


def test_one_request_an_id_in_order_each_id_once_and_load_content_only_when_asked(env, capture):
    data0 = capture["data"][0]
    answers = [envelope([dict(data0, id=i)]) for i in ("a", "b")]
    result, session = run(env, answers, ids=[" a ", "b", "a"], load_content=True)
    assert [c["json"] for c in session.calls] == [{"data": [{"id": "a", "loadContent": "true"}]},
                                                  {"data": [{"id": "b", "loadContent": "true"}]}]
    assert [m["id"] for m in result.result["messages"]] == ["a", "b"] and result.result["count"] == 2


def test_check_mode_reads_the_same(env, capture):
    result, session = run(env, [response(200, capture)], ids=["x"], _ansible_check_mode=True)
    assert not result.failed and result.result["changed"] is False
    assert result.result["messages"][0]["message_id"] == REAL_ID and len(session.calls) == 1


@pytest.mark.parametrize("fail", [
    {"key": {"id": "second"}, "errors": [{"code": "err_message_info_not_found", "message": "No such message."}]},
    {"errors": [{"code": "err_message_info_not_found", "message": "No such message."}]},
], ids=["keyed", "not keyed"])
def test_a_failure_for_an_id_fails_the_task_naming_the_id_and_the_code(env, capture, fail):
    answers = [response(200, capture), envelope([], [fail])]
    result, session = run(env, answers, ids=["first", "second"])
    assert result.failed and len(session.calls) == 2
    msg = result.result["msg"]
    assert "tracking id second" in msg and "err_message_info_not_found" in msg and "No such message." in msg
    assert result.result["failed_id"] == "second" and result.result["code"] == "err_message_info_not_found"
    assert SECRET not in json.dumps(result.result)


def test_an_answer_without_data_or_failure_fails(env):
    result, dummy = run(env, [envelope([])], ids=["lost"])
    assert result.failed and result.result["failed_id"] == "lost"
    assert "tracking id lost" in result.result["msg"] and "without the message's information" in result.result["msg"]


def test_a_missing_permission_is_named(env):
    forbidden = response(403, {"fail": [{"code": "app_forbidden",
                                         "message": "Forbidden to perform the requested operation"}]})
    result, dummy = run(env, [forbidden], ids=["x"])
    assert result.failed and "Gateway | Tracking | Read" in result.result["msg"]


@pytest.mark.parametrize("data0", [
    {"id": "w", "recipientInfo": [], "deliveredMessage": [], "spamInfo": "high", "status": 3},
    {"id": "w",
     "recipientInfo": {"messageInfo": {"to": "a@b.example", "cc": None, "transmissionInfo": 7, "subject": ["x"]},
                       "recipientMetaInfo": {"components": {"hash": SHA}}},
     "deliveredMessage": {"a@b.example": None,
                          "c@d.example": {"policyInfo": "x", "deliveryMetaInfo": [], "messageInfo": {"route": 5}}}},
    {"id": "w",
     "recipientInfo": {"recipientMetaInfo": {"components": [None, 3, {"hash": 5}, {"hash": SHA, "size": True}]}}},
    "not an object",
], ids=["containers", "fields", "components", "string"])
def test_wrong_types_never_crash(env, data0):
    result, dummy = run(env, [envelope([data0])], ids=["w"])
    if not isinstance(data0, dict):
        assert result.failed and "without the message's information" in result.result["msg"]
        return
    assert not result.failed, result.result
    message = result.result["messages"][0]
    assert message["message_id"] is None and message["to"] == [] and message["cc"] == []
    assert all(isinstance(message[k], list) for k in ("recipients", "delivered", "attachments"))
    assert message["subject"] is None and message["status"] is None
    if "components" in json.dumps(data0) and "size" in json.dumps(data0):
        assert message["attachments"] == [{"name": None, "sha256": SHA.lower(), "mime_type": None, "size": None}]


@pytest.mark.parametrize("ids, expected", [
    ([], "ids is empty: give the tracking ids of the messages (tracked_emails[].id of mimecast_tracking_search)"),
    (["  "], "ids: item 1 is blank; give a tracking id (tracked_emails[].id of mimecast_tracking_search)"),
    (["a", "", "b", "\t"], "ids: item 2, 4 is blank; give a tracking id (tracked_emails[].id of "
                           "mimecast_tracking_search)"),
    (["id-%d" % n for n in range(501)], "ids holds 501 different ids, more than 500; split them over several tasks"),
    (None, "missing required arguments: ids"),
])
def test_bad_input_is_refused_before_any_request(env, ids, expected):
    session = scripted_vendor(env, [])
    extra = {} if ids is None else {"ids": ids}
    result = run_module(mimecast_message_info.main, args(**extra), env)
    assert result.failed and result.result["msg"] == expected
    assert session.calls == []


def test_five_hundred_ids_are_accepted(env, capture):
    ids = ["id-%d" % n for n in range(500)] + ["id-0"]
    answers = [envelope([capture["data"][0]]) for dummy in range(500)]
    result, session = run(env, answers, ids=ids)
    assert not result.failed and result.result["count"] == 500 and len(session.calls) == 500


@pytest.mark.parametrize("text, expected", [
    ("<pre>\nFrom: a@b.example\r\nMessage-ID: &lt;x.1@b.example&gt;\r\n\r\n\n</pre>", "<x.1@b.example>"),
    ("<PRE>Message-Id:\r\n  &lt;folded@b.example&gt;\r\nTo: c@d.example\r\n</PRE>", "<folded@b.example>"),
    ("<pre>\nmessage-id: bare@b.example\r\n</pre>", "<bare@b.example>"),
    ("<pre>\nFrom: a@b.example\r\n\r\nMessage-ID: &lt;in-a-part@b.example&gt;\r\n</pre>", None),
    ("<pre>\nFrom: a@b.example\r\n</pre>", None),
    ("", None),
    (None, None),
])
def test_the_message_id_is_read_from_the_message_s_own_headers(text, expected):
    assert message_id_of(text) == expected
