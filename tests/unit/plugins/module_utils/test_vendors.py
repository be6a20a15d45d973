# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The TMES page requests and the Mimecast envelope."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

import pytest

from ansible_collections.emailsec.tracking.plugins.module_utils._auth import TmesBasicAuth
from ansible_collections.emailsec.tracking.plugins.module_utils._http import ApiError, HttpClient
from ansible_collections.emailsec.tracking.plugins.module_utils._mimecast import (
    MimecastClient, hint_for, search_body,
)
from ansible_collections.emailsec.tracking.plugins.module_utils._timewindow import Window
from ansible_collections.emailsec.tracking.plugins.module_utils._tmes import REGIONS, TmesClient, hint_for as tmes_hint
from ansible_collections.emailsec.tracking.tests.unit.plugins.module_utils.helpers import response, scripted_client

UTC = datetime.timezone.utc
WINDOW = Window(datetime.datetime(2026, 11, 22, 1, 2, 3, 456000, tzinfo=UTC),
                datetime.datetime(2026, 11, 22, 5, 0, 0, tzinfo=UTC))


def tmes(answers, retries=2):
    http = HttpClient(retries=retries)
    session = scripted_client(http, answers)
    client = TmesClient(http, "https://api.example", TmesBasicAuth("u", "k"))
    return client, session


def test_tmes_pages_keep_parameters_and_decode_the_token_once():
    client, session = tmes([
        response(200, {"nextToken": "%2B%2Fab%3D", "logs": [{"mailID": "1"}]}),
        response(200, {"nextToken": "cd%3D%3D", "logs": [{"mailID": "2"}]}),
        response(200, {"logs": [{"mailID": "3"}]}),
    ])
    params = client.params("accepted_traffic", WINDOW, "in", "acme.example", 1)
    pages = list(client.pages(params))
    assert [p.records[0]["mailID"] for p in pages] == ["1", "2", "3"]
    assert [p.token_used for p in pages] == [None, "+/ab=", "cd=="]
    base = [("type", "accepted_traffic"), ("direction", "in"), ("domain", "acme.example"),
            ("start", "2026-11-22T01:02:03.456Z"), ("end", "2026-11-22T05:00:00.000Z"), ("limit", "1")]
    assert [c["params"] for c in session.calls] == [base, base + [("token", "+/ab=")], base + [("token", "cd==")]]
    assert session.calls[0]["url"] == "https://api.example/api/v1/log/mailtrackinglog"


def test_tmes_204_is_an_empty_last_page():
    client, dummy = tmes([response(204)])
    pages = list(client.pages(client.params("blocked_traffic", WINDOW)))
    assert len(pages) == 1 and pages[0].records == [] and pages[0].next_token is None


def test_tmes_repeated_token_is_retried_then_fails_clearly():
    repeat = {"nextToken": "abc", "logs": [{"mailID": "2"}]}
    client, session = tmes([response(200, {"nextToken": "abc", "logs": [{"mailID": "1"}]}),
                            response(200, repeat), response(200, repeat), response(200, repeat)])
    pages = client.pages(client.params("accepted_traffic", WINDOW))
    next(pages)
    with pytest.raises(ApiError) as info:
        next(pages)
    assert "returned a nextToken it had returned before" in info.value.message
    assert "3 attempts" in info.value.message and len(session.calls) == 4


def test_tmes_repeated_token_once_recovers():
    client, dummy = tmes([response(200, {"nextToken": "abc", "logs": [{"mailID": "1"}]}),
                          response(200, {"nextToken": "abc", "logs": [{"mailID": "2"}]}),
                          response(200, {"logs": [{"mailID": "2"}]})])
    pages = list(client.pages(client.params("accepted_traffic", WINDOW)))
    assert [r["mailID"] for p in pages for r in p.records] == ["1", "2"]


