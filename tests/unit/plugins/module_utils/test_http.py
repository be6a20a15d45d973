# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import email.utils

import pytest
import requests

from ansible_collections.emailsec.tracking.plugins.module_utils._http import (
    ApiError, HttpClient, ResponseError, redact_url,
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
