# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""mimecast_ttp_log_info through main(), every HTTP call declared: every captured TTP log answer and request
(real-samples/mimecast-ttp-*, copies of shared/api/real-samples) through the real decoding - who clicked, Entry
Scan rows left out, blocked clicks, the 11-field rows of 2020, the empty answer, attachment verdicts and hashes,
impersonation eventTime, paging to the end, fail[] on HTTP 200 - and bad input refused before any request."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import datetime
import json

import pytest

from ansible_collections.emailsec.tracking.plugins.module_utils import _mimecast_ttp
from ansible_collections.emailsec.tracking.plugins.modules import mimecast_ttp_log_info
from ansible_collections.emailsec.tracking.tests.unit.plugins.module_utils.helpers import response
from ansible_collections.emailsec.tracking.tests.unit.plugins.modules.utils import (
    run_module, sample, scripted_vendor,
)

BASE = "https://eu-api.mimecast.com"
URL_LOGS = BASE + "/api/ttp/url/get-logs"
ATTACHMENT_LOGS = BASE + "/api/ttp/attachment/get-logs"
IMPERSONATION_LOGS = BASE + "/api/ttp/impersonation/get-logs"
ENVIRONMENT = ("MIMECAST_BASE_URL", "MIMECAST_ACCESS_KEY", "MIMECAST_SECRET_KEY", "MIMECAST_APP_ID",
               "MIMECAST_APP_KEY", "MIMECAST_CLIENT_ID", "MIMECAST_CLIENT_SECRET", "MIMECAST_AUTH_TYPE")
SECRET = "c2VjcmV0LWtleS1mb3ItdW5pdC10ZXN0cw=="
UTC = datetime.timezone.utc
OLD_FIELDS = ("userEmailAddress", "url", "ttpDefinition", "action", "adminOverride", "userOverride", "scanResult",
              "category", "userAwarenessAction", "date", "route")


@pytest.fixture()
def env(monkeypatch):
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def at(monkeypatch, text):
    """Run the module as if it were this UTC time (the captures are from 2021 to 2024)."""
    moment = datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    monkeypatch.setattr(_mimecast_ttp, "utc_now", lambda: moment)


def args(**extra):
    base = {"region": "eu", "access_key": "mYtOL3XZCOwG96BOiFTZRm-access", "secret_key": SECRET,
            "app_id": "00000000-0000-0000-0000-000000000001", "app_key": "app-key-for-unit-tests",
            "retry_max_delay": 0, "retries": 1}
    base.update(extra)
    return base


def page(rows, key="clickLogs", following=None, **extra):
    pagination = {"pageSize": 100, "totalCount": len(rows)}
    if following:
        pagination["next"] = following
    return response(200, {"meta": {"status": 200, "pagination": pagination}, "data": [dict({key: rows}, **extra)],
                          "fail": []})


def records(name):
    """The log rows of a capture kept as records (one record, or a list with an envelope among them)."""
    body = sample(name)
    return [r for r in (body if isinstance(body, list) else [body]) if "meta" not in r]


def run(env, answers, **extra):
    session = scripted_vendor(env, answers)
    result = run_module(mimecast_ttp_log_info.main, args(**extra), env)
    assert not session.answers, "declared answers were not asked for"
    return result, session


def sent(session):
    return [(c["url"], c["json"]) for c in session.calls]


def first_clicked(rows):
    """Each URL of the rows once, in the order of its first click (then by URL)."""
    first = {}
    for row in rows:
        moment = datetime.datetime.strptime(row["date"], "%Y-%m-%dT%H:%M:%S%z")
        first[row["url"]] = min(moment, first.get(row["url"], moment))
    return [url for url, dummy in sorted(first.items(), key=lambda item: (item[1], item[0]))]


# -- URL logs: who clicked -------------------------------------------------------------------------------------
def test_captured_clicks_give_one_user_with_every_url_and_nobody_blocked(env):
    at(env, "2021-11-10T12:00:00Z")
    capture = sample("mimecast-ttp-elastic-3.json")  # the last page of a run: no next
    result, session = run(env, [response(200, capture)], start="-1d")
    assert not result.failed, result.result
    out = result.result
    rows = capture["data"][0]["clickLogs"]
    assert out["changed"] is False and out["count"] == len(rows) == 10 and out["logs"] == rows
    assert out["users"] == [{
        "user": "johndoe@example.com", "first_click": "2021-11-10T03:49:53.000Z",
        "last_click": "2021-11-10T08:55:53.000Z", "clicks": 10, "urls": first_clicked(rows), "urls_truncated": False,
        "scan_results": ["clean"],
        # allow / Allow, and allow / Browser Isolation: let through (isolated), not blocked
        "blocked": False}]
    (url, body), = sent(session)
    assert url == URL_LOGS
    assert body == {"meta": {"pagination": {"pageSize": 100}}, "data": [{
        "from": "2021-11-09T12:00:00+0000", "to": "2021-11-10T12:00:01+0000", "oldestFirst": True}]}


