# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lookups run the modules' searches: the same records, the same options and the same messages."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest
from ansible.errors import AnsibleLookupError

from ansible_collections.emailsec.tracking.plugins.lookup import mimecast_tracking, tmes_mail_tracking
from ansible_collections.emailsec.tracking.plugins.modules import mimecast_tracking_search, tmes_mail_tracking_info
from ansible_collections.emailsec.tracking.tests.unit.plugins.modules.test_bad_input import (
    CATALOGUE, MIMECAST, TMES, matches, valid_args,
)
from ansible_collections.emailsec.tracking.tests.unit.plugins.modules.utils import run_module

ENVIRONMENT = ("TMES_API_URL", "TMES_USERNAME", "TMES_API_KEY", "TMES_REGION", "MIMECAST_BASE_URL",
               "MIMECAST_ACCESS_KEY", "MIMECAST_SECRET_KEY", "MIMECAST_APP_ID", "MIMECAST_APP_KEY",
               "MIMECAST_CLIENT_ID", "MIMECAST_CLIENT_SECRET", "MIMECAST_AUTH_TYPE")


@pytest.fixture()
def clean_env(monkeypatch):
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def lookup(kind, **kwargs):
    plugin = tmes_mail_tracking if kind == TMES else mimecast_tracking
    return plugin.LookupModule().run([], {}, **kwargs)


@pytest.mark.parametrize("kind, change, expected", CATALOGUE,
                         ids=["%s-%d" % (c[0], n) for n, c in enumerate(CATALOGUE)])
def test_bad_input_gets_the_module_message_and_never_reaches_the_vendor(kind, change, expected, vendor, clean_env):
    args = valid_args(kind, vendor)
    args.update(change)
    args = {k: v for k, v in args.items() if v is not None}
    with pytest.raises(AnsibleLookupError) as info:
        lookup(kind, **args)
    message = str(info.value)
    assert matches(expected, message), message
    assert vendor.requests() == 0
    for secret in (vendor.info["tmes"]["api_key"], vendor.info["mimecast"]["secret_key"],
                   vendor.info["mimecast"]["app_key"]):
        assert secret not in message


@pytest.mark.parametrize("kind", [TMES, MIMECAST])
def test_the_lookup_returns_what_the_module_returns(kind, vendor, clean_env):
    args = valid_args(kind, vendor)
    args["start"] = "-24h"
    main = tmes_mail_tracking_info.main if kind == TMES else mimecast_tracking_search.main
    module = run_module(main, dict(args), clean_env)
    assert not module.failed, module.result
    records = lookup(kind, **args)
    key = "logs" if kind == TMES else "tracked_emails"
    assert records == module.result[key] and len(records) > 0


def test_credentials_come_from_the_same_environment_variables(vendor, clean_env):
    clean_env.setenv("TMES_API_URL", vendor.url)
    clean_env.setenv("TMES_USERNAME", vendor.info["tmes"]["username"])
    clean_env.setenv("TMES_API_KEY", vendor.info["tmes"]["api_key"])
    records = lookup(TMES, traffic_type="accepted_traffic", sender=vendor.info["campaign"]["sender"], start="-24h")
    assert records and {r["sender"] for r in records} == {vendor.info["campaign"]["sender"]}


def test_query_shapes_and_dest_writes(vendor, clean_env, tmp_path):
    args = valid_args(TMES, vendor)
    args["start"] = "-24h"
    shaped = lookup(TMES, query="[].{id: mailID}", **args)
    assert shaped and all(list(item) == ["id"] for item in shaped)
    dest = str(tmp_path / "out.jsonl")
    described = lookup(TMES, dest=dest, **args)
    assert len(described) == 1 and described[0]["dest"] == dest and described[0]["changed"] is True
    with open(dest, encoding="utf-8") as handle:
        assert [json.loads(line)["mailID"] for line in handle] == [r["id"] for r in shaped]


def test_check_mode_is_seen(vendor, clean_env, tmp_path):
    args = valid_args(TMES, vendor)
    args.update(start="-24h", dest=str(tmp_path / "out.jsonl"))
    described = tmes_mail_tracking.LookupModule().run([], {"ansible_check_mode": True}, **args)
    assert described[0]["written"] is False and not os.path.exists(args["dest"])


def test_terms_are_refused():
    with pytest.raises(AnsibleLookupError) as info:
        tmes_mail_tracking.LookupModule().run(["accepted_traffic"], {})
    assert "takes its options as keyword arguments" in str(info.value)
