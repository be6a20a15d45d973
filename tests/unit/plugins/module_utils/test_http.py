# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import email.utils
import json

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.emailsec.tracking.plugins.module_utils._http import (
    ApiError, HttpClient, ResponseError, json_body, json_body_and_lines, redact_url,
)
from ansible_collections.emailsec.tracking.plugins.module_utils._retry import (
    backoff, parse_rate_limit_reset, parse_retry_after, server_wait,
)
from ansible_collections.emailsec.tracking.tests.unit.plugins.module_utils.helpers import response, scripted_client

NOW = 1_800_000_000.0
URL = "https://user:pw@api.example.com/api/v1/log/mailtrackinglog?type=x"


def client(retries=3, max_delay=30.0):
    http = HttpClient(retries=retries, retry_max_delay=max_delay, clock=lambda: NOW, rand=lambda: 0.5)
    return http


def decode_json(resp):
    try:
        return resp.json()
    except ValueError:
        raise ResponseError("not JSON")


class SecretAuth:
    def __init__(self, refreshable=False):
        self.refreshable = refreshable
        self.refreshed = 0

    def apply(self, headers, method, path):
        headers["Authorization"] = "Bearer top-secret-token-%d" % self.refreshed
        return headers

    def refresh(self):
        if self.refreshable:
            self.refreshed += 1
        return self.refreshable

    def unauthorized_hint(self):
        return "Check the secret."


def test_success_is_decoded_once():
    http = client()
    session = scripted_client(http, [response(200, {"ok": 1})])
    assert http.request("read", "GET", URL, decode=decode_json) == {"ok": 1}
    assert len(session.calls) == 1 and http.sleeps == []
    assert session.calls[0]["allow_redirects"] is False and session.calls[0]["timeout"] == 30


@pytest.mark.parametrize("failure", [
    requests.exceptions.ConnectionError("Connection refused"),
    requests.exceptions.ReadTimeout("Read timed out"),
    requests.exceptions.ConnectTimeout("connect timeout"),
    requests.exceptions.ChunkedEncodingError("IncompleteRead"),
    response(500, {"code": "InternalServerError"}),
    response(502),
    response(503),
    response(504),
    response(429),
    response(200, raw=b'{"logs": [{"cut'),
])
def test_transient_failures_are_retried(failure):
    http = client()
    session = scripted_client(http, [failure, response(200, {"ok": 1})])
    assert http.request("read", "GET", URL, decode=decode_json) == {"ok": 1}
    assert len(session.calls) == 2
    assert http.sleeps == [0.375]  # backoff: base 0.5, jitter 0.5 -> 0.25 + 0.125
    assert http.retried == 1


@pytest.mark.parametrize("status", [400, 403, 404, 405, 409, 418, 501])
def test_final_http_errors_are_not_retried(status):
    http = client()
    session = scripted_client(http, [response(status, {"code": "C%d" % status, "message": "said"})])
    with pytest.raises(ApiError) as info:
        http.request("read things", "GET", URL, parse_error=lambda r: (r.json()["code"], r.json()["message"]),
                     hint_for=lambda s, c: "do %s" % s)
    err = info.value
    assert len(session.calls) == 1
    assert (err.status, err.code, err.vendor_message, err.attempts) == (status, "C%d" % status, "said", 1)
    assert err.message.startswith("Failed to read things: HTTP %d" % status)
    assert "(vendor said: C%d: said)" % status in err.message
    assert err.message.endswith("; 1 attempt made. do %d" % status)
    assert err.fail_kwargs()["url"] == "https://api.example.com/api/v1/log/mailtrackinglog"


def test_retries_run_out_with_a_message_naming_fault_path_and_attempts():
    http = client(retries=2)
    session = scripted_client(http, [response(503)] * 3)
    with pytest.raises(ApiError) as info:
        http.request("read", "GET", URL)
    assert len(session.calls) == 3 and len(http.sleeps) == 2
    message = info.value.message
    assert "gave up after 3 attempts; the last failure: HTTP 503 (server error)" in message
    assert "GET https://api.example.com/api/v1/log/mailtrackinglog" in message
    assert "attempts made" not in message and message.count("3 attempts") == 1  # the count is said once
    assert info.value.status == 503


