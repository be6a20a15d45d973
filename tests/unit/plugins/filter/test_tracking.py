# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import datetime
import re

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.emailsec.tracking.plugins.filter.tracking import (
    FilterModule, merge_tracking, normalize_tracking, tracking_summary, tracking_timeline,
)

TMES_LOG = {
    "genTime": "2026-11-22T06:53:19.250Z", "timestamp": "2026-11-22T06:53:18Z", "deliveryTime": "2026-11-22T06:53:28Z",
    "sender": "Billing@Evil.example", "recipient": "anna@acme.example", "direction": "in",
    "messageID": "<7beb@evil.example>", "mailID": "73173f80", "subject": "Overdue invoice", "size": 66390,
    "action": "Delivered", "tlsInfo": "upstreamTLS: TLS 1.2", "headerFrom": "\"Billing\" <billing@evil.example>",
    "headerTo": ["anna@acme.example", "Bob@acme.example"], "senderIP": "203.0.113.7", "deliveredTo": "192.0.2.1",
    "attachments": [{"fileName": "inv.html", "sha256": "ABCDEF" + "0" * 58}],
    "embeddedUrls": ["https://evil.example/pay"], "details": "250 ok",
}
TMES_BLOCKED = dict(TMES_LOG, mailID="b1", action="Quarantined", reason="Phishing", direction="out")
MIMECAST_EMAIL = {
    "id": "eNo1", "status": "held", "info": "Message Hold Applied - Content examination policy",
    "received": "2026-11-22T08:53:19+0200",
    "sent": "2026-11-22T06:53:31+0000", "fromEnv": {"displayableName": "B", "emailAddress": "billing@evil.example"},
    "fromHdr": {"displayableName": "B", "emailAddress": "Accounts@Spoof.example"},
    "to": [{"displayableName": "Anna", "emailAddress": "anna@acme.example"}], "subject": "Overdue invoice",
    "senderIP": "203.0.113.7", "attachments": True, "route": "inbound", "spamScore": 0, "detectionLevel": "moderate",
}
FIELDS = {"vendor", "vendor_id", "timestamp", "verdict", "event", "email", "source", "size", "urls", "raw"}
EMAIL_FIELDS = {"message_id", "sender", "from", "to", "header_to", "subject", "direction", "attachments",
                "has_attachments", "delivery_timestamp"}
EVENT_FIELDS = {"action", "reason", "dataset", "processed_timestamp"}


def test_tmes_every_field():
    r = normalize_tracking([TMES_LOG])[0]
    assert set(r) == FIELDS and set(r["email"]) == EMAIL_FIELDS and set(r["event"]) == EVENT_FIELDS
    assert r["vendor"] == "tmes" and r["vendor_id"] == "73173f80"
    assert r["timestamp"] == "2026-11-22T06:53:18.000Z"
    assert r["verdict"] == "delivered"
    assert r["event"] == {"action": "Delivered", "reason": None, "dataset": "tmes.tracking",
                          "processed_timestamp": "2026-11-22T06:53:28.000Z"}
    assert r["email"] == {
        "message_id": "<7beb@evil.example>", "sender": "billing@evil.example", "from": "billing@evil.example",
        "to": ["anna@acme.example"], "header_to": ["anna@acme.example", "bob@acme.example"],
        "subject": "Overdue invoice", "direction": "inbound",
        "attachments": [{"name": "inv.html", "sha256": "abcdef" + "0" * 58}], "has_attachments": True,
        "delivery_timestamp": "2026-11-22T06:53:28.000Z"}
    assert r["source"] == {"ip": "203.0.113.7"} and r["size"] == 66390
    assert r["urls"] == ["https://evil.example/pay"] and r["raw"] == TMES_LOG


def test_tmes_blocked_and_gen_time_fallback():
    log = dict(TMES_BLOCKED)
    del log["timestamp"]
    r = normalize_tracking(log)
    assert r["verdict"] == "quarantined" and r["event"]["reason"] == "Phishing"
    assert r["email"]["direction"] == "outbound" and r["timestamp"] == "2026-11-22T06:53:19.250Z"
    # a quarantined record is not delivered, whatever times it carries
    assert r["email"]["delivery_timestamp"] is None
    assert r["event"]["processed_timestamp"] == "2026-11-22T06:53:28.000Z"


