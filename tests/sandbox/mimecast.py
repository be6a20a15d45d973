# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Mimecast tracking search (API 1.0, HMAC) and message finder (API 1.0 and API 2.0, OAuth2).

Rules (see shared/api): the API 1.0 signature
``base64(HMAC-SHA1(base64decode(secret), "<x-mc-date>:<x-mc-req-id>:<path>:<appKey>"))``
in ``Authorization: MC <accessKey>:<signature>``; ``x-mc-date`` within 15 minutes;
a request id is never accepted twice; the application id must be known.
API 2.0 tokens come from ``POST /oauth/token`` (form-encoded client credentials)
and expire.  Every answer uses the ``meta``/``data``/``fail`` envelope; logical
errors come back as HTTP 200 with ``fail[]``.
"""

from __future__ import annotations

import base64
import calendar
import datetime
import hashlib
import hmac
import json
import re
import secrets
import struct
import threading
import time
import urllib.parse

from .reply import Reply

TRACKING_PATH = "/api/tracking/search"
FINDER_PATH = "/api/message-finder/search"
TOKEN_PATH = "/oauth/token"
DATE_HEADER_RE = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                            r"(\d{4}) (\d{2}):(\d{2}):(\d{2}) (UTC|GMT)$")
BODY_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})([+-])(\d{2})(\d{2})$")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
FRESHNESS_S = 15 * 60
LOOKBACK_S = 30 * 86400
DEFAULT_SPAN_S = 86400
SEARCH_FIELDS = ("start", "end", "searchReason", "messageId", "advancedTrackAndTraceOptions")
ADVANCED_FIELDS = {TRACKING_PATH: ("from", "to", "subject", "senderIP"),
                   FINDER_PATH: ("from", "to", "subject", "senderIP", "route")}
ROUTES = ("inbound", "outbound", "internal")


def envelope(status: int, data=None, fails=None) -> dict:
    return {"meta": {"status": status}, "data": data if data is not None else [], "fail": fails or []}


def failure(code: str, message: str, key=None, retryable=False) -> dict:
    item = {"errors": [{"code": code, "message": message, "retryable": retryable}]}
    if key is not None:
        item["key"] = key
    return item


def http_error(status: int, code: str, message: str) -> Reply:
    return Reply(status, envelope(status, [], [failure(code, message)]))


def bad(code: str, message: str) -> Reply:
    """A request Mimecast refuses as malformed: HTTP 400 with its code and message."""
    return http_error(400, code, message)


def enveloped(api, request, faults, permission, data_required=True):
    """(refusal, body, role) of a request to an enveloped endpoint (hold queue, policies, remediation, TTP logs,
    managed URLs, message info): POST only, authenticated for ``permission``, a JSON object with a ``data`` array of
    objects (missing allowed when not ``data_required``) and an optional ``meta`` object.  ``refusal`` is the
    answer to send when the request fails any of that, else None."""
    if request.method != "POST":
        return http_error(405, "err_method_not_allowed", "Use POST for %s." % request.path), None, None
    denied, role = api.authenticate(request, faults, permission)
    if denied is not None:
        return denied, None, role
    try:
        body = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return bad("err_request_body_invalid", "The request body is not valid JSON."), None, role
    data = body.get("data", None if data_required else []) if isinstance(body, dict) else None
    if not isinstance(body, dict) or set(body) - {"data", "meta"} or not isinstance(data, list) or \
            not isinstance(body.get("meta", {}), dict) or not all(isinstance(item, dict) for item in data):
        return bad("err_request_body_invalid", "The body must be an object with a data array of objects and an "
                                               "optional meta object."), None, role
    return None, body, role


def auth_error(status: int, code: str, message: str) -> Reply:
    """API 1.0's answer to a request its authentication layer refuses: meta and fail[], no data (as a captured 401
    for a bad signature, real-samples/mimecast-actions-rapid7-4, whose meta.isLastToken belongs to the SIEM endpoint
    it came from)."""
    return Reply(status, {"meta": {"status": status}, "fail": [failure(code, message)]})


def api2_error(status: int, code: str, message: str) -> Reply:
    """API 2.0's error shape, as real 401 and 403 answers carry it: code and message on the fail[] item."""
    return Reply(status, {"fail": [{"code": code, "message": message}]})


# what an application may do: everything, read only, or nothing (an API 2.0 application without the products)
ROLES = {"full": 0, "none": 1, "readonly": 2}
# the real API 2.0 answers (shared/api/real-samples/mimecast-sekoia-autolib-1.json and -2.json)
API2_UNAUTHORIZED = ("InvalidClientIdentifier", "Client credentials are invalid")
API2_FORBIDDEN = ("app_forbidden", "Forbidden to perform the requested operation")


