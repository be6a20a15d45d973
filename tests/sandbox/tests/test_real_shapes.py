# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The sandbox held against payloads captured from the live services (tests/unit/fixtures/real-samples, copies
of shared/api/real-samples): where they differ, the sandbox is wrong."""

from __future__ import annotations

import datetime
import json
import os
import pathlib

import pytest

from .conftest import body_date
from .test_mimecast import emails, last
from .test_tmes import window

ROOT = pathlib.Path(__file__).resolve().parents[3]
COPIES = ROOT / "tests" / "unit" / "fixtures" / "real-samples"
SHARED = ROOT.parent / "shared" / "api" / "real-samples"
UTC = datetime.timezone.utc


def sample(name):
    return json.loads((COPIES / name).read_text())


@pytest.mark.skipif(not SHARED.is_dir(), reason="shared/ is not beside this checkout (CI and developers have it)")
def test_the_copies_are_the_shared_samples():
    shared = sorted(p.name for p in SHARED.iterdir())
    assert sorted(p.name for p in COPIES.iterdir()) == shared
    for name in shared:
        assert (COPIES / name).read_bytes() == (SHARED / name).read_bytes(), name


def test_tracked_emails_have_exactly_the_fields_of_a_real_one(api):
    real = set(sample("mimecast-demisto-1.json")["data"][0]["trackedEmails"][0])
    found = emails(api.mc_search(last(days=5, to="acme.example")))
    assert found and all(set(e) == real for e in found)
    assert all(isinstance(e["attachments"], bool) for e in found)
    assert all(isinstance(e["spamScore"], int) and not isinstance(e["spamScore"], bool) for e in found)


def test_tmes_records_use_only_fields_real_ones_have(api):
    real = set()
    for name in os.listdir(COPIES):
        if name.startswith("tmes-sekoia-intake") or name.startswith("tmes-datadog"):
            real |= set(sample(name))
    real |= {"reason"}  # blocked traffic adds reason (documented)
    real -= {"type"}  # added by one collector, not by TMES
    logs, dummy = api.tmes_all(dict(window(), type="accepted_traffic"))
    blocked, dummy = api.tmes_all(dict(window(), type="blocked_traffic"))
    assert logs and blocked
    for log in logs + blocked:
        assert set(log) <= real, set(log) - real
        assert isinstance(log["size"], int) and isinstance(log["headerTo"], list)


def test_api2_errors_have_the_real_shape(api):
    refused = api.oauth_token(client_secret="wrong")
    assert refused.status_code == 401 and refused.json() == sample("mimecast-sekoia-autolib-1.json")
    mc = api.info["mimecast"]
    token = api.oauth_token(client_id=mc["forbidden_client_id"], client_secret=mc["forbidden_client_secret"])
    forbidden = api.bearer_search(last(subject="x"), token.json()["access_token"])
    assert forbidden.status_code == 403 and forbidden.json() == sample("mimecast-sekoia-autolib-2.json")


def test_dates_have_the_real_formats(api):
    real = sample("mimecast-demisto-1.json")["data"][0]["trackedEmails"][0]
    found = emails(api.mc_search(last(days=2, to="acme.example")))
    for field in ("received", "sent"):
        assert all(len(e[field]) == len(real[field]) and e[field].endswith("+0000") for e in found)
    start = body_date(datetime.datetime.now(UTC) - datetime.timedelta(hours=2))
    assert start.endswith("+0000")
