# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Authentication: TMES Basic, Mimecast API 1.0 HMAC, Mimecast API 2.0 OAuth2.

For internal use by this collection only; the interface may change without notice.

Every method has the same small interface: ``apply(headers, method, path)`` adds
what one request needs (called again for every retry), ``refresh()`` is called
once after an HTTP 401 and says whether a retry with new credentials makes
sense, and ``unauthorized_hint()`` says what to check after a final 401.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import datetime
import hashlib
import hmac
import re
import threading
import time
import uuid

from ansible_collections.emailsec.tracking.plugins.module_utils._http import ApiError, ResponseError, json_body
from ansible_collections.emailsec.tracking.plugins.module_utils._mimecast import parse_error as mimecast_parse_error

_PRINTABLE_ASCII = re.compile(r"^[!-~](?:[ -~]*[!-~])?$")
_B64TOKEN = re.compile(r"^[A-Za-z0-9\-._~+/]+=*$")
TOKEN_RENEW_MARGIN = 60  # seconds before expiry at which an API 2.0 token is renewed


class CredentialError(ValueError):
    """Credentials that cannot work; raised before any request is sent."""


class TmesBasicAuth:
    """TMES: ``Authorization: Basic base64(username:api_key)``."""

    def __init__(self, username, api_key):
        if not username or not api_key:
            raise CredentialError("TMES needs both username and api_key (or TMES_USERNAME and TMES_API_KEY)")
        if ":" in username:
            raise CredentialError("username must not contain ':'; give the TMES API user name alone")
        self._header = "Basic " + base64.b64encode(("%s:%s" % (username, api_key)).encode("utf-8")).decode("ascii")

    def apply(self, headers, method, path):
        headers["Authorization"] = self._header
        return headers

    def refresh(self):
        return False

    def unauthorized_hint(self):
        return ("Check username and api_key (TMES_USERNAME, TMES_API_KEY): the API key must be active in the TMES "
                "console under Administration > Service Integration > API Access, and the region must match the "
                "account.")


def mimecast_date(moment):
    """``x-mc-date``: ``Tue, 24 Nov 2015 12:50:11 UTC`` (English names whatever the locale)."""
    days = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    moment = moment.astimezone(datetime.timezone.utc)
    return "%s, %02d %s %04d %02d:%02d:%02d UTC" % (
        days[moment.weekday()], moment.day, months[moment.month - 1], moment.year, moment.hour, moment.minute,
        moment.second)


def mimecast_signature(secret_key_bytes, date, request_id, path, app_key):
    """``base64(HMAC-SHA1(secret, "<date>:<request id>:<path>:<app key>"))`` as documented."""
    text = ":".join((date, request_id, path, app_key)).encode("utf-8")
    return base64.b64encode(hmac.new(secret_key_bytes, text, hashlib.sha1).digest()).decode("ascii")


