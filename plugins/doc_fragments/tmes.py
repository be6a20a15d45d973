# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # pylint: disable=too-few-public-methods

    DOCUMENTATION = r'''
options:
  api_url:
    description:
      - Base URL of the TMES API, scheme and host only.
      - If neither this nor O(region) is set, the environment variable E(TMES_API_URL) is used, then
        E(TMES_REGION) (a region name), and without them the Americas URL V(https://api.tmes.trendmicro.com).
      - Mutually exclusive with O(region).
    type: str
  region:
    description:
      - The TMES region of the account, instead of O(api_url).
      - V(us) Americas (api.tmes.trendmicro.com), V(eu) Europe (api.tmes.trendmicro.eu), V(anz) Australia and New
        Zealand (api.tmes-anz.trendmicro.com), V(jp) Japan (api.tmems-jp.trendmicro.com), V(sg) Singapore
        (api.tmes-sg.trendmicro.com), V(in) India (api.tmes-in.trendmicro.com), V(uae) Middle East
        (api.tmes-uae.trendmicro.com), V(uk) United Kingdom (api.tmes-uk.trendmicro.com, listed by Trend Micro for
        the renamed product Cloud Email Gateway Protection).
    type: str
    choices: [us, eu, anz, jp, sg, in, uae, uk]
  username:
    description:
      - The TMES API user name.
      - If not set, the environment variable E(TMES_USERNAME) is used.
    type: str
  api_key:
    description:
      - The API key of O(username), from the TMES console (Administration > Service Integration > API Access).
      - If not set, the environment variable E(TMES_API_KEY) is used.
    type: str
'''

    # the options of the search itself, shared by the module and the lookup
    SEARCH = r'''
options:
  traffic_type:
    description:
      - Which traffic to search. TMES takes one type a request; run the module twice for both.
    type: str
    required: true
    choices: [accepted_traffic, blocked_traffic]
    aliases: [type]
  direction:
    description:
      - Only inbound (V(in)) or outbound (V(out)) mail.
    type: str
    choices: [in, out]
  domain:
    description:
      - Only mail of this domain of yours. All domains of the account when not set.
    type: str
  start:
    description:
      - Start of the window (inclusive). ISO 8601 (V(2026-11-22T08:00:00Z), V(2026-11-22T09:00:00+01:00)), V(now), or
        a time relative to now such as V(-90m), V(-6h) or V(-3d) (units s, m, h, d, w).
      - Defaults to one hour before O(end).
    type: str
  end:
    description:
      - End of the window (inclusive), in the same forms as O(start). Defaults to V(now).
    type: str
  page_size:
    description:
      - Records per page, from 1 to 500.
    type: int
    default: 500
    aliases: [limit]
  attachment_sha256:
    description:
      - Keep records with an attachment of this SHA-256 (64 hexadecimal digits, any case).
    type: str
  url:
    description:
      - Keep records with an embedded URL that contains this text (case-insensitive).
    type: str
'''
