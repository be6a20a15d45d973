# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""mimecast_held_message_info through main(), every HTTP call declared: the captured hold queue page followed to
the end by its next token, the admin view asked for, paging bounded."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import copy

from ansible_collections.emailsec.tracking.plugins.modules import mimecast_held_message_info
from ansible_collections.emailsec.tracking.tests.unit.plugins.module_utils.helpers import response
from ansible_collections.emailsec.tracking.tests.unit.plugins.modules.utils import run_module, sample, scripted_vendor

ACCOUNT = {"base_url": "https://mc.example", "access_key": "mYtOL3XZCOwG96BOiFTZRmAAAA", "app_id": "app-1",
           "secret_key": base64.b64encode(b"secret-key-bytes").decode(), "app_key": "app-key-1",
           "retries": 0, "retry_max_delay": 0}


def run(monkeypatch, answers, **args):
    session = scripted_vendor(monkeypatch, answers)
    return run_module(mimecast_held_message_info.main, dict(ACCOUNT, **args), monkeypatch), session


def test_the_captured_page_is_followed_by_its_next_token_to_the_end(monkeypatch):
    first = sample("mimecast-actions-demisto-1.json")  # 10 held messages, a next token, totalCount 479
    last = copy.deepcopy(first)
    last["meta"]["pagination"].pop("next")
    last["data"] = [dict(h, id=h["id"] + "-2") for h in first["data"][:3]]
    result, session = run(monkeypatch, [response(200, first), response(200, last)], page_size=10)
    assert not result.failed, result.result
    assert result.result["count"] == 13 and result.result["changed"] is False
    held = result.result["held_messages"]
    assert held[0]["to"] == {"emailAddress": "caroline@paloaltonetworks.mime.integration.com",
                             "displayableName": "e-mail_"}  # one object, as captured
    sent = [c["json"] for c in session.calls]
    assert sent[0]["data"][0]["admin"] is True and "pageToken" not in sent[0]["meta"]["pagination"]
    assert sent[1]["meta"]["pagination"]["pageToken"] == first["meta"]["pagination"]["next"]


def test_a_page_larger_than_asked_for_is_refused(monkeypatch):
    page = sample("mimecast-actions-demisto-1.json")
    result, session = run(monkeypatch, [response(200, page)], page_size=5)
    assert result.failed and "10 items on a page of at most 5" in result.result["msg"]
    assert len(session.calls) == 1
