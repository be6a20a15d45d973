# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Mimecast: regions, paths, the search request, the meta/data/fail envelope, 418 and fail[] mapping.

For internal use by this collection only; the interface may change without notice.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.emailsec.tracking.plugins.module_utils._http import ResponseError
from ansible_collections.emailsec.tracking.plugins.module_utils._paging import Page
from ansible_collections.emailsec.tracking.plugins.module_utils._timewindow import format_mimecast

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


def record_key(record):
    return record.get("id") if isinstance(record, dict) else None


def _first_error(body):
    """(code, message, retryable) of the first error in a fail[] list, or None."""
    fails = body.get("fail") if isinstance(body, dict) else None
    if not fails:
        return None
    for item in fails:
        errors = item.get("errors") if isinstance(item, dict) else None
        for error in errors or []:
            if isinstance(error, dict):
                return error.get("code"), error.get("message"), bool(error.get("retryable"))
    return "unknown", str(fails)[:300], False


def parse_error(response):
    first = _first_error(response.json())
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
        return "The Mimecast application or user lacks the Gateway | Tracking | Read permission."
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


def decode_search(response):
    try:
        body = response.json()
    except ValueError:
        raise ResponseError("the response body is not valid JSON (cut short?)")
    if not isinstance(body, dict):
        raise ResponseError("the response is JSON but not a Mimecast envelope")
    first = _first_error(body)
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
