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
  - emailsec.tracking.connection
  - emailsec.tracking.matching
  - emailsec.tracking.output
  - emailsec.tracking.attributes
  - emailsec.tracking.attributes.TMES_GROUP
options:
  traffic_type:
    description:
      - Which traffic to search. TMES takes one type a request; run the module twice for both.
    type: str
    required: true
    choices: [accepted_traffic, blocked_traffic]
    aliases: [type]
  direction:
    description:
      - Only inbound (V(in)) or outbound (V(out)) mail.
    type: str
    choices: [in, out]
  domain:
    description:
      - Only mail of this domain of yours. All domains of the account when not set.
    type: str
  start:
    description:
      - Start of the window (inclusive). ISO 8601 (V(2026-11-22T08:00:00Z), V(2026-11-22T09:00:00+01:00)), V(now), or
        a time relative to now such as V(-90m), V(-6h) or V(-3d) (units s, m, h, d, w).
      - Defaults to one hour before O(end).
    type: str
  end:
    description:
      - End of the window (inclusive), in the same forms as O(start). Defaults to V(now).
    type: str
  page_size:
    description:
      - Records per page, from 1 to 500.
    type: int
    default: 500
    aliases: [limit]
  attachment_sha256:
    description:
      - Keep records with an attachment of this SHA-256 (64 hexadecimal digits, any case).
    type: str
  url:
    description:
      - Keep records with an embedded URL that contains this text (case-insensitive).
    type: str
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

import datetime
import os

from ansible.module_utils.basic import env_fallback

from ansible_collections.emailsec.tracking.plugins.module_utils._auth import TmesBasicAuth
from ansible_collections.emailsec.tracking.plugins.module_utils._matching import TMES_FIELDS
from ansible_collections.emailsec.tracking.plugins.module_utils._module import (
    InputError, TrackingModule, check_base_url, matching_argspec,
)
from ansible_collections.emailsec.tracking.plugins.module_utils._paging import Slice
from ansible_collections.emailsec.tracking.plugins.module_utils._timewindow import (
    ONE_MS, Window, format_iso, resolve_window, utc_now,
)
from ansible_collections.emailsec.tracking.plugins.module_utils._tmes import (
    DEFAULT_URL, LOOKBACK, LOOKBACK_MARGIN, REGIONS, TmesClient, record_key,
)


def argument_spec():
    spec = dict(
        api_url=dict(type="str"),
        region=dict(type="str", choices=sorted(REGIONS)),
        username=dict(type="str", fallback=(env_fallback, ["TMES_USERNAME"])),
        api_key=dict(type="str", no_log=True, fallback=(env_fallback, ["TMES_API_KEY"])),
        traffic_type=dict(type="str", required=True, aliases=["type"], choices=["accepted_traffic", "blocked_traffic"]),
        direction=dict(type="str", choices=["in", "out"]),
        domain=dict(type="str"),
        start=dict(type="str"),
        end=dict(type="str"),
        page_size=dict(type="int", default=500, aliases=["limit"]),
        attachment_sha256=dict(type="str"),
        url=dict(type="str"),
    )
    spec.update(matching_argspec())
    return spec


class TmesModule(TrackingModule):
    module_name = "tmes_mail_tracking_info"
    binding_options = ("traffic_type", "direction", "domain", "page_size", "sender", "recipient", "subject",
                       "sender_ip", "message_id", "attachment_sha256", "url", "query")
    resolution = ONE_MS

    def base_url(self):
        """region, else api_url, else TMES_API_URL, else TMES_REGION, else the Americas URL (empty values unset)."""
        p = self.params
        if p["region"]:
            return REGIONS[p["region"]]
        if p["api_url"]:
            return check_base_url(p["api_url"], "api_url")
        if os.environ.get("TMES_API_URL"):
            return check_base_url(os.environ["TMES_API_URL"], "api_url (from TMES_API_URL)")
        region = os.environ.get("TMES_REGION", "").strip()
        if region:
            if region not in REGIONS:
                raise InputError("TMES_REGION %r is not a TMES region; use one of: %s"
                                 % (region, ", ".join(sorted(REGIONS))))
            return REGIONS[region]
        return DEFAULT_URL

    def window(self, now):
        p = self.params
        window = resolve_window(p["start"], p["end"], now, datetime.timedelta(hours=1)).floor(self.resolution)
        oldest = Window(now - LOOKBACK, now).floor(self.resolution).start  # cut like the window itself
        if window.start < oldest:
            raise InputError("start %s is more than 72 hours before now (%s): TMES keeps mail tracking logs "
                             "searchable for 72 hours; use a start after %s" % (
                                 format_iso(window.start), format_iso(now), format_iso(oldest)))
        if window.start < oldest + LOOKBACK_MARGIN:
            # TMES checks the 72 hours again on every page: "the whole retention" (-72h, -3d) quietly starts
            # 10 minutes later, as RV(window) shows, so that the last page is not refused
            window.start = oldest + LOOKBACK_MARGIN
            if window.end < window.start:
                window.end = window.start
        return window

    def main(self):
        p = self.params
        self.check_common()
        if not 1 <= p["page_size"] <= 500:
            raise InputError("page_size must be from 1 to 500 (TMES returns at most 500 records a page), got %d"
                             % p["page_size"])
        base_url = self.base_url()
        auth = TmesBasicAuth(p["username"], p["api_key"])
        criteria = {k: p[k] for k in ("sender", "recipient", "subject", "sender_ip", "message_id",
                                      "attachment_sha256", "url")}
        pipeline = self.pipeline(record_key, TMES_FIELDS, criteria)
        now = utc_now()
        resumed = self.resume_slices()
        if resumed is not None:
            slices, window = resumed
            if window.start < now - LOOKBACK:
                raise InputError("token: the run it resumes started at %s, more than 72 hours ago, and TMES no longer "
                                 "returns those logs; start a new search (without token) from at most 72 hours ago"
                                 % format_iso(window.start))
        else:
            window = self.window(now)
            slices = self.slices_for(window)
            if p["token"]:  # a raw TMES nextToken: continue that query, whose window must be given again
                if p["concurrency"] > 1:
                    raise InputError("a TMES nextToken continues one query: use concurrency 1 with it")
                slices = [Slice(window, p["token"])]
        client = TmesClient(self.http_client(), base_url, auth)

        def fetch(spec, stop):
            params = client.params(p["traffic_type"], spec.window, p["direction"], p["domain"], p["page_size"])
            return client.pages(params, spec.token, stop, limit=p["page_size"], window=spec.window)

        outcome = self.collect(slices, fetch, pipeline)
        return self.results(outcome, "logs", window, pages=outcome.pages)


def main():
    module = TmesModule(argument_spec(), mutually_exclusive=[["api_url", "region"]])
    module.execute(module.main)


if __name__ == "__main__":
    main()
