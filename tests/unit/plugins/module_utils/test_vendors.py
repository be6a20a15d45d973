# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The TMES page requests and the Mimecast envelope."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import datetime

import pytest

from ansible_collections.emailsec.tracking.plugins.module_utils._auth import TmesBasicAuth
from ansible_collections.emailsec.tracking.plugins.module_utils._http import ApiError, HttpClient
from ansible_collections.emailsec.tracking.plugins.module_utils._mimecast import (
    MimecastClient, hint_for, read_cursor, search_body, vendor_error,
)
from ansible_collections.emailsec.tracking.plugins.module_utils._paging import Page
from ansible_collections.emailsec.tracking.plugins.module_utils._timewindow import Window, format_mimecast
from ansible_collections.emailsec.tracking.plugins.module_utils._tmes import (
    REGIONS, TmesClient, hint_for as tmes_hint, record_key,
)
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


@pytest.mark.parametrize("body, code, message", [
    ({"fail": [{"key": {}, "errors": [{"code": "err_a", "message": "from errors[]"}]}]}, "err_a", "from errors[]"),
    ({"fail": [{"code": "InvalidClientIdentifier", "message": "Client credentials are invalid"}]},
     "InvalidClientIdentifier", "Client credentials are invalid"),
    ({"fail": {"errors": [{"code": "err_b", "message": "one object"}]}}, "err_b", "one object"),
    ({"fail": {"code": "err_c", "message": "one flat object"}}, "err_c", "one flat object"),
    ({"fail": {"message": "only a message"}}, None, "only a message"),
    ({"fail": "Request could not be processed"}, None, "Request could not be processed"),
    ({"fail": ["a plain string in a list"]}, None, "a plain string in a list"),
    ({"error": "invalid_client", "error_description": "Client authentication failed."}, "invalid_client",
     "Client authentication failed."),
])
def test_every_vendor_error_shape_is_read(body, code, message):
    assert vendor_error(body)[:2] == (code, message)
    client, dummy = mimecast([response(400, body)])
    with pytest.raises(ApiError) as info:
        client.search({})
    assert info.value.code == code
    assert "(vendor said: %s)" % ": ".join(p for p in (code, message) if p) in info.value.message


def test_an_unreadable_fail_item_is_shown_as_json_never_as_a_python_repr():
    client, dummy = mimecast([response(200, {"fail": [{"weird": ["x"]}], "data": []})])
    with pytest.raises(ApiError) as info:
        client.search({})
    assert '{"weird": ["x"]}' in info.value.message and "{'weird'" not in info.value.message


def test_vendor_text_is_cleaned_cut_and_redacted():
    client, dummy = tmes([response(400, {"code": "Bad", "message": "header was: Basic dTprDEFGHIJ= \x1b]0;TITLE\x07"
                                                                   "\x1b[2J" + "x" * 1000})])
    with pytest.raises(ApiError) as info:
        list(client.pages([]))
    text = info.value.message
    assert "\x1b" not in text and "\x07" not in text and "x" * 301 not in text
    # the header this request carried (u:k) is redacted wherever it is echoed
    client, dummy = tmes([response(400, {"code": "Bad", "message": "auth: Basic %s" % base64.b64encode(
        b"user:secret-key-1").decode()})])
    client.auth = TmesBasicAuth("user", "secret-key-1")
    with pytest.raises(ApiError) as info:
        list(client.pages([]))
    assert base64.b64encode(b"user:secret-key-1").decode() not in info.value.message
    assert "[redacted]" in info.value.message


@pytest.mark.parametrize("raw_body", [b"", b"  \n", b"{}", b"\xef\xbb\xbf{}"])
def test_tmes_empty_answers_are_the_last_page(raw_body):
    client, session = tmes([response(200, raw=raw_body)])
    pages = list(client.pages(client.params("accepted_traffic", WINDOW)))
    assert len(pages) == 1 and pages[0].records == [] and pages[0].next_token is None and len(session.calls) == 1


@pytest.mark.parametrize("raw_body", [b'{"logs": [{"mailID": "1"}', b'{"nextToken": "ab', b"{"])
def test_tmes_body_cut_short_is_retried(raw_body):
    client, session = tmes([response(200, raw=raw_body), response(200, {"logs": [{"mailID": "1"}]})])
    pages = list(client.pages(client.params("accepted_traffic", WINDOW)))
    assert [r["mailID"] for p in pages for r in p.records] == ["1"] and len(session.calls) == 2


