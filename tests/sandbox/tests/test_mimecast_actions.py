# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Mimecast's action endpoints in the sandbox: shapes, permissions, failures and the state they change."""

from __future__ import annotations

import datetime
import json

import pytest

from tests.sandbox import Sandbox
from tests.sandbox.mimecast_actions import (
    HOLD_LIST, HOLD_REJECT, HOLD_RELEASE, POLICY_CREATE, POLICY_DELETE, POLICY_GET, RELEASE_LOGS, REM_CREATE,
    REM_CREATE_V2, REM_FIND, REM_GET,
)
from tests.sandbox.tests.conftest import Clients, body_date

UTC = datetime.timezone.utc


@pytest.fixture()
def api():
    # a fresh tenant for every test: these endpoints change it
    with Sandbox(seed=31, tmes_records=10, mimecast_records=1500) as running:
        client = Clients(running)
        yield client
        client.http.close()


def post(api, path, data, meta=None, token=None):
    body = {"data": data}
    if meta is not None:
        body["meta"] = meta
    if token is None:
        return api.mc_search(None, path=path, body=json.dumps(body))
    return api.http.post(api.url + path, json=body, headers={"Authorization": "Bearer " + token}, timeout=30)


def ok(response):
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["fail"] == [], body["fail"]
    return body


def state(api):
    return api.http.get(api.url + "/_sandbox/mimecast/state", timeout=10).json()


def held_all(api, **item):
    found, token = [], None
    while True:
        meta = {"pagination": {"pageSize": 7}}
        if token:
            meta["pagination"]["pageToken"] = token
        body = ok(post(api, HOLD_LIST, [dict({"admin": True}, **item)], meta))
        found += body["data"]
        token = body["meta"]["pagination"].get("next")
        if not token:
            return found


def test_the_hold_queue_pages_to_the_end_and_needs_admin(api):
    held = held_all(api, start=body_date(datetime.datetime.now(UTC) - datetime.timedelta(days=29)))
    assert len(held) == len(state(api)["hold"]) > 7
    assert len({h["id"] for h in held}) == len(held)
    assert all(set(h) == {"id", "reason", "reasonId", "reasonCode", "from", "fromHeader", "to", "subject", "route",
                          "hasAttachments", "size", "dateReceived", "policyInfo"} for h in held)
    # to is one object; reason is the tracked email's info, reasonId and reasonCode its upper and lower forms
    assert all(set(h["to"]) == {"emailAddress", "displayableName"} for h in held)
    assert all(h["reason"].startswith("Message Hold Applied - ") for h in held)
    assert all(h["reasonId"] == h["reasonCode"].upper() and h["reasonCode"] == h["reason"].lower().replace(
        " - ", "_").replace(" ", "_") for h in held)
    assert {h["policyInfo"] for h in held} <= {"Relaxed Spam Detection", "Malicious Attachment"}
    # ids sort alike with and without case (Jinja's sort ignores case by default)
    ids = [h["id"] for h in held]
    assert sorted(ids) == sorted(ids, key=str.lower) and all(i.startswith("eNpVz") for i in ids)
    # admin false (the default) shows only the API user's own holds: none
    assert ok(post(api, HOLD_LIST, [{}]))["data"] == []


def test_search_and_filters(api):
    campaign = api.info["campaign"]
    by_sender = held_all(api, searchBy={"fieldName": "sender", "value": campaign["sender_domain"]})
    assert by_sender and all(h["from"]["emailAddress"] == campaign["sender"] for h in by_sender)
    assert len(by_sender) == campaign["mimecast_statuses"]["held"]
    inbound = held_all(api, filterBy=[{"fieldName": "route", "value": "inbound"}])
    assert inbound and all(h["route"] == "INBOUND" for h in inbound)
    response = post(api, HOLD_LIST, [{"admin": True, "searchBy": {"fieldName": "colour", "value": "x"}}])
    assert response.status_code == 400


