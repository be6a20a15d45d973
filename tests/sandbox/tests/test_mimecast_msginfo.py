# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Mimecast message info in the sandbox, held against the answer captured from a Mimecast lab tenant
(real-samples/mimecast-msginfo-demisto-1.json): keys, Message-ID, delivered copies, attachments, failures."""

from __future__ import annotations

import html
import json
import pathlib
import re

import pytest

from tests.sandbox import Sandbox
from tests.sandbox.mimecast_msginfo import ATTACHMENT_TYPE, PATH
from tests.sandbox.tests.conftest import Clients

# a copy of shared/api/real-samples/mimecast-msginfo-demisto-1.json, as every fixture there
CAPTURE = pathlib.Path(__file__).resolve().parents[3] / "tests" / "unit" / "fixtures" / "real-samples" / \
    "mimecast-msginfo-demisto-1.json"
HOLD_RELEASE = "/api/gateway/hold-release"


@pytest.fixture(scope="module")
def real():
    return json.loads(CAPTURE.read_text())["body"]["data"][0]


@pytest.fixture()
def api():
    # a fresh tenant for every test: one of them releases a held message
    with Sandbox(seed=11, tmes_records=10, mimecast_records=600) as running:
        client = Clients(running)
        client.data = running.state.mimecast_data
        yield client
        client.http.close()


def post(api, data, token=None):
    body = json.dumps({"data": data})
    if token is None:
        return api.mc_search(None, path=PATH, body=body)
    return api.http.post(api.url + PATH, data=body, headers={"Authorization": "Bearer " + token}, timeout=30)


def info_of(api, tracking_id, **extra):
    response = post(api, [dict({"id": tracking_id}, **extra)])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["fail"] == [] and len(body["data"]) == 1, body
    return body["data"][0]


def campaign(api, status):
    """Positions of the campaign's tracked emails in that status."""
    data = api.data
    return [p for p, r in enumerate(data.records) if r["subject"] == data.campaign.subject and r["status"] == status]


def keys(value):
    """The key tree of a value: dicts by key, lists by their first element."""
    if isinstance(value, dict):
        return {k: keys(v) for k, v in value.items()}
    if isinstance(value, list) and value and isinstance(value[0], (dict, list)):
        return [keys(value[0])]
    return None


def message_id_in(transmission_info):
    found = re.search(r"\r\nMessage-ID: (&lt;[^\r\n]*&gt;)\r\n", transmission_info)
    return html.unescape(found.group(1)) if found else None


def test_a_delivered_message_has_the_keys_of_the_capture(api, real):
    pos = campaign(api, "archived")[0]
    served = info_of(api, api.data.records[pos]["id"])
    assert set(served) == set(real)
    assert keys(served["recipientInfo"]) == keys(real["recipientInfo"])
    assert keys(served["spamInfo"]) == keys(real["spamInfo"])
    assert keys(served["retentionInfo"]) == keys(real["retentionInfo"])
    real_copy = next(iter(real["deliveredMessage"].values()))
    for copy in served["deliveredMessage"].values():
        assert keys(copy) == keys(real_copy)
    assert served["status"] == real["status"] == "archived"


def test_the_message_id_is_escaped_in_a_pre_block_as_captured(api, real):
    for pos in campaign(api, "archived") + campaign(api, "held"):
        text = info_of(api, api.data.records[pos]["id"])["recipientInfo"]["messageInfo"]["transmissionInfo"]
        assert text.startswith("<pre>\n") and text.endswith("\n</pre>")
        assert real["recipientInfo"]["messageInfo"]["transmissionInfo"].startswith("<pre>\n")
        assert "<" not in text[len("<pre>"):-len("</pre>")] and "&lt;" in text
        assert message_id_in(text) == api.data.message_ids[pos]
    # the campaign's quoted display name, escaped as the capture escapes quotes
    assert "From: &quot;ACME Accounts Payable&quot; &lt;billing@acme-invoice-notice.example&gt;" in text
    assert message_id_in(real["recipientInfo"]["messageInfo"]["transmissionInfo"]).startswith("<978aeeb7a7bded3d")


def test_delivered_copies_are_keyed_by_each_recipient_and_plain_strings(api):
    data = api.data
    several = next(p for p, r in enumerate(data.records) if r["status"] == "archived" and len(r["to"]) > 1)
    served = info_of(api, data.records[several]["id"])
    addresses = [t["emailAddress"] for t in data.records[several]["to"]]
    assert list(served["deliveredMessage"]) == addresses
    assert served["recipientInfo"]["messageInfo"]["to"] == addresses
    for address, copy in served["deliveredMessage"].items():
        assert copy["deliveryMetaInfo"]["emailAddress"] == address
        assert copy["deliveryMetaInfo"]["deliveryEvent"] == "Email Delivered via Routing Rule"
        assert copy["messageInfo"]["route"] == data.records[several]["route"]