def test_entry_scans_are_not_clicks_and_paging_follows_next_to_the_empty_end(env):
    at(env, "2024-11-18T00:00:00Z")
    first = sample("mimecast-ttp-elastic-1.json")  # two Entry Scan rows, one of a distribution list; next
    last = sample("mimecast-ttp-rapid7-2.json")  # the empty answer: data [{clickLogs: []}], pageSize 0, no next
    result, session = run(env, [response(200, first), response(200, last)], start="-7d", page_size=2)
    assert not result.failed, result.result
    assert result.result["logs"] == [] and result.result["count"] == 0 and result.result["users"] == []
    calls = sent(session)
    assert len(calls) == 2 and calls[1][1]["meta"] == {"pagination": {"pageSize": 2, "pageToken": "nexttoken"}}
    # the same rows with clicks_only false: the scans are there, still nobody clicked
    result, dummy = run(env, [response(200, first), response(200, last)], start="-7d", page_size=2,
                        clicks_only=False)
    entries = first["data"][0]["clickLogs"]
    assert result.result["logs"] == entries and result.result["users"] == []
    assert {r["creationMethod"] for r in result.result["logs"]} == {"Entry Scan"}


def test_a_captured_empty_page_that_still_carries_next_ends_the_paging(env):
    at(env, "2021-10-17T00:00:00Z")
    rows = sample("mimecast-ttp-elastic-4.json")
    clicks = list(rows[:3])
    empty = rows[3]  # a whole envelope kept as it came: data [], pageSize 0, next "next"
    assert empty["meta"]["pagination"]["next"] == "next" and empty["data"] == []
    entries = records("mimecast-ttp-elastic-4.json")[3:]
    result, session = run(env, [page(clicks + entries, following="page-2"), response(200, empty)], start="-1d")
    assert not result.failed, result.result
    # the Entry Scan rows (2023 and 2024) lie outside the window and are not clicks either way
    assert result.result["logs"] == clicks and len(session.calls) == 2
    assert [u["user"] for u in result.result["users"]] == ["johndoe@example.com"]
    assert result.result["users"][0]["clicks"] == 3


def test_a_blocked_click_and_two_recipients_in_one_second(env):
    at(env, "2024-05-28T00:00:00Z")
    clicked = sample("mimecast-ttp-datadog-1.json")  # a User Click, allowed
    # the same message's link clicked by a second recipient in the same second, and blocked: the words of the
    # captured malicious rows (warn, Block), as no capture shows a blocked User Click
    blocked = dict(clicked, userEmailAddress="example10@dummy.net", action="warn", actions="Block",
                   scanResult="malicious", category="Compromised")
    result, dummy = run(env, [page([clicked, blocked], following="p2"), page([dict(clicked)])], start="-2d")
    out = result.result
    assert out["count"] == 2  # the repeat on page 2 is the same click
    assert [(u["user"], u["blocked"], u["scan_results"]) for u in out["users"]] == [
        ("example10@dummy.net", True, ["malicious"]), ("example8@dummy.net", False, ["clean"])]
    # a user, a message (brackets or not) and a URL part select in the module
    for option, value, expected in (("user", "example8@dummy.net", [clicked]), ("user", "@other.example", []),
                                    ("message_id", "052c3d1a1f94a2c2-176@a42.one", [clicked, blocked]),
                                    ("url", "ABC.COM", [clicked, blocked]), ("sender", "*.a42.one", [clicked, blocked]),
                                    ("url", "abd.com", [])):
        result, dummy = run(env, [page([clicked, blocked])], start="-2d", **{option: value})
        assert result.result["logs"] == expected, (option, value)


def test_rows_of_2020_with_eleven_fields_are_clicks_with_a_warning(env):
    at(env, "2021-11-10T12:00:00Z")
    # the 2020 field set (CLICKS.md 1.2; the live capture is kept aside): captured rows cut to those 11 fields
    old = [{k: r[k] for k in OLD_FIELDS} for r in sample("mimecast-ttp-elastic-3.json")["data"][0]["clickLogs"][:4]]
    result, dummy = run(env, [page(old)], start="-1d", message_id="<1-0000000000004109b705d06b609c@google.com>")
    assert result.result["logs"] == []  # no messageId: a message never matches them
    result, dummy = run(env, [page(old)], start="-1d", sender="googlealerts-noreply@google.com")
    assert result.result["logs"] == []
    result, dummy = run(env, [page(old)], start="-1d", url="google")
    assert result.result["logs"] == old and result.result["users"][0]["clicks"] == 4
    assert any("4 URL log row(s) carry no creationMethod" in w for w in result.result["warnings"])


