# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that turn vendor records into one schema, and that schema into summaries.

Where each vendor word's meaning comes from is said beside it in the two verdict tables below, and in
docs/docsite/rst/guide_record_schema.rst.  A word that is not in a table keeps its text in
``event.action``, gets the verdict ``unknown`` and counts as at risk, never as harmless.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re

from ansible.errors import AnsibleFilterError

# The verdicts, in the order reports show them.  delivered: reached a mailbox.  pending: still in flight,
# may yet reach one.  quarantined, blocked, bounced: stopped.  unknown: a vendor word this collection does not
# know (or none at all): treated as at risk.
VERDICTS = ("delivered", "pending", "quarantined", "blocked", "bounced", "unknown")
AT_RISK = ("pending", "unknown")
STOPPED = ("quarantined", "blocked", "bounced")
UTC = datetime.timezone.utc

# TMES ``action`` (compared case-insensitively).  "real" = seen in payloads captured from live tenants
# (shared/api/real-samples: sekoia intake tests, Datadog, Trend Micro's documented example); the others come
# from Trend Micro's console vocabulary as earlier integrations used it and are kept, with the verdict their
# words say, because a blocked or deleted message never reaches a mailbox.
TMES_VERDICTS = {
    "delivered": "delivered",           # real
    "scanning in sandbox": "pending",   # real: still being analysed, not a final state
    "deferred": "pending",              # delivery will be retried
    "quarantined": "quarantined",       # real
    "bounced": "bounced",               # real (a bounced record can carry a deliveryTime)
    "expired": "bounced",               # gave up after retrying: never delivered, the sender is told
    "deleted": "blocked",
    "deleted entire message": "blocked",
    "rejected": "blocked",
    "blocked": "blocked",
}
# Mimecast ``status``: every word here is seen in real captures or in other integrations' code, with the
# meanings Mimecast gives the queues that tracking searches (shared/api/FACTS.md, "What real responses look
# like").  No capture shows a status "delivered": delivered mail is "archived".
MIMECAST_VERDICTS = {
    "archived": "delivered",   # processing finished, in the archive: the final state of delivered mail
    "accepted": "pending",     # accepted, not yet archived: can still reach a mailbox
    "delivery": "pending",     # in the delivery queue, retrying
    "deferred": "pending",     # temporarily refused; the sender may retry
    "held": "quarantined",     # in the hold review queue
    "bounced": "bounced",      # accepted, but could not be handed to the next hop
    "rejected": "blocked",     # refused at the gateway, nothing kept
}
# An archived record whose info says it was not simply delivered (FACTS.md: "for mail that was not held,
# bounced or rejected this is the final state of delivered mail").  A hold followed by archiving may have been
# released or rejected: the record does not say, so it is at risk.
_ARCHIVED_OTHERWISE = (
    (re.compile(r"\breject", re.I), "blocked"),
    (re.compile(r"\bbounce", re.I), "bounced"),
    (re.compile(r"\bhold\b|\bheld\b", re.I), "unknown"),
)
TMES_DIRECTIONS = {"in": "inbound", "out": "outbound"}
MAX_TEXT = 100000  # a vendor string longer than this is cut: it cannot be a real field value

_TIME_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|z|[+-]\d{2}:?\d{2})?$")
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=UTC)


def _parse_time(value):
    """A vendor time as an aware UTC datetime, or None when it is not a real time."""
    if not isinstance(value, str):
        return None
    match = _TIME_RE.match(value.strip())
    if not match:
        return None
    parts = [int(g) for g in match.groups()[:6]]
    micro = int((match.group(7) or "0")[:6].ljust(6, "0"))
    try:
        moment = datetime.datetime(*parts, microsecond=micro, tzinfo=UTC)
        zone = match.group(8)
        if zone and zone not in ("Z", "z"):
            digits = zone[1:].replace(":", "")
            hours, minutes = int(digits[:2]), int(digits[2:])
            if hours > 23 or minutes > 59:
                return None
            offset = datetime.timedelta(hours=hours, minutes=minutes)
            moment = moment - offset if zone[0] == "+" else moment + offset
    except (ValueError, OverflowError):
        return None
    return moment


