#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: mimecast_held_message
short_description: Release or reject messages in the Mimecast hold queue
version_added: 0.2.0
description:
  - Releases (C(POST /api/gateway/hold-release)) or rejects (C(POST /api/gateway/hold-reject)) held messages, given by
    id (from M(emailsec.tracking.mimecast_held_message_info)) or selected by sender, recipient, subject or hold reason.
  - The module first reads the hold queue (admin view) over the window O(start) to O(end). A message that is held
    there is acted on; one that is not (already released or rejected, or never held) is reported as V(not_held) and
    left alone, so a second identical run changes nothing, and check mode predicts the real run from the same read.
  - Releases go one id a request, as every known client sends them; a reject sends all ids in one request, in the
    documented form (O(reject_fields)).
  - A selection that matches nothing changes nothing.
  - Needs Account | Dashboard | Read to read the queue and Account | Monitoring | Held | Edit to act.
author:
  - emailsec.tracking contributors (@emailsec)
extends_documentation_fragment:
  - emailsec.tracking.mimecast
  - emailsec.tracking.connection
  - emailsec.tracking.attributes.ACTIONS
  - emailsec.tracking.attributes.MIMECAST_GROUP
options:
  state:
    description:
      - V(released) delivers the held messages to their recipients; V(rejected) drops them.
    type: str
    required: true
    choices: [released, rejected]
  ids:
    description:
      - The held message ids. An alternative to O(sender), O(recipient), O(subject) and O(reason).
    type: list
    elements: str
  sender:
    description:
      - Every held message from this address, or from this domain (V(@example.com) or V(example.com)).
    type: str
  recipient:
    description:
      - Every held message to this address or domain.
    type: str
  subject:
    description:
      - Every held message whose subject contains this text (case-insensitive).
    type: str
  reason:
    description:
      - Every held message whose hold reason, reason code or policy contains this text (case-insensitive).
    type: str
  start:
    description:
      - Start of the window of the hold queue read. Defaults to 30 days before O(end).
    type: str
  end:
    description:
      - End of that window. Defaults to V(now).
    type: str
  reason_type:
    description:
      - Why the messages are rejected (O(state=rejected)), as Mimecast documents the values.
    type: str
    choices:
      - MESSAGE CONTAINS UNDESIRABLE CONTENT
      - MESSAGE CONTAINS CONFIDENTIAL INFORMATION
      - REVIEWER DISAPPROVES OF CONTENT
      - INAPPROPRIATE COMMUNICATION
      - MESSAGE GOES AGAINST EMAIL POLICIES
  reject_message:
    description:
      - A message for the sender of rejected messages (O(state=rejected)); Mimecast's C(message) field (C(notes) with
        O(reject_fields=api2)). Ansible keeps the option name C(message) for itself.
    type: str
  notify:
    description:
      - Tell the sender that the message was rejected (O(state=rejected)).
    type: bool
    default: false
  reject_fields:
    description:
      - The field names of the reject request. V(documented) (C(ids), C(message), C(reasonType), C(notify)) is what
        Mimecast documents and one widely used client sends with either API. V(api2) (C(ids), C(notes), C(reason) as
        a lower-case code, C(notify)) is what another client sends with API 2.0. Which one API 2.0 requires is not
        confirmed; change it only if Mimecast refuses the documented form.
    type: str
    default: documented
    choices: [documented, api2]
seealso:
  - module: emailsec.tracking.mimecast_held_message_info
'''

EXAMPLES = r'''
- name: Reject every held message from the phishing domain (credentials from MIMECAST_* variables)
  emailsec.tracking.mimecast_held_message:
    state: rejected
    sender: "@acme-invoice-notice.example"
    start: -7d
    reason_type: MESSAGE GOES AGAINST EMAIL POLICIES
  register: rejected

- name: Release two messages a reviewer cleared
  emailsec.tracking.mimecast_held_message:
    state: released
    ids: "{{ cleared_ids }}"
  vars:
    cleared_ids: []
'''

RETURN = r'''
results:
  description: What happened to each id asked for or selected, in that order.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The held message id.
      type: str
    outcome:
      description:
        - V(released) or V(rejected); V(would_release) or V(would_reject) in check mode; V(not_held) when the id is
          not in the hold queue (any more), which is not a failure.
      type: str
    message:
      description: What Mimecast said about an id it did not act on.
      type: str
      returned: when Mimecast said something
held:
  description: How many messages the hold queue read found in the window.
  returned: always
  type: int
window:
  description: The window of the hold queue read, in UTC.
  returned: always
  type: dict
diff:
  description: The held ids of the selection before and after.
  returned: always
  type: dict
'''

from ansible_collections.emailsec.tracking.plugins.module_utils._mimecast_account import auth_argspec
from ansible_collections.emailsec.tracking.plugins.module_utils._mimecast_hold import (
    HeldMessage, held_argspec,
)


def main():
    module = HeldMessage(dict(auth_argspec(), **held_argspec()))
    module.execute(module.main)


if __name__ == "__main__":
    main()
