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
  - Opens a Threat Remediation incident that removes the delivered messages with a file hash, a message id or a URL
    (C(POST /api/ttp/remediation/create)), or with any of several message ids (the documented v2 create,
    C(POST /api/ttp/remediation/v2/create) with C(searchBy) V(message_ids)), from the mailboxes.
  - Mimecast opens a new incident on every create. With O(case), the module ends the reason with the marker
    C([ansible:<case>]) and first looks for the incident of this case B(and) indicator. It asks
    C(find-incidents) for the marker, then reads each candidate (C(get-incident)) and takes it only when its
    reason ends with exactly C([ansible:<case>]) (case V(IR-1) never takes the incident of V(IR-12)) and its
    C(searchCriteria) names the same indicator. The file hash is compared in any letter case, the message id with or
    without its angle brackets (a captured answer echoes it without), the URL exactly, and O(message_ids) as a set.
    When O(end) is given, the incident must also reach that far (its C(searchCriteria.end) at or after O(end)); an
    incident opened before a later wave of the campaign does not stand for mail delivered after it, and a new one is
    opened. O(start) is not compared, because a relative start moves from run to run. A rerun then finds the
    incident and reports no change; a second indicator, or a later O(end), under the same case opens its own
    incident.
  - An incident whose C(searchCriteria) does not show the indicator is never taken for this one, so a rerun opens a
    second incident rather than leave mail in the mailboxes when Mimecast does not echo the criteria (the captured
    answers show C(fileHash) and C(messageId); C(url) and C(messageIds) are not in any capture).
  - The create is never sent again blindly. When it fails in a way that leaves open whether Mimecast opened the incident
    (a timeout, a cut connection, an HTTP 5xx), the module looks for the incident of this case and indicator before
    it sends the create again, and reports the one it finds. Without O(case) nothing can find the incident again, so
    the create is not sent again and the failure says to look for the reason in the console.
  - The work runs at Mimecast after the incident is opened and its counts grow. O(wait) reads the incident again
    (C(get-incident)), at least once after a create, until C(successful) and C(failed) add up to C(identified), or
    O(wait_timeout) passes; then RV(settled) is V(false) and a warning names the incident and its counts. An incident
    that still counts 0 identified is settled only once Mimecast has changed it since it was opened (C(modified)
    later than C(create)), because a new incident reads 0 of 0 before Mimecast has counted anything.
  - A failure once the incident exists (a read that fails, the run's O(total_timeout)) still returns the incident's
    RV(id), RV(code) and RV(created) with the failure (the vendor's error code then comes as C(vendor_code)).
  - Input that could select everything is refused before any request; a whole shared platform or one of
    O(own_domains) as O(url) needs O(allow_broad=true).
  - In check mode nothing is opened and nothing is waited for; the module reports whether an incident would be
    opened (none for the O(case) and indicator found).
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
        image files. Exactly one of O(file_hash), O(message_id), O(message_ids) and O(url) is required.
    type: str
  message_id:
    description:
      - Remove the message with this internet message id; the angle brackets Mimecast needs are added. A blank id,
        V(<>) or one with a wildcard or a blank is refused.
    type: str
  message_ids:
    description:
      - Remove the messages with any of these internet message ids (a campaign's Message-IDs), with one incident
        (the v2 create). Each is checked as O(message_id) is, and the angle brackets are added.
    type: list
    elements: str
  url:
    description:
      - Remove the messages that carry this URL. It must be an absolute http or https URL with a host. A whole
        shared platform (a link without a path to, for example, docs.google.com) or a site of O(own_domains) is
        refused unless O(allow_broad=true).
    type: str
  own_domains:
    description:
      - The organisation's own domains. A whole site of one of them as O(url) needs O(allow_broad=true).
    type: list
    elements: str
    default: []
  allow_broad:
    description:
      - Allow a whole shared platform or a site of O(own_domains) as O(url).
    type: bool
    default: false
  reason:
    description:
      - Why the messages are removed, recorded on the incident.
    type: str
    required: true
  case:
    description:
      - The case or ticket id, without square brackets. The reason ends with C([ansible:<case>]), so that a rerun
        finds the incident of this case and indicator instead of opening another.
    type: str
  start:
    description:
      - The earliest delivery to remediate. Defaults to 30 days before O(end).
    type: str
  end:
    description:
      - The latest delivery to remediate. Defaults to V(now).
      - When given, an incident of the same O(case) and indicator is taken only if its window reaches this far; give
        the trace's window end (as the phishing_response role does), so that a rerun finds its incident and a later
        trace opens a new one.
    type: str
  wait:
    description:
      - Wait until the incident's counts settle.
    type: bool
    default: false
  wait_timeout:
    description:
      - The longest wait in seconds; the module then warns and returns the counts so far with RV(settled=false).
        With O(wait), it must be less than O(total_timeout), the deadline of the whole run.
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
    file_hash: 005f5b292e765b991a2f3d8dc7893cf6837dd0ae0e6ca8bbf601c460f813276d
    reason: Invoice phishing campaign
    case: IR-4711
    start: -3d
    wait: true
    wait_timeout: 120
    poll_interval: 1
  register: remediation

- name: Remove every delivered copy of the campaign by its Message-IDs, in one incident
  emailsec.tracking.mimecast_remediation_incident:
    message_ids:
      - <20261120101500.4711@acme-invoice-notice.example>
      - <20261120101502.4712@acme-invoice-notice.example>
    reason: Invoice phishing campaign
    case: IR-4711
    start: -3d

- name: Remove the messages with the campaign's link (a whole site of the own domains would be refused)
  emailsec.tracking.mimecast_remediation_incident:
    url: https://acme-invoice-notice.example/pay/4711
    own_domains: [acme.example]
    reason: Invoice phishing campaign
    case: IR-4711
    start: -3d
'''

RETURN = r'''
incident:
  description: The incident as Mimecast last returned it (C(id), C(code), C(type), C(reason), C(identified),
    C(successful), C(failed), C(restored), C(create), C(modified), C(searchCriteria)); V(null) in check mode when
    one would be opened.
  returned: always
  type: dict
  sample:
    id: MTE2NjE0OD000001
    code: TR-CSND1A7780-00045-M
    type: manual
    reason: Invoice phishing campaign [ansible:IR-4711]
    identified: 3
    successful: 3
    failed: 0
    restored: 0
    create: "2020-05-25T10:01:53+0000"
    modified: "2020-05-25T10:03:12+0000"
    searchCriteria:
      start: "2020-04-25T10:01:53+0000"
      end: "2020-05-25T22:01:53+0000"
      fileHash: 2033b7a057a68ba8c60862e9de3bd9ce630010c982682d5167e33568a926315b
created:
  description:
    - Whether this run opened the incident (false when the O(case) and indicator found one). Also returned with a
      failure once the create was sent, V(null) when it is not known whether Mimecast opened one.
  returned: always
  type: bool
settled:
  description:
    - Whether the incident's answer proves its counts final, C(successful) and C(failed) adding up to C(identified)
      (see the description for 0 identified). V(false) for an incident opened without O(wait), which was not read
      again.
  returned: always
  type: bool
reads:
  description: How many times O(wait) read the incident again.
  returned: always
  type: int
  sample: 3
id:
  description: The incident id; also returned with a failure once the incident exists.
  returned: when there is an incident
  type: str
  sample: MTE2NjE0OD000001
code:
  description: The incident code shown in the Mimecast console; also returned with a failure once the incident
    exists.
  returned: when there is an incident
  type: str
  sample: TR-CSND1A7780-00045-M
identified:
  description: How many messages the incident found.
  returned: when there is an incident
  type: int
  sample: 3
successful:
  description: How many of them were removed.
  returned: when there is an incident
  type: int
  sample: 3
counts:
  description:
    - The incident's counts, C(identified), C(successful) and C(failed) (how many could not be removed). C(failed) is
      here and in RV(incident), not at the top, where Ansible would read it as the task failing.
  returned: always
  type: dict
  sample: {identified: 3, successful: 3, failed: 0}
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
