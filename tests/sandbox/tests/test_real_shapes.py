# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The sandbox held against payloads captured from the live services (tests/unit/fixtures/real-samples, copies
of shared/api/real-samples): where they differ, the sandbox is wrong.

Every capture file is either checked here (CHECKS: one check per file) or belongs to an endpoint the sandbox does
not serve (NOT_SERVED); a test asserts that this split is exact, so that a capture of a served endpoint can never
go unchecked, and that NOT_SERVED names only paths the sandbox really does not serve."""

from __future__ import annotations

import base64
import datetime
import json
import pathlib
import re
import urllib.parse

import pytest

from tests.sandbox import Sandbox
from tests.sandbox.mimecast_actions import (
    HOLD_LIST, HOLD_REJECT, HOLD_RELEASE, POLICY_CREATE, POLICY_DELETE, POLICY_GET, REM_CREATE, REM_GET,
)
from tests.sandbox.mimecast_managed_url import CREATE as MURL_CREATE
from tests.sandbox.mimecast_managed_url import DELETE as MURL_DELETE
from tests.sandbox.mimecast_managed_url import LIST as MURL_LIST
from tests.sandbox.mimecast_ttp import ATTACHMENT_LOGS as TTP_ATTACHMENT
from tests.sandbox.mimecast_ttp import IMPERSONATION_LOGS as TTP_IMPERSONATION
from tests.sandbox.mimecast_ttp import URL_LOGS as TTP_URL
from tests.sandbox.server import route

from .conftest import Clients, body_date
from .test_mimecast import emails, last
from .test_tmes import policy_events, window

ROOT = pathlib.Path(__file__).resolve().parents[3]
COPIES = ROOT / "tests" / "unit" / "fixtures" / "real-samples"
SHARED = ROOT.parent / "shared" / "api" / "real-samples"
UTC = datetime.timezone.utc
MSGINFO = "/api/message-finder/get-message-info"

# endpoints of captures the sandbox does not serve: decode-url, SIEM logs
NOT_SERVED = {"/api/ttp/url/decode-url", "/api/audit/get-siem-logs"}
# the files written before captures were wrapped with their endpoint (see the README's first table)
UNWRAPPED = {"mimecast-demisto-1.json": "/api/message-finder/search",
             "mimecast-sekoia-autolib-1.json": "/oauth/token",
             "mimecast-sekoia-autolib-2.json": "/api/message-finder/search"}
TMES_TRACKING = "/api/v1/log/mailtrackinglog"
TMES_RECORDS = ("tmes-sekoia-intake-1.json", "tmes-sekoia-intake-2.json", "tmes-sekoia-intake-3.json",
                "tmes-sekoia-intake-4.json", "tmes-sekoia-intake-5.json", "tmes-datadog-1.json", "tmes-datadog-2.json")


def sample(name):
    return json.loads((COPIES / name).read_text())


def captures():
    return sorted(p.name for p in COPIES.iterdir() if p.suffix == ".json")


def endpoint_of(name):
    data = sample(name)
    if isinstance(data, dict) and "endpoint" in data and "body" in data:
        return data["endpoint"]
    return UNWRAPPED.get(name, TMES_TRACKING if name.startswith("tmes-") else None)


def body_of(name):
    data = sample(name)
    return data["body"] if name not in UNWRAPPED and "endpoint" in data else data


CHECKS = {}


def checks(*names, fixture="api"):
    """Register a check of these capture files; it runs with the named fixture (api: the shared read-only
    sandbox; fresh: a tenant of its own, for checks that change it)."""
    def register(function):
        for name in names:
            assert name not in CHECKS, name
            CHECKS[name] = (fixture, function)
        return function
    return register


@pytest.fixture()
def fresh():
    with Sandbox(seed=5, tmes_records=50, mimecast_records=900) as running:
        client = Clients(running)
        yield client
        client.http.close()


def post(api, path, data, meta=None):
    body = {"data": data}
    if meta is not None:
        body["meta"] = meta
    response = api.mc_search(None, path=path, body=json.dumps(body))
    assert response.status_code == 200, response.text
    return response.json()


def types(value):
    """The type tree of a value: dicts by key, lists by their first element, leaves by JSON type."""
    if isinstance(value, dict):
        return {k: types(v) for k, v in value.items()}
    if isinstance(value, list):
        return [types(value[0])] if value else []
    return {bool: "bool", int: "number", float: "number", str: "string", type(None): "null"}[type(value)]


def held_items(api, **item):
    return post(api, HOLD_LIST, [dict({"admin": True, "start": body_date(
        datetime.datetime.now(UTC) - datetime.timedelta(days=29))}, **item)], {"pagination": {"pageSize": 500}})


# -- which file is checked --------------------------------------------------------------------------------------
@pytest.mark.skipif(not SHARED.is_dir(), reason="shared/ is not beside this checkout (CI and developers have it)")
def test_the_copies_are_the_shared_samples():
    shared = sorted(p.name for p in SHARED.iterdir())
    assert sorted(p.name for p in COPIES.iterdir()) == shared
    for name in shared:
        assert (COPIES / name).read_bytes() == (SHARED / name).read_bytes(), name


def test_every_capture_is_checked_or_its_endpoint_is_not_served():
    files = captures()
    assert all(endpoint_of(name) for name in files)
    assert len(CHECKS) > 20
    assert sorted(CHECKS) == sorted(n for n in files if endpoint_of(n) not in NOT_SERVED)
    assert {endpoint_of(n) for n in files if n not in CHECKS} == NOT_SERVED
    for path in NOT_SERVED:
        assert route(path) is None, "%s is served now: check its captures here" % path
    for name in CHECKS:
        assert route(endpoint_of(name)) is not None, name


# -- Mimecast tracking and API 2.0 errors -------------------------------------------------------------------------
@checks("mimecast-demisto-1.json")
def tracked_emails_have_exactly_the_fields_of_a_real_one(api, name):
    real = body_of(name)["data"][0]["trackedEmails"][0]
    found = emails(api.mc_search(last(days=5, to="acme.example")))
    assert found and all(types(e) == types(real) for e in found if len(e["to"]) == 1)
    assert all(set(e) == set(real) for e in found)
    for field in ("received", "sent"):
        assert all(len(e[field]) == len(real[field]) and e[field].endswith("+0000") for e in found)
    assert real["status"] in {e["status"] for e in found} and real["info"] in {e["info"] for e in found}


@checks("mimecast-sekoia-autolib-1.json", "mimecast-sekoia-autolib-2.json")
def api2_errors_have_the_real_shape(api, name):
    if name.endswith("-1.json"):
        refused = api.oauth_token(client_secret="wrong")
        assert refused.status_code == 401 and refused.json() == body_of(name)
        return
    mc = api.info["mimecast"]
    token = api.oauth_token(client_id=mc["forbidden_client_id"], client_secret=mc["forbidden_client_secret"])
    forbidden = api.bearer_search(last(subject="x"), token.json()["access_token"])
    assert forbidden.status_code == 403 and forbidden.json() == body_of(name)


def test_api1_authentication_errors_have_the_shape_of_a_real_one(api):
    """mimecast-actions-rapid7-4 (a bad signature, answered 401 at the SIEM endpoint, which the sandbox does not
    serve): the same envelope at every endpoint, meta and fail[].errors[], no data; isLastToken is the SIEM's."""
    real = sample("mimecast-actions-rapid7-4.json")["body"]
    wrong = base64.b64encode(b"not the secret key").decode()
    for path in ("/api/tracking/search", HOLD_LIST):
        refused = api.mc_search(None, path=path, body=json.dumps({"data": []}),
                                headers=api.mc_headers(path, secret_key=wrong))
        assert refused.status_code == 401
        body = refused.json()
        assert set(body) == set(real) and set(body["meta"]) == set(real["meta"]) - {"isLastToken"}
        assert types(body["fail"]) == types(real["fail"])