def test_zero_retries_means_one_attempt():
    http = client(retries=0)
    session = scripted_client(http, [requests.exceptions.ConnectionError("Connection refused")])
    with pytest.raises(ApiError) as info:
        http.request("read", "GET", URL)
    assert len(session.calls) == 1 and "the connection failed or was cut" in info.value.message


@pytest.mark.parametrize("headers, wait", [
    ({"Retry-After": "7"}, 7.0),
    ({"Retry-After": email.utils.formatdate(NOW + 12, usegmt=True)}, 12.0),
    ({"X-RateLimit-Reset": "2500"}, 2.5),
    ({"X-RateLimit-Reset": str(int(NOW + 4))}, 4.0),
    ({"X-RateLimit-Reset": str(int((NOW + 3) * 1000))}, 3.0),
    ({"Retry-After": "600"}, 30.0),  # capped by retry_max_delay
    ({"Retry-After": "soon"}, 0.375),  # unreadable: backoff
])
def test_rate_limit_waits_what_the_server_asks_within_the_cap(headers, wait):
    http = client()
    scripted_client(http, [response(429, headers=headers), response(200, {"ok": 1})])
    http.request("read", "GET", URL, decode=decode_json)
    assert http.sleeps == [pytest.approx(wait)]


def test_server_wait_helpers():
    assert parse_retry_after(None, NOW) is None
    assert parse_retry_after("-3", NOW) == 0.0
    assert parse_retry_after(email.utils.formatdate(NOW - 100, usegmt=True), NOW) == 0.0
    assert parse_rate_limit_reset("nope", NOW) is None
    assert parse_rate_limit_reset("0", NOW) == 0.0
    assert server_wait({}, NOW) is None


def test_backoff_grows_with_jitter_and_cap():
    assert [backoff(n, 100, rand=lambda: 0.0) for n in (1, 2, 3, 4)] == [0.25, 0.5, 1.0, 2.0]
    assert [backoff(n, 100, rand=lambda: 1.0) for n in (1, 2, 3, 4)] == [0.5, 1.0, 2.0, 4.0]
    assert backoff(20, 10, rand=lambda: 1.0) == 10


def test_401_refreshes_once_then_retries_without_counting_a_retry():
    http = client()
    auth = SecretAuth(refreshable=True)
    session = scripted_client(http, [response(401), response(200, {"ok": 1})])
    assert http.request("read", "GET", URL, auth=auth, decode=decode_json) == {"ok": 1}
    assert auth.refreshed == 1 and http.sleeps == []
    assert session.calls[0]["headers"]["Authorization"] != session.calls[1]["headers"]["Authorization"]


def test_401_twice_fails_with_the_auth_hint_and_no_secret():
    http = client()
    auth = SecretAuth(refreshable=True)
    scripted_client(http, [response(401), response(401)])
    with pytest.raises(ApiError) as info:
        http.request("read", "GET", URL, auth=auth)
    assert info.value.status == 401 and info.value.message.endswith("Check the secret.")
    assert "top-secret" not in info.value.message and "pw" not in info.value.url


def test_401_without_refresh_is_final():
    http = client()
    session = scripted_client(http, [response(401)])
    with pytest.raises(ApiError):
        http.request("read", "GET", URL, auth=SecretAuth())
    assert len(session.calls) == 1


def test_final_response_error_is_not_retried():
    http = client()

    def decode(resp):
        raise ResponseError("refused", final=True, code="err_x", vendor_message="no", hint="fix it")

    session = scripted_client(http, [response(200, {})])
    with pytest.raises(ApiError) as info:
        http.request("search", "POST", URL, decode=decode)
    assert len(session.calls) == 1
    assert info.value.code == "err_x" and info.value.message.endswith("fix it")


def test_tls_failure_is_final_and_explains():
    http = client()
    scripted_client(http, [requests.exceptions.SSLError("certificate verify failed: self-signed certificate")])
    with pytest.raises(ApiError) as info:
        http.request("read", "GET", URL)
    assert "TLS certificate verification failed for user:pw@api.example.com" not in info.value.message
    assert "TLS certificate verification failed" in info.value.message
    assert "ca_path" in info.value.message and info.value.attempts == 1


def test_redirect_is_not_followed():
    http = client()
    scripted_client(http, [response(302, headers={"Location": "https://elsewhere.example/x?secret=1"})])
    with pytest.raises(ApiError) as info:
        http.request("read", "GET", URL)
    assert "unexpected redirect (HTTP 302) to https://elsewhere.example/x" in info.value.message
    assert "secret=1" not in info.value.message


