# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Request bodies, matching of held messages and policies, per-id outcomes (remediation incidents: in
tests/unit/plugins/modules/test_mimecast_remediation_incident.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.emailsec.tracking.plugins.module_utils._http import ApiError, HttpClient
from ansible_collections.emailsec.tracking.plugins.module_utils._matching import HELD_FIELDS, Matcher
from ansible_collections.emailsec.tracking.plugins.module_utils._mimecast import HOLD_REJECT, MimecastClient
from ansible_collections.emailsec.tracking.plugins.module_utils._mimecast_hold import (
    outcomes_of, reject_item,
)
from ansible_collections.emailsec.tracking.tests.unit.plugins.module_utils.helpers import response, scripted_client

HELD = {"id": "h1", "from": {"emailAddress": "Billing@Evil.example"}, "fromHeader": {"emailAddress": "x@y.example"},
        "to": [{"emailAddress": "anna@acme.example"}], "subject": "Overdue INVOICE", "reason": "Spam Signature",
        "reasonCode": "spam_signature", "policyInfo": "Spam Signature policy"}


def test_reject_bodies_in_both_forms():
    assert reject_item(["a", "b"], "INAPPROPRIATE COMMUNICATION", "phish", True, "documented") == {
        "ids": ["a", "b"], "notify": True, "message": "phish", "reasonType": "INAPPROPRIATE COMMUNICATION"}
    assert reject_item(["a"], "MESSAGE CONTAINS CONFIDENTIAL INFORMATION", "phish", False, "api2") == {
        "ids": ["a"], "notify": False, "notes": "phish", "reason": "confidential_information"}
    assert reject_item(["a"], None, None, False, "documented") == {"ids": ["a"], "notify": False}


@pytest.mark.parametrize("criteria, expected", [
    ({"sender": "billing@evil.example"}, True), ({"sender": "@evil.example"}, True), ({"sender": "evil.example"}, True),
    ({"sender": "*.evil.example"}, True), ({"sender": "x@y.example"}, False), ({"header_from": "x@y.example"}, True),
    ({"sender": "@other.example"}, False), ({"recipient": "@acme.example"}, True),
    ({"recipient": "bob@acme.example"}, False), ({"subject": "invoice"}, True), ({"subject": "refund"}, False),
    ({"reason": "spam"}, True), ({"reason": "malware"}, False), ({"sender": "@evil.example", "subject": "xyz"}, False),
])
def test_held_messages_are_matched_on_every_criterion(criteria, expected):
    """The header From (x@y.example) is not the sender: only header_from selects by it."""
    assert Matcher(HELD_FIELDS, **criteria).matches(HELD) is expected


def test_held_messages_of_odd_shapes_never_crash():
    assert Matcher(HELD_FIELDS, sender="@a.example").matches({"id": "x", "to": 5, "from": None, "subject": 7}) is False
    assert Matcher(HELD_FIELDS, subject="abc").matches({"id": "x", "to": 5}) is False
    captured_to = dict(HELD, to={"emailAddress": "anna@acme.example"})  # one object, as a live tenant sends it
    assert Matcher(HELD_FIELDS, recipient="anna@acme.example").matches(captured_to) is True


def test_per_id_outcomes():
    body = {"data": [{"id": "a", "release": True}, {"id": "b", "release": False}],
            "fail": [{"key": {"id": "b"}, "errors": [{"code": "err_hold_message_not_found", "message": "gone"}]}]}
    assert outcomes_of(body, "release", ["a", "b", "c"], "release", "https://mc.example/x") == {
        "a": (True, None, None), "b": (False, "err_hold_message_not_found", "gone"),
        "c": (False, None, "Mimecast's answer says nothing of this id")}


def test_keyed_fails_are_outcomes_but_other_fails_fail():
    http = HttpClient(retries=0)
    keyed = {"data": [{"id": "a", "reject": False}], "fail": [{"key": {"id": "a"}, "errors": [{"code": "e"}]}]}
    scripted_client(http, [response(200, keyed), response(200, keyed),
                           response(200, {"data": [], "fail": [{"errors": [{"code": "err_x", "message": "no"}]}]})])
    client = MimecastClient(http, "https://mc.example", None)
    assert client.post("reject", HOLD_REJECT, [{}], keyed_fails=True)["data"] == keyed["data"]
    with pytest.raises(ApiError):
        client.post("reject", HOLD_REJECT, [{}])
    with pytest.raises(ApiError) as info:
        client.post("reject", HOLD_REJECT, [{}], keyed_fails=True)
    assert "err_x: no" in info.value.message


def test_pages_follow_next_and_stop_on_a_repeated_token():
    http = HttpClient(retries=0)

    def page(data, nxt=None):
        pagination = dict({"pageSize": 2}, **({"next": nxt} if nxt else {}))
        return response(200, {"meta": {"status": 200, "pagination": pagination}, "data": data, "fail": []})

    session = scripted_client(http, [page([{"id": 1}, {"id": 2}], "t1"), page([{"id": 3}, {"id": 4}], "t2"), page([])])
    client = MimecastClient(http, "https://mc.example", None)
    assert [r["id"] for p in client.list_pages("list", "/x", {}, page_size=2) for r in p.records] == [1, 2, 3, 4]
    assert [c["json"]["meta"]["pagination"].get("pageToken") for c in session.calls] == [None, "t1", "t2"]
    scripted_client(http, [page([{"id": 1}], "t1"), page([{"id": 2}], "t1")])
    with pytest.raises(ApiError) as info:
        list(client.list_pages("list", "/x", {}))
    assert "page token it had sent before" in info.value.message
