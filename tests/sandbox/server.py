# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The sandbox HTTP server: both vendors on one loopback port, plus a control API.

Control endpoints (never counted as vendor requests):

- ``GET /_sandbox/health``
- ``GET /_sandbox/stats``: requests per endpoint; ``DELETE`` resets the counters
- ``GET /_sandbox/requests``: the last vendor requests (method, path, query, status; no headers)
- ``GET|POST|DELETE /_sandbox/faults``: list, add (JSON object ``{"kind": ..., "endpoint": ...,
  "count": ..., <parameters>}``), clear
- ``POST /_sandbox/expire-tokens``: expire every API 2.0 token now
- ``GET /_sandbox/tmes/expected?type=&start=&end=[&direction=][&domain=]``: how many records that query holds
- ``GET /_sandbox/mimecast/expected?start=&end=[&from=][&to=][&subject=][&senderIP=][&route=]``: the ids a
  Mimecast search finds when no result cap cuts it short
- ``GET /_sandbox/mimecast/state``: the hold queue (held ids), held release logs, blocked sender policies,
  remediation incidents, the delivered copies remediation removed (``removed``: message_id, recipient,
  incident), the managed URLs (``managed_urls``, as Mimecast lists them) and how many changes clients made
- ``GET /_sandbox/describe``: the same JSON object the command line prints first
"""

from __future__ import annotations

import base64
import collections
import email.utils
import gzip
import hashlib
import ipaddress
import json
import socket
import ssl
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import data as datamod
from .faults import FaultBoard, FaultError
from .mimecast import FINDER_PATH, TOKEN_PATH, TRACKING_PATH, MimecastApi, envelope, failure, parse_body_date
from .mimecast_actions import PATHS as ACTION_PATHS
from .mimecast_actions import MimecastActions
from . import mimecast_msginfo
from . import mimecast_managed_url
from . import mimecast_ttp
from .reply import Reply, Request
from .tmes import PATH as TMES_PATH
from .tmes import POLICY_PATH as TMES_POLICY_PATH
from .tmes import TmesApi
from .tmes import parse_time as parse_tmes_time

CONTROL_PREFIX = "/_sandbox/"
STATUS_CODES = {
    "tmes": {400: "InvalidFormat", 401: "AuthenticationMissingOrInvalid", 403: "AuthorizationRequestDenied",
             404: "ResourceNotAvailable", 500: "InternalServerError"},
}
STATUS_MESSAGES = {
    403: "The request is denied: the account has no permission for this resource.",
    404: "The requested resource is not available.",
}


def credentials(seed: int) -> dict:
    """Credentials derived from the seed, so that a run can be repeated."""
    def part(name, length=24):
        return hashlib.sha256(("cred:%d:%s" % (seed, name)).encode()).hexdigest()[:length]
    return {
        "tmes": {"username": "tmes-api-%s" % part("user", 6), "api_key": part("tmes-key", 40)},
        "mimecast": {
            "access_key": "mYtOL3XZCOwG96BOiFTZRm" + part("access", 20),
            "secret_key": base64.b64encode(hashlib.sha256(("secret:%d" % seed).encode()).digest()).decode(),
            "app_id": "%s-%s-%s-%s-%s" % (part("app", 8), part("app1", 4), part("app2", 4), part("app3", 4),
                                          part("app4", 12)),
            "app_key": "%s-%s-%s-%s-%s" % (part("k", 8), part("k1", 4), part("k2", 4), part("k3", 4), part("k4", 12)),
            "client_id": "sandbox-client-%s" % part("client", 12),
            "client_secret": part("client-secret", 40),
            # an API 2.0 application without the Message Finder permission: tokens, then 403 app_forbidden
            "forbidden_client_id": "sandbox-noperm-%s" % part("noperm", 12),
            "forbidden_client_secret": part("noperm-secret", 40),
            # an API 2.0 application whose role may read but not change (hold queue, policies, remediation)
            "readonly_client_id": "sandbox-readonly-%s" % part("readonly", 12),
            "readonly_client_secret": part("readonly-secret", 40),
            "expired_access_key": "mYtOL3XZCOwG96BOiFTZRm" + part("expired", 20),
        },
    }


class SandboxState:
    """Data, credentials, fault board and counters shared by the request threads."""

    def __init__(self, seed=1, tmes_records=5000, mimecast_records=3000, latency_ms=0, token_lifetime=1799,
                 mimecast_cap=500, campaign_size=24, clock=time.time, ttp_records=3000):
        self.seed = seed
        self.latency_ms = latency_ms
        self.clock = clock
        self.creds = credentials(seed)
        now_ms = int(clock() * 1000)
        self.campaign = datamod.Campaign(seed)
        self.tmes_data = datamod.TmesData(seed, tmes_records, now_ms, self.campaign, campaign_size)
        self.mimecast_data = datamod.MimecastData(seed, mimecast_records, now_ms, self.campaign,
                                                  max(1, campaign_size // 2))
        self.tmes = TmesApi(self.tmes_data, clock=clock, **self.creds["tmes"])
        mc = self.creds["mimecast"]
        self.mimecast = MimecastApi(
            self.mimecast_data,
            {k: mc[k] for k in ("access_key", "secret_key", "app_id", "app_key", "client_id", "client_secret",
                                "forbidden_client_id", "forbidden_client_secret", "readonly_client_id",
                                "readonly_client_secret")},
            mc["expired_access_key"], token_lifetime, mimecast_cap, clock=clock)
        self.actions = MimecastActions(self.mimecast_data, self.campaign, clock)
        self.managed_urls = mimecast_managed_url.ManagedUrls(clock, seed)
        self.ttp = mimecast_ttp.TtpLogs(seed, ttp_records, now_ms // 1000, self.campaign, self.mimecast_data)
        self.faults = FaultBoard()
        self._lock = threading.Lock()
        self.counts = collections.Counter()
        self.recent = collections.deque(maxlen=2000)

    def count(self, endpoint: str, request: Request, status):
        with self._lock:
            self.counts[endpoint] += 1
            self.recent.append({"endpoint": endpoint, "method": request.method, "path": request.path,
                                "query": request.query, "status": status})

    def stats(self) -> dict:
        with self._lock:
            names = ("tmes", "mimecast", "oauth", "held", "remediation", "policy", "msginfo", "managedurl", "ttp",
                     "unknown")
            requests = {name: self.counts.get(name, 0) for name in names}
            return {"requests": requests, "total": sum(requests.values())}

    def recent_requests(self) -> list:
        with self._lock:
            return list(self.recent)

    def reset_stats(self):
        with self._lock:
            self.counts.clear()
            self.recent.clear()

    def describe(self, url: str) -> dict:
        first_mc = next(iter(sorted(p for p, r in enumerate(self.mimecast_data.records)
                                    if r["subject"] == self.campaign.subject)), None)
        campaign = self.campaign.as_dict(self.tmes_data.campaign_count(), self.mimecast_data.campaign_total)
        if first_mc is not None:
            campaign["mimecast_message_id"] = self.mimecast_data.message_ids[first_mc]
        # what became of the campaign's messages, vendor word by vendor word: the ground truth of verdicts
        tmes_actions = collections.Counter(self.tmes_data.record(pos)["action"]
                                           for pos in self.tmes_data.campaign_positions)
        mimecast_statuses = collections.Counter(r["status"] for r in self.mimecast_data.records
                                                if r["subject"] == self.campaign.subject)
        campaign["tmes_actions"] = dict(sorted(tmes_actions.items()))
        # one message id per Mimecast status, to search a single message in a known state
        ids = {}
        for pos, record in enumerate(self.mimecast_data.records):
            if record["subject"] == self.campaign.subject:
                ids.setdefault(record["status"], self.mimecast_data.message_ids[pos])
        campaign["mimecast_message_ids"] = dict(sorted(ids.items()))
        campaign["mimecast_statuses"] = dict(sorted(mimecast_statuses.items()))
        # the header-From spoof pair in the hold queue (spoof) and the delivered copies (mimecast_delivered)
        campaign.update(self.actions.campaign_facts())
        # who clicked the campaign's URL (User Click rows), whose clicks were blocked, and who only had an Entry Scan
        campaign.update(self.ttp.facts)
        return {"url": url, "tmes": dict(self.creds["tmes"]), "mimecast": dict(self.creds["mimecast"]),
                "campaign": campaign}


def route(path: str):
    """The endpoint name of a vendor path, or None."""
    if path in (TMES_PATH, TMES_POLICY_PATH):
        return "tmes"
    if path in (TRACKING_PATH, FINDER_PATH):
        return "mimecast"
    if path == TOKEN_PATH:
        return "oauth"
    if path in mimecast_managed_url.PATHS:
        return "managedurl"
    if path == mimecast_msginfo.PATH:
        return "msginfo"
    if path in mimecast_ttp.PATHS:
        return "ttp"
    if path in ACTION_PATHS:
        return {"gateway": "held", "ttp": "remediation", "policy": "policy"}[path.split("/")[2]]
    return None


def fault_reply(endpoint: str, status: int) -> Reply:
    if endpoint == "tmes":
        code = STATUS_CODES["tmes"].get(status, "InternalServerError" if status >= 500 else "InvalidFormat")
        return Reply(status, {"code": code, "message": STATUS_MESSAGES.get(status, "The service failed to handle "
                                                                                   "the request.")})
    if endpoint == "oauth":
        return Reply(status, {"error": "server_error", "error_description": "The service is unavailable."})
    fail = failure("err_server_%d" % status, "The service failed to handle the request.", retryable=status >= 500)
    return Reply(status, envelope(status, [], [fail]))


def rate_limit_reply(endpoint: str, form: str, wait: float, now: float) -> Reply:
    if endpoint == "tmes" or endpoint == "oauth":
        body = {"code": "TooManyRequests", "message": "Too many requests."}
    else:
        body = envelope(429, [], [failure("err_rate_limit_exceeded", "Too many requests.", retryable=True)])
    headers = {}
    if form == "seconds":
        headers["Retry-After"] = str(int(round(wait)))
    elif form == "http-date":
        headers["Retry-After"] = email.utils.formatdate(now + wait, usegmt=True)
    elif form == "reset-ms":
        headers.update({"X-RateLimit-Limit": "50", "X-RateLimit-Remaining": "0",
                        "X-RateLimit-Reset": str(int(wait * 1000))})
    else:
        headers.update({"X-RateLimit-Limit": "50", "X-RateLimit-Remaining": "0",
                        "X-RateLimit-Reset": str(int((now + wait) * 1000))})
    return Reply(429, body, headers)


class Handler(BaseHTTPRequestHandler):
    """One request: control, or a vendor endpoint with faults applied."""

    protocol_version = "HTTP/1.1"
    server_version = "emailsec-sandbox/1.0"
    sys_version = ""

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        if self.server.verbose:
            super().log_message(format, *args)

    def _read_body(self) -> bytes:
        length = self.headers.get("Content-Length")
        if not length:
            return b""
        return self.rfile.read(int(length))

    def _handle(self):
        state = self.server.state
        parsed = urllib.parse.urlsplit(self.path)
        body = self._read_body()
        request = Request(self.command, parsed.path, parsed.query, self.headers, body)
        if parsed.path.startswith(CONTROL_PREFIX):
            self._send(self._control(request))
            return
        endpoint = route(parsed.path)
        if endpoint is None:
            state.count("unknown", request, 404)
            self._send(Reply(404, {"code": "ResourceNotAvailable", "message": "No such resource."}))
            return
        faults = state.faults.take(endpoint, parsed.path)
        kinds = {f.kind: f for f in faults}
        delay = state.latency_ms / 1000.0
        if "latency" in kinds:
            delay += kinds["latency"].params["ms"] / 1000.0
        if delay:
            time.sleep(delay)
        if "drop" in kinds:
            state.count(endpoint, request, "dropped")
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        if "slow" in kinds:
            time.sleep(kinds["slow"].params["seconds"])
        if "status" in kinds:
            reply = fault_reply(endpoint, kinds["status"].params["status"])
        elif "rate_limit" in kinds:
            params = kinds["rate_limit"].params
            reply = rate_limit_reply(endpoint, params["form"], params["wait"], state.clock())
        elif endpoint == "tmes":
            reply = state.tmes.handle(request, faults)
        elif endpoint == "oauth":
            reply = state.mimecast.handle_token(request, faults)
        elif endpoint == "mimecast":
            reply = state.mimecast.handle_search(request, faults)
        elif endpoint == "msginfo":
            reply = mimecast_msginfo.handle(state, request, faults)
        elif endpoint == "managedurl":
            reply = state.managed_urls.handle(state.mimecast, request, faults)
        elif endpoint == "ttp":
            reply = mimecast_ttp.handle(state, request, faults)
        else:
            reply = state.actions.handle(state.mimecast, request, faults)
        # the request has been carried out: its answer is held back, or lost to an error status
        if "after_slow" in kinds:
            time.sleep(kinds["after_slow"].params["seconds"])
        if "after_status" in kinds:
            reply = fault_reply(endpoint, kinds["after_status"].params["status"])
        if "wrong_shape" in kinds and reply.status == 200:
            shape = {"tmes": {"items": [], "next": None}, "oauth": {"token": None}}
            reply = Reply(200, shape.get(endpoint, {"meta": {"status": 200}, "data": {"trackedEmails": "none"},
                                                    "fail": []}))
        if "lone_surrogate" in kinds and reply.body:
            reply.body = reply.body.replace(b'"subject":"', b'"subject":"\\ud83d')
        if "truncate" in kinds and reply.body:
            reply.body = reply.body[:max(1, len(reply.body) // 2)]
        state.count(endpoint, request, reply.status)
        self._send(reply)

    def _control(self, request: Request) -> Reply:
        state = self.server.state
        name = request.path[len(CONTROL_PREFIX):].rstrip("/")
        method = request.method
        if name == "health" and method == "GET":
            return Reply(200, {"ok": True})
        if name == "stats":
            if method == "DELETE":
                state.reset_stats()
            return Reply(200, state.stats())
        if name == "requests" and method == "GET":
            return Reply(200, {"requests": state.recent_requests()})
        if name == "faults":
            if method == "GET":
                return Reply(200, {"faults": state.faults.list()})
            if method == "DELETE":
                state.faults.clear()
                return Reply(200, {"faults": []})
            if method == "POST":
                try:
                    spec = json.loads(request.body.decode("utf-8") or "{}")
                    if not isinstance(spec, dict) or "kind" not in spec:
                        raise FaultError("send a JSON object with at least 'kind'")
                    fault = state.faults.add(**spec)
                except (ValueError, TypeError) as exc:
                    return Reply(400, {"error": str(exc)})
                return Reply(201, fault.as_dict())
        if name == "expire-tokens" and method == "POST":
            state.mimecast.expire_tokens()
            return Reply(200, {"expired": True})
        if name == "tmes/expected" and method == "GET":
            return self._tmes_expected(request)
        if name == "mimecast/state" and method == "GET":
            return Reply(200, mimecast_managed_url.with_state(state.actions.state(), state.managed_urls))
        if name == "mimecast/expected" and method == "GET":
            return self._mimecast_expected(request)
        if name == "describe" and method == "GET":
            return Reply(200, state.describe(self.server.url))
        return Reply(404, {"error": "unknown control endpoint %s %s" % (method, request.path)})

    def _tmes_expected(self, request: Request) -> Reply:
        """Ground truth for tests: how many records a TMES query should return, by the data itself."""
        state = self.server.state
        query = dict(urllib.parse.parse_qsl(request.query))
        start, end = parse_tmes_time(query.get("start", "")), parse_tmes_time(query.get("end", ""))
        if query.get("type") not in ("accepted_traffic", "blocked_traffic") or start is None or end is None:
            return Reply(400, {"error": "give type, start and end (TMES time format)"})
        index = state.tmes_data.index(query["type"], query.get("direction"), query.get("domain"))
        lo, hi = index.window(start, end)
        return Reply(200, {"count": hi - lo})

    def _mimecast_expected(self, request: Request) -> Reply:
        """Ground truth for tests: the ids a Mimecast search finds when no cap cuts it short.

        Query: start and end (Mimecast body format or TMES format), and any of from, to, subject, senderIP,
        route (as the advanced search options).
        """
        state = self.server.state
        query = dict(urllib.parse.parse_qsl(request.query))
        times = []
        for name in ("start", "end"):
            value = query.pop(name, "")
            ms = parse_tmes_time(value)
            seconds = parse_body_date(value) if ms is None else ms // 1000
            if seconds is None:
                return Reply(400, {"error": "give start and end (2026-11-22T08:00:00+0000 or 2026-11-22T08:00:00Z)"})
            times.append(seconds)
        unknown = sorted(set(query) - {"from", "to", "subject", "senderIP", "route"})
        if unknown:
            return Reply(400, {"error": "unknown criteria: %s" % ", ".join(unknown)})
        ids = state.mimecast.expected(times[0], times[1], query)
        return Reply(200, {"count": len(ids), "ids": ids})

    def _send(self, reply: Reply):
        body = reply.body
        encoding = None
        if body and len(body) > 1024 and "gzip" in (self.headers.get("Accept-Encoding") or ""):
            body = gzip.compress(body, compresslevel=1)
            encoding = "gzip"
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if encoding:
            self.send_header("Content-Encoding", encoding)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle


class SandboxServer(ThreadingHTTPServer):
    """A threading HTTP(S) server bound to a loopback address only."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, state: SandboxState, host="127.0.0.1", port=0, tls_context: ssl.SSLContext = None,
                 verbose=False):
        if not ipaddress.ip_address(host).is_loopback:
            raise ValueError("the sandbox binds loopback addresses only, not %s" % host)
        super().__init__((host, port), Handler)
        self.state = state
        self.verbose = verbose
        if tls_context is not None:
            self.socket = tls_context.wrap_socket(self.socket, server_side=True)
        scheme = "https" if tls_context is not None else "http"
        self.url = "%s://%s:%d" % (scheme, host, self.server_address[1])
