# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.emailsec.tracking.plugins.module_utils._matching import (
    MIMECAST_FIELDS, TMES_FIELDS, Matcher, MatchInputError, Query,
)

LOG = {
    "sender": "Billing@Evil.Example", "headerFrom": "\"Accounts\" <accounts@spoof.example>",
    "recipient": "anna@acme.example", "headerTo": ["bob@acme.example", "carl@other.example"],
    "subject": "Overdue INVOICE 42", "senderIP": "203.0.113.77", "messageID": "<abc@evil.example>",
    "attachments": [{"fileName": "a.html", "sha256": "A" * 64}], "embeddedUrls": ["https://evil.example/Pay?x=1"],
}
EMAIL = {
    "fromEnv": {"emailAddress": "billing@evil.example"}, "fromHdr": {"emailAddress": "accounts@spoof.example"},
    "to": [{"emailAddress": "anna@acme.example"}], "subject": "Overdue invoice", "senderIP": "2001:db8::7",
}


@pytest.mark.parametrize("criteria, expected", [
    ({"sender": "billing@evil.example"}, True),
    ({"sender": "BILLING@EVIL.EXAMPLE"}, True),
    ({"sender": "@evil.example"}, True),
    ({"sender": "evil.example"}, True),
    ({"sender": "accounts@spoof.example"}, True),  # the header sender counts too
    ({"sender": "sub.evil.example"}, False),
    ({"sender": "billing@evil.example.org"}, False),
    ({"recipient": "bob@acme.example"}, True),
    ({"recipient": "@other.example"}, True),
    ({"recipient": "@nobody.example"}, False),
    ({"subject": "overdue invoice"}, True),
    ({"subject": "paid"}, False),
    ({"sender_ip": "203.0.113.77"}, True),
    ({"sender_ip": "203.0.113.0/24"}, True),
    ({"sender_ip": "203.0.112.0/24"}, False),
    ({"sender_ip": "2001:db8::/32"}, False),
    ({"message_id": "abc@evil.example"}, True),
    ({"message_id": "<abc@evil.example>"}, True),
    ({"message_id": "<abd@evil.example>"}, False),
    ({"attachment_sha256": "a" * 64}, True),
    ({"attachment_sha256": "b" * 64}, False),
    ({"url": "EVIL.example/pay"}, True),
    ({"url": "good.example"}, False),
    ({"sender": "@evil.example", "subject": "invoice", "sender_ip": "203.0.113.0/24"}, True),
    ({"sender": "@evil.example", "subject": "receipt"}, False),
])
def test_tmes_matching(criteria, expected):
    assert Matcher(TMES_FIELDS, **criteria).matches(LOG) is expected


def test_mimecast_matching_and_ipv6():
    assert Matcher(MIMECAST_FIELDS, sender="@spoof.example").matches(EMAIL)
    assert Matcher(MIMECAST_FIELDS, recipient="anna@acme.example", sender_ip="2001:db8::/32").matches(EMAIL)
    assert not Matcher(MIMECAST_FIELDS, sender_ip="203.0.113.0/24").matches(EMAIL)


def test_no_criteria_keeps_everything():
    matcher = Matcher(TMES_FIELDS)
    assert not matcher
    assert matcher.matches(LOG) and matcher.matches(EMAIL)


def test_records_missing_fields_do_not_match_and_do_not_break():
    matcher = Matcher(TMES_FIELDS, sender_ip="10.0.0.0/8", attachment_sha256="a" * 64, url="x")
    assert not matcher.matches({})
    assert not matcher.matches({"senderIP": "not an ip", "attachments": ["junk"], "embeddedUrls": None})


@pytest.mark.parametrize("criteria, message", [
    ({"sender_ip": "203.0.113.999"}, "sender_ip: '203.0.113.999' is not an IP address or CIDR network; write "
                                     "203.0.113.7, 203.0.113.0/24 or 2001:db8::/32"),
    ({"sender_ip": "evil.example"}, "sender_ip: 'evil.example' is not an IP address or CIDR network; write "
                                    "203.0.113.7, 203.0.113.0/24 or 2001:db8::/32"),
    ({"attachment_sha256": "abc"}, "attachment_sha256: 'abc' is not a SHA-256; give 64 hexadecimal digits (it has "
                                   "3 characters)"),
    ({"attachment_sha256": "g" * 64}, "attachment_sha256: '%s' is not a SHA-256; give 64 hexadecimal digits (it has "
                                      "64 characters)" % ("g" * 64)),
    ({"sender": "a@b@c.example"}, "sender: 'a@b@c.example' is not an email address; write user@example.com, or "
                                  "@example.com for a whole domain"),
    ({"recipient": "@not a domain"}, "recipient: '@not a domain' is not a domain; write @example.com or example.com"),
    ({"recipient": "nobody"}, "recipient: 'nobody' is neither an email address nor a domain; write "
                              "user@example.com or @example.com"),
    ({"message_id": "<>"}, "message_id: '<>' is empty once the angle brackets are removed"),
])
def test_bad_criteria_say_what_to_fix(criteria, message):
    with pytest.raises(MatchInputError) as info:
        Matcher(TMES_FIELDS, **criteria)
    assert str(info.value) == message