def test_release_changes_the_queue_the_tracking_and_the_logs(api):
    campaign = api.info["campaign"]
    target = held_all(api, searchBy={"fieldName": "subject", "value": campaign["subject"]})[0]["id"]
    assert ok(post(api, HOLD_RELEASE, [{"id": target}]))["data"] == [{"id": target, "release": True}]
    after = state(api)
    assert target not in after["hold"] and after["changes"] == 1
    assert after["release_logs"][-1]["id"] == target and after["release_logs"][-1]["status"] == "released"
    # a second release of the same id: release false with a fail[] entry, on HTTP 200, and no change
    again = post(api, HOLD_RELEASE, [{"id": target}])
    assert again.status_code == 200 and again.json()["data"] == [{"id": target, "release": False}]
    assert again.json()["fail"][0]["errors"][0]["code"] == "err_hold_message_not_found"
    assert state(api)["changes"] == 1
    logs = ok(post(api, RELEASE_LOGS, [{"filterBy": [{"fieldName": "status", "value": "released"}]}]))
    assert [log["id"] for log in logs["data"][0]["heldReleaseLogs"]] == [target]


def test_reject_takes_the_documented_form_and_api2_takes_its_own(api):
    held = held_all(api)
    one, two = held[0]["id"], held[1]["id"]
    body = ok(post(api, HOLD_REJECT, [{"ids": [one], "reasonType": "INAPPROPRIATE COMMUNICATION",
                                       "message": "phishing", "notify": False}]))
    assert body["data"] == [{"id": one, "reject": True}]
    assert post(api, HOLD_REJECT, [{"ids": [two], "reasonType": "because"}]).status_code == 400
    # the lower-case API 2.0 form, from an API 2.0 caller only
    assert post(api, HOLD_REJECT, [{"ids": [two], "reason": "inappropriate_communication", "notes": "x"}]
                ).status_code == 400
    token = api.oauth_token().json()["access_token"]
    body = ok(post(api, HOLD_REJECT, [{"ids": [two], "reason": "inappropriate_communication", "notes": "x"}],
                   token=token))
    assert body["data"] == [{"id": two, "reject": True}]
    assert {log["status"] for log in state(api)["release_logs"]} == {"rejected"}


def test_permissions_per_endpoint(api):
    mc = api.info["mimecast"]
    readonly = api.oauth_token(client_id=mc["readonly_client_id"], client_secret=mc["readonly_client_secret"])
    token = readonly.json()["access_token"]
    assert ok(post(api, HOLD_LIST, [{"admin": True}], token=token))["data"]
    for path, data in ((HOLD_RELEASE, [{"id": "x"}]), (HOLD_REJECT, [{"ids": ["x"]}]),
                       (POLICY_CREATE, [{"option": "block_sender", "policy": {"description": "x"}}]),
                       (REM_CREATE, [{"reason": "x", "hashOrMessageId": "a" * 64}])):
        refused = post(api, path, data, token=token)
        assert refused.status_code == 403
        assert refused.json() == {"fail": [{"code": "app_forbidden",
                                            "message": "Forbidden to perform the requested operation"}]}
    assert state(api)["changes"] == 0


def test_failures_401_418_429_and_500(api):
    assert post(api, HOLD_LIST, [{"admin": True}], token="nonsense").status_code == 401
    expired = api.mc_search(None, path=HOLD_LIST, body=json.dumps({"data": [{"admin": True}]}),
                            headers=api.mc_headers(HOLD_LIST, access_key=api.info["mimecast"]["expired_access_key"]))
    assert expired.status_code == 418
    api.fault(kind="rate_limit", endpoint="held", count=1, form="reset-ms", wait=0.1)
    limited = post(api, HOLD_LIST, [{"admin": True}])
    assert limited.status_code == 429 and "X-RateLimit-Reset" in limited.headers
    api.fault(kind="status", endpoint="policy", count=1, status=500)
    assert post(api, POLICY_GET, []).status_code == 500
    assert post(api, POLICY_GET, []).status_code == 200


