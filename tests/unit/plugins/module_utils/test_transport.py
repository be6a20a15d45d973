# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HTTP layer against a real, hostile server on a loopback port, with the environment variables that
ansible-test clears set by the tests themselves (REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE, HTTP_PROXY, HOME/.netrc)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import datetime
import gzip
import json
import os
import ssl
import subprocess
import threading
import time

import pytest

try:
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
except ImportError:  # pragma: no cover
    pass

from ansible_collections.emailsec.tracking.plugins.module_utils._auth import MimecastOAuth2, TmesBasicAuth
from ansible_collections.emailsec.tracking.plugins.module_utils._http import ApiError, HttpClient
from ansible_collections.emailsec.tracking.plugins.module_utils._timewindow import Window
from ansible_collections.emailsec.tracking.plugins.module_utils._tmes import TmesClient

UTC = datetime.timezone.utc
PAGE = json.dumps({"logs": [{"mailID": "m1", "subject": "hello"}]}).encode()


class Hostile(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body, headers=None):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.server.seen.append({"path": self.path, "authorization": self.headers.get("Authorization")})
        scenario = self.server.scenario
        if scenario == "ok":
            self.send(200, PAGE)
        elif scenario == "slowloris":
            self.send_response(200)
            self.send_header("Content-Length", str(len(PAGE)))
            self.end_headers()
            for index in range(len(PAGE)):
                try:
                    self.wfile.write(PAGE[index:index + 1])
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(0.05)
        elif scenario == "gzipbomb":
            body = gzip.compress(b'{"logs":[{"mailID":"a","subject":"' + b"A" * (3 * 1048576) + b'"}]}')
            self.send(200, body, {"Content-Encoding": "gzip"})
        elif scenario == "too_many":
            self.send(200, json.dumps({"logs": [{"mailID": str(i)} for i in range(20)]}).encode())
        elif scenario == "endless_tokens":
            self.send(200, json.dumps({"logs": [], "nextToken": "t%d" % len(self.server.seen)}).encode())
        elif scenario == "nested":
            self.send(200, b'{"logs":[' + b"[" * 100000 + b"]" * 100000 + b"]}")
        elif scenario == "token_newline":
            self.send(200, json.dumps({"access_token": "SECRET-BEARER\r\nX-Injected: 1", "expires_in": 1800}).encode())
        else:
            self.send(500, b"{}")

    do_POST = do_GET


@pytest.fixture()
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Hostile)
    httpd.scenario = "ok"
    httpd.seen = []
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever)
    thread.daemon = True
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture()
def tls_server(server, tmp_path):
    cert, key = str(tmp_path / "cert.pem"), str(tmp_path / "key.pem")
    subprocess.check_call(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                           "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.cert = cert
    return server


def url(server, scheme="http"):
    return "%s://127.0.0.1:%d" % (scheme, server.server_address[1])


def tmes(base, **kwargs):
    kwargs.setdefault("retries", 0)
    return TmesClient(HttpClient(**kwargs), base, TmesBasicAuth("user", "the-api-key"))


def fetch(client, limit=500):
    window = Window(datetime.datetime(2026, 11, 22, tzinfo=UTC), datetime.datetime(2026, 11, 22, 1, tzinfo=UTC))
    return [r for page in client.pages(client.params("accepted_traffic", window, limit=limit), limit=limit,
                                       window=window) for r in page.records]


@pytest.fixture()
def environment(monkeypatch, tmp_path):
    """A clean slate for the variables requests reads, whatever the machine running the tests has."""
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy",
                 "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "NETRC"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    return monkeypatch


def public_bundle():
    import certifi  # pylint: disable=import-outside-toplevel
    return certifi.where()


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"])
def test_ca_path_wins_over_the_environment(tls_server, environment, variable):
    environment.setenv(variable, public_bundle())
    assert [r["mailID"] for r in fetch(tmes(url(tls_server, "https"), ca_path=tls_server.cert))] == ["m1"]


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"])
def test_validate_certs_false_wins_over_the_environment(tls_server, environment, variable):
    environment.setenv(variable, public_bundle())
    assert len(fetch(tmes(url(tls_server, "https"), validate_certs=False))) == 1


def test_the_environment_never_widens_a_pinned_ca(tls_server, environment):
    environment.setenv("REQUESTS_CA_BUNDLE", tls_server.cert)
    with pytest.raises(ApiError) as info:
        fetch(tmes(url(tls_server, "https"), ca_path=public_bundle()))
    assert "TLS certificate verification failed" in info.value.message


def test_https_to_a_plain_http_port_says_so(server, environment):
    with pytest.raises(ApiError) as info:
        fetch(tmes(url(server, "https"), validate_certs=False))
    assert "does not answer TLS on this port" in info.value.message


def test_netrc_never_replaces_the_task_credentials(server, environment, tmp_path):
    netrc = tmp_path / ".netrc"
    netrc.write_text("machine 127.0.0.1\nlogin netrcuser\npassword NETRC-PASSWORD\n")
    os.chmod(str(netrc), 0o600)
    fetch(tmes(url(server)))
    assert server.seen[0]["authorization"] == "Basic " + base64.b64encode(b"user:the-api-key").decode()


def test_a_loopback_url_never_goes_through_a_proxy(server, environment):
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), Hostile)
    proxy.scenario, proxy.seen = "ok", []
    thread = threading.Thread(target=proxy.serve_forever)
    thread.daemon = True
    thread.start()
    try:
        environment.setenv("HTTP_PROXY", url(proxy))
        environment.setenv("http_proxy", url(proxy))
        fetch(tmes(url(server)))
    finally:
        proxy.shutdown()
        proxy.server_close()
    assert proxy.seen == [] and len(server.seen) == 1


