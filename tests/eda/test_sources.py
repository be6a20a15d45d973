# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The event sources emailsec.tracking.mimecast and emailsec.tracking.tmes, driven through main(queue, args) against
the sandbox: every planted item once, nothing twice across polls and restarts, faults survived, errors reported
without secrets, bad arguments refused before any request, memory and the event loop spared."""

from __future__ import annotations

import asyncio
import collections
import datetime
import json
import logging
import os
import subprocess
import sys
import time

import pytest

from .conftest import COLLECTIONS_ROOT, POLLER_MODULE, SOURCES_DIR, of, run_source

BLOCKED_ACTIONS = ("Quarantined", "Deleted", "Rejected")  # the TMES actions whose records are blocked traffic


def check_shape(body, vendor):
    assert body["vendor"] == vendor
    assert set(body) == {"vendor", "source", "id", "time", "record", "indicator", "reason"}
    assert isinstance(body["record"], dict) and body["id"] and body["reason"]
    assert set(body["indicator"]) <= {"sender", "sender_domain", "url", "attachment_sha256", "message_id", "subject"}
    if "sender" in body["indicator"]:
        assert body["indicator"]["sender_domain"] == body["indicator"]["sender"].rsplit("@", 1)[1]


# -- every planted item once ---------------------------------------------------------------------------------------
def test_held_every_hold_once_over_two_polls(clean, mimecast_source):
    events = run_source(mimecast_source, clean.mimecast_args(sources=["held"], lookback="29d", polls=2))
    held = of(events, "held")
    expected = set(clean.mimecast_state()["hold"])
    assert expected and len(held) == len(expected)
    assert {e["id"] for e in held} == expected
    assert not of(events, errors=True)
    for body in held:
        check_shape(body, "mimecast")
        assert body["record"]["id"] == body["id"]
        assert body["time"].endswith("Z")
    campaign = [e for e in held if e["indicator"].get("sender") == clean.campaign["sender"]]
    assert len(campaign) == clean.campaign["mimecast_statuses"]["held"]
    assert all(e["indicator"]["subject"] == clean.campaign["subject"] for e in campaign)
    assert all("Malicious Attachment" in e["reason"] for e in campaign)


def test_clicks_malicious_user_clicks_once(clean, mimecast_source):
    if "clickers" not in clean.campaign:
        pytest.skip("this sandbox has no URL Protect logs")
    events = run_source(mimecast_source, clean.mimecast_args(sources=["url_clicks"], lookback="21h", polls=2))
    clicks = of(events, "url_clicks")
    assert clicks and not of(events, errors=True)
    for body in clicks:
        check_shape(body, "mimecast")
        assert body["record"].get("creationMethod") in ("User Click", None)
        assert body["record"]["scanResult"] == "malicious"
    assert len({e["id"] for e in clicks}) == len(clicks)
    campaign = [e for e in clicks if e["indicator"].get("url") == clean.campaign["url"]]
    # the malicious campaign clicks are the blocked ones; never an Entry Scan row (a distribution list's)
    assert sorted(e["record"]["userEmailAddress"] for e in campaign) == clean.campaign["blocked_clickers"]
    assert all(e["indicator"]["sender"] == clean.campaign["sender"] and e["indicator"]["message_id"].startswith("<")
               for e in campaign)


def test_clicks_clean_and_malicious(clean, mimecast_source):
    if "clickers" not in clean.campaign:
        pytest.skip("this sandbox has no URL Protect logs")
    events = run_source(mimecast_source, clean.mimecast_args(sources=["url_clicks"], lookback="21h", polls=1,
                                                             scan_results=["malicious", "clean"]))
    campaign = [e for e in of(events, "url_clicks") if e["indicator"].get("url") == clean.campaign["url"]]
    assert len(campaign) == clean.campaign["clicks"]
    assert sorted(set(e["record"]["userEmailAddress"] for e in campaign)) == clean.campaign["clickers"]


def test_attachment_and_impersonation(clean, mimecast_source):
    if "clickers" not in clean.campaign:
        pytest.skip("this sandbox has no TTP logs")
    events = run_source(mimecast_source, clean.mimecast_args(sources=["attachment", "impersonation"],
                                                             lookback="21h", polls=2))
    attachments = of(events, "attachment")
    assert attachments and all(e["record"]["result"] == "malicious" for e in attachments)
    sha256 = clean.campaign["attachment_sha256"]
    campaign = [e for e in attachments if e["indicator"].get("attachment_sha256") == sha256]
    assert campaign and len({e["id"] for e in attachments}) == len(attachments)
    impersonations = of(events, "impersonation")
    assert impersonations and all(e["record"]["taggedMalicious"] is True for e in impersonations)
    assert [e["indicator"]["sender"] for e in impersonations].count(clean.campaign["sender"]) == 1
    for body in attachments + impersonations:
        check_shape(body, "mimecast")


def test_tmes_policy_events_once(clean, tmes_source):
    events = run_source(tmes_source, clean.tmes_args(lookback="21h", polls=2))
    bodies = of(events)
    assert bodies and not of(events, errors=True)
    assert {e["source"] for e in bodies} == {"threat", "phishing"}
    assert len({e["id"] for e in bodies}) == len(bodies)
    for body in bodies:
        check_shape(body, "tmes")
    campaign = [e for e in bodies if e["indicator"].get("sender") == clean.campaign["sender"]]
    blocked = sum(n for action, n in clean.campaign["tmes_actions"].items() if action in BLOCKED_ACTIONS)
    assert len(campaign) == blocked
    # the campaign was caught for its URL: the event's details give the URL to trace
    assert all(e["source"] == "threat" and e["indicator"]["url"] == clean.campaign["url"] for e in campaign)


def test_tmes_watched_sender_domain(clean, tmes_source):
    events = run_source(tmes_source, clean.tmes_args(events=["anomaly"], lookback="21h", polls=2,
                                                     watch=["@" + clean.campaign["sender_domain"]]))
    watched = of(events, "accepted_traffic") + of(events, "blocked_traffic")
    assert len(watched) == clean.campaign["tmes_count"]
    assert len({e["id"] for e in watched}) == len(watched)
    assert all(e["indicator"]["sender_domain"] == clean.campaign["sender_domain"] for e in watched)
    blocked = sum(n for action, n in clean.campaign["tmes_actions"].items() if action in BLOCKED_ACTIONS)
    assert len(of(events, "blocked_traffic")) == blocked


# -- restarts ---------------------------------------------------------------------------------------------------------
def test_restart_from_bookmark_repeats_nothing(clean, mimecast_source, tmes_source, tmp_path):
    mark = str(tmp_path / "mimecast.json")
    first = of(run_source(mimecast_source, clean.mimecast_args(sources=["held", "url_clicks"], lookback="21h",
                                                               polls=1, bookmark=mark)))
    assert first
    saved = json.load(open(mark))
    assert saved["source"] == "emailsec.tracking.mimecast"
    assert set(saved["streams"]) == {"mimecast:held", "mimecast:url_clicks"}
    assert oct(os.stat(mark).st_mode & 0o777) == "0o600"
    again = run_source(mimecast_source, clean.mimecast_args(sources=["held", "url_clicks"], lookback="21h",
                                                            polls=1, bookmark=mark))
    assert again == []
    mark = str(tmp_path / "tmes.json")
    assert of(run_source(tmes_source, clean.tmes_args(lookback="21h", polls=1, bookmark=mark)))
    assert run_source(tmes_source, clean.tmes_args(lookback="21h", polls=1, bookmark=mark)) == []


def test_stopped_mid_poll_then_restarted_misses_and_repeats_nothing(clean, mimecast_source, tmp_path):
    mark = str(tmp_path / "held.json")
    args = clean.mimecast_args(sources=["held"], lookback="29d", polls=1, bookmark=mark)
    expected = set(clean.mimecast_state()["hold"])
    assert len(expected) > 150  # more than one page of 100
    got = []
    running = {}

    class StoppingQueue(asyncio.Queue):
        """The rulebook stops the source (cancels its task) once 120 events have arrived: in the second page."""

        async def put(self, item):
            got.append(item)
            if len(got) == 120:
                running["task"].cancel()

    async def go():
        running["task"] = asyncio.ensure_future(mimecast_source["main"](StoppingQueue(), args))
        with pytest.raises(asyncio.CancelledError):
            await running["task"]

    asyncio.run(go())
    first = [e["emailsec"]["id"] for e in got]
    assert 120 <= len(first) < len(expected)
    rest = [e["id"] for e in of(run_source(mimecast_source, args))]
    assert not set(first) & set(rest)
    assert sorted(first + rest) == sorted(expected)


def test_bookmark_of_another_tenant_or_broken_is_refused(clean, mimecast_source, tmes_source, tmp_path):
    mark = tmp_path / "shared.json"
    run_source(mimecast_source, clean.mimecast_args(sources=["held"], lookback="1h", polls=1, bookmark=str(mark)))
    before = clean.requests_made()
    with pytest.raises(ValueError, match="bookmark .* belongs to emailsec.tracking.mimecast"):
        run_source(tmes_source, clean.tmes_args(polls=1, bookmark=str(mark)))
    mark.write_text("{not json")
    with pytest.raises(ValueError, match="cannot be read"):
        run_source(mimecast_source, clean.mimecast_args(sources=["held"], polls=1, bookmark=str(mark)))
    assert clean.requests_made() == before


def test_bookmark_older_than_tmes_keeps_is_reported_as_a_gap(clean, tmes_source, tmp_path):
    mark = tmp_path / "tmes.json"
    run_source(tmes_source, clean.tmes_args(events=["threat"], lookback="1h", polls=1, bookmark=str(mark)))
    saved = json.loads(mark.read_text())
    old = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=80)
    saved["streams"]["tmes:threat"] = {"floor": old.strftime("%Y-%m-%dT%H:%M:%S.000Z"), "seen": {}}
    mark.write_text(json.dumps(saved))
    events = run_source(tmes_source, clean.tmes_args(events=["threat"], lookback="1h", polls=1, bookmark=str(mark)))
    errors = of(events, errors=True)
    assert len(errors) == 1 and "beyond what tmes keeps" in errors[0]["error"] and errors[0]["gap"]["start"]
    # the rest was read from where TMES still answers (no request refused for its start)
    assert len(of(events, "threat")) > 0


# -- faults -----------------------------------------------------------------------------------------------------------
def test_rate_limits_and_server_errors_are_survived(clean, mimecast_source, tmes_source):
    before = clean.requests_made()
    quiet = of(run_source(mimecast_source, clean.mimecast_args(sources=["held", "url_clicks"], lookback="21h",
                                                               polls=1)))
    plain = clean.requests_made() - before
    clean.fault(kind="rate_limit", endpoint="held", count=2, wait=0.2)
    clean.fault(kind="status", status=503, endpoint="ttp", count=2)
    clean.fault(kind="drop", endpoint="held", count=1)
    before = clean.requests_made()
    events = run_source(mimecast_source, clean.mimecast_args(sources=["held", "url_clicks"], lookback="21h",
                                                             polls=1))
    assert not of(events, errors=True)
    assert sorted(e["id"] for e in of(events)) == sorted(e["id"] for e in quiet)
    assert clean.requests_made() - before >= plain + 4  # the faulted requests were sent again
    quiet = of(run_source(tmes_source, clean.tmes_args(lookback="21h", polls=1)))
    clean.fault(kind="status", status=503, endpoint="tmes", count=2)
    clean.fault(kind="rate_limit", endpoint="tmes", count=1, wait=0.2)
    events = run_source(tmes_source, clean.tmes_args(lookback="21h", polls=1))
    assert not of(events, errors=True)
    assert sorted(e["id"] for e in of(events)) == sorted(e["id"] for e in quiet)


def test_failure_past_retries_is_one_error_event_then_polling_goes_on(clean, mimecast_source, caplog):
    clean.fault(kind="status", status=503, endpoint="held", count=3)
    caplog.set_level(logging.INFO, logger="emailsec.tracking.eda")
    events = run_source(mimecast_source, clean.mimecast_args(sources=["held"], lookback="21h", polls=6,
                                                             retries=0))
    errors = of(events, errors=True)
    assert len(errors) == 1
    assert errors[0]["source"] == "held" and "HTTP 503" in errors[0]["error"] and errors[0]["time"]
    failures = [r for r in caplog.records if "failed (" in r.getMessage()]
    assert len(failures) == 3  # every failure logged, one event a streak
    held = of(events, "held")
    assert held and len({e["id"] for e in held}) == len(held)
    later = run_source(mimecast_source, clean.mimecast_args(sources=["held"], lookback="21h", polls=1))
    later_errors = of(later, errors=True)
    assert later_errors == []


def test_no_secret_in_any_event_or_log_line(clean, mimecast_source, tmes_source, caplog):
    caplog.set_level(logging.DEBUG)
    clean.fault(kind="status", status=500, endpoint="*", count=2)
    clean.fault(kind="rate_limit", endpoint="ttp", count=1, wait=0.1)
    events = []
    events += run_source(mimecast_source, clean.mimecast_args(sources=["held", "url_clicks"], lookback="2h",
                                                              polls=1, retries=1))
    info = clean.info["mimecast"]
    hmac = {"base_url": clean.url, "access_key": info["access_key"], "secret_key": info["secret_key"],
            "app_id": info["app_id"], "app_key": info["app_key"], "polls": 1, "lookback": "2h", "sources": ["held"]}
    events += run_source(mimecast_source, hmac)
    events += run_source(mimecast_source, dict(hmac, app_key="wrong-" + info["app_key"]))
    events += run_source(mimecast_source, clean.mimecast_args(client_secret="not-the-secret-" + "x" * 30, polls=1))
    events += run_source(tmes_source, clean.tmes_args(api_key="wrong-" + clean.info["tmes"]["api_key"], polls=1))
    events += run_source(tmes_source, clean.tmes_args(lookback="2h", polls=1))
    errors = of(events, errors=True)
    assert len(errors) >= 3  # the wrong credentials were refused, and said so
    text = json.dumps(events) + "\n".join(r.getMessage() for r in caplog.records) + caplog.text
    for secret in clean.secrets() + ["not-the-secret-" + "x" * 30]:
        assert secret not in text
    assert "Authorization" not in text


def test_bad_arguments_are_refused_before_any_request(clean, mimecast_source, tmes_source, tmp_path):
    before = clean.requests_made()
    cases = [
        (mimecast_source, clean.mimecast_args(sourcez=["held"]), "unknown argument sourcez"),
        (mimecast_source, clean.mimecast_args(sources=["clicks"]), "'clicks' is not known"),
        (mimecast_source, clean.mimecast_args(sources=[]), "non-empty list"),
        (mimecast_source, clean.mimecast_args(lookback="31d"), r"Mimecast keeps its logs 30 days\); give at most 719h"),
        (mimecast_source, clean.mimecast_args(lookback="soon"), "not a duration"),
        (mimecast_source, clean.mimecast_args(interval=0), "interval must be from"),
        (mimecast_source, clean.mimecast_args(scan_results=["bad"]), "scan_results"),
        (mimecast_source, {"base_url": clean.url, "polls": 1}, "no Mimecast credentials"),
        (mimecast_source, clean.mimecast_args(base_url="http://mimecast.example.com"), "plain http"),
        (mimecast_source, clean.mimecast_args(bookmark=str(tmp_path / "missing" / "b.json")), "does not exist"),
        (mimecast_source, clean.mimecast_args(bookmark=str(tmp_path)), "is a directory"),
        (tmes_source, clean.tmes_args(lookback="72h"), r"TMES keeps its logs 72 hours\); give at most 71h"),
        (tmes_source, clean.tmes_args(events=["virus"]), "'virus' is not known"),
        (tmes_source, clean.tmes_args(watch=["gmail.com"]), "free-mail"),
        (tmes_source, clean.tmes_args(watch=["*"]), "wildcard"),
        (tmes_source, clean.tmes_args(watch=[""]), "empty"),
        (tmes_source, clean.tmes_args(username=None, api_key=None), "TMES needs both username and api_key"),
        (tmes_source, clean.tmes_args(region="mars", api_url=None), "not a TMES region"),
    ]
    saved = {k: os.environ.pop(k, None) for k in list(os.environ) if k.startswith(("MIMECAST_", "TMES_"))}
    try:
        for source, args, message in cases:
            with pytest.raises(ValueError, match=message):
                run_source(source, dict(args, polls=1))
    finally:
        os.environ.update({k: v for k, v in saved.items() if v is not None})
    assert clean.requests_made() == before
    # a free-mail sender address (not the whole domain) is fine, and so is a domain with allow_broad
    tmes_source["build"](clean.tmes_args(watch=["someone@gmail.com"]))
    tmes_source["build"](clean.tmes_args(watch=["gmail.com"], allow_broad=True))


def test_credentials_from_the_environment(clean, mimecast_source, tmes_source, monkeypatch):
    monkeypatch.setenv("MIMECAST_BASE_URL", clean.url)
    monkeypatch.setenv("MIMECAST_CLIENT_ID", clean.info["mimecast"]["client_id"])
    monkeypatch.setenv("MIMECAST_CLIENT_SECRET", clean.info["mimecast"]["client_secret"])
    monkeypatch.setenv("TMES_API_URL", clean.url)
    monkeypatch.setenv("TMES_USERNAME", clean.info["tmes"]["username"])
    monkeypatch.setenv("TMES_API_KEY", clean.info["tmes"]["api_key"])
    assert of(run_source(mimecast_source, {"sources": ["held"], "lookback": "21h", "polls": 1}), "held")
    assert of(run_source(tmes_source, {"events": ["threat"], "lookback": "21h", "polls": 1}), "threat")


# -- bounds -----------------------------------------------------------------------------------------------------------
def test_endless_paging_ends_in_an_error_event(clean, mimecast_source):
    clean.fault(kind="endless", endpoint="held", items=0)
    started = time.monotonic()
    events = run_source(mimecast_source, clean.mimecast_args(sources=["held"], lookback="1h", polls=1), timeout=60)
    errors = of(events, errors=True)
    assert len(errors) == 1 and "paging would not end" in errors[0]["error"]
    assert time.monotonic() - started < 60


def test_identities_kept_are_bounded(clean, mimecast_source, monkeypatch, tmp_path):
    poller = sys.modules[POLLER_MODULE]
    monkeypatch.setattr(poller, "MAX_SEEN", 25)
    mark = str(tmp_path / "held.json")
    args = clean.mimecast_args(sources=["held"], lookback="29d", polls=1, bookmark=mark, overlap="29d")
    first = of(run_source(mimecast_source, args))
    assert len(first) > 25
    saved = json.load(open(mark))["streams"]["mimecast:held"]
    assert len(saved["seen"]) <= 25
    # the floor moved up to the oldest identity kept: a restart sends nothing again
    assert saved["floor"] == min(saved["seen"].values())
    assert run_source(mimecast_source, args) == []


def test_the_event_loop_keeps_running_during_a_slow_poll(clean, mimecast_source):
    clean.fault(kind="slow", endpoint="held", count=1, seconds=1.5)
    ticks = []

    async def ticker():
        while True:
            ticks.append(time.monotonic())
            await asyncio.sleep(0.05)

    async def go():
        tick = asyncio.ensure_future(ticker())
        started = time.monotonic()
        await mimecast_source["main"](asyncio.Queue(), clean.mimecast_args(sources=["held"], lookback="1h", polls=1))
        tick.cancel()
        return time.monotonic() - started

    took = asyncio.run(go())
    assert took >= 1.4
    assert len(ticks) >= 20  # about one tick every 0.05 s while the request waited in its thread
    gaps = [b - a for a, b in zip(ticks, ticks[1:])]
    assert max(gaps) < 0.5


# -- how ansible-rulebook finds the collection ------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["mimecast", "tmes"])
def test_source_imports_the_collection_from_its_own_path(name, tmp_path):
    """runpy.run_path of the installed file, with nothing on PYTHONPATH: the file finds its collections root."""
    env = dict((k, v) for k, v in os.environ.items() if k not in ("PYTHONPATH", "ANSIBLE_COLLECTIONS_PATH",
                                                                  "ANSIBLE_COLLECTIONS_PATHS"))
    env["HOME"] = str(tmp_path)  # no ~/.ansible/collections to fall back on
    code = "import runpy, sys; g = runpy.run_path(sys.argv[1]); print(g['NAME'], callable(g['main']))"
    out = subprocess.run([sys.executable, "-c", code, os.path.join(SOURCES_DIR, name + ".py")], cwd=str(tmp_path),
                         env=env, capture_output=True, text=True, timeout=60, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["emailsec.tracking.%s" % name, "True"]
    # a copy of the file outside any collection tree finds the collection through ANSIBLE_COLLECTIONS_PATH
    copy = tmp_path / (name + ".py")
    copy.write_text(open(os.path.join(SOURCES_DIR, name + ".py")).read())
    out = subprocess.run([sys.executable, "-c", code, str(copy)], cwd=str(tmp_path), capture_output=True, text=True,
                         env=dict(env, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS_ROOT), timeout=60, check=False)
    assert out.returncode == 0, out.stderr


def test_campaign_counts_are_what_the_sandbox_planted(clean):
    """The numbers the tests compare with come from the sandbox's own description of its campaign."""
    counts = collections.Counter(clean.campaign["tmes_actions"])
    assert sum(counts.values()) == clean.campaign["tmes_count"]
    assert clean.campaign["mimecast_statuses"].get("held", 0) > 0


@pytest.mark.parametrize("name", ["mimecast", "tmes"])
def test_documented_options_are_the_options_taken(name, mimecast_source, tmes_source):
    """DOCUMENTATION and EXAMPLES parse, and every argument the source takes is documented (and no other)."""
    import yaml

    source = {"mimecast": mimecast_source, "tmes": tmes_source}[name]
    doc = yaml.safe_load(source["DOCUMENTATION"])
    assert yaml.safe_load(source["EXAMPLES"])
    taken = set(source["OPTIONS"]) | set(source.get("CREDENTIALS") or {})
    if name == "mimecast":
        taken |= set(source["auth_argspec"]())
    assert set(doc["options"]) == taken
    for option, spec in doc["options"].items():
        assert spec.get("description"), option