def test_mimecast_every_field():
    r = normalize_tracking([MIMECAST_EMAIL], "mimecast")[0]
    assert set(r) == FIELDS and set(r["email"]) == EMAIL_FIELDS and set(r["event"]) == EVENT_FIELDS
    assert r["vendor"] == "mimecast" and r["vendor_id"] == "eNo1"
    assert r["timestamp"] == "2026-11-22T06:53:19.000Z"  # +0200 converted to UTC
    assert r["verdict"] == "quarantined"
    assert r["event"] == {"action": "held", "reason": "Message Hold Applied - Content examination policy",
                          "dataset": "mimecast.tracking", "processed_timestamp": "2026-11-22T06:53:31.000Z"}
    assert r["email"] == {"message_id": None, "sender": "billing@evil.example", "from": "accounts@spoof.example",
                          "to": ["anna@acme.example"], "header_to": [], "subject": "Overdue invoice",
                          "direction": "inbound", "attachments": None, "has_attachments": True,
                          "delivery_timestamp": None}
    assert r["source"] == {"ip": "203.0.113.7"} and r["size"] is None and r["urls"] is None
    assert r["raw"] == MIMECAST_EMAIL


def test_mimecast_sent_is_a_delivery_time_only_for_delivered_mail():
    archived = normalize_tracking(dict(MIMECAST_EMAIL, status="archived", info="Indexed and archived"))
    assert archived["verdict"] == "delivered"
    assert archived["email"]["delivery_timestamp"] == archived["event"]["processed_timestamp"] == \
        "2026-11-22T06:53:31.000Z"
    assert normalize_tracking(dict(MIMECAST_EMAIL, attachments=False))["email"]["has_attachments"] is False


@pytest.mark.parametrize("vendor, word, verdict", [
    ("tmes", "Delivered", "delivered"), ("tmes", "Quarantined", "quarantined"), ("tmes", "Deleted", "blocked"),
    ("tmes", "Rejected", "blocked"), ("tmes", "Deferred", "pending"), ("tmes", "Bounced", "bounced"),
    ("tmes", "Scanning in sandbox", "pending"), ("tmes", "scanning in sandbox", "pending"),
    ("tmes", "Expired", "bounced"), ("tmes", "Something new", "unknown"), ("tmes", None, "unknown"),
    ("mimecast", "archived", "delivered"), ("mimecast", "accepted", "pending"), ("mimecast", "delivery", "pending"),
    ("mimecast", "deferred", "pending"), ("mimecast", "held", "quarantined"), ("mimecast", "rejected", "blocked"),
    ("mimecast", "bounced", "bounced"), ("mimecast", "Archived", "delivered"),
    # no capture shows these words: they are not guessed, they are unknown and so at risk
    ("mimecast", "delivered", "unknown"), ("mimecast", "quarantined", "unknown"), ("mimecast", "", "unknown"),
])
def test_verdict_vocabulary_keeps_the_vendor_word(vendor, word, verdict):
    if vendor == "tmes":
        record = dict(TMES_LOG, action=word)
    else:
        record = dict(MIMECAST_EMAIL, status=word, info="Indexed and archived")
    r = normalize_tracking(record)
    assert r["verdict"] == verdict and r["event"]["action"] == word


@pytest.mark.parametrize("info, verdict", [
    ("Indexed and archived", "delivered"), (None, "delivered"), ("Envelope Rejected", "blocked"),
    ("Hard Bounce - Recipient address rejected", "blocked"), ("Bounced at next hop", "bounced"),
    ("Message Hold Applied - Content examination policy", "unknown"),
])
def test_archived_is_delivered_unless_the_record_says_otherwise(info, verdict):
    assert normalize_tracking(dict(MIMECAST_EMAIL, status="archived", info=info))["verdict"] == verdict


