# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Mimecast Targeted Threat Protection logs: URL Protect (who clicked), Attachment Protect and Impersonation
Protect, read by mimecast_ttp_log_info.

For internal use by this collection only; the interface may change without notice.

Where each vendor word and shape comes from (shared/api/CLICKS.md sections 1 to 6, and the captures
real-samples/mimecast-ttp-*): the paths, the request fields (``from``, ``to``, ``oldestFirst``, ``route``,
``scanResult`` for URL logs, ``result`` for attachment logs, ``taggedMalicious``, ``searchField`` and ``query`` for
impersonation logs), the 30 days of retention and the permissions from Mimecast's documentation; the answer's
``data[0].clickLogs`` / ``attachmentLogs`` / ``impersonationLogs``, the empty answer ``data: [{"clickLogs": []}]``
without ``next``, ``eventTime`` on impersonation rows, and the words ``User Click`` / ``Entry Scan``
(``creationMethod``), ``allow`` / ``warn`` (``action``) and ``Allow`` / ``Block`` (``actions``) from captured
answers; ``block`` as an ``action`` from the anchors' documentation only.  Every field of a row is optional: the
URL log rows of 2020 carried 11 fields, without ``creationMethod`` or ``messageId``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re
import sys
import threading

from ansible_collections.emailsec.tracking.plugins.module_utils._http import ResponseError
from ansible_collections.emailsec.tracking.plugins.module_utils._matching import (
    Matcher, MatchInputError, Query, _address_rule, strip_brackets,
)
from ansible_collections.emailsec.tracking.plugins.module_utils._mimecast import (
    TTP_ATTACHMENT_LOGS, TTP_IMPERSONATION_LOGS, TTP_URL_LOGS,
)
from ansible_collections.emailsec.tracking.plugins.module_utils._mimecast_account import MimecastAction
from ansible_collections.emailsec.tracking.plugins.module_utils._module import InputError
from ansible_collections.emailsec.tracking.plugins.module_utils._paging import Pipeline, RecentKeys
from ansible_collections.emailsec.tracking.plugins.module_utils._timewindow import (
    UTC, format_iso, format_mimecast, resolve_window, utc_now,
)

RETENTION_DAYS = 30  # "URL Protect Logs have a maximum retention of 30 days" (Mimecast); the same for the others
DEFAULT_HOURS = 24
PAGE_SIZE = 100  # Elastic's default batch; no maximum is documented
MAX_PAGE_SIZE = 500
MAX_ROWS = 10000000  # far above 30 days of any tenant's clicks: more means paging would not end
CLICK = "User Click"
ONE_SECOND = datetime.timedelta(seconds=1)
_SHA256_RE = re.compile(r"^[0-9a-fA-F]{64}$")


def _one(key):
    return lambda r: [r.get(key)]


# where each matching option looks in a row of each log
URL_FIELDS = {"recipient": _one("userEmailAddress"), "sender": _one("fromUserEmailAddress"), "url": _one("url"),
              "message_id": _one("messageId")}
ATTACHMENT_FIELDS = {"recipient": _one("recipientAddress"), "sender": _one("senderAddress"),
                     "message_id": _one("messageId"), "attachment_sha256": _one("fileHash")}
IMPERSONATION_FIELDS = {"recipient": _one("recipientAddress"), "sender": _one("senderAddress"),
                        "message_id": _one("messageId")}


class LogType:
    def __init__(self, path, rows, time_field, fields, key_fields, what):
        self.path = path
        self.rows = rows
        self.time_field = time_field
        self.fields = fields
        self.key_fields = key_fields
        self.what = what