def test_a_trickling_body_ends_at_the_timeout(server, environment):
    server.scenario = "slowloris"
    started = time.monotonic()
    with pytest.raises(ApiError) as info:
        fetch(tmes(url(server), timeout=0.5))
    # the body takes about 1.5 s to trickle in; the attempt ends at its 0.5 s deadline (plus one read)
    assert time.monotonic() - started < 1.4
    assert "no complete answer within the timeout of 0.5 seconds" in info.value.message


def test_total_timeout_ends_the_task(server, environment):
    server.scenario = "slowloris"
    with pytest.raises(ApiError) as info:
        fetch(tmes(url(server), timeout=30, retries=5, retry_max_delay=0.1, total_timeout=0.6))
    assert "total_timeout of 0.6 seconds ran out" in info.value.message


def test_a_decompression_bomb_is_cut_at_the_cap(server, environment):
    server.scenario = "gzipbomb"
    with pytest.raises(ApiError) as info:
        fetch(tmes(url(server), max_body=1048576))
    assert "larger than 1 MiB (once decompressed)" in info.value.message and not info.value.retryable


def test_a_page_with_more_records_than_asked_is_refused(server, environment):
    server.scenario = "too_many"
    with pytest.raises(ApiError) as info:
        fetch(tmes(url(server)), limit=10)
    assert "the page holds 20 records although at most 10 were asked for" in info.value.message
    assert len(server.seen) == 1


def test_endless_empty_pages_with_new_tokens_stop(server, environment):
    server.scenario = "endless_tokens"
    with pytest.raises(ApiError) as info:
        fetch(tmes(url(server)))
    assert "empty pages in a row" in info.value.message and len(server.seen) == 20


def test_deeply_nested_json_is_a_clean_failure(server, environment):
    server.scenario = "nested"
    with pytest.raises(ApiError) as info:
        fetch(tmes(url(server)))
    assert "not valid JSON" in info.value.message


def test_a_bearer_token_with_a_line_break_is_refused_and_never_shown(server, environment):
    server.scenario = "token_newline"
    http = HttpClient(retries=0)
    auth = MimecastOAuth2(http, url(server) + "/oauth/token", "id", "secret")
    with pytest.raises(ApiError) as info:
        auth.apply({}, "POST", "/api/message-finder/search")
    assert "characters a bearer token cannot have" in info.value.message
    assert "SECRET-BEARER" not in info.value.message
