# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

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
    "id": "eNo1", "status": "held", "info": "Hold for Review", "received": "2026-11-22T08:53:19+0200",
    "sent": "2026-11-22T06:53:31+0000", "fromEnv": {"displayableName": "B", "emailAddress": "billing@evil.example"},
    "fromHdr": {"displayableName": "B", "emailAddress": "Accounts@Spoof.example"},
    "to": [{"displayableName": "Anna", "emailAddress": "anna@acme.example"}], "subject": "Overdue invoice",
    "senderIP": "203.0.113.7", "attachments": True, "route": "inbound", "spamScore": 0, "detectionLevel": "moderate",
}
FIELDS = {"vendor", "vendor_id", "timestamp", "verdict", "event", "email", "source", "size", "urls", "raw"}
EMAIL_FIELDS = {"message_id", "sender", "from", "to", "subject", "direction", "attachments", "delivery_timestamp"}


def test_tmes_every_field():
    r = normalize_tracking([TMES_LOG])[0]
    assert set(r) == FIELDS and set(r["email"]) == EMAIL_FIELDS
    assert r["vendor"] == "tmes" and r["vendor_id"] == "73173f80"
    assert r["timestamp"] == "2026-11-22T06:53:18.000Z"
    assert r["verdict"] == "delivered"
    assert r["event"] == {"action": "Delivered", "reason": None, "dataset": "tmes.tracking"}
    assert r["email"] == {
        "message_id": "<7beb@evil.example>", "sender": "billing@evil.example", "from": "billing@evil.example",
        "to": ["anna@acme.example", "bob@acme.example"], "subject": "Overdue invoice", "direction": "inbound",
        "attachments": [{"name": "inv.html", "sha256": "abcdef" + "0" * 58}],
        "delivery_timestamp": "2026-11-22T06:53:28.000Z"}
    assert r["source"] == {"ip": "203.0.113.7"} and r["size"] == 66390
    assert r["urls"] == ["https://evil.example/pay"] and r["raw"] == TMES_LOG


def test_tmes_blocked_and_gen_time_fallback():
    log = dict(TMES_BLOCKED)
    del log["timestamp"]
    r = normalize_tracking(log)
    assert r["verdict"] == "quarantined" and r["event"]["reason"] == "Phishing"
    assert r["email"]["direction"] == "outbound" and r["timestamp"] == "2026-11-22T06:53:19.250Z"


def test_mimecast_every_field():
    r = normalize_tracking([MIMECAST_EMAIL], "mimecast")[0]
    assert set(r) == FIELDS and set(r["email"]) == EMAIL_FIELDS
    assert r["vendor"] == "mimecast" and r["vendor_id"] == "eNo1"
    assert r["timestamp"] == "2026-11-22T06:53:19.000Z"  # +0200 converted to UTC
    assert r["verdict"] == "quarantined"
    assert r["event"] == {"action": "held", "reason": "Hold for Review", "dataset": "mimecast.tracking"}
    assert r["email"] == {"message_id": None, "sender": "billing@evil.example", "from": "accounts@spoof.example",
                          "to": ["anna@acme.example"], "subject": "Overdue invoice", "direction": "inbound",
                          "attachments": None, "delivery_timestamp": "2026-11-22T06:53:31.000Z"}
    assert r["source"] == {"ip": "203.0.113.7"} and r["size"] is None and r["urls"] is None
    assert r["raw"] == MIMECAST_EMAIL


@pytest.mark.parametrize("vendor, word, verdict", [
    ("tmes", "Delivered", "delivered"), ("tmes", "Quarantined", "quarantined"), ("tmes", "Deleted", "blocked"),
    ("tmes", "Rejected", "blocked"), ("tmes", "Deferred", "deferred"), ("tmes", "Bounced", "bounced"),
    ("tmes", "Expired", "other"), ("tmes", "Something new", "other"),
    ("mimecast", "delivered", "delivered"), ("mimecast", "held", "quarantined"), ("mimecast", "rejected", "blocked"),
    ("mimecast", "bounced", "bounced"), ("mimecast", "deferred", "deferred"), ("mimecast", "archived", "other"),
])
def test_verdict_vocabulary_keeps_the_vendor_word(vendor, word, verdict):
    record = dict(TMES_LOG, action=word) if vendor == "tmes" else dict(MIMECAST_EMAIL, status=word)
    r = normalize_tracking(record)
    assert r["verdict"] == verdict and r["event"]["action"] == word


