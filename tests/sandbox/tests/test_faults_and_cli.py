# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fault injection, the control API, the command line and HTTPS."""

from __future__ import annotations

import datetime
import email.utils
import json
import os
import signal
import subprocess
import threading
import sys
import time
import urllib.parse

import pytest
import requests

from tests.sandbox.server import credentials
from tests.sandbox.faults import Fault, FaultError, parse_spec
from tests.sandbox.tests.conftest import Clients, body_date, tmes_time

UTC = datetime.timezone.utc
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def tmes_params(**extra):
    now = datetime.datetime.now(UTC)
    return dict({"type": "accepted_traffic", "start": tmes_time(now - datetime.timedelta(hours=60)),
                 "end": tmes_time(now), "limit": "50"}, **extra)


def mc_item():
    now = datetime.datetime.now(UTC)
    return {"start": body_date(now - datetime.timedelta(days=2)), "end": body_date(now),
            "advancedTrackAndTraceOptions": {"subject": "e"}}


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_status_fault_hits_the_next_n_requests_then_retires(api, status):
    api.fault(kind="status", status=status, endpoint="tmes", count=2)
    first, second, third = (api.tmes(tmes_params()) for dummy in range(3))
    assert first.status_code == second.status_code == status
    assert first.json()["code"] == ("InternalServerError" if status == 500 else first.json()["code"])
    assert third.status_code == 200


def test_status_fault_on_mimecast_uses_the_fail_envelope(api):
    api.fault(kind="status", status=503, endpoint="mimecast", count=1)
    response = api.mc_search(mc_item())
    assert response.status_code == 503
    assert response.json()["fail"][0]["errors"][0]["retryable"] is True


def test_fault_applies_to_its_endpoint_only(api):
    api.fault(kind="status", status=500, endpoint="mimecast", count=1)
    assert api.tmes(tmes_params()).status_code == 200
    assert api.mc_search(mc_item()).status_code == 500
    assert api.mc_search(mc_item()).status_code == 200


def test_a_fault_with_a_path_hits_only_that_path_and_counts_only_there(api):
    api.fault(kind="status", status=502, endpoint="mimecast", path="/api/message-finder/search", count=1)
    assert api.mc_search(mc_item()).status_code == 200  # /api/tracking/search: not the path
    assert api.mc_search(mc_item(), path="/api/message-finder/search").status_code == 502
    assert api.mc_search(mc_item(), path="/api/message-finder/search").status_code == 200  # retired
    with pytest.raises(FaultError):
        Fault(1, "status", path="api/x")


def test_persistent_fault_stays_until_cleared(api):
    api.fault(kind="status", status=502, endpoint="tmes")
    assert all(api.tmes(tmes_params()).status_code == 502 for dummy in range(5))
    assert api.http.delete(api.url + "/_sandbox/faults", timeout=10).json() == {"faults": []}
    assert api.tmes(tmes_params()).status_code == 200


@pytest.mark.parametrize("form", ["seconds", "http-date", "reset-ms", "reset-epoch"])
def test_rate_limit_headers(api, form):
    endpoint = "tmes" if form in ("seconds", "http-date") else "mimecast"
    api.fault(kind="rate_limit", form=form, wait=3, endpoint=endpoint, count=1)
    before = time.time()
    response = api.tmes(tmes_params()) if endpoint == "tmes" else api.mc_search(mc_item())
    assert response.status_code == 429
    headers = response.headers
    if form == "seconds":
        assert headers["Retry-After"] == "3"
    elif form == "http-date":
        when = email.utils.parsedate_to_datetime(headers["Retry-After"]).timestamp()
        assert before + 1 <= when <= before + 5
    elif form == "reset-ms":
        assert headers["X-RateLimit-Reset"] == "3000" and headers["X-RateLimit-Remaining"] == "0"
    else:
        assert before * 1000 + 2000 <= int(headers["X-RateLimit-Reset"]) <= before * 1000 + 5000


def test_dropped_connection(api):
    api.fault(kind="drop", endpoint="tmes", count=1)
    with pytest.raises(requests.ConnectionError):
        api.tmes(tmes_params())
    assert api.tmes(tmes_params()).status_code == 200


