#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: tmes_policy_event_info
short_description: Read the Trend Micro Email Security policy event log
version_added: 0.2.0
description:
  - Reads what TMES policies did to messages and why, with C(GET /api/v1/log/policyeventlog), page by page, that is
    the event type (phishing, threat, spam, ...), the policy, its action and the details (threat names, files,
    URLs).
  - TMES takes one event type a request; each type in O(events) is its own query over the window, and the events
    come back in the order of O(events), each in time order.
  - The same hosts, credentials, 72-hour rule, paging and answers as M(emailsec.tracking.tmes_mail_tracking_info),
    and the same matching and output options. O(sender_ip) cannot be matched here (the events carry no sending IP).
  - C(details) is decoded into C(decoded_details) on every event (C(threat_names), C(file_sha256), C(urls),
    C(risk_level)), which O(attachment_sha256), O(url) and O(threat) match. C(threatNames) may come as a string
    (as captured) or a list.
  - C(eventType) is the display name TMES sends, not the O(events) value asked for; for example V(threat) returns
    C(Malware) or C(Suspicious Objects) events, V(anti_spoof) C(Domain-based Authentication) events.
    C(policyAction) is the policy's action (for example C(Quarantine), C(Bypass)), not the tracking log's C(action).
  - Fields seen in events captured from the service are C(genTime), C(timestamp), C(eventType), C(eventSubtype),
    C(domainName), C(sender), C(headerFrom), C(recipients), C(headerTo), C(direction), C(messageID), C(subject),
    C(size), C(policyName), C(policyAction) and C(details). C(mailID) is listed by one collector's schema but no
    captured event carries it; in C(details), C(fileSha256), C(riskLevel) and a URL's C(attachmentName) and
    C(attachmentSha256) are documented but never captured. Treat these as unverified; an event without one of them
    simply does not match the criterion that reads it (O(attachment_sha256) cannot match an event without file
    hashes), and never fails the run.
  - Events join the mail tracking log on C(messageID) and the recipients (and on C(mailID) when an event has one).
    Duplicates are dropped by C(mailID) when present, else by C(messageID), event type, policy, time and
    recipients.
author:
  - emailsec.tracking contributors (@emailsec)
extends_documentation_fragment:
  - emailsec.tracking.tmes
  - emailsec.tracking.connection
  - emailsec.tracking.matching
  - emailsec.tracking.output
  - emailsec.tracking.attributes
  - emailsec.tracking.attributes.TMES_GROUP
options:
  events:
    description:
      - The event types to read. All of them by default.
    type: list
    elements: str
    choices: [anti_spoof, threat, spam, content_filter, dlp, phishing, anomaly]
    default: [anti_spoof, threat, spam, content_filter, dlp, phishing, anomaly]
  direction:
    description:
      - Only inbound (V(in)) or outbound (V(out)) mail.
    type: str
    choices: [in, out]
  domain:
    description:
      - Only events of this domain of yours.
    type: str
  start:
    description:
      - Start of the window (inclusive), as in M(emailsec.tracking.tmes_mail_tracking_info). Defaults to one hour
        before O(end).
    type: str
  end:
    description:
      - End of the window (inclusive). Defaults to V(now).
    type: str
  page_size:
    description:
      - Events per page, from 1 to 500.
    type: int
    default: 500
    aliases: [limit]
  attachment_sha256:
    description:
      - Keep events about a file with this SHA-256 (in C(fileInfo), or an attachment behind a URL).
    type: str
  url:
    description:
      - Keep events about a URL that contains this text (case-insensitive).
    type: str
  threat:
    description:
      - Keep events with a threat name that contains this text (case-insensitive).
    type: str
seealso:
  - module: emailsec.tracking.tmes_mail_tracking_info
'''

EXAMPLES = r'''
- name: What did the policies do to the phishing campaign? (credentials from TMES_* variables)
  emailsec.tracking.tmes_policy_event_info:
    events: [phishing, threat]
    sender: "@acme-invoice-notice.example"
    start: -24h
  register: policy_events

- name: Every event about one file, with the policy and its action only
  emailsec.tracking.tmes_policy_event_info:
    attachment_sha256: 2033b7a057a68ba8c60862e9de3bd9ce630010c982682d5167e33568a926315b
    start: -72h
    query: "[].{message: messageID, event: eventType, policy: policyName, action: policyAction}"
'''

RETURN = r'''
events:
  description:
    - The matching policy events as TMES returned them, each with C(decoded_details) added (or as O(query) shaped
      them); empty when O(dest) is set.
  returned: always
  type: list
  elements: dict
  sample:
    - genTime: "2026-11-22T08:14:03.412Z"
      timestamp: "2026-11-22T08:14:02Z"
      eventType: Suspicious Objects
      eventSubtype: Suspicious URLs
      domainName: acme.example
      sender: billing@acme-invoice-notice.example
      headerFrom: billing@acme-invoice-notice.example
      recipients: [anna.meyer@acme.example]
      headerTo: [anna.meyer@acme.example]
      direction: in
      messageID: "<6f0c1c1e-9d5b-4b7e-8a43-2f1d1c0e5a77@acme-invoice-notice.example>"
      subject: "Overdue invoice INV-61151: payment required today"
      size: 48213
      policyName: "Organization: Global Inbound Policy (Virus)"
      policyAction: Quarantine
      details: '{"urlInfo":[{"url":"https://acme-invoice-notice.example/pay/INV-61151","extractType":"body"}]}'
      decoded_details:
        threat_names: []
        file_sha256: []
        urls: ["https://acme-invoice-notice.example/pay/INV-61151"]
        risk_level: null
    - eventType: Malware
      eventSubtype: Virus
      policyName: "Organization: Global Outbound Policy (Virus)"
      policyAction: Quarantine
      details: '{"threatNames":"Eicar_test_file","fileInfo":[{"fileName":"noname","threatName":"Eicar_test_file"}]}'
      decoded_details:
        threat_names: [Eicar_test_file]
        file_sha256: []
        urls: []
        risk_level: null
count:
  description: How many events matched.
  returned: always
  type: int
searched_events:
  description: The event types read, in order.
  returned: always
  type: list
  elements: str
pages:
  description: How many pages were read.
  returned: always
  type: int
window:
  description: The window searched, in UTC (C(start), C(end)).
  returned: always
  type: dict
next_token:
  description: Present when the run stopped at O(max_records) or returned partial results; give it to O(token).
  returned: when there is more to fetch
  type: str
partial:
  description: Whether events are missing because a part failed (only with O(allow_partial=true)).
  returned: always
  type: bool
'''

from ansible_collections.emailsec.tracking.plugins.module_utils._tmes_policy import (
    MUTUALLY_EXCLUSIVE, PolicyEventSearch, argument_spec,
)


def main():
    module = PolicyEventSearch(argument_spec(), mutually_exclusive=MUTUALLY_EXCLUSIVE)
    module.execute(module.main)


if __name__ == "__main__":
    main()
