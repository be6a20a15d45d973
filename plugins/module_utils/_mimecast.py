# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Mimecast: regions, paths, the meta/data/fail envelope and its errors, and the one client every Mimecast module
uses (the tracking search, the list endpoints with token paging, and single requests that act).

For internal use by this collection only; the interface may change without notice.

Where each vendor word and shape comes from: the envelope, ``fail[]`` on HTTP 200 and the 418 rule from Mimecast's
API documentation; the ``fail[]`` shapes from real answers (``fail[].errors[]`` in API 1.0 captures, ``code`` and
``message`` directly on the item in API 2.0 401/403 captures, ``key`` naming the item a failure belongs to in a
captured refusal of a managed URL); paging by ``meta.pagination.next`` from captured list answers (hold queue,
managed URLs).  docs/docsite/rst/guide_maintainers.rst shows where a new endpoint goes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.emailsec.tracking.plugins.module_utils._http import ApiError, ResponseError, json_body, redact_url
from ansible_collections.emailsec.tracking.plugins.module_utils._paging import Page
from ansible_collections.emailsec.tracking.plugins.module_utils._retry import backoff
from ansible_collections.emailsec.tracking.plugins.module_utils._timewindow import (
    TimeInputError, Window, format_iso, format_mimecast, parse_time, utc_now,
)

HMAC_REGIONS = {
    "eu": "https://eu-api.mimecast.com",
    "de": "https://de-api.mimecast.com",
    "us": "https://us-api.mimecast.com",
    "usb": "https://usb-api.mimecast.com",
    "ca": "https://ca-api.mimecast.com",
    "za": "https://za-api.mimecast.com",
    "au": "https://au-api.mimecast.com",
    "je": "https://je-api.mimecast.com",
    "jer": "https://jer-api.mimecast.com",
}
OAUTH2_REGIONS = {
    "global": "https://api.services.mimecast.com",
    "uk": "https://uk-api.services.mimecast.com",
    "us": "https://us-api.services.mimecast.com",
}
TRACKING_PATH = "/api/tracking/search"
FINDER_PATH = "/api/message-finder/search"
TOKEN_PATH = "/oauth/token"
HOLD_LIST = "/api/gateway/get-hold-message-list"
HOLD_RELEASE = "/api/gateway/hold-release"
HOLD_REJECT = "/api/gateway/hold-reject"
REM_CREATE = "/api/ttp/remediation/create"
REM_GET = "/api/ttp/remediation/get-incident"
REM_FIND = "/api/ttp/remediation/find-incidents"
REM_CREATE_V2 = "/api/ttp/remediation/v2/create"
POLICY_CREATE = "/api/policy/blockedsenders/create-policy"
POLICY_GET = "/api/policy/blockedsenders/get-policy"
POLICY_DELETE = "/api/policy/blockedsenders/delete-policy"
MESSAGE_INFO = "/api/message-finder/get-message-info"
MANAGED_URL_CREATE = "/api/ttp/url/create-managed-url"
MANAGED_URL_LIST = "/api/ttp/url/get-all-managed-urls"
MANAGED_URL_DELETE = "/api/ttp/url/delete-managed-url"
TTP_URL_LOGS = "/api/ttp/url/get-logs"
TTP_ATTACHMENT_LOGS = "/api/ttp/attachment/get-logs"
TTP_IMPERSONATION_LOGS = "/api/ttp/impersonation/get-logs"
# the permission each endpoint needs (API 1.0: the user's admin role; API 2.0: the application's role), from
# each endpoint's page in Mimecast's documentation
PERMISSIONS = {
    TRACKING_PATH: "Gateway | Tracking | Read", FINDER_PATH: "Gateway | Tracking | Read",
    HOLD_LIST: "Account | Dashboard | Read", HOLD_RELEASE: "Account | Monitoring | Held | Edit",
    HOLD_REJECT: "Account | Monitoring | Held | Edit", REM_CREATE: "Services | Threat Remediation | Edit",
    REM_CREATE_V2: "Services | Threat Remediation | Edit",
    REM_GET: "Services | Threat Remediation | Read", REM_FIND: "Services | Threat Remediation | Read",
    POLICY_CREATE: "Gateway | Policies | Edit", POLICY_GET: "Gateway | Policies | Read",
    POLICY_DELETE: "Gateway | Policies | Edit", MESSAGE_INFO: "Gateway | Tracking | Read",
    # Edit even to list, as Mimecast's get-managed-url page says; delete's page names the product URL Protection
    MANAGED_URL_LIST: "Services | Targeted Threat Protection - URL Protect | Edit",
    MANAGED_URL_CREATE: "Services | Targeted Threat Protection - URL Protect | Edit",
    MANAGED_URL_DELETE: "Services | URL Protection | Edit",
    # the API 2.0 application role names them Monitoring Menu > ... > Read (setup guides, CLICKS.md section 6)
    TTP_URL_LOGS: "Monitoring | URL Protection | Read",
    TTP_ATTACHMENT_LOGS: "Monitoring | Attachment Protection | Read",
    TTP_IMPERSONATION_LOGS: "Monitoring | Impersonation Protection | Read",
}
LIST_PAGE_SIZE = 100
MAX_LIST_ITEMS = 200000  # far above any tenant's hold queue or policy list: more means paging would not end
MAX_EMPTY_PAGES = 20
DEFAULT_PATHS = {"hmac": TRACKING_PATH, "oauth2": FINDER_PATH}
START_TOO_OLD = "err_track_and_trace_invalid_start_date"
BELIEVED_LOOKBACK_DAYS = 30
# The most results one search returns is not documented; a search that gives this many is taken as cut short
DEFAULT_RESULT_CAP = 100
CURSOR_PREFIX = "part:"


