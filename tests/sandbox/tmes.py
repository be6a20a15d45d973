# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""TMES ``GET /api/v1/log/mailtrackinglog``, as strict as the documentation.

Rules (see shared/api): HTTP Basic auth; ``type`` required; ``direction`` in/out;
``start``/``end`` only as ``yyyy-mm-ddThh:mm:ss[.mmm]Z``, end not before start,
nothing more than 72 hours back; five-minute defaults; ``limit`` 1..500;
unknown or repeated parameters rejected; 204 with no body when nothing matches;
``nextToken`` URL-encoded in the body, opaque, containing ``+``, ``/`` and ``=``,
and bound to the query it came from.  The window is inclusive at both ends.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import hashlib
import hmac
import os
import re
import struct
import time
import urllib.parse

from .reply import Reply, compact_json

PATH = "/api/v1/log/mailtrackinglog"
POLICY_PATH = "/api/v1/log/policyeventlog"
PARAMS = ("type", "direction", "domain", "start", "end", "limit", "token")
# the policy event log: one event type a request; the documentation's example sends type=threat and one
# collector type=policy_logs, both answered, so type is taken and not read (research notes T2, low confidence)
POLICY_PARAMS = ("event", "type", "direction", "domain", "start", "end", "limit", "token")
EVENTS = ("anti_spoof", "threat", "spam", "content_filter", "dlp", "phishing", "anomaly")
TIME_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{3}))?Z$")
DOMAIN_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$")
LOOKBACK_MS = 72 * 3600 * 1000
DEFAULT_SPAN_MS = 5 * 60 * 1000
# three bytes that base64 turns into "+/+/", so every token carries both characters
TOKEN_PREFIX = b"\xfb\xff\xbf"
TOKEN_LAYOUT = struct.Struct(">BIqq8s")  # version, position, start ms, end ms, query binding


def error(status: int, code: str, message: str) -> Reply:
    return Reply(status, {"code": code, "message": message})


def parse_time(value: str):
    """Epoch milliseconds for a TMES time, or None when it is not in the documented format."""
    match = TIME_RE.match(value)
    if not match:
        return None
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    try:
        seconds = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))
        # timegm normalises out-of-range fields; reject them instead
        if time.gmtime(seconds)[:6] != (year, month, day, hour, minute, second):
            return None
    except (OverflowError, ValueError):
        return None
    return seconds * 1000 + int(match.group(7) or 0)


