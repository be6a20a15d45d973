#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: mimecast_blocked_sender_policy
short_description: Block a sender address or domain with a Mimecast blocked sender policy
version_added: 0.2.0
description:
  - Makes sure a blocked sender policy for a sender exists (O(state=present)) or that none does (O(state=absent)),
    with C(/api/policy/blockedsenders/create-policy), C(get-policy) and C(delete-policy).
  - Mimecast makes a new policy on every create, so the module reads every policy first and matches on the
    sender, the recipient side, O(from_part) and O(option). A matching policy with the same settings is left alone;
    one with other settings is updated (create-policy with its id, as a widely used client does; not confirmed
    in Mimecast's documentation); none is created. O(state=absent) removes every policy for the sender (narrowed by
    O(recipient), O(from_part) and O(option) when given).
  - Check mode and diff come from the same read, so they show the real run exactly.
  - Needs Gateway | Policies | Read and Gateway | Policies | Edit.
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
      - Whether the policy exists.
    type: str
    default: present
    choices: [present, absent]
  sender:
    description:
      - The sender to block, an address (V(billing@evil.example)) or a domain (V(@evil.example) or V(evil.example)).
    type: str
    required: true
  option:
    description:
      - What the policy does. Defaults to V(block_sender) for O(state=present).
    type: str
    choices: [block_sender, no_action]
  description:
    description:
      - The policy's description in the Mimecast console. Required for O(state=present). Put the case id here.
    type: str
  from_part:
    description:
      - Which sender address is checked. Defaults to V(envelope_from) for O(state=present).
    type: str
    choices: [envelope_from, header_from, both]
  recipient:
    description:
      - Block only mail to this address or domain. Everyone when not set.
    type: str
  from_date:
    description:
      - When the policy starts (ISO 8601, V(now) or relative like V(-1h)). From the beginning of time when not set.
    type: str
  to_date:
    description:
      - When the policy ends. Never when not set.
    type: str
  enforced:
    description:
      - Whether the policy is enforced (users cannot override it).
    type: bool
    default: false
  enabled:
    description:
      - Whether the policy is active.
    type: bool
    default: true
  override:
    description:
      - Whether this policy overrides others of its kind.
    type: bool
    default: false
  bidirectional:
    description:
      - Whether the policy also applies in the other direction.
    type: bool
    default: false
  comment:
    description:
      - A comment on the policy.
    type: str
    default: ""
  source_ips:
    description:
      - Apply the policy only to mail from these IP addresses or CIDR networks (C(conditions.sourceIPs)).
    type: list
    elements: str
    default: []
'''

EXAMPLES = r'''
- name: Block the phishing domain for everyone (credentials from MIMECAST_* variables)
  emailsec.tracking.mimecast_blocked_sender_policy:
    sender: "@acme-invoice-notice.example"
    description: "IR-4711: invoice phishing"
    from_part: both

- name: Lift the block again
  emailsec.tracking.mimecast_blocked_sender_policy:
    sender: "@acme-invoice-notice.example"
    state: absent
'''

RETURN = r'''
policies:
  description: The policy as it is after the run (in check mode, as it would be); empty for O(state=absent).
  returned: always
  type: list
  elements: dict
removed:
  description: The ids of the policies removed (or, in check mode, that would be).
  returned: always
  type: list
  elements: str
diff:
  description: The matching policies before, and after (without times set by Mimecast).
  returned: always
  type: dict
'''

from ansible_collections.emailsec.tracking.plugins.module_utils._mimecast_account import auth_argspec
from ansible_collections.emailsec.tracking.plugins.module_utils._mimecast_policy import (
    BlockedSenderPolicy, policy_argspec,
)


def main():
    module = BlockedSenderPolicy(dict(auth_argspec(), **policy_argspec()))
    module.execute(module.main)


if __name__ == "__main__":
    main()