def test_missing_fields_are_null_never_absent():
    for record in (normalize_tracking({"mailID": "x"}), normalize_tracking({"id": "y", "route": "inbound"})):
        assert set(record) == FIELDS and set(record["email"]) == EMAIL_FIELDS
        assert record["timestamp"] is None and record["email"]["subject"] is None and record["source"]["ip"] is None
        # no vendor word: never counted as harmless
        assert record["verdict"] == "unknown"


@pytest.mark.parametrize("field, value", [
    ("subject", 123), ("subject", ["x"]), ("sender", 5), ("headerTo", 5), ("headerTo", "a@b.example"),
    ("attachments", 5), ("attachments", [{"sha256": 5}]), ("embeddedUrls", 5), ("direction", ["in"]),
    ("action", 7), ("mailID", ["x"]), ("timestamp", 17), ("size", "big"),
])
def test_wrong_types_from_tmes_never_crash(field, value):
    r = normalize_tracking(dict(TMES_LOG, **{field: value}), vendor="tmes")
    assert set(r) == FIELDS
    tracking_summary([r])
    tracking_timeline([r])
    merge_tracking([r], [[r]])


@pytest.mark.parametrize("field, value", [("to", 5), ("to", [5, None, {"emailAddress": 7}]), ("fromEnv", 5),
                                          ("subject", ["x"]), ("id", ["a"]), ("status", {"a": 1}),
                                          ("attachments", "yes")])
def test_wrong_types_from_mimecast_never_crash(field, value):
    r = normalize_tracking(dict(MIMECAST_EMAIL, **{field: value}), vendor="mimecast")
    assert set(r) == FIELDS
    tracking_summary([r])


def test_input_is_not_changed():
    before = copy.deepcopy(TMES_LOG)
    normalize_tracking([TMES_LOG])
    assert TMES_LOG == before


@pytest.mark.parametrize("value, vendor, message", [
    ("text", None, "give a list of records"), ([1], None, "every record must be a dictionary"),
    ([{"foo": 1}], None, "record 0 is neither a TMES log nor a Mimecast tracked email (keys foo;"),
    ([{"foo": 1}], "tmes", "record 0 is neither a TMES log nor a Mimecast tracked email (keys foo; mailID"),
    ([MIMECAST_EMAIL], "tmes", "record 0 looks like a mimecast record, not tmes"),
    ([TMES_LOG, TMES_LOG], "mimecast", "record 0 looks like a tmes record, not mimecast"),
    ([{"to": "anna@acme.example", "at": "2026-11-22"}], None, "unshaped by query"),
])
def test_bad_input_fails_clearly_never_silently(value, vendor, message):
    with pytest.raises(AnsibleFilterError) as info:
        normalize_tracking(value, vendor)
    assert message in str(info.value)
    with pytest.raises(AnsibleFilterError):
        normalize_tracking([], vendor="exchange")


def test_merge_removes_only_the_same_event_twice():
    a = normalize_tracking([TMES_LOG, TMES_BLOCKED])
    b = normalize_tracking([MIMECAST_EMAIL])
    merged = merge_tracking(a, [b, a])
    assert [r["vendor_id"] for r in merged] == ["73173f80", "b1", "eNo1"]
    same_id_other_vendor = normalize_tracking(dict(MIMECAST_EMAIL, id="73173f80"))
    assert len(merge_tracking(a, [[same_id_other_vendor]])) == 3
    # two recipients of one message under one mailID are two records
    second = normalize_tracking(dict(TMES_LOG, recipient="bob@acme.example"))
    assert len(merge_tracking(a, [[second]])) == 3
    with pytest.raises(AnsibleFilterError):
        merge_tracking(a, "not lists")
    mixed_ids = normalize_tracking([dict(TMES_LOG, mailID=1), dict(TMES_LOG, mailID="b")])
    assert len(merge_tracking(mixed_ids)) == 2


