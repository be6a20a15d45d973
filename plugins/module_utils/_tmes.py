# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Trend Micro Email Security: regions, the mail tracking log request, 204, error mapping.

For internal use by this collection only; the interface may change without notice.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

try:
    from urllib.parse import unquote
except ImportError:  # pragma: no cover
    from urllib import unquote  # type: ignore

from ansible_collections.emailsec.tracking.plugins.module_utils._http import ApiError, ResponseError, json_body, json_body_and_lines, redact_url
from ansible_collections.emailsec.tracking.plugins.module_utils._paging import Page
from ansible_collections.emailsec.tracking.plugins.module_utils._timewindow import format_tmes

DEFAULT_URL = "https://api.tmes.trendmicro.com"
REGIONS = {
    "us": "https://api.tmes.trendmicro.com",
    "eu": "https://api.tmes.trendmicro.eu",
    "anz": "https://api.tmes-anz.trendmicro.com",
    "jp": "https://api.tmems-jp.trendmicro.com",
    "sg": "https://api.tmes-sg.trendmicro.com",
    "in": "https://api.tmes-in.trendmicro.com",
    "uae": "https://api.tmes-uae.trendmicro.com",
    # listed on the page of the renamed product, Cloud Email Gateway Protection
    "uk": "https://api.tmes-uk.trendmicro.com",
}
PATH = "/api/v1/log/mailtrackinglog"
POLICY_PATH = "/api/v1/log/policyeventlog"
EVENTS = ("anti_spoof", "threat", "spam", "content_filter", "dlp", "phishing", "anomaly")
LOOKBACK = datetime.timedelta(hours=72)
# TMES checks the 72 hours against each request: a start this close to the limit is moved forward
LOOKBACK_MARGIN = datetime.timedelta(minutes=10)
TRAFFIC_TYPES = ("accepted_traffic", "blocked_traffic")


def record_identity(record):
    """The identity of one event: the same mailID, recipient, action and time twice is one record.

    Whether TMES writes one row per envelope recipient under one mailID is not known, so rows that differ in
    any of these are all kept.  A tuple of the vendor's values, built and compared without joining text: what
    the searches de-duplicate by (``record_key.identity``), once per record read.
    """
    if not isinstance(record, dict):
        return None
    get = record.get
    mail_id = get("mailID")
    if mail_id is None:
        return None
    return (mail_id, get("recipient"), get("action"), get("genTime"), get("timestamp"))


def record_key(record):
    """``record_identity`` as one string, whatever types the vendor sent (the event sources' identity)."""
    identity = record_identity(record)
    return None if identity is None else "%s\x1f%s\x1f%s\x1f%s\x1f%s" % identity


record_key.identity = record_identity


def parse_error(response):
    body = json_body(response)
    if isinstance(body, dict):
        return body.get("code"), body.get("message")
    return None, None


def hint_for(status, code):
    if status == 403:
        return ("The API account is not allowed to read mail tracking logs: give it that permission in the TMES "
                "console (Administration > Service Integration > API Access).")
    if status == 404:
        return ("TMES answers 404 ResourceNotAvailable when log retrieval is not enabled: turn on log retrieval for "
                "the API in the TMES console (Administration > Service Integration > API Access), and check that "
                "api_url or region is your account's region.")
    if status == 400:
        return "TMES refused the query parameters: correct what the vendor message names."
    if status == 429:
        return "TMES kept rate-limiting the requests: lower concurrency or raise retries and retry_max_delay."
    if status and status >= 500:
        return "TMES kept failing on its side: try again later, or raise retries."
    return None


