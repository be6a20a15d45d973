#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: mimecast_managed_url
short_description: Block (or permit) a link with a Mimecast managed URL
version_added: 0.2.0
description:
  - Makes sure a Mimecast URL Protect managed URL entry for O(url) exists with the task's O(action) and flags
    (O(state=present)), or that it does not (O(state=absent)), with C(/api/ttp/url/create-managed-url),
    C(get-all-managed-urls) and C(delete-managed-url).
  - B(Compared as Mimecast stores it.) Mimecast keeps an entry taken apart (C(scheme), C(domain), C(port) (-1 for
    none), C(path), C(queryString)), so the module reads every entry, page by page, and takes O(url) apart the same
    way. C(https://evil.example/) (path C(/)) and C(https://evil.example) (path empty) are two entries for Mimecast
    and for this module. The domain is compared in lower case, and a default port (80, 443) counts as none. With
    O(match_type=domain) only the domain is compared, and only C(scheme://domain) is sent.
  - B(The task's own entries.) O(comment) marks the entries the task makes, as the description of a blocked sender
    policy does. An entry is the task's when its comment is exactly O(comment). Another's entry (any other comment)
    is never deleted or rewritten. If it already does what the task asks (the same action), the URL is left as it is
    and reported V(existing), with a warning (and with a second warning when it has click logging off); if it does
    the opposite, the task fails and says whose it is, and nothing is changed.
  - B(No update.) Mimecast cannot change an entry ("to update it, delete and recreate"). An entry for the URL with
    the task's action and flags is left alone (V(unchanged)). The task's own entry with another action or other
    flags is deleted and the task's entry created (V(replaced)), with a warning; for a moment the URL has no entry.
    For a block only C(disableLogClick) is compared (the other flags apply only to a permit).
  - B(Created once.) A create that Mimecast refuses because the entry already exists (C(err_managed_url_exists_code),
    for example made by someone else between the read and the create) is read as "already there", and the module reads
    the list again and reports the entry it finds (V(existing), nothing changed). A create that fails in a way that
    leaves open whether Mimecast acted (a timeout, a cut connection, a 5xx) is never simply sent again; the module
    reads the list first and takes the entry the failed request made, with a warning. A paged list that would not
    end fails with a clear error.
  - B(The who-clicked evidence is kept.) C(disableLogClick) is always sent, and false unless O(disable_log_click)
    is true. Some other clients switch click logging off on every block by default; an entry for the URL with
    click logging off is named in a warning, as a gap in the record of who clicked.
  - B(Nothing broad without asking.) Before any request, an empty or blank O(url), a wildcard, a URL that is not an
    absolute http or https link with a domain, and a URL with a user part (C(user@host)) are refused. A whole
    shared platform or free-mail domain (such as docs.google.com, drive.google.com, sharepoint.com, bit.ly; the
    list is in the collection's C(plugins/module_utils/_rails.py)) or one of O(own_domains) is refused without
    O(allow_broad=true), both as O(match_type=domain) on the domain or a sub-domain of it and as an explicit link
    to its home page (like C(https://docs.google.com/)); a link with its own path on such a platform is fine.
  - A C(#fragment) is left out of the URL, with a warning (Mimecast refuses fragments, and browsers never send
    them, so the entry matches the same link). An explicit block of a URL with a query string is made as asked,
    with a warning, because Mimecast says such a block "will only function as expected when the query string is
    removed".
  - With O(state=absent), the entry for the URL and O(match_type) with O(action) is removed; an entry for the same
    URL with the other action is left in place, with a warning. A removal counts when Mimecast answers the delete
    without a failure (its answer names no id; an unknown id is answered with C(err_managed_url_not_found), which
    is reported in RV(not_found)).
  - Check mode and diff come from the same read, so they show the real run. Check mode cannot know whether a
    create would be refused as a duplicate made in the meantime.
  - Needs Services | Targeted Threat Protection - URL Protect | Edit, even to list the entries (with API 1.0 in the
    user's admin role, with API 2.0 in the application's role).
author:
  - emailsec.tracking contributors (@emailsec)
extends_documentation_fragment:
  - emailsec.tracking.mimecast
  - emailsec.tracking.connection
  - emailsec.tracking.attributes.ACTIONS
  - emailsec.tracking.attributes.MIMECAST_GROUP
options:
  url:
    description:
      - The link to block or permit, an absolute C(http) or C(https) URL, like V(https://evil.example/pay/invoice).
        With O(match_type=domain), the link's domain is what counts.
      - A C(#fragment) is left out, with a warning. Empty, blank, wildcard and non-http(s) values are refused.
    type: str
    required: true
  action:
    description:
      - What Mimecast does when a user clicks the link. With O(state=absent), only an entry with this action is
        removed.
    type: str
    default: block
    choices: [block, permit]
  match_type:
    description:
      - V(explicit) matches this one link (scheme, domain, port, path and query string); V(domain) every link on the
        domain.
    type: str
    default: explicit
    choices: [explicit, domain]
  comment:
    description:
      - The comment on the entry, such as the case id. It marks the entry as the task's; only entries with exactly
        this comment are ever deleted or replaced, with O(state=present) or O(state=absent) (see the description).
    type: str
    required: true
  state:
    description:
      - Whether the entry exists.
    type: str
    default: present
    choices: [present, absent]
  disable_log_click:
    description:
      - Switch off Mimecast's logging of clicks on this URL (C(disableLogClick)).
      - B(Leave this false in an incident.) With it, Mimecast does not log who clicked the link, so the who-clicked
        evidence of the incident is lost from then on. The module warns at run time when it is true.
    type: bool
    default: false
  disable_rewrite:
    description:
      - For O(action=permit) only, do not rewrite the link in mail (C(disableRewrite)). Refused with a block.
    type: bool
    default: false
  disable_user_awareness:
    description:
      - For O(action=permit) only, do not apply user awareness to the link (C(disableUserAwareness)). Refused with a
        block.
    type: bool
    default: false
  own_domains:
    description:
      - The organisation's own domains. Blocking one of them as a whole (O(match_type=domain), or the home page) needs
        O(allow_broad=true).
    type: list
    elements: str
    default: []
  allow_broad:
    description:
      - Allow a whole shared-platform or free-mail domain, or one of O(own_domains), as the target.
    type: bool
    default: false
notes:
  - Mimecast's list of managed URLs pages although its documentation shows no paging; the module reads every page on
    every run.
  - Each account has a maximum number of managed URL entries (Mimecast does not publish it).
seealso:
  - module: emailsec.tracking.mimecast_blocked_sender_policy
  - module: emailsec.tracking.mimecast_remediation_incident
'''

EXAMPLES = r'''
- name: Block the phishing link (credentials from MIMECAST_* variables)
  emailsec.tracking.mimecast_managed_url:
    url: https://acme-invoice-notice.example/pay/invoice-4711
    comment: "IR-4711: invoice phishing"
    own_domains: [acme.example]

- name: Block every link on the campaign's own domain
  emailsec.tracking.mimecast_managed_url:
    url: https://acme-invoice-notice.example
    match_type: domain
    comment: "IR-4711: invoice phishing"

- name: Lift the block again (only the entry with this comment is removed)
  emailsec.tracking.mimecast_managed_url:
    url: https://acme-invoice-notice.example/pay/invoice-4711
    comment: "IR-4711: invoice phishing"
    state: absent
'''

RETURN = r'''
conflicts:
  description: Ids of entries for the URL that are not the task's (another comment); they are left as they are.
  returned: with O(state=present)
  type: list
  elements: str
outcome:
  description:
    - What the task did, or in check mode would do. V(created), V(replaced) (the task's own entry for the URL with
      other settings deleted, the task's created), V(unchanged), or V(existing) (another's entry already does it, or
      the create was refused as a duplicate and the entry was found by reading again; nothing changed) for
      O(state=present); V(removed) or V(absent) (nothing to remove) for
      O(state=absent).
  returned: always
  type: str
  sample: created
entry:
  description:
    - The entry after the run, as Mimecast answered or listed it (in check mode, the entry that would be made, with
      C(id) null). Null with O(state=absent).
  returned: always
  type: dict
  sample:
    id: "wOi3MCwjYFYhZfkYlp2RMAhvN30QSmqOT7D-I9Abwlmy7ZH7eCwvY3ImP7QVjTLh57bBti0RSgeBgPwqiLBJ4Nlka1xxRTCaPHWCN77UKxE"
    scheme: https
    domain: acme-invoice-notice.example
    port: -1
    path: /pay/invoice-4711
    queryString: ""
    matchType: explicit
    action: block
    comment: "IR-4711: invoice phishing"
    disableUserAwareness: false
    disableRewrite: false
    disableLogClick: false
removed:
  description: The ids of the entries deleted (in check mode, that would be); each delete answered without failure.
  returned: always
  type: list
  elements: str
  sample: []
not_found:
  description: The ids of entries Mimecast no longer knew when asked to delete them (C(err_managed_url_not_found)).
  returned: always
  type: list
  elements: str
  sample: []
diff:
  description:
    - The entries for the URL before and after, keyed by id (V(new entry) for one not made yet), as the fields
      Mimecast stores. Dicts, so C(--diff) prints them.
  returned: always
  type: dict
'''

from ansible_collections.emailsec.tracking.plugins.module_utils._mimecast_account import auth_argspec
from ansible_collections.emailsec.tracking.plugins.module_utils._mimecast_managed_url import (
    ManagedUrl, managed_url_argspec,
)


def main():
    module = ManagedUrl(dict(auth_argspec(), **managed_url_argspec()))
    module.execute(module.main)


if __name__ == "__main__":
    main()
