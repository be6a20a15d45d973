# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The TMES endpoint enforces every documented rule."""

from __future__ import annotations

import collections
import json
import datetime
import re
import time
import urllib.parse

import pytest

from tests.sandbox import data as datamod
from tests.sandbox.tests.conftest import tmes_time

UTC = datetime.timezone.utc
FIELDS = {"genTime", "timestamp", "sender", "recipient", "direction", "messageID", "mailID", "subject", "size",
          "action", "tlsInfo", "headerFrom", "headerTo", "senderIP", "deliveredTo", "attachments", "embeddedUrls",
          "details"}


def now():
    return datetime.datetime.now(UTC)


def window(hours=70):
    return {"start": tmes_time(now() - datetime.timedelta(hours=hours)), "end": tmes_time(now())}


def parse(value):
    return datetime.datetime.strptime(value.replace("Z", "+0000"),
                                      "%Y-%m-%dT%H:%M:%S.%f%z" if "." in value else "%Y-%m-%dT%H:%M:%S%z")


def expect_error(response, status, code):
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"code", "message"}
    assert body["code"] == code
    assert body["message"]
    return body["message"]


def test_missing_credentials_are_refused(api):
    expect_error(api.tmes({"type": "accepted_traffic"}, auth=False), 401, "AuthenticationMissingOrInvalid")


def test_wrong_api_key_is_refused(api):
    response = api.http.get(api.url + "/api/v1/log/mailtrackinglog", params={"type": "accepted_traffic"},
                            auth=(api.info["tmes"]["username"], "wrong"), timeout=10)
    expect_error(response, 401, "AuthenticationMissingOrInvalid")


def test_post_is_an_invalid_method(api):
    expect_error(api.tmes({"type": "accepted_traffic"}, method="POST"), 400, "InvalidMethod")


@pytest.mark.parametrize("params, fragment", [
    ({}, "type is required"),
    ({"type": "all_traffic"}, "accepted_traffic or blocked_traffic"),
    ({"type": "accepted_traffic", "direction": "both"}, "in or out"),
    ({"type": "accepted_traffic", "limit": "0"}, "1 to 500"),
    ({"type": "accepted_traffic", "limit": "501"}, "1 to 500"),
    ({"type": "accepted_traffic", "limit": "ten"}, "1 to 500"),
    ({"type": "accepted_traffic", "limit": "-1"}, "1 to 500"),
    ({"type": "accepted_traffic", "sender": "a@b.example"}, "Unknown parameter: sender"),
    ({"type": "accepted_traffic", "start": "2026-01-01T00:00:00"}, "yyyy-mm-ddThh:mm:ss[.mmm]Z"),
    ({"type": "accepted_traffic", "start": "2026-01-01 00:00:00Z"}, "yyyy-mm-ddThh:mm:ss[.mmm]Z"),
    ({"type": "accepted_traffic", "start": "2026-01-01T00:00:00+00:00"}, "yyyy-mm-ddThh:mm:ss[.mmm]Z"),
    ({"type": "accepted_traffic", "start": "2026-01-01T00:00:00.5Z"}, "yyyy-mm-ddThh:mm:ss[.mmm]Z"),
    ({"type": "accepted_traffic", "end": "2026-02-30T00:00:00Z"}, "yyyy-mm-ddThh:mm:ss[.mmm]Z"),
    ({"type": "accepted_traffic", "end": "1700000000"}, "yyyy-mm-ddThh:mm:ss[.mmm]Z"),
])
def test_invalid_parameters_are_refused(api, params, fragment):
    message = expect_error(api.tmes(params), 400, "InvalidFormat")
    assert fragment in message


def test_illegal_character_in_domain(api):
    expect_error(api.tmes({"type": "accepted_traffic", "domain": "acme.example;drop"}), 400, "IllegalCharacter")


