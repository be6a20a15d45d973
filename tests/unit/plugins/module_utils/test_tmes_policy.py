# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The policy event log's details, in every shape the research notes show, and resume tokens across types."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json
import os

import pytest

from ansible_collections.emailsec.tracking.plugins.module_utils._matching import Matcher
from ansible_collections.emailsec.tracking.plugins.module_utils._paging import (
    FileSink, Page, Pipeline, Slice, decode_resume, encode_resume, run,
)
from ansible_collections.emailsec.tracking.plugins.module_utils._timewindow import Window
from ansible_collections.emailsec.tracking.plugins.module_utils._tmes_policy import (
    POLICY_FIELDS, decode_details, event_key, with_decoded_details,
)

UTC = datetime.timezone.utc
SHA = "A" * 64


@pytest.mark.parametrize("details, expected", [
    ({"threatNames": ["TROJ.X"], "fileInfo": [{"fileName": "a.html", "fileSha256": SHA, "threatName": "TROJ.Y"}]},
     {"threat_names": ["TROJ.X", "TROJ.Y"], "file_sha256": [SHA.lower()], "urls": [], "risk_level": None}),
    ({"urlInfo": [{"url": "https://evil.example/x", "extractType": "attachment", "attachmentName": "a.html",
                   "attachmentSha256": SHA, "riskLevel": "high"}]},
     {"threat_names": [], "file_sha256": [SHA.lower()], "urls": ["https://evil.example/x"], "risk_level": None}),
    ({"riskLevel": "medium", "fileInfo": [{"fileName": "a.zip", "fileSha256": SHA}]},
     {"threat_names": [], "file_sha256": [SHA.lower()], "urls": [], "risk_level": "medium"}),
    ({"spamReport": {"score": 9}}, {"threat_names": [], "file_sha256": [], "urls": [], "risk_level": None}),
])
def test_details_as_object_and_as_json_string(details, expected):
    assert decode_details(details) == expected
    assert decode_details(json.dumps(details)) == expected


@pytest.mark.parametrize("details", [None, "", "not json", "[1]", 5, {"fileInfo": 5, "urlInfo": [5], "threatNames": 3},
                                     '{"fileInfo": [{"fileSha256": 7}]}', "[" * 100000])
def test_odd_details_never_crash(details):
    decoded = decode_details(details)
    assert decoded["file_sha256"] == [] and decoded["urls"] == []


def test_events_are_one_event_per_mail_type_policy_and_time():
    one = {"mailID": "m", "eventType": "Suspicious Objects", "policyName": "p", "genTime": "t"}
    assert event_key(one) == event_key(dict(one)) != event_key(dict(one, eventType="Malware"))
    assert event_key({"eventType": "x"}) is None


def test_resume_tokens_keep_each_part_s_event_type():
    window = Window(datetime.datetime(2026, 11, 22, tzinfo=UTC), datetime.datetime(2026, 11, 22, 1, tzinfo=UTC))
    slices = [Slice(window, "tok", 3, "threat"), Slice(window, None, 0, "phishing")]
    back = decode_resume(encode_resume(slices, "b"), "b")
    assert [(s.tag, s.token, s.skip) for s in back] == [("threat", "tok", 3), ("phishing", None, 0)]


def test_threat_names_are_matched_as_text_beside_the_other_criteria():
    event = {"sender": "a@evil.example", "decoded_details": decode_details({"threatNames": ["TROJ_GEN.R002C0DKN"]})}
    assert Matcher(POLICY_FIELDS, threat="troj_gen").matches(event) is True
    assert Matcher(POLICY_FIELDS, threat="ransom").matches(event) is False
    assert Matcher(POLICY_FIELDS, threat="troj", sender="@other.example").matches(event) is False
    assert Matcher(POLICY_FIELDS, threat="troj").matches({"decoded_details": None}) is False


# -- the captured events (tests/unit/fixtures/real-samples/tmes-policy-*, copies of shared/api/real-samples) -------
SAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "real-samples")


def capture(name):
    with open(os.path.join(SAMPLES, name)) as handle:
        return json.load(handle)


