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
  - Makes sure this task's blocked sender policy for a sender exists (O(state=present)) or that it does not
    (O(state=absent)), with C(/api/policy/blockedsenders/create-policy), C(get-policy) and C(delete-policy).
  - B(Which policy is the task's own.) Mimecast makes a new policy on every create and has no other marker, so the
    module reads every policy first. Its own policy is the one whose description is exactly O(description) and
    whose sender, recipient side, O(from_part) and O(option) are the task's. Put the case id in O(description).
    The module never changes or removes a policy with another description.
  - With O(state=present). The own policy with the same settings is left alone (V(unchanged)). An own policy with
    other settings is updated (create-policy with its id, as a widely used client does; not confirmed in Mimecast's
    documentation), with a warning naming the settings (V(updated)). Without an own policy, another policy that
    already blocks exactly this (same sender, recipient side, O(from_part), O(option) and O(enabled), no start or an
    earlier one, no end or a later one, no conditions other than the task's, the same comment when O(comment) is
    given) is kept; nothing is written, the result is V(existing), and a warning names its id and description. So a
    second run of a response under a new case keeps the first case's block. A policy with the same criteria that
    blocks less (source IP conditions, disabled, other dates, another comment) is left alone and reported in
    RV(conflicts), and the task's own policy is created (V(created)).
  - Only the fields the module sets are compared, whichever form Mimecast echoes them in (the C(from)/C(to) objects
    or the flat C(fromType)/C(fromValue)/C(toType)/C(toValue) copies real answers also carry), and a field the
    answer leaves out counts as Mimecast's default (for example C(fromPart) V(envelope_from), C(enabled) C(true)).
    C(comment) is sent only when O(comment) is given, and compared only when given and echoed (real answers carry
    none). A relative O(from_date) or O(to_date) (V(now), V(-1h), V(+30d)) counts as "set"; a rerun does not chase
    the moving clock, it only checks that the policy has a start (or an end still ahead; an end that has passed is
    renewed); an ISO 8601 date is compared exactly.
  - With O(state=absent). Only the task's own policies for the sender are removed (narrowed by O(recipient),
    O(from_part) and O(option) when given); the policies for the sender with other descriptions are left in place,
    reported in RV(existing) with a warning. A policy counts as removed only when Mimecast's answer names its id;
    one Mimecast no longer knows (C(meta.status) 404) is reported in RV(not_found).
  - B(Created once.) A create (or update) that fails in a way that leaves open whether Mimecast acted (a timeout, a
    cut connection, a 5xx) is never simply sent again; the module reads the policies first and takes the own policy
    the failed request made, with a warning. A paged policy list that would not end fails with a clear error.
  - B(Nothing broad without asking.) Before any request, an empty, blank, V(@)-only, wildcard or malformed sender
    is refused (an empty sender never means everyone), and so is a V(*.example.com) pattern (Mimecast does not
    document sub-domain matching for a domain policy). A whole free-mail or shared-platform domain (such as
    gmail.com, outlook.com, docs.google.com; the list is in the collection's C(plugins/module_utils/_rails.py)) or
    one of O(own_domains) as O(sender) needs O(allow_broad=true); one address at such a domain is fine.
  - Check mode and diff come from the same read, so they show the real run (a relative date is computed a moment
    later in the real run). Check mode cannot know whether the application may change policies (the Edit
    permission); with a read-only application the preview succeeds and the real run fails with HTTP 403.
  - Needs Gateway | Policies | Read, and Gateway | Policies | Edit to change anything.
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
      - Whether the task's own policy exists.
    type: str
    default: present
    choices: [present, absent]
  sender:
    description:
      - The sender to block, one address (V(billing@evil.example)) or one domain (V(@evil.example) or
        V(evil.example)). Empty, blank, V(@), wildcards and V(*.example.com) patterns are refused.
    type: str
    required: true
  option:
    description:
      - What the policy does. Defaults to V(block_sender) for O(state=present); with O(state=absent), only policies
        with this option are removed when it is given.
    type: str
    choices: [block_sender, no_action]
  description:
    description:
      - The policy's description in the Mimecast console, and the marker of the task's own policy, matched exactly.
        Put the case id here, like V(IR-4711 invoice phishing).
      - Required for both states, so that O(state=absent) removes only what a task with this description made.
    type: str
    required: true
  from_part:
    description:
      - Which sender address is checked. Defaults to V(envelope_from) for O(state=present); with O(state=absent),
        only policies for this part are removed when it is given.
    type: str
    choices: [envelope_from, header_from, both]
  recipient:
    description:
      - Block only mail to this address or domain. Everyone when not set (or empty).
    type: str
  from_date:
    description:
      - When the policy starts; ISO 8601 (naive times are UTC), V(now), or relative like V(-1h) or V(+2h). From the
        beginning of time (C(1900-01-01T00:00:00+0000)) when not set.
    type: str
  to_date:
    description:
      - When the policy ends; ISO 8601, V(now), or relative like V(+30d) (units s, m, h, d, w). Never
        (C(2100-01-01T23:59:59+0000)) when not set. Must be later than O(from_date) (or now).
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
      - A comment on the policy. Not sent when not given; compared only when given and echoed by Mimecast.
    type: str
  source_ips:
    description:
      - Apply the policy only to mail from these IP addresses or CIDR networks (C(conditions.sourceIPs)).
    type: list
    elements: str
    default: []
  own_domains:
    description:
      - The organisation's own domains. Blocking a whole one of them as O(sender) needs O(allow_broad=true).
    type: list
    elements: str
    default: []
  allow_broad:
    description:
      - Allow a whole free-mail or shared-platform domain, or one of O(own_domains), as O(sender).
    type: bool
    default: false
notes:
  - Mimecast's get-policy lists every blocked sender policy of the account; the module reads them all, page by page,
    on every run.
seealso:
  - module: emailsec.tracking.mimecast_held_message
  - module: emailsec.tracking.mimecast_remediation_incident
'''

EXAMPLES = r'''
- name: Block the phishing domain for everyone (credentials from MIMECAST_* variables)
  emailsec.tracking.mimecast_blocked_sender_policy:
    sender: "@acme-invoice-notice.example"
    description: "IR-4711: invoice phishing"
    from_part: both
    own_domains: [acme.example]

- name: Block one free-mail sender for 30 days (an address at gmail.com needs no allow_broad)
  emailsec.tracking.mimecast_blocked_sender_policy:
    sender: "invoices.acme@gmail.com"
    description: "IR-4712: invoice phishing from a free-mail account"
    to_date: +30d

- name: Lift the block again (only the policy with this description)
  emailsec.tracking.mimecast_blocked_sender_policy:
    sender: "@acme-invoice-notice.example"
    description: "IR-4711: invoice phishing"
    state: absent
'''

RETURN = r'''
outcome:
  description:
    - What the task did, or in check mode would do. V(created), V(updated) or V(unchanged) for the task's own
      policy; V(existing) when another policy already blocks exactly this and nothing was written; V(removed) or
      V(absent) (nothing to remove) for O(state=absent).
  returned: always
  type: str
  sample: created
policies:
  description:
    - The policy that blocks as asked after the run, as Mimecast answered it (in check mode, the request that would
      be sent, with C(id) null for a new policy); the task's own, or with RV(outcome=existing) the other policy that
      already does it. Empty for O(state=absent).
  returned: always
  type: list
  elements: dict
  sample:
    - id: "eNo1jsEKgjAAQP9lV4O0dGbQIRuYUEZY1qBLzYFL3Ww6c0b_nh66v8d7H1BToiRlKViC5MzbGdNbDRfH-NHj65Pxi5XEB_xuu7fC\
        hTR8I4Zz6AS8bW5TrqNyxzsV5tkL6b4hPZI48DojjM6nezbHhZBXopCrw72jfKT2ycymPn0FuViBCahEwYge0xa0TOhNAFF1I0oq\
        iUjpMLSJI2StXc-xB7qlsmaCD_DfPOmKhqNtmrb5_QHJ4UNd"
      option: block_sender
      policy:
        description: "IR-4711: invoice phishing"
        fromPart: both
        from: {type: email_domain, emailDomain: acme-invoice-notice.example}
        to: {type: everyone}
        fromType: email_domain
        fromValue: acme-invoice-notice.example
        toType: everyone
        fromEternal: true
        toEternal: true
        fromDate: "1900-01-01T00:00:00+0000"
        toDate: "2100-01-01T23:59:59+0000"
        override: false
        bidirectional: false
        conditions: {}
        enabled: true
        enforced: false
        createTime: "2024-06-06T08:18:34+0000"
        lastUpdated: "2024-06-06T08:18:34+0000"
existing:
  description:
    - With O(state=present), the policies with other descriptions that already block exactly this (the first is in
      RV(policies)); filled only when the task has no own policy, and then nothing is written.
    - With O(state=absent), the policies for the sender with other descriptions, left in place.
  returned: always
  type: list
  elements: dict
  sample: []
conflicts:
  description:
    - Policies with other descriptions for the same sender, recipient side, O(from_part) and O(option) that block
      less than the task asks; left alone. Each is the policy as Mimecast sent it plus C(differs), the names of the
      settings that differ (C(enabled), C(fromDate), C(toDate), C(conditions), C(comment)).
  returned: always
  type: list
  elements: dict
  sample:
    - id: "eNo1jrsOgjAAAP-lM0Npi4KJg_EFvoJIRd2wVCwoxRYkaPx3cXC_y90baM5qxUUCBsDhtttuFtRpbPryoA78XCm0jZhnZf2GVthX\
        1kQz6NPJPpp6Z5nSZRETG5k3db-ecHxMefiQrhVVYhuXjTPHRUbWD0IuAa43-1wcpq8kmK3UeggMUMqbYO2vbFrI6RuA1bqSd66Y\
        THi3M6a7kQnRCOFeRz-50kIWHfw3w7bk3s-GkMDPF2vCQTE"
      option: block_sender
      policy:
        description: "ADMIN: block partner-x only from their old relay"
        fromPart: envelope_from
        from: {type: email_domain, emailDomain: partner-x.example}
        to: {type: everyone}
        conditions: {sourceIPs: ["198.51.100.7/32"]}
        enabled: true
      differs: [conditions]
removed:
  description: The ids of the policies removed (in check mode, that would be), each proven by Mimecast's answer.
  returned: always
  type: list
  elements: str
  sample: ["eNo1jr"]
not_found:
  description: The ids of own policies Mimecast no longer knew when asked to remove them (C(meta.status) 404).
  returned: always
  type: list
  elements: str
  sample: []
diff:
  description:
    - The task's policy before and after, keyed by policy id (V(new policy) for one not made yet), as the fields the
      module sets (Mimecast's defaults filled in). Dicts, so C(--diff) prints them.
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