# -- TMES mail tracking log ------------------------------------------------------------------------------------------
@checks(*TMES_RECORDS)
def tmes_records_use_only_fields_real_ones_have(api, name):
    real = set()
    for other in TMES_RECORDS:
        real |= set(body_of(other))
    real |= {"reason"}  # blocked traffic adds reason (documented)
    real -= {"type"}  # added by one collector, not by TMES
    record = body_of(name)
    logs, dummy = api.tmes_all(dict(window(), type="accepted_traffic"))
    blocked, dummy = api.tmes_all(dict(window(), type="blocked_traffic"))
    assert logs and blocked
    for log in logs + blocked:
        assert set(log) <= real, set(log) - real
        assert isinstance(log["size"], int) and isinstance(log["headerTo"], list)
    # this record's action is one the sandbox serves, with the same fields present for it
    same = [log for log in logs + blocked if log["action"] == record["action"]]
    assert same
    assert all({k for k in record if k not in ("type", "reason")} <= set(log) | {"attachments", "embeddedUrls"}
               for log in same)


@checks("tmes-sekoia-autolib-1.json", "tmes-demisto-3.json")
def tmes_pages_have_the_real_keys(api, name):
    real = body_of(name)
    response = api.tmes(dict(window(), type="accepted_traffic", limit="5"))
    assert response.status_code == 200
    page = response.json()
    assert set(page) == set(real) == {"nextToken", "logs"}
    # the token comes URL-encoded in the body, as in the capture (abc%20abc, sent back as abc abc)
    assert urllib.parse.unquote(page["nextToken"]) != page["nextToken"]
    last_page = api.tmes(dict(window(), type="accepted_traffic", limit="500",
                              start=window(hours=1)["start"]))
    assert last_page.status_code in (200, 204)
    if last_page.status_code == 200:
        assert set(last_page.json()) in ({"logs"}, {"nextToken", "logs"})