def test_truncated_body_is_not_valid_json(api):
    api.fault(kind="truncate", endpoint="tmes", count=1)
    response = api.tmes(tmes_params())
    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()


def test_wrong_shape_body_is_valid_json_without_the_expected_keys(api):
    api.fault(kind="wrong_shape", endpoint="tmes", count=1)
    api.fault(kind="wrong_shape", endpoint="mimecast", count=1)
    assert "logs" not in api.tmes(tmes_params()).json()
    assert not isinstance(api.mc_search(mc_item()).json()["data"], list)


def test_slow_response_exceeds_the_client_timeout(api):
    api.fault(kind="slow", seconds=2, endpoint="tmes", count=1)
    with pytest.raises(requests.Timeout):
        api.http.get(api.url + "/api/v1/log/mailtrackinglog", params=tmes_params(), auth=api.tmes_auth(),
                     timeout=0.5)


def test_latency_is_added(api):
    api.fault(kind="latency", ms=300, endpoint="tmes", count=1)
    started = time.monotonic()
    assert api.tmes(tmes_params()).status_code == 200
    assert time.monotonic() - started >= 0.3


def test_repeat_token_returns_the_same_token_forever(api):
    api.fault(kind="repeat_token", endpoint="tmes")
    params = tmes_params()
    token = urllib.parse.unquote(api.tmes(params).json()["nextToken"])
    for dummy in range(3):
        again = urllib.parse.unquote(api.tmes(dict(params, token=token)).json()["nextToken"])
        assert again == token


def test_expire_token_fault(api):
    token = api.oauth_token().json()["access_token"]
    api.fault(kind="expire_token", endpoint="mimecast", count=1)
    assert api.bearer_search(mc_item(), token).status_code == 401
    fresh = api.oauth_token().json()["access_token"]
    assert api.bearer_search(mc_item(), fresh).status_code == 200


def test_request_counter_and_recent_requests(api):
    api.http.delete(api.url + "/_sandbox/stats", timeout=10)
    api.tmes(tmes_params())
    api.tmes(tmes_params(type="bogus"))
    api.oauth_token()
    stats = api.stats()
    assert stats["requests"]["tmes"] == 2 and stats["requests"]["oauth"] == 1 and stats["total"] == 3
    recent = api.http.get(api.url + "/_sandbox/requests", timeout=10).json()["requests"]
    assert [r["status"] for r in recent] == [200, 400, 200]
    assert "Authorization" not in json.dumps(recent)


@pytest.mark.parametrize("spec", [{"kind": "nope"}, {"kind": "status", "status": 200}, {"kind": "status", "count": 0},
                                  {"kind": "drop", "endpoint": "smtp"}, {"kind": "slow", "seconds": "x"},
                                  {"kind": "drop", "volume": 3}, {"endpoint": "tmes"},
                                  {"kind": "after_status", "status": 200}, {"kind": "endless", "items": -1},
                                  {"kind": "refuse", "code": " "}, {"kind": "unconfirmed", "code": "x"},
                                  {"kind": "after_slow", "seconds": "soon"}])
def test_bad_fault_specs_are_refused(api, spec):
    response = api.http.post(api.url + "/_sandbox/faults", json=spec, timeout=10)
    assert response.status_code == 400 and response.json()["error"]


@pytest.mark.parametrize("spec, params", [
    ({"kind": "after_status", "endpoint": "policy"}, {"status": 502}),
    ({"kind": "after_status", "endpoint": "remediation", "status": 504}, {"status": 504}),
    ({"kind": "after_slow", "endpoint": "held"}, {"seconds": 5.0}),
    ({"kind": "endless", "endpoint": "held", "items": 4}, {"items": 4}),
    ({"kind": "endless", "endpoint": "policy"}, {"items": 0}),
    ({"kind": "refuse", "endpoint": "held"}, {"code": "err_hold_message_refused"}),
    ({"kind": "unconfirmed", "endpoint": "held", "count": 1}, {}),
    ({"kind": "after_status", "endpoint": "msginfo"}, {"status": 502}),
])
def test_the_control_endpoint_takes_the_action_fault_kinds(api, spec, params):
    response = api.http.post(api.url + "/_sandbox/faults", json=spec, timeout=10)
    assert response.status_code == 201, response.text
    added = response.json()
    assert added["kind"] == spec["kind"] and added["endpoint"] == spec["endpoint"]
    assert {k: added[k] for k in params} == params
    assert added in api.http.get(api.url + "/_sandbox/faults", timeout=10).json()["faults"]