def logical_error(code: str, message: str, key=None) -> Reply:
    """A search the service refuses while still answering HTTP 200."""
    return Reply(200, envelope(200, [], [failure(code, message, key)]))


def parse_body_date(value):
    """Epoch seconds for ``2011-12-03T10:15:30+0000``, or None."""
    if not isinstance(value, str):
        return None
    match = BODY_DATE_RE.match(value)
    if not match:
        return None
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    sign, off_h, off_m = match.group(7), int(match.group(8)), int(match.group(9))
    try:
        seconds = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))
        if time.gmtime(seconds)[:6] != (year, month, day, hour, minute, second) or off_h > 23 or off_m > 59:
            return None
    except (OverflowError, ValueError):
        return None
    offset = (off_h * 60 + off_m) * 60
    return seconds - offset if sign == "+" else seconds + offset


def signature(secret_key: str, date: str, request_id: str, path: str, app_key: str) -> str:
    key = base64.b64decode(secret_key)
    text = ":".join((date, request_id, path, app_key)).encode("utf-8")
    return base64.b64encode(hmac.new(key, text, hashlib.sha1).digest()).decode("ascii")


def _matches_address(wanted: str, address: str) -> bool:
    wanted = wanted.strip().lower()
    address = (address or "").lower()
    if "@" in wanted:
        return address == wanted
    return address.rsplit("@", 1)[-1] == wanted.lstrip("@")