@checks("tmes-demisto-4.json")
def tmes_empty_answers_carry_no_logs(api, name):
    # an integrator's mock of an empty 200 answer ({}); the sandbox answers an empty window with 204 and no body
    # (FACTS.md).  Both carry no logs; clients must take either as the end (a unit test feeds this mock).
    assert body_of(name) == {}
    empty = api.tmes(dict(window(), type="accepted_traffic", domain="no-such-domain.example"))
    assert empty.status_code == 204 and empty.content == b""


# -- Mimecast hold queue ---------------------------------------------------------------------------------------------
REAL_POLICY_OF = {"Message Hold Applied - Spam Signature policy": "Relaxed Spam Detection",
                  "Message Hold Applied - Content examination policy": "Malicious Attachment"}


def check_held_item(item, real):
    assert set(item) == set(real) and types(item) == types(real), (item, real)
    assert item["reason"].startswith("Message Hold Applied - ")
    assert item["reasonId"] == re.sub(r"[^A-Za-z0-9]+", "_", item["reason"]).strip("_").upper()
    assert item["reasonCode"] == item["reasonId"].lower()
    assert item["route"] in ("INBOUND", "OUTBOUND", "INTERNAL")
    assert len(item["dateReceived"]) == len(real["dateReceived"]) and item["dateReceived"].endswith("+0000")
    assert item["policyInfo"] in REAL_POLICY_OF.values()
    if item["reason"] in REAL_POLICY_OF:
        assert item["policyInfo"] == REAL_POLICY_OF[item["reason"]]


@checks("mimecast-actions-demisto-1.json")
def hold_list_pages_like_the_capture(api, name):
    real = body_of(name)
    first = post(api, HOLD_LIST, [{"admin": True}], {"pagination": {"pageSize": 3}})
    second = post(api, HOLD_LIST, [{"admin": True}], {"pagination": {
        "pageSize": 3, "pageToken": first["meta"]["pagination"]["next"]}})
    assert set(second) == set(real) and set(second["meta"]) == set(real["meta"])
    assert set(second["meta"]["pagination"]) == set(real["meta"]["pagination"])
    assert types(second["meta"]) == types(real["meta"])
    items = held_items(api)["data"]
    assert items
    for item in items:
        check_held_item(item, real["data"][0])
    # the captured reason and policy pair is one the sandbox serves
    served = {(i["reason"], i["policyInfo"]) for i in items}
    assert (real["data"][0]["reason"], real["data"][0]["policyInfo"]) in served


@checks("mimecast-actions-chronicle-1.json")
def hold_items_have_the_fields_of_a_second_capture(api, name):
    real = body_of(name)
    items = held_items(api)["data"]
    for item in items:
        check_held_item(item, real)
    assert (real["reason"], real["policyInfo"]) in {(i["reason"], i["policyInfo"]) for i in items}


def with_id(body, ident):
    """A captured answer with its id replaced, to compare whole answers."""
    body = json.loads(json.dumps(body))
    for item in body["data"]:
        item["id"] = ident
    return body


@checks("mimecast-actions-demisto-2.json", "mimecast-actions-demisto-3.json", fixture="fresh")
def release_and_reject_answer_as_captured(api, name):
    target = held_items(api)["data"][0]["id"]
    if endpoint_of(name) == HOLD_RELEASE:
        answer = post(api, HOLD_RELEASE, [{"id": target}])
    else:
        answer = post(api, HOLD_REJECT, [{"ids": [target]}])
    assert answer == with_id(body_of(name), target)


@checks("mimecast-actions-demisto-7.json", fixture="fresh")
def an_unconfirmed_release_answers_as_the_mock(api, name):
    target = held_items(api)["data"][0]["id"]
    api.fault(kind="unconfirmed", endpoint="held", count=1)
    assert post(api, HOLD_RELEASE, [{"id": target}]) == with_id(body_of(name), target)


# -- blocked sender policies ----------------------------------------------------------------------------------------
UNLIKE = ("id", "createTime", "lastUpdated")


def same_policy(served, real):
    """The whole policy as captured, but for its id and times (which must have the captured form)."""
    assert set(served) == set(real) and set(served["policy"]) == set(real["policy"])
    assert types(served) == types(real)
    for name in ("createTime", "lastUpdated"):
        assert len(served["policy"][name]) == len(real["policy"][name]) and served["policy"][name].endswith("+0000")
    assert {k: v for k, v in served["policy"].items() if k not in UNLIKE} == \
        {k: v for k, v in real["policy"].items() if k not in UNLIKE}
    assert served["option"] == real["option"]


