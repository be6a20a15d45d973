# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import datetime
import hashlib
import hmac as hmac_lib
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.emailsec.tracking.plugins.module_utils._auth import (
    CredentialError, MimecastHmacAuth, MimecastOAuth2, TmesBasicAuth, mimecast_date, mimecast_signature,
)
from ansible_collections.emailsec.tracking.plugins.module_utils._http import ApiError, HttpClient
from ansible_collections.emailsec.tracking.tests.unit.plugins.module_utils.helpers import response, scripted_client

UTC = datetime.timezone.utc
# computed outside Python, with: printf '%s' "<date>:<id>:<uri>:<app key>" | openssl dgst -sha1 -hmac <secret> -binary | base64
VECTOR = {
    "secret_key": "c2VjcmV0LWtleS1mb3ItdGVzdHM=",  # base64 of "secret-key-for-tests"
    "date": "Tue, 24 Nov 2015 12:50:11 UTC",
    "request_id": "8578FCFC-A305-4D9A-99CB-F4D5ECEFE297",
    "path": "/api/tracking/search",
    "app_key": "app-key-1",
    "signature": "RBuUohg8Ws1JWdH/nZmoTZnEkTI=",
}


def test_tmes_basic_header():
    headers = TmesBasicAuth("api-user", "k3y").apply({}, "GET", "/x")
    assert headers == {"Authorization": "Basic " + base64.b64encode(b"api-user:k3y").decode()}


@pytest.mark.parametrize("username, key, message", [
    (None, "k", "TMES needs both username and api_key (or TMES_USERNAME and TMES_API_KEY)"),
    ("u", "", "TMES needs both username and api_key (or TMES_USERNAME and TMES_API_KEY)"),
    ("a:b", "k", "username must not contain ':'; give the TMES API user name alone"),
])
def test_tmes_credentials_checked(username, key, message):
    with pytest.raises(CredentialError) as info:
        TmesBasicAuth(username, key)
    assert str(info.value) == message


def test_signature_matches_the_hand_computed_vector():
    secret = base64.b64decode(VECTOR["secret_key"])
    assert mimecast_signature(secret, VECTOR["date"], VECTOR["request_id"], VECTOR["path"],
                              VECTOR["app_key"]) == VECTOR["signature"]


def test_hmac_headers():
    moment = datetime.datetime(2015, 11, 24, 12, 50, 11, tzinfo=UTC)
    auth = MimecastHmacAuth("AK", VECTOR["secret_key"], "APP-ID", VECTOR["app_key"], now=lambda: moment,
                            new_id=lambda: VECTOR["request_id"])
    headers = auth.apply({}, "POST", VECTOR["path"])
    assert headers == {"Authorization": "MC AK:" + VECTOR["signature"], "x-mc-date": VECTOR["date"],
                       "x-mc-req-id": VECTOR["request_id"], "x-mc-app-id": "APP-ID"}


def test_every_request_gets_a_fresh_request_id():
    auth = MimecastHmacAuth("AK", VECTOR["secret_key"], "APP-ID", "key")
    ids = {auth.apply({}, "POST", "/p")["x-mc-req-id"] for dummy in range(50)}
    assert len(ids) == 50
    assert all(re.match(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", i) for i in ids)


@pytest.mark.parametrize("moment, text", [
    (datetime.datetime(2015, 11, 24, 12, 50, 11, tzinfo=UTC), "Tue, 24 Nov 2015 12:50:11 UTC"),
    (datetime.datetime(2026, 1, 4, 0, 0, 1, tzinfo=UTC), "Sun, 04 Jan 2026 00:00:01 UTC"),
    (datetime.datetime(2026, 7, 1, 2, 0, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=2))),
     "Wed, 01 Jul 2026 00:00:00 UTC"),
])
def test_mimecast_date_format(moment, text):
    assert mimecast_date(moment) == text


@pytest.mark.parametrize("secret", ["not base64!", "abc", "c2VjcmV0=x"])
def test_secret_key_must_be_base64(secret):
    with pytest.raises(CredentialError) as info:
        MimecastHmacAuth("AK", secret, "APP", "KEY")
    assert str(info.value).startswith("secret_key is not valid base64")
    assert secret not in str(info.value)


def test_incomplete_hmac_set_names_what_is_missing():
    with pytest.raises(CredentialError) as info:
        MimecastHmacAuth("AK", None, "", "KEY")
    assert str(info.value) == ("Mimecast API 1.0 needs access_key, secret_key, app_id and app_key; missing: "
                               "secret_key, app_id")


@settings(max_examples=200, deadline=None)
@given(st.datetimes(min_value=datetime.datetime(2000, 1, 1), max_value=datetime.datetime(2099, 12, 31)),
       st.uuids(), st.text(alphabet="abcdefghijklmnopqrstuvwxyz/-_", min_size=1, max_size=40),
       st.binary(min_size=1, max_size=64), st.text(min_size=1, max_size=40))