def record_key(record):
    """A tracked email's id, as a string whatever type the vendor sent (it is hashed and spilled)."""
    if not isinstance(record, dict) or record.get("id") is None:
        return None
    return "%s" % (record["id"],)


def record_identity(record):
    """A tracked email's id as the vendor sent it (a string), without formatting: what the search de-duplicates
    by (``record_key.identity``); a value that cannot be hashed is compared by its JSON text."""
    return record.get("id") if isinstance(record, dict) else None


record_key.identity = record_identity


def _error_of(item):
    """(code, message, retryable) of one fail[] entry in any of the shapes Mimecast and its gateways use."""
    if isinstance(item, dict):
        for error in item.get("errors") or []:
            if isinstance(error, dict):  # API 1.0 and the documented form: fail[].errors[]
                return error.get("code"), error.get("message"), error.get("retryable") is True
        if item.get("code") is not None or item.get("message") is not None:
            # API 2.0: code and message directly on the fail[] item (real 401 and 403 answers)
            return item.get("code"), item.get("message"), item.get("retryable") is True
        return None, item, False
    if isinstance(item, str):
        return None, item, False
    return None, item, False


def vendor_error(body):
    """(code, message, retryable) of the first error a Mimecast answer carries, or None.

    Read: ``fail[].errors[]``; ``fail[]`` items with ``code`` and ``message`` themselves (API 2.0); ``fail`` as
    a string or a single object (seen in other clients); OAuth2's ``error`` / ``error_description``.  A message
    that is not text is shown as JSON by the failure message, never as a Python repr.
    """
    if not isinstance(body, dict):
        return None
    fails = body.get("fail")
    if fails:
        items = fails if isinstance(fails, list) else [fails]
        found = [_error_of(item) for item in items]
        for code, message, retryable in found:
            if code is not None:
                return code, message, retryable
        code, message, retryable = found[0]
        return code, message, retryable
    if body.get("error") is not None or body.get("error_description") is not None:
        return body.get("error"), body.get("error_description"), False
    return None


def parse_error(response):
    first = vendor_error(json_body(response))
    return (first[0], first[1]) if first else (None, None)