def request_of(real, flat=False):
    policy = real["policy"]
    sent = {k: policy[k] for k in ("description", "fromPart", "fromEternal", "toEternal", "override",
                                   "bidirectional", "enabled", "enforced")}
    if flat:
        sent.update({k: policy[k] for k in ("fromType", "fromValue", "toType", "toValue") if k in policy})
    else:
        sent.update({"from": policy["from"], "to": policy["to"]})
    return [{"option": real["option"], "policy": sent}]


@checks("mimecast-actions-rapid7-1.json", fixture="fresh")
def a_created_policy_is_the_captured_answer(api, name):
    real = body_of(name)
    answer = post(api, POLICY_CREATE, request_of(real["data"][0]))
    assert set(answer) == set(real) and answer["meta"] == real["meta"] and answer["fail"] == []
    same_policy(answer["data"][0], real["data"][0])


@checks("mimecast-actions-demisto-4.json", fixture="fresh")
def a_policy_created_in_the_flat_form_is_echoed_in_both(api, name):
    real = body_of(name)
    same_policy(post(api, POLICY_CREATE, request_of(real, flat=True))["data"][0], real)


@checks("mimecast-actions-demisto-5.json", fixture="fresh")
def listed_policies_are_the_captured_list(api, name):
    real = body_of(name)
    post(api, POLICY_CREATE, request_of(real[0]))
    listed = post(api, POLICY_GET, [])
    assert len(listed["data"]) == len(real)
    same_policy(listed["data"][0], real[0])


@checks("mimecast-actions-chronicle-3.json", fixture="fresh")
def an_invalid_from_value_is_refused_as_captured(api, name):
    real = sample(name)
    response = api.mc_search(None, path=POLICY_CREATE, body=json.dumps({"data": [{"option": "block_sender", "policy": {
        "description": "x", "fromType": "email_domain", "fromValue": "not a domain", "toType": "everyone"}}]}))
    assert response.status_code == real["status"] and response.json() == real["body"]


@checks("mimecast-actions-rapid7-2.json", fixture="fresh")
def a_deleted_policy_answers_as_captured(api, name):
    created = post(api, POLICY_CREATE, [{"option": "block_sender", "policy": {"description": "x"}}])["data"][0]
    assert post(api, POLICY_DELETE, [{"id": created["id"]}]) == with_id(body_of(name), created["id"])


# -- remediation ----------------------------------------------------------------------------------------------------
@checks("mimecast-actions-demisto-6.json", fixture="fresh")
def a_remediation_incident_has_the_captured_fields(api, name):
    real = body_of(name)
    delivered = api.info["campaign"]["mimecast_delivered"][0]
    now = datetime.datetime.now(UTC)
    created = post(api, REM_CREATE, [{"reason": "test", "searchBy": "messageId",
                                      "hashOrMessageId": delivered["message_id"],
                                      "start": body_date(now - datetime.timedelta(days=2)), "end": body_date(now)}])
    assert set(created) == set(real) and created["meta"] == real["meta"] and created["fail"] == []
    for incident in (created["data"][0], post(api, REM_GET, [{"id": created["data"][0]["id"]}])["data"][0]):
        assert types(incident) == types(real["data"][0])
        assert set(incident["searchCriteria"]) == set(real["data"][0]["searchCriteria"])
        assert incident["type"] == real["data"][0]["type"]
        assert re.match(r"^TR-[A-Z0-9]{10}-\d{5}-M$", incident["code"]) and re.match(
            r"^TR-[A-Z0-9]{10}-\d{5}-M$", real["data"][0]["code"])
        for field in ("create", "modified"):
            assert len(incident[field]) == len(real["data"][0][field]) and incident[field].endswith("+0000")


# -- managed URLs (tests/sandbox/tests/test_mimecast_managed_url.py checks the behaviour) ----------------------
def murl_request(entry):
    """The create request that makes a captured entry: its URL put together again, its action and settings."""
    port = "" if entry["port"] == -1 else ":%d" % entry["port"]
    query = "?" + entry["queryString"] if entry["queryString"] else ""
    return {"url": "%s://%s%s%s%s" % (entry["scheme"], entry["domain"], port, entry["path"], query),
            "action": entry["action"], "matchType": entry["matchType"], "comment": entry["comment"],
            "disableLogClick": entry["disableLogClick"]}


