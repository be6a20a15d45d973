# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures: a sandbox on a free loopback port, and clients that speak each vendor's protocol."""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import urllib.parse
import uuid

import pytest
import requests

from tests.sandbox import Sandbox


def mc_date(moment=None) -> str:
    moment = moment or datetime.datetime.now(datetime.timezone.utc)
    return moment.strftime("%a, %d %b %Y %H:%M:%S") + " UTC"


def body_date(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+0000")


def tmes_time(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Clients:
    """Well-behaved clients for one running sandbox, with hooks to misbehave."""

    def __init__(self, sandbox: Sandbox):
        self.sandbox = sandbox
        self.url = sandbox.url
        self.info = sandbox.describe()
        self.http = requests.Session()

    # TMES ---------------------------------------------------------------------------------------
    def tmes_auth(self):
        return (self.info["tmes"]["username"], self.info["tmes"]["api_key"])

    def tmes(self, params=None, raw_query=None, auth=True, method="GET"):
        url = self.url + "/api/v1/log/mailtrackinglog"
        if raw_query is not None:
            url += "?" + raw_query
            params = None
        return self.http.request(method, url, params=params, auth=self.tmes_auth() if auth else None, timeout=30)

    def tmes_all(self, params):
        """Every page of a query, decoding each nextToken once as a correct client must."""
        pages, logs = 0, []
        params = dict(params)
        while True:
            response = self.tmes(params)
            pages += 1
            if response.status_code == 204:
                return logs, pages
            assert response.status_code == 200, response.text
            body = response.json()
            logs.extend(body["logs"])
            if "nextToken" not in body:
                return logs, pages
            params["token"] = urllib.parse.unquote(body["nextToken"])

    # Mimecast -----------------------------------------------------------------------------------
    def mc_headers(self, path, access_key=None, secret_key=None, app_id=None, app_key=None, date=None,
                   request_id=None):
        mc = self.info["mimecast"]
        date = date or mc_date()
        request_id = request_id or str(uuid.uuid4())
        key = base64.b64decode(secret_key or mc["secret_key"])
        text = ":".join([date, request_id, path, app_key or mc["app_key"]]).encode()
        sig = base64.b64encode(hmac.new(key, text, hashlib.sha1).digest()).decode()
        return {"Authorization": "MC %s:%s" % (access_key or mc["access_key"], sig), "x-mc-date": date,
                "x-mc-req-id": request_id, "x-mc-app-id": app_id or mc["app_id"],
                "Content-Type": "application/json", "Accept": "application/json"}

    def mc_search(self, item, path="/api/tracking/search", headers=None, body=None, **sign):
        headers = headers if headers is not None else self.mc_headers(path, **sign)
        payload = body if body is not None else json.dumps({"data": [item]})
        return self.http.post(self.url + path, data=payload, headers=headers, timeout=30)

    def oauth_token(self, client_id=None, client_secret=None, grant_type="client_credentials"):
        mc = self.info["mimecast"]
        return self.http.post(self.url + "/oauth/token", data={
            "client_id": client_id or mc["client_id"], "client_secret": client_secret or mc["client_secret"],
            "grant_type": grant_type}, timeout=30)

    def bearer_search(self, item, token, path="/api/message-finder/search"):
        return self.http.post(self.url + path, json={"data": [item]},
                              headers={"Authorization": "Bearer " + token}, timeout=30)

    # control --------------------------------------------------------------------------------------
    def fault(self, **spec):
        response = self.http.post(self.url + "/_sandbox/faults", json=spec, timeout=10)
        assert response.status_code == 201, response.text
        return response.json()

    def stats(self):
        return self.http.get(self.url + "/_sandbox/stats", timeout=10).json()


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox(seed=7, tmes_records=4000, mimecast_records=2000, token_lifetime=60) as running:
        yield running


@pytest.fixture()
def api(sandbox):  # pylint: disable=redefined-outer-name
    sandbox.state.faults.clear()
    client = Clients(sandbox)
    yield client
    sandbox.state.faults.clear()
    client.http.close()