LOG_TYPES = {
    # the de-duplication key of a click is the one CLICKS.md 1.5 gives: two recipients clicking one message's link
    # in the same second stay two clicks
    "url": LogType(TTP_URL_LOGS, "clickLogs", "date", URL_FIELDS,
                   ("date", "userEmailAddress", "url", "messageId", "creationMethod"),
                   "read the Mimecast URL protect logs"),
    # one row per attachment per recipient
    "attachment": LogType(TTP_ATTACHMENT_LOGS, "attachmentLogs", "date", ATTACHMENT_FIELDS,
                          ("date", "recipientAddress", "fileHash", "fileName", "messageId"),
                          "read the Mimecast attachment protect logs"),
    "impersonation": LogType(TTP_IMPERSONATION_LOGS, "impersonationLogs", "eventTime", IMPERSONATION_FIELDS,
                             ("eventTime", "id", "recipientAddress", "senderAddress", "messageId"),
                             "read the Mimecast impersonation protect logs"),
}
# the options each log type takes besides the shared ones, and what each is for
ONLY_FOR = {"scan_result": ("url",), "url": ("url",), "result": ("attachment",), "sha256": ("attachment",),
            "route": ("url", "attachment"), "search": ("impersonation",), "search_field": ("impersonation",),
            "tagged_malicious": ("impersonation",)}


def ttp_argspec():
    return dict(
        log_type=dict(type="str", default="url", choices=["url", "attachment", "impersonation"]),
        start=dict(type="str"),
        end=dict(type="str"),
        scan_result=dict(type="str", choices=["clean", "malicious", "all"]),
        result=dict(type="str", choices=["safe", "malicious", "timeout", "error", "unsafe", "all"]),
        route=dict(type="str", choices=["inbound", "outbound", "internal", "all"]),
        oldest_first=dict(type="bool", default=True),
        search_field=dict(type="str", choices=["senderAddress", "recipientAddress", "subject", "policy", "all"]),
        search=dict(type="str"),
        tagged_malicious=dict(type="bool"),
        url=dict(type="str"),
        user=dict(type="str"),
        sender=dict(type="str"),
        message_id=dict(type="str"),
        sha256=dict(type="str"),
        clicks_only=dict(type="bool", default=True),
        page_size=dict(type="int", default=PAGE_SIZE),
    )


_ROW_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[+-][0-9]{4}\Z")
_FROM_ISO = datetime.datetime.fromisoformat if sys.version_info >= (3, 11) else None  # reads +0000 from 3.11


def _row_time_by_position(text):
    """A time in the captured form whose offset parse_row_time has checked, read by position (before 3.11)."""
    moment = datetime.datetime(int(text[0:4]), int(text[5:7]), int(text[8:10]), int(text[11:13]), int(text[14:16]),
                               int(text[17:19]), tzinfo=UTC)
    offset = datetime.timedelta(hours=int(text[20:22]), minutes=int(text[22:24]))
    return moment - offset if text[19] == "+" else moment + offset


def parse_row_time(value):
    """A row's ``date`` / ``eventTime`` (``2021-10-16T14:45:34+0000``) as an aware UTC datetime, or None.

    The captured form is read by the C ISO parser (Python 3.11 and newer) or by position: a 30-day URL log has
    hundreds of thousands of rows, and strptime was most of the CPU a click cost. Anything else goes through
    strptime, which also says what is not a time.
    """
    if not isinstance(value, str):
        return None
    text = value.strip()
    if _ROW_TIME.match(text):
        # offsets strptime refuses, for both readings: hours above 23, minutes above 59 (which fromisoformat would
        # carry into the hours)
        if text[20:22] > "23" or text[22] > "5":
            return None
        try:
            if _FROM_ISO is None:
                return _row_time_by_position(text)
            moment = _FROM_ISO(text)
            return moment if moment.tzinfo is UTC else moment.astimezone(UTC)
        except (ValueError, OverflowError):
            return None
    try:
        return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S%z").astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def is_click(row):
    """A User Click row, or a row without ``creationMethod`` (the 2020 field set, written when the log held
    clicks only); an ``Entry Scan`` row is a delivery-time scan, not a click."""
    method = row.get("creationMethod")
    return method is None or (isinstance(method, str) and method.strip().lower() == CLICK.lower())