class TmesApi:
    """The mail tracking log endpoint over one data set."""

    def __init__(self, data, username: str, api_key: str, clock=time.time):
        self.data = data
        self.username = username
        self.api_key = api_key
        self.clock = clock
        self._secret = os.urandom(16)

    # -- tokens ---------------------------------------------------------------------------
    def _binding(self, params: dict) -> bytes:
        canonical = "&".join("%s=%s" % (k, params[k]) for k in sorted(params) if k != "token")
        return hashlib.sha256(canonical.encode("utf-8")).digest()[:8]

    def make_token(self, position: int, start_ms: int, end_ms: int, params: dict) -> str:
        payload = TOKEN_LAYOUT.pack(1, position, start_ms, end_ms, self._binding(params))
        mac = hmac.new(self._secret, payload, hashlib.sha256).digest()[:9]
        return base64.b64encode(TOKEN_PREFIX + payload + mac).decode("ascii")

    def read_token(self, token: str, params: dict):
        """(position, start ms, end ms) from a token, or an error Reply."""
        invalid = error(400, "InvalidFormat", "The token is invalid. Use the nextToken value of the previous "
                                              "response, URL-encoded exactly once.")
        try:
            raw = base64.b64decode(token.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError, ValueError):
            return invalid
        if not raw.startswith(TOKEN_PREFIX) or len(raw) != len(TOKEN_PREFIX) + TOKEN_LAYOUT.size + 9:
            return invalid
        payload, mac = raw[len(TOKEN_PREFIX):-9], raw[-9:]
        if not hmac.compare_digest(mac, hmac.new(self._secret, payload, hashlib.sha256).digest()[:9]):
            return invalid
        version, position, start_ms, end_ms, binding = TOKEN_LAYOUT.unpack(payload)
        if version != 1:
            return invalid
        if binding != self._binding(params):
            return error(400, "InvalidFormat", "The token does not belong to this query: keep every other "
                                               "parameter identical across the pages of one query.")
        return position, start_ms, end_ms

    # -- the endpoint -----------------------------------------------------------------------
    def authorized(self, request) -> bool:
        header = request.header("Authorization") or ""
        scheme, dummy, value = header.partition(" ")
        if scheme.lower() != "basic" or not value:
            return False
        try:
            decoded = base64.b64decode(value.strip().encode("ascii"), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeError, ValueError):
            return False
        user, sep, key = decoded.partition(":")
        return bool(sep) and hmac.compare_digest(user.encode(), self.username.encode()) and \
            hmac.compare_digest(key.encode(), self.api_key.encode())

    def handle(self, request, faults=()) -> Reply:
        if not self.authorized(request):
            return error(401, "AuthenticationMissingOrInvalid", "Authentication information is missing or invalid.")
        if request.method != "GET":
            return error(400, "InvalidMethod",
                         "The HTTP method %s is not supported for this resource." % request.method)
        policy = request.path == POLICY_PATH
        pairs = urllib.parse.parse_qsl(request.query, keep_blank_values=True)
        params = {}
        for name, value in pairs:
            if name not in (POLICY_PARAMS if policy else PARAMS):
                return error(400, "InvalidFormat", "Unknown parameter: %s." % name)
            if name in params:
                return error(400, "InvalidFormat", "The parameter %s is given more than once." % name)
            params[name] = value
        checked = self._check(params, policy)
        if isinstance(checked, Reply):
            return checked
        start_ms, end_ms, limit = checked
        position = 0
        if "token" in params:
            found = self.read_token(params["token"], params)
            if isinstance(found, Reply):
                return found
            position, start_ms, end_ms = found
        if policy:
            index = self.data.policy_index(params.get("event"), params.get("direction"), params.get("domain"))

            def render(pos, event=self.data.policy_event):
                return compact_json(event(pos))
        else:
            index = self.data.index(params["type"], params.get("direction"), params.get("domain"))
            render = self.data.record_json
        lo, hi = index.window(start_ms, end_ms)
        first = lo + position
        if first >= hi:
            return Reply(204)
        last = min(first + limit, hi)
        positions = index.positions
        # the page is its records' compact JSON joined (kept from one page to the next after --prerender), exactly
        # the compact JSON of {"nextToken": ..., "logs": [...]}
        logs = b",".join([render(positions[k]) for k in range(first, last)])
        head = b'{"logs":['
        if last < hi:
            token = self.make_token(last - lo, start_ms, end_ms, params)
            if any(f.kind == "repeat_token" for f in faults) and "token" in params:
                token = params["token"]
            head = b'{"nextToken":' + compact_json(urllib.parse.quote(token, safe="")) + b',"logs":['
        return Reply(200, head + logs + b"]}")

    def _check(self, params: dict, policy=False):
        """The window and page size for valid parameters, or an error Reply."""
        if policy:
            if "event" in params and params["event"] not in EVENTS:
                return error(400, "InvalidFormat", "The parameter event must be one of: %s." % ", ".join(EVENTS))
        elif "type" not in params:
            return error(400, "InvalidFormat", "The parameter type is required.")
        elif params["type"] not in ("accepted_traffic", "blocked_traffic"):
            return error(400, "InvalidFormat", "The parameter type must be accepted_traffic or blocked_traffic.")
        if "direction" in params and params["direction"] not in ("in", "out"):
            return error(400, "InvalidFormat", "The parameter direction must be in or out.")
        if "domain" in params and not DOMAIN_RE.match(params["domain"]):
            return error(400, "IllegalCharacter", "The parameter domain contains an illegal character.")
        limit = 500
        if "limit" in params:
            if not re.match(r"^[0-9]{1,4}$", params["limit"]) or not 1 <= int(params["limit"]) <= 500:
                return error(400, "InvalidFormat", "The parameter limit must be an integer from 1 to 500.")
            limit = int(params["limit"])
        times = {}
        for name in ("start", "end"):
            if name in params:
                times[name] = parse_time(params[name])
                if times[name] is None:
                    return error(400, "InvalidFormat", "The parameter %s must be in the format "
                                                       "yyyy-mm-ddThh:mm:ss[.mmm]Z (UTC)." % name)
        now_ms = int(self.clock() * 1000)
        if "start" in times and "end" in times:
            start_ms, end_ms = times["start"], times["end"]
        elif "start" in times:
            start_ms, end_ms = times["start"], times["start"] + DEFAULT_SPAN_MS
        elif "end" in times:
            start_ms, end_ms = times["end"] - DEFAULT_SPAN_MS, times["end"]
        else:
            start_ms, end_ms = now_ms - DEFAULT_SPAN_MS, now_ms
        if end_ms < start_ms:
            return error(400, "InvalidFormat", "The end time must be no earlier than the start time.")
        if start_ms < now_ms - LOOKBACK_MS:
            return error(400, "InvalidFormat", "Logs can be retrieved for at most 72 hours before the request "
                                               "is sent; the start time is too early.")
        return start_ms, end_ms, limit
