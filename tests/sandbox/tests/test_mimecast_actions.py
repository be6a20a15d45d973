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
    REM_FIND, REM_GET,
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
    assert {"id", "reason", "reasonCode", "from", "fromHeader", "to", "subject", "route", "hasAttachments",
            "dateReceived", "policyInfo"} <= set(held[0])
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
              "to": {"type": "everyone"}, "enforced": True, "conditions": {"sourceIPs": ["203.0.113.0/24"]}}
    created = ok(post(api, POLICY_CREATE, [{"option": "block_sender", "policy": policy}]))["data"][0]
    assert created["policy"]["fromDate"] == "1900-01-01T00:00:00+0000"
    assert created["policy"]["toDate"] == "2100-01-01T23:59:59+0000"
    listed = ok(post(api, POLICY_GET, []))
    assert [p["id"] for p in listed["data"]] == [created["id"]]
    one = ok(post(api, POLICY_GET, [{"id": created["id"]}]))["data"][0]
    assert one == created
    changed = dict(policy, description="IR-1 block, reviewed")
    updated = ok(post(api, POLICY_CREATE, [{"id": created["id"], "option": "block_sender", "policy": changed}]))
    assert updated["data"][0]["id"] == created["id"]
    assert updated["data"][0]["policy"]["description"] == "IR-1 block, reviewed"
    assert ok(post(api, POLICY_DELETE, [{"id": created["id"]}]))["data"] == [{"id": created["id"]}]
    gone = post(api, POLICY_DELETE, [{"id": created["id"]}])
    assert gone.status_code == 200 and gone.json()["fail"][0]["errors"][0]["code"] == "err_policy_not_found"
    assert state(api)["policies"] == [] and state(api)["changes"] == 3
    assert post(api, POLICY_CREATE, [{"option": "block_sender", "policy": {}}]).status_code == 400
    assert post(api, POLICY_CREATE, [{"option": "block_sender", "policy": {
        "description": "x", "from": {"type": "email_domain"}}}]).status_code == 400


def test_remediation_incidents_count_asynchronously_and_can_be_found(api):
    campaign = api.info["campaign"]
    start = body_date(datetime.datetime.now(UTC) - datetime.timedelta(days=2))
    created = ok(post(api, REM_CREATE, [{"reason": "IR-7 ansible:case-7", "searchBy": "hash",
                                         "hashOrMessageId": campaign["attachment_sha256"], "start": start}]))
    incident = created["data"][0]
    assert incident["identified"] == campaign["mimecast_statuses"]["archived"] > 0 and incident["successful"] == 0
    seen = []
    for dummy in range(10):
        seen.append(ok(post(api, REM_GET, [{"id": incident["id"]}]))["data"][0]["successful"])
    assert seen == sorted(seen) and seen[-1] == incident["identified"]
    found = ok(post(api, REM_FIND, [{"searchBy": [{"fieldName": "reason", "value": "ansible:case-7"}]}]))
    assert [i["id"] for i in found["data"][0]["incidents"]] == [incident["id"]]
    none = ok(post(api, REM_FIND, [{"searchBy": [{"fieldName": "reason", "value": "ansible:case-8"}]}]))
    assert none["data"][0]["incidents"] == []
    assert post(api, REM_FIND, [{}]).status_code == 400
    assert post(api, REM_CREATE, [{"reason": "x", "searchBy": "messageId", "hashOrMessageId": "no-brackets"}]
                ).status_code == 400
    missing = post(api, REM_GET, [{"id": "nope"}])
    assert missing.status_code == 200 and missing.json()["fail"][0]["errors"][0]["code"] == "err_incident_not_found"