def is_blocked(row):
    """Mimecast did not simply let the click through: ``action`` other than ``allow`` (``warn``: a warning page,
    which ``userAwarenessAction`` says whether the user passed; ``block``), or ``actions`` ``Block``."""
    action, actions = row.get("action"), row.get("actions")
    return (isinstance(action, str) and action.strip().lower() != "allow") or \
        (isinstance(actions, str) and actions.strip().lower() == "block")


def row_key(log_type):
    """The identity of a row of ``log_type``: the tuple of its key fields' values (None when it has none of them).

    Built with one ``map`` over the row's ``get`` and compared as a tuple: the URL log of a month holds hundreds
    of thousands of rows, each keyed once.
    """
    names = LOG_TYPES[log_type].key_fields
    nothing = (None,) * len(names)

    def key(row):
        if not isinstance(row, dict):
            return None
        values = tuple(map(row.get, names))
        return None if values == nothing else values
    return key


def records_of(list_key):
    """The rows of one page: ``data[0].<list_key>`` (an empty answer is ``data: [{list_key: []}]``)."""
    def pick(body):
        data = body["data"]
        if not data:
            return []
        if not isinstance(data[0], dict) or not isinstance(data[0].get(list_key), list):
            raise ResponseError("the response is JSON but has no data[0].%s list" % list_key)
        rows = [r for item in data if isinstance(item, dict) for r in item.get(list_key) or []]
        if not all(isinstance(r, dict) for r in rows):
            raise ResponseError("%s holds something other than objects" % list_key)
        return rows
    return pick


