# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The policy event log's details, in every shape the research notes show, and resume tokens across types."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json

import pytest

from ansible_collections.emailsec.tracking.plugins.module_utils._matching import Matcher
from ansible_collections.emailsec.tracking.plugins.module_utils._paging import Slice, decode_resume, encode_resume
from ansible_collections.emailsec.tracking.plugins.module_utils._timewindow import Window
from ansible_collections.emailsec.tracking.plugins.module_utils._tmes_policy import (
    POLICY_FIELDS, decode_details, event_key,
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
    one = {"mailID": "m", "eventType": "phishing", "policyName": "p", "genTime": "t"}
    assert event_key(one) == event_key(dict(one)) != event_key(dict(one, eventType="threat"))
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
