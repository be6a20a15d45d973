#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: mimecast_held_message_info
short_description: Read the Mimecast hold queue (held messages, admin view)
version_added: 0.2.0
description:
  - Reads the messages held for review with C(POST /api/gateway/get-hold-message-list), in the administrator view
    (C(admin=true); without it Mimecast shows only the API user's own holds), paged to the end.
  - The held message ids it returns are what M(emailsec.tracking.mimecast_held_message) releases or rejects.
  - Needs the permission Account | Dashboard | Read (API 1.0 admin role; API 2.0 application role).
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
  start:
    description:
      - Start of the window of the hold date, in the forms of M(emailsec.tracking.mimecast_tracking_search) (ISO 8601,
        V(now), or relative like V(-7d)). Defaults to 30 days before O(end).
    type: str
  end:
    description:
      - End of the window. Defaults to V(now).
    type: str
  search:
    description:
      - Text to search for in the field O(search_by) (Mimecast matches it).
    type: str
  search_by:
    description:
      - Where O(search) is looked for.
    type: str
    default: all
    choices: [all, subject, sender, recipient, reason_code]
  route:
    description:
      - Only held messages of this route.
    type: str
    choices: [all, internal, outbound, inbound, external]
  held_group:
    description:
      - Only held messages of this group of reviewers.
    type: str
    choices: [administrator, moderator, user, cluster]
  attachments:
    description:
      - Only held messages with (V(true)) or without (V(false)) attachments.
    type: bool
  page_size:
    description:
      - Held messages a page, from 1 to 500.
    type: int
    default: 100
seealso:
  - module: emailsec.tracking.mimecast_held_message
'''

EXAMPLES = r'''
- name: What is held from the phishing domain? (credentials from MIMECAST_* variables)
  emailsec.tracking.mimecast_held_message_info:
    search_by: sender
    search: acme-invoice-notice.example
    start: -7d
  register: held

- name: Only the ids and subjects
  emailsec.tracking.mimecast_held_message_info:
    search_by: subject
    search: invoice
    query: "[].{id: id, subject: subject, reason: reason}"
'''

RETURN = r'''
held_messages:
  description: The held messages as Mimecast returned them (or as O(query) shaped them), each once.
  returned: always
  type: list
  elements: dict
  sample:
    # the shape and vocabulary of a hold queue page captured from a live tenant: to is one object
    - id: eNpVzskOgjAABNB_6RUPpQUBEw8ILkiCuOByMpGWRW0RaKvR
      reason: Message Hold Applied - Spam Signature policy
      reasonId: MESSAGE_HOLD_APPLIED_SPAM_SIGNATURE_POLICY
      reasonCode: message_hold_applied_spam_signature_policy
      from: {emailAddress: dbnotes@innovation-asylum.example, displayableName: ""}
      fromHeader: {emailAddress: dbnotes@innovation-asylum.example, displayableName: ""}
      to: {emailAddress: caroline@acme.example, displayableName: "e-mail_"}
      subject: "#FACS/DATA REUTERS BENCHMARK BONDS AS OF Dec 24, 2001"
      route: INBOUND
      hasAttachments: false
      size: 7543
      dateReceived: "2022-08-01T13:10:54+0000"
      policyInfo: Relaxed Spam Detection
count:
  description: How many held messages matched.
  returned: always
  type: int
  sample: 4
window:
  description: The window read, in UTC (C(start), C(end)).
  returned: always
  type: dict
next_token:
  description: Present when the run stopped at O(max_records) or returned partial results; give it to O(token).
  returned: when there is more to fetch
  type: str
partial:
  description: Whether held messages are missing because a part failed (only with O(allow_partial=true)).
  returned: always
  type: bool
'''

from ansible_collections.emailsec.tracking.plugins.module_utils._mimecast_account import auth_argspec
from ansible_collections.emailsec.tracking.plugins.module_utils._mimecast_hold import (
    HeldMessageInfo, hold_argspec,
)


def main():
    module = HeldMessageInfo(dict(auth_argspec(), **hold_argspec()))
    module.execute(module.main)


if __name__ == "__main__":
    main()