def test_help_names_every_fault_kind_and_endpoint():
    from tests.sandbox.faults import ENDPOINTS, KINDS, __doc__ as described
    result = subprocess.run([sys.executable, "-m", "tests.sandbox", "--help"], cwd=ROOT, capture_output=True,
                            text=True, timeout=60, check=True)
    text = " ".join(result.stdout.split())
    for kind in KINDS:
        assert kind in text and "``%s``" % kind in described, kind
    for endpoint in ENDPOINTS[1:]:
        assert endpoint in text and "``%s``" % endpoint in described, endpoint


def test_parse_spec():
    assert parse_spec("status,status=503,endpoint=tmes,count=2") == {
        "kind": "status", "status": "503", "endpoint": "tmes", "count": "2"}
    with pytest.raises(FaultError):
        parse_spec("status=503")
    with pytest.raises(FaultError):
        parse_spec("status,503")


def _start_cli(*args):
    process = subprocess.Popen([sys.executable, "-m", "tests.sandbox", "--port", "0"] + list(args), cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    return process, json.loads(line)


def _stop(process):
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=10) == 0


class _Described:
    """Just enough of a Sandbox for Clients, from the CLI's JSON line."""

    def __init__(self, info):
        self.info = info
        self.url = info["url"]

    def describe(self):
        return self.info


def test_command_line_prints_the_json_line_and_serves_both_vendors():
    process, info = _start_cli("--seed", "11", "--tmes-records", "3000", "--mimecast-records", "1000")
    try:
        assert info["url"].startswith("http://127.0.0.1:")
        assert set(info["tmes"]) == {"username", "api_key"}
        assert set(info["mimecast"]) == {"access_key", "secret_key", "app_id", "app_key", "client_id",
                                         "client_secret", "expired_access_key", "forbidden_client_id",
                                         "forbidden_client_secret", "readonly_client_id", "readonly_client_secret"}
        assert {"sender", "subject", "sender_ip", "attachment_sha256", "url", "spoof",
                "mimecast_delivered"} <= set(info["campaign"])
        assert set(info["campaign"]["spoof"]) == {"partner", "partner_id", "attacker_id"}
        api = Clients(_Described(info))
        logs, pages = api.tmes_all(tmes_params(limit="100"))
        assert pages > 3 and len({log["mailID"] for log in logs}) == len(logs)
        response = api.mc_search({"start": body_date(datetime.datetime.now(UTC) - datetime.timedelta(days=1)),
                                  "advancedTrackAndTraceOptions": {"from": info["campaign"]["sender"]}})
        assert len(response.json()["data"][0]["trackedEmails"]) == info["campaign"]["mimecast_count"]
    finally:
        _stop(process)


def test_command_line_fault_flag():
    process, info = _start_cli("--tmes-records", "100", "--fault", "status,status=503,endpoint=tmes,count=1")
    try:
        api = Clients(_Described(info))
        assert api.tmes(tmes_params()).status_code == 503
        assert api.tmes(tmes_params()).status_code in (200, 204)
    finally:
        _stop(process)


