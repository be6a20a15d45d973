# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that turn vendor records into one schema, and that schema into summaries."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re

from ansible.errors import AnsibleFilterError

VERDICTS = ("delivered", "blocked", "quarantined", "deferred", "bounced", "other")
UTC = datetime.timezone.utc

TMES_VERDICTS = {
    "delivered": "delivered",
    "quarantined": "quarantined",
    "deleted": "blocked",
    "deleted entire message": "blocked",
    "rejected": "blocked",
    "blocked": "blocked",
    "deferred": "deferred",
    "bounced": "bounced",
    "expired": "other",
}
MIMECAST_VERDICTS = {
    "delivered": "delivered",
    "delivery": "delivered",
    "held": "quarantined",
    "hold": "quarantined",
    "quarantined": "quarantined",
    "rejected": "blocked",
    "blocked": "blocked",
    "bounced": "bounced",
    "bounce": "bounced",
    "deferred": "deferred",
}
TMES_DIRECTIONS = {"in": "inbound", "out": "outbound"}

_TIME_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(Z|[+-]\d{2}:?\d{2})?$")


def _utc_iso(value):
    """A vendor time as UTC ISO 8601 with milliseconds and Z, or None."""
    if not isinstance(value, str):
        return None
    match = _TIME_RE.match(value.strip())
    if not match:
        return None
    parts = [int(g) for g in match.groups()[:6]]
    micro = int((match.group(7) or "0").ljust(6, "0"))
    moment = datetime.datetime(*parts, microsecond=micro, tzinfo=UTC)
    zone = match.group(8)
    if zone and zone != "Z":
        digits = zone[1:].replace(":", "")
        offset = datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        moment = moment - offset if zone[0] == "+" else moment + offset
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (moment.microsecond // 1000)


def _address(value):
    if isinstance(value, dict):
        value = value.get("emailAddress")
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if "<" in text and text.endswith(">"):
        text = text[text.rindex("<") + 1:-1]
    return text.lower()


def _unique(values):
    seen = []
    for value in values:
        if value and value not in seen:
            seen.append(value)
    return seen


def _record(vendor, vendor_id, timestamp, action, verdict, message_id, sender, header_from, to, subject, direction,
            source_ip, size, attachments, urls, raw, delivered_at=None, reason=None):
    return {
        "vendor": vendor,
        "vendor_id": vendor_id,
        "timestamp": timestamp,
        "verdict": verdict,
        "event": {"action": action, "reason": reason, "dataset": "%s.tracking" % vendor},
        "email": {
            "message_id": message_id,
            "sender": sender,
            "from": header_from,
            "to": to,
            "subject": subject,
            "direction": direction,
            "attachments": attachments,
            "delivery_timestamp": delivered_at,
        },
        "source": {"ip": source_ip},
        "size": size,
        "urls": urls,
        "raw": raw,
    }


def _tmes(log):
    action = log.get("action")
    verdict = TMES_VERDICTS.get(str(action or "").strip().lower())
    if verdict is None:
        verdict = "blocked" if log.get("reason") else "other"
    attachments = None
    if isinstance(log.get("attachments"), list):
        attachments = [{"name": a.get("fileName"), "sha256": (a.get("sha256") or "").lower() or None}
                       for a in log["attachments"] if isinstance(a, dict)]
    to = _unique([_address(log.get("recipient"))] + [_address(a) for a in (log.get("headerTo") or [])])
    urls = list(log["embeddedUrls"]) if isinstance(log.get("embeddedUrls"), list) else None
    return _record(
        "tmes", log.get("mailID"), _utc_iso(log.get("timestamp")) or _utc_iso(log.get("genTime")), action, verdict,
        log.get("messageID"), _address(log.get("sender")), _address(log.get("headerFrom")), to, log.get("subject"),
        TMES_DIRECTIONS.get(log.get("direction"), log.get("direction")), log.get("senderIP"), log.get("size"),
        attachments, urls, log, _utc_iso(log.get("deliveryTime")), log.get("reason"))


def _mimecast(email):
    status = email.get("status")
    verdict = MIMECAST_VERDICTS.get(str(status or "").strip().lower(), "other")
    to = _unique([_address(t) for t in (email.get("to") or [])])
    return _record(
        "mimecast", email.get("id"), _utc_iso(email.get("received")), status, verdict, email.get("messageId"),
        _address(email.get("fromEnv")), _address(email.get("fromHdr")), to, email.get("subject"), email.get("route"),
        email.get("senderIP"), email.get("size"), None, None, email, _utc_iso(email.get("sent")), email.get("info"))


def _detect(record):
    if "mailID" in record or "genTime" in record:
        return "tmes"
    if "fromEnv" in record or "trackedEmails" in record or ("id" in record and "route" in record):
        return "mimecast"
    return None


def normalize_tracking(records, vendor=None):
    """TMES logs or Mimecast tracked emails (a list or one record) in the collection's record schema."""
    if vendor not in (None, "tmes", "mimecast"):
        raise AnsibleFilterError("normalize_tracking: vendor must be tmes or mimecast, not %r" % (vendor,))
    single = isinstance(records, dict)
    items = [records] if single else records
    if not isinstance(items, (list, tuple)):
        raise AnsibleFilterError("normalize_tracking: give a list of records (or one record), not %s"
                                 % type(records).__name__)
    result = []
    for item in items:
        if not isinstance(item, dict):
            raise AnsibleFilterError("normalize_tracking: every record must be a dictionary, got %s"
                                     % type(item).__name__)
        kind = vendor or _detect(item)
        if kind is None:
            raise AnsibleFilterError("normalize_tracking: cannot tell the vendor of a record with keys %s; pass "
                                     "vendor='tmes' or vendor='mimecast'" % ", ".join(sorted(item)[:8]))
        result.append(_tmes(item) if kind == "tmes" else _mimecast(item))
    return result[0] if single else result


def merge_tracking(records, others=None):
    """Normalised records from several searches: one list, each record once, in time order."""
    if others is not None and not isinstance(others, (list, tuple)):
        raise AnsibleFilterError("merge_tracking: others must be a list of record lists")
    seen = set()
    merged = []
    for records in [records] + list(others or []):
        for record in records or []:
            key = (record.get("vendor"), record.get("vendor_id"))
            if record.get("vendor_id") is not None and key in seen:
                continue
            seen.add(key)
            merged.append(record)
    return sorted(merged, key=lambda r: (r.get("timestamp") or "", r.get("vendor") or "", r.get("vendor_id") or ""))


def tracking_summary(records):
    """Counts per vendor and verdict, affected recipients, first and last seen, whether any was delivered."""
    by_vendor = {}
    by_verdict = dict.fromkeys(VERDICTS, 0)
    recipients = set()
    delivered_to = set()
    times = []
    for record in records or []:
        vendor = record.get("vendor") or "unknown"
        verdict = record.get("verdict") if record.get("verdict") in VERDICTS else "other"
        counts = by_vendor.setdefault(vendor, dict(dict.fromkeys(VERDICTS, 0), total=0))
        counts[verdict] += 1
        counts["total"] += 1
        by_verdict[verdict] += 1
        for address in (record.get("email") or {}).get("to") or []:
            recipients.add(address)
            if verdict == "delivered":
                delivered_to.add(address)
        if record.get("timestamp"):
            times.append(record["timestamp"])
    return {
        "total": sum(by_verdict.values()),
        "by_vendor": by_vendor,
        "by_verdict": by_verdict,
        "recipients": sorted(recipients),
        "recipient_count": len(recipients),
        "delivered_to": sorted(delivered_to),
        "first_seen": min(times) if times else None,
        "last_seen": max(times) if times else None,
        "delivered": by_verdict["delivered"] > 0,
    }


def tracking_timeline(records):
    """Matches per hour (UTC) and verdict, every hour from the first to the last, for a chart."""
    buckets = {}
    for record in records or []:
        stamp = record.get("timestamp")
        if not stamp:
            continue
        hour = stamp[:13] + ":00:00Z"
        verdict = record.get("verdict") if record.get("verdict") in VERDICTS else "other"
        buckets.setdefault(hour, dict.fromkeys(VERDICTS, 0))[verdict] += 1
    if not buckets:
        return []
    first = datetime.datetime.strptime(min(buckets), "%Y-%m-%dT%H:%M:%SZ")
    last = datetime.datetime.strptime(max(buckets), "%Y-%m-%dT%H:%M:%SZ")
    result = []
    while first <= last:
        hour = first.strftime("%Y-%m-%dT%H:%M:%SZ")
        counts = buckets.get(hour, dict.fromkeys(VERDICTS, 0))
        result.append(dict(counts, hour=hour, total=sum(counts.values())))
        first += datetime.timedelta(hours=1)
    return result


class FilterModule(object):
    # pylint: disable=too-few-public-methods

    def filters(self):
        return {
            "normalize_tracking": normalize_tracking,
            "merge_tracking": merge_tracking,
            "tracking_summary": tracking_summary,
            "tracking_timeline": tracking_timeline,
        }
