# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Mimecast endpoints enforce the signature, the body schema and the envelope."""

from __future__ import annotations

import collections
import datetime
import json
import time
import uuid

import pytest

from tests.sandbox import Sandbox
from tests.sandbox.tests.conftest import Clients, body_date, mc_date

UTC = datetime.timezone.utc
TRACKING = "/api/tracking/search"
FINDER = "/api/message-finder/search"


def now():
    return datetime.datetime.now(UTC)


def last(days=1, **criteria):
    item = {"start": body_date(now() - datetime.timedelta(days=days)), "end": body_date(now())}
    if criteria:
        item["advancedTrackAndTraceOptions"] = criteria
    return item


def api2_fail(response):
    """(code, message) of an API 2.0 error answer: code and message directly on the fail[] item, as real."""
    body = response.json()
    assert set(body) == {"fail"} and len(body["fail"]) == 1 and "errors" not in body["fail"][0]
    return body["fail"][0]["code"], body["fail"][0]["message"]


def fail_codes(response):
    body = response.json()
    # the authentication layer's refusals carry no data, as a captured 401 (real-samples/mimecast-actions-rapid7-4)
    assert set(body) == ({"meta", "fail"} if response.status_code in (401, 418) else {"meta", "data", "fail"})
    assert body["meta"]["status"] == response.status_code
    return [error["code"] for item in body["fail"] for error in item["errors"]]


def emails(response):
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["fail"] == []
    return body["data"][0]["trackedEmails"]


def test_signed_search_succeeds_on_both_paths(api):
    campaign = api.info["campaign"]
    for path in (TRACKING, FINDER):
        found = emails(api.mc_search(last(**{"from": campaign["sender"]}), path=path))
        assert len(found) == campaign["mimecast_count"]


def test_vendor_sample_date_format_with_gmt_is_accepted(api):
    date = now().strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert api.mc_search(last(subject="invoice"), date=date).status_code == 200


@pytest.mark.parametrize("sign, code", [
    ({"secret_key": "c2VjcmV0LXRoYXQtaXMtd3Jvbmc="}, "err_xdk_authentication_failed"),
    ({"app_key": "wrong-app-key"}, "err_xdk_authentication_failed"),
    ({"access_key": "mYtOL3XZCOwG96BOiFTZRmunknown"}, "err_xdk_authentication_failed"),
    ({"app_id": "00000000-0000-0000-0000-000000000000"}, "err_xdk_unknown_application"),
    ({"date": "2026-11-22T10:00:00Z"}, "err_xdk_invalid_date"),
    ({"date": "Tue, 24 Nov 2015 12:50:11 CET"}, "err_xdk_invalid_date"),
])
def test_bad_signature_parts_are_refused(api, sign, code):
    response = api.mc_search(last(subject="x"), **sign)
    assert response.status_code == 401
    assert fail_codes(response) == [code]


def test_signature_over_another_path_is_refused(api):
    headers = api.mc_headers(FINDER)
    response = api.mc_search(last(subject="x"), path=TRACKING, headers=headers)
    assert response.status_code == 401 and fail_codes(response) == ["err_xdk_authentication_failed"]


def test_stale_and_future_dates_are_refused(api):
    for minutes in (-16, 16):
        response = api.mc_search(last(subject="x"), date=mc_date(now() + datetime.timedelta(minutes=minutes)))
        assert response.status_code == 401 and fail_codes(response) == ["err_xdk_request_expired"]
    response = api.mc_search(last(subject="x"), date=mc_date(now() - datetime.timedelta(minutes=14)))
    assert response.status_code == 200


def test_wrong_weekday_is_refused(api):
    date = mc_date()
    wrong = ("Mon" if not date.startswith("Mon") else "Tue") + date[3:]
    response = api.mc_search(last(subject="x"), date=wrong)
    assert response.status_code == 401 and fail_codes(response) == ["err_xdk_invalid_date"]