def test_route_is_matched_exactly_on_mimecast_records():
    assert Matcher(MIMECAST_FIELDS, route="inbound").matches(dict(EMAIL, route="inbound"))
    assert Matcher(MIMECAST_FIELDS, route="INBOUND", sender="@evil.example").matches(dict(EMAIL, route="inbound"))
    assert not Matcher(MIMECAST_FIELDS, route="outbound").matches(dict(EMAIL, route="inbound"))
    with pytest.raises(MatchInputError):
        Matcher(TMES_FIELDS, route="inbound")


def test_criteria_the_records_cannot_carry_are_refused():
    with pytest.raises(MatchInputError) as info:
        Matcher(MIMECAST_FIELDS, url="x")
    assert str(info.value) == "url cannot be matched on these records"


def test_query_filters_and_projects():
    query = Query("[?action=='Delivered'].{to: recipient}")
    assert query.apply([{"action": "Delivered", "recipient": "a"}]) == [{"to": "a"}]
    assert query.apply([{"action": "Quarantined", "recipient": "a"}]) == []
    assert not Query(None)
    assert Query(None).apply([1, 2]) == [1, 2]


def test_query_must_give_a_list():
    with pytest.raises(MatchInputError) as info:
        Query("length(@)").apply([{"a": 1}])
    assert "must give a list of records" in str(info.value) and "not int" in str(info.value)


def test_invalid_query_is_refused_before_use():
    with pytest.raises(MatchInputError) as info:
        Query("[?action=='Delivered'")
    assert str(info.value).startswith("query: \"[?action=='Delivered'\" is not a valid JMESPath expression: ")


@pytest.mark.parametrize("fields, record, criteria", [
    (TMES_FIELDS, {"mailID": "a", "subject": 123}, {"subject": "x"}),
    (TMES_FIELDS, {"mailID": "a", "sender": 123}, {"sender": "a@b.example"}),
    (TMES_FIELDS, {"mailID": "a", "headerTo": 5}, {"recipient": "a@b.example"}),
    (TMES_FIELDS, {"mailID": "a", "messageID": 7}, {"message_id": "<x@y>"}),
    (TMES_FIELDS, {"mailID": "a", "attachments": 5}, {"attachment_sha256": "a" * 64}),
    (TMES_FIELDS, {"mailID": "a", "attachments": [{"sha256": 5}]}, {"attachment_sha256": "a" * 64}),
    (TMES_FIELDS, {"mailID": "a", "embeddedUrls": 5}, {"url": "evil"}),
    (TMES_FIELDS, {"mailID": "a", "embeddedUrls": [5, None]}, {"url": "evil"}),
    (TMES_FIELDS, {"mailID": "a", "senderIP": 5}, {"sender_ip": "203.0.113.0/24"}),
    (MIMECAST_FIELDS, {"id": "a", "to": 5}, {"recipient": "a@b.example"}),
    (MIMECAST_FIELDS, {"id": "a", "fromEnv": {"emailAddress": 5}}, {"sender": "a@b.example"}),
    (MIMECAST_FIELDS, {"id": "a", "subject": ["x"]}, {"subject": "x"}),
])
def test_values_of_the_wrong_type_never_match_and_never_crash(fields, record, criteria):
    assert Matcher(fields, **criteria).matches(record) is False


def test_a_single_url_string_is_one_url_not_its_characters():
    record = {"mailID": "a", "embeddedUrls": "https://evil.example/x"}
    assert Matcher(TMES_FIELDS, url="evil.example").matches(record) is True


@pytest.mark.parametrize("address, expected", [
    ("billing@acme-invoice.example", True), ("billing@mail.acme-invoice.example", True),
    ("x@a.b.acme-invoice.example", True), ("x@notacme-invoice.example", False), ("x@acme-invoice.example.org", False),
])
def test_a_domain_pattern_takes_every_sub_domain(address, expected):
    for pattern in ("*.acme-invoice.example", "@*.acme-invoice.example"):
        assert Matcher(TMES_FIELDS, sender=pattern).matches({"sender": address}) is expected
    # the plain domain form still excludes sub-domains
    assert Matcher(TMES_FIELDS, sender="@acme-invoice.example").matches({"sender": address}) is \
        address.endswith("@acme-invoice.example")
