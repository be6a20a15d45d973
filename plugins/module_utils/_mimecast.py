# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Mimecast: regions, paths, the search request, the meta/data/fail envelope, 418 and fail[] mapping.

For internal use by this collection only; the interface may change without notice.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.emailsec.tracking.plugins.module_utils._http import ApiError, ResponseError, json_body, redact_url
from ansible_collections.emailsec.tracking.plugins.module_utils._paging import Page
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


def decode_search(response):
    body = json_body(response)
    if not isinstance(body, dict):
        raise ResponseError("the response is JSON but not a Mimecast envelope")
    first = vendor_error(body)
    if first is not None:
        code, message, retryable = first
        raise ResponseError("Mimecast refused the search although it answered HTTP %d" % response.status_code,
                            final=not retryable, code=code, vendor_message=message, hint=hint_for(None, code))
    data = body.get("data")
    if data == []:
        return Page([])
    if not isinstance(data, list) or not isinstance(data[0], dict) or \
            not isinstance(data[0].get("trackedEmails"), list):
        raise ResponseError("the response is JSON but has no data[0].trackedEmails list")
    emails = [e for item in data if isinstance(item, dict) for e in item.get("trackedEmails") or []]
    if not all(isinstance(e, dict) for e in emails):
        raise ResponseError("trackedEmails holds something other than objects")
    return Page(emails)


class MimecastClient:
    """One search request per slice: the search does not page."""

    def __init__(self, http, base_url, auth, path):
        self.http = http
        self.url = base_url.rstrip("/") + path
        self.auth = auth

    def search(self, body):
        return self.http.request("search Mimecast message tracking", "POST", self.url, auth=self.auth, json_body=body,
                                 decode=decode_search, parse_error=parse_error, hint_for=hint_for)

    def pages(self, window, make_body, result_cap, first_token=None, stop=None, step=None):
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