@pytest.mark.parametrize("missing", ["x-mc-date", "x-mc-req-id", "x-mc-app-id"])
def test_missing_header_is_refused(api, missing):
    headers = api.mc_headers(TRACKING)
    del headers[missing]
    response = api.mc_search(last(subject="x"), headers=headers)
    assert response.status_code == 401 and fail_codes(response) == ["err_xdk_missing_header"]


def test_missing_authorization_is_refused(api):
    headers = api.mc_headers(TRACKING)
    del headers["Authorization"]
    response = api.mc_search(last(subject="x"), headers=headers)
    assert response.status_code == 401 and fail_codes(response) == ["err_xdk_missing_authorization"]


def test_request_id_is_never_accepted_twice(api):
    request_id = str(uuid.uuid4())
    assert api.mc_search(last(subject="x"), request_id=request_id).status_code == 200
    again = api.mc_search(last(subject="x"), request_id=request_id)
    assert again.status_code == 401 and fail_codes(again) == ["err_xdk_duplicate_request_id"]


def test_expired_binding_gets_418(api):
    response = api.mc_search(last(subject="x"), access_key=api.info["mimecast"]["expired_access_key"])
    assert response.status_code == 418 and fail_codes(response) == ["err_xdk_binding_expired"]


@pytest.mark.parametrize("body, code", [
    ("not json", "err_request_body_invalid"),
    (json.dumps({"data": []}), "err_request_body_invalid"),
    (json.dumps({"data": [{}, {}]}), "err_request_body_invalid"),
    (json.dumps({"search": [{}]}), "err_request_body_invalid"),
    (json.dumps({"data": [{"sender": "a@b.example"}]}), "err_validation_unknown_field"),
    (json.dumps({"data": [{"start": "2026-11-01T10:00:00Z"}]}), "err_validation_date_format"),
    (json.dumps({"data": [{"end": "2026-11-01 10:00:00+0000"}]}), "err_validation_date_format"),
    (json.dumps({"data": [{"start": "2026-02-30T10:00:00+0000"}]}), "err_validation_date_format"),
    (json.dumps({"data": [{"messageId": 5}]}), "err_validation_type"),
    (json.dumps({"data": [{"advancedTrackAndTraceOptions": {"from": ["a"]}}]}), "err_validation_type"),
    (json.dumps({"data": [{"advancedTrackAndTraceOptions": {"sender": "a"}}]}), "err_validation_unknown_field"),
    (json.dumps({"data": [{"advancedTrackAndTraceOptions": {"route": "inbound"}}]}), "err_validation_unknown_field"),
])
def test_body_schema_is_enforced(api, body, code):
    response = api.mc_search(None, body=body)
    assert response.status_code == 400, response.text
    assert fail_codes(response) == [code]


def test_route_is_a_message_finder_option(api):
    found = emails(api.mc_search(last(days=5, route="outbound"), path=FINDER))
    assert found and all(e["route"] == "outbound" for e in found)
    response = api.mc_search(last(route="sideways"), path=FINDER)
    assert response.status_code == 400 and fail_codes(response) == ["err_validation_route"]


@pytest.mark.parametrize("item, code", [
    (dict(last(subject="x"), start=body_date(now() - datetime.timedelta(days=31))),
     "err_track_and_trace_invalid_start_date"),
    (last(), "err_track_and_trace_no_search_criteria"),
    (dict(last(subject="x"), messageId="<a@b.example>"), "err_track_and_trace_invalid_criteria"),
    (dict(last(subject="x"), end=body_date(now() - datetime.timedelta(days=2))), "err_track_and_trace_invalid_date_range"),
])
def test_logical_errors_come_back_as_200_with_fail(api, item, code):
    response = api.mc_search(item)
    assert response.status_code == 200
    assert fail_codes(response) == [code]
    assert response.json()["data"] == []