class Clickers:
    """Who clicked: one entry a user, from the click rows the run kept (each row once, whatever the slice).

    Memory is flat in the log's size: the pipeline has removed the repeats of a slice already, and a row sent in
    two slices sits at their common edge, so the last RECENT_KEYS identities are enough; per user, the first and
    last click, the scan results (a handful of words) and at most MAX_USER_URLS URLs: those first clicked (the
    same ones whatever order the slices arrive in), with ``urls_truncated`` when the user clicked more.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._seen = RecentKeys()
        self._users = {}
        self.untyped = 0  # rows without creationMethod, counted as clicks
        self.nameless = 0  # click rows without a user

    def add(self, key, row):
        with self._lock:
            if self._seen.seen(key):
                return
            if row.get("creationMethod") is None:
                self.untyped += 1
            user = row.get("userEmailAddress")
            if not isinstance(user, str) or not user.strip():
                self.nameless += 1
                return
            name = user.strip().lower()
            entry = self._users.get(name)
            if entry is None:
                entry = self._users[name] = {
                    "first": None, "last": None, "clicks": 0, "urls": {}, "more": False, "cut": None,
                    "scan_results": set(), "blocked": False}
            entry["clicks"] += 1
            moment = parse_row_time(row.get("date"))
            if moment is not None:
                if entry["first"] is None or moment < entry["first"]:
                    entry["first"] = moment
                if entry["last"] is None or moment > entry["last"]:
                    entry["last"] = moment
            if isinstance(row.get("url"), str):
                _first_urls(entry, row["url"], moment)
            if isinstance(row.get("scanResult"), str):
                entry["scan_results"].add(row["scanResult"])
            entry["blocked"] = entry["blocked"] or is_blocked(row)

    def users(self):
        out = []
        for user in sorted(self._users):
            entry = self._users[user]
            out.append({"user": user, "first_click": format_iso(entry["first"]) if entry["first"] else None,
                        "last_click": format_iso(entry["last"]) if entry["last"] else None, "clicks": entry["clicks"],
                        "urls": [url for url, dummy in sorted(entry["urls"].items(), key=_by_first_click)],
                        "urls_truncated": entry["more"], "scan_results": sorted(entry["scan_results"]),
                        "blocked": entry["blocked"]})
        return out


MAX_USER_URLS = 20
_NO_TIME = datetime.datetime.max.replace(tzinfo=UTC)


def _by_first_click(item):
    return item[1], item[0]


def _latest(urls):
    """(time, URL) of the kept URL first clicked last: the one a URL clicked earlier replaces."""
    return max((when, url) for url, when in urls.items())


def _first_urls(entry, url, moment):
    """Keep the MAX_USER_URLS URLs of the user's earliest clicks (ties: by URL), and whether there were more.

    Each kept URL holds its earliest click seen; a URL is only ever dropped for one clicked earlier, so the URLs
    kept at the end are the same whatever order the rows came in. ``cut`` is the kept URL clicked last, once the
    list is full: a later click of a new URL costs one comparison.
    """
    urls = entry["urls"]
    when = _NO_TIME if moment is None else moment
    known = urls.get(url)
    if known is not None:
        if when < known:
            urls[url] = when
            if entry["cut"] is not None and entry["cut"][1] == url:
                entry["cut"] = _latest(urls)
        return
    if len(urls) < MAX_USER_URLS:
        urls[url] = when
        if len(urls) == MAX_USER_URLS:
            entry["cut"] = _latest(urls)
        return
    entry["more"] = True
    if (when, url) < entry["cut"]:
        del urls[entry["cut"][1]]
        urls[url] = when
        entry["cut"] = _latest(urls)


class LogPipeline(Pipeline):
    """Clicks only (URL logs), the matching options, the users summary, then the query."""

    def __init__(self, key, matcher, query, clicks_only, clickers):
        super(LogPipeline, self).__init__(key, matcher, query)
        self.clicks_only = clicks_only
        self.clickers = clickers

    def run(self, record, key=None):
        click = is_click(record)
        if self.clicks_only and not click:
            return []
        if self.matcher is not None and not self.matcher.matches(record):
            return []
        if self.clickers is not None and click:
            # the identity the pipeline has built for this record already, when it passes it
            self.clickers.add(self.key(record) if key is None else key, record)
        if self.query is not None:
            return self.query.apply([record])
        return [record]


def request_item(params, log_type, window):
    """``data[0]`` of a request for one part of the window.

    ``to`` is sent one second past the part's end, so that a row on the edge comes back whether Mimecast reads
    ``to`` as inclusive or not; rows outside the part are dropped on arrival (``in_window``).
    """
    item = {"from": format_mimecast(window.start), "to": format_mimecast(window.end + ONE_SECOND),
            "oldestFirst": params["oldest_first"]}
    if log_type in ("url", "attachment") and params.get("route"):
        item["route"] = params["route"]
    if log_type == "url" and params.get("scan_result"):
        item["scanResult"] = params["scan_result"]
    if log_type == "attachment" and params.get("result"):
        item["result"] = params["result"]  # not scanResult: the attachment log's own name
    if log_type == "impersonation":
        if params.get("tagged_malicious") is not None:
            item["taggedMalicious"] = params["tagged_malicious"]
        if params.get("search"):
            item["searchField"] = params.get("search_field") or "all"
            item["query"] = params["search"].strip()
    return item


def in_window(row, field, window):
    """Whether a row lies in the part asked for; a row whose time cannot be read is kept."""
    moment = parse_row_time(row.get(field))
    return moment is None or window.start <= moment < window.end + ONE_SECOND


class TtpLogInfo(MimecastAction):
    """mimecast_ttp_log_info: one of the three TTP logs over a window, paged to the end, matched in the module."""

    output = True
    module_name = "mimecast_ttp_log_info"
    binding_options = ("log_type", "scan_result", "result", "route", "oldest_first", "search_field", "search",
                       "tagged_malicious", "url", "user", "sender", "message_id", "sha256", "clicks_only",
                       "page_size", "query")

    def check_options(self):
        p = self.params
        log_type = p["log_type"]
        for option, types in sorted(ONLY_FOR.items()):
            if p.get(option) is not None and log_type not in types:
                raise InputError("%s applies to log_type %s only, not %s%s" % (
                    option, " and ".join(types), log_type, {
                        "scan_result": " (attachment logs filter with result)",
                        "result": " (URL logs filter with scan_result)",
                        "route": " (impersonation logs have no route filter; use search_field and search)",
                    }.get(option, "")))
        if p["search_field"] and not p["search"]:
            raise InputError("search_field %s needs search, the text Mimecast looks for in that field"
                             % p["search_field"])
        for option in ("search", "url"):
            if p[option] is not None and not p[option].strip():
                raise InputError("%s is blank: give the text to look for, or leave %s out" % (option, option))
        for option in ("user", "sender"):
            if p[option] is not None:
                try:
                    _address_rule(p[option], option)
                except MatchInputError as exc:
                    raise InputError(str(exc))
        if p["message_id"] is not None and not strip_brackets(p["message_id"]):
            raise InputError("message_id is empty once the angle brackets are removed: give the Message-ID header, "
                             "like <id@example.com>")
        if p["sha256"] is not None and not _SHA256_RE.match(p["sha256"].strip()):
            raise InputError("sha256: %r is not a SHA-256; give the 64 hexadecimal digits of the file's hash"
                             % p["sha256"])
        if not 1 <= p["page_size"] <= MAX_PAGE_SIZE:
            raise InputError("page_size must be from 1 to %d, got %d" % (MAX_PAGE_SIZE, p["page_size"]))

    def the_window(self):
        p = self.params
        now = utc_now()
        window = resolve_window(p["start"], p["end"], now, datetime.timedelta(hours=DEFAULT_HOURS))
        oldest = now - datetime.timedelta(days=RETENTION_DAYS)
        if window.start < oldest:
            raise InputError(
                "start %s is more than %d days back: Mimecast keeps the TTP logs %d days (\"URL Protect Logs have a "
                "maximum retention of 30 days\"), so nothing older can be read; give a later start, such as -%dd"
                % (format_iso(window.start), RETENTION_DAYS, RETENTION_DAYS, RETENTION_DAYS))
        return window.floor(self.resolution)

    def main(self):
        p = self.params
        log_type = p["log_type"]
        kind = LOG_TYPES[log_type]
        self.check_common()
        self.check_options()
        resumed = self.resume_slices()
        if resumed is not None:
            slices, window = resumed
        elif p["token"]:
            raise InputError("token is not a next_token of this module: pass the next_token of an earlier run "
                             "unchanged")
        else:
            window = self.the_window()
            slices = self.slices_for(window)
        key = row_key(log_type)
        matcher = Matcher(kind.fields, sender=p["sender"], recipient=p["user"], message_id=p["message_id"],
                          attachment_sha256=p["sha256"].strip() if p["sha256"] else None,
                          url=p["url"].strip() if p["url"] else None)
        clicks_only = log_type == "url" and p["clicks_only"]
        clickers = Clickers() if log_type == "url" else None
        pipeline = LogPipeline(key, matcher, Query(p["query"]), clicks_only, clickers)
        client = self.client()
        pick = records_of(kind.rows)

        def fetch(spec, stop):
            item = request_item(p, log_type, spec.window)
            for page in client.list_pages(kind.what, kind.path, item, p["page_size"], spec.token, stop,
                                          records=pick, max_items=MAX_ROWS):
                if not page.records:
                    # no rows: the end, whatever next says (a captured empty page still carries one)
                    page.next_token = None
                    yield page
                    return
                page.records = [r for r in page.records if in_window(r, kind.time_field, spec.window)]
                yield page

        outcome = self.collect(slices, fetch, pipeline)
        extra = {}
        if clickers is not None:
            extra["users"] = clickers.users()
            if clickers.untyped:
                self.module.warn("%d URL log row(s) carry no creationMethod (the field set of 2020): they are counted "
                                 "as clicks, as the log then held clicks only" % clickers.untyped)
            if clickers.nameless:
                self.module.warn("%d click row(s) name no user (userEmailAddress): they are in logs but not in users"
                                 % clickers.nameless)
        return self.results(outcome, "logs", window, **extra)
