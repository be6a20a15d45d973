# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the TMES searches write to dest: a record's own text where it can be, the record otherwise."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.emailsec.tracking.plugins.modules import tmes_mail_tracking_info, tmes_policy_event_info
from ansible_collections.emailsec.tracking.tests.unit.plugins.module_utils.helpers import response
from ansible_collections.emailsec.tracking.tests.unit.plugins.modules.utils import run_module, scripted_vendor

ARGS = dict(api_url="https://api.tmes.example.com", username="user", api_key="k" * 24, retry_max_delay=0,
            start="-1h")


def page(texts):
    return response(raw=('{"logs": [%s]}' % ", ".join(texts)).encode("utf-8"))


def test_tracking_records_are_written_as_tmes_sent_them_unless_they_hold_an_escape(monkeypatch, tmp_path):
    sent = ['{"mailID": "m1", "subject": "invoice", "size": 1.50}', '{"mailID": "m2", "subject": "caf\\u00e9"}',
            '{"mailID": "m3", "subject": "a \\"quoted\\" word"}', '{"mailID": "m4", "subject": "plain"}']
    scripted_vendor(monkeypatch, [page(sent)])
    dest = tmp_path / "logs.jsonl"
    result = run_module(tmes_mail_tracking_info.main, dict(ARGS, traffic_type="accepted_traffic", dest=str(dest)),
                        monkeypatch).result
    assert result["count"] == 4 and result["written"] is True
    assert dest.read_text(encoding="utf-8").splitlines() == [
        sent[0], '{"mailID":"m2","subject":"caf\u00e9"}', '{"mailID":"m3","subject":"a \\"quoted\\" word"}', sent[3]]
    # a query's outputs are its own: encoded
    scripted_vendor(monkeypatch, [page(sent)])
    result = run_module(tmes_mail_tracking_info.main, dict(ARGS, traffic_type="accepted_traffic", dest=str(dest),
                                                           query="[].{id: mailID}"), monkeypatch).result
    assert dest.read_text(encoding="utf-8").splitlines() == ['{"id":"m%d"}' % n for n in range(1, 5)]


def test_policy_events_in_a_file_carry_their_decoded_details(monkeypatch, tmp_path):
    """TMES may send details as an object: an event's text then has no escape, but the event gained
    decoded_details after it was read, so it is encoded."""
    events = [{"messageID": "<m%d@example.com>" % n, "eventType": "Malware", "policyName": "p",
               "genTime": "2026-11-30T01:00:0%dZ" % n, "details": {"threatNames": ["TROJ.X"]}} for n in range(3)]
    scripted_vendor(monkeypatch, [page([json.dumps(e) for e in events])])
    dest = tmp_path / "events.jsonl"
    result = run_module(tmes_policy_event_info.main, dict(ARGS, events=["threat"], dest=str(dest)), monkeypatch)
    assert not result.failed, result.result.get("msg")
    lines = [json.loads(line) for line in dest.read_text(encoding="utf-8").splitlines()]
    assert [line["decoded_details"]["threat_names"] for line in lines] == [["TROJ.X"]] * 3
    assert [line["messageID"] for line in lines] == [e["messageID"] for e in events]


def test_records_are_read_one_at_a_time_only_for_a_file_that_takes_their_texts(monkeypatch, tmp_path):
    """Read one at a time, records do not share their field names: records returned, or a query's outputs,
    are read with the page whole."""
    from ansible_collections.emailsec.tracking.plugins.module_utils import _tmes

    calls = []
    real = _tmes.json_body_and_lines
    monkeypatch.setattr(_tmes, "json_body_and_lines", lambda response, key: calls.append(key) or real(response, key))
    sent = ['{"mailID": "m1", "subject": "invoice"}']
    for extra, expected in ((dict(dest=str(tmp_path / "a.jsonl")), ["logs"]), ({}, []),
                            (dict(dest=str(tmp_path / "b.jsonl"), query="[].mailID"), [])):
        del calls[:]
        scripted_vendor(monkeypatch, [page(sent)])
        result = run_module(tmes_mail_tracking_info.main, dict(ARGS, traffic_type="accepted_traffic", **extra),
                            monkeypatch)
        assert not result.failed and result.result["count"] == 1
        assert calls == expected, extra