def _iso(moment):
    """UTC ISO 8601 with milliseconds and Z; the year always has four digits."""
    return "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" % (moment.year, moment.month, moment.day, moment.hour,
                                                    moment.minute, moment.second, moment.microsecond // 1000)


def _utc_iso(value):
    moment = _parse_time(value)
    return _iso(moment) if moment is not None else None


def _text(value):
    """A vendor value that should be a string: the string, a number as text, anything else None."""
    if isinstance(value, str):
        return value[:MAX_TEXT]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def _address(value):
    if isinstance(value, dict):
        value = value.get("emailAddress")
    text = _text(value)
    if not text or not text.strip():
        return None
    text = text.strip()
    if "<" in text and text.endswith(">"):
        text = text[text.rindex("<") + 1:-1]
    return text.lower() or None


def _list(value):
    """A vendor value that should be a list: the list, a single value as a list of one, else empty."""
    if isinstance(value, list):
        return value
    if value is None or isinstance(value, dict):
        return []
    return [value]


def _unique(values):
    seen = []
    for value in values:
        if value and value not in seen:
            seen.append(value)
    return seen


def _number(value):
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _record(vendor, vendor_id, timestamp, action, verdict, message_id, sender, header_from, to, header_to, subject,
            direction, source_ip, size, attachments, has_attachments, urls, raw, processed_at=None, reason=None):
    return {
        "vendor": vendor,
        "vendor_id": vendor_id,
        "timestamp": timestamp,
        "verdict": verdict,
        "event": {"action": action, "reason": reason, "dataset": "%s.tracking" % vendor,
                  "processed_timestamp": processed_at},
        "email": {
            "message_id": message_id,
            "sender": sender,
            "from": header_from,
            "to": to,
            "header_to": header_to,
            "subject": subject,
            "direction": direction,
            "attachments": attachments,
            "has_attachments": has_attachments,
            # only a delivered record has a delivery time; other hand-off times are event.processed_timestamp
            "delivery_timestamp": processed_at if verdict == "delivered" else None,
        },
        "source": {"ip": source_ip},
        "size": size,
        "urls": urls,
        "raw": raw,
    }


def _tmes_verdict(action):
    return TMES_VERDICTS.get((action or "").strip().lower(), "unknown")


def _mimecast_verdict(status, info):
    verdict = MIMECAST_VERDICTS.get((status or "").strip().lower(), "unknown")
    if verdict == "delivered" and info:
        for pattern, instead in _ARCHIVED_OTHERWISE:
            if pattern.search(info):
                return instead
    return verdict


def _tmes(log):
    action = _text(log.get("action"))
    verdict = _tmes_verdict(action)
    attachments = None
    if isinstance(log.get("attachments"), list):
        attachments = []
        for item in log["attachments"]:
            if isinstance(item, dict):
                digest = _text(item.get("sha256"))
                attachments.append({"name": _text(item.get("fileName")), "sha256": digest.lower() if digest else None})
    urls = [u for u in (_text(v) for v in _list(log.get("embeddedUrls"))) if u] if "embeddedUrls" in log else None
    direction = _text(log.get("direction"))
    return _record(
        "tmes", _text(log.get("mailID")), _utc_iso(log.get("timestamp")) or _utc_iso(log.get("genTime")), action,
        verdict, _text(log.get("messageID")), _address(log.get("sender")), _address(log.get("headerFrom")),
        _unique([_address(log.get("recipient"))]), _unique([_address(a) for a in _list(log.get("headerTo"))]),
        _text(log.get("subject")), TMES_DIRECTIONS.get(direction, direction), _text(log.get("senderIP")),
        _number(log.get("size")), attachments, bool(attachments) if attachments is not None else None, urls, log,
        _utc_iso(log.get("deliveryTime")), _text(log.get("reason")))


def _mimecast(email):
    status = _text(email.get("status"))
    info = _text(email.get("info"))
    verdict = _mimecast_verdict(status, info)
    has_attachments = email.get("attachments") if isinstance(email.get("attachments"), bool) else None
    return _record(
        "mimecast", _text(email.get("id")), _utc_iso(email.get("received")), status, verdict,
        _text(email.get("messageId")), _address(email.get("fromEnv")), _address(email.get("fromHdr")),
        _unique([_address(t) for t in _list(email.get("to"))]), [], _text(email.get("subject")),
        _text(email.get("route")), _text(email.get("senderIP")), _number(email.get("size")), None, has_attachments,
        None, email, _utc_iso(email.get("sent")), info)


# what only one vendor's records carry: a record with none of its vendor's marks is refused
_TMES_MARKS = ("mailID", "genTime", "deliveredTo", "headerTo", "embeddedUrls", "tlsInfo")
_MIMECAST_MARKS = ("fromEnv", "fromHdr", "detectionLevel", "spamScore", "info")


def _detect(record):
    tmes = any(k in record for k in _TMES_MARKS)
    mimecast = any(k in record for k in _MIMECAST_MARKS) or ("id" in record and ("status" in record or
                                                                                 "route" in record))
    if tmes and not mimecast:
        return "tmes"
    if mimecast and not tmes:
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
    for position, item in enumerate(items):
        if not isinstance(item, dict):
            raise AnsibleFilterError("normalize_tracking: every record must be a dictionary, got %s"
                                     % type(item).__name__)
        kind = _detect(item)
        if vendor is not None and kind not in (None, vendor):
            raise AnsibleFilterError(
                "normalize_tracking: record %d looks like a %s record, not %s (keys %s): pass vendor='%s', or "
                "leave vendor out to detect it" % (position, kind, vendor, ", ".join(sorted(item)[:8]), kind))
        if kind is None:
            marks = {"tmes": "mailID or genTime", "mimecast": "fromEnv, or id with status or route"}
            raise AnsibleFilterError(
                "normalize_tracking: record %d is neither a TMES log nor a Mimecast tracked email (keys %s; %s "
                "expected): give the logs of tmes_mail_tracking_info or the tracked_emails of "
                "mimecast_tracking_search, unshaped by query" % (
                    position, ", ".join(sorted(str(k) for k in item)[:8]) or "none",
                    marks[vendor] if vendor else " or ".join(marks.values())))
        result.append(_tmes(item) if kind == "tmes" else _mimecast(item))
    return result[0] if single else result


def _sort_key(record):
    return (str(record.get("timestamp") or ""), str(record.get("vendor") or ""), str(record.get("vendor_id") or ""))


def _record_identity(record):
    """Two normalised records are the same event when vendor, id, recipients, action and time agree."""
    email = record.get("email") if isinstance(record.get("email"), dict) else {}
    event = record.get("event") if isinstance(record.get("event"), dict) else {}
    return repr((record.get("vendor"), record.get("vendor_id"), email.get("to"), event.get("action"),
                 record.get("timestamp")))


def merge_tracking(records, others=None):
    """Normalised records from several searches: one list, each event once, in time order."""
    if others is not None and not isinstance(others, (list, tuple)):
        raise AnsibleFilterError("merge_tracking: others must be a list of record lists")
    seen = set()
    merged = []
    for group in [records] + list(others or []):
        for record in group or []:
            if not isinstance(record, dict):
                raise AnsibleFilterError("merge_tracking: every record must be a dictionary (a normalised record), "
                                         "got %s" % type(record).__name__)
            if record.get("vendor_id") is not None:
                key = _record_identity(record)
                if key in seen:
                    continue
                seen.add(key)
            merged.append(record)
    return sorted(merged, key=_sort_key)


def _verdict_of(record):
    verdict = record.get("verdict")
    return verdict if verdict in VERDICTS else "unknown"


def _recipients(record):
    email = record.get("email") if isinstance(record.get("email"), dict) else {}
    return [a for a in (_text(v) for v in _list(email.get("to"))) if a]


# a copy that reached a mailbox outranks one still in flight or unknown, when one vendor id is seen twice
_COPY_RANK = {"delivered": 0, "unknown": 1, "pending": 2}


def _copies_of(record, verdict):
    """One entry a recipient of a delivered or at-risk record: what the response needs to find that copy."""
    email = record.get("email") if isinstance(record.get("email"), dict) else {}
    attachments = email.get("attachments") if isinstance(email.get("attachments"), list) else []
    hashes = _unique(_text(a.get("sha256")) for a in attachments if isinstance(a, dict))
    urls = _unique(_text(u) for u in _list(record.get("urls")))
    base = {
        "vendor": _text(record.get("vendor")) or "unknown",
        "vendor_id": _text(record.get("vendor_id")),
        # the internet Message-ID as the vendor gave it (TMES messageID, with brackets); Mimecast tracking has none
        "message_id": _text(email.get("message_id")),
        "sender": _text(email.get("sender")),
        "verdict": verdict,
        "attachment_sha256": [h.lower() for h in hashes],
        "urls": urls,
        "time": _text(record.get("timestamp")),
    }
    return [dict(base, recipient=address) for address in (_recipients(record) or [None])]


def _copy_key(copy):
    if copy["vendor_id"] is not None:
        return (copy["vendor"], copy["vendor_id"], copy["recipient"])
    return (copy["vendor"], copy["message_id"], copy["recipient"], copy["sender"], copy["time"])


def _copies(found):
    """The copies once each (one vendor id and recipient): delivered before unknown before pending, then the
    latest; in time order."""
    chosen = {}
    for copy in found:
        key = _copy_key(copy)
        old = chosen.get(key)
        if old is None or _better(copy, old):
            chosen[key] = copy
    return sorted(chosen.values(), key=lambda c: (c["time"] or "", c["vendor"], c["vendor_id"] or "",
                                                  c["recipient"] or ""))


def _better(copy, old):
    if _COPY_RANK[copy["verdict"]] != _COPY_RANK[old["verdict"]]:
        return _COPY_RANK[copy["verdict"]] < _COPY_RANK[old["verdict"]]
    return (copy["time"] or "") > (old["time"] or "")


def _clickers(clicks, delivered_to, at_risk_to, recipients):
    """Who clicked, from the ``users`` of mimecast_ttp_log_info (User Click rows only: an Entry Scan row is a scan at
    delivery, not a click, and never reaches ``users``): one entry an address, with what the trace says of it."""
    if not isinstance(clicks, (list, tuple)):
        raise AnsibleFilterError("tracking_summary: clicks must be the users list of mimecast_ttp_log_info, not %s"
                                 % type(clicks).__name__)
    merged = {}
    for entry in clicks:
        if not isinstance(entry, dict):
            raise AnsibleFilterError("tracking_summary: every entry of clicks must be a dictionary, as in the users "
                                     "of mimecast_ttp_log_info (user, first_click, clicks, urls, blocked), got %s"
                                     % type(entry).__name__)
        user = _address(entry.get("user"))
        if user is None:
            continue
        count = _number(entry.get("clicks"))
        one = merged.setdefault(user, {"user": user, "times": [], "clicks": 0, "urls": [], "urls_truncated": False,
                                       "scan_results": [], "blocked": False})
        one["clicks"] += int(count) if count is not None and count > 0 else 1
        for key in ("first_click", "last_click"):
            stamp = _utc_iso(entry.get(key))
            if stamp:
                one["times"].append(stamp)
        one["urls"] = _unique(one["urls"] + [_text(u) for u in _list(entry.get("urls"))])
        # the module keeps the first 20 URLs a user clicked and says when there were more
        one["urls_truncated"] = one["urls_truncated"] or entry.get("urls_truncated") is True
        one["scan_results"] = _unique(one["scan_results"] + [_text(r) for r in _list(entry.get("scan_results"))])
        one["blocked"] = one["blocked"] or entry.get("blocked") is True
    out = []
    for user in sorted(merged):
        one = merged.pop(user)
        times = one.pop("times")
        one["first_click"] = min(times) if times else None
        one["last_click"] = max(times) if times else None
        # what the trace found for this address: a delivered copy, one at risk, only stopped mail, or none (the
        # click log can name a user the trace did not find, such as a forward or a distribution list's member)
        one["received"] = ("delivered" if user in delivered_to else "at_risk" if user in at_risk_to
                           else "stopped" if user in recipients else None)
        out.append(one)
    return out


def tracking_summary(records, clicks=None):
    """Counts per vendor and verdict; delivered and at-risk recipients apart; first and last seen; the copies.

    With ``clicks`` (the ``users`` of mimecast_ttp_log_info over the trace's window), also who clicked:
    ``clicked_by``, ``clicks``, ``clickers`` and ``received_only`` (delivered or at-risk recipients who did not
    click).  Without it those keys are absent: the click log was not read.
    """
    by_vendor = {}
    by_verdict = dict.fromkeys(VERDICTS, 0)
    recipients = set()
    delivered_to = set()
    at_risk_to = set()
    unknown_actions = {}
    times = []
    found = []
    for record in records or []:
        if not isinstance(record, dict):
            raise AnsibleFilterError("tracking_summary: give normalised records (dictionaries), got %s"
                                     % type(record).__name__)
        vendor = _text(record.get("vendor")) or "unknown"
        verdict = _verdict_of(record)
        counts = by_vendor.setdefault(vendor, dict(dict.fromkeys(VERDICTS, 0), total=0))
        counts[verdict] += 1
        counts["total"] += 1
        by_verdict[verdict] += 1
        if verdict == "unknown":
            event = record.get("event") if isinstance(record.get("event"), dict) else {}
            word = _text(event.get("action")) or "(none)"
            words = unknown_actions.setdefault(vendor, {})
            words[word] = words.get(word, 0) + 1
        for address in _recipients(record):
            recipients.add(address)
            if verdict == "delivered":
                delivered_to.add(address)
            elif verdict in AT_RISK:
                at_risk_to.add(address)
        if verdict == "delivered" or verdict in AT_RISK:
            found.extend(_copies_of(record, verdict))
        stamp = _text(record.get("timestamp"))
        if stamp:
            times.append(stamp)
    at_risk = by_verdict["pending"] + by_verdict["unknown"]
    summary = {
        "total": sum(by_verdict.values()),
        "by_vendor": by_vendor,
        "by_verdict": by_verdict,
        "recipients": sorted(recipients),
        "recipient_count": len(recipients),
        "delivered_to": sorted(delivered_to),
        # recipients of mail that may still arrive, or whose fate is a word this collection does not know;
        # a recipient who already has a delivered copy is listed under delivered_to only
        "at_risk_to": sorted(at_risk_to - delivered_to),
        "stopped": sum(by_verdict[v] for v in STOPPED),
        "unknown_actions": unknown_actions,
        "first_seen": min(times) if times else None,
        "last_seen": max(times) if times else None,
        "delivered": by_verdict["delivered"] > 0,
        "at_risk": at_risk > 0,
        # every delivered or at-risk copy with what identifies it (ids, hashes, URLs): what a response acts on
        "copies": _copies(found),
    }
    if clicks is not None:
        clickers = _clickers(clicks, delivered_to, at_risk_to - delivered_to, recipients)
        summary["clickers"] = clickers
        summary["clicked_by"] = [c["user"] for c in clickers]
        summary["clicks"] = sum(c["clicks"] for c in clickers)
        summary["received_only"] = sorted((delivered_to | at_risk_to) - set(summary["clicked_by"]))
    return summary


# Bucket sizes the timeline picks from, smallest first; past the last, whole multiples of a day.
_BUCKETS = (3600, 7200, 10800, 21600, 43200, 86400, 2 * 86400, 7 * 86400, 14 * 86400,
            30 * 86400)
MAX_BUCKETS = 200
_OLDEST = datetime.datetime(1990, 1, 1, tzinfo=UTC)  # no mail tracking record is older: an unset time


def tracking_timeline(records, max_buckets=MAX_BUCKETS):
    """Matches per time bucket and verdict, from the first to the last record, at most ``max_buckets`` buckets.

    The bucket size grows with the span (one hour up to whole days), so any span gives a bounded, readable
    chart.  Records without a usable time, or with a time before 1990 (an unset clock), are left out.
    """
    try:
        max_buckets = int(max_buckets)
    except (TypeError, ValueError):
        raise AnsibleFilterError("tracking_timeline: max_buckets must be a whole number, got %r" % (max_buckets,))
    if not 1 <= max_buckets <= 10000:
        raise AnsibleFilterError("tracking_timeline: max_buckets must be from 1 to 10000, got %d" % max_buckets)
    points = []
    for record in records or []:
        if not isinstance(record, dict):
            continue
        moment = _parse_time(record.get("timestamp"))
        if moment is None or moment < _OLDEST:
            continue
        points.append(((moment - _EPOCH) // datetime.timedelta(seconds=1), _verdict_of(record)))
    if not points:
        return []
    first = min(p[0] for p in points)
    last = max(p[0] for p in points)
    span = last - first + 1
    size = next((s for s in _BUCKETS if -(-span // s) <= max_buckets), None)
    if size is None:
        days = -(-span // (max_buckets * 86400))
        size = days * 86400
    origin = first - first % size
    count = (last - origin) // size + 1
    buckets = [dict.fromkeys(VERDICTS, 0) for dummy in range(count)]
    for second, verdict in points:
        buckets[(second - origin) // size][verdict] += 1
    result = []
    for k, counts in enumerate(buckets):
        moment = _EPOCH + datetime.timedelta(seconds=origin + k * size)
        start = "%04d-%02d-%02dT%02d:%02d:%02dZ" % (moment.year, moment.month, moment.day, moment.hour, moment.minute,
                                                    moment.second)
        result.append(dict(counts, start=start, hour=start, seconds=size, total=sum(counts.values())))
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
