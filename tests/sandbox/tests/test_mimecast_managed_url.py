# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Managed URLs in the sandbox: the stored form, duplicates refused as captured, paging, the filter, deletes,
permissions, faults, and the state tests read (test_real_shapes.py holds the answers against the captures)."""

from __future__ import annotations

import json

import pytest

from tests.sandbox import Sandbox
from tests.sandbox.mimecast_managed_url import CREATE, DELETE, LIST
from tests.sandbox.server import route
from tests.sandbox.tests.conftest import Clients


@pytest.fixture()
def api():
    with Sandbox(seed=41, tmes_records=10, mimecast_records=50) as running:
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


def block(url, **item):
    return dict({"url": url, "action": "block", "matchType": "explicit", "disableLogClick": False}, **item)


def every(api, page_size=None, item=None):
    """Every entry, page by page, as a correct client reads them."""
    found, token, pages = [], None, 0
    while True:
        pagination = {}
        if page_size:
            pagination["pageSize"] = page_size
        if token:
            pagination["pageToken"] = token
        body = ok(post(api, LIST, [item] if item else [], {"pagination": pagination} if pagination else None))
        pages += 1
        found.extend(body["data"])
        token = body["meta"]["pagination"].get("next")
        if not token:
            return found, pages


def test_the_three_paths_are_one_endpoint_for_faults_and_stats():
    assert {route(p) for p in (CREATE, LIST, DELETE)} == {"managedurl"}


def test_a_url_is_stored_decomposed_and_path_slash_and_empty_are_two_entries(api):
    first = ok(post(api, CREATE, [block("http://AADroid.net/")]))["data"][0]
    second = ok(post(api, CREATE, [block("http://aadroid.net", comment="Blocked from the playbook")]))["data"][0]
    third = ok(post(api, CREATE, [block("https://evil.example:8443/pay/now?id=7&x=1")]))["data"][0]
    assert list(first) == ["id", "scheme", "domain", "port", "path", "queryString", "matchType", "action", "comment",
                           "disableUserAwareness", "disableRewrite", "disableLogClick"]
    assert (first["scheme"], first["domain"], first["port"], first["path"], first["queryString"]) == \
        ("http", "aadroid.net", -1, "/", "")
    assert first["comment"] == "" and first["disableLogClick"] is False
    assert (second["path"], second["comment"]) == ("", "Blocked from the playbook")
    assert (third["port"], third["path"], third["queryString"]) == (8443, "/pay/now", "id=7&x=1")
    assert len({first["id"], second["id"], third["id"]}) == 3 and all(len(e["id"]) == 107 for e in (first, third))
    assert sorted(e["id"] for e in state(api)["managed_urls"]) == sorted([first["id"], second["id"], third["id"]])
    assert state(api)["changes"] == 3


def test_a_duplicate_is_refused_with_the_request_as_key_and_nothing_changes(api):
    ok(post(api, CREATE, [block("https://www.morele344.net/", action="permit")]))
    before = state(api)
    # another action or flag is still the same URL: Mimecast cannot update, only delete and recreate
    for item in ({"url": "https://www.morele344.net/", "action": "permit", "matchType": "explicit"},
                 {"url": "https://WWW.morele344.net/", "action": "block", "disableLogClick": True}):
        response = post(api, CREATE, [item])
        assert response.status_code == 200
        body = response.json()
        assert body["data"] == [] and body["meta"] == {"status": 200}
        key = dict({"matchType": "explicit", "overrideUrl": False, "disableUserAwareness": False,
                    "disableRewrite": False, "disableLogClick": False}, **item)
        assert body["fail"] == [{"key": key, "errors": [{
            "code": "err_managed_url_exists_code",
            "message": "The managed URL already exists; to update it, delete and recreate", "retryable": False}]}]
        assert list(body["fail"][0]["key"]) == ["url", "matchType", "action", "overrideUrl", "disableUserAwareness",
                                                "disableRewrite", "disableLogClick"]
    assert state(api) == before


def test_a_domain_entry_is_one_per_domain(api):
    ok(post(api, CREATE, [block("https://evil.example", matchType="domain")]))
    refused = post(api, CREATE, [block("http://EVIL.example/other", matchType="domain")]).json()
    assert refused["fail"][0]["errors"][0]["code"] == "err_managed_url_exists_code"
    # an explicit entry on the same domain is another entry
    ok(post(api, CREATE, [block("https://evil.example")]))


@pytest.mark.parametrize("url", ["https://evil.example/pay#top", "evil.example/pay", "ftp://evil.example/x",
                                 "https://user@evil.example/", "https:///nohost"])
def test_urls_mimecast_cannot_store_are_refused(api, url):
    body = post(api, CREATE, [block(url)]).json()
    assert body["data"] == [] and body["fail"][0]["errors"][0]["code"] == "err_managed_url_invalid"
    assert state(api)["managed_urls"] == []


@pytest.mark.parametrize("item, code", [
    ({"url": "https://evil.example/", "action": "deny"}, "err_validation_action"),
    ({"url": "https://evil.example/", "action": "block", "matchType": "regex"}, "err_validation_match_type"),
    ({"url": "https://evil.example/", "action": "block", "disableLogClick": "false"}, "err_validation_type"),
    ({"url": "https://evil.example/", "action": "block", "overrideUrl": 0}, "err_validation_type"),
    ({"url": "https://evil.example/", "action": "block", "colour": "red"}, "err_validation_unknown_field"),
])
def test_malformed_creates_are_http_400(api, item, code):
    response = post(api, CREATE, [item])
    assert response.status_code == 400 and response.json()["fail"][0]["errors"][0]["code"] == code
    assert state(api)["changes"] == 0


def test_a_blank_url_is_refused_as_mimecast_words_it(api):
    body = post(api, CREATE, [{"url": " ", "action": "block"}]).json()
    assert body["fail"][0]["errors"][0]["code"] == "err_validation_blank"


def test_the_list_pages_with_next_until_the_end_and_an_empty_list_is_page_size_0(api):
    empty = ok(post(api, LIST, []))
    assert empty["meta"] == {"status": 200, "pagination": {"pageSize": 0}} and empty["data"] == []
    made = [ok(post(api, CREATE, [block("https://evil-%02d.example/p" % n)]))["data"][0] for n in range(23)]
    # without pageSize: pages of 10, as the captured page of a client that sent none
    first = ok(post(api, LIST, []))
    assert first["meta"]["pagination"]["pageSize"] == 10 and first["meta"]["pagination"]["totalCount"] == 23
    assert first["meta"]["pagination"]["next"].startswith("eNol")
    found, pages = every(api)
    assert pages == 3 and [e["id"] for e in found] == [e["id"] for e in made]
    found, pages = every(api, page_size=100)
    assert pages == 1 and found == made
    found, pages = every(api, page_size=23)
    assert pages == 1 and len(found) == 23


def test_bad_page_tokens_and_sizes_are_refused(api):
    assert post(api, LIST, [], {"pagination": {"pageToken": "nonsense"}}).status_code == 400
    assert post(api, LIST, [], {"pagination": {"pageSize": 0}}).status_code == 400


def test_the_filter_matches_a_part_or_the_whole_domain_or_url(api):
    for url in ("https://evil.example/pay", "https://evil.example.net/", "https://good.example/evil"):
        ok(post(api, CREATE, [block(url)]))
    part, dummy = every(api, item={"domainOrUrl": "evil", "exactMatch": False})
    assert len(part) == 3
    whole, dummy = every(api, item={"domainOrUrl": "evil.example", "exactMatch": True})
    assert [e["path"] for e in whole] == ["/pay"]
    url, dummy = every(api, item={"domainOrUrl": "https://evil.example.net/", "exactMatch": True})
    assert [e["domain"] for e in url] == ["evil.example.net"]
    assert post(api, LIST, [{"domainOrUrl": "x", "exact": True}]).status_code == 400


def test_delete_answers_an_empty_list_and_an_unknown_id_a_failure_without_key(api):
    made = ok(post(api, CREATE, [block("https://evil.example/pay")]))["data"][0]
    assert ok(post(api, DELETE, [{"id": made["id"]}])) == {"meta": {"status": 200}, "data": [], "fail": []}
    assert state(api)["managed_urls"] == [] and state(api)["changes"] == 2
    again = post(api, DELETE, [{"id": made["id"]}])
    assert again.status_code == 200
    assert again.json() == {"meta": {"status": 200}, "data": [], "fail": [{"errors": [{
        "code": "err_managed_url_not_found", "message": "Managed URL not found", "retryable": False}]}]}
    assert state(api)["changes"] == 2
    assert post(api, DELETE, [{"id": made["id"], "url": "x"}]).status_code == 400


def test_every_endpoint_needs_the_edit_permission_even_to_list(api):
    mc = api.info["mimecast"]
    token = api.oauth_token(client_id=mc["readonly_client_id"], client_secret=mc["readonly_client_secret"])
    token = token.json()["access_token"]
    for path, data in ((LIST, []), (CREATE, [block("https://evil.example/")]), (DELETE, [{"id": "x"}])):
        assert post(api, path, data, token=token).status_code == 403, path
    full = api.oauth_token().json()["access_token"]
    assert post(api, LIST, [], token=full).status_code == 200


def test_faults_aim_at_managedurl_and_a_lost_create_answer_was_still_carried_out(api):
    api.fault(kind="after_status", endpoint="managedurl", path=CREATE, count=1)
    lost = post(api, CREATE, [block("https://evil.example/pay")])
    assert lost.status_code == 502
    assert [e["path"] for e in state(api)["managed_urls"]] == ["/pay"]
    assert api.stats()["requests"]["managedurl"] == 1


def test_the_endless_fault_never_ends_the_list(api):
    api.fault(kind="endless", endpoint="managedurl", items=2)
    seen = set()
    token = None
    for dummy in range(5):
        meta = {"pagination": {"pageSize": 100, "pageToken": token}} if token else {"pagination": {"pageSize": 100}}
        body = ok(post(api, LIST, [], meta))
        assert len(body["data"]) == 2
        token = body["meta"]["pagination"]["next"]
        assert token not in seen
        seen.add(token)
