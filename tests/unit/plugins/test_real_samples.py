# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Payloads captured from the live services by other integrators, through the real decoding, error and
normalising code, asserting what a responder reads.  The files are copies of shared/api/real-samples (see
tests/unit/fixtures/real-samples/README.md for their sources); a sandbox test checks the copies are current."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest

from ansible_collections.emailsec.tracking.plugins.filter.tracking import normalize_tracking, tracking_summary
from ansible_collections.emailsec.tracking.plugins.module_utils._auth import MimecastOAuth2, TmesBasicAuth
from ansible_collections.emailsec.tracking.plugins.module_utils._http import ApiError, HttpClient
from ansible_collections.emailsec.tracking.plugins.module_utils._mimecast import MimecastClient
from ansible_collections.emailsec.tracking.plugins.module_utils._tmes import TmesClient, record_key
from ansible_collections.emailsec.tracking.tests.unit.plugins.module_utils.helpers import response, scripted_client

SAMPLES = os.path.join(os.path.dirname(__file__), "..", "fixtures", "real-samples")


def raw(name):
    with open(os.path.join(SAMPLES, name), "rb") as handle:
        return handle.read()


def tmes_client(answers):
    http = HttpClient(retries=1)
    session = scripted_client(http, answers)
    return TmesClient(http, "https://api.example", TmesBasicAuth("u", "k")), session


def tmes_page_logs(name):
    """The logs of a captured page (or a single captured record, served as a page of one)."""
    body = raw(name)
    data = json.loads(body)
    if "mailID" in data:
        body = json.dumps({"logs": [data]}).encode("utf-8")
    client, dummy = tmes_client([response(200, raw=body)])
    return next(iter(client.pages([("type", "accepted_traffic")])))


# captures of endpoints no module calls yet (URL decoding: mimecast-ttp-rapid7-3, named by its stem, as a quoted
# file name counts as a use): exactly these may go unused by the unit tests, and the day a module calls one, it
# leaves this set
NOT_CALLED_YET = ("mimecast-ttp-rapid7-3.",)


def test_every_sample_is_used_here():
    """Every capture is loaded by a unit test (this file, or the tests of the code that reads its endpoint)."""
    used = set()
    for folder, dummy, files in os.walk(os.path.dirname(__file__)):
        for name in files:
            if name.endswith(".py"):
                with open(os.path.join(folder, name)) as handle:
                    text = handle.read()
                used |= {n for n in os.listdir(SAMPLES) if '"%s"' % n in text}
    unused = sorted(n for n in os.listdir(SAMPLES) if n.endswith(".json") and n not in used)
    assert unused == sorted(n for n in os.listdir(SAMPLES) if n.startswith(NOT_CALLED_YET))


# what a responder reads from each captured TMES record: verdict, recipients, received, delivered at, attachments
TMES_RECORDS = {
    "tmes-sekoia-intake-1.json": ("delivered", ["jane.doe@example.org"], "2023-09-28T13:51:13.000Z",
                                  "2023-09-28T13:51:18.000Z", True),
    "tmes-sekoia-intake-2.json": ("bounced", ["jane.doe@example.org"], "2023-09-28T13:55:33.000Z", None, None),
    "tmes-sekoia-intake-3.json": ("quarantined", ["jane.doe@example.org"], "2023-09-28T13:45:59.000Z", None, None),
    "tmes-sekoia-intake-4.json": ("pending", ["jane.doe@example.org"], "2023-09-28T13:55:44.000Z", None, None),
    "tmes-sekoia-intake-5.json": ("delivered", ["jane.doe@example.org"], "2025-08-20T13:37:13.000Z",
                                  "2025-08-20T13:37:16.000Z", True),
    "tmes-datadog-1.json": ("delivered", ["rcpt@example.com"], "2024-01-01T01:01:02.000Z",
                            "2024-01-01T01:01:05.000Z", True),
    "tmes-datadog-2.json": ("delivered", ["rcpt@example.com"], "2024-01-01T01:01:02.000Z",
                            "2024-01-01T01:01:05.000Z", True),
}


@pytest.mark.parametrize("name", sorted(TMES_RECORDS))
def test_captured_tmes_records(name):
    page = tmes_page_logs(name)
    assert page.next_token is None and len(page.records) == 1
    record = normalize_tracking(page.records, vendor="tmes")[0]
    verdict, to, received, delivered_at, has_attachments = TMES_RECORDS[name]
    assert record["verdict"] == verdict
    assert record["email"]["to"] == to
    assert record["timestamp"] == received
    assert record["email"]["delivery_timestamp"] == delivered_at
    assert record["email"]["has_attachments"] is has_attachments
    assert record["event"]["action"] == page.records[0]["action"]


