# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: mimecast_tracking
short_description: Search Mimecast message tracking (API 1.0 and API 2.0), in the controller's process
version_added: 0.2.0
description:
  - The search of M(emailsec.tracking.mimecast_tracking_search), with the same options, defaults, environment
    variables and failure messages, run as a lookup in the controller's own process, so the tracked emails reach
    the play without the module result path. Use it when a large answer goes into a variable.
  - Use C(query()) or C(wantlist=true) when O(query) gives strings, as C(lookup()) joins a list of strings into
    one string.
  - Give the options as keyword arguments, not terms. It returns the tracked emails (or what O(query) made of
    them). With O(dest) it returns one item that describes the file (C(dest), C(sha256), C(written), C(changed),
    C(count), C(window)).
  - When the run stops early (O(max_records), or O(allow_partial) with a part that failed), a warning gives the
    C(next_token) for O(token).
  - It sees check mode (C(ansible_check_mode)), and O(dest) is then not written.
  - Runs on the controller, so the credentials never leave it; they are never shown, at any verbosity.
author:
  - emailsec.tracking contributors (@emailsec)
extends_documentation_fragment:
  - emailsec.tracking.mimecast
  - emailsec.tracking.mimecast.SEARCH
  - emailsec.tracking.connection
  - emailsec.tracking.output
seealso:
  - module: emailsec.tracking.mimecast_tracking_search
  - plugin: emailsec.tracking.tmes_mail_tracking
    plugin_type: lookup
'''

EXAMPLES = r'''
- name: A campaign's tracked emails, into a variable (API 2.0 credentials from MIMECAST_* variables)
  ansible.builtin.set_fact:
    tracked: >-
      {{ lookup('emailsec.tracking.mimecast_tracking', sender='@acme-invoice-notice.example', start='-24h') }}

- name: Who has it? Mimecast's own field names (delivered mail is archived)
  ansible.builtin.debug:
    msg: >-
      {{ lookup('emailsec.tracking.mimecast_tracking', sender='@acme-invoice-notice.example', start='-24h',
                query="[?status=='archived'].to[].emailAddress", wantlist=True) | unique }}
'''

RETURN = r'''
_raw:
  description:
    - The tracked emails as Mimecast returned them (or as O(query) shaped them), in time order, each once; with
      O(dest), one item describing the file.
  type: list
  elements: raw
'''

from ansible_collections.emailsec.tracking.plugins.module_utils._mimecast_search import (
    MUTUALLY_EXCLUSIVE, MimecastSearch, argument_spec,
)
from ansible_collections.emailsec.tracking.plugins.plugin_utils._lookup import TrackingLookup


class LookupModule(TrackingLookup):
    search_class = MimecastSearch
    argument_spec = staticmethod(argument_spec)
    mutually_exclusive = MUTUALLY_EXCLUSIVE
    records_key = "tracked_emails"
    plugin = "mimecast_tracking"
