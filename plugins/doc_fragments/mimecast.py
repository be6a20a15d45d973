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