def test_captured_bounce_keeps_its_hand_off_time_apart_from_delivery():
    record = normalize_tracking(tmes_page_logs("tmes-sekoia-intake-2.json").records)[0]
    assert record["event"]["processed_timestamp"] == "2023-09-28T13:55:33.000Z"
    assert record["email"]["delivery_timestamp"] is None and record["raw"]["deliveredTo"] == "none"


def test_captured_tmes_page_with_token():
    page = tmes_page_logs("tmes-sekoia-autolib-1.json")
    # the captured token holds + / and =: it is passed on as it is, decoded once
    assert page.next_token.startswith("Lu2XNNHim8CZpKoJEJKREJj6jpojvvROIwMK6xL+zILf8DsPpkW5W8/") and \
        page.next_token.endswith("Y4w==")
    record = normalize_tracking(page.records)[0]
    assert record["verdict"] == "delivered" and record["email"]["to"] == ["rcpt@example.com"]
    assert record["email"]["header_to"] == ["header_rcpt1@example.com", "header_rcpt2@example.com",
                                            "header_rcpt3@example.com"]
    assert [a["sha256"][:8] for a in record["email"]["attachments"]] == ["f7896014", "32943626"]


def test_integrator_mock_token_is_decoded_once_and_odd_records_survive():
    page = tmes_page_logs("tmes-demisto-3.json")
    assert page.next_token == "abc abc"
    record = normalize_tracking(page.records)[0]  # {"genTime": "test"}
    assert record["verdict"] == "unknown" and record["timestamp"] is None
    assert tracking_summary([record])["at_risk"] is True


def test_a_200_answer_with_an_empty_object_is_the_last_page():
    client, session = tmes_client([response(200, raw=raw("tmes-demisto-4.json"))])
    pages = list(client.pages([("type", "accepted_traffic")]))
    assert len(pages) == 1 and pages[0].records == [] and pages[0].next_token is None and len(session.calls) == 1


def test_captured_tmes_records_are_distinct_events():
    """The intake samples share a mailID (anonymisation): different rows, so none is dropped as a repeat."""
    logs = [json.loads(raw(n)) for n in sorted(TMES_RECORDS) if n.startswith("tmes-sekoia-intake")]
    keys = [record_key(log) for log in logs]
    assert len(set(keys)) == len(keys) == 5


def test_captured_mimecast_search():
    http = HttpClient(retries=0)
    scripted_client(http, [response(200, raw=raw("mimecast-demisto-1.json"))])
    page = MimecastClient(http, "https://mc.example", None, "/api/message-finder/search").search({})
    record = normalize_tracking(page.records, vendor="mimecast")[0]
    assert record["verdict"] == "delivered" and record["event"]["action"] == "archived"
    assert record["event"]["reason"] == "Indexed and archived"
    assert record["email"]["to"] == ["klay@paloaltonetworks.mime.integration.com"]
    assert record["timestamp"] == "2022-07-18T13:25:00.000Z"
    assert record["email"]["delivery_timestamp"] == "2022-07-18T13:25:00.000Z"
    assert record["email"]["has_attachments"] is False and record["email"]["message_id"] is None
    summary = tracking_summary([record])
    assert summary["delivered"] is True and summary["delivered_to"] == ["klay@paloaltonetworks.mime.integration.com"]


def test_a_captured_api1_signature_refusal_names_the_vendor_code():
    """mimecast-actions-rapid7-4: an API 1.0 401 of another endpoint, the same envelope as every other."""
    http = HttpClient(retries=0)
    body = json.loads(raw("mimecast-actions-rapid7-4.json"))["body"]
    scripted_client(http, [response(401, body)])
    with pytest.raises(ApiError) as info:
        MimecastClient(http, "https://mc.example", None).post("read", "/api/gateway/get-hold-message-list", [])
    assert info.value.status == 401 and info.value.code == "err_xdk_invalid_signature"
    assert "0004 Invalid Signature" in info.value.message