def test_tmes_bom_and_lone_surrogates_are_cleaned_once():
    body = b'\xef\xbb\xbf{"logs": [{"mailID": "1", "subject": "invoice \\ud83d"}]}'
    client, dummy = tmes([response(200, raw=body)])
    record = list(client.pages([]))[0].records[0]
    assert record["subject"] == u"invoice \ufffd"
    record["subject"].encode("utf-8")


def test_tmes_identity_keeps_recipients_apart_and_drops_the_same_event():
    one = {"mailID": "m", "recipient": "a@x.example", "action": "Delivered", "genTime": "t", "timestamp": "t"}
    assert record_key(one) == record_key(dict(one))
    assert record_key(one) != record_key(dict(one, recipient="b@x.example"))
    assert record_key(one) != record_key(dict(one, action="Bounced"))
    assert record_key({"recipient": "a"}) is None
    assert isinstance(record_key(dict(one, mailID=["x"])), str)


def test_route_goes_as_an_array_on_the_message_finder_path():
    assert search_body(WINDOW, advanced={"route": ["inbound"]})["data"][0]["advancedTrackAndTraceOptions"] == {
        "route": ["inbound"]}


def capped_search(records, cap):
    """A Mimecast stand-in: every tracked email of the asked window, cut at ``cap``."""
    def answer(method, url, params, headers):
        raise AssertionError("not used")

    def search(body):
        item = body["data"][0]
        found = [r for r in records if item["start"] <= r["received"] <= item["end"]]
        searches.append((item["start"], item["end"], len(found)))
        return Page(found[:cap])
    searches = []
    return search, searches


def test_a_capped_answer_is_split_until_complete():
    base = datetime.datetime(2026, 11, 22, 0, 0, 0, tzinfo=UTC)
    records = [{"id": "r%03d" % i, "received": format_mimecast(base + datetime.timedelta(seconds=37 * i))}
               for i in range(100)]
    window = Window(base, base + datetime.timedelta(hours=2))
    client = MimecastClient(None, "https://mc.example", None, "/api/message-finder/search")
    client.search, searches = capped_search(records, 7)
    pages = list(client.search_pages(window, search_body, 7, step=datetime.timedelta(seconds=1)))
    found = [r["id"] for p in pages for r in p.records]
    assert found == [r["id"] for r in records]  # all of them, in time order, each once
    assert all(len(p.records) < 7 for p in pages) and len(searches) > len(pages)
    # every page names the part it came from and the next part to search
    assert pages[0].token_used.startswith("part:2026-11-22T00:00:00.000Z~") and pages[-1].next_token is None
    # resuming from any page's own token, or from the next part it names, gives exactly the rest
    for k in (1, len(pages) // 2, len(pages) - 2):
        done = len([r for p in pages[:k] for r in p.records])
        for token, skip in ((pages[k].token_used, done), (pages[k].next_token, done + len(pages[k].records))):
            client.search, dummy = capped_search(records, 7)
            rest = list(client.search_pages(window, search_body, 7, token,
                                            step=datetime.timedelta(seconds=1)))
            assert [r["id"] for p in rest for r in p.records] == found[skip:]


def test_a_one_second_part_at_the_cap_fails_naming_it():
    base = datetime.datetime(2026, 11, 22, 0, 0, 0, tzinfo=UTC)
    records = [{"id": "r%d" % i, "received": format_mimecast(base + datetime.timedelta(seconds=10))}
               for i in range(5)]
    client = MimecastClient(None, "https://mc.example", None, "/api/message-finder/search")
    client.search, dummy = capped_search(records, 5)
    with pytest.raises(ApiError) as info:
        list(client.search_pages(Window(base, base + datetime.timedelta(minutes=1)), search_body, 5,
                                 step=datetime.timedelta(seconds=1)))
    assert "the one second 2026-11-22T00:00:10.000Z to 2026-11-22T00:00:10.000Z gave 5 results" in \
        info.value.message and "result_cap" in info.value.message and not info.value.retryable


@pytest.mark.parametrize("token", ["part:2026-11-21T00:00:00.000Z~2026-11-22T00:00:00.000Z", "part:x~y", "abc",
                                   "part:2026-11-22T02:00:00.000Z~2026-11-22T01:00:00.000Z"])
def test_a_cursor_outside_its_slice_is_refused(token):
    with pytest.raises(ValueError):
        read_cursor(token, WINDOW)