def test_fail_on_http_200_fails_the_task_with_the_vendor_code(env):
    at(env, "2021-11-10T12:00:00Z")
    refused = response(200, {"meta": {"status": 200}, "data": [], "fail": [{"errors": [{
        "code": "err_validation_blank", "message": "cannot be blank or empty", "retryable": False}]}]})
    one = sample("mimecast-ttp-elastic-3.json")["data"][0]["clickLogs"][:1]
    result, dummy = run(env, [page(one, following="p2"), refused], start="-1d")
    assert result.failed and result.result["code"] == "err_validation_blank"
    assert "HTTP 200" in result.result["msg"] and "logs" not in result.result


def test_forbidden_names_the_permission_of_the_log(env):
    at(env, "2021-11-10T12:00:00Z")
    forbidden = response(403, sample("mimecast-sekoia-autolib-2.json"))
    for log_type, permission in (("url", "Monitoring | URL Protection | Read"),
                                 ("impersonation", "Monitoring | Impersonation Protection | Read")):
        result, dummy = run(env, [forbidden], start="-1d", log_type=log_type)
        assert result.failed and result.result["code"] == "app_forbidden" and permission in result.result["msg"]


# -- attachment and impersonation logs ---------------------------------------------------------------------------
@pytest.mark.parametrize("name,now", [
    ("mimecast-ttp-elastic-8.json", "2024-11-18T00:00:00Z"), ("mimecast-ttp-elastic-10.json", "2021-11-25T00:00:00Z"),
    ("mimecast-ttp-elastic-11.json", "2021-10-15T00:00:00Z"), ("mimecast-ttp-datadog-2.json", "2024-05-28T00:00:00Z"),
])
def test_attachment_verdicts_and_hashes(env, name, now):
    at(env, now)
    body = sample(name)
    rows = body["data"][0]["attachmentLogs"] if isinstance(body, dict) and "meta" in body else records(name)
    answer = response(200, body) if isinstance(body, dict) and "meta" in body else page(rows, "attachmentLogs")
    answers = [answer]
    if "next" in (body.get("meta", {}).get("pagination", {}) if isinstance(body, dict) else {}):
        answers.append(page([], "attachmentLogs"))
    result, session = run(env, answers, log_type="attachment", start="-3d", result="all", route="all")
    assert not result.failed, result.result
    assert result.result["logs"] == rows and "users" not in result.result
    first = session.calls[0]["json"]["data"][0]
    # filtered with result, not scanResult: the field names Elastic's collector sends (ttp-elastic-12)
    assert set(first) == set(sample("mimecast-ttp-elastic-12.json")["data"][0])
    wanted = rows[-1]["fileHash"]
    result, dummy = run(env, [page(rows, "attachmentLogs")], log_type="attachment", start="-3d", sha256=wanted.upper())
    same = [r for r in rows if r["fileHash"] == wanted]
    assert [r["fileHash"] for r in result.result["logs"]] == [wanted] * len(same)
    if name == "mimecast-ttp-datadog-2.json":
        assert result.result["logs"][0]["result"] == "malicious" and \
            result.result["logs"][0]["details"].startswith("[MALICIOUS_ACTIVITY: Exploit")


@pytest.mark.parametrize("name,now", [("mimecast-ttp-elastic-13.json", "2021-11-13T00:00:00Z"),
                                      ("mimecast-ttp-datadog-3.json", "2024-05-26T00:00:00Z")])
def test_impersonation_rows_by_event_time_searched_by_mimecast(env, name, now):
    at(env, now)
    body = sample(name)
    enveloped = "meta" in body
    rows = body["data"][0]["impersonationLogs"] if enveloped else [body]
    answers = [response(200, body), page([], "impersonationLogs", resultCount=0)] if enveloped else \
        [page(rows, "impersonationLogs", resultCount=1)]
    result, session = run(env, answers, log_type="impersonation", start="-1d", search_field="recipientAddress",
                          search=rows[0]["recipientAddress"], tagged_malicious=True)
    assert not result.failed, result.result
    # eventTime, not date, places a row in the window: every captured row is inside it
    assert result.result["logs"] == rows
    item = session.calls[0]["json"]["data"][0]
    assert item["searchField"] == "recipientAddress" and item["query"] == rows[0]["recipientAddress"]
    # the fields peers send (XSOAR ttp-demisto-2, Elastic ttp-elastic-15), and the documented search pair
    known = set(sample("mimecast-ttp-demisto-2.json")["data"][0]) | \
        set(sample("mimecast-ttp-elastic-15.json")["data"][0])
    assert set(item) == known | {"searchField", "query"} and item["taggedMalicious"] is True