@checks("mimecast-managedurl-rapid7-1.json", fixture="fresh")
def the_captured_list_made_again_is_served_as_captured(api, name):
    real = body_of(name)
    made = [post(api, MURL_CREATE, [murl_request(e)])["data"][0] for e in real["data"]]
    # 31 entries in all, as the captured page's totalCount; the first page (no pageSize, as Rapid7 asks) has 10
    for n in range(real["meta"]["pagination"]["totalCount"] - len(made)):
        post(api, MURL_CREATE, [{"url": "https://filler-%02d.example/" % n, "action": "block"}])
    listed = post(api, MURL_LIST, [])
    assert set(listed) == set(real) and set(listed["meta"]["pagination"]) == set(real["meta"]["pagination"])
    assert types(listed) == types(real)
    assert {k: v for k, v in listed["meta"]["pagination"].items() if k != "next"} == \
        {k: v for k, v in real["meta"]["pagination"].items() if k != "next"}
    assert listed["data"] == made
    for served, captured in zip(listed["data"], real["data"]):
        assert list(served) == list(captured)
        assert dict(served, id=None) == dict(captured, id=None)
        assert len(served["id"]) == len(captured["id"])


@checks("mimecast-managedurl-rapid7-2.json", fixture="fresh")
def an_empty_list_is_the_captured_empty_answer(api, name):
    assert post(api, MURL_LIST, []) == body_of(name)


@checks("mimecast-managedurl-rapid7-3.json", "mimecast-managedurl-demisto-1.json", fixture="fresh")
def a_created_entry_is_the_captured_answer(api, name):
    real = body_of(name)
    answer = post(api, MURL_CREATE, [murl_request(real["data"][0])])
    assert answer == with_id(real, answer["data"][0]["id"])


@checks("mimecast-managedurl-rapid7-4.json", fixture="fresh")
def a_duplicate_is_refused_as_captured(api, name):
    real = body_of(name)
    key = real["fail"][0]["key"]
    item = {k: key[k] for k in ("url", "action", "matchType", "disableLogClick")}
    post(api, MURL_CREATE, [item])
    assert post(api, MURL_CREATE, [item]) == real


@checks("mimecast-managedurl-rapid7-5.json", fixture="fresh")
def a_delete_answers_as_captured(api, name):
    made = post(api, MURL_CREATE, [{"url": "https://evil.example/pay", "action": "block"}])["data"][0]
    assert post(api, MURL_DELETE, [{"id": made["id"]}]) == body_of(name)


@checks("mimecast-managedurl-rapid7-7.json", "mimecast-managedurl-splunk-2.json", fixture="fresh")
def the_captured_list_requests_are_served(api, name):
    request = body_of(name)
    made = post(api, MURL_CREATE, [{"url": "https://www.example.org/test_domain/", "action": "block"}])["data"][0]
    response = api.mc_search(None, path=MURL_LIST, body=json.dumps(request))
    assert response.status_code == 200 and response.json()["data"] == [made]


@checks("mimecast-managedurl-splunk-1.json", fixture="fresh")
def splunks_create_request_is_stored_with_click_logging_off(api, name):
    request = body_of(name)
    assert request["data"][0]["disableLogClick"] is True
    answer = post(api, MURL_CREATE, request["data"])["data"][0]
    assert answer["disableLogClick"] is True and (answer["domain"], answer["path"]) == ("testxyz.com", "/endpoint")
    assert api.http.get(api.url + "/_sandbox/mimecast/state", timeout=10).json()["managed_urls"] == [answer]


# -- TTP logs (tests/sandbox/tests/test_mimecast_ttp.py checks the behaviour) --------------------------------------
TTP_LIST = {TTP_URL: "clickLogs", TTP_ATTACHMENT: "attachmentLogs", TTP_IMPERSONATION: "impersonationLogs"}
# every word of these fields in a real URL log row (CLICKS.md 1.3: captures, and the documented route outbound)
CLICK_WORDS = {"creationMethod": {"User Click", "Entry Scan"}, "action": {"allow", "warn"},
               "actions": {"Allow", "Block", "None", "Browser Isolation"}, "scanResult": {"clean", "malicious"},
               "userAwarenessAction": {"Continue", "N/A", "NA"}, "adminOverride": {"N/A"}, "userOverride": {"None"},
               "route": {"inbound", "internal", "outbound"},
               "category": {"Business", "Fashion & Beauty", "Search Engines & Portals", "Computers & Technology",
                            "Entertainment", "Compromised", "Dangerous file extension", "Unknown"},
               "ttpDefinition": {"Inbound URL 'Aggressive'", "Default Inbound URL Protect Definition",
                                 "Default Internal URL Protect Definition", "Default URL Protection Definition",
                                 "Restrictive URL Definition"}}
ATTACHMENT_WORDS = {"result": {"safe", "malicious"}, "actionTriggered": {"none", "none, none", "user release, none"},
                    "definition": {"Default Inbound Attachment Protect Definition",
                                   "Default Internal Attachment Protect Definition",
                                   "Inbound - Safe file with On-Demand Sandbox",
                                   "Default Attachment Protection Definition"},
                    "route": {"inbound", "internal"}}