class TmesClient:
    """The mail tracking log endpoint, page by page."""

    what = "read TMES mail tracking logs"

    def __init__(self, http, base_url, auth, path=PATH, texts=False):
        self.http = http
        self.url = base_url.rstrip("/") + path
        self.auth = auth
        # each record's own JSON text too (Page.lines), for a file that can take it as it is; read whole otherwise:
        # records decoded one at a time do not share their field names, which records kept in memory would pay for
        self.texts = texts
        if path != PATH:
            self.what = "read the TMES policy event log"

    def params(self, traffic_type, window, direction=None, domain=None, limit=500):
        """The query for one slice: kept identical (``end`` included) on every page of it."""
        params = [("type", traffic_type)]
        if direction:
            params.append(("direction", direction))
        if domain:
            params.append(("domain", domain))
        params += [("start", format_tmes(window.start)), ("end", format_tmes(window.end)), ("limit", str(limit))]
        return params

    def pages(self, base_params, first_token=None, stop=None, limit=500, window=None):
        """Every page of one query, from ``first_token`` on; a 204 is an empty last page.

        Bounded whatever TMES does: a page with more than ``limit`` records, more than MAX_EMPTY_PAGES empty pages
        in a row that still carry a new token, or more pages than the window can hold all end the query with a
        clear error.
        """
        token = first_token
        seen = set()
        if token:
            seen.add(token)
        most = max_pages(window, limit)
        count = 0
        empty = 0
        while True:
            params = list(base_params) + ([("token", token)] if token else [])
            page = self.http.request(self.what, "GET", self.url, auth=self.auth, params=params,
                                     decode=lambda response, s=seen: _decode_page(response, s, limit, self.texts),
                                     parse_error=parse_error, hint_for=hint_for)
            page.token_used = token
            count += 1
            empty = empty + 1 if not page.records and page.next_token else 0
            yield page
            if page.next_token is None:
                return
            if empty >= MAX_EMPTY_PAGES:
                raise ApiError(self.what, "TMES sent %d empty pages in a row, each with a new "
                               "nextToken, so paging would not end" % empty, "GET", redact_url(self.url),
                               hint="This is a fault on the TMES side; try again later.")
            if count >= most:
                raise ApiError(self.what, "TMES sent %d pages for one part of the window, more "
                               "than it can hold" % count, "GET", redact_url(self.url),
                               hint="This is a fault on the TMES side; try again later, or use smaller windows.")
            # remembered to catch a token that comes back; a bounded set, as the page count is bounded
            seen.add(page.next_token)
            token = page.next_token
            if stop is not None and stop.is_set():
                return


MAX_EMPTY_PAGES = 20
MOST_RECORDS_A_SECOND = 1000  # far above any tenant's mail flow, sustained over a whole window


def max_pages(window, limit=500):
    """How many pages one query may take before it is not believable: 1,000 records a second, at least 1,000 pages."""
    if window is None:
        return 1000000
    seconds = (window.end - window.start).total_seconds() + 1
    return max(1000, int(seconds * MOST_RECORDS_A_SECOND // limit) + 1)


def _decode_page(response, seen_tokens, limit=500, texts=False):
    if response.status_code == 204 or not response.content.strip():
        # TMES documents 204 for "no more"; integrators' mocks also show a 200 with an empty body
        return Page([], None, None)
    body, lines = json_body_and_lines(response, "logs") if texts else (json_body(response), None)
    if body == {}:
        # a 200 answer with body {} is where the data ends (seen in integrators' mocks)
        return Page([], None, None)
    if not isinstance(body, dict) or not isinstance(body.get("logs"), list):
        raise ResponseError("the response is JSON but not a mail tracking log page (no 'logs' list)")
    if not all(isinstance(log, dict) for log in body["logs"]):
        raise ResponseError("the response's 'logs' list holds something other than log objects")
    if len(body["logs"]) > limit:
        raise ResponseError("the page holds %d records although at most %d were asked for" % (len(body["logs"]), limit),
                            final=True, hint="This is a fault on the TMES side (or on the network path).")
    token = body.get("nextToken")
    if token is not None and not isinstance(token, str):
        raise ResponseError("the response's nextToken is not a string")
    if token:
        # TMES sends the token URL-encoded; decode it exactly once so the query encoder encodes it exactly once
        token = unquote(token)
        if token in seen_tokens:
            raise ResponseError("TMES returned a nextToken it had returned before, so paging would loop forever",
                                hint="This is a fault on the TMES side; try again later.")
    return Page(body["logs"], None, token or None, lines)