def hint_for(status, code):
    if status == 418 or code == "err_xdk_binding_expired":
        return ("Mimecast answers 418 when the binding of the API 1.0 access and secret keys has expired: create new "
                "keys for the application in the Mimecast Administration Console (Services > API and Platform "
                "Integrations) and update access_key and secret_key (MIMECAST_ACCESS_KEY, MIMECAST_SECRET_KEY).")
    if code == START_TOO_OLD:
        return ("Mimecast is believed to refuse a start more than about %d days back (the exact limit is not "
                "documented): use a later start." % BELIEVED_LOOKBACK_DAYS)
    if status == 403:
        return ("The Mimecast application is not allowed to search: an API 1.0 user needs the Gateway | Tracking | "
                "Read permission; an API 2.0 application needs the Message Finder (tracking) product in its "
                "application role (Mimecast answers app_forbidden).")
    if status == 404:
        return ("The search path was not found: check base_url or region for your account, and search_path "
                "(%s for API 1.0, %s for API 2.0)." % (TRACKING_PATH, FINDER_PATH))
    if status == 429:
        return "Mimecast kept rate-limiting the requests: lower concurrency, use larger slices, or raise retries."
    if status and status >= 500:
        return "Mimecast kept failing on its side: try again later, or raise retries."
    if status == 400:
        return "Mimecast refused the request body: correct what the vendor message names."
    return None


def search_body(window, message_id=None, advanced=None, search_reason=None):
    item = {"start": format_mimecast(window.start), "end": format_mimecast(window.end)}
    if search_reason:
        item["searchReason"] = search_reason
    if message_id:
        item["messageId"] = message_id
    if advanced:
        item["advancedTrackAndTraceOptions"] = advanced
    return {"data": [item]}


def cursor_token(window):
    """Where a slice's search goes on: the part of the window to search next, as an opaque string."""
    return "%s%s~%s" % (CURSOR_PREFIX, format_iso(window.start), format_iso(window.end))


def read_cursor(token, window):
    """The part a cursor names, checked to lie inside ``window``; ValueError otherwise."""
    if not isinstance(token, str) or not token.startswith(CURSOR_PREFIX) or "~" not in token:
        raise ValueError("not a Mimecast search cursor")
    start, dummy, end = token[len(CURSOR_PREFIX):].partition("~")
    try:
        now = utc_now()
        part = Window(parse_time(start, "token", now), parse_time(end, "token", now))
    except TimeInputError:
        raise ValueError("not a Mimecast search cursor")
    if not window.start <= part.start <= part.end <= window.end:
        raise ValueError("the Mimecast search cursor lies outside its slice")
    return part


class CapReached(ApiError):
    """A one-second part of the window still gives as many results as the cap: the rest cannot be fetched."""


def decode_envelope(response, keyed_fails=False, what_data="a Mimecast envelope (no data list)"):
    """The body of a Mimecast answer, after its ``fail[]`` is read: the one decoder of every endpoint.

    A ``fail[]`` entry is a failure of the request (raised, with the vendor's code and message), except, with
    ``keyed_fails``, entries whose ``key`` names one item of the request: those are per-item outcomes that the
    caller reports item by item (``failures_by_key``).
    """
    body = json_body(response)
    if not isinstance(body, dict):
        raise ResponseError("the response is JSON but not a Mimecast envelope")
    fails = body.get("fail")
    if fails:
        items = fails if isinstance(fails, list) else [fails]
        keyed = all(isinstance(f, dict) and isinstance(f.get("key"), dict) and f.get("key") for f in items)
        if not (keyed_fails and keyed):
            code, message, retryable = vendor_error(body) or (None, None, False)
            raise ResponseError("Mimecast refused the request although it answered HTTP %d" % response.status_code,
                                final=not retryable, code=code, vendor_message=message, hint=hint_for(None, code))
    elif body.get("error") is not None:
        code, message, retryable = vendor_error(body)
        raise ResponseError("Mimecast refused the request although it answered HTTP %d" % response.status_code,
                            final=True, code=code, vendor_message=message, hint=hint_for(None, code))
    if not isinstance(body.get("data"), list):
        raise ResponseError("the response is JSON but not %s" % what_data)
    return body