def decode_secret_key(secret_key):
    try:
        return base64.b64decode(secret_key.strip().encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise CredentialError("secret_key is not valid base64: copy the Secret Key exactly as the Mimecast "
                              "Administration Console showed it (letters, digits, +, / and = padding)")


class MimecastHmacAuth:
    """Mimecast API 1.0: a signed ``Authorization: MC`` header and a fresh request id per request."""

    def __init__(self, access_key, secret_key, app_id, app_key, now=None, new_id=None):
        missing = [n for n, v in (("access_key", access_key), ("secret_key", secret_key), ("app_id", app_id),
                                  ("app_key", app_key)) if not v]
        if missing:
            raise CredentialError("Mimecast API 1.0 needs access_key, secret_key, app_id and app_key; missing: %s"
                                  % ", ".join(missing))
        for name, value in (("access_key", access_key), ("app_id", app_id)):
            if not _PRINTABLE_ASCII.match(value):
                # checked here, before any request: a header cannot carry it, and the message must not repeat it
                raise CredentialError("%s holds characters an HTTP header cannot carry (a line break, a blank at an "
                                      "end, or a character outside ASCII): copy it exactly as the Mimecast console "
                                      "shows it" % name)
        self.access_key = access_key
        self._secret = decode_secret_key(secret_key)
        self.app_id = app_id
        self._app_key = app_key
        self._now = now or (lambda: datetime.datetime.now(datetime.timezone.utc))
        self._new_id = new_id or (lambda: str(uuid.uuid4()))

    def apply(self, headers, method, path):
        date = mimecast_date(self._now())
        request_id = self._new_id()
        signature = mimecast_signature(self._secret, date, request_id, path, self._app_key)
        headers.update({"Authorization": "MC %s:%s" % (self.access_key, signature), "x-mc-date": date,
                        "x-mc-req-id": request_id, "x-mc-app-id": self.app_id})
        return headers

    def refresh(self):
        return False

    def unauthorized_hint(self):
        return ("Check the four API 1.0 values: access_key, secret_key, app_id and app_key (MIMECAST_ACCESS_KEY, "
                "MIMECAST_SECRET_KEY, MIMECAST_APP_ID, MIMECAST_APP_KEY), that they belong to the same application "
                "and region, and that this machine's clock is right (x-mc-date must be within 15 minutes).")


class MimecastOAuth2:
    """Mimecast API 2.0: a client-credentials token, cached, renewed before expiry and once after a 401."""

    def __init__(self, client, token_url, client_id, client_secret, clock=time.time):
        missing = [n for n, v in (("client_id", client_id), ("client_secret", client_secret)) if not v]
        if missing:
            raise CredentialError("Mimecast API 2.0 needs client_id and client_secret; missing: %s" % ", ".join(missing))
        self._client = client
        self._token_url = token_url
        self._form = {"client_id": client_id, "client_secret": client_secret, "grant_type": "client_credentials"}
        self._clock = clock
        self._lock = threading.Lock()
        self._token = None
        self._expires = 0.0
        self._margin = 0.0
        self.tokens_fetched = 0

    def _fetch(self):
        def decode(response):
            try:
                body = json_body(response)
            except ResponseError:
                raise ResponseError("the token response is not JSON")
            if not isinstance(body, dict) or not body.get("access_token"):
                raise ResponseError("the token response has no access_token")
            if not isinstance(body["access_token"], str) or not _B64TOKEN.match(body["access_token"]):
                # RFC 6750 b64token; anything else could not go into a header (and is not shown)
                raise ResponseError("the token response's access_token has characters a bearer token cannot have",
                                    final=True)
            try:
                lifetime = float(body.get("expires_in", 1799))
            except (TypeError, ValueError, OverflowError):
                raise ResponseError("the token response has an unreadable expires_in")
            if not 0 < lifetime <= 86400 * 366:
                raise ResponseError("the token response's expires_in is not a lifetime in seconds", final=True)
            return body["access_token"], lifetime

        def hint(status, code):
            if status in (400, 401):
                return ("Check client_id and client_secret (MIMECAST_CLIENT_ID, MIMECAST_CLIENT_SECRET) of the API 2.0 "
                        "application, and that base_url is the API 2.0 gateway of your region.")
            return None

        started = self._clock()
        token, lifetime = self._client.request("get a Mimecast API 2.0 access token", "POST", self._token_url,
                                               data=self._form, decode=decode, parse_error=mimecast_parse_error,
                                               hint_for=hint)
        self._token = token
        self._expires = started + lifetime
        # renew a minute early, or at the last tenth of a short lifetime
        self._margin = min(TOKEN_RENEW_MARGIN, lifetime / 10.0)
        self.tokens_fetched += 1

    def apply(self, headers, method, path):
        with self._lock:
            if self._token is None or self._clock() >= self._expires - self._margin:
                self._fetch()
            headers["Authorization"] = "Bearer " + self._token
        return headers

    def refresh(self):
        with self._lock:
            self._token = None
        return True

    def unauthorized_hint(self):
        return ("The API 2.0 token was refused even after renewing it: check that the application's client_id and "
                "client_secret are current and that it has the Message Finder (tracking) permission.")


__all__ = ["ApiError", "CredentialError", "TmesBasicAuth", "MimecastHmacAuth", "MimecastOAuth2", "mimecast_date",
           "mimecast_signature"]