def test_blocked_sender_policies_create_get_update_delete(api):
    policy = {"description": "IR-1 block", "fromPart": "both",
              "from": {"type": "email_domain", "emailDomain": "acme-invoice-notice.example"},
              "to": {"type": "everyone"}, "enforced": True, "conditions": {"sourceIPs": ["203.0.113.0/24"]},
              "comment": "case IR-1"}
    created = ok(post(api, POLICY_CREATE, [{"option": "block_sender", "policy": policy}]))["data"][0]
    assert created["policy"]["fromDate"] == "1900-01-01T00:00:00+0000"
    assert created["policy"]["toDate"] == "2100-01-01T23:59:59+0000"
    # both forms, as captured; the comment accepted and dropped
    echoed = created["policy"]
    assert echoed["from"] == policy["from"] and echoed["to"] == {"type": "everyone"}
    assert (echoed["fromType"], echoed["fromValue"], echoed["toType"]) == (
        "email_domain", "acme-invoice-notice.example", "everyone")
    assert "toValue" not in echoed and "comment" not in echoed
    listed = ok(post(api, POLICY_GET, []))
    assert [p["id"] for p in listed["data"]] == [created["id"]]
    one = ok(post(api, POLICY_GET, [{"id": created["id"]}]))["data"][0]
    assert one == created
    changed = dict(policy, description="IR-1 block, reviewed")
    updated = ok(post(api, POLICY_CREATE, [{"id": created["id"], "option": "block_sender", "policy": changed}]))
    assert updated["data"][0]["id"] == created["id"]
    assert updated["data"][0]["policy"]["description"] == "IR-1 block, reviewed"
    assert updated["data"][0]["policy"]["createTime"] == created["policy"]["createTime"]
    assert ok(post(api, POLICY_DELETE, [{"id": created["id"]}]))["data"] == [{"id": created["id"]}]
    # deleting what is not there: HTTP 200, meta.status 404, nothing in data or fail
    gone = post(api, POLICY_DELETE, [{"id": created["id"]}])
    assert gone.status_code == 200 and gone.json() == {"meta": {"status": 404}, "data": [], "fail": []}
    assert state(api)["policies"] == [] and state(api)["changes"] == 3
    assert post(api, POLICY_CREATE, [{"option": "block_sender", "policy": {}}]).status_code == 400


def test_policies_in_the_flat_form_and_invalid_values(api):
    flat = {"description": "IR-2", "fromPart": "envelope_from", "fromType": "individual_email_address",
            "fromValue": "billing@acme-invoice-notice.example", "toType": "email_domain", "toValue": "acme.example"}
    created = ok(post(api, POLICY_CREATE, [{"option": "block_sender", "policy": flat}]))["data"][0]["policy"]
    assert created["from"] == {"type": "individual_email_address", "emailAddress": flat["fromValue"]}
    assert created["to"] == {"type": "email_domain", "emailDomain": "acme.example"}
    assert (created["fromValue"], created["toValue"]) == (flat["fromValue"], "acme.example")
    # a missing or malformed from value: refused on HTTP 200 in the captured shape (mimecast-actions-chronicle-3)
    for bad_policy in ({"description": "x", "from": {"type": "email_domain"}},
                       {"description": "x", "fromType": "email_domain", "fromValue": "not a domain"}):
        refused = post(api, POLICY_CREATE, [{"option": "block_sender", "policy": bad_policy}])
        assert refused.status_code == 200
        assert refused.json() == {"meta": {"status": 200}, "data": [], "fail": [{"key": {"option": "block_sender"},
                                  "errors": [{"field": "policy", "code": "err_policy_invalid_from_value",
                                              "message": "Invalid fromValue", "retryable": True}]}]}
    bad_to = post(api, POLICY_CREATE, [{"option": "no_action", "policy": {
        "description": "x", "toType": "individual_email_address", "toValue": "nobody"}}])
    assert bad_to.json()["fail"][0]["errors"][0]["code"] == "err_policy_invalid_to_value"
    # both forms that disagree
    assert post(api, POLICY_CREATE, [{"option": "block_sender", "policy": dict(
        flat, **{"from": {"type": "email_domain", "emailDomain": "other.example"}})}]).status_code == 400
    assert state(api)["changes"] == 1