def test_offset_dates_are_converted(api):
    start = now() - datetime.timedelta(days=2)
    plus_two = (start + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S+0200")
    as_utc = emails(api.mc_search(dict(last(subject="e"), start=body_date(start))))
    as_offset = emails(api.mc_search(dict(last(subject="e"), start=plus_two)))
    assert as_utc == as_offset and as_utc


def test_each_criterion_filters(api, sandbox):
    records = sandbox.state.mimecast_data.records
    sample = records[len(records) - 40]
    days = 3
    found = emails(api.mc_search(last(days=days, **{"from": sample["fromEnv"]["emailAddress"]})))
    assert sample in found and all(e["fromEnv"]["emailAddress"] == sample["fromEnv"]["emailAddress"] for e in found)
    domain = sample["to"][0]["emailAddress"].split("@")[1]
    found = emails(api.mc_search(last(days=days, to=domain)))
    assert sample in found and all(any(t["emailAddress"].endswith("@" + domain) for t in e["to"]) for e in found)
    found = emails(api.mc_search(last(days=days, subject=sample["subject"].upper())))
    assert sample in found and all(sample["subject"].lower() in e["subject"].lower() for e in found)
    found = emails(api.mc_search(last(days=days, senderIP=sample["senderIP"])))
    assert sample in found and all(e["senderIP"] == sample["senderIP"] for e in found)


def test_search_by_message_id(api):
    message_id = api.info["campaign"]["mimecast_message_id"]
    found = emails(api.mc_search(dict(last(), messageId=message_id)))
    assert len(found) == 1 and found[0]["subject"] == api.info["campaign"]["subject"]


def test_tracked_emails_carry_the_documented_fields(api):
    found = emails(api.mc_search(last(days=10, subject="e")))
    assert found
    for email in found:
        assert {"id", "status", "info", "received", "sent", "fromEnv", "fromHdr", "to", "subject", "senderIP",
                "attachments", "route", "spamScore", "detectionLevel"} <= set(email)
        assert isinstance(email["attachments"], bool)
        assert email["route"] in ("inbound", "outbound", "internal")
    assert len({e["id"] for e in found}) == len(found)


def test_result_cap_truncates_silently():
    with Sandbox(seed=2, tmes_records=10, mimecast_records=3000, mimecast_cap=25) as small:
        api = Clients(small)
        found = emails(api.mc_search(last(days=29, subject="e")))
        assert len(found) == 25


def test_oauth_token_and_bearer_search(api):
    response = api.oauth_token()
    assert response.status_code == 200
    token = response.json()
    assert token["token_type"] == "Bearer" and token["expires_in"] == 60
    found = emails(api.bearer_search(last(**{"from": api.info["campaign"]["sender"]}), token["access_token"]))
    assert len(found) == api.info["campaign"]["mimecast_count"]


@pytest.mark.parametrize("kwargs", [{"client_secret": "wrong"}, {"client_id": "someone-else"}])
def test_oauth_token_refuses_wrong_credentials_in_the_real_api2_shape(api, kwargs):
    response = api.oauth_token(**kwargs)
    assert response.status_code == 401
    assert api2_fail(response) == ("InvalidClientIdentifier", "Client credentials are invalid")


def test_oauth_token_refuses_another_grant_type(api):
    response = api.oauth_token(grant_type="password")
    assert response.status_code == 400 and response.json()["error"] == "unsupported_grant_type"


def test_an_application_without_the_permission_gets_403_app_forbidden(api):
    mc = api.info["mimecast"]
    token = api.oauth_token(client_id=mc["forbidden_client_id"], client_secret=mc["forbidden_client_secret"])
    assert token.status_code == 200
    response = api.bearer_search(last(subject="x"), token.json()["access_token"])
    assert response.status_code == 403
    assert api2_fail(response) == ("app_forbidden", "Forbidden to perform the requested operation")


def test_oauth_token_needs_a_form_body(api):
    mc = api.info["mimecast"]
    form = {"client_id": mc["client_id"], "client_secret": mc["client_secret"], "grant_type": "client_credentials"}
    response = api.http.post(api.url + "/oauth/token", json=form, timeout=10)
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


def test_unknown_and_misplaced_bearer_tokens_are_refused(api):
    response = api.bearer_search(last(subject="x"), "not-a-token")
    assert response.status_code == 401 and api2_fail(response)[0] == "InvalidClientIdentifier"
    token = api.oauth_token().json()["access_token"]
    response = api.bearer_search(last(subject="x"), token, path=TRACKING)
    assert response.status_code == 401


def test_tokens_expire():
    with Sandbox(seed=3, tmes_records=10, mimecast_records=50, token_lifetime=1) as short:
        api = Clients(short)
        token = api.oauth_token().json()["access_token"]
        assert api.bearer_search(last(subject="e"), token).status_code == 200
        time.sleep(1.2)
        response = api.bearer_search(last(subject="e"), token)
        assert response.status_code == 401 and api2_fail(response)[0] == "InvalidClientIdentifier"


def test_expire_tokens_control_endpoint(api):
    token = api.oauth_token().json()["access_token"]
    assert api.http.post(api.url + "/_sandbox/expire-tokens", timeout=10).status_code == 200
    response = api.bearer_search(last(subject="e"), token)
    assert response.status_code == 401 and api2_fail(response)[0] == "InvalidClientIdentifier"


def test_campaign_is_visible_at_mimecast(api):
    campaign = api.info["campaign"]
    by_ip = emails(api.mc_search(last(senderIP=campaign["sender_ip"])))
    by_subject = emails(api.mc_search(last(subject=campaign["subject"])))
    by_domain = emails(api.mc_search(last(**{"from": campaign["sender_domain"]})))
    assert len(by_ip) == len(by_subject) == len(by_domain) == campaign["mimecast_count"] > 0
    # every state a responder's decision depends on, in the real vocabulary
    assert {e["status"] for e in by_ip} == {"archived", "held", "accepted", "delivery", "bounced", "rejected"}
    assert collections.Counter(e["status"] for e in by_ip) == campaign["mimecast_statuses"]


REAL_STATUSES = {"archived", "held", "accepted", "delivery", "bounced", "deferred", "rejected"}


def test_tracked_emails_have_the_real_shape(api):
    found = emails(api.mc_search(last(days=10, to="acme.example")))
    assert len(found) > 100
    assert {e["status"] for e in found} == REAL_STATUSES
    assert all(isinstance(e["attachments"], bool) for e in found)
    assert all(isinstance(e["spamScore"], int) and e["detectionLevel"] for e in found)
    # tracked emails carry no message id: it exists only in the request
    assert not any(k.lower().startswith("messageid") for e in found for k in e)
    archived = [e for e in found if e["status"] == "archived"]
    assert archived and {e["info"] for e in archived} == {"Indexed and archived"}
    assert all(e["info"].startswith("Message Hold Applied") for e in found if e["status"] == "held")


@pytest.mark.parametrize("route", ["inbound", ["inbound"], ["inbound", "internal"]])
def test_route_is_accepted_as_a_string_or_an_array_on_the_message_finder_path(api, route):
    found = emails(api.mc_search(last(to="acme.example", route=route), path=FINDER))
    wanted = {route} if isinstance(route, str) else set(route)
    assert found and {e["route"] for e in found} == wanted


@pytest.mark.parametrize("route", [[], ["sideways"], [1], {"a": 1}])
def test_a_bad_route_is_refused(api, route):
    response = api.mc_search(last(to="acme.example", route=route), path=FINDER)
    assert response.status_code == 400 and fail_codes(response) == ["err_validation_route"]


def test_expected_control_endpoint_is_the_uncapped_truth(api, sandbox):
    start, end = body_date(now() - datetime.timedelta(days=20)), body_date(now())
    query = {"start": start, "end": end, "to": "acme.example"}
    truth = api.http.get(api.url + "/_sandbox/mimecast/expected", params=query, timeout=10).json()
    capped = emails(api.mc_search({"start": start, "end": end, "advancedTrackAndTraceOptions": {"to": "acme.example"}}))
    assert truth["count"] > len(capped) == sandbox.state.mimecast.result_cap
    assert [e["id"] for e in capped] == truth["ids"][:len(capped)]