def test_summary_keeps_delivered_and_at_risk_apart():
    pending = dict(TMES_LOG, mailID="p1", recipient="carla@acme.example", action="Scanning in sandbox")
    odd = dict(MIMECAST_EMAIL, id="m2", status="someday", to=[{"emailAddress": "dev@acme.example"}])
    twice = dict(TMES_LOG, mailID="p2", action="Scanning in sandbox")  # anna already has a delivered copy
    records = normalize_tracking([TMES_LOG, TMES_BLOCKED, MIMECAST_EMAIL, pending, odd, twice])
    s = tracking_summary(records)
    assert s["total"] == 6 and s["delivered"] is True and s["at_risk"] is True
    assert s["by_vendor"]["tmes"]["delivered"] == 1 and s["by_vendor"]["tmes"]["quarantined"] == 1
    assert s["by_vendor"]["tmes"]["pending"] == 2 and s["by_vendor"]["tmes"]["total"] == 4
    assert s["by_verdict"] == {"delivered": 1, "pending": 2, "quarantined": 2, "blocked": 0, "bounced": 0,
                               "unknown": 1}
    assert s["delivered_to"] == ["anna@acme.example"]
    assert s["at_risk_to"] == ["carla@acme.example", "dev@acme.example"]
    assert s["stopped"] == 2
    assert s["unknown_actions"] == {"mimecast": {"someday": 1}}
    assert s["recipients"] == ["anna@acme.example", "carla@acme.example", "dev@acme.example"]
    assert s["first_seen"] == "2026-11-22T06:53:18.000Z" and s["last_seen"] == "2026-11-22T06:53:19.000Z"
    empty = tracking_summary([])
    assert empty["total"] == 0 and empty["delivered"] is False and empty["at_risk"] is False
    assert empty["first_seen"] is None
    only_stopped = tracking_summary(normalize_tracking([TMES_BLOCKED]))
    assert only_stopped["delivered"] is False and only_stopped["at_risk"] is False and only_stopped["stopped"] == 1


def test_summary_lists_every_delivered_and_at_risk_copy():
    scanning = dict(TMES_LOG, action="Scanning in sandbox", timestamp="2026-11-22T06:53:10Z")  # same mailID, earlier
    other = dict(TMES_LOG, mailID="p1", recipient="carla@acme.example", action="Deferred",
                 timestamp="2026-11-22T07:00:00Z", attachments=[], embeddedUrls=[])
    archived = dict(MIMECAST_EMAIL, id="m1", status="archived", info="", received="2026-11-22T05:00:00+0000",
                    to=[{"emailAddress": "ben@acme.example"}, {"emailAddress": "dev@acme.example"}])
    odd = dict(MIMECAST_EMAIL, id="m2", status="someday", received="2026-11-22T05:30:00+0000")
    records = normalize_tracking([TMES_LOG, scanning, TMES_BLOCKED, other, archived, odd, dict(TMES_LOG)])
    copies = tracking_summary(records)["copies"]
    assert copies == [
        {"vendor": "mimecast", "vendor_id": "m1", "message_id": None, "recipient": "ben@acme.example",
         "sender": "billing@evil.example", "verdict": "delivered", "attachment_sha256": [], "urls": [],
         "time": "2026-11-22T05:00:00.000Z"},
        {"vendor": "mimecast", "vendor_id": "m1", "message_id": None, "recipient": "dev@acme.example",
         "sender": "billing@evil.example", "verdict": "delivered", "attachment_sha256": [], "urls": [],
         "time": "2026-11-22T05:00:00.000Z"},
        {"vendor": "mimecast", "vendor_id": "m2", "message_id": None, "recipient": "anna@acme.example",
         "sender": "billing@evil.example", "verdict": "unknown", "attachment_sha256": [], "urls": [],
         "time": "2026-11-22T05:30:00.000Z"},
        # the delivered record wins over the earlier "scanning" one of the same mailID; the quarantined one is
        # not a copy; the record seen twice is listed once
        {"vendor": "tmes", "vendor_id": "73173f80", "message_id": "<7beb@evil.example>",
         "recipient": "anna@acme.example", "sender": "billing@evil.example", "verdict": "delivered",
         "attachment_sha256": ["abcdef" + "0" * 58], "urls": ["https://evil.example/pay"],
         "time": "2026-11-22T06:53:18.000Z"},
        {"vendor": "tmes", "vendor_id": "p1", "message_id": "<7beb@evil.example>", "recipient": "carla@acme.example",
         "sender": "billing@evil.example", "verdict": "pending", "attachment_sha256": [], "urls": [],
         "time": "2026-11-22T07:00:00.000Z"},
    ]
    assert tracking_summary([])["copies"] == []
    assert tracking_summary(normalize_tracking([TMES_BLOCKED]))["copies"] == []


