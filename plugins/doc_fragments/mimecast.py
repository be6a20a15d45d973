# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # pylint: disable=too-few-public-methods

    DOCUMENTATION = r'''
options:
  base_url:
    description:
      - Base URL of the Mimecast API, scheme and host only, for example V(https://eu-api.mimecast.com) (API 1.0) or
        V(https://api.services.mimecast.com) (API 2.0).
      - If neither this nor O(region) is set, the environment variable E(MIMECAST_BASE_URL) is used; for API 2.0
        without any of them, the global gateway V(https://api.services.mimecast.com).
      - U(https://api.mimecast.com/api/login/discover-authentication) tells an API 1.0 user's region.
    type: str
  region:
    description:
      - The region of the account, instead of O(base_url).
      - For API 1.0 (O(auth_type=hmac)) V(eu), V(de), V(us), V(usb), V(ca), V(za), V(au), and the offshore region as
        V(je) or V(jer) (both host names are seen); the host is C(<region>-api.mimecast.com).
      - For API 2.0 (O(auth_type=oauth2)) the gateways V(global) (api.services.mimecast.com), V(uk) and V(us)
        (C(<region>-api.services.mimecast.com)).
    type: str
    choices: [eu, de, us, usb, ca, za, au, je, jer, global, uk]
  auth_type:
    description:
      - V(hmac) for API 1.0 (access key, secret key, application id and key), V(oauth2) for API 2.0 (client id and
        secret).
      - By default, whichever set of credentials is given. Giving both sets needs this option to choose; the other
        set is then ignored.
      - If not set, the environment variable E(MIMECAST_AUTH_TYPE) is used.
      - Mimecast stopped issuing API 1.0 keys in 2025 and will retire them; new applications are API 2.0 only.
    type: str
    choices: [hmac, oauth2]
  access_key:
    description:
      - API 1.0 access key. If not set, the environment variable E(MIMECAST_ACCESS_KEY) is used.
    type: str
  secret_key:
    description:
      - API 1.0 secret key, base64 as the console shows it. If not set, the environment variable
        E(MIMECAST_SECRET_KEY) is used.
    type: str
  app_id:
    description:
      - API 1.0 application id. If not set, the environment variable E(MIMECAST_APP_ID) is used.
    type: str
  app_key:
    description:
      - API 1.0 application key. If not set, the environment variable E(MIMECAST_APP_KEY) is used.
    type: str
  client_id:
    description:
      - API 2.0 client id. If not set, the environment variable E(MIMECAST_CLIENT_ID) is used.
    type: str
  client_secret:
    description:
      - API 2.0 client secret. If not set, the environment variable E(MIMECAST_CLIENT_SECRET) is used.
    type: str
'''

    # the options of the search itself, shared by the module and the lookup
    SEARCH = r'''
options:
  search_path:
    description:
      - The search endpoint. Defaults to V(/api/tracking/search) for API 1.0 and V(/api/message-finder/search) for
        API 2.0; API 1.0 accounts can use V(/api/message-finder/search) too.
    type: str
    choices: [/api/tracking/search, /api/message-finder/search]
  start:
    description:
      - Start of the window. ISO 8601 (V(2026-11-22T08:00:00Z), V(2026-11-22T09:00:00+01:00)), V(now), or relative to
        now such as V(-90m), V(-6h) or V(-3d) (units s, m, h, d, w). Mimecast takes whole seconds.
      - Defaults to one hour before O(end).
    type: str
  end:
    description:
      - End of the window, in the same forms as O(start). Defaults to V(now).
    type: str
  search_reason:
    description:
      - The reason for the search, recorded by Mimecast for auditing.
    type: str
  message_id:
    description:
      - Search for this internet message id (the C(Message-ID) header).
      - An alternative to O(sender), O(recipient), O(subject), O(sender_ip) and O(route); give one or the other.
    type: str
  sender:
    description:
      - The sending address, or a domain (V(@example.com) or V(example.com)).
    type: str
    aliases: [from]
  recipient:
    description:
      - The recipient address, or a domain (V(@example.com) or V(example.com)).
    type: str
    aliases: [to]
  subject:
    description:
      - Text in the subject (matched case-insensitively).
    type: str
  sender_ip:
    description:
      - The source IP address. A CIDR network is applied to the results but cannot be sent to Mimecast, so it needs
        another criterion beside it.
    type: str
  route:
    description:
      - Only V(inbound), V(outbound) or V(internal) mail. Sent on the message finder path only
        (V(/api/message-finder/search)); with the tracking path it is applied to the results.
    type: str
    choices: [inbound, outbound, internal]
  slice:
    description:
      - Cut the window into consecutive parts of this length (like V(6h) or V(1d)), each searched on its own. Off by
        default, except that O(concurrency) above 1 cuts the window into three parts per worker, the longest first
        (see O(concurrency)). One second is the shortest.
      - Busy windows are split further by themselves, see O(result_cap); O(slice) saves the searches that would
        first reach the cap.
    type: str
  result_cap:
    description:
      - The most results Mimecast returns for one search. Mimecast does not document it, and a capped answer looks
        like a complete one, so any search whose answer holds this many results or more is split into two halves
        that are searched again, down to one second.
      - A one-second part that still reaches it fails the task naming that second (with O(allow_partial=true) it is
        returned in C(missing)).
      - A lower value costs more searches and never loses mail; a value above the real cap loses mail silently.
        Set it to the largest answer your account has been seen to return, if you know it.
    type: int
    default: 100
'''