IMPERSONATION_WORDS = {"action": {"none", "hold"}, "definition": {"IP - 1 hit (Tag email)", "KPTPDP Hold",
                                                                  "IP - 2 hits (Hold for Review / User Hold)"}}


def ttp_rows(api, path, item=None, size=500):
    """Every row of a TTP log over the last 30 days, oldest first."""
    rows, token = [], None
    item = dict({"from": body_date(datetime.datetime.now(UTC) - datetime.timedelta(days=30)), "oldestFirst": True},
                **(item or {}))
    while True:
        pagination = dict({"pageSize": size}, **({"pageToken": token} if token else {}))
        answer = post(api, path, [item], {"pagination": pagination})
        rows += answer["data"][0][TTP_LIST[path]]
        token = answer["meta"]["pagination"].get("next")
        if not token:
            return rows


def captured_rows(name):
    """The log rows of a capture, whatever its shape (one record, a list of records, an envelope)."""
    body = body_of(name)
    if isinstance(body, list):
        return [r for r in body if "meta" not in r]  # ttp-elastic-4 holds a whole envelope among its records
    if "meta" in body:
        return body["data"][0][TTP_LIST[endpoint_of(name)]] if body["data"] else []
    return [body]


def same_words(served, real, words):
    for field, known in words.items():
        assert {r[field] for r in served if field in r} <= known, field
        assert {r[field] for r in real if field in r} <= known, field  # the capture's words are the known ones


@checks("mimecast-ttp-datadog-1.json", "mimecast-ttp-elastic-4.json")
def url_log_rows_have_the_fields_and_words_of_real_ones(api, name):
    real = captured_rows(name)
    served = ttp_rows(api, TTP_URL)
    same_words(served, real, CLICK_WORDS)
    for captured in real:
        # tagMap comes on some Entry Scan rows only (the demo tenant's; not on a customer's, ttp-elastic-4)
        like = [r for r in served if r.get("creationMethod") == captured["creationMethod"]]
        assert like, captured["creationMethod"]
        for row in like:
            assert set(row) - {"tagMap"} == set(captured) - {"tagMap"}, set(row) ^ set(captured)
            assert types(dict(row, tagMap=None)) == types(dict(captured, tagMap=None))
            assert len(row["date"]) == len(captured["date"]) and row["date"].endswith("+0000")
        if "tagMap" in captured:
            tagged = [r["tagMap"] for r in like if "tagMap" in r]
            assert {tuple(t) for t in tagged} >= {tuple(captured["tagMap"])}
            assert all(types(t) == types(captured["tagMap"]) for t in tagged if set(t) == set(captured["tagMap"]))
    assert all(r["creationMethod"] == "Entry Scan" for r in served if "tagMap" in r)
    # the old field set is served too (CLICKS.md 1.2: 11 fields in 2020), each a field of the newer rows
    old = [r for r in served if "creationMethod" not in r]
    assert old and all(len(r) == 11 and set(r) < set(real[0]) for r in old)


@checks("mimecast-ttp-elastic-1.json", "mimecast-ttp-elastic-3.json", "mimecast-ttp-rapid7-2.json",
        "mimecast-ttp-elastic-8.json", "mimecast-ttp-elastic-10.json", "mimecast-ttp-elastic-13.json")
def ttp_pages_have_the_envelope_of_real_ones(api, name):
    real = body_of(name)
    path = endpoint_of(name)
    pagination = real["meta"]["pagination"]
    if not real["data"][0][TTP_LIST[path]]:
        # the empty answer, exactly: a window without rows
        future = body_date(datetime.datetime.now(UTC) + datetime.timedelta(days=1))
        assert post(api, path, [{"from": future, "to": future}], {"pagination": {"pageSize": 10}}) == real
        return
    meta = None if "pageSize" not in pagination or path == TTP_ATTACHMENT and "totalCount" not in pagination \
        else {"pagination": {"pageSize": pagination["pageSize"]}}
    item = {"from": body_date(datetime.datetime.now(UTC) - datetime.timedelta(days=30))}
    first = post(api, path, [item], meta)
    assert set(first) == set(real) and set(first["meta"]) == set(real["meta"]) and first["fail"] == []
    assert set(first["data"][0]) == set(real["data"][0])
    served = first["meta"]["pagination"]
    assert served["pageSize"] == pagination["pageSize"] and len(first["data"][0][TTP_LIST[path]]) <= served["pageSize"]
    if "next" in pagination:
        assert set(served) == set(pagination)
    else:
        # a last page: no next; the next page of a long list has one, so the last one is fetched by following it
        assert set(pagination) - {"totalCount"} <= set(served)
        while "next" in served:
            last = post(api, path, [], {"pagination": {"pageSize": served["pageSize"], "pageToken": served["next"]}})
            served = last["meta"]["pagination"]
        assert set(served) == set(pagination) | {"totalCount"}
    # and the rows of the page, as the records of the other captures are checked
    ROW_CHECKS[path](api, name)


