# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: tmes_mail_tracking
short_description: Search Trend Micro Email Security mail tracking logs, in the controller's process
version_added: 0.2.0
description:
  - The search of M(emailsec.tracking.tmes_mail_tracking_info), with the same options, defaults, environment
    variables and failure messages, run as a lookup in the controller's own process, so the records reach the
    play without the module result path (no JSON round trip, no scrub of every record string). Use it when a
    large answer goes into a variable; see the performance guide for figures.
  - Use C(query()) or C(wantlist=true) when O(query) gives strings, as C(lookup()) joins a list of strings into
    one string.
  - Give the options as keyword arguments, not terms. It returns the records (or what O(query) made of them). With
    O(dest) it returns one item that describes the file (C(dest), C(sha256), C(written), C(changed), C(count),
    C(window)).
  - When the run stops early (O(max_records), or O(allow_partial) with a part that failed), a warning gives the
    C(next_token) for O(token).
  - It sees check mode (C(ansible_check_mode)), and O(dest) is then not written.
  - Runs on the controller, so the credentials never leave it; they are never shown, at any verbosity.
author:
  - emailsec.tracking contributors (@emailsec)
extends_documentation_fragment:
  - emailsec.tracking.tmes
  - emailsec.tracking.tmes.SEARCH
  - emailsec.tracking.connection
  - emailsec.tracking.matching
  - emailsec.tracking.output
seealso:
  - module: emailsec.tracking.tmes_mail_tracking_info
  - plugin: emailsec.tracking.mimecast_tracking
    plugin_type: lookup
'''

EXAMPLES = r'''
- name: Everything accepted from a sender in the last 24 hours, into a variable
  ansible.builtin.set_fact:
    accepted: >-
      {{ lookup('emailsec.tracking.tmes_mail_tracking', traffic_type='accepted_traffic',
                sender='@acme-invoice-notice.example', start='-24h') }}

- name: A big window, only the fields needed (credentials from TMES_* variables)
  ansible.builtin.set_fact:
    delivered_to: >-
      {{ lookup('emailsec.tracking.tmes_mail_tracking', traffic_type='accepted_traffic', start='-72h',
                concurrency=8, query="[?action=='Delivered'].recipient", wantlist=True) | unique }}
'''

RETURN = r'''
_raw:
  description:
    - The matching mail tracking log records as TMES returned them (or as O(query) shaped them), in time order, each
      once; with O(dest), one item describing the file.
  type: list
  elements: raw
'''

from ansible_collections.emailsec.tracking.plugins.module_utils._tmes_search import (
    MUTUALLY_EXCLUSIVE, TmesSearch, argument_spec,
)
from ansible_collections.emailsec.tracking.plugins.plugin_utils._lookup import TrackingLookup


class LookupModule(TrackingLookup):
    search_class = TmesSearch
    argument_spec = staticmethod(argument_spec)
    mutually_exclusive = MUTUALLY_EXCLUSIVE
    records_key = "logs"
    plugin = "tmes_mail_tracking"
