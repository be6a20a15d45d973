#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: mimecast_remediation_incident
short_description: Remove delivered mail from mailboxes with a Mimecast Threat Remediation incident
version_added: 0.2.0
description:
  - Opens a Threat Remediation incident (C(POST /api/ttp/remediation/create)) that removes the delivered messages with
    a file hash, a message id or a URL from the mailboxes.
  - Mimecast opens a new incident on every create. With O(case), the module writes a marker (C(ansible:<case>)) into
    the reason and first looks for an incident that carries it (C(find-incidents)); a rerun then finds that incident
    instead of opening a second one, and reports no change.
  - The work runs at Mimecast after the incident is opened and its counts grow; O(wait) reads the incident again
    (C(get-incident)) until C(successful) and C(failed) add up to C(identified), or O(wait_timeout) passes.
  - In check mode nothing is opened; the module reports whether an incident would be opened (none for the O(case)
    found).
  - Needs Services | Threat Remediation | Edit (and Read, to find and wait).
author:
  - emailsec.tracking contributors (@emailsec)
extends_documentation_fragment:
  - emailsec.tracking.mimecast
  - emailsec.tracking.connection
  - emailsec.tracking.attributes.ACTIONS
  - emailsec.tracking.attributes.MIMECAST_GROUP
options:
  file_hash:
    description:
      - Remove the messages with an attachment of this MD5, SHA-1 or SHA-256. Mimecast does not support hashes of
        image files. One of O(file_hash), O(message_id) and O(url) is required.
    type: str
  message_id:
    description:
      - Remove the message with this internet message id; the angle brackets Mimecast needs are added.
    type: str
  url:
    description:
      - Remove the messages that carry this URL.
    type: str
  reason:
    description:
      - Why the messages are removed, recorded on the incident.
    type: str
    required: true
  case:
    description:
      - The case or ticket id. It marks the incident, so that a rerun finds it instead of opening another.
    type: str
  start:
    description:
      - The earliest delivery to remediate. Defaults to 30 days before O(end).
    type: str
  end:
    description:
      - The latest delivery to remediate. Defaults to V(now).
    type: str
  wait:
    description:
      - Wait until the incident's counts settle.
    type: bool
    default: false
  wait_timeout:
    description:
      - The longest wait in seconds; the module then warns and returns the counts so far.
    type: float
    default: 300
  poll_interval:
    description:
      - Seconds between two reads of the incident while waiting.
    type: float
    default: 5
'''

EXAMPLES = r'''
- name: Remove the delivered phishing mail by its attachment (credentials from MIMECAST_* variables)
  emailsec.tracking.mimecast_remediation_incident:
    file_hash: 2033b7a057a68ba8c60862e9de3bd9ce630010c982682d5167e33568a926315b
    reason: Invoice phishing campaign
    case: IR-4711
    start: -3d
    wait: true
    wait_timeout: 120
    poll_interval: 1
  register: remediation
'''

RETURN = r'''
incident:
  description: The incident as Mimecast last returned it (C(id), C(code), C(type), C(reason), C(identified),
    C(successful), C(failed), C(restored), C(create), C(modified), C(searchCriteria)); V(null) in check mode when
    one would be opened.
  returned: always
  type: dict
created:
  description: Whether this run opened the incident (false when the O(case) found one).
  returned: always
  type: bool
settled:
  description: Whether C(successful) and C(failed) add up to C(identified).
  returned: always
  type: bool
id:
  description: The incident id.
  returned: when there is an incident
  type: str
code:
  description: The incident code shown in the Mimecast console.
  returned: when there is an incident
  type: str
identified:
  description: How many messages the incident found.
  returned: when there is an incident
  type: int
successful:
  description: How many of them were removed.
  returned: when there is an incident
  type: int
counts:
  description:
    - The incident's counts, C(identified), C(successful) and C(failed) (how many could not be removed). C(failed) is
      here and in RV(incident), not at the top, where Ansible would read it as the task failing.
  returned: always
  type: dict
  sample: {identified: 8, successful: 8, failed: 0}
'''

from ansible_collections.emailsec.tracking.plugins.module_utils._mimecast_account import auth_argspec
from ansible_collections.emailsec.tracking.plugins.module_utils._mimecast_remediation import (
    RemediationIncident, remediation_argspec,
)


def main():
    module = RemediationIncident(dict(auth_argspec(), **remediation_argspec()))
    module.execute(module.main)


if __name__ == "__main__":
    main()