@pytest.mark.parametrize("body, cause", [
    ({"items": []}, "not a mail tracking log page"),
    ({"logs": ["x"]}, "holds something other than log objects"),
    ({"logs": [], "nextToken": 5}, "nextToken is not a string"),
    (None, "not valid JSON"),
])
def test_tmes_wrong_shapes_are_retried_and_named(body, cause):
    answer = response(200, body) if body is not None else response(200, raw=b'{"logs": [')
    client, session = tmes([answer, answer, answer])
    with pytest.raises(ApiError) as info:
        list(client.pages(client.params("accepted_traffic", WINDOW)))
    assert cause in info.value.message and len(session.calls) == 3


def test_tmes_hints():
    assert "log retrieval is not enabled" in tmes_hint(404, "ResourceNotAvailable")
    assert "permission" in tmes_hint(403, None)
    assert tmes_hint(418, None) is None
    assert sorted(REGIONS) == ["anz", "eu", "in", "jp", "sg", "uae", "uk", "us"]
    assert REGIONS["uk"] == "https://api.tmes-uk.trendmicro.com"
    assert REGIONS["jp"] == "https://api.tmems-jp.trendmicro.com"


def mimecast(answers):
    http = HttpClient(retries=2)
    session = scripted_client(http, answers)
    return MimecastClient(http, "https://mc.example", None, "/api/tracking/search"), session


def test_search_body():
    assert search_body(WINDOW, advanced={"from": "a@b.example"}, search_reason="IR-1") == {"data": [{
        "start": "2026-11-22T01:02:03+0000", "end": "2026-11-22T05:00:00+0000", "searchReason": "IR-1",
        "advancedTrackAndTraceOptions": {"from": "a@b.example"}}]}
    assert search_body(WINDOW, message_id="<x@y>")["data"][0]["messageId"] == "<x@y>"


def test_mimecast_envelope_is_unwrapped():
    client, session = mimecast([response(200, {"meta": {"status": 200}, "fail": [],
                                               "data": [{"trackedEmails": [{"id": "a"}, {"id": "b"}]}]})])
    page = client.search(search_body(WINDOW, message_id="<x@y>"))
    assert [e["id"] for e in page.records] == ["a", "b"]
    assert session.calls[0]["json"]["data"][0]["messageId"] == "<x@y>"


def test_fail_on_200_is_final_with_code_message_and_hint():
    body = {"meta": {"status": 200}, "data": [], "fail": [{"key": {}, "errors": [
        {"code": "err_track_and_trace_invalid_start_date", "message": "too old", "retryable": False}]}]}
    client, session = mimecast([response(200, body)])
    with pytest.raises(ApiError) as info:
        client.search({})
    err = info.value
    assert len(session.calls) == 1 and err.status == 200 and err.code == "err_track_and_trace_invalid_start_date"
    assert "too old" in err.message and "about 30 days back" in err.message


def test_retryable_fail_is_retried():
    body = {"meta": {"status": 200}, "data": [], "fail": [{"errors": [{"code": "busy", "message": "m",
                                                                       "retryable": True}]}]}
    ok = {"meta": {"status": 200}, "fail": [], "data": [{"trackedEmails": []}]}
    client, session = mimecast([response(200, body), response(200, ok)])
    assert client.search({}).records == [] and len(session.calls) == 2


def test_418_is_final_and_says_renew_the_keys():
    client, session = mimecast([response(418, {"meta": {"status": 418}, "data": [], "fail": [{"errors": [
        {"code": "err_xdk_binding_expired", "message": "expired"}]}]})])
    with pytest.raises(ApiError) as info:
        client.search({})
    assert len(session.calls) == 1 and info.value.code == "err_xdk_binding_expired"
    assert "create new keys" in info.value.message


@pytest.mark.parametrize("body", [{"meta": {}, "data": {"trackedEmails": "x"}}, {"data": [{"other": 1}]}, []])
def test_mimecast_wrong_shape_is_retried(body):
    client, session = mimecast([response(200, body)] * 3)
    with pytest.raises(ApiError) as info:
        client.search({})
    assert len(session.calls) == 3 and "gave up after 3 attempts" in info.value.message


def test_mimecast_hints():
    assert "Tracking | Read" in hint_for(403, None)
    assert hint_for(200, None) is None