# the users of mimecast_ttp_log_info (User Click rows only), as the sandbox's campaign gives them
USERS = [
    {"user": "anna@acme.example", "first_click": "2026-11-22T07:03:18.000Z", "last_click": "2026-11-22T07:40:00.000Z",
     "clicks": 2, "urls": ["https://evil.example/pay"], "scan_results": ["clean"], "blocked": False},
    {"user": "Zoe@Acme.example", "first_click": "2026-11-22T08:00:00+0000", "last_click": "2026-11-22T08:00:00Z",
     "clicks": 1, "urls": ["https://evil.example/pay?x=1"], "scan_results": ["malicious"], "blocked": True},
]


def test_summary_with_clicks_lists_the_clickers_apart_from_who_only_received():
    pending = dict(TMES_LOG, mailID="p1", recipient="carla@acme.example", action="Scanning in sandbox")
    records = normalize_tracking([TMES_LOG, TMES_BLOCKED, pending])
    s = tracking_summary(records, USERS + [{"user": " "}, {"clicks": 3}])
    assert s["clicked_by"] == ["anna@acme.example", "zoe@acme.example"]
    assert s["clicks"] == 3
    assert s["received_only"] == ["carla@acme.example"]
    assert s["clickers"] == [
        {"user": "anna@acme.example", "first_click": "2026-11-22T07:03:18.000Z",
         "last_click": "2026-11-22T07:40:00.000Z", "clicks": 2, "urls": ["https://evil.example/pay"],
         "urls_truncated": False, "scan_results": ["clean"], "blocked": False, "received": "delivered"},
        # a clicker the trace has no mail for (a forward): listed, with received null; times in UTC
        {"user": "zoe@acme.example", "first_click": "2026-11-22T08:00:00.000Z",
         "last_click": "2026-11-22T08:00:00.000Z", "clicks": 1, "urls": ["https://evil.example/pay?x=1"],
         "urls_truncated": False, "scan_results": ["malicious"], "blocked": True, "received": None},
    ]
    # the same address twice (case) is one clicker; an empty click log is nobody, not unknown
    twice = tracking_summary(records, [USERS[0], dict(USERS[0], user="ANNA@acme.example", clicks=1,
                                                      first_click="2026-11-22T06:59:00Z", blocked=True)])
    assert twice["clicked_by"] == ["anna@acme.example"] and twice["clicks"] == 3
    assert twice["clickers"][0]["first_click"] == "2026-11-22T06:59:00.000Z" and twice["clickers"][0]["blocked"]
    # the module listed only the first URLs of one of them: the merged clicker says so
    cut = tracking_summary(records, [USERS[0], dict(USERS[0], urls=["https://evil.example/b"], urls_truncated=True)])
    assert cut["clickers"][0]["urls"] == ["https://evil.example/pay", "https://evil.example/b"]
    assert cut["clickers"][0]["urls_truncated"] is True
    nobody = tracking_summary(records, [])
    assert nobody["clicked_by"] == [] and nobody["clicks"] == 0
    assert nobody["received_only"] == ["anna@acme.example", "carla@acme.example"]


def test_summary_without_clicks_says_nothing_about_clicks():
    s = tracking_summary(normalize_tracking([TMES_LOG]))
    assert not {"clickers", "clicked_by", "clicks", "received_only"} & set(s)


@pytest.mark.parametrize("clicks", ["anna@acme.example", {"user": "anna@acme.example"}, ["anna@acme.example"]])
def test_summary_clicks_must_be_the_users_list(clicks):
    with pytest.raises(AnsibleFilterError, match="users"):
        tracking_summary([], clicks)


