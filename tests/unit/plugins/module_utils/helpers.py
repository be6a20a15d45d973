# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Scripted HTTP for unit tests: each expected call and its canned answer, in order."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import requests
from requests.structures import CaseInsensitiveDict


def response(status=200, body=None, headers=None, raw=None):
    """A requests.Response with a JSON (or raw) body."""
    result = requests.Response()
    result.status_code = status
    result.reason = {200: "OK", 204: "No Content", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
                     404: "Not Found", 418: "I'm a Teapot", 429: "Too Many Requests", 500: "Internal Server Error",
                     502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}.get(status, "")
    result.headers = CaseInsensitiveDict(headers or {})
    if raw is not None:
        result._content = raw
    elif body is not None:
        result._content = json.dumps(body).encode("utf-8")
        result.headers.setdefault("Content-Type", "application/json")
    else:
        result._content = b""
    return result


class ScriptedSession:
    """Stands in for requests.Session.request: answers from a script and records every call."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.calls = []

    def __call__(self, method, url, params=None, data=None, json=None, headers=None, timeout=None,
                 allow_redirects=True, **transport):
        self.calls.append({"method": method, "url": url, "params": params, "data": data, "json": json,
                           "headers": dict(headers or {}), "timeout": timeout, "allow_redirects": allow_redirects,
                           "transport": transport})
        if not self.answers:
            raise AssertionError("unexpected request %s %s" % (method, url))
        answer = self.answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        if callable(answer):
            return answer(method, url, params, headers)
        return answer


def scripted_client(client, answers):
    """Make ``client`` (an HttpClient) answer from ``answers``; sleeping is recorded, not done."""
    session = ScriptedSession(answers)
    client.session.request = session
    client.sleeps = []
    client.sleep = client.sleeps.append
    return session