def test_every_policy_capture_is_used_here():
    names = sorted(n for n in os.listdir(SAMPLES) if n.startswith("tmes-policy-"))
    assert names == ["tmes-policy-datadog-1.json", "tmes-policy-datadog-2.json", "tmes-policy-datadog-3.json"]


def test_the_rest_capture_decodes_matches_and_has_an_identity_without_mail_id():
    event = dict(capture("tmes-policy-datadog-1.json")["body"])
    assert "mailID" not in event
    event["decoded_details"] = decode_details(event["details"])
    url = json.loads(event["details"])["urlInfo"][0]["url"]
    assert event["decoded_details"] == {"threat_names": [], "file_sha256": [], "urls": [url], "risk_level": None}
    assert Matcher(POLICY_FIELDS, url="MCUSERCONTENT.com/87564").matches(event) is True
    assert Matcher(POLICY_FIELDS, sender="header_sender@example.com", recipient="rcpt2@example.com",
                   subject="response sample").matches(event) is True
    assert Matcher(POLICY_FIELDS, message_id=event["messageID"]).matches(event) is True
    # fields this event lacks (file hashes, threat names) never break matching: the criterion just does not match
    assert Matcher(POLICY_FIELDS, attachment_sha256=SHA).matches(event) is False
    assert Matcher(POLICY_FIELDS, threat="eicar").matches(event) is False
    key = event_key(event)
    assert key is not None and key == event_key(dict(event, recipients=list(reversed(event["recipients"]))))
    assert key != event_key(dict(event, recipients=["rcpt1@example.com"]))
    assert key != event_key(dict(event, policyName="other")) != event_key(dict(event, genTime="x"))
    assert key != event_key(dict(event, messageID="<other@example.com>"))
    assert event_key(dict(event, messageID=None)) is None
    # an event with a mailID keeps the mailID identity
    assert event_key(dict(event, mailID="m")) == event_key(dict(event, mailID="m", recipients=[]))


def test_the_syslog_captures_details_decode_threat_names_given_as_a_string():
    malware = capture("tmes-policy-datadog-2.json")
    event = {"eventType": malware["context"]["cs1 eventType"], "policyName": malware["context"]["cs5 policyName"],
             "policyAction": malware["context"]["act"], "messageID": "<eicar@example.com>",
             "recipients": ["rcpt@example.com"], "genTime": "2024-01-01T01:01:01.001Z",
             "decoded_details": decode_details(malware["body"])}
    assert event["decoded_details"] == {"threat_names": ["Eicar_test_file"], "file_sha256": [], "urls": [],
                                        "risk_level": None}
    assert Matcher(POLICY_FIELDS, threat="EICAR").matches(event) is True
    assert Matcher(POLICY_FIELDS, attachment_sha256=SHA).matches(event) is False
    assert event_key(event) is not None
    phishing = capture("tmes-policy-datadog-3.json")
    decoded = decode_details(phishing["body"])
    assert json.loads(phishing["body"])["spamReport"]
    assert decoded == {"threat_names": [], "file_sha256": [], "urls": [], "risk_level": None}
    assert Matcher(POLICY_FIELDS, threat="phish").matches({"decoded_details": decoded}) is False


def test_a_file_of_events_holds_their_decoded_details_not_the_text_tmes_sent(tmp_path):
    """TMES may send details as an object: the event's text then holds no escape and could be written as it
    came, without the decoded_details added to it."""
    events = [{"messageID": "<m%d@example.com>" % n, "eventType": "Malware", "policyName": "p", "genTime": "t%d" % n,
               "details": {"threatNames": ["TROJ.X"]}} for n in range(3)]
    window = Window(datetime.datetime(2026, 11, 22, tzinfo=UTC), datetime.datetime(2026, 11, 22, 1, tzinfo=UTC))

    def fetch(spec, stop):
        texts = [json.dumps(e, separators=(",", ":")) for e in events]
        yield with_decoded_details(Page([dict(e) for e in events], None, None, texts))

    dest = tmp_path / "events.jsonl"
    run([Slice(window)], fetch, Pipeline(event_key), FileSink(str(dest)))
    lines = [json.loads(line) for line in dest.read_text().splitlines()]
    assert [line["decoded_details"]["threat_names"] for line in lines] == [["TROJ.X"]] * 3