def test_copies_prefer_delivered_then_unknown_then_the_latest():
    base = dict(TMES_LOG, mailID="x")
    late_pending = dict(base, action="Deferred", timestamp="2026-11-22T09:00:00Z")
    early_pending = dict(base, action="Deferred", timestamp="2026-11-22T08:00:00Z")
    odd = dict(base, action="Someday", timestamp="2026-11-22T07:00:00Z")
    assert [c["time"] for c in tracking_summary(normalize_tracking([early_pending, late_pending]))["copies"]] == [
        "2026-11-22T09:00:00.000Z"]
    assert [c["verdict"] for c in tracking_summary(normalize_tracking([late_pending, odd]))["copies"]] == ["unknown"]
    assert [c["verdict"] for c in tracking_summary(normalize_tracking([odd, TMES_LOG | {"mailID": "x"}]))[
        "copies"]] == ["delivered"]
    # no vendor id and no recipient: kept, with a null recipient
    bare = normalize_tracking([dict(TMES_LOG, mailID=None, recipient=None)])
    copies = tracking_summary(bare)["copies"]
    assert len(copies) == 1 and copies[0]["recipient"] is None and copies[0]["vendor_id"] is None


def test_timeline_has_every_hour():
    late = dict(TMES_LOG, mailID="late", timestamp="2026-11-22T09:10:00Z", action="Deleted")
    timeline = tracking_timeline(normalize_tracking([TMES_LOG, TMES_BLOCKED, late]))
    assert [b["hour"] for b in timeline] == ["2026-11-22T06:00:00Z", "2026-11-22T07:00:00Z", "2026-11-22T08:00:00Z",
                                             "2026-11-22T09:00:00Z"]
    assert all(b["seconds"] == 3600 and b["start"] == b["hour"] for b in timeline)
    assert timeline[0]["delivered"] == 1 and timeline[0]["quarantined"] == 1 and timeline[0]["total"] == 2
    assert timeline[1]["total"] == 0 and timeline[3]["blocked"] == 1
    assert tracking_timeline([]) == []


@pytest.mark.parametrize("span_hours", [1, 23, 199, 201, 24 * 30, 24 * 365, 24 * 365 * 30])
def test_timeline_bucket_grows_with_the_span(span_hours):
    early = dict(TMES_LOG, mailID="e", timestamp="2026-01-01T00:00:00Z")
    moment = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(hours=span_hours)
    late = dict(TMES_LOG, mailID="l", timestamp=moment.strftime("%Y-%m-%dT%H:%M:%SZ"))
    timeline = tracking_timeline(normalize_tracking([early, late]))
    assert 1 <= len(timeline) <= 200 and sum(b["total"] for b in timeline) == 2
    assert timeline[0]["total"] >= 1 and timeline[-1]["total"] >= 1
    if span_hours < 200:
        assert timeline[0]["seconds"] == 3600


@pytest.mark.parametrize("stamp", ["1970-01-01T00:00:00Z", "1000-01-01T00:00:00Z", "0001-01-01T00:00:00+01:00",
                                   "0000-01-01T00:00:00Z", "2026-13-01T00:00:00Z", "2026-02-30T10:00:00Z",
                                   "2016-12-31T23:59:60Z", "2026-11-22T06:00:00+99:99", "9999-12-31T23:59:59-23:59"])
def test_impossible_times_never_blow_up_the_timeline(stamp):
    odd = normalize_tracking(dict(TMES_LOG, mailID="odd", timestamp=stamp, genTime=stamp))
    good = normalize_tracking(TMES_LOG)
    timeline = tracking_timeline([odd, good])
    assert 1 <= len(timeline) <= 200
    assert sum(b["total"] for b in timeline) in (1, 2)
    assert all(re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:00:00Z$", b["hour"]) for b in timeline)
    tracking_summary([odd, good])


def test_timeline_max_buckets_is_checked():
    with pytest.raises(AnsibleFilterError):
        tracking_timeline([], max_buckets=0)
    records = normalize_tracking([TMES_LOG, dict(TMES_LOG, mailID="x", timestamp="2026-11-30T00:00:00Z")])
    assert len(tracking_timeline(records, max_buckets=5)) <= 5


def test_filters_are_registered():
    assert sorted(FilterModule().filters()) == ["merge_tracking", "normalize_tracking", "tracking_summary",
                                                "tracking_timeline"]