def test_the_campaign_attachment_carries_its_sha256(api):
    sha256 = api.data.campaign.attachment_sha256
    for pos in campaign(api, "archived"):
        served = info_of(api, api.data.records[pos]["id"])
        parts = served["recipientInfo"]["recipientMetaInfo"]["components"]
        files = [c for c in parts if c["type"] == ATTACHMENT_TYPE]
        assert [(c["name"], c["hash"]) for c in files] == [(api.data.campaign.attachment_name, sha256)]
        assert [c["type"] for c in parts[:3]] == [
            "Email Transmission File", "Email Primary Body HTML", "Email Primary Body Plain Text"]
        for copy in served["deliveredMessage"].values():
            assert sha256 in [c["hash"] for c in copy["deliveryMetaInfo"]["components"]]


def test_held_mail_has_the_older_shape_and_no_delivered_copy(api):
    pos = campaign(api, "held")[0]
    served = info_of(api, api.data.records[pos]["id"])
    assert served["status"] == "held" and served["deliveredMessage"] == {}
    tx = served["recipientInfo"]["txInfo"]
    assert tx["queueDetailStatus"] == api.data.records[pos]["info"]
    assert set(tx["transmissionComponents"][0]) == {"fileName", "fileType", "hash", "txSize"}
    assert api.data.campaign.attachment_sha256 in [c["hash"] for c in tx["transmissionComponents"]]
    assert {"reason", "info", "heldGroup", "route"} <= set(served["queueInfo"])
    assert "recipientMetaInfo" not in served["recipientInfo"]


def test_mail_that_was_not_delivered_has_no_copy(api):
    for status in ("rejected", "bounced", "accepted", "delivery"):
        for pos in campaign(api, status):
            served = info_of(api, api.data.records[pos]["id"])
            assert served["status"] == status and served["deliveredMessage"] == {}


def test_a_released_message_is_delivered_afterwards(api):
    pos = campaign(api, "held")[0]
    tracking_id = api.data.records[pos]["id"]
    held_id = next(i for i, (p, dummy) in api.sandbox.state.actions.hold.items() if p == pos)
    response = api.mc_search(None, path=HOLD_RELEASE, body=json.dumps({"data": [{"id": held_id}]}))
    assert response.status_code == 200 and response.json()["data"][0]["release"] is True, response.text
    served = info_of(api, tracking_id)
    assert served["status"] == "archived" and list(served["deliveredMessage"]) == served["recipientInfo"][
        "messageInfo"]["to"]


def test_load_content_adds_the_bodies(api):
    pos = campaign(api, "archived")[0]
    tracking_id = api.data.records[pos]["id"]
    plain = info_of(api, tracking_id)["recipientInfo"]["messageInfo"]
    for value in ("true", True):
        loaded = info_of(api, tracking_id, loadContent=value)["recipientInfo"]["messageInfo"]
        assert set(loaded) - set(plain) == {"textBody", "htmlBody"}
    assert "textBody" not in info_of(api, tracking_id, loadContent="false")["recipientInfo"]["messageInfo"]


@pytest.mark.parametrize("item, code", [
    ({"id": "x", "loadContent": "yes"}, "err_validation_type"),
    ({"id": "x", "extra": 1}, "err_validation_unknown_field"),
    ({"id": " "}, "err_validation_blank"),
    ({"id": 7}, "err_validation_blank"),
])
def test_bad_requests_are_refused(api, item, code):
    response = post(api, [item])
    assert response.status_code == 400 and response.json()["fail"][0]["errors"][0]["code"] == code


def test_an_unknown_id_is_a_keyed_failure_on_http_200(api):
    response = post(api, [{"id": "eNo-not-a-tracking-id"}])
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == []
    assert body["fail"] == [{"key": {"id": "eNo-not-a-tracking-id"},
                             "errors": [{"code": "err_message_info_not_found",
                                         "message": "No message with this id is known.", "retryable": False}]}]


def test_permissions_read_is_enough_and_none_is_refused(api):
    mc = api.info["mimecast"]
    pos = campaign(api, "archived")[0]
    item = [{"id": api.data.records[pos]["id"]}]
    readonly = api.oauth_token(mc["readonly_client_id"], mc["readonly_client_secret"]).json()["access_token"]
    assert post(api, item, readonly).status_code == 200
    forbidden = api.oauth_token(mc["forbidden_client_id"], mc["forbidden_client_secret"]).json()["access_token"]
    refused = post(api, item, forbidden)
    assert refused.status_code == 403 and refused.json()["fail"][0]["code"] == "app_forbidden"
    assert post(api, item, "not-a-token").status_code == 401


def test_faults_and_stats_use_the_msginfo_endpoint(api):
    pos = campaign(api, "archived")[0]
    item = [{"id": api.data.records[pos]["id"]}]
    api.http.delete(api.url + "/_sandbox/stats", timeout=10)
    api.fault(kind="status", endpoint="msginfo", status=503, count=1)
    assert post(api, item).status_code == 503
    assert post(api, item).status_code == 200
    assert api.stats()["requests"]["msginfo"] == 2