# -- requests ------------------------------------------------------------------------------------------------
def test_the_request_uses_the_field_names_of_working_collectors(env):
    at(env, "2021-11-10T12:00:00Z")
    one = sample("mimecast-ttp-elastic-3.json")["data"][0]["clickLogs"][-1:]  # 03:49:53, inside the window
    result, session = run(env, [page(one, following="t-1"), page([])], start="2021-11-10T00:00:00Z",
                          end="2021-11-10T06:00:00+02:00", scan_result="malicious", route="inbound", oldest_first=False)
    first, second = (c["json"] for c in session.calls)
    elastic = sample("mimecast-ttp-elastic-5.json")["data"][0]  # Elastic's API 1.0 first page
    xsoar = sample("mimecast-ttp-demisto-1.json")  # XSOAR's fetch, with meta.pagination.pageSize
    assert set(first["data"][0]) == set(elastic) and first["data"][0]["scanResult"] == "malicious"
    window = (first["data"][0]["from"], first["data"][0]["to"])
    assert window == ("2021-11-10T00:00:00+0000", "2021-11-10T04:00:01+0000")
    assert set(first["meta"]["pagination"]) == set(xsoar["meta"]["pagination"])
    # the next page: the token in meta.pagination.pageToken, as Elastic's 1.0 and 2.0 collectors put it
    for name in ("mimecast-ttp-elastic-6.json", "mimecast-ttp-elastic-7.json"):
        assert "pageToken" in sample(name)["meta"]["pagination"]
    assert second["meta"]["pagination"]["pageToken"] == "t-1" and second["data"] == first["data"]
    assert result.result["window"] == {"start": "2021-11-10T00:00:00.000Z", "end": "2021-11-10T04:00:00.000Z"}


def test_check_mode_reads_and_reports_the_same(env):
    at(env, "2021-11-10T12:00:00Z")
    capture = sample("mimecast-ttp-elastic-3.json")
    normal, dummy = run(env, [response(200, capture)], start="-1d")
    checked, dummy = run(env, [response(200, capture)], start="-1d", _ansible_check_mode=True)
    assert checked.result["logs"] == normal.result["logs"] and checked.result["users"] == normal.result["users"]
    assert checked.result["changed"] is False


def test_dest_writes_the_rows_and_users_still_summarise_them(env, tmp_path):
    at(env, "2021-11-10T12:00:00Z")
    capture = sample("mimecast-ttp-elastic-3.json")
    dest = str(tmp_path / "clicks.jsonl")
    result, dummy = run(env, [response(200, copy.deepcopy(capture))], start="-1d", dest=dest,
                        query="[].{user: userEmailAddress, url: url}")
    assert result.result["logs"] == [] and result.result["written"] is True and result.result["changed"] is True
    lines = [json.loads(line) for line in open(dest)]
    assert len(lines) == 10 and set(lines[0]) == {"user", "url"}
    assert result.result["users"][0]["clicks"] == 10


@pytest.mark.parametrize("extra,says", [
    ({"start": "-31d"}, "more than 30 days back"),
    ({"log_type": "attachment", "scan_result": "malicious"}, "attachment logs filter with result"),
    ({"result": "malicious"}, "URL logs filter with scan_result"),
    ({"sha256": "a" * 64}, "sha256 applies to log_type attachment only"),
    ({"log_type": "attachment", "sha256": "abc"}, "is not a SHA-256"),
    ({"url": "  "}, "url is blank"),
    ({"user": "@"}, "user"),
    ({"sender": "not an address"}, "sender"),
    ({"message_id": "<>"}, "message_id is empty"),
    ({"log_type": "impersonation", "search_field": "subject"}, "needs search"),
    ({"log_type": "impersonation", "route": "inbound"}, "impersonation logs have no route filter"),
    ({"page_size": 0}, "page_size must be from 1 to 500"),
    ({"token": "not-a-token"}, "token is not a next_token"),
])
def test_bad_input_is_refused_before_any_request(env, extra, says):
    at(env, "2021-11-10T12:00:00Z")
    result, session = run(env, [], **extra)
    assert result.failed and says in result.result["msg"], result.result["msg"]
    assert session.calls == []