def test_signature_equals_an_independent_computation(moment, request_id, path, secret, app_key):
    moment = moment.replace(tzinfo=UTC)
    secret_b64 = base64.b64encode(secret).decode()
    auth = MimecastHmacAuth("AK", secret_b64, "APP", app_key, now=lambda: moment, new_id=lambda: str(request_id))
    headers = auth.apply({}, "POST", "/" + path)
    # the documented formula, written out again without the module's helpers
    date = moment.strftime("%a, %d %b %Y %H:%M:%S") + " UTC"
    data = (date + ":" + str(request_id) + ":/" + path + ":" + app_key).encode("utf-8")
    expected = base64.b64encode(hmac_lib.new(secret, data, hashlib.sha1).digest()).decode()
    assert headers["x-mc-date"] == date
    assert headers["Authorization"] == "MC AK:" + expected


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def token_answer(token, lifetime=1799):
    return response(200, {"access_token": token, "token_type": "Bearer", "expires_in": lifetime})


def test_oauth_token_is_cached_and_renewed_before_expiry():
    clock = Clock()
    http = HttpClient()
    session = scripted_client(http, [token_answer("t1", 600), token_answer("t2", 600)])
    auth = MimecastOAuth2(http, "https://api.example/oauth/token", "id", "secret", clock=clock)
    assert auth.apply({}, "POST", "/p") == {"Authorization": "Bearer t1"}
    clock.now += 500
    assert auth.apply({}, "POST", "/p") == {"Authorization": "Bearer t1"}
    clock.now += 45  # within a minute of expiry
    assert auth.apply({}, "POST", "/p") == {"Authorization": "Bearer t2"}
    assert auth.tokens_fetched == 2
    assert session.calls[0]["data"] == {"client_id": "id", "client_secret": "secret",
                                        "grant_type": "client_credentials"}


def test_short_token_lifetimes_are_renewed_at_the_last_tenth():
    clock = Clock()
    http = HttpClient()
    scripted_client(http, [token_answer("t1", 10), token_answer("t2", 10)])
    auth = MimecastOAuth2(http, "https://api.example/oauth/token", "id", "secret", clock=clock)
    auth.apply({}, "POST", "/p")
    clock.now += 8.9
    assert auth.apply({}, "POST", "/p")["Authorization"] == "Bearer t1"
    clock.now += 0.2
    assert auth.apply({}, "POST", "/p")["Authorization"] == "Bearer t2"


def test_oauth_refresh_after_401_gets_a_new_token():
    http = HttpClient()
    scripted_client(http, [token_answer("t1"), response(401, {"fail": []}), token_answer("t2"),
                           response(200, {"ok": True})])
    auth = MimecastOAuth2(http, "https://api.example/oauth/token", "id", "secret")
    assert http.request("search", "POST", "https://api.example/api/message-finder/search", auth=auth,
                        decode=lambda r: r.json()) == {"ok": True}
    assert auth.tokens_fetched == 2


@pytest.mark.parametrize("answer, cause", [
    (response(200, {"token_type": "Bearer"}), "the token response has no access_token"),
    (response(200, raw=b"<html>"), "the token response is not JSON"),
    (response(200, {"access_token": "x", "expires_in": "soon"}), "the token response has an unreadable expires_in"),
])
def test_bad_token_responses(answer, cause):
    http = HttpClient(retries=0)
    scripted_client(http, [answer])
    auth = MimecastOAuth2(http, "https://api.example/oauth/token", "id", "secret")
    with pytest.raises(ApiError) as info:
        auth.apply({}, "POST", "/p")
    assert cause in info.value.message


def test_refused_client_credentials_say_what_to_check():
    http = HttpClient()
    refusal = {"error": "invalid_client", "error_description": "Client authentication failed."}
    scripted_client(http, [response(401, refusal)])
    auth = MimecastOAuth2(http, "https://api.example/oauth/token", "id", "s3cr3t")
    with pytest.raises(ApiError) as info:
        auth.apply({}, "POST", "/p")
    assert info.value.code == "invalid_client" and "Check client_id and client_secret" in info.value.message
    assert "s3cr3t" not in info.value.message


def test_incomplete_oauth_set():
    with pytest.raises(CredentialError) as info:
        MimecastOAuth2(None, "u", "id", None)
    assert str(info.value) == "Mimecast API 2.0 needs client_id and client_secret; missing: client_secret"


@pytest.mark.parametrize("access_key, app_id", [("AKEY-1\r\nX: y", "APPID-1"), ("AKEY-1", "APPID-1\u20ac"),
                                                (" AKEY-1", "APPID-1")])
def test_header_values_that_http_cannot_carry_are_refused_before_any_request(access_key, app_id):
    with pytest.raises(CredentialError) as info:
        MimecastHmacAuth(access_key, base64.b64encode(b"secret").decode(), app_id, "appkey")
    assert "characters an HTTP header cannot carry" in str(info.value)
    assert access_key not in str(info.value) and app_id not in str(info.value)