def test_redact_url():
    assert redact_url(URL) == "https://api.example.com/api/v1/log/mailtrackinglog"


def test_tls_settings():
    assert HttpClient().session.verify is True
    assert HttpClient(validate_certs=False).session.verify is False
    assert HttpClient(ca_path="/etc/ca.pem").session.verify == "/etc/ca.pem"


_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=8)  # lone surrogates: cleaned, no texts
_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-2 ** 70, max_value=2 ** 70)
    | st.floats(allow_nan=False, allow_infinity=False) | _TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
    max_leaves=12)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.dictionaries(_TEXT, _JSON_VALUES, max_size=4), max_size=5),
       st.dictionaries(st.sampled_from(["nextToken", "x", "logs2"]), _JSON_VALUES, max_size=2),
       st.booleans(), st.sampled_from([(",", ":"), (", ", ": ")]), st.sampled_from([None, 1]), st.booleans())
def test_the_texts_of_a_page_s_records_are_what_the_vendor_wrote(logs, others, logs_first, separators, indent, ascii_):
    """Any body json.loads reads gives the same body; each record text given is that record's JSON, on one line
    and without an escape, and for compact JSON exactly what the file sink's encoder would have written."""
    body = dict([("logs", logs)] + list(others.items())) if logs_first else dict(list(others.items()) + [("logs", logs)])
    text = json.dumps(body, separators=separators, indent=indent, ensure_ascii=ascii_)
    found, lines = json_body_and_lines(response(raw=text.encode("utf-8")), "logs")
    assert found == json.loads(text)
    assert lines is not None and len(lines) == len(logs)
    compact = separators == (",", ":") and indent is None
    for record, line in zip(logs, lines):
        expected = json.dumps(record, separators=(",", ":"), ensure_ascii=False)
        if line is None:
            # only an escape or a line break keeps a record from being written as the vendor wrote it
            assert "\\" in json.dumps(record, ensure_ascii=ascii_) or "\n" in text
            continue
        assert json.loads(line) == record and "\\" not in line and "\n" not in line and "\r" not in line
        if compact:
            assert line == expected


@pytest.mark.parametrize("raw", [
    b'[{"a":1}]', b'{"logs":{"a":1}}', b'{"logs":3}', b'{}', b'{"other":[1]}', b'{"logs":[{"a":1}],"logs":3}',
])
def test_bodies_without_a_plain_list_of_records_give_no_texts_and_the_usual_body(raw):
    found, lines = json_body_and_lines(response(raw=raw), "logs")
    assert lines is None
    assert found == json_body(response(raw=raw))


@pytest.mark.parametrize("raw", [b'{"logs":[{"a":1}]', b'{"logs":[{"a":1},]}', b'{"logs":[]} x', b'', b'{"logs":[{"a":1}'])
def test_bodies_cut_short_or_broken_fail_as_json_body_fails(raw):
    with pytest.raises(ResponseError) as caught:
        json_body_and_lines(response(raw=raw), "logs")
    assert "not valid JSON" in caught.value.cause


def test_a_byte_order_mark_and_invalid_bytes_are_read_as_json_body_reads_them():
    raw = b'\xef\xbb\xbf{"logs":[{"s":"caf\xc3\xa9 \xff"}],"nextToken":"t"}'
    found, lines = json_body_and_lines(response(raw=raw), "logs")
    assert found == json_body(response(raw=raw)) == {"logs": [{"s": "caf\u00e9 \ufffd"}], "nextToken": "t"}
    assert lines == ['{"s":"caf\u00e9 \ufffd"}']


def test_a_record_cleaned_of_a_lone_surrogate_has_no_text_and_its_neighbours_keep_theirs():
    raw = b'{"logs":[{"id":"a","s":"x"},{"id":"b","s":"\\ud83d cut"},{"id":"c","s":"\\ud83d\\ude00"}]}'
    found, lines = json_body_and_lines(response(raw=raw), "logs")
    assert found == json_body(response(raw=raw))
    assert found["logs"][1]["s"] == "\ufffd cut" and found["logs"][2]["s"] == "\U0001f600"
    assert lines == ['{"id":"a","s":"x"}', None, None]
