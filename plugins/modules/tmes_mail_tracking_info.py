#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: tmes_mail_tracking_info
short_description: Search Trend Micro Email Security mail tracking logs
version_added: 0.1.0
description:
  - Reads mail tracking logs from Trend Micro Email Security (TMES) with C(GET /api/v1/log/mailtrackinglog), page by
    page, and returns the records that match.
  - TMES filters only by traffic type, direction, domain and time. The module matches sender, recipient, subject,
    sender IP, message id, attachment SHA-256 and URL itself, as the pages arrive.
  - TMES keeps logs searchable for 72 hours. A window reaching further back is refused before any request is sent.
    TMES checks the limit again on every page, so a start in the oldest 10 minutes (V(-72h) or V(-3d), "the whole
    retention") quietly starts 10 minutes later; RV(window) shows the window searched. A resume token whose run
    started more than 72 hours ago is refused the same way.
  - Times are UTC inside. Input with an offset is converted; input without one is read as UTC.
author:
  - emailsec.tracking contributors (@emailsec)
extends_documentation_fragment:
  - emailsec.tracking.tmes
  - emailsec.tracking.tmes.SEARCH
  - emailsec.tracking.connection
  - emailsec.tracking.matching
  - emailsec.tracking.output
  - emailsec.tracking.attributes
  - emailsec.tracking.attributes.TMES_GROUP
seealso:
  - module: emailsec.tracking.mimecast_tracking_search
'''

EXAMPLES = r'''
- name: Where did mail from this sender go in the last six hours?
  emailsec.tracking.tmes_mail_tracking_info:
    api_url: "{{ tmes_api_url }}"  # or region: eu
    username: "{{ tmes_username }}"
    api_key: "{{ tmes_api_key }}"
    traffic_type: accepted_traffic
    sender: billing@acme-invoice-notice.example
    start: -6h
  register: accepted

- name: The same search in the blocked traffic, credentials from TMES_* environment variables
  emailsec.tracking.tmes_mail_tracking_info:
    traffic_type: blocked_traffic
    sender: "@acme-invoice-notice.example"
    start: -6h

- name: Who received an attachment, and only the fields needed
  emailsec.tracking.tmes_mail_tracking_info:
    traffic_type: accepted_traffic
    attachment_sha256: 2033b7a057a68ba8c60862e9de3bd9ce630010c982682d5167e33568a926315b
    start: -24h
    query: "[?action=='Delivered'].{to: recipient, at: genTime}"
  register: delivered

- name: A busy window, fetched eight parts at a time into a file
  emailsec.tracking.tmes_mail_tracking_info:
    traffic_type: accepted_traffic
    domain: acme.example
    start: -72h
    concurrency: 8
    dest: /var/tmp/acme-accepted.jsonl

- name: Set the credentials once for every TMES task of a play
  module_defaults:
    group/emailsec.tracking.tmes:
      api_url: "{{ tmes_api_url }}"
      username: "{{ tmes_username }}"
      api_key: "{{ tmes_api_key }}"
  block:
    - name: First 1000 matches only
      emailsec.tracking.tmes_mail_tracking_info:
        traffic_type: accepted_traffic
        subject: invoice
        start: -24h
        max_records: 1000
      register: first

    - name: Exactly the rest
      emailsec.tracking.tmes_mail_tracking_info:
        traffic_type: accepted_traffic
        subject: invoice
        token: "{{ first.next_token }}"
      when: first.next_token is defined
'''

RETURN = r'''
logs:
  description:
    - The matching mail tracking log records, as TMES returned them (or as O(query) shaped them), in time order.
    - Empty when O(dest) is set; the records are in the file then.
  returned: always
  type: list
  elements: dict
  sample:
    - genTime: "2026-11-22T06:53:19Z"
      timestamp: "2026-11-22T06:53:18Z"
      deliveryTime: "2026-11-22T06:53:28Z"
      sender: billing@acme-invoice-notice.example
      recipient: anna.meyer@acme.example
      direction: in
      messageID: "<7bebfeb6-f035-451f-8c4f-3377ab457b07@acme-invoice-notice.example>"
      mailID: 73173f80-2e0e-46df-b2dc-a62e80167067
      subject: "Overdue invoice INV-61151: payment required today"
      size: 66390
      action: Delivered
      tlsInfo: "upstreamTLS: TLS 1.2; downstreamTLS: TLS 1.2"
      headerFrom: billing@acme-invoice-notice.example
      headerTo: [anna.meyer@acme.example]
      senderIP: 203.0.113.210
      deliveredTo: "mx1.acme.example[192.0.2.10]:25"
      attachments: [{fileName: INV-61151.html, sha256: 2033b7a057a68ba8c60862e9de3bd9ce630010c982682d5167e33568a926315b}]
      embeddedUrls: ["https://acme-invoice-notice.example/pay/INV-61151?session=verify"]
      details: "250 2.0.0 Ok: queued as 3CBEFC0811"
count:
  description: How many records matched (returned in RV(logs) or written to O(dest)).
  returned: always
  type: int
  sample: 24
pages:
  description: How many pages were read from TMES.
  returned: always
  type: int
  sample: 3
window:
  description: The window actually searched, in UTC.
  returned: always
  type: dict
  contains:
    start:
      description: Start of the window, ISO 8601 UTC with milliseconds.
      type: str
      sample: "2026-11-22T02:00:00.000Z"
    end:
      description: End of the window, ISO 8601 UTC with milliseconds.
      type: str
      sample: "2026-11-22T08:00:00.000Z"
next_token:
  description:
    - Present when the run stopped at O(max_records), or when O(allow_partial) returned partial results. Give it to
      O(token) to fetch exactly what is left.
  returned: when there is more to fetch
  type: str
partial:
  description: Whether records are missing because part of the window failed (only with O(allow_partial=true)).
  returned: always
  type: bool
  sample: false
missing:
  description: The parts of the window that failed after their retries, with the error of each.
  returned: when RV(partial) is true
  type: list
  elements: dict
  contains:
    start:
      description: Start of the missing part.
      type: str
    end:
      description: End of the missing part.
      type: str
    error:
      description: Why it failed.
      type: str
dest:
  description: The file the records were written to.
  returned: when O(dest) is set
  type: str
  sample: /var/tmp/acme-accepted.jsonl
sha256:
  description: SHA-256 of the file written to O(dest).
  returned: when O(dest) is set
  type: str
written:
  description: Whether O(dest) was written (false in check mode, and when the file already held exactly these
    records).
  returned: when O(dest) is set
  type: bool
changed:
  description: True when O(dest) was (in check mode, would be) written or its mode set; always false without
    O(dest).
  returned: always
  type: bool
status:
  description: HTTP status of the failed request.
  returned: on failure, when an HTTP answer came
  type: int
  sample: 404
code:
  description: The vendor's error code of the failed request.
  returned: on failure, when the vendor gave one
  type: str
  sample: ResourceNotAvailable
url:
  description: The URL of the failed request, without query or credentials.
  returned: on failure
  type: str
  sample: https://api.tmes.trendmicro.com/api/v1/log/mailtrackinglog
'''

from ansible_collections.emailsec.tracking.plugins.module_utils._tmes_search import (
    MUTUALLY_EXCLUSIVE, TmesSearch, argument_spec,
)


def main():
    module = TmesSearch(argument_spec(), mutually_exclusive=MUTUALLY_EXCLUSIVE)
    module.execute(module.main)


if __name__ == "__main__":
    main()
