#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: mimecast_message_info
short_description: Read what Mimecast knows of tracked messages (Message-ID, delivery, attachment hashes)
version_added: 0.2.0
description:
  - Reads the message information of tracked emails with C(POST /api/message-finder/get-message-info), one request
    an id, as every known client sends it.
  - The ids are the tracking ids of M(emailsec.tracking.mimecast_tracking_search) (C(tracked_emails[].id)). Those
    tracking records carry no Message-ID; this module gives it, so that mail traced by sender or subject can be
    removed from mailboxes by Message-ID (M(emailsec.tracking.mimecast_remediation_incident)).
  - The Message-ID comes from the message's transmission headers, which Mimecast shows only as HTML-escaped text
    (C(transmissionInfo)); the module reads the message's own header block there.
  - Attachments come from the components of the received message and of each delivered copy. No real answer with a
    file attachment has been seen, so the component type Mimecast gives a file attachment is not known; a component
    whose type is not one of the message's own parts (C(Email Transmission File), C(Email Primary Body HTML),
    C(Email Primary Body Plain Text), or another C(Email ...) body or transmission part) and whose hash is a SHA-256
    is returned as an attachment.
  - An id that Mimecast refuses (a C(fail[]) entry, such as an unknown or expired id) fails the task, naming the id
    and Mimecast's code.
  - Needs the permission Gateway | Tracking | Read (API 1.0 admin role; API 2.0 application role). Mimecast keeps
    tracking data for about 30 days.
  - Works with API 1.0 and API 2.0 credentials, as M(emailsec.tracking.mimecast_tracking_search). It only reads and
    never reports C(changed).
author:
  - emailsec.tracking contributors (@emailsec)
extends_documentation_fragment:
  - emailsec.tracking.mimecast
  - emailsec.tracking.connection
  - emailsec.tracking.attributes.MIMECAST_GROUP
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: The module only reads from Mimecast and runs the same in check mode.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in diff mode) when in diff mode.
    support: none
  platform:
    description: Target OS/families that can be operated against.
    support: full
    platforms: posix
options:
  ids:
    description:
      - The tracking ids of the messages, C(tracked_emails[].id) of M(emailsec.tracking.mimecast_tracking_search).
      - Each must be non-blank; surrounding blanks are removed and an id given twice is read once. At most 500
        different ids.
    type: list
    elements: str
    required: true
  load_content:
    description:
      - Ask Mimecast for the message bodies too (C(loadContent) in the request, sent as the string V(true) as Google
        SecOps' client sends it). They are returned in C(raw.recipientInfo.messageInfo) (C(textBody), C(htmlBody)).
      - The documented request has the id only, so C(loadContent) is sent only when this is V(true).
    type: bool
    default: false
notes:
  - The vendor's own answer for each id is in C(raw); every other value is read from it and is V(null) or empty when
    Mimecast did not send it.
seealso:
  - module: emailsec.tracking.mimecast_tracking_search
  - module: emailsec.tracking.mimecast_remediation_incident
'''

EXAMPLES = r'''
- name: What did the phishing domain send? (credentials from MIMECAST_* variables)
  emailsec.tracking.mimecast_tracking_search:
    sender: "@acme-invoice-notice.example"
    start: -2d
  register: traced

- name: The Message-ID, recipients and attachment hashes of each message
  emailsec.tracking.mimecast_message_info:
    ids: "{{ traced.tracked_emails | map(attribute='id') | list }}"
  register: info

- name: The Message-IDs of the delivered copies, to remove them from the mailboxes
  ansible.builtin.debug:
    msg: "{{ info.messages | selectattr('recipients') | map(attribute='message_id') | select | unique | list }}"
'''

RETURN = r'''
messages:
  description: One entry an id, in the order of O(ids).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The tracking id asked for.
      type: str
      sample: eNpNj9tugkAQht9lryXuLgTEpBcoWompRsA0EBPCYQKbuqB7oNWm715om7Y3k0nm
    status:
      description: Mimecast's status of the message, such as V(archived) (delivered) or V(held).
      type: str
      sample: archived
    message_id:
      description:
        - The Message-ID from the transmission headers, unescaped and with its angle brackets; V(null) when
          Mimecast shows no Message-ID header.
      type: str
      sample: "<978aeeb7a7bded3d-193351@nodered-mimecast-686cbcb7f9-znlxj.hamilton321.net>"
    from_envelope:
      description: The envelope sender (C(fromEnvelope)).
      type: str
      sample: markrobertsny@pilot-meadow.b41.one
    from_header:
      description: The header From address (C(fromHeader)); it can be spoofed.
      type: str
      sample: markrobertsny@pilot-meadow.b41.one
    subject:
      description: The subject.
      type: str
    sent:
      description: When the message was sent, as Mimecast writes it.
      type: str
      sample: "2022-07-18T13:25:21+0000"
    processed:
      description: When Mimecast processed the message, as Mimecast writes it.
      type: str
      sample: "2022-07-18T13:25:21+0000"
    to:
      description: The header To addresses.
      type: list
      elements: str
      sample: [test@test.com]
    cc:
      description: The header Cc addresses.
      type: list
      elements: str
      sample: []
    recipients:
      description: The addresses Mimecast delivered a copy to (the keys of C(deliveredMessage)), in lower case.
      type: list
      elements: str
      sample: [test@test.com]
    delivered:
      description: One entry for each delivered copy.
      type: list
      elements: dict
      contains:
        recipient:
          description: The address, in lower case.
          type: str
        event:
          description: What Mimecast did (C(deliveryEvent), or C(txEvent) in the older answer shape).
          type: str
          sample: Email Delivered via Routing Rule
        route:
          description: The route, such as V(inbound).
          type: str
        policies:
          description: The names of the policies applied to the copy.
          type: list
          elements: str
      sample:
        - recipient: test@test.com
          event: Email Delivered via Routing Rule
          route: inbound
          policies: [Apply Auto Allow, Opportunistic TLS]
    attachments:
      description: The attachments found among the components, each name and SHA-256 once.
      type: list
      elements: dict
      contains:
        name:
          description: The file name.
          type: str
        sha256:
          description: The SHA-256 of the file, in lower case.
          type: str
        mime_type:
          description: The MIME type Mimecast gives (not in the older answer shape).
          type: str
        size:
          description: The size in bytes.
          type: int
    spam:
      description: The spam score and detection level (C(spamScore), C(detectionLevel)).
      type: dict
      sample: {spamScore: 2, detectionLevel: relaxed}
    raw:
      description: Mimecast's answer for the id (C(data[0])) as it is.
      type: dict
count:
  description: How many messages were read.
  returned: always
  type: int
  sample: 1
failed_id:
  description: The id whose read failed.
  returned: on failure
  type: str
'''

from ansible_collections.emailsec.tracking.plugins.module_utils._mimecast_account import auth_argspec
from ansible_collections.emailsec.tracking.plugins.module_utils._mimecast_message_info import (
    MessageInfo, message_info_argspec,
)


def main():
    module = MessageInfo(dict(auth_argspec(), **message_info_argspec()))
    module.execute(module.main)


if __name__ == "__main__":
    main()