def failures_by_key(body):
    """[(key, code, message)] of the ``fail[]`` entries that name an item of the request."""
    fails = body.get("fail") or []
    out = []
    for entry in fails if isinstance(fails, list) else [fails]:
        if isinstance(entry, dict) and isinstance(entry.get("key"), dict):
            code, message, dummy = vendor_error({"fail": [entry]}) or (None, None, False)
            out.append((entry["key"], code, message))
    return out


def decode_search(response):
    body = decode_envelope(response, what_data="a tracking search answer: it has no data[0].trackedEmails list")
    data = body["data"]
    if data == []:
        return Page([])
    if not isinstance(data[0], dict) or not isinstance(data[0].get("trackedEmails"), list):
        raise ResponseError("the response is JSON but has no data[0].trackedEmails list")
    emails = [e for item in data if isinstance(item, dict) for e in item.get("trackedEmails") or []]
    if not all(isinstance(e, dict) for e in emails):
        raise ResponseError("trackedEmails holds something other than objects")
    return Page(emails)


def permission_hint(path):
    """hint_for, with a 403 naming the permission the endpoint at ``path`` needs."""
    def hint(status, code):
        if status == 403 and path not in (TRACKING_PATH, FINDER_PATH):
            return ("The Mimecast application lacks the permission %s (API 1.0: the user's admin role; API 2.0: the "
                    "application's products and role, which Mimecast answers with app_forbidden)."
                    % PERMISSIONS.get(path, "for this endpoint"))
        return hint_for(status, code)
    return hint


