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
    left alone, so a second identical run changes nothing.
  - An outcome is what Mimecast's answer proves. V(released) or V(rejected) only when Mimecast answered C(true) for
    that id. An answer of C(false), a C(fail[]) entry naming the id, or no word about it makes the id V(failed), with
    Mimecast's code and message, and the task fails (O(allow_partial) reports it without failing); those messages are
    still held. A C(fail[]) entry that names no id that was sent fails the task.
  - Releases go one id a request, as every known client sends them; a reject sends all ids in one request, in the
    documented form (O(reject_fields)).
  - Nothing broad without asking. Before any request, empty, blank, V(@)-only, wildcard and malformed addresses and
    domains are refused, and so are a subject or reason shorter than 3 characters. A whole free-mail or
    shared-platform domain (such as gmail.com, outlook.com, yahoo.com, icloud.com, docs.google.com; the list is in
    the collection's C(plugins/module_utils/_rails.py)) or one of O(own_domains) as O(sender) or O(header_from) needs
    O(allow_broad=true). A selection of more than O(max_messages) held messages is refused and nothing is done.
  - O(sender) matches the envelope sender only. The header From is set by whoever sends the mail, so an attacker can
    make it look like a partner's; select by it only with O(header_from), never by accident.
  - A V(*.example.com) pattern means the domain and its sub-domains, as in the trace
    (M(emailsec.tracking.mimecast_tracking_search)).
  - Check mode predicts the real run from the same read, but cannot know whether the application may act (the Edit
    permission), so with a read-only application the preview succeeds and the real run fails with HTTP 403.
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
      - Every held message whose envelope sender is this address, or at this domain (V(@example.com) or
        V(example.com)), or at this domain and its sub-domains (V(*.example.com)).
    type: str
  header_from:
    description:
      - Every held message whose header From is this address or domain (same forms as O(sender)). The sending side
        controls this header; use it only when that is what you mean.
    type: str
  recipient:
    description:
      - Every held message to this address or domain (same forms as O(sender)).
    type: str
  subject:
    description:
      - Every held message whose subject contains this text (case-insensitive, at least 3 characters).
    type: str
  reason:
    description:
      - Every held message whose hold reason, reason code or policy contains this text (case-insensitive, at least
        3 characters).
    type: str
  max_messages:
    description:
      - The most held messages one run may release or reject. A larger selection is refused and nothing is done.
    type: int
    default: 50
  allow_broad:
    description:
      - Allow a whole free-mail or shared-platform domain, or one of O(own_domains), as O(sender) or O(header_from).
    type: bool
    default: false
  own_domains:
    description:
      - The organisation's own domains. Selecting all held mail from one of them needs O(allow_broad=true).
    type: list
    elements: str
    default: []
  allow_partial:
    description:
      - When Mimecast does not confirm some ids, report them as V(failed) in RV(results) with a warning, instead of
        failing the task.
    type: bool
    default: false
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
        - V(released) or V(rejected) when Mimecast answered C(true) for the id; V(would_release) or V(would_reject) in
          check mode; V(not_held) when the hold queue read does not hold the id (any more), which is not a failure;
          V(failed) when Mimecast did not confirm it (the message is still held); V(not_attempted) for ids left
          when a request failed on the way.
      type: str
      sample: rejected
    code:
      description: Mimecast's error code for an id it did not act on.
      type: str
      returned: when Mimecast gave one
    message:
      description: What Mimecast said about an id it did not act on.
      type: str
      returned: when the id failed
    sender:
      description: The held message's envelope sender.
      type: str
      returned: for held messages
    recipients:
      description: The held message's recipients.
      type: list
      elements: str
      returned: for held messages
    subject:
      description: The held message's subject.
      type: str
      returned: for held messages
    reason:
      description: Why Mimecast held it, in its words (such as V(Message Hold Applied - Spam Signature policy)).
      type: str
      returned: for held messages
partial:
  description: True when some ids failed and O(allow_partial) is set.
  returned: when some ids failed
  type: bool
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