def test_remediation_incidents_count_asynchronously_and_can_be_found(api):
    campaign = api.info["campaign"]
    start = body_date(datetime.datetime.now(UTC) - datetime.timedelta(days=2))
    created = ok(post(api, REM_CREATE, [{"reason": "IR-7 ansible:case-7", "searchBy": "hash",
                                         "hashOrMessageId": campaign["attachment_sha256"], "start": start}]))
    incident = created["data"][0]
    # a new incident has counted nothing yet; its criteria are what was asked, without null keys
    assert (incident["identified"], incident["successful"], incident["failed"]) == (0, 0, 0)
    assert incident["searchCriteria"] == {"start": start, "fileHash": campaign["attachment_sha256"]}
    assert incident["type"] == "manual" and incident["code"].startswith("TR-") and incident["code"].endswith("-M")
    first = ok(post(api, REM_GET, [{"id": incident["id"]}]))["data"][0]
    assert first["identified"] == campaign["mimecast_statuses"]["archived"] > 0 and first["successful"] == 0
    assert state(api)["removed"] == []
    seen = []
    for dummy in range(10):
        seen.append(ok(post(api, REM_GET, [{"id": incident["id"]}]))["data"][0]["successful"])
    assert seen[0] == min(2, first["identified"]) and seen == sorted(seen) and seen[-1] == first["identified"]
    found = ok(post(api, REM_FIND, [{"searchBy": [{"fieldName": "reason", "value": "ANSIBLE:case-7"}]}]))
    items = found["data"][0]["incidents"]
    assert [i["id"] for i in items] == [incident["id"]]
    assert set(items[0]) == {"id", "code", "type", "reason", "identified", "successful", "failed", "restored",
                             "create", "modified"}
    none = ok(post(api, REM_FIND, [{"searchBy": [{"fieldName": "reason", "value": "ansible:case-8"}]}]))
    assert none["data"][0]["incidents"] == []
    assert post(api, REM_FIND, [{}]).status_code == 400
    assert post(api, REM_CREATE, [{"reason": "x", "searchBy": "messageId", "hashOrMessageId": "no-brackets"}]
                ).status_code == 400
    missing = post(api, REM_GET, [{"id": "nope"}])
    assert missing.status_code == 200 and missing.json()["fail"][0]["errors"][0]["code"] == "err_incident_not_found"


def test_remediation_removes_the_delivered_copies_from_the_mailboxes(api):
    delivered = api.info["campaign"]["mimecast_delivered"]
    assert delivered and all(set(d) == {"tracked_id", "message_id", "recipient"} for d in delivered)
    assert len(delivered) == api.info["campaign"]["mimecast_statuses"]["archived"]
    target = delivered[0]
    start = body_date(datetime.datetime.now(UTC) - datetime.timedelta(days=2))
    created = ok(post(api, REM_CREATE, [{"reason": "IR-8", "searchBy": "messageId",
                                         "hashOrMessageId": target["message_id"], "start": start}]))["data"][0]
    assert created["searchCriteria"] == {"start": start, "messageId": target["message_id"]}
    assert ok(post(api, REM_GET, [{"id": created["id"]}]))["data"][0]["identified"] == 1
    assert state(api)["removed"] == []
    done = ok(post(api, REM_GET, [{"id": created["id"]}]))["data"][0]
    assert done["successful"] == 1
    assert state(api)["removed"] == [{"message_id": target["message_id"], "recipient": target["recipient"],
                                      "incident": created["id"]}]
    # what is removed is not found again
    again = ok(post(api, REM_CREATE, [{"reason": "IR-8 again", "searchBy": "messageId",
                                       "hashOrMessageId": target["message_id"], "start": start}]))["data"][0]
    assert ok(post(api, REM_GET, [{"id": again["id"]}]))["data"][0]["identified"] == 0


def test_remediation_v2_by_message_ids(api):
    delivered = api.info["campaign"]["mimecast_delivered"]
    ids = sorted({d["message_id"] for d in delivered})[:2]
    created = ok(post(api, REM_CREATE_V2, [{"reason": "IR-9", "searchBy": "message_ids", "messageIds": ids}]))
    incident = created["data"][0]
    assert incident["searchCriteria"] == {"messageIds": ids}
    assert (incident["identified"], incident["successful"]) == (0, 0)
    for dummy in range(5):
        last = ok(post(api, REM_GET, [{"id": incident["id"]}]))["data"][0]
    expected = sorted((d["message_id"], d["recipient"]) for d in delivered if d["message_id"] in ids)
    assert last["identified"] == last["successful"] == len(expected)
    assert [(r["message_id"], r["recipient"]) for r in state(api)["removed"]] == expected
    by_hash = ok(post(api, REM_CREATE_V2, [{"reason": "IR-9b", "searchBy": "hash",
                                            "hash": api.info["campaign"]["attachment_sha256"]}]))["data"][0]
    assert by_hash["searchCriteria"] == {"fileHash": api.info["campaign"]["attachment_sha256"]}
    assert post(api, REM_CREATE_V2, [{"reason": "x", "searchBy": "message_ids", "messageIds": []}]).status_code == 400
    assert post(api, REM_CREATE_V2, [{"reason": "x", "searchBy": "messageId", "hash": "a" * 64}]).status_code == 400
    assert post(api, REM_CREATE_V2, [{"reason": "x", "hashOrMessageId": "a" * 64}]).status_code == 400