@checks("mimecast-ttp-datadog-2.json", "mimecast-ttp-elastic-11.json")
def attachment_log_rows_have_the_fields_and_words_of_real_ones(api, name):
    real = captured_rows(name)
    served = ttp_rows(api, TTP_ATTACHMENT)
    same_words(served, real, ATTACHMENT_WORDS)
    assert all(list(r) == list(real[0]) or set(r) == set(real[0]) for r in served)
    assert all(types(r) == types(real[0]) for r in served)
    assert all(re.match(r"^[0-9a-f]{64}$", r["fileHash"]) for r in served + real)
    verdicts = {r["result"]: r["details"] for r in served}
    # the verdict text: 50 characters of padded verdict, then the time taken (or the captured malicious form)
    assert re.match(r"^Safe {46}\r\nTime taken: 0 hrs, 0 min, \d+ sec$", verdicts["safe"])
    assert verdicts["malicious"] == body_of("mimecast-ttp-datadog-2.json")["details"]
    assert "<>" in {r["senderAddress"] for r in served}  # null senders, as captured


@checks("mimecast-ttp-datadog-3.json")
def impersonation_rows_have_the_fields_and_words_of_real_ones(api, name):
    dictionary = captured_rows("mimecast-ttp-datadog-3.json")[0]  # a dictionary hit
    by_name = captured_rows("mimecast-ttp-elastic-13.json")[0]  # an internal user name hit
    real = captured_rows(name)
    served = ttp_rows(api, TTP_IMPERSONATION)
    same_words(served, real, IMPERSONATION_WORDS)
    assert set(dictionary) == set(by_name)
    for row in served:
        like = dictionary if row["identifiers"][0] == "targeted_threat_dictionary" else by_name
        assert set(row) == set(like) and types(row) == types(like), row
        assert row["id"].startswith("MTOKEN:eNq") and row["eventTime"].endswith("+0000")
        for result in row["impersonationResults"]:
            # a dictionary hit has no similarDomain or checkerResult (ttp-datadog-3), a name hit has both
            if result["impersonationDomainSource"] == "targeted_threat_dictionary":
                assert set(result) == set(dictionary["impersonationResults"][0])
            elif result["impersonationDomainSource"] == "internal_user_name":
                assert set(result) == set(by_name["impersonationResults"][0])