def test_missing_fields_are_null_never_absent():
    for record in (normalize_tracking({"mailID": "x"}), normalize_tracking({"id": "y", "route": "inbound"})):
        assert set(record) == FIELDS and set(record["email"]) == EMAIL_FIELDS
        assert record["timestamp"] is None and record["email"]["subject"] is None and record["source"]["ip"] is None
    assert normalize_tracking({"mailID": "x", "reason": "Spam"})["verdict"] == "blocked"


def test_input_is_not_changed():
    before = copy.deepcopy(TMES_LOG)
    normalize_tracking([TMES_LOG])
    assert TMES_LOG == before


@pytest.mark.parametrize("value, message", [
    ("text", "give a list of records"), ([1], "every record must be a dictionary"),
    ([{"foo": 1}], "cannot tell the vendor of a record with keys foo; pass vendor='tmes' or vendor='mimecast'"),
])
def test_bad_input(value, message):
    with pytest.raises(AnsibleFilterError) as info:
        normalize_tracking(value)
    assert message in str(info.value)
    with pytest.raises(AnsibleFilterError):
        normalize_tracking([], vendor="exchange")


def test_merge_removes_repeats_and_sorts():
    a = normalize_tracking([TMES_LOG, TMES_BLOCKED])
    b = normalize_tracking([MIMECAST_EMAIL])
    merged = merge_tracking(a, [b, a])
    assert [r["vendor_id"] for r in merged] == ["73173f80", "b1", "eNo1"]
    same_id_other_vendor = normalize_tracking(dict(MIMECAST_EMAIL, id="73173f80"))
    assert len(merge_tracking(a, [[same_id_other_vendor]])) == 3
    with pytest.raises(AnsibleFilterError):
        merge_tracking(a, "not lists")


def test_summary():
    records = normalize_tracking([TMES_LOG, TMES_BLOCKED, MIMECAST_EMAIL])
    s = tracking_summary(records)
    assert s["total"] == 3 and s["delivered"] is True
    assert s["by_vendor"]["tmes"]["delivered"] == 1 and s["by_vendor"]["tmes"]["quarantined"] == 1
    assert s["by_vendor"]["tmes"]["total"] == 2 and s["by_vendor"]["mimecast"]["quarantined"] == 1
    assert s["by_verdict"] == {"delivered": 1, "blocked": 0, "quarantined": 2, "deferred": 0, "bounced": 0, "other": 0}
    assert s["recipients"] == ["anna@acme.example", "bob@acme.example"] and s["recipient_count"] == 2
    assert s["delivered_to"] == ["anna@acme.example", "bob@acme.example"]
    assert s["first_seen"] == "2026-11-22T06:53:18.000Z" and s["last_seen"] == "2026-11-22T06:53:19.000Z"
    empty = tracking_summary([])
    assert empty["total"] == 0 and empty["delivered"] is False and empty["first_seen"] is None


def test_timeline_has_every_hour():
    late = dict(TMES_LOG, mailID="late", timestamp="2026-11-22T09:10:00Z", action="Deleted")
    timeline = tracking_timeline(normalize_tracking([TMES_LOG, TMES_BLOCKED, late]))
    assert [b["hour"] for b in timeline] == ["2026-11-22T06:00:00Z", "2026-11-22T07:00:00Z", "2026-11-22T08:00:00Z",
                                             "2026-11-22T09:00:00Z"]
    assert timeline[0]["delivered"] == 1 and timeline[0]["quarantined"] == 1 and timeline[0]["total"] == 2
    assert timeline[1]["total"] == 0 and timeline[3]["blocked"] == 1
    assert tracking_timeline([]) == []


def test_filters_are_registered():
    assert sorted(FilterModule().filters()) == ["merge_tracking", "normalize_tracking", "tracking_summary",
                                                "tracking_timeline"]
