#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: mimecast_tracking_search
short_description: Search Mimecast message tracking (API 1.0 and API 2.0)
version_added: 0.1.0
description:
  - Searches Mimecast message tracking ("Message Finder") for a message id, or for a sender, recipient, subject,
    sender IP and route, and returns the tracked emails.
  - Works with API 1.0 (HMAC-signed requests, O(auth_type=hmac)) and API 2.0 (OAuth2 client credentials,
    O(auth_type=oauth2)), with the same search options.
  - The search does not page and the most results one search returns is not documented. A search whose answer
    holds O(result_cap) results or more is taken as cut short, so its part of the window is split into halves, down to
    one second, and each half is searched again, so no mail is lost silently. O(slice) cuts the window into
    consecutive parts from the start, searched one after another (or O(concurrency) at a time), merged in time order
    with duplicates removed by C(id).
  - The search criteria are sent to Mimecast and applied again to the results, so they mean the same as in
    M(emailsec.tracking.tmes_mail_tracking_info).
  - "Every answer is checked for C(fail[]) errors, HTTP 200 included: their codes and messages are in the failure
    message. Mimecast is believed to refuse a start more than about 30 days back; the module does not refuse it
    early, and says so when Mimecast does."
  - Times are UTC inside. Input with an offset is converted; input without one is read as UTC.
author:
  - emailsec.tracking contributors (@emailsec)
extends_documentation_fragment:
  - emailsec.tracking.mimecast
  - emailsec.tracking.mimecast.SEARCH
  - emailsec.tracking.connection
  - emailsec.tracking.output
  - emailsec.tracking.attributes
  - emailsec.tracking.attributes.MIMECAST_GROUP
seealso:
  - module: emailsec.tracking.tmes_mail_tracking_info
'''

EXAMPLES = r'''
- name: Where did mail from this sender go today? (API 2.0, credentials from MIMECAST_* variables)
  emailsec.tracking.mimecast_tracking_search:
    sender: billing@acme-invoice-notice.example
    start: -24h
  register: found

- name: API 1.0 with its four values, a week in six-hour slices
  emailsec.tracking.mimecast_tracking_search:
    auth_type: hmac
    base_url: "{{ mimecast_api1_url }}"  # or region: eu
    access_key: "{{ mimecast_access_key }}"
    secret_key: "{{ mimecast_secret_key }}"
    app_id: "{{ mimecast_app_id }}"
    app_key: "{{ mimecast_app_key }}"
    subject: Overdue invoice
    start: -7d
    slice: 6h
    search_reason: Incident 4711 phishing scope

- name: One message by its Message-ID
  emailsec.tracking.mimecast_tracking_search:
    message_id: "<faf1fb06-c47f-4423-bad7-83eafe94cd2e@acme-invoice-notice.example>"
    start: -3d

- name: Credentials once for all Mimecast tasks
  module_defaults:
    group/emailsec.tracking.mimecast:
      base_url: "{{ mimecast_api2_url }}"
      client_id: "{{ mimecast_client_id }}"
      client_secret: "{{ mimecast_client_secret }}"
  block:
    - name: Only what was delivered, two fields each
      emailsec.tracking.mimecast_tracking_search:
        sender_ip: 203.0.113.210
        start: -2d
        # Mimecast's own field names: delivered mail has status archived
        query: "[?status=='archived'].{to: to[0].emailAddress, at: received, info: info}"
'''

RETURN = r'''
tracked_emails:
  description:
    - The tracked emails as Mimecast returned them (or as O(query) shaped them), in time order, each once.
    - Empty when O(dest) is set; the records are in the file then.
  returned: always
  type: list
  elements: dict
  sample:
    - id: eNo1j0b2f5c1c2a7c1f0e4d0b9a8c7d6e5f4a3b2c1d0e9f8a7
      status: archived
      info: Indexed and archived
      received: "2026-11-22T06:53:19+0000"
      sent: "2026-11-22T06:53:31+0000"
      fromEnv: {emailAddress: billing@acme-invoice-notice.example}
      fromHdr: {displayableName: ACME Accounts Payable, emailAddress: billing@acme-invoice-notice.example}
      to: [{displayableName: Anna Meyer, emailAddress: anna.meyer@acme.example}]
      subject: "Overdue invoice INV-61151: payment required today"
      senderIP: 203.0.113.210
      attachments: true
      route: inbound
      spamScore: 0
      detectionLevel: moderate
count:
  description: How many tracked emails matched (returned or written to O(dest)).
  returned: always
  type: int
  sample: 12
slices:
  description: How many searches (slices of the window) were sent.
  returned: always
  type: int
  sample: 4
window:
  description: The window actually searched, in UTC.
  returned: always
  type: dict
  contains:
    start:
      description: Start of the window, ISO 8601 UTC.
      type: str
      sample: "2026-11-21T08:00:00.000Z"
    end:
      description: End of the window, ISO 8601 UTC.
      type: str
      sample: "2026-11-22T08:00:00.000Z"
next_token:
  description:
    - Present when the run stopped at O(max_records), or when O(allow_partial) returned partial results. Give it to
      O(token) to fetch exactly what is left.
  returned: when there is more to fetch
  type: str
partial:
  description: Whether records are missing because a slice failed (only with O(allow_partial=true)).
  returned: always
  type: bool
  sample: false
missing:
  description: The slices that failed after their retries, with the error of each.
  returned: when RV(partial) is true
  type: list
  elements: dict
  contains:
    start:
      description: Start of the missing slice.
      type: str
    end:
      description: End of the missing slice.
      type: str
    error:
      description: Why it failed.
      type: str
dest:
  description: The file the records were written to.
  returned: when O(dest) is set
  type: str
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
  sample: 418
code:
  description: The vendor's error code of the failed request (from C(fail[])).
  returned: on failure, when the vendor gave one
  type: str
  sample: err_xdk_binding_expired
url:
  description: The URL of the failed request, without credentials.
  returned: on failure
  type: str
'''

from ansible_collections.emailsec.tracking.plugins.module_utils._mimecast_search import (
    MUTUALLY_EXCLUSIVE, MimecastSearch, argument_spec,
)


def main():
    module = MimecastSearch(argument_spec(), mutually_exclusive=MUTUALLY_EXCLUSIVE)
    module.execute(module.main)


if __name__ == "__main__":
    main()