def test_the_message_info_request_is_the_documented_one_unless_content_is_asked(monkeypatch):
    """mimecast-msginfo-chronicle-2: Google SecOps adds loadContent "true" (a string); the docs send data[{id}]."""
    from ansible_collections.emailsec.tracking.plugins.modules import mimecast_message_info
    from ansible_collections.emailsec.tracking.tests.unit.plugins.modules.utils import run_module, scripted_vendor
    captured = json.loads(raw("mimecast-msginfo-chronicle-2.json"))["body"]["data"][0]
    answer = {"meta": {"status": 200}, "data": [{"id": "x", "status": "archived"}], "fail": []}
    args = {"base_url": "https://mc.example", "access_key": "k", "secret_key": "c2VjcmV0", "app_id": "a",
            "app_key": "b", "ids": ["x"]}
    for load, expected in ((False, {"id"}), (True, set(captured))):
        session = scripted_vendor(monkeypatch, [response(200, answer)])
        result = run_module(mimecast_message_info.main, dict(args, load_content=load), monkeypatch)
        assert not result.failed, result.result
        sent = session.calls[0]["json"]["data"][0]
        assert set(sent) == expected
        if load:
            assert sent["loadContent"] == captured["loadContent"] == "true"


@pytest.mark.parametrize("name, status, code, message", [
    ("mimecast-sekoia-autolib-1.json", 401, "InvalidClientIdentifier", "Client credentials are invalid"),
    ("mimecast-sekoia-autolib-2.json", 403, "app_forbidden", "Forbidden to perform the requested operation"),
])
def test_captured_api2_errors_at_an_endpoint(name, status, code, message):
    http = HttpClient(retries=0)
    token = response(200, {"access_token": "tok", "expires_in": 1799})
    answers = [token, response(status, raw=raw(name))]
    if status == 401:
        answers += [token, response(status, raw=raw(name))]  # a 401 renews the token once
    scripted_client(http, answers)
    auth = MimecastOAuth2(http, "https://mc.example/oauth/token", "id", "secret")
    client = MimecastClient(http, "https://mc.example", auth, "/api/message-finder/search")
    with pytest.raises(ApiError) as info:
        client.search({})
    assert info.value.status == status and info.value.code == code
    assert "(vendor said: %s: %s)" % (code, message) in info.value.message
    assert "{" not in info.value.message and "[" not in info.value.message


def test_captured_api2_error_from_the_token_endpoint():
    http = HttpClient(retries=0)
    scripted_client(http, [response(401, raw=raw("mimecast-sekoia-autolib-1.json"))])
    auth = MimecastOAuth2(http, "https://mc.example/oauth/token", "id", "secret")
    with pytest.raises(ApiError) as info:
        auth.apply({}, "POST", "/api/message-finder/search")
    assert info.value.status == 401 and info.value.code == "InvalidClientIdentifier"
    assert "Client credentials are invalid" in info.value.message and "client_secret" in info.value.message


TMES_PAGES = sorted(TMES_RECORDS) + ["tmes-sekoia-autolib-1.json", "tmes-demisto-3.json", "tmes-demisto-4.json"]


@pytest.mark.parametrize("name", TMES_PAGES)
def test_captured_tmes_pages_read_with_their_record_texts_give_the_same_page(name):
    """For dest, TMES pages are read one record at a time (each record's text beside it): every capture gives the
    same records and token as the page read whole, and each text given reads back as its record, on one line."""
    captured = raw(name)
    if b'"mailID"' in captured and b'"logs"' not in captured:  # a captured record, served as a page of one
        captured = b'{"logs":[' + captured.strip() + b"]}"
    # as captured (pretty-printed: no record can be written as its text), and as compact JSON (each record's text
    # is then what the file's encoder writes, unless it holds an escape)
    compact = json.dumps(json.loads(captured), separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    for body in (captured, compact):
        pages = {}
        for texts in (False, True):
            client, dummy = tmes_client([response(200, raw=body)])
            client.texts = texts
            pages[texts] = next(iter(client.pages([("type", "accepted_traffic")])))
        whole, read = pages[False], pages[True]
        assert read.records == whole.records and read.next_token == whole.next_token and whole.lines is None
        if not read.records:
            continue
        assert read.lines is not None and len(read.lines) == len(read.records)
        for record, text in zip(read.records, read.lines):
            encoded = json.dumps(record, separators=(",", ":"), ensure_ascii=False)
            if body is compact and "\\" not in encoded:
                assert text == encoded
            else:
                assert text is None or (json.loads(text) == record and "\n" not in text and "\\" not in text)
