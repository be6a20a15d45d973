# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Mimecast Targeted Threat Protection logs: URL Protect ("who clicked"), Attachment Protect and Impersonation
Protect, ``POST /api/ttp/{url,attachment,impersonation}/get-logs`` for API 1.0 and API 2.0 (shared/api/CLICKS.md
sections 1 to 4).

Shapes and words are those of the captures (shared/api/real-samples/mimecast-ttp-*): ``data[0].clickLogs`` /
``attachmentLogs`` / ``impersonationLogs`` (with ``resultCount`` beside the impersonation list), paging by
``meta.pagination.next`` with ``pageSize`` as asked and ``totalCount``, the empty answer ``data: [{"clickLogs":
[]}]`` with ``pageSize`` 0 and no ``next``.  URL log rows come in the 2024 field set (``creationMethod`` ``User
Click`` or ``Entry Scan``) and, for some background rows, in the 11 fields of 2020 (no ``creationMethod``,
``messageId``, ``fromUserEmailAddress``, ``subject``, ``sendingIp``, ``actions``, ``emailPartsDescription``).

Filters as Mimecast documents them: ``from``/``to`` (``+0000``, or RFC 3339 ``Z`` as API 2.0 also takes),
``oldestFirst`` (default newest first), ``route`` and ``scanResult`` (URL), ``route`` and ``result`` (attachment),
``taggedMalicious``, ``searchField`` + ``query``, ``identifiers`` and ``actions`` (impersonation).  The URL log has
no filter by user, URL or message, as at Mimecast.  A page token carries the query it belongs to, so a next page
may be asked with the token alone (Elastic's API 1.0 collector, ``mimecast-ttp-elastic-6``).

The URL log is rendered row by row from its position (``UrlLog``): only times and a byte of filter flags are held,
so that half a million rows cost a few megabytes.  The sandbox's own choices, said where they are made: the page
size when none is asked (10, or 500 for attachment logs, as the captured answers without pageSize show, low
confidence); ``resultCount`` = the query's total; a blocked click written as the captured malicious rows are
(``action`` ``warn``, ``actions`` ``Block``: no capture shows a blocked User Click); Entry Scan rows only for
malicious URLs (every captured Entry Scan row is malicious).
"""

from __future__ import annotations

import array
import base64
import bisect
import datetime
import hashlib
import json
import random
import re
import threading
import uuid

from .data import ATTACHMENT_NAMES, CUSTOMER_DOMAINS, EXTERNAL_DOMAINS, FIRST, LAST, SUBJECTS
from .mimecast import bad, enveloped, envelope, parse_body_date
from .reply import Reply

URL_LOGS = "/api/ttp/url/get-logs"
ATTACHMENT_LOGS = "/api/ttp/attachment/get-logs"
IMPERSONATION_LOGS = "/api/ttp/impersonation/get-logs"
PATHS = (URL_LOGS, ATTACHMENT_LOGS, IMPERSONATION_LOGS)
PERMISSION = "read"  # Monitoring | URL / Attachment / Impersonation Protection | Read (CLICKS.md section 6)
LIST_KEYS = {URL_LOGS: "clickLogs", ATTACHMENT_LOGS: "attachmentLogs", IMPERSONATION_LOGS: "impersonationLogs"}
FIELDS = {URL_LOGS: ("from", "to", "oldestFirst", "route", "scanResult"),
          ATTACHMENT_LOGS: ("from", "to", "oldestFirst", "route", "result"),
          IMPERSONATION_LOGS: ("from", "to", "oldestFirst", "taggedMalicious", "searchField", "query", "identifiers",
                               "actions")}
ROUTES = ("inbound", "outbound", "internal")
SCAN_RESULTS = ("clean", "malicious", "all")
RESULTS = ("safe", "malicious", "timeout", "error", "unsafe", "all")  # XSOAR's README list (medium)
SEARCH_FIELDS = ("senderAddress", "recipientAddress", "subject", "policy", "all")
DEFAULT_PAGE = {URL_LOGS: 10, IMPERSONATION_LOGS: 10, ATTACHMENT_LOGS: 500}
MAX_PAGE = 500
SPAN_DAYS = 29  # the logs keep 30 days; an hour of margin, as the tracking data
UTC = datetime.timezone.utc
ZULU_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?Z$")

# -- vocabulary (CLICKS.md 1.3, 2, 3: every word below is seen in a capture) -----------------------------------------
CLICK, ENTRY = "User Click", "Entry Scan"
OLD_FIELDS = ("userEmailAddress", "url", "ttpDefinition", "action", "adminOverride", "userOverride", "scanResult",
              "category", "userAwarenessAction", "date", "route")
URL_DEFINITIONS = {"inbound": ("Default Inbound URL Protect Definition", "Inbound URL 'Aggressive'"),
                   "internal": ("Default Internal URL Protect Definition",),
                   "outbound": ("Default URL Protection Definition",)}
CLEAN_CATEGORIES = ("Business", "Computers & Technology", "Search Engines & Portals", "Entertainment",
                    "Fashion & Beauty")
ATTACHMENT_DEFINITIONS = {"inbound": ("Default Inbound Attachment Protect Definition",
                                      "Inbound - Safe file with On-Demand Sandbox"),
                          "internal": ("Default Internal Attachment Protect Definition",),
                          "outbound": ("Default Attachment Protection Definition",)}
FILE_TYPES = {"pdf": "application/pdf", "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml."
              "document", "pptx": "application/vnd.openxmlformats-officedocument.presentationml",
              "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "jpg": "image/jpeg",
              "html": "text/html"}
SAFE_TRIGGERS = ("none, none", "none", "user release, none")
# the one malicious verdict text captured (datadog-2); reused for the campaign's attachment
MALICIOUS_DETAILS = ("[MALICIOUS_ACTIVITY: Exploit: Attempting to exploit CVE-2010-1240\r\n"
                     "Time taken: 0 hrs, 0 min, 1 sec]")
IMPERSONATION_DEFINITIONS = (("IP - 1 hit (Tag email)", "none"), ("IP - 2 hits (Hold for Review / User Hold)", "hold"),
                             ("KPTPDP Hold", "hold"))
DL_LOCAL = "dl-all-staff"  # a distribution list among the campaign's recipients (CLICKS.md 1.4: dl-ga-all_...)


def _when(seconds: int) -> str:
    return datetime.datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def parse_date(value):
    """Epoch seconds of ``2015-11-16T14:49:18+0000`` or ``2024-11-17T17:02:30Z``, or None."""
    seconds = parse_body_date(value)
    if seconds is not None or not isinstance(value, str):
        return seconds
    match = ZULU_RE.match(value)
    if not match:
        return None
    try:
        moment = datetime.datetime(*(int(g) for g in match.groups()), tzinfo=UTC)
    except ValueError:
        return None
    return int(moment.timestamp())


def _digest(*parts) -> str:
    return hashlib.sha256(":".join(str(p) for p in parts).encode()).hexdigest()


def _message_id(rng: random.Random, domain: str) -> str:
    return "<%s@%s>" % (uuid.UUID(int=rng.getrandbits(128), version=4), domain)


def _person(rng: random.Random, domain=None) -> str:
    return "%s.%s@%s" % (rng.choice(FIRST), rng.choice(LAST), domain or rng.choice(CUSTOMER_DOMAINS[:2]))


def _tag_map(category: str, url: str) -> dict:
    """The tagMap of a malicious Entry Scan row, as the two captured forms (ttp-elastic-1)."""
    if category == "Dangerous file extension":
        return {"DangerousFileExt": {"Status": ["CustomerSpecific", "VerdictBlock"], "Inspect:FileExts": ["[exe]"],
                                     "Inspect:MimeTypes": ["[]"],
                                     "ContentCheck:DangerousMimetypesUrlFileDownload": ["application/x-msdownload"],
                                     "ContentCheck:ContentScannersBlocked": [".exe"],
                                     "ContentCheck:DangerousExtsUrlFileDownload": ["dll"]}}
    return {"UrlReputationScan": {"Status": ["CustomerAll", "VerdictBlock"], "Type": ["Compromised"],
                                  "UrlBlock": ["ORIGINAL:%s (Blocked as COMPROMISED)" % url], "Url": [url]}}


def click_row(user, sender, url, subject, message_id, seconds, route, method, malicious, sending_ip, category,
              definition, parts=("Body",)) -> dict:
    """A URL log row in the 2024 field set, in the captures' key order."""
    row = {
        "userEmailAddress": user, "fromUserEmailAddress": sender, "url": url, "ttpDefinition": definition,
        "subject": subject,
        # a malicious URL is written as every captured malicious row: action warn, actions Block
        "action": "warn" if malicious else "allow", "adminOverride": "N/A", "userOverride": "None",
        "scanResult": "malicious" if malicious else "clean", "category": category, "sendingIp": sending_ip,
        "userAwarenessAction": "Continue" if method == CLICK and not malicious else "N/A", "date": _when(seconds),
        "actions": "Block" if malicious else "Allow", "route": route, "creationMethod": method,
        "emailPartsDescription": list(parts), "messageId": message_id,
    }
    if method == ENTRY and malicious:
        row["tagMap"] = _tag_map(category, url)
    return row


# -- the URL log: rendered from positions ------------------------------------------------------------------------
# flag bits of a row: 0-1 route (index in ROUTES), 2 malicious, 3 the old 11-field shape
ROUTE_MASK, MALICIOUS, OLD = 3, 4, 8


class _Index:
    def __init__(self, positions, times):
        self.positions = positions
        self.times = times


class UrlLog:
    """Background clicks and entry scans over 29 days, and the campaign's rows, in time order.

    ``times`` (seconds) and ``flags`` are held for every row; ``ident`` says how to render it: a background row
    from its own number (>= 0), or planted row ``-1 - n``.
    """

    def __init__(self, seed: int, size: int, now: int, planted: list):
        self.seed = seed
        rng = random.Random("ttp-url:%d" % seed)
        span = SPAN_DAYS * 86400
        first = now - span
        step = span / max(size, 1)
        rand = rng.random
        planted_rows = sorted(((parse_body_date(row["date"]), n) for n, row in enumerate(planted)))
        self.planted = planted
        self.times = array.array("q")
        self.ident = array.array("l")
        self.flags = bytearray()
        k = 0
        for i in range(size):  # background times grow with i: the arrays stay in time order
            point = rand()
            route = 0 if point < 0.8 else (2 if point < 0.95 else 1)
            flag = route | (MALICIOUS if rand() < 0.08 else 0) | (OLD if rand() < 0.05 else 0)
            seconds = int(first + (i + rand()) * step)
            while k < len(planted_rows) and planted_rows[k][0] <= seconds:
                self._add_planted(*planted_rows[k])
                k += 1
            self.times.append(seconds)
            self.ident.append(i)
            self.flags.append(flag)
        for seconds, n in planted_rows[k:]:
            self._add_planted(seconds, n)
        self._indexes = {}
        self._lock = threading.Lock()

    def _add_planted(self, seconds, n):
        row = self.planted[n]
        self.times.append(seconds)
        self.ident.append(-1 - n)
        self.flags.append(ROUTES.index(row["route"]) | (MALICIOUS if row["scanResult"] == "malicious" else 0))

    def __len__(self):
        return len(self.times)

    def index(self, route, scan_result) -> _Index:
        """The positions (and times) of the rows of one route and scan result (None: any), cached."""
        key = (route, scan_result)
        with self._lock:
            found = self._indexes.get(key)
        if found is not None:
            return found
        want_route = None if route in (None, "all") else ROUTES.index(route)
        want_bad = None if scan_result in (None, "all") else (MALICIOUS if scan_result == "malicious" else 0)
        positions, times = array.array("l"), array.array("q")
        flags, all_times = self.flags, self.times
        for pos in range(len(all_times)):
            flag = flags[pos]
            if want_route is not None and flag & ROUTE_MASK != want_route:
                continue
            if want_bad is not None and flag & MALICIOUS != want_bad:
                continue
            positions.append(pos)
            times.append(all_times[pos])
        found = _Index(positions, times)
        with self._lock:
            self._indexes[key] = found
        return found

    def row(self, pos: int) -> dict:
        ident = self.ident[pos]
        if ident < 0:
            return dict(self.planted[-1 - ident])
        return self._render(ident, self.times[pos], self.flags[pos])

    def _render(self, i: int, seconds: int, flag: int) -> dict:
        rng = random.Random(self.seed * 1000003 + i)
        route = ROUTES[flag & ROUTE_MASK]
        malicious = bool(flag & MALICIOUS)
        inside = _person(rng)
        outside = "%s@%s" % (rng.choice(FIRST), rng.choice(EXTERNAL_DOMAINS))
        if route == "inbound":
            user, sender, sending_ip = inside, outside, "198.51.100.%d" % rng.randint(1, 254)
        elif route == "internal":
            user, sender, sending_ip = inside, _person(rng, inside.split("@")[1]), "Internal IP"
        else:
            user, sender, sending_ip = outside, inside, "Internal IP"
        category = rng.choice(("Compromised", "Dangerous file extension")) if malicious else \
            rng.choice(CLEAN_CATEGORIES)
        host = rng.choice(EXTERNAL_DOMAINS)
        url = "https://%s/dl/setup%d.exe" % (host, rng.randint(1, 999)) if category == "Dangerous file extension" \
            else "https://%s/p/%d" % (host, rng.randint(1, 9999))
        method = ENTRY if malicious and rng.random() < 0.5 else CLICK
        row = click_row(user, sender, url, rng.choice(SUBJECTS).format(n=rng.randint(1000, 99999)),
                        _message_id(rng, sender.split("@")[1]), seconds, route, method, malicious, sending_ip,
                        category, rng.choice(URL_DEFINITIONS[route]),
                        ("Attachment",) if method == ENTRY and rng.random() < 0.2 else ("Body",))
        if flag & OLD:
            # the 2020 shape: 11 fields only (CLICKS.md 1.2, a live run kept aside)
            row = {name: row[name] for name in OLD_FIELDS}
        return row


# -- the whole tenant's TTP logs --------------------------------------------------------------------------------
class TtpLogs:
    """The three logs of one tenant, and the campaign's ground truth (who clicked, who only got an entry scan)."""

    def __init__(self, seed: int, size: int, now: int, campaign, mimecast_data):
        self.seed = seed
        self.campaign = campaign
        rng = random.Random("ttp:%d" % seed)
        self.facts = {"clickers": [], "blocked_clickers": [], "entry_scan_only": [], "clicks": 0}
        url_rows, attachment_rows, impersonation_rows = self._plant(rng, now, mimecast_data)
        self.url = UrlLog(seed, size, now, url_rows)
        small = min(max(size // 10, 0), 2000)
        attachment_rows += [self._attachment(n, now, small) for n in range(small)]
        impersonation_rows += [self._impersonation(n, now, small) for n in range(small)]
        self.attachments = sorted(attachment_rows, key=lambda r: (parse_body_date(r["date"]), r["fileHash"]))
        self.impersonations = sorted(impersonation_rows, key=lambda r: (parse_body_date(r["eventTime"]), r["id"]))
        self._attachment_times = [parse_body_date(r["date"]) for r in self.attachments]
        self._impersonation_times = [parse_body_date(r["eventTime"]) for r in self.impersonations]

    # -- the campaign -----------------------------------------------------------------------------------
    def _plant(self, rng, now, data):
        campaign = self.campaign
        positions = [p for p in data.campaign_positions if data.records[p]["status"] == "archived"]
        if sum(len(data.records[p]["to"]) for p in positions) < 3:
            positions = list(data.campaign_positions)  # too few delivered: every campaign message
        urls, attachments, impersonations = [], [], []
        clickers, blocked, scanned = set(), set(), set()
        n = 0
        for pos in positions:
            record = data.records[pos]
            received = parse_body_date(record["received"])
            message_id = data.message_ids[pos]
            for to in record["to"]:
                user = to["emailAddress"]
                # at delivery: an entry scan of the campaign's URL (Mimecast judged it malicious) and the
                # attachment's sandbox verdict
                attachments.append(self._campaign_attachment(user, message_id, received + 5))
                # role 0: delivered before Mimecast knew the URL (no entry scan), clicked while it was still judged
                # clean, and let through; role 1: its URL judged malicious at delivery (an entry scan), clicked, and
                # blocked; role 2: judged malicious at delivery, never clicked
                role = n % 3
                n += 1
                if role:
                    urls.append(self._campaign_url(user, message_id, received + 2, ENTRY, True))
                    scanned.add(user)
                if role == 2:
                    continue
                first_click = min(received + 60 * rng.randint(3, 90), now - 60)
                clicks = [first_click]
                if role == 0 and len(clickers) == 0:
                    clicks.append(min(first_click + 60 * rng.randint(5, 60), now - 30))  # one user clicked twice
                for seconds in clicks:
                    urls.append(self._campaign_url(user, message_id, seconds, CLICK, role == 1))
                    self.facts["clicks"] += 1
                clickers.add(user)
                if role == 1:
                    blocked.add(user)
        if positions:
            first = data.records[positions[0]]
            domain = first["to"][0]["emailAddress"].split("@")[1]
            dl = "%s@%s" % (DL_LOCAL, domain)
            urls.append(self._campaign_url(dl, data.message_ids[positions[0]],
                                           parse_body_date(first["received"]) + 3, ENTRY, True))
            scanned.add(dl)
            target = first["to"][0]["emailAddress"]
            impersonations.append({
                "id": "MTOKEN:eNq" + base64.urlsafe_b64encode(bytes.fromhex(_digest("imp", self.seed))).decode()
                .rstrip("="),
                "senderAddress": campaign.sender, "recipientAddress": target, "subject": campaign.subject,
                "definition": "IP - 2 hits (Hold for Review / User Hold)", "hits": 2,
                "identifiers": ["targeted_threat_dictionary", "newly_observed_domain"], "action": "hold",
                "taggedExternal": False, "taggedMalicious": True, "senderIpAddress": campaign.sender_ip,
                "eventTime": _when(parse_body_date(first["received"]) + 1),
                "impersonationResults": [
                    {"impersonationDomainSource": "targeted_threat_dictionary",
                     "stringSimilarToDomain": "payment required"},
                    {"impersonationDomainSource": "newly_observed_domain",
                     "stringSimilarToDomain": campaign.sender.split("@")[1]}],
                "messageId": data.message_ids[positions[0]]})
        self.facts["clickers"] = sorted(clickers)
        self.facts["blocked_clickers"] = sorted(blocked)
        self.facts["entry_scan_only"] = sorted(scanned - clickers)
        return urls, attachments, impersonations

    def _campaign_url(self, user, message_id, seconds, method, malicious):
        c = self.campaign
        return click_row(user, c.sender, c.url, c.subject, message_id, seconds, "inbound", method, malicious,
                         c.sender_ip, "Compromised" if malicious else "Business",
                         "Default Inbound URL Protect Definition")

    def _campaign_attachment(self, user, message_id, seconds):
        c = self.campaign
        return {"senderAddress": c.sender, "recipientAddress": user, "fileName": c.attachment_name,
                "fileType": FILE_TYPES["html"], "result": "malicious", "actionTriggered": "none",
                "date": _when(seconds), "details": MALICIOUS_DETAILS, "route": "inbound", "messageId": message_id,
                "subject": c.subject, "fileHash": c.attachment_sha256,
                "definition": "Default Inbound Attachment Protect Definition"}

    # -- background attachment and impersonation rows ----------------------------------------------------
    @staticmethod
    def _spread(n, now, count, rng):
        span = SPAN_DAYS * 86400
        return int(now - span + (n + rng.random()) * span / max(count, 1))

    def _attachment(self, n, now, count):
        rng = random.Random("ttp-ap:%d:%d" % (self.seed, n))
        seconds = self._spread(n, now, count, rng)
        route = "inbound" if rng.random() < 0.85 else "internal"
        inside = _person(rng)
        sender = "<>" if rng.random() < 0.1 else (
            "%s@%s" % (rng.choice(FIRST), rng.choice(EXTERNAL_DOMAINS)) if route == "inbound" else
            _person(rng, inside.split("@")[1]))
        name = rng.choice(ATTACHMENT_NAMES)
        malicious = rng.random() < 0.05
        return {"senderAddress": sender, "recipientAddress": inside, "fileName": name,
                "fileType": FILE_TYPES[name.rsplit(".", 1)[1]], "result": "malicious" if malicious else "safe",
                "actionTriggered": "none" if malicious else rng.choice(SAFE_TRIGGERS), "date": _when(seconds),
                "details": MALICIOUS_DETAILS if malicious else
                "%-50s\r\nTime taken: 0 hrs, 0 min, %d sec" % ("Safe", rng.randint(1, 9)),
                "route": route,
                "messageId": _message_id(rng, sender.split("@")[-1] if sender != "<>" else "mail.example"),
                "subject": rng.choice(SUBJECTS).format(n=rng.randint(1000, 99999)),
                "fileHash": _digest("ttp-ap", self.seed, n), "definition": rng.choice(ATTACHMENT_DEFINITIONS[route])}

    def _impersonation(self, n, now, count):
        rng = random.Random("ttp-ip:%d:%d" % (self.seed, n))
        seconds = self._spread(n, now, count, rng)
        inside = _person(rng, CUSTOMER_DOMAINS[0])
        sender = "%s@%s" % (rng.choice(FIRST), rng.choice(EXTERNAL_DOMAINS))
        definition, action = rng.choice(IMPERSONATION_DEFINITIONS)
        if rng.random() < 0.5:
            name = "%s %s" % (rng.choice(FIRST).title(), rng.choice(LAST).title())
            identifier = "internal_user_name"
            results = [{"impersonationDomainSource": identifier,
                        "similarDomain": "%s <%s>" % (name, sender), "stringSimilarToDomain": name,
                        "checkerResult": "hit"}]
        else:
            identifier = "targeted_threat_dictionary"
            results = [{"impersonationDomainSource": identifier, "stringSimilarToDomain": "process,please"}]
        return {"id": "MTOKEN:eNq" + base64.urlsafe_b64encode(bytes.fromhex(_digest("ip", self.seed, n))).decode()
                .rstrip("="),
                "senderAddress": sender, "recipientAddress": inside,
                "subject": rng.choice(SUBJECTS).format(n=rng.randint(1000, 99999)), "definition": definition,
                "hits": 1, "identifiers": [identifier], "action": action, "taggedExternal": False,
                "taggedMalicious": rng.random() < 0.6, "senderIpAddress": "198.51.100.%d" % rng.randint(1, 254),
                "eventTime": _when(seconds), "impersonationResults": results,
                "messageId": _message_id(rng, sender.split("@")[1])}

    # -- queries ---------------------------------------------------------------------------------------------
    def url_rows(self, query: dict):
        """(total, render(offset, size)) of a URL log query, in the asked order."""
        index = self.url.index(query.get("route"), query.get("scanResult"))
        lo = bisect.bisect_left(index.times, query["from"])
        hi = bisect.bisect_right(index.times, query["to"])
        total = max(0, hi - lo)

        def render(offset, size):
            if query.get("oldestFirst"):
                picked = range(lo + offset, min(hi, lo + offset + size))
            else:
                picked = range(hi - 1 - offset, max(lo - 1, hi - 1 - offset - size), -1)
            return [self.url.row(index.positions[k]) for k in picked]
        return total, render

    def listed_rows(self, path: str, query: dict):
        rows, times = (self.attachments, self._attachment_times) if path == ATTACHMENT_LOGS else \
            (self.impersonations, self._impersonation_times)
        lo, hi = bisect.bisect_left(times, query["from"]), bisect.bisect_right(times, query["to"])
        found = [r for r in rows[lo:hi] if self._kept(path, r, query)]
        if not query.get("oldestFirst"):
            found.reverse()
        return len(found), lambda offset, size: [dict(r) for r in found[offset:offset + size]]

    @staticmethod
    def _kept(path, row, query):
        if path == ATTACHMENT_LOGS:
            if query.get("route") not in (None, "all") and row["route"] != query["route"]:
                return False
            return query.get("result") in (None, "all") or row["result"] == query["result"]
        if "taggedMalicious" in query and row["taggedMalicious"] is not query["taggedMalicious"]:
            return False
        if query.get("identifiers") and not set(query["identifiers"]) & set(row["identifiers"]):
            return False
        if query.get("actions") and row["action"] not in query["actions"]:
            return False
        text = (query.get("query") or "").lower()
        if text:
            field = query.get("searchField") or "all"
            names = {"senderAddress": "senderAddress", "recipientAddress": "recipientAddress", "subject": "subject",
                     "policy": "definition"}
            wanted = list(names.values()) if field == "all" else [names[field]]
            return any(text in (row.get(name) or "").lower() for name in wanted)
        return True


# -- the endpoint -----------------------------------------------------------------------------------------------
def _token(path, query, offset) -> str:
    raw = json.dumps({"p": PATHS.index(path), "q": query, "o": offset}, sort_keys=True, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _read_token(path, token):
    try:
        value = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if value["p"] != PATHS.index(path) or not isinstance(value["o"], int) or value["o"] < 0 or \
                not isinstance(value["q"], dict):
            return None
        return value["q"], value["o"]
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


def _query(path, item, now):
    """The checked query of a first page, or a Reply refusing it."""
    unknown = sorted(set(item) - set(FIELDS[path]))
    if unknown:
        return bad("err_validation_unknown_field", "Unknown field: %s." % ", ".join(unknown))
    query = {}
    day = int(now) - int(now) % 86400
    for name, default in (("from", day), ("to", int(now))):
        if name in item:
            seconds = parse_date(item[name])
            if seconds is None:
                return bad("err_validation_date_format", "%s must be a date like 2015-11-16T14:49:18+0000." % name)
            query[name] = seconds
        else:
            query[name] = default  # documented defaults: the start of the current day, the time of the request
    if "oldestFirst" in item:
        if not isinstance(item["oldestFirst"], bool):
            return bad("err_validation_type", "oldestFirst must be a boolean.")
        query["oldestFirst"] = item["oldestFirst"]
    choices = {"route": ROUTES + ("all",), "scanResult": SCAN_RESULTS, "result": RESULTS,
               "searchField": SEARCH_FIELDS}
    for name, allowed in choices.items():
        if name in item:
            if item[name] not in allowed:
                return bad("err_validation_%s" % name.lower(), "%s must be one of: %s." % (name, ", ".join(allowed)))
            query[name] = item[name]
    if "taggedMalicious" in item:
        if not isinstance(item["taggedMalicious"], bool):
            return bad("err_validation_type", "taggedMalicious must be a boolean.")
        query["taggedMalicious"] = item["taggedMalicious"]
    if "query" in item:
        if not isinstance(item["query"], str):
            return bad("err_validation_type", "query must be a string.")
        query["query"] = item["query"]
    for name in ("identifiers", "actions"):
        if name in item:
            if not isinstance(item[name], list) or not all(isinstance(v, str) for v in item[name]):
                return bad("err_validation_type", "%s must be an array of strings." % name)
            query[name] = item[name]
    return query


def handle(state, request, faults=()) -> Reply:
    """One get-logs request against the sandbox ``state`` (its TTP logs and Mimecast authentication)."""
    path = request.path
    refusal, body, dummy_role = enveloped(state.mimecast, request, faults, PERMISSION, data_required=False)
    if refusal is not None:
        return refusal
    data = body.get("data") or []
    if len(data) > 1:
        return bad("err_request_body_invalid", "data must hold one object.")
    pagination = body.get("meta", {}).get("pagination") or {}
    if not isinstance(pagination, dict):
        return bad("err_request_body_invalid", "meta.pagination must be an object.")
    size = pagination.get("pageSize", DEFAULT_PAGE[path])
    if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= MAX_PAGE:
        return bad("err_validation_page_size", "pageSize must be an integer from 1 to %d." % MAX_PAGE)
    token = pagination.get("pageToken")
    if token:
        # the token holds the query it belongs to: a next page may be asked with the token alone
        read = _read_token(path, token) if isinstance(token, str) else None
        if read is None:
            return bad("err_validation_page_token", "The pageToken is not valid.")
        query, offset = read
    else:
        query = _query(path, data[0] if data else {}, state.clock())
        if isinstance(query, Reply):
            return query
        offset = 0
    logs = state.ttp
    total, render = logs.url_rows(query) if path == URL_LOGS else logs.listed_rows(path, query)
    rows = render(offset, size)
    item = {LIST_KEYS[path]: rows}
    if path == IMPERSONATION_LOGS:
        item["resultCount"] = total  # the sandbox's reading: the query's total (the capture's numbers disagree)
    answer = envelope(200, [item])
    if total == 0:
        answer["meta"]["pagination"] = {"pageSize": 0}  # as the captured empty answer (ttp-rapid7-2)
    else:
        answer["meta"]["pagination"] = {"pageSize": size, "totalCount": total}
        if offset + size < total:
            answer["meta"]["pagination"]["next"] = _token(path, query, offset + size)
    return Reply(200, answer)
