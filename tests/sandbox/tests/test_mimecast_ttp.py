# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The sandbox's URL, attachment and impersonation protect logs (shared/api/CLICKS.md sections 1 to 4): the
campaign's ground truth in the describe line, paging, filters, the two URL log shapes, refusals, permissions."""

from __future__ import annotations

import datetime
import json

import pytest

from tests.sandbox import Sandbox
from tests.sandbox.mimecast_ttp import ATTACHMENT_LOGS, IMPERSONATION_LOGS, OLD_FIELDS, URL_LOGS

from .conftest import Clients, body_date

UTC = datetime.timezone.utc


@pytest.fixture(scope="module")
def tenant():
    with Sandbox(seed=13, tmes_records=20, mimecast_records=1500, ttp_records=2500) as running:
        yield running


@pytest.fixture()
def api(tenant):  # pylint: disable=redefined-outer-name
    tenant.state.faults.clear()
    client = Clients(tenant)
    client.state = tenant.state
    yield client
    tenant.state.faults.clear()
    client.http.close()


def month():
    return body_date(datetime.datetime.now(UTC) - datetime.timedelta(days=30))


def ask(api, path, item=None, meta=None, token=None):
    """One page, signed with API 1.0 keys (or an API 2.0 token); the HTTP answer."""
    body = {}
    if item is not None:
        body["data"] = [item]
    if meta is not None:
        body["meta"] = meta
    if token is not None:
        return api.http.post(api.url + path, json=body, headers={"Authorization": "Bearer " + token}, timeout=30)
    return api.mc_search(None, path=path, body=json.dumps(body))


def every(api, path, item, size=50, token=None):
    """Every row of a query, following next; (rows, pages)."""
    rows, pages, meta = [], 0, {"pagination": {"pageSize": size}}
    while True:
        answer = ask(api, path, item, meta, token)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        pages += 1
        assert body["fail"] == [] and len(body["data"]) == 1
        rows += body["data"][0][{URL_LOGS: "clickLogs", ATTACHMENT_LOGS: "attachmentLogs",
                                 IMPERSONATION_LOGS: "impersonationLogs"}[path]]
        following = body["meta"]["pagination"].get("next")
        if not following:
            return rows, pages
        meta = {"pagination": {"pageSize": size, "pageToken": following}}


def bearer(api, which=""):
    mc = api.info["mimecast"]
    answer = api.oauth_token(client_id=mc[which + "client_id"], client_secret=mc[which + "client_secret"])
    return answer.json()["access_token"]


def test_the_describe_line_is_the_ground_truth_of_who_clicked(api):
    campaign = api.info["campaign"]
    rows, dummy = every(api, URL_LOGS, {"from": month()}, size=200)
    mine = [r for r in rows if r.get("url") == campaign["url"]]
    clicks = [r for r in mine if r["creationMethod"] == "User Click"]
    scans = [r for r in mine if r["creationMethod"] == "Entry Scan"]
    assert sorted({r["userEmailAddress"] for r in clicks}) == campaign["clickers"]
    assert len(clicks) == campaign["clicks"] > len(campaign["clickers"]) >= 2
    assert sorted({r["userEmailAddress"] for r in scans} - set(campaign["clickers"])) == campaign["entry_scan_only"]
    assert any(a.startswith("dl-") for a in campaign["entry_scan_only"])
    blocked = {r["userEmailAddress"] for r in clicks if r["action"] != "allow" or r["actions"] == "Block"}
    assert sorted(blocked) == campaign["blocked_clickers"] and 0 < len(blocked) < len(campaign["clickers"])
    for row in clicks:
        if row["userEmailAddress"] in blocked:
            assert (row["scanResult"], row["action"], row["actions"]) == ("malicious", "warn", "Block")
        else:
            assert (row["scanResult"], row["action"], row["actions"]) == ("clean", "allow", "Allow")
    # the clicks name the campaign's messages: their Message-IDs are the tracking search's
    ids = set(api.state.mimecast_data.message_ids)
    assert all(r["messageId"] in ids and r["fromUserEmailAddress"] == campaign["sender"] for r in mine)
    # every campaign row is newer than 20 hours and the rows come newest first
    dates = [r["date"] for r in rows]
    assert dates == sorted(dates, reverse=True)


