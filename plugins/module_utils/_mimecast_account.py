# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A Mimecast account: its credentials and options, which API (1.0 HMAC or 2.0 OAuth2), where, and the client for
it; the base of every Mimecast module that acts.

For internal use by this collection only; the interface may change without notice.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import os

from ansible.module_utils.basic import env_fallback

from ansible_collections.emailsec.tracking.plugins.module_utils._auth import MimecastHmacAuth, MimecastOAuth2
from ansible_collections.emailsec.tracking.plugins.module_utils._mimecast import (
    HMAC_REGIONS, OAUTH2_REGIONS, TOKEN_PATH, MimecastClient,
)
from ansible_collections.emailsec.tracking.plugins.module_utils._module import (
    InputError, TrackingModule, check_base_url,
)
from ansible_collections.emailsec.tracking.plugins.module_utils._timewindow import resolve_window, utc_now

HMAC_KEYS = ("access_key", "secret_key", "app_id", "app_key")
OAUTH2_KEYS = ("client_id", "client_secret")


def auth_argspec():
    """The Mimecast credentials and where to send them: every Mimecast module and lookup takes these."""
    return dict(
        base_url=dict(type="str"),
        region=dict(type="str", choices=sorted(set(HMAC_REGIONS) | set(OAUTH2_REGIONS))),
        auth_type=dict(type="str", choices=["hmac", "oauth2"]),
        access_key=dict(type="str", no_log=False, fallback=(env_fallback, ["MIMECAST_ACCESS_KEY"])),
        secret_key=dict(type="str", no_log=True, fallback=(env_fallback, ["MIMECAST_SECRET_KEY"])),
        app_id=dict(type="str", fallback=(env_fallback, ["MIMECAST_APP_ID"])),
        app_key=dict(type="str", no_log=True, fallback=(env_fallback, ["MIMECAST_APP_KEY"])),
        client_id=dict(type="str", fallback=(env_fallback, ["MIMECAST_CLIENT_ID"])),
        client_secret=dict(type="str", no_log=True, fallback=(env_fallback, ["MIMECAST_CLIENT_SECRET"])),
    )


class MimecastCredentials:
    """Which API, where, and the auth for it: mixed into every Mimecast module (needs self.params)."""

    def auth_type(self):
        p = self.params
        hmac_given = any(p[k] for k in HMAC_KEYS)
        oauth_given = any(p[k] for k in OAUTH2_KEYS)
        if p["auth_type"]:
            return p["auth_type"]
        chosen = os.environ.get("MIMECAST_AUTH_TYPE", "").strip()  # an AWX injector gives "" for an empty field
        if chosen:
            if chosen not in ("hmac", "oauth2"):
                raise InputError("MIMECAST_AUTH_TYPE %r is not an auth type; use hmac or oauth2" % chosen)
            return chosen
        if hmac_given and oauth_given:
            raise InputError("credentials for both API 1.0 (%s) and API 2.0 (%s) are given: set auth_type to hmac or "
                             "oauth2 to choose, or remove one set (check the MIMECAST_* environment variables too)"
                             % (", ".join(k for k in HMAC_KEYS if p[k]), ", ".join(k for k in OAUTH2_KEYS if p[k])))
        if hmac_given:
            return "hmac"
        if oauth_given:
            return "oauth2"
        raise InputError("no Mimecast credentials: give client_id and client_secret (API 2.0), or access_key, "
                         "secret_key, app_id and app_key (API 1.0), as options or MIMECAST_* environment variables")

    def base_url(self, auth_type):
        p = self.params
        regions = HMAC_REGIONS if auth_type == "hmac" else OAUTH2_REGIONS
        if p["region"]:
            if p["region"] not in regions:
                raise InputError("region %s is not an API %s region; use one of: %s" % (
                    p["region"], "1.0" if auth_type == "hmac" else "2.0", ", ".join(sorted(regions))))
            return regions[p["region"]]
        if p["base_url"]:
            return check_base_url(p["base_url"], "base_url")
        if os.environ.get("MIMECAST_BASE_URL"):
            return check_base_url(os.environ["MIMECAST_BASE_URL"], "base_url (from MIMECAST_BASE_URL)")
        if auth_type == "oauth2":
            return OAUTH2_REGIONS["global"]
        raise InputError("API 1.0 needs base_url or region (eu, de, us, usb, ca, za, au, je, jer); "
                         "https://api.mimecast.com/api/login/discover-authentication tells your region")

    def mimecast_auth(self, http, auth_type, base_url):
        p = self.params
        if auth_type == "hmac":
            return MimecastHmacAuth(*(p[k] for k in HMAC_KEYS))
        return MimecastOAuth2(http, base_url.rstrip("/") + TOKEN_PATH, p["client_id"], p["client_secret"])


class MimecastAction(MimecastCredentials, TrackingModule):
    """The base of the Mimecast modules that act: credentials, connection, the client."""

    output = False
    resolution = datetime.timedelta(seconds=1)

    def client(self):
        self.check_common()
        auth_type = self.auth_type()
        base_url = self.base_url(auth_type)
        http = self.http_client()
        return MimecastClient(http, base_url, self.mimecast_auth(http, auth_type, base_url))

    def window(self, default_days):
        p = self.params
        return resolve_window(p.get("start"), p.get("end"), utc_now(), datetime.timedelta(days=default_days))