def _placeholders(value, token=None):
    """A captured request with its placeholders filled: "<now ...>" by now, "<meta.pagination.next ...>" by a
    real token (or dropped), the mock token "nextToken" by a real one."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            filled = _placeholders(item, token)
            if filled is not _DROP:
                out[key] = filled
        return out
    if isinstance(value, list):
        return [_placeholders(v, token) for v in value]
    if isinstance(value, str) and value.startswith("<now"):
        now = datetime.datetime.now(UTC)
        return now.strftime("%Y-%m-%dT%H:%M:%SZ") if "RFC 3339" in value else body_date(now)
    if isinstance(value, str) and (value.startswith("<meta.pagination.next") or value == "nextToken"):
        return token if token else _DROP
    return value


_DROP = object()


@checks("mimecast-ttp-demisto-1.json", "mimecast-ttp-demisto-2.json", "mimecast-ttp-elastic-5.json",
        "mimecast-ttp-elastic-6.json", "mimecast-ttp-elastic-7.json", "mimecast-ttp-elastic-12.json",
        "mimecast-ttp-elastic-15.json")
def the_captured_requests_are_served(api, name):
    path = endpoint_of(name)
    request = body_of(name)
    token = None
    if "pageToken" in json.dumps(request):
        first = post(api, path, [{"from": body_date(datetime.datetime.now(UTC) - datetime.timedelta(days=30))}],
                     {"pagination": {"pageSize": 5}})
        token = first["meta"]["pagination"]["next"]
    filled = _placeholders(request, token)
    if isinstance(filled.get("data"), list) and filled["data"] and "to" not in filled["data"][0] and \
            "from" in filled["data"][0]:
        filled["data"][0]["to"] = body_date(datetime.datetime.now(UTC))  # "to" defaults to now; said so for clarity
    response = api.mc_search(None, path=path, body=json.dumps(filled))
    assert response.status_code == 200, response.text
    answer = response.json()
    rows = answer["data"][0][TTP_LIST[path]]
    # each captured first page asks from a date long past (or the first day of a collector): the sandbox's rows
    # within the retention all answer it
    assert rows and answer["fail"] == []
    for field, wanted in (filled.get("data") or [{}])[0].items():
        if field in ("scanResult", "result", "route") and wanted != "all":
            assert {r[field] for r in rows} == {wanted}
        if field == "taggedMalicious":
            assert {r["taggedMalicious"] for r in rows} == {wanted}
    if token:
        assert rows[0] != first["data"][0][TTP_LIST[path]][0]


ROW_CHECKS = {TTP_URL: url_log_rows_have_the_fields_and_words_of_real_ones,
              TTP_ATTACHMENT: attachment_log_rows_have_the_fields_and_words_of_real_ones,
              TTP_IMPERSONATION: impersonation_rows_have_the_fields_and_words_of_real_ones}


# -- message info (tests/sandbox/tests/test_mimecast_msginfo.py checks the whole key tree) -----------------------
@checks("mimecast-msginfo-demisto-1.json", "mimecast-msginfo-chronicle-2.json", fixture="fresh")
def message_info_answers_with_the_captured_keys(api, name):
    real = sample("mimecast-msginfo-demisto-1.json")["body"]
    delivered = api.info["campaign"]["mimecast_delivered"][0]
    item = {"id": delivered["tracked_id"]}
    if name == "mimecast-msginfo-chronicle-2.json":
        # the request as captured: loadContent as the string "true"
        assert set(body_of(name)["data"][0]) == {"id", "loadContent"}
        item["loadContent"] = body_of(name)["data"][0]["loadContent"]
    answer = post(api, MSGINFO, [item])
    assert set(answer) == set(real) and answer["fail"] == []
    assert set(answer["data"][0]) == set(real["data"][0])
    assert delivered["recipient"] in answer["data"][0]["deliveredMessage"]


# -- TMES policy event log ------------------------------------------------------------------------------------------
# fields of the documented details shapes (ACTIONS.md T2) that no capture shows: served, unverified
UNVERIFIED_FILE_KEYS = {"fileSha256"}
UNVERIFIED_URL_KEYS = {"attachmentName", "attachmentSha256"}


@checks("tmes-policy-datadog-1.json")
def policy_events_have_the_fields_of_the_rest_capture(api, name):
    real = body_of(name)
    events = policy_events(api)
    assert events
    for event in events:
        assert set(event) == set(real), set(event) ^ set(real)
        assert types(event) == types(real)
    assert {e["eventType"] for e in events} <= {"Domain-based Authentication", "Malware", "Suspicious Objects",
                                                "Spam", "Phishing", "Content Filtering"}
    urls = [e for e in events if e["eventType"] == real["eventType"]]
    assert urls and {e["eventSubtype"] for e in urls} == {real["eventSubtype"]}
    real_url = json.loads(real["details"])["urlInfo"][0]
    for event in urls:
        for info in json.loads(event["details"])["urlInfo"]:
            if info["extractType"] == "body":
                assert set(info) == set(real_url)
            else:
                assert set(info) == set(real_url) | UNVERIFIED_URL_KEYS
    assert len(real["genTime"]) == 24 and all(len(e["genTime"]) in (20, 24) for e in events)


@checks("tmes-policy-datadog-2.json")
def malware_details_are_the_syslog_capture_s(api, name):
    real = json.loads(body_of(name))
    malware = [json.loads(e["details"]) for e in policy_events(api, event="threat") if e["eventType"] == "Malware"]
    assert malware
    for details in malware:
        assert set(details) == set(real) and isinstance(details["threatNames"], str)
        for info in details["fileInfo"]:
            assert set(info) == set(real["fileInfo"][0]) | UNVERIFIED_FILE_KEYS
    context = sample(name)["context"]
    served = [e for e in policy_events(api, event="threat", direction="out") if e["eventType"] == "Malware"]
    assert all(e["policyName"] == context["cs5 policyName"] for e in served)


@checks("tmes-policy-datadog-3.json")
def phishing_details_are_the_syslog_capture_s(api, name):
    real = json.loads(body_of(name))
    context = sample(name)["context"]
    phishing = policy_events(api, event=context["cs1 eventType"])
    assert phishing
    for event in phishing:
        details = json.loads(event["details"])
        assert set(details) == set(real) and set(details["spamReport"]) == set(real["spamReport"])
        assert all(isinstance(v, str) for v in details["spamReport"].values())
        assert event["policyName"] == context["cs5 policyName"] and event["policyAction"] == context["act"]


# last in the file: every check above is registered by now
@pytest.mark.parametrize("name", sorted(CHECKS))
def test_the_sandbox_answers_like_the_capture(request, name):
    fixture, function = CHECKS[name]
    function(request.getfixturevalue(fixture), name)