def test_command_line_refuses_a_bad_fault_flag():
    result = subprocess.run([sys.executable, "-m", "tests.sandbox", "--fault", "meteor"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2 and "unknown fault kind" in result.stderr


def test_https_with_a_self_signed_certificate(tmp_path):
    process, info = _start_cli("--tmes-records", "100", "--tls-self-signed", str(tmp_path))
    try:
        assert info["url"].startswith("https://127.0.0.1:")
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(info["url"] + "/_sandbox/health", timeout=10)
        assert requests.get(info["url"] + "/_sandbox/health", verify=info["ca_path"], timeout=10).json() == {"ok": True}
    finally:
        _stop(process)


def test_expected_count_endpoint_agrees_with_paging(api):
    params = tmes_params(limit="500")
    logs, dummy = api.tmes_all(params)
    expected = api.http.get(api.url + "/_sandbox/tmes/expected", params=params, timeout=10).json()
    assert expected == {"count": len(logs)} and len(logs) > 500
    bad = api.http.get(api.url + "/_sandbox/tmes/expected", params={"type": "x"}, timeout=10)
    assert bad.status_code == 400


def test_env_prints_the_exports_of_a_sandbox_on_that_port():
    out = subprocess.run([sys.executable, "-m", "tests.sandbox", "--env", "--port", "8099", "--seed", "11"],
                         capture_output=True, text=True, check=True, timeout=60).stdout
    creds = credentials(11)
    assert "export TMES_API_URL=http://127.0.0.1:8099" in out.splitlines()
    assert "export TMES_API_KEY=%s" % creds["tmes"]["api_key"] in out.splitlines()
    assert "export MIMECAST_CLIENT_SECRET=%s" % creds["mimecast"]["client_secret"] in out.splitlines()


def test_a_busy_port_gets_a_clear_message_not_a_traceback():
    process, info = _start_cli("--seed", "11", "--tmes-records", "10", "--mimecast-records", "10")
    try:
        port = info["url"].rsplit(":", 1)[1]
        busy = subprocess.run([sys.executable, "-m", "tests.sandbox", "--port", port, "--tmes-records", "10",
                               "--mimecast-records", "10"], capture_output=True, text=True, timeout=60, check=False)
        assert busy.returncode == 2 and "Traceback" not in busy.stderr
        assert "port %s is in use" % port in busy.stderr and "--port 0" in busy.stderr
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_a_prerendered_sandbox_of_two_processes_serves_and_stops_under_load():
    """--prerender serves every record; two processes stop on SIGTERM while eight clients are in the middle of
    requests (a stop handler that started a thread could deadlock there, and the caller waited forever)."""
    for attempt in range(3):
        process, info = _start_cli("--seed", "5", "--tmes-records", "3000", "--prerender", "--processes", "2",
                                   "--latency-ms", "20")
        api = Clients(_Described(info))
        stop = threading.Event()
        try:
            if attempt == 0:
                logs, pages = api.tmes_all(tmes_params(limit="100"))
                assert pages > 3 and len({log["mailID"] for log in logs}) == len(logs)

            answered = []

            def hammer():
                while not stop.is_set():
                    try:
                        answered.append(api.tmes(tmes_params(limit="50")).status_code)
                    except requests.RequestException:
                        return

            threads = [threading.Thread(target=hammer, daemon=True) for dummy in range(8)]
            for thread in threads:
                thread.start()
            time.sleep(0.3 + 0.2 * attempt)
            assert answered and set(answered) == {200}
        finally:
            _stop(process)
            stop.set()


def _children(pid):
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry, encoding="ascii", errors="replace") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry))
    return found


def test_a_second_signal_while_stopping_still_ends_every_process():
    for gap in (0.0005, 0.002, 0.01):
        process, info = _start_cli("--tmes-records", "50", "--processes", "4")
        children = _children(process.pid)
        assert len(children) == 3
        process.send_signal(signal.SIGTERM)
        time.sleep(gap)
        try:
            process.send_signal(signal.SIGTERM)
        except ProcessLookupError:
            pass
        assert process.wait(timeout=20) == 0
        assert "Traceback" not in process.stderr.read()
        # the parent reaps its children before it exits: none may be left, serving or not
        alive = [c for c in children if os.path.exists("/proc/%d/stat" % c)
                 and open("/proc/%d/stat" % c, encoding="ascii").read().rsplit(")", 1)[1].split()[0] != "Z"]
        for child in alive:
            os.kill(child, signal.SIGKILL)
        assert alive == [], "children left serving after the sandbox stopped"
