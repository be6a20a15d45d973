#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: mimecast_ttp_log_info
short_description: Read the Mimecast URL, attachment and impersonation protect logs (who clicked)
version_added: 0.3.0
description:
  - Reads one of Mimecast's Targeted Threat Protection logs over a window, paged to the end
    (C(meta.pagination.next)) - the URL Protect log (O(log_type=url), C(POST /api/ttp/url/get-logs)), the
    Attachment Protect log (O(log_type=attachment), C(POST /api/ttp/attachment/get-logs)) or the Impersonation
    Protect log (O(log_type=impersonation), C(POST /api/ttp/impersonation/get-logs)).
  - "For URL logs it answers who clicked: only rows whose C(creationMethod) is C(User Click) are clicks. C(Entry
    Scan) rows are written when Mimecast scans a link at delivery; they name a recipient, sometimes a distribution
    list, who did not click. They are left out unless O(clicks_only=false). Rows without C(creationMethod) (the
    field set of 2020, written when the log held clicks only) are counted as clicks, with a warning."
  - Blocked clicks are logged too (Mimecast counts a click on a blocked page as a click); RV(users) says which users'
    clicks were blocked.
  - Mimecast filters the URL log by O(scan_result) and O(route) only, not by user, URL or message; O(url), O(user),
    O(sender) and O(message_id) are matched in the module on every row of the window. Impersonation logs are also
    searched by Mimecast (O(search_field), O(search), O(tagged_malicious)).
  - Mimecast keeps these logs 30 days ("URL Protect Logs have a maximum retention of 30 days"); a start further
    back is refused before any request.
  - Rows are returned as Mimecast sent them; every field is optional (rows of 2020 carried 11 fields, without
    C(creationMethod), C(messageId), C(fromUserEmailAddress), C(subject), C(sendingIp) or C(actions)). A row seen
    twice (on two pages, or at the edge of two parts of the window) is returned once.
  - "Needs the permission of each log: Monitoring | URL Protection | Read, Monitoring | Attachment Protection | Read
    or Monitoring | Impersonation Protection | Read (API 1.0 admin role; API 2.0 application role, where setup
    guides name them Monitoring Menu > URL Protection > Read and so on)."
  - Works with API 1.0 and API 2.0 credentials, as M(emailsec.tracking.mimecast_tracking_search).
author:
  - emailsec.tracking contributors (@emailsec)
extends_documentation_fragment:
  - emailsec.tracking.mimecast
  - emailsec.tracking.connection
  - emailsec.tracking.output
  - emailsec.tracking.attributes
  - emailsec.tracking.attributes.MIMECAST_GROUP