def test_repeated_parameter_is_refused(api):
    message = expect_error(api.tmes(raw_query="type=accepted_traffic&type=blocked_traffic"), 400, "InvalidFormat")
    assert "more than once" in message


def test_end_before_start_is_refused(api):
    params = {"type": "accepted_traffic", "start": tmes_time(now()),
              "end": tmes_time(now() - datetime.timedelta(hours=1))}
    assert "no earlier than the start" in expect_error(api.tmes(params), 400, "InvalidFormat")


def test_start_more_than_72_hours_back_is_refused(api):
    params = {"type": "accepted_traffic", "start": tmes_time(now() - datetime.timedelta(hours=72, minutes=1)),
              "end": tmes_time(now())}
    assert "72 hours" in expect_error(api.tmes(params), 400, "InvalidFormat")
    # just inside the limit is accepted
    params["start"] = tmes_time(now() - datetime.timedelta(hours=71, minutes=59))
    assert api.tmes(params).status_code in (200, 204)


def test_only_end_given_means_five_minutes_before_it_and_is_checked_against_72_hours(api):
    end = now() - datetime.timedelta(hours=71, minutes=58)
    assert "72 hours" in expect_error(api.tmes({"type": "accepted_traffic", "end": tmes_time(end)}), 400,
                                      "InvalidFormat")


def _window_of(api, params):
    logs, dummy = api.tmes_all(dict(params, type="accepted_traffic"))
    logs_blocked, dummy = api.tmes_all(dict(params, type="blocked_traffic"))
    return [parse(log["genTime"]) for log in logs + logs_blocked]