def test_the_spoof_pair_is_held(api):
    spoof = api.info["campaign"]["spoof"]
    assert spoof["partner"] == "invoices@partner-logistics.example"
    held = {h["id"]: h for h in held_all(api, start=body_date(datetime.datetime.now(UTC) - datetime.timedelta(days=1)))}
    partner, attacker = held[spoof["partner_id"]], held[spoof["attacker_id"]]
    assert partner["from"]["emailAddress"] == partner["fromHeader"]["emailAddress"] == spoof["partner"]
    assert partner["reason"] == "Message Hold Applied - Spam Signature policy"
    assert attacker["fromHeader"]["emailAddress"] == spoof["partner"]
    assert attacker["from"]["emailAddress"] == "billing@partner-logistics-invoices.example"
    assert attacker["policyInfo"] == "Malicious Attachment"
    by_sender = held_all(api, searchBy={"fieldName": "sender", "value": spoof["partner"]})
    assert [h["id"] for h in by_sender] == [spoof["partner_id"]]


def test_faults_after_status_and_after_slow_carry_the_request_out(api):
    api.fault(kind="after_status", endpoint="policy", count=1)
    lost = post(api, POLICY_CREATE, [{"option": "block_sender", "policy": {"description": "lost answer"}}])
    assert lost.status_code == 502
    assert [p["policy"]["description"] for p in state(api)["policies"]] == ["lost answer"]
    api.fault(kind="after_slow", endpoint="remediation", count=1, seconds=1.5)
    began = datetime.datetime.now(UTC)
    slow = post(api, REM_CREATE, [{"reason": "slow", "hashOrMessageId": "a" * 64}])
    assert slow.status_code == 200 and (datetime.datetime.now(UTC) - began).total_seconds() >= 1.4
    assert len(state(api)["incidents"]) == 1
    api.fault(kind="after_status", endpoint="held", count=1, status=504)
    target = sorted(state(api)["hold"])[0]
    assert post(api, HOLD_RELEASE, [{"id": target}]).status_code == 504
    assert target not in state(api)["hold"]


def test_fault_endless_lists_never_end(api):
    api.fault(kind="endless", endpoint="held", items=3)
    tokens, ids = set(), set()
    token = None
    for dummy in range(4):
        meta = {"pagination": {"pageSize": 5}}
        if token:
            meta["pagination"]["pageToken"] = token
        body = ok(post(api, HOLD_LIST, [{"admin": True}], meta))
        assert len(body["data"]) == 3
        ids |= {h["id"] for h in body["data"]}
        token = body["meta"]["pagination"]["next"]
        assert token not in tokens
        tokens.add(token)
    assert len(ids) == 12
    api.http.delete(api.url + "/_sandbox/faults", timeout=10)
    api.fault(kind="endless", endpoint="policy")
    empty = ok(post(api, POLICY_GET, []))
    assert empty["data"] == [] and empty["meta"]["pagination"]["next"]


@pytest.mark.parametrize("kind", ["refuse", "unconfirmed"])
def test_faults_refuse_and_unconfirmed_change_nothing(api, kind):
    one, two = sorted(state(api)["hold"])[:2]
    api.fault(kind=kind, endpoint="held", count=2)
    released = post(api, HOLD_RELEASE, [{"id": one}]).json()
    rejected = post(api, HOLD_REJECT, [{"ids": [two]}]).json()
    assert released["data"] == [{"id": one, "release": False}]
    assert rejected["data"] == [{"id": two, "reject": False}]
    if kind == "refuse":
        assert released["fail"] == [{"key": {"id": one}, "errors": [{
            "code": "err_hold_message_refused", "message": "The message cannot be released.", "retryable": False}]}]
        assert rejected["fail"][0]["key"] == {"id": two}
    else:
        assert released["fail"] == [] and rejected["fail"] == []
    after = state(api)
    assert {one, two} <= set(after["hold"]) and after["changes"] == 0
    api.fault(kind="refuse", endpoint="held", count=1, code="err_custom")
    assert post(api, HOLD_RELEASE, [{"id": one}]).json()["fail"][0]["errors"][0]["code"] == "err_custom"