options:
  log_type:
    description:
      - Which log to read.
    type: str
    default: url
    choices: [url, attachment, impersonation]
  start:
    description:
      - Start of the window, in the forms of M(emailsec.tracking.mimecast_tracking_search) (ISO 8601, V(now), or
        relative like V(-7d)). Defaults to 24 hours before O(end). At most 30 days back.
    type: str
  end:
    description:
      - End of the window. Defaults to V(now).
    type: str
  scan_result:
    description:
      - URL logs only, filtered by Mimecast (C(scanResult)) - the verdict at the time of the row. A click on a link
        judged clean then and malicious later stays V(clean) in its row.
    type: str
    choices: [clean, malicious, all]
  result:
    description:
      - Attachment logs only, filtered by Mimecast (C(result), the attachment log's own name for it).
    type: str
    choices: [safe, malicious, timeout, error, unsafe, all]
  route:
    description:
      - URL and attachment logs only, filtered by Mimecast.
    type: str
    choices: [inbound, outbound, internal, all]
  oldest_first:
    description:
      - Ask Mimecast for the oldest rows first (C(oldestFirst)), so that the rows come in time order, as the parts of
        the window do, and a run cut by O(max_records) keeps the oldest and resumes after them.
      - V(false) is Mimecast's own default (newest first). Every page is read either way.
    type: bool
    default: true
  search_field:
    description:
      - Impersonation logs only - where Mimecast looks for O(search) (C(searchField)). C(policy) is the definition
        name. Mimecast's default is V(all).
    type: str
    choices: [senderAddress, recipientAddress, subject, policy, all]
  search:
    description:
      - Impersonation logs only - text Mimecast looks for in O(search_field) (C(query)).
    type: str
  tagged_malicious:
    description:
      - Impersonation logs only - only rows Mimecast tagged malicious (V(true)) or not (V(false)) (C(taggedMalicious)).
        Not given, both.
    type: bool
  url:
    description:
      - URL logs only - rows whose C(url) holds this text, case-insensitively (as the trace matches URLs). Matched in
        the module.
    type: str
  user:
    description:
      - Rows of this recipient (C(userEmailAddress), or C(recipientAddress) in the other logs) - an address, a domain
        (V(@example.com)) or a domain with its sub-domains (V(*.example.com)). Matched in the module.
    type: str
  sender:
    description:
      - Rows from this sender (C(fromUserEmailAddress), or C(senderAddress)), in the forms of O(user). Rows of 2020
        carry no sender and never match. Matched in the module.
    type: str
  message_id:
    description:
      - Rows of the message with this Message-ID (C(messageId)), angle brackets or not. This is how a click joins the
        trace - tracked emails carry no Message-ID, so give the Message-ID of the phishing mail (or of
        M(emailsec.tracking.mimecast_message_info)). Matched in the module.
    type: str
  sha256:
    description:
      - Attachment logs only - rows of the file with this SHA-256 (C(fileHash)), 64 hexadecimal digits. Matched in the
        module.
    type: str
  clicks_only:
    description:
      - URL logs only - keep C(User Click) rows (and rows without C(creationMethod)), leave out C(Entry Scan) rows.
      - RV(users) counts clicks whatever this is.
    type: bool
    default: true
  page_size:
    description:
      - Rows a page, from 1 to 500 (Mimecast documents no maximum).
    type: int
    default: 100
notes:
  - "Blocked, in RV(users): a click whose C(action) is not C(allow) or whose C(actions) is C(Block). The words come from
    real rows (C(action) C(allow) or C(warn); C(actions) C(Allow), C(Block), C(None) or C(Browser Isolation)) and, for
    an C(action) of C(block), from Mimecast's documentation only. C(warn) is a warning page the user may have passed
    - C(userAwarenessAction) C(Continue) in the row says they did."
  - "Only with TTP authentication on is the user certain; otherwise Mimecast logs the recipient of the message, which
    may be a distribution list."
  - RV(users) summarises the click rows this run read that passed the matching options, before O(query). With
    O(max_records) and O(concurrency) above 1, parts fetched ahead of the cut can add rows that were not returned.
seealso:
  - module: emailsec.tracking.mimecast_tracking_search
  - module: emailsec.tracking.mimecast_message_info
'''

EXAMPLES = r'''
- name: Who clicked the phishing link in the last day? (credentials from MIMECAST_* variables)
  emailsec.tracking.mimecast_ttp_log_info:
    url: acme-invoice-notice.example/pay
  register: clicks

- name: Their addresses, and whose clicks Mimecast blocked
  ansible.builtin.debug:
    msg:
      clicked: "{{ clicks.users | map(attribute='user') | list }}"
      blocked: "{{ clicks.users | selectattr('blocked') | map(attribute='user') | list }}"

- name: Every malicious URL verdict of the last week, clicks and delivery scans, into a file
  emailsec.tracking.mimecast_ttp_log_info:
    scan_result: malicious
    clicks_only: false
    start: -7d
    dest: /var/tmp/url-malicious.jsonl

- name: Who received the malicious attachment (its SHA-256)
  emailsec.tracking.mimecast_ttp_log_info:
    log_type: attachment
    result: malicious
    start: -2d
    query: "[].{to: recipientAddress, file: fileName, hash: fileHash, at: date}"

- name: Impersonation attempts from the look-alike domain, searched by Mimecast
  emailsec.tracking.mimecast_ttp_log_info:
    log_type: impersonation
    search_field: senderAddress
    search: acme-invoice-notice.example
    start: -3d
'''

RETURN = r'''
logs:
  description:
    - The rows as Mimecast returned them (or as O(query) shaped them), each once, in the order Mimecast gave them
      (oldest first by default).
    - URL logs carry C(userEmailAddress), C(url), C(date), C(creationMethod), C(scanResult), C(action), C(actions),
      C(messageId) and more; attachment logs C(recipientAddress), C(fileName), C(fileHash), C(result), C(date);
      impersonation logs C(recipientAddress), C(senderAddress), C(eventTime) (not C(date)), C(identifiers),
      C(action). Any field may be missing.
    - Empty when O(dest) is given.
  returned: always
  type: list
  elements: dict
  sample:
    # a User Click row as captured from a demo tenant (Datadog's test data)
    - userEmailAddress: example8@dummy.net
      fromUserEmailAddress: example9@a42.one
      url: "http://www.abc.com/"
      ttpDefinition: Restrictive URL Definition
      subject: Will hackers make a fool of Larry Ellison?
      action: allow
      adminOverride: N/A
      userOverride: None
      scanResult: clean
      category: Computers & Technology
      sendingIp: 172.217.22.14
      userAwarenessAction: N/A
      date: "2024-05-27T09:03:18+0000"
      actions: Allow
      route: inbound
      creationMethod: User Click
      emailPartsDescription: [Body]
      messageId: "<052c3d1a1f94a2c2-176@a42.one>"
users:
  description:
    - URL logs only - one entry a user who clicked (C(User Click) rows, and rows without C(creationMethod)), sorted
      by address; distribution lists that only had an C(Entry Scan) are not here.
    - C(first_click) and C(last_click) in UTC; C(scan_results) each once; C(blocked) when any of the user's clicks
      was blocked (see the notes for the words that count).
    - C(urls) each once, in the order of their first click, at most 20 - the first 20 the user clicked, the same
      whatever O(concurrency); C(urls_truncated) is true when the user clicked more (the rows in RV(logs) or
      O(dest) have them all). So a 30-day scan of a whole domain keeps a flat memory.
  returned: when O(log_type=url)
  type: list
  elements: dict
  sample:
    - user: example8@dummy.net
      first_click: "2024-05-27T09:03:18.000Z"
      last_click: "2024-05-27T09:03:18.000Z"
      clicks: 1
      urls: ["http://www.abc.com/"]
      urls_truncated: false
      scan_results: [clean]
      blocked: false
count:
  description: How many rows matched.
  returned: always
  type: int
  sample: 1
window:
  description: The window read, in UTC (C(start), C(end)).
  returned: always
  type: dict
  sample: {start: "2024-05-26T09:10:00.000Z", end: "2024-05-27T09:10:00.000Z"}
dest:
  description: The file written, when O(dest) is given.
  returned: when O(dest) is given
  type: str
sha256:
  description: SHA-256 of the JSON Lines written to O(dest).
  returned: when O(dest) is given
  type: str
written:
  description: Whether O(dest) was written (false in check mode, or when it already held exactly these rows).
  returned: when O(dest) is given
  type: bool
next_token:
  description: Present when the run stopped at O(max_records) or returned partial results; give it to O(token).
  returned: when there is more to fetch
  type: str
partial:
  description: Whether rows are missing because a part failed (only with O(allow_partial=true)).
  returned: always
  type: bool
missing:
  description: The parts of the window that failed, with their error (only with O(allow_partial=true)).
  returned: when partial is true
  type: list
  elements: dict
'''

from ansible_collections.emailsec.tracking.plugins.module_utils._mimecast_account import auth_argspec
from ansible_collections.emailsec.tracking.plugins.module_utils._mimecast_ttp import TtpLogInfo, ttp_argspec


def main():
    module = TtpLogInfo(dict(auth_argspec(), **ttp_argspec()))
    module.execute(module.main)


if __name__ == "__main__":
    main()