def test_paging_newest_first_by_default_oldest_first_on_request_and_with_the_token_alone(api):
    item = {"from": month()}
    first = ask(api, URL_LOGS, item, {"pagination": {"pageSize": 7}}).json()
    pagination = first["meta"]["pagination"]
    total = len(api.state.ttp.url)
    assert pagination["pageSize"] == 7 and pagination["totalCount"] == total and pagination["next"]
    assert len(first["data"][0]["clickLogs"]) == 7
    # the next page with the token alone, no data (Elastic's API 1.0 collector, ttp-elastic-6)
    second = ask(api, URL_LOGS, None, {"pagination": {"pageToken": pagination["next"], "pageSize": 7}}).json()
    assert second["data"][0]["clickLogs"][0]["date"] <= first["data"][0]["clickLogs"][-1]["date"]
    rows, pages = every(api, URL_LOGS, item, size=500)
    assert len(rows) == total and pages == -(-total // 500)
    oldest, dummy = every(api, URL_LOGS, dict(item, oldestFirst=True), size=500)
    assert [r["date"] for r in oldest] == sorted(r["date"] for r in rows)
    assert sorted(json.dumps(r, sort_keys=True) for r in oldest) == sorted(json.dumps(r, sort_keys=True) for r in rows)


def test_the_last_page_has_no_next_and_an_empty_window_the_captured_empty_shape(api):
    rows, dummy = every(api, URL_LOGS, {"from": month()}, size=500)
    last = ask(api, URL_LOGS, {"from": month()}, {"pagination": {"pageSize": 500, "pageToken": None}})
    assert last.status_code == 200
    future = body_date(datetime.datetime.now(UTC) + datetime.timedelta(days=1))
    empty = ask(api, URL_LOGS, {"from": future, "to": future}, {"pagination": {"pageSize": 10}}).json()
    assert empty == {"meta": {"status": 200, "pagination": {"pageSize": 0}}, "data": [{"clickLogs": []}], "fail": []}
    whole = ask(api, URL_LOGS, {"from": month()}, {"pagination": {"pageSize": 500}}).json()["meta"]["pagination"]
    assert "next" in whole and whole["totalCount"] == len(rows)


def test_filters_scan_result_route_and_the_zulu_form_of_api_2(api):
    token = bearer(api)
    now = datetime.datetime.now(UTC)
    item = {"from": (now - datetime.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "to": now.strftime("%Y-%m-%dT%H:%M:%SZ"), "scanResult": "malicious"}
    bad, dummy = every(api, URL_LOGS, item, size=200, token=token)
    assert bad and {r["scanResult"] for r in bad} == {"malicious"}
    internal, dummy = every(api, URL_LOGS, {"from": month(), "route": "internal"}, size=200)
    assert internal and {r["route"] for r in internal} == {"internal"}
    assert {r.get("sendingIp") for r in internal} <= {"Internal IP", None}
    everything, dummy = every(api, URL_LOGS, {"from": month(), "scanResult": "all", "route": "all"}, size=500)
    assert len(everything) == len(api.state.ttp.url)


def test_both_url_log_shapes_are_served(api):
    rows, dummy = every(api, URL_LOGS, {"from": month()}, size=500)
    old = [r for r in rows if "creationMethod" not in r]
    new = [r for r in rows if "creationMethod" in r]
    assert old and new
    assert all(tuple(r) == OLD_FIELDS for r in old)
    assert {r["creationMethod"] for r in new} == {"User Click", "Entry Scan"}
    # tagMap only on Entry Scan rows, as captured
    assert all(r["creationMethod"] == "Entry Scan" for r in new if "tagMap" in r)
    assert all(r["date"].endswith("+0000") and len(r["date"]) == 24 for r in rows)


def test_attachment_logs_filter_by_result_and_carry_the_campaign_hash(api):
    campaign = api.info["campaign"]
    malicious, dummy = every(api, ATTACHMENT_LOGS, {"from": month(), "result": "malicious"})
    assert malicious and {r["result"] for r in malicious} == {"malicious"}
    planted = [r for r in malicious if r["fileHash"] == campaign["attachment_sha256"]]
    assert planted and {r["senderAddress"] for r in planted} == {campaign["sender"]}
    safe, dummy = every(api, ATTACHMENT_LOGS, {"from": month(), "result": "safe", "route": "inbound"})
    assert safe and {(r["result"], r["route"]) for r in safe} == {("safe", "inbound")}
    # scanResult is the URL log's filter, not this one's
    refused = ask(api, ATTACHMENT_LOGS, {"from": month(), "scanResult": "malicious"})
    assert refused.status_code == 400 and "scanResult" in refused.text


def test_impersonation_logs_search_server_side_and_count_beside_the_list(api):
    campaign = api.info["campaign"]
    found = ask(api, IMPERSONATION_LOGS, {"from": month(), "searchField": "senderAddress",
                                          "query": campaign["sender"]}).json()
    logs = found["data"][0]["impersonationLogs"]
    assert len(logs) == 1 and found["data"][0]["resultCount"] == 1
    assert logs[0]["eventTime"].endswith("+0000") and "date" not in logs[0]
    assert logs[0]["taggedMalicious"] is True and logs[0]["action"] == "hold"
    tagged, dummy = every(api, IMPERSONATION_LOGS, {"from": month(), "taggedMalicious": False})
    assert tagged and not any(r["taggedMalicious"] for r in tagged)
    by_policy, dummy = every(api, IMPERSONATION_LOGS, {"from": month(), "searchField": "policy", "query": "kptpdp"})
    assert by_policy and {r["definition"] for r in by_policy} == {"KPTPDP Hold"}


@pytest.mark.parametrize("path,item,code", [
    (URL_LOGS, {"from": "yesterday"}, "err_validation_date_format"),
    (URL_LOGS, {"result": "safe"}, "err_validation_unknown_field"),
    (URL_LOGS, {"scanResult": "bad"}, "err_validation_scanresult"),
    (URL_LOGS, {"oldestFirst": "true"}, "err_validation_type"),
    (IMPERSONATION_LOGS, {"route": "inbound"}, "err_validation_unknown_field"),
    (IMPERSONATION_LOGS, {"searchField": "body", "query": "x"}, "err_validation_searchfield"),
])
def test_refusals(api, path, item, code):
    answer = ask(api, path, item)
    assert answer.status_code == 400 and code in answer.text


def test_a_token_of_another_log_is_refused(api):
    following = ask(api, URL_LOGS, {"from": month()}, {"pagination": {"pageSize": 2}}).json()["meta"]["pagination"]
    answer = ask(api, ATTACHMENT_LOGS, None, {"pagination": {"pageToken": following["next"]}})
    assert answer.status_code == 400 and "err_validation_page_token" in answer.text


def test_permissions_stats_and_faults_use_the_ttp_endpoint(api):
    api.http.delete(api.url + "/_sandbox/stats", timeout=10)
    forbidden = ask(api, URL_LOGS, {"from": month()}, token=bearer(api, "forbidden_"))
    assert forbidden.status_code == 403 and forbidden.json()["fail"][0]["code"] == "app_forbidden"
    readonly = ask(api, URL_LOGS, {"from": month()}, token=bearer(api, "readonly_"))
    assert readonly.status_code == 200  # reading logs needs the Read permission only
    api.fault(kind="status", endpoint="ttp", status=503, count=1)
    assert ask(api, ATTACHMENT_LOGS, {}).status_code == 503
    assert ask(api, ATTACHMENT_LOGS, {}).status_code == 200
    assert api.stats()["requests"]["ttp"] == 4


def test_half_a_million_rows_are_rendered_from_their_position():
    with Sandbox(seed=2, tmes_records=0, mimecast_records=50, ttp_records=500000) as running:
        log = running.state.ttp.url
        assert len(log) >= 500000 and len(log.planted) < 100
        assert not hasattr(log, "rows")
        assert log.row(123456) == log.row(123456) and log.row(0) != log.row(1)
        client = Clients(running)
        page = ask(client, URL_LOGS, {"from": month(), "scanResult": "malicious"},
                   {"pagination": {"pageSize": 500, "pageToken": None}}).json()
        assert len(page["data"][0]["clickLogs"]) == 500 and page["meta"]["pagination"]["totalCount"] > 20000
        client.http.close()
