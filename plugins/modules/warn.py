#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: warn
short_description: Show messages as warnings
version_added: 0.2.0
description:
  - Shows each message as a C([WARNING]) line, as modules do, so that a note a playbook or role has for its user
    (a vendor that was not searched, a vendor that failed) is not lost among C(ok) lines.
  - Runs on the controller and changes nothing.
author:
  - emailsec.tracking contributors (@emailsec)
options:
  msg:
    description:
      - A message, or a list of messages; empty ones are left out.
    type: raw
    required: true
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in diff mode) when in diff mode.
    support: none
  action:
    description: Indicates this has a corresponding action plugin so some parts of the options can be executed on
      the controller.
    support: full
  platform:
    description: Target OS/families that can be operated against.
    support: full
    platforms: all
'''

EXAMPLES = r'''
- name: Say what a trace could not do
  emailsec.tracking.warn:
    msg:
      - "Mimecast was not searched: it cannot search by attachment SHA-256."
      - "TMES failed: the API key was refused."

- name: Show the notes of a message_trace run, if any
  emailsec.tracking.warn:
    msg: "{{ (message_trace_summary | default({})).notes | default([]) }}"
'''

RETURN = r'''
count:
  description: How many warnings were shown.
  returned: always
  type: int
  sample: 1
'''