class MimecastApi:
    """Both Mimecast APIs over one data set."""

    def __init__(self, data, creds: dict, expired_access_key: str, token_lifetime: int,
                 result_cap: int, clock=time.time):
        self.data = data
        self.creds = creds
        self.expired_access_key = expired_access_key
        self.token_lifetime = token_lifetime
        self.result_cap = result_cap
        self.clock = clock
        self._lock = threading.Lock()
        self._seen_request_ids = set()
        # API 2.0 tokens carry their own expiry and are signed, so that every server process can check them
        self._token_secret = secrets.token_bytes(32)
        self._revoked_before = 0.0
        self._revoked = set()

    # -- API 2.0 token --------------------------------------------------------------------------
    def handle_token(self, request, faults=()) -> Reply:
        del faults
        if request.method != "POST":
            return Reply(405, {"error": "invalid_request", "error_description": "Use POST."})
        content_type = (request.header("Content-Type") or "").split(";")[0].strip().lower()
        if content_type != "application/x-www-form-urlencoded":
            return Reply(400, {"error": "invalid_request",
                               "error_description": "The body must be application/x-www-form-urlencoded."})
        try:
            form = dict(urllib.parse.parse_qsl(request.body.decode("utf-8"), keep_blank_values=True,
                                               strict_parsing=True))
        except (UnicodeDecodeError, ValueError):
            return Reply(400, {"error": "invalid_request", "error_description": "The form body cannot be read."})
        if form.get("grant_type") != "client_credentials":
            return Reply(400, {"error": "unsupported_grant_type",
                               "error_description": "grant_type must be client_credentials."})
        if not (hmac.compare_digest(form.get("client_id", "").encode(), self.creds["client_id"].encode()) and
                hmac.compare_digest(form.get("client_secret", "").encode(), self.creds["client_secret"].encode())):
            known = [name for name in ("forbidden", "readonly")
                     if form.get("client_id") == self.creds.get("%s_client_id" % name) and
                     form.get("client_secret") == self.creds.get("%s_client_secret" % name)]
            if not known:
                return api2_error(401, *API2_UNAUTHORIZED)
            role = ROLES["none" if known[0] == "forbidden" else "readonly"]
        else:
            role = ROLES["full"]
        token = self._issue(self.clock(), role)
        return Reply(200, {"access_token": token, "token_type": "Bearer", "expires_in": self.token_lifetime})

    def _issue(self, now: float, role: int = 0) -> str:
        body = base64.urlsafe_b64encode(struct.pack(">ddB", now, now + self.token_lifetime, role) +
                                        secrets.token_bytes(12)).decode("ascii").rstrip("=")
        mac = hmac.new(self._token_secret, body.encode("ascii"), hashlib.sha256).hexdigest()[:32]
        return body + "." + mac

    def _token_times(self, token: str):
        """(issued, expires) of a token this server signed, or None."""
        body, dot, mac = token.partition(".")
        expected = hmac.new(self._token_secret, body.encode("ascii", "replace"), hashlib.sha256).hexdigest()[:32]
        if not dot or not hmac.compare_digest(mac.encode("ascii", "replace"), expected.encode("ascii")):
            return None
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        return struct.unpack(">ddB", raw[:17])

    def expire_tokens(self):
        """Every token issued until now counts as expired."""
        with self._lock:
            self._revoked_before = self.clock()

    # -- authentication of a search -----------------------------------------------------------------
    def _check_bearer(self, token: str, path: str, faults, permission="read"):
        """(refusal or None, role) for an API 2.0 token; API 2.0 serves every path but API 1.0's tracking search."""
        if path == TRACKING_PATH:
            return api2_error(401, *API2_UNAUTHORIZED), None
        times = self._token_times(token)
        if times is None:
            return api2_error(401, *API2_UNAUTHORIZED), None
        issued, expiry, role = times
        with self._lock:
            if any(f.kind == "expire_token" for f in faults):
                self._revoked.add(token)
            revoked = token in self._revoked or issued <= self._revoked_before
        if revoked or expiry <= self.clock():
            return api2_error(401, *API2_UNAUTHORIZED), None
        if role == ROLES["none"] or (role == ROLES["readonly"] and permission != "read"):
            return api2_error(403, *API2_FORBIDDEN), None
        return None, role

    def authenticate(self, request, faults=(), permission="read"):
        """(refusal or None, role) for any Mimecast API request, API 1.0 or API 2.0.

        ``permission`` is what the endpoint needs, "read" or "edit": an application without it gets 403, as
        at Mimecast where each endpoint needs its own admin-role permission.
        """
        header = request.header("Authorization") or ""
        scheme, dummy, value = header.partition(" ")
        if scheme == "Bearer" and value:
            return self._check_bearer(value.strip(), request.path, faults, permission)
        if scheme == "MC" and value:
            refused = self._check_hmac(request, value.strip(), request.path)
            return refused, (None if refused else ROLES["full"])
        return auth_error(401, "err_xdk_missing_authorization",
                          "The Authorization header is missing or not understood."), None

    def _check_hmac(self, request, value: str, path: str):
        unauthorized = auth_error(401, "err_xdk_authentication_failed",
                                  "Authentication failed: check the access key, secret key, application id "
                                  "and application key.")
        access_key, sep, given = value.partition(":")
        if not sep or not access_key or not given:
            return unauthorized
        date = request.header("x-mc-date")
        request_id = request.header("x-mc-req-id")
        app_id = request.header("x-mc-app-id")
        if not date or not request_id or not app_id:
            return auth_error(401, "err_xdk_missing_header",
                              "The headers x-mc-date, x-mc-req-id and x-mc-app-id are required.")
        match = DATE_HEADER_RE.match(date)
        if not match:
            return auth_error(401, "err_xdk_invalid_date", "x-mc-date must look like 'Tue, 24 Nov 2015 12:50:11 UTC'.")
        day, month, year, hour, minute, second = (int(match.group(2)), MONTHS.index(match.group(3)) + 1,
                                                  int(match.group(4)), int(match.group(5)), int(match.group(6)),
                                                  int(match.group(7)))
        try:
            stamp = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))
            weekday = datetime.datetime(year, month, day).strftime("%a")
        except (OverflowError, ValueError):
            return auth_error(401, "err_xdk_invalid_date", "x-mc-date is not a valid date.")
        if weekday != match.group(1):
            return auth_error(401, "err_xdk_invalid_date", "x-mc-date names the wrong day of the week.")
        if abs(stamp - self.clock()) > FRESHNESS_S:
            return auth_error(401, "err_xdk_request_expired",
                              "x-mc-date is more than 15 minutes away from the server time.")
        if app_id != self.creds["app_id"]:
            return auth_error(401, "err_xdk_unknown_application", "The application id is not known.")
        if access_key == self.expired_access_key:
            return auth_error(418, "err_xdk_binding_expired", "The binding of these keys has expired: create new "
                                                              "access and secret keys.")
        if access_key != self.creds["access_key"]:
            return unauthorized
        expected = signature(self.creds["secret_key"], date, request_id, path, self.creds["app_key"])
        if not hmac.compare_digest(expected.encode(), given.encode()):
            return unauthorized
        with self._lock:
            if request_id in self._seen_request_ids:
                return auth_error(401, "err_xdk_duplicate_request_id", "The request id was used before: send a new "
                                                                       "GUID with every request.")
            self._seen_request_ids.add(request_id)
        return None

    # -- the search ---------------------------------------------------------------------------------------
    def handle_search(self, request, faults=()) -> Reply:
        path = request.path
        if request.method != "POST":
            return http_error(405, "err_method_not_allowed", "Use POST for %s." % path)
        refused, dummy_role = self.authenticate(request, faults)
        if refused is not None:
            return refused
        try:
            body = json.loads(request.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return http_error(400, "err_request_body_invalid", "The request body is not valid JSON.")
        item = self._check_body(body, path)
        if isinstance(item, Reply):
            return item
        return self._search(item)

    def _check_body(self, body, path):
        if not isinstance(body, dict) or set(body) - {"data", "meta"} or not isinstance(body.get("data"), list):
            return http_error(400, "err_request_body_invalid", "The body must be an object with a data array.")
        if len(body["data"]) != 1 or not isinstance(body["data"][0], dict):
            return http_error(400, "err_request_body_invalid", "data must hold exactly one search object.")
        item = body["data"][0]
        unknown = sorted(set(item) - set(SEARCH_FIELDS))
        if unknown:
            return http_error(400, "err_validation_unknown_field", "Unknown field: %s." % ", ".join(unknown))
        for name in ("searchReason", "messageId"):
            if name in item and not isinstance(item[name], str):
                return http_error(400, "err_validation_type", "%s must be a string." % name)
        for name in ("start", "end"):
            if name in item and parse_body_date(item[name]) is None:
                return http_error(400, "err_validation_date_format",
                                  "%s must be a date like 2011-12-03T10:15:30+0000." % name)
        advanced = item.get("advancedTrackAndTraceOptions")
        if advanced is not None:
            if not isinstance(advanced, dict):
                return http_error(400, "err_validation_type", "advancedTrackAndTraceOptions must be an object.")
            unknown = sorted(set(advanced) - set(ADVANCED_FIELDS[path]))
            if unknown:
                return http_error(400, "err_validation_unknown_field",
                                  "Unknown field in advancedTrackAndTraceOptions: %s." % ", ".join(unknown))
            for name, value in advanced.items():
                if name == "route":
                    # the field table types route as an array of strings, the example body shows a string
                    routes = value if isinstance(value, list) else [value]
                    if not routes or not all(isinstance(r, str) and r in ROUTES for r in routes):
                        return http_error(400, "err_validation_route",
                                          "route must be inbound, outbound or internal, or an array of them.")
                elif not isinstance(value, str):
                    return http_error(400, "err_validation_type", "%s must be a string." % name)
        return item

    def _search(self, item) -> Reply:
        now = self.clock()
        end = parse_body_date(item["end"]) if "end" in item else int(now)
        start = parse_body_date(item["start"]) if "start" in item else end - DEFAULT_SPAN_S
        key = {k: item[k] for k in ("start", "end") if k in item}
        if start < now - LOOKBACK_S:
            return logical_error("err_track_and_trace_invalid_start_date",
                                 "The start date cannot be more than 30 days in the past.", key)
        if end < start:
            return logical_error("err_track_and_trace_invalid_date_range", "The end date is before the start date.",
                                 key)
        advanced = {k: v for k, v in (item.get("advancedTrackAndTraceOptions") or {}).items() if v != ""}
        message_id = item.get("messageId", "")
        if not message_id and not advanced:
            return logical_error("err_track_and_trace_no_search_criteria",
                                 "Give a messageId or at least one advanced search option.", key)
        if message_id and advanced:
            return logical_error("err_track_and_trace_invalid_criteria",
                                 "Search by messageId or by advanced options, not both.", key)
        found = []
        for pos in self.data.between(start * 1000, end * 1000):
            record = self.data.records[pos]
            if message_id:
                if self.data.message_ids[pos] != message_id:
                    continue
            elif not self._matches(record, advanced):
                continue
            found.append(record)
            if len(found) >= self.result_cap:
                break
        return Reply(200, envelope(200, [{"trackedEmails": found}]))

    def expected(self, start: int, end: int, advanced: dict) -> list:
        """Ground truth for tests: the ids of every record a search would find, without the result cap."""
        return [self.data.records[pos]["id"] for pos in self.data.between(start * 1000, end * 1000)
                if self._matches(self.data.records[pos], advanced)]

    @staticmethod
    def _matches(record, advanced) -> bool:
        if "from" in advanced and not _matches_address(advanced["from"], record["fromEnv"]["emailAddress"]):
            return False
        if "to" in advanced and not any(_matches_address(advanced["to"], r["emailAddress"]) for r in record["to"]):
            return False
        if "subject" in advanced and advanced["subject"].lower() not in record["subject"].lower():
            return False
        if "senderIP" in advanced and advanced["senderIP"] != record["senderIP"]:
            return False
        if "route" in advanced:
            routes = advanced["route"] if isinstance(advanced["route"], list) else [advanced["route"]]
            if record["route"] not in routes:
                return False
        return True
