# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Deterministic mail traffic for the sandbox.

Records are never all held in memory.  At start-up the generator draws, for
every TMES record, only the few attributes that the API filters on (time,
traffic type, direction, customer domain) into compact arrays; the full record
is rendered from its index when a page asks for it.  The same seed always
gives the same records, so tests can compare runs.
"""

from __future__ import annotations

import array
import base64
import bisect
import datetime
import hashlib
import json
import random
import threading
import uuid

from .reply import compact_json

UTC = datetime.timezone.utc

CUSTOMER_DOMAINS = ("acme.example", "acme-labs.example", "acme-retail.example")
CUSTOMER_WEIGHTS = (70, 20, 10)
EXTERNAL_DOMAINS = (
    "partner-logistics.example", "northwind.example", "contoso.example", "fabrikam.example",
    "globex.example", "initech.example", "umbrella.example", "hooli.example",
    "newsletter.vendor.example", "mailer.saas.example",
)
FIRST = ("anna", "ben", "carla", "dev", "emma", "farid", "grace", "hugo", "ines", "jonas",
         "kim", "li", "maria", "noah", "olga", "pavel", "quinn", "rosa", "sam", "tariq")
LAST = ("meyer", "ng", "okafor", "rossi", "smith", "tanaka", "weber", "young", "zhang", "lopez")
SUBJECTS = (
    "Quarterly report", "Re: meeting notes", "Invoice {n}", "Shipping update for order {n}",
    "Your weekly digest", "Re: contract draft v{n}", "Lunch on Friday?", "Password expiry notice",
    "Fwd: travel itinerary", "Project Atlas status", "Purchase order PO-{n}", "Welcome aboard",
)
ATTACHMENT_NAMES = ("report.pdf", "invoice.pdf", "notes.docx", "data.xlsx", "photo.jpg", "slides.pptx")

# Vendor words.  "real" marks a value seen in payloads captured from the live services
# (shared/api/real-samples, shared/api/FACTS.md "What real responses look like"); the rest is said where it
# comes from.  Never replace a real value by an invented one.
TMES_ACCEPTED_ACTIONS = (
    ("Delivered", 90),            # real
    ("Scanning in sandbox", 4),   # real: still being analysed, not a final state
    ("Bounced", 6),               # real: deliveredTo "none", with a deliveryTime
)
TMES_BOUNCE_DETAILS = (           # the first is real; the second is the usual SMTP wording
    "mail for {domain} loops back to myself",
    "550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown",
)
# Blocked traffic: "Quarantined" is real; "Deleted" and "Rejected" are Trend Micro console words for the other
# two outcomes of a blocking policy (not seen in captures).
TMES_BLOCKED = (
    ("Quarantined", "Spam or graymail", "Spam/Graymail policy: quarantine"),
    ("Deleted", "Malware", "Virus scan: malware detected in attachment"),
    ("Quarantined", "Phishing", "Web reputation: malicious URL"),
    ("Rejected", "Sender reputation", "550 5.7.1 Rejected by Email Reputation Services"),
    ("Deleted", "Content filtering", "Content filtering policy: blocked attachment type"),
)
# Mimecast status and info.  Every status is real (captures and other integrations' code).  Infos marked real
# are from captures; the others are the sandbox's wording of what FACTS.md says the status means.
MIMECAST_STATUSES = (
    ("archived", "Indexed and archived", 80),                               # real
    ("held", "Message Hold Applied - Content examination policy", 4),       # real
    ("held", "Message Hold Applied - Spam Signature policy", 3),
    ("rejected", "Envelope Rejected", 5),                                   # real
    ("bounced", "Hard Bounce - Recipient address rejected", 3),
    ("deferred", "Envelope Deferred - Greylisting, sender may retry", 2),
    ("accepted", "Accepted - awaiting content processing", 2),
    ("delivery", "In delivery queue - remote server busy, retrying", 1),
)
# What the planted campaign's messages became, message n taking row n % len: every state a decision depends on
TMES_CAMPAIGN_STATES = ("Delivered", "Delivered", "Quarantined", "Scanning in sandbox", "Delivered", "Bounced")
MIMECAST_CAMPAIGN_STATES = (
    ("archived", "Indexed and archived"),
    ("held", "Message Hold Applied - Targeted Threat Protection URL policy"),
    ("archived", "Indexed and archived"),
    ("accepted", "Accepted - awaiting content processing"),
    ("delivery", "In delivery queue - remote server busy, retrying"),
    ("bounced", "Hard Bounce - Recipient address rejected"),
    ("rejected", "Envelope Rejected"),
    ("archived", "Indexed and archived"),
)
# the header-From spoof pair in the Mimecast hold queue: a partner's address, and the look-alike domain an
# attacker sends from while putting the partner's address in the header From
SPOOFED = "invoices@partner-logistics.example"
SPOOF_ENVELOPE = "billing@partner-logistics-invoices.example"
ROUTES = (("inbound", 70), ("outbound", 20), ("internal", 10))
DETECTION_LEVELS = ("relaxed", "moderate", "aggressive", "cluster")

TMES_SPAN_HOURS = 71  # the API lets a client look 72 hours back; keep an hour of margin
MIMECAST_SPAN_DAYS = 29  # the API rejects a start about 30 days back
CAMPAIGN_HOURS = 20  # the planted campaign lies within the last 20 hours


def _weighted(rng: random.Random, table):
    """Pick from a table of tuples whose last element is a weight."""
    total = sum(row[-1] for row in table)
    point = rng.random() * total
    for row in table:
        point -= row[-1]
        if point < 0:
            return row
    return table[-1]


def format_tmes_time(ms: int, with_ms: bool) -> str:
    """Render epoch milliseconds in TMES' own format."""
    moment = datetime.datetime.fromtimestamp(ms / 1000.0, UTC)
    if with_ms:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ms % 1000)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def format_mimecast_time(ms: int) -> str:
    """Render epoch milliseconds in Mimecast's body format."""
    return datetime.datetime.fromtimestamp(ms // 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


class Campaign:
    """The planted phishing campaign, visible at both vendors."""

    def __init__(self, seed: int):
        rng = random.Random("campaign:%d" % seed)
        number = rng.randint(10000, 99999)
        self.sender = "billing@acme-invoice-notice.example"
        self.header_from = "\"ACME Accounts Payable\" <billing@acme-invoice-notice.example>"
        self.subject = "Overdue invoice INV-%d: payment required today" % number
        self.sender_ip = "203.0.113.%d" % rng.randint(10, 250)
        self.attachment_name = "INV-%d.html" % number
        self.attachment_sha256 = hashlib.sha256(("campaign-attachment:%d" % seed).encode()).hexdigest()
        self.url = "https://acme-invoice-notice.example/pay/INV-%d?session=verify" % number

    def as_dict(self, tmes_count: int, mimecast_count: int) -> dict:
        return {
            "sender": self.sender,
            "sender_domain": self.sender.split("@")[1],
            "subject": self.subject,
            "sender_ip": self.sender_ip,
            "attachment_sha256": self.attachment_sha256,
            "url": self.url,
            "tmes_count": tmes_count,
            "mimecast_count": mimecast_count,
        }


class _Index:
    """Sorted record times, with the positions that match one filter key."""

    def __init__(self, positions: array.array, times: array.array):
        self.positions = positions
        self.times = times

    def window(self, start_ms: int, end_ms: int):
        """Offsets into this index of the records with start <= time <= end."""
        return bisect.bisect_left(self.times, start_ms), bisect.bisect_right(self.times, end_ms)


class TmesData:
    """Mail tracking logs for TMES: accepted and blocked traffic over the last 71 hours."""

    TYPES = ("accepted_traffic", "blocked_traffic")
    DIRECTIONS = ("in", "out")

    def __init__(self, seed: int, size: int, now_ms: int, campaign: Campaign, campaign_size: int):
        self.seed = seed
        self.size = size
        self.campaign = campaign
        rng = random.Random("tmes:%d" % seed)
        span = TMES_SPAN_HOURS * 3600 * 1000
        self.first_ms = now_ms - span
        self.last_ms = now_ms
        step = span / max(size, 1)
        times = array.array("q")
        # bit 0: blocked, bit 1: outbound, bit 2: whole-second time, bits 3+: customer domain
        flags = bytearray(size)
        cumulative = []
        acc = 0
        for weight in CUSTOMER_WEIGHTS:
            acc += weight
            cumulative.append(acc)
        rand = rng.random
        first = self.first_ms
        for i in range(size):
            ms = int(first + (i + rand()) * step)
            whole = rand() < 0.7
            if whole:
                ms -= ms % 1000
            flag = 4 if whole else 0
            if rand() < 0.15:
                flag |= 1
            if rand() < 0.25:
                flag |= 2
            point = rand() * acc
            dom = 0
            while cumulative[dom] <= point:
                dom += 1
            flags[i] = flag | (dom << 3)
            times.append(ms)
        # whole-second rounding can move a record before its predecessor; keep times sorted
        for i in range(1, size):
            if times[i] < times[i - 1]:
                times[i] = times[i - 1]
        self.times = times
        self.flags = flags
        self.campaign_positions = self._plant(rng, campaign_size, now_ms)
        self._indexes = {}
        self._lock = threading.Lock()
        self._json = None  # position -> the record as compact JSON bytes, once prerender() has run

    def prerender(self, traffic_type="accepted_traffic"):
        """Render every record of one traffic type now, and keep every record rendered from then on.

        For benchmarks under latency, where the sandbox's own CPU would compete with the clients measured for the
        same cores (the vendor's would not); without it each page is rendered when asked for, a service time that
        the client and the bare loop it is compared with both wait for, as before.
        """
        self._json = {}
        for pos in self.index(traffic_type, None, None).positions:
            self.record_json(pos)

    def record_json(self, pos: int) -> bytes:
        """One record as the compact JSON the API sends (a record is a pure function of its position, so the bytes
        kept after prerender() never change)."""
        kept = self._json
        found = None if kept is None else kept.get(pos)
        if found is None:
            found = compact_json(self.record(pos))
            if kept is not None:
                kept[pos] = found
        return found

    def _plant(self, rng: random.Random, count: int, now_ms: int) -> dict:
        """Mark records in the last hours as the campaign; returns position -> role."""
        lo = bisect.bisect_left(self.times, now_ms - CAMPAIGN_HOURS * 3600 * 1000)
        candidates = list(range(lo, self.size))
        count = min(count, len(candidates))
        chosen = sorted(rng.sample(candidates, count)) if count else []
        roles = {}
        for n, pos in enumerate(chosen):
            # always inbound, to the main domain; quarantined mail is blocked traffic, the rest accepted
            blocked = TMES_CAMPAIGN_STATES[n % len(TMES_CAMPAIGN_STATES)] == "Quarantined"
            self.flags[pos] = (self.flags[pos] & 4) | (1 if blocked else 0)
            roles[pos] = n
        return roles

    def index(self, traffic_type: str, direction, domain) -> _Index:
        """The records of one traffic type, direction and domain, in time order (cached)."""
        key = (traffic_type, direction, domain)
        with self._lock:
            found = self._indexes.get(key)
            if found is not None:
                return found
            want_blocked = 1 if traffic_type == "blocked_traffic" else 0
            want_out = None if direction is None else (2 if direction == "out" else 0)
            want_dom = None if domain is None else (
                CUSTOMER_DOMAINS.index(domain) if domain in CUSTOMER_DOMAINS else -1)
            positions = array.array("l")
            times = array.array("q")
            flags = self.flags
            src_times = self.times
            for i in range(self.size):
                flag = flags[i]
                if flag & 1 != want_blocked:
                    continue
                if want_out is not None and flag & 2 != want_out:
                    continue
                if want_dom is not None and (flag >> 3) != want_dom:
                    continue
                positions.append(i)
                times.append(src_times[i])
            found = _Index(positions, times)
            self._indexes[key] = found
            return found

    def record(self, pos: int) -> dict:
        """Render one log record from its position."""
        rng = random.Random(self.seed * 1000003 + pos)
        flag = self.flags[pos]
        ms = self.times[pos]
        blocked = bool(flag & 1)
        outbound = bool(flag & 2)
        customer = CUSTOMER_DOMAINS[flag >> 3]
        campaign_n = self.campaign_positions.get(pos)
        inside = "%s.%s@%s" % (rng.choice(FIRST), rng.choice(LAST), customer)
        outside = "%s@%s" % (rng.choice(FIRST), rng.choice(EXTERNAL_DOMAINS))
        if campaign_n is not None:
            sender, recipient = self.campaign.sender, inside
            subject = self.campaign.subject
            sender_ip = self.campaign.sender_ip
            attachments = [{"fileName": self.campaign.attachment_name, "sha256": self.campaign.attachment_sha256}]
            urls = [self.campaign.url]
            header_from = self.campaign.sender
        else:
            sender, recipient = (inside, outside) if outbound else (outside, inside)
            subject = rng.choice(SUBJECTS).format(n=rng.randint(1000, 99999))
            sender_ip = ("10.20.%d.%d" if outbound else "198.51.100.%d") % (
                (rng.randint(0, 255), rng.randint(1, 254)) if outbound else (rng.randint(1, 254),))
            attachments = []
            for dummy in range(rng.choice((0, 0, 0, 1, 1, 2))):
                name = rng.choice(ATTACHMENT_NAMES)
                digest = hashlib.sha256(("att:%d:%d:%s" % (self.seed, pos, name)).encode()).hexdigest()
                attachments.append({"fileName": name, "sha256": digest})
            urls = ["https://%s/p/%d" % (rng.choice(EXTERNAL_DOMAINS), rng.randint(1, 9999))
                    for dummy in range(rng.choice((0, 0, 1, 1, 2)))]
            header_from = sender
        gen_ms = ms
        received_ms = gen_ms - rng.randint(0, 3000)
        received_ms -= received_ms % 1000
        log = {
            "genTime": format_tmes_time(gen_ms, not flag & 4),
            "timestamp": format_tmes_time(received_ms, False),
            "sender": sender,
            "recipient": recipient,
            "direction": "out" if outbound else "in",
            "messageID": "<%s@%s>" % (uuid.UUID(int=rng.getrandbits(128), version=4), sender.split("@")[1]),
            "mailID": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "subject": subject,
            "size": rng.randint(2000, 4000000),
            "tlsInfo": "upstreamTLS: TLS 1.%d; downstreamTLS: TLS 1.%d" % (rng.choice((2, 3)), rng.choice((2, 3))),
            "headerFrom": header_from,
            "headerTo": [recipient] + ["%s@%s" % (rng.choice(FIRST), customer)
                                       for dummy in range(rng.choice((0, 0, 1, 2)))],
            "senderIP": sender_ip,
            "attachments": attachments,
            "embeddedUrls": urls,
        }
        if blocked:
            # as in a real quarantined record: no delivery, so no deliveredTo, deliveryTime or details
            action, reason, details = rng.choice(TMES_BLOCKED)
            if campaign_n is not None:
                action, reason, details = TMES_BLOCKED[2]
            log.update(action=action, reason=reason)
            if action != "Quarantined":
                log["details"] = details
            return log
        action = _weighted(rng, TMES_ACCEPTED_ACTIONS)[0]
        if campaign_n is not None:
            action = TMES_CAMPAIGN_STATES[campaign_n % len(TMES_CAMPAIGN_STATES)]
        log["action"] = action
        if action == "Delivered":
            host = "mx%d.%s" % (rng.randint(1, 3), recipient.split("@")[1]) if not outbound else \
                "mail.%s" % recipient.split("@")[1]
            log["deliveredTo"] = "%s[192.0.2.%d]:25" % (host, rng.randint(1, 254))
            log["deliveryTime"] = format_tmes_time(gen_ms + rng.randint(200, 9000), rng.random() < 0.3)
            log["details"] = "250 2.0.0 Ok: queued as %X" % rng.getrandbits(40)
        elif action == "Bounced":
            log["deliveredTo"] = "none"
            log["deliveryTime"] = format_tmes_time(gen_ms + rng.randint(0, 2000), False)
            log["details"] = rng.choice(TMES_BOUNCE_DETAILS).format(domain=recipient.split("@")[1], rcpt=recipient)
        # "Scanning in sandbox": not handed on yet, so neither deliveredTo nor deliveryTime (as captured)
        return log

    # -- the policy event log: one event for every blocked record --------------------------------------------
    # The event of each blocked reason: (query event, eventType, eventSubtype, policy rule, policyAction).
    # Vocabulary, word by word (shared/api/ACTIONS.md T2 and real-samples/tmes-policy-datadog-1..3):
    # - eventType is the display name the REST API sends, never the query word (datadog-1: "Suspicious Objects"
    #   for event=threat).  "Domain-based Authentication" (anti_spoof), "Malware" and "Suspicious Objects"
    #   (threat) come from TM-map; "Spam" and "Phishing" are the query words capitalised, as no capture or
    #   document shows their display names (the syslog captures datadog-2/-3 carry "virus" and "phishing" there);
    #   "Content Filtering" likewise.
    # - eventSubtype: "Suspicious URLs" is real (datadog-1); "SPF" is one of TM-map's subtypes of
    #   Domain-based Authentication; "Virus" is the syslog event type of the EICAR capture (datadog-2) under its
    #   "(Virus)" rule; "Spam", "Phishing" and "Attachment Type" are the sandbox's words.
    # - policyName: "Organization: Spam or Phish" and "Organization: Global Outbound Policy (Virus)" are real
    #   (datadog-3, -2); the inbound counterpart "Organization: Global Inbound Policy (Virus)" follows it; the
    #   "Organization: <rule>" names of the other two follow that form with the sandbox's rule names.
    # - policyAction: "Quarantine" is real (datadog-2/-3, also "Bypass" in datadog-1); "Delete" and "Reject"
    #   are the sandbox's words for the tracking log's Deleted and Rejected.
    EVENTS = {"Spam or graymail": ("spam", "Spam", "Spam", "Spam or Phish"),
              "Malware": ("threat", "Malware", "Virus", "Global {dir} Policy (Virus)"),
              "Phishing": ("phishing", "Phishing", "Phishing", "Spam or Phish"),
              "Sender reputation": ("anti_spoof", "Domain-based Authentication", "SPF",
                                    "Domain-based Authentication"),
              "Content filtering": ("content_filter", "Content Filtering", "Attachment Type",
                                    "Content Filtering")}
    # the campaign's blocked mail was caught for its URL ("Web reputation: malicious URL"): a Suspicious Objects
    # event with urlInfo, in the vocabulary of the REST capture (datadog-1)
    CAMPAIGN_EVENT = ("threat", "Suspicious Objects", "Suspicious URLs", "Global {dir} Policy (Virus)")
    POLICY_ACTIONS = {"Quarantined": "Quarantine", "Deleted": "Delete", "Rejected": "Reject"}

    def _event_of(self, pos: int, log: dict) -> tuple:
        if pos in self.campaign_positions:
            return self.CAMPAIGN_EVENT
        return self.EVENTS[log["reason"]]

    def policy_index(self, event, direction, domain) -> _Index:
        """The policy events of one event type (or all), direction and domain, in time order (cached)."""
        key = ("policy", event, direction, domain)
        with self._lock:
            found = self._indexes.get(key)
        if found is not None:
            return found
        blocked = self.index("blocked_traffic", direction, domain)
        positions, times = array.array("l"), array.array("q")
        for k, pos in enumerate(blocked.positions):
            if event is None or self._event_of(pos, self.record(pos))[0] == event:
                positions.append(pos)
                times.append(blocked.times[k])
        found = _Index(positions, times)
        with self._lock:
            self._indexes[key] = found
        return found

    def policy_event(self, pos: int) -> dict:
        """The policy event of a blocked record: what the policy did and why (details as a JSON string).

        Exactly the fields of the REST capture (real-samples/tmes-policy-datadog-1.json): no mailID, which no
        capture carries (ACTIONS.md T2 lists it from a collector's schema only); the event joins the tracking log
        on messageID and the recipients.
        """
        log = self.record(pos)
        dummy, event_type, subtype, rule = self._event_of(pos, log)
        rng = random.Random(self.seed * 7 + pos)
        attachments = log.get("attachments") or []
        if event_type == "Malware":
            name = "TROJ_GEN.R%03dC0DKN" % rng.randint(1, 999)
            # threatNames is a string, as captured (datadog-2); fileSha256 is documented (ACTIONS.md T2) but no
            # capture shows it (unverified): served so that hashes can be matched, never relied on
            details = {"threatNames": name, "fileInfo": [
                {"fileName": a["fileName"], "fileSha256": a["sha256"], "threatName": name} for a in attachments]}
        elif event_type == "Suspicious Objects":
            urls = log.get("embeddedUrls") or ["https://%s/login" % rng.choice(EXTERNAL_DOMAINS)]
            # a body URL carries url and extractType only, as captured (datadog-1)
            details = {"urlInfo": [{"url": u, "extractType": "body"} for u in urls]}
            # a URL found in an attachment: attachmentName and attachmentSha256 are documented (ACTIONS.md T2,
            # [TM-map]) but never captured (unverified)
            details["urlInfo"] += [{"url": u, "extractType": "attachment", "attachmentName": a["fileName"],
                                    "attachmentSha256": a["sha256"]} for a in attachments for u in urls]
        elif event_type == "Content Filtering":
            # riskLevel and fileSha256: documented (ACTIONS.md T2), never captured (unverified)
            details = {"riskLevel": "medium", "fileInfo": [
                {"fileName": a["fileName"], "fileSha256": a["sha256"]} for a in attachments]}
        elif event_type in ("Spam", "Phishing"):
            # the spamReport of a real phishing event (datadog-3): opaque engine headers, values of that form
            details = {"spamReport": {
                "enginePatternVersion": "9.1.0.1023;%d" % rng.randint(28000000, 28999999),
                "spamResultHeader": "12-%.6f-7.000000" % rng.uniform(8, 80),
                "spamRidHeader": base64.b64encode(rng.getrandbits(480).to_bytes(60, "big")).decode(),
                "snapHeader": "Not",
                "spamXGenCloudHeader": "%s-0-0-200-0" % uuid.UUID(int=rng.getrandbits(128), version=4)}}
        else:
            # riskLevel alone: one of the documented shapes (ACTIONS.md T2), unverified
            details = {"riskLevel": "medium"}
        inbound = log["direction"] == "in"
        return {
            "timestamp": log["timestamp"], "genTime": log["genTime"], "eventType": event_type,
            "eventSubtype": subtype,
            "domainName": log["recipient"].split("@")[1] if inbound else log["sender"].split("@")[1],
            "sender": log["sender"], "headerFrom": log["headerFrom"], "recipients": [log["recipient"]],
            "headerTo": log["headerTo"], "direction": log["direction"], "messageID": log["messageID"],
            "subject": log["subject"], "size": log["size"],
            "policyName": "Organization: " + rule.format(dir="Inbound" if inbound else "Outbound"),
            "policyAction": self.POLICY_ACTIONS[log["action"]],
            # a JSON string, as captured
            "details": json.dumps(details, separators=(",", ":")),
        }

    def campaign_count(self) -> int:
        return len(self.campaign_positions)


class MimecastData:
    """Tracked emails for Mimecast over the last 29 days, in time order."""

    def __init__(self, seed: int, size: int, now_ms: int, campaign: Campaign, campaign_size: int):
        self.seed = seed
        self.campaign = campaign
        rng = random.Random("mimecast:%d" % seed)
        span = MIMECAST_SPAN_DAYS * 86400 * 1000
        step = span / max(size, 1)
        self.first_ms = now_ms - span
        self.records = []
        self.message_ids = []  # internet message ids: searchable, but not part of a tracked email
        self.times = array.array("q")
        for i in range(size):
            ms = int(self.first_ms + (i + rng.random()) * step)
            ms -= ms % 1000
            self.times.append(ms)
            self.records.append(self._render(i, ms, None))
            self.message_ids.append("<%s@%s>" % (uuid.UUID(int=rng.getrandbits(128), version=4),
                                                 self.records[-1]["fromEnv"]["emailAddress"].split("@")[1]))
        lo = bisect.bisect_left(self.times, now_ms - CAMPAIGN_HOURS * 3600 * 1000)
        candidates = list(range(lo, size))
        count = min(campaign_size, len(candidates))
        self.campaign_positions = []
        for n, pos in enumerate(sorted(rng.sample(candidates, count)) if count else []):
            self.records[pos] = self._render(pos, self.times[pos], n)
            self.message_ids[pos] = "<%s@%s>" % (uuid.UUID(int=rng.getrandbits(128), version=4),
                                                 campaign.sender.split("@")[1])
            self.campaign_positions.append(pos)
        self.campaign_total = count
        self.spoof_positions = self._plant_spoof(lo)

    def _plant_spoof(self, lo: int) -> dict:
        """A header-From spoof pair in the hold queue: a partner's message held as spam, and an attacker's held
        for malware whose envelope sender is at a look-alike domain and whose header From is the partner's
        address.  Returns {"partner": position, "attacker": position}, or {} when there is no room."""
        rng = random.Random("spoof:%d" % self.seed)
        taken = set(self.campaign_positions)
        candidates = [p for p in range(lo, len(self.records)) if p not in taken]
        if len(candidates) < 2:
            candidates = [p for p in range(len(self.records)) if p not in taken]
        if len(candidates) < 2:
            return {}
        partner_pos, attacker_pos = sorted(rng.sample(candidates, 2))
        number = rng.randint(10000, 99999)
        inside = [("%s.%s" % (rng.choice(FIRST), rng.choice(LAST)), CUSTOMER_DOMAINS[0]) for dummy in range(2)]
        for pos, env, hdr, info, recipient in (
                (partner_pos, ("Partner Logistics Billing", SPOOFED), ("Partner Logistics Billing", SPOOFED),
                 "Message Hold Applied - Spam Signature policy", inside[0]),
                (attacker_pos, ("Partner Logistics Billing", SPOOF_ENVELOPE), ("Partner Logistics Billing", SPOOFED),
                 "Message Hold Applied - Content examination policy", inside[1])):
            record = self._render(pos, self.times[pos], None)
            record.update(
                status="held", info=info, route="inbound", attachments=True, spamScore=0,
                subject="Invoice PL-%d for your shipment" % number,
                senderIP="198.51.100.%d" % rng.randint(1, 254),
                fromEnv={"emailAddress": env[1]},
                fromHdr={"displayableName": hdr[0], "emailAddress": hdr[1]},
                to=[{"displayableName": recipient[0].replace(".", " ").title(),
                     "emailAddress": "%s@%s" % recipient}])
            self.records[pos] = record
            self.message_ids[pos] = "<%s@%s>" % (uuid.UUID(int=rng.getrandbits(128), version=4),
                                                 env[1].split("@")[1])
        return {"partner": partner_pos, "attacker": attacker_pos}

    def _render(self, pos: int, ms: int, campaign_n) -> dict:
        rng = random.Random(self.seed * 7919 + pos)
        route = _weighted(rng, ROUTES)[0]
        inside = ("%s.%s" % (rng.choice(FIRST), rng.choice(LAST)), rng.choice(CUSTOMER_DOMAINS[:2]))
        outside = (rng.choice(FIRST), rng.choice(EXTERNAL_DOMAINS))
        if campaign_n is not None:
            route = "inbound"
            sender = ("ACME Accounts Payable", self.campaign.sender)
            subject = self.campaign.subject
            sender_ip = self.campaign.sender_ip
            status, info = MIMECAST_CAMPAIGN_STATES[campaign_n % len(MIMECAST_CAMPAIGN_STATES)]
            recipients = [inside]
            attachments = True
        else:
            if route == "inbound":
                src, recipients = outside, [inside]
            elif route == "outbound":
                src, recipients = inside, [outside]
            else:
                src, recipients = inside, [("%s.%s" % (rng.choice(FIRST), rng.choice(LAST)), inside[1])]
            if rng.random() < 0.2:
                recipients.append((rng.choice(FIRST), recipients[0][1]))
            sender = (src[0].replace(".", " ").title(), "%s@%s" % src)
            subject = rng.choice(SUBJECTS).format(n=rng.randint(1000, 99999))
            sender_ip = "198.51.100.%d" % rng.randint(1, 254) if route == "inbound" else "10.30.%d.%d" % (
                rng.randint(0, 255), rng.randint(1, 254))
            status, info, dummy = _weighted(rng, MIMECAST_STATUSES)
            attachments = rng.random() < 0.3
        sent_ms = ms + rng.randint(0, 20) * 1000
        return {
            "id": "eNo1j0" + hashlib.sha256(("mc:%d:%d" % (self.seed, pos)).encode()).hexdigest()[:40],
            "status": status,
            "info": info,
            "received": format_mimecast_time(ms),
            "sent": format_mimecast_time(sent_ms),
            # the envelope sender has no display name, as captured (real-samples/mimecast-demisto-1)
            "fromEnv": {"emailAddress": sender[1]},
            "fromHdr": {"displayableName": sender[0], "emailAddress": sender[1]},
            "to": [{"displayableName": r[0].replace(".", " ").title(), "emailAddress": "%s@%s" % r}
                   for r in recipients],
            "subject": subject,
            "senderIP": sender_ip,
            "attachments": attachments,
            "route": route,
            "spamScore": 0 if campaign_n is not None else rng.choice((0, 0, 0, 1, 2, 5, 12)),
            "detectionLevel": rng.choice(DETECTION_LEVELS),
        }

    def between(self, start_ms: int, end_ms: int) -> range:
        """The positions of the records received with start <= time <= end, in time order."""
        return range(bisect.bisect_left(self.times, start_ms), bisect.bisect_right(self.times, end_ms))