class MimecastClient:
    """One Mimecast account: the tracking search, list endpoints page by page, and requests that act.

    Every call goes through the one HTTP client (auth, retries, deadline, caps) and the one envelope decoder.
    """

    def __init__(self, http, base_url, auth, search_path=None):
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.url = self.base_url + (search_path or FINDER_PATH)
        self.auth = auth

    # -- requests ----------------------------------------------------------------------------------------
    def post(self, what, path, data, meta=None, keyed_fails=False, decode=None, idempotent=True):
        """One enveloped POST; the decoded body (or ``decode(response)``)."""
        body = {"data": data}
        if meta:
            body["meta"] = meta
        return self.http.request(what, "POST", self.base_url + path, auth=self.auth, json_body=body,
                                 decode=decode or (lambda r: decode_envelope(r, keyed_fails)),
                                 parse_error=parse_error, hint_for=permission_hint(path), idempotent=idempotent)

    def create(self, what, path, data, find, attempts=None):
        """A request that makes something (an incident, a policy), sent so that it happens at most once.

        ``find()`` returns what an earlier attempt may have made (found by its exact marker and criteria), or
        None.  When an attempt fails in a way that leaves open whether Mimecast acted (a timeout, a cut
        connection, a 5xx), ``find()`` is asked before anything is sent again, and what it finds is adopted.
        Returns (the body of the answer or None, the adopted object or None).
        """
        attempts = self.http.retries + 1 if attempts is None else attempts
        last = None
        sent = 0
        for attempt in range(1, attempts + 1):
            if last is not None:
                self.http.sleep(min(self.http.retry_max_delay,
                                    backoff(attempt - 1, self.http.retry_max_delay, self.http.rand)))
                found = find()
                if found is not None:
                    return None, found
            try:
                sent += 1
                return self.post(what, path, data, idempotent=False), None
            except ApiError as exc:
                if not exc.maybe_applied:
                    raise
                last = exc
        found = find()
        if found is not None:
            return None, found
        last.cause = ("%s; sent %d time%s, each only after looking for what an earlier attempt may have made, and "
                      "nothing was found" % (last.cause, sent, "" if sent == 1 else "s"))
        last.attempts = sent
        raise last

    def list_pages(self, what, path, item, page_size=LIST_PAGE_SIZE, first_token=None, stop=None, records=None,
                   max_items=MAX_LIST_ITEMS):
        """Every page of a list endpoint (``records(body)`` picks the items of a page, default ``data``).

        Bounded whatever Mimecast sends, as the TMES paging is: a page larger than asked for, more than
        MAX_EMPTY_PAGES empty pages in a row that still carry a new token, a token sent before, or more pages
        than ``max_items`` can fill all end the paging with a clear error.
        """
        token = first_token
        seen = set([token]) if token else set()
        most = max(1, -(-max_items // page_size))
        count = 0
        empty = 0
        url = self.base_url + path
        while True:
            pagination = {"pageSize": page_size}
            if token:
                pagination["pageToken"] = token
            body = self.post(what, path, [item] if item is not None else [], {"pagination": pagination})
            items = records(body) if records else body["data"]
            if len(items) > page_size:
                raise ApiError(what, "Mimecast sent %d items on a page of at most %d" % (len(items), page_size),
                               "POST", redact_url(url), hint="This is a fault on the Mimecast side: try again later.")
            following = ((body.get("meta") or {}).get("pagination") or {}).get("next") or None
            if following is not None and (not isinstance(following, str) or following in seen):
                raise ApiError(what, "Mimecast sent a page token it had sent before, so paging would not end",
                               "POST", redact_url(url), hint="This is a fault on the Mimecast side: try again later.")
            count += 1
            empty = empty + 1 if not items and following else 0
            yield Page(items, token, following)
            if following is None or (stop is not None and stop.is_set()):
                return
            if empty >= MAX_EMPTY_PAGES:
                raise ApiError(what, "Mimecast sent %d empty pages in a row, each with a new page token, so paging "
                               "would not end" % empty, "POST", redact_url(url),
                               hint="This is a fault on the Mimecast side: try again later.")
            if count >= most:
                raise ApiError(what, "Mimecast sent %d pages (more than %d items) for one list, more than any "
                               "account holds" % (count, max_items), "POST", redact_url(url),
                               hint="Narrow the window or the selection; if the list is really this long, this is "
                                    "beyond what the module reads in one run.")
            seen.add(following)
            token = following

    # -- the tracking search -----------------------------------------------------------------------------
    def search(self, body):
        return self.http.request("search Mimecast message tracking", "POST", self.url, auth=self.auth, json_body=body,
                                 decode=decode_search, parse_error=parse_error, hint_for=hint_for)

    def search_pages(self, window, make_body, result_cap, first_token=None, stop=None, step=None):
        """The results of one slice, as pages in time order.

        The search does not page and its cap is not documented, so a part whose answer reaches ``result_cap``
        is taken as cut short: it is split into halves (down to ``step``, the one-second resolution) and each
        half is searched again.  A page's ``next_token`` names the next part to search, so a run stopped at
        max_records or by a failure resumes exactly there.
        """
        if first_token:
            first = read_cursor(first_token, window)
            pending = []
            if first.end < window.end:
                pending.append(Window(first.end + step, window.end))
            pending.append(first)
        else:
            pending = [window]
        while pending:
            part = pending.pop()
            page = self.search(make_body(part))
            if len(page.records) >= result_cap:
                halves = part.slices(count=2, step=step)
                if len(halves) < 2:
                    raise CapReached(
                        "search Mimecast message tracking",
                        "the search for the one second %s to %s gave %d results, as many as result_cap, so more may "
                        "exist that Mimecast did not return" % (format_iso(part.start), format_iso(part.end),
                                                                len(page.records)),
                        "POST", redact_url(self.url),
                        hint="Raise result_cap if your account returns more results per search, or add criteria "
                             "to narrow the search.")
                pending.extend(reversed(halves))
                continue
            page.token_used = cursor_token(part)
            page.next_token = cursor_token(pending[-1]) if pending else None
            yield page
            if stop is not None and stop.is_set():
                return