def test_default_windows_are_five_minutes(api, sandbox):
    # use the data's own times to pick windows that surely hold records
    times = sandbox.state.tmes_data.times
    middle = times[len(times) // 2]
    anchor = datetime.datetime.fromtimestamp(middle / 1000.0, UTC).replace(microsecond=0)
    five = datetime.timedelta(minutes=5)
    after = _window_of(api, {"start": tmes_time(anchor)})
    assert after and all(anchor <= t <= anchor + five for t in after)
    before = _window_of(api, {"end": tmes_time(anchor)})
    assert before and all(anchor - five <= t <= anchor for t in before)
    expected = [t for t in times if anchor.timestamp() * 1000 <= t <= (anchor + five).timestamp() * 1000]
    assert len(after) == len(expected)
    started = now()
    neither = _window_of(api, {})
    assert all(started - five - datetime.timedelta(seconds=2) <= t <= now() for t in neither)


def test_paging_returns_every_record_exactly_once(api, sandbox):
    params = dict(window(), type="accepted_traffic", limit="100")
    logs, pages = api.tmes_all(params)
    index = sandbox.state.tmes_data.index("accepted_traffic", None, None)
    lo, hi = index.window(int(parse(params["start"]).timestamp() * 1000), int(parse(params["end"]).timestamp() * 1000))
    assert len(logs) == hi - lo > 1000
    assert len({log["mailID"] for log in logs}) == len(logs)
    assert pages == -(-len(logs) // 100)
    assert [parse(log["genTime"]) for log in logs] == sorted(parse(log["genTime"]) for log in logs)


def test_pages_are_compact_json_as_one_dumps_of_the_page_would_be(api):
    """The records are rendered once and joined as bytes: a page must read exactly as json.dumps of it, with and
    without a next token, and the policy event log too."""
    first = api.tmes(dict(window(), type="accepted_traffic", limit="7"))
    body = first.json()
    assert list(body) == ["nextToken", "logs"] and len(body["logs"]) == 7
    assert first.content == json.dumps(body, separators=(",", ":")).encode("utf-8")
    params = dict(window(), type="blocked_traffic", limit="500")
    last = api.tmes(params)
    assert "nextToken" in last.json()
    while "nextToken" in last.json():
        last = api.tmes(dict(params, token=urllib.parse.unquote(last.json()["nextToken"])))
    assert last.status_code == 200 and list(last.json()) == ["logs"] and last.json()["logs"]
    assert last.content == json.dumps(last.json(), separators=(",", ":")).encode("utf-8")
    events = api.http.get(api.url + "/api/v1/log/policyeventlog", params=dict(window(), event="threat", limit="5"),
                          auth=api.tmes_auth(), timeout=30)
    assert events.status_code == 200 and len(events.json()["logs"]) == 5
    assert events.content == json.dumps(events.json(), separators=(",", ":")).encode("utf-8")


def test_records_rendered_once_are_the_records():
    now_ms = int(time.time() * 1000)
    one = datamod.TmesData(3, 2000, now_ms, datamod.Campaign(3), 30)
    other = datamod.TmesData(3, 2000, now_ms, datamod.Campaign(3), 30)
    assert one._json is None  # pylint: disable=protected-access
    one.record_json(0)
    assert one._json is None  # nothing kept without prerender  # pylint: disable=protected-access
    one.prerender()
    positions = list(one.index("accepted_traffic", None, None).positions)
    assert len(one._json) == len(positions) > 1000  # pylint: disable=protected-access
    for pos in positions:
        assert one.record_json(pos) == other.record_json(pos)
        assert one.record_json(pos) == json.dumps(other.record(pos), separators=(",", ":")).encode("utf-8")


def test_default_limit_is_500(api):
    body = api.tmes(dict(window(), type="accepted_traffic")).json()
    assert len(body["logs"]) == 500 and "nextToken" in body


def test_token_is_url_encoded_and_opaque_with_plus_slash_and_equals(api):
    body = api.tmes(dict(window(), type="accepted_traffic", limit="10")).json()
    encoded = body["nextToken"]
    assert "%2B" in encoded and "%2F" in encoded and "%3D" in encoded
    raw = urllib.parse.unquote(encoded)
    assert "+" in raw and "/" in raw and raw.endswith("=")


def test_token_encoded_twice_is_an_error_not_the_next_page(api):
    params = dict(window(), type="accepted_traffic", limit="10")
    body = api.tmes(params).json()
    # the naive client hands the body's (already encoded) value to the encoder
    response = api.tmes(dict(params, token=body["nextToken"]))
    assert "token is invalid" in expect_error(response, 400, "InvalidFormat")


def test_token_sent_without_encoding_is_an_error(api):
    params = dict(window(), type="accepted_traffic", limit="10")
    raw = urllib.parse.unquote(api.tmes(params).json()["nextToken"])
    query = urllib.parse.urlencode(params) + "&token=" + raw  # '+' reads as a space, '=' stays
    expect_error(api.tmes(raw_query=query), 400, "InvalidFormat")


@pytest.mark.parametrize("change", [{"limit": "11"}, {"type": "blocked_traffic"}, {"direction": "in"},
                                    {"end": "later"}, {"domain": "acme.example"}])
def test_token_is_bound_to_its_query(api, change):
    params = dict(window(), type="accepted_traffic", limit="10")
    token = urllib.parse.unquote(api.tmes(params).json()["nextToken"])
    changed = dict(params, **change)
    if change.get("end") == "later":
        changed["end"] = tmes_time(now() + datetime.timedelta(minutes=1))
    message = expect_error(api.tmes(dict(changed, token=token)), 400, "InvalidFormat")
    assert "does not belong to this query" in message


def test_forged_token_is_refused(api):
    params = dict(window(), type="accepted_traffic", limit="10")
    token = urllib.parse.unquote(api.tmes(params).json()["nextToken"])
    forged = token[:10] + ("A" if token[10] != "A" else "B") + token[11:]
    expect_error(api.tmes(dict(params, token=forged)), 400, "InvalidFormat")


def test_nothing_matching_is_204_with_empty_body(api):
    response = api.tmes(dict(window(), type="accepted_traffic", domain="nobody.example"))
    assert response.status_code == 204
    assert response.content == b""


def test_records_have_the_real_shape_and_vocabulary(api):
    accepted, dummy = api.tmes_all(dict(window(), type="accepted_traffic"))
    blocked, dummy = api.tmes_all(dict(window(), type="blocked_traffic"))
    assert accepted and blocked
    always = FIELDS - {"tlsInfo", "senderIP", "deliveredTo", "details"}
    for log in accepted + blocked:
        assert always <= set(log), always - set(log)
    assert all("reason" in log and log["reason"] for log in blocked)
    assert not any("reason" in log for log in accepted)
    # the words of real logs, the in-progress one included
    assert {log["action"] for log in accepted} == {"Delivered", "Bounced", "Scanning in sandbox"}
    assert "Quarantined" in {log["action"] for log in blocked}
    for log in accepted:
        if log["action"] == "Delivered":
            assert re.match(r"^[a-z0-9.-]+\[192\.0\.2\.\d+\]:25$", log["deliveredTo"]) and "deliveryTime" in log
        elif log["action"] == "Bounced":
            assert log["deliveredTo"] == "none" and "deliveryTime" in log
        else:
            assert "deliveredTo" not in log and "deliveryTime" not in log
    assert not any("deliveredTo" in log or "deliveryTime" in log for log in blocked)
    with_ms = [log for log in accepted if re.search(r"\.\d{3}Z$", log["genTime"])]
    assert 0 < len(with_ms) < len(accepted)
    assert {log["direction"] for log in accepted} == {"in", "out"}


def test_campaign_holds_every_state_a_decision_depends_on(api):
    campaign = api.info["campaign"]
    assert campaign["tmes_actions"] == {"Bounced": 4, "Delivered": 12, "Quarantined": 4, "Scanning in sandbox": 4}
    found = []
    for kind in ("accepted_traffic", "blocked_traffic"):
        logs, dummy = api.tmes_all(dict(window(), type=kind))
        found += [log for log in logs if log["subject"] == campaign["subject"]]
    assert collections.Counter(log["action"] for log in found) == campaign["tmes_actions"]


def test_direction_and_domain_filter(api):
    logs, dummy = api.tmes_all(dict(window(), type="accepted_traffic", direction="out", domain="acme-labs.example"))
    assert logs
    assert all(log["direction"] == "out" and log["sender"].endswith("@acme-labs.example") for log in logs)


def test_window_is_inclusive_at_both_ends(api, sandbox):
    times = sandbox.state.tmes_data.times
    index = sandbox.state.tmes_data.index("accepted_traffic", None, None)
    edge = index.times[len(index.times) // 3]
    at = datetime.datetime.fromtimestamp(edge / 1000.0, UTC)
    stamp = at.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (edge % 1000)
    exact, dummy = api.tmes_all({"type": "accepted_traffic", "start": stamp, "end": stamp})
    assert exact and all(parse(log["genTime"]).timestamp() * 1000 == edge for log in exact)
    assert len(exact) == sum(1 for k in index.times if k == edge) <= len(times)


def test_campaign_is_visible_in_the_last_day(api, sandbox):
    campaign = api.info["campaign"]
    found = []
    for traffic in ("accepted_traffic", "blocked_traffic"):
        logs, dummy = api.tmes_all(dict(window(24), type=traffic))
        found += [log for log in logs if log["sender"] == campaign["sender"]]
    assert len(found) == campaign["tmes_count"] == sandbox.state.tmes_data.campaign_count()
    for log in found:
        assert log["subject"] == campaign["subject"] and log["senderIP"] == campaign["sender_ip"]
        assert log["attachments"][0]["sha256"] == campaign["attachment_sha256"]
        assert campaign["url"] in log["embeddedUrls"]
    assert {log["action"] for log in found} >= {"Delivered", "Quarantined"}


def test_a_million_records_page_quickly_enough_to_use():
    campaign = datamod.Campaign(3)
    big = datamod.TmesData(3, 1_000_000, int(time.time() * 1000), campaign, 24)
    index = big.index("accepted_traffic", None, None)
    assert len(index.positions) > 800_000
    lo, hi = index.window(big.first_ms, big.last_ms)
    page = [big.record(index.positions[k]) for k in range(hi - 500, hi)]
    assert len({log["mailID"] for log in page}) == 500


def test_same_seed_gives_same_records():
    campaign = datamod.Campaign(5)
    first = datamod.TmesData(5, 300, 1_800_000_000_000, campaign, 3)
    second = datamod.TmesData(5, 300, 1_800_000_000_000, campaign, 3)
    assert [first.record(i) for i in range(300)] == [second.record(i) for i in range(300)]
    other = datamod.TmesData(6, 300, 1_800_000_000_000, campaign, 3)
    assert [first.record(i) for i in range(300)] != [other.record(i) for i in range(300)]


POLICY = "/api/v1/log/policyeventlog"


def policy_events(api, **params):
    logs, query = [], dict(window(), **params)
    while True:
        response = api.http.get(api.url + POLICY, params=query, auth=api.tmes_auth(), timeout=30)
        if response.status_code == 204:
            return logs
        assert response.status_code == 200, response.text
        body = response.json()
        logs += body["logs"]
        if "nextToken" not in body:
            return logs
        query["token"] = urllib.parse.unquote(body["nextToken"])


def test_policy_events_join_the_blocked_records_by_message_id(api):
    blocked, dummy = api.tmes_all(dict(window(), type="blocked_traffic"))
    events = policy_events(api, limit="50")
    # no mailID, as in every capture: events join the tracking log on messageID and recipient
    assert events and all("mailID" not in e for e in events)
    assert sorted((e["messageID"], e["recipients"][0]) for e in events) == sorted(
        (b["messageID"], b["recipient"]) for b in blocked)
    by_id = {b["messageID"]: b for b in blocked}
    actions = {"Quarantined": "Quarantine", "Deleted": "Delete", "Rejected": "Reject"}
    for event in events:
        record = by_id[event["messageID"]]
        assert event["policyAction"] == actions[record["action"]] and event["recipients"] == [record["recipient"]]
        assert isinstance(json.loads(event["details"]), dict)
        assert event["policyName"].startswith("Organization: ")
    campaign = api.info["campaign"]
    # the campaign's URL detection: a Suspicious Objects event of type threat, as captured (tmes-policy-datadog-1)
    threat = policy_events(api, event="threat")
    ours = [e for e in threat if e["subject"] == campaign["subject"]]
    assert len(ours) == campaign["tmes_actions"]["Quarantined"]
    assert all(campaign["url"] in e["details"] for e in ours)
    assert {(e["eventType"], e["eventSubtype"]) for e in ours} == {("Suspicious Objects", "Suspicious URLs")}
    assert {e["eventType"] for e in threat} <= {"Malware", "Suspicious Objects"}
    assert all(isinstance(json.loads(e["details"])["threatNames"], str)
               for e in threat if e["eventType"] == "Malware")
    spoofing = policy_events(api, event="anti_spoof")
    assert spoofing and {e["eventType"] for e in spoofing} == {"Domain-based Authentication"}
    phishing = policy_events(api, event="phishing")
    assert phishing and {e["eventType"] for e in phishing} == {"Phishing"}
    assert all(set(json.loads(e["details"])) == {"spamReport"} for e in phishing)


def test_policy_event_log_rules(api):
    def get(**params):
        return api.http.get(api.url + POLICY, params=dict(window(), **params), auth=api.tmes_auth(), timeout=30)

    assert get(event="virus").status_code == 400
    assert get(event="phishing", type="policy_logs").status_code == 200  # type is taken and not read
    assert get(event="phishing", traffic="x").status_code == 400
    assert api.http.get(api.url + POLICY, params=window(), timeout=30).status_code == 401
    assert get(event="dlp").status_code == 204
