# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Polling with a deadline, creates sent at most once, and the rails of the modules that act."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
import requests

from ansible_collections.emailsec.tracking.plugins.module_utils import _rails
from ansible_collections.emailsec.tracking.plugins.module_utils._http import ApiError, HttpClient
from ansible_collections.emailsec.tracking.plugins.module_utils._mimecast import MimecastClient
from ansible_collections.emailsec.tracking.plugins.module_utils._retry import poll_until
from ansible_collections.emailsec.tracking.tests.unit.plugins.module_utils.helpers import response, scripted_client


class Clock:
    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def test_poll_until_reads_until_done():
    clock = Clock()
    values = iter([1, 2, 3])
    polled = poll_until(lambda: next(values), lambda v: v >= 2, 0, interval=5, timeout=60, clock=clock,
                        sleep=clock.sleep)
    assert (polled.value, polled.done, polled.reads, clock.sleeps) == (2, True, 2, [5, 5])


def test_poll_until_reads_at_least_min_reads_even_when_the_first_value_looks_done():
    clock = Clock()
    polled = poll_until(lambda: "read", lambda v: True, "first", interval=1, timeout=60, clock=clock,
                        sleep=clock.sleep, min_reads=1)
    assert (polled.value, polled.reads) == ("read", 1)


def test_poll_until_keeps_its_deadline_and_says_it_was_not_done():
    clock = Clock()
    polled = poll_until(lambda: 0, lambda v: False, 0, interval=4, timeout=10, clock=clock, sleep=clock.sleep)
    assert polled.done is False
    assert clock.sleeps == [4, 4, 2]  # the last wait cut to what was left: never past the timeout
    assert polled.reads == 3


def envelope(data):
    return response(200, {"meta": {"status": 200}, "data": data, "fail": []})


def test_a_create_answered_502_is_not_sent_again_when_it_is_found():
    http = HttpClient(retries=3, retry_max_delay=0)
    session = scripted_client(http, [response(502, raw=b"<html>Bad gateway</html>")])
    client = MimecastClient(http, "https://mc.example", None)
    found = []
    body, adopted = client.create("open", "/api/x/create", [{"a": 1}], lambda: found.append(1) or {"id": "made"})
    assert (body, adopted) == (None, {"id": "made"})
    assert len(session.calls) == 1 and found == [1]


def test_a_create_that_timed_out_is_looked_for_then_sent_again():
    http = HttpClient(retries=3, retry_max_delay=0)
    session = scripted_client(http, [requests.exceptions.ReadTimeout("read timed out"), envelope([{"id": "new"}])])
    client = MimecastClient(http, "https://mc.example", None)
    looked = []
    body, adopted = client.create("open", "/api/x/create", [{"a": 1}], lambda: looked.append(1))
    assert body["data"] == [{"id": "new"}] and adopted is None
    assert len(session.calls) == 2 and looked == [1]


def test_a_create_refused_by_a_429_is_retried_without_looking():
    http = HttpClient(retries=3, retry_max_delay=0)
    session = scripted_client(http, [response(429, {}), envelope([{"id": "new"}])])
    client = MimecastClient(http, "https://mc.example", None)
    body, adopted = client.create("open", "/api/x/create", [{}], lambda: pytest.fail("looked for nothing"))
    assert body["data"] == [{"id": "new"}] and len(session.calls) == 2


def test_a_create_that_keeps_failing_says_it_looked():
    http = HttpClient(retries=1, retry_max_delay=0)
    scripted_client(http, [response(503, {}), response(503, {})])
    client = MimecastClient(http, "https://mc.example", None)
    with pytest.raises(ApiError) as info:
        client.create("open", "/api/x/create", [{}], lambda: None)
    assert "sent 2 times, each only after looking" in info.value.message and info.value.attempts == 2


def test_an_idempotent_request_is_still_retried():
    http = HttpClient(retries=2, retry_max_delay=0)
    session = scripted_client(http, [response(502, {}), envelope([])])
    client = MimecastClient(http, "https://mc.example", None)
    assert client.post("read", "/api/x/get", [])["data"] == []
    assert len(session.calls) == 2


@pytest.mark.parametrize("value, message", [
    ("", "is empty"), ("  ", "is empty"), ("@", "is empty"), ("@@", "is empty"), ("*", "wildcard"),
    ("@*", "wildcard"), ("*@evil.example", "wildcard"), ("a@b@c.example", "not an email address"),
    ("evil", "neither an email address nor a domain"), ("evil.example.", "neither an email address nor a domain"),
    (None, "is empty"),
])
def test_addresses_that_could_select_everything_are_refused(value, message):
    with pytest.raises(_rails.RailError) as info:
        _rails.address_target(value, "sender", patterns=True)
    assert message in str(info.value)


def test_address_forms():
    assert _rails.address_target("Billing@Evil.example", "sender") == ("address", "billing@evil.example")
    assert _rails.address_target("@evil.example", "sender") == ("domain", "evil.example")
    assert _rails.address_target("*.evil.example", "sender", patterns=True) == ("subdomains", "evil.example")
    with pytest.raises(_rails.RailError):
        _rails.address_target("*.evil.example", "sender")  # a policy cannot take a pattern


@pytest.mark.parametrize("rule, own, refused", [
    (("domain", "gmail.com"), (), True), (("domain", "mail.yahoo.com"), (), True), (("address", "x@gmail.com"), (), False),
    (("domain", "evil.example"), (), False), (("domain", "acme.example"), ("acme.example",), True),
    (("domain", "eu.acme.example"), ("acme.example",), True), (("subdomains", "example"), ("acme.example",), True),
    (("subdomains", "outlook.com"), (), True),
])
def test_broad_targets_need_allow_broad(rule, own, refused):
    if refused:
        with pytest.raises(_rails.RailError):
            _rails.refuse_broad(rule, "sender", own)
        _rails.refuse_broad(rule, "sender", own, allow_broad=True)
    else:
        _rails.refuse_broad(rule, "sender", own)


def test_text_message_id_and_url_rails():
    assert _rails.text_criterion(" invoice ", "subject") == "invoice"
    with pytest.raises(_rails.RailError):
        _rails.text_criterion(" a ", "subject")
    assert _rails.message_id("abc@x.example") == "<abc@x.example>"
    for bad in (" ", "<>", "< >", "a b@x", "*"):
        with pytest.raises(_rails.RailError):
            _rails.message_id(bad)
    assert _rails.url_target("https://evil.example/pay?x=1") == "https://evil.example/pay?x=1"
    for bad in ("", "*", "http", "docs.google.com", "https://", "https://evil/x", "ftp://evil.example/x"):
        with pytest.raises(_rails.RailError):
            _rails.url_target(bad)
    for broad in ("https://docs.google.com/", "https://acme.example"):
        with pytest.raises(_rails.RailError):
            _rails.url_target(broad, own=("acme.example",))
        assert _rails.url_target(broad, own=("acme.example",), allow_broad=True)
    assert _rails.url_target("https://docs.google.com/forms/d/e/1FAIpQ/viewform")


def test_own_domains_are_checked():
    assert _rails.own_domains(["ACME.example", "@acme-labs.example"]) == ["acme.example", "acme-labs.example"]
    with pytest.raises(_rails.RailError):
        _rails.own_domains(["ceo@acme.example"])
    with pytest.raises(_rails.RailError):
        _rails.own_domains([" "])


def test_a_request_cut_by_the_run_deadline_says_so():
    """Not "no complete answer within the timeout of 30 seconds" when the task's total_timeout cut it."""
    now = [0.0]
    http = HttpClient(retries=3, retry_max_delay=0, total_timeout=5, monotonic=lambda: now[0])

    def slow(*args, **kwargs):
        now[0] = 5.0
        raise requests.exceptions.ReadTimeout("read timed out")

    scripted_client(http, [slow])
    client = MimecastClient(http, "https://mc.example", None)
    with pytest.raises(ApiError) as info:
        client.post("read", "/api/x/get", [])
    assert "total_timeout of 5 seconds ran out during a request" in info.value.message
    assert "30" not in info.value.message


def test_a_form_secret_echoed_by_a_token_endpoint_is_redacted():
    http = HttpClient(retries=0)
    scripted_client(http, [response(401, {"error": "invalid_client",
                                          "error_description": "bad client_secret=SECRET-CLIENT-SECRET-xyz"})])
    with pytest.raises(ApiError) as info:
        http.request("get a token", "POST", "https://mc.example/oauth/token",
                     data={"client_id": "cid", "client_secret": "SECRET-CLIENT-SECRET-xyz"},
                     parse_error=lambda r: (r.json()["error"], r.json()["error_description"]))
    assert "SECRET-CLIENT-SECRET-xyz" not in info.value.message and "[redacted]" in info.value.message


def test_a_create_refused_in_fail_on_http_200_is_retried_without_looking():
    """The captured refusal (chronicle-3, retryable true) says Mimecast did not act: nothing to look for."""
    refusal = {"meta": {"status": 200}, "data": [], "fail": [{"key": {"option": "block_sender"}, "errors": [
        {"field": "policy", "code": "err_policy_invalid_from_value", "message": "Invalid fromValue",
         "retryable": True}]}]}
    http = HttpClient(retries=1, retry_max_delay=0)
    session = scripted_client(http, [response(200, refusal), response(200, refusal)])
    client = MimecastClient(http, "https://mc.example", None)
    with pytest.raises(ApiError) as info:
        client.create("write", "/api/x/create", [{}], lambda: pytest.fail("looked for a refused create"))
    assert info.value.code == "err_policy_invalid_from_value" and len(session.calls) == 2


@pytest.mark.parametrize("domain", ["yahoo.co.uk", "hotmail.co.uk", "outlook.de", "protonmail.ch", "gmx.at",
                                    "googlegroups.com", "blogspot.com", "web.app", "pages.dev", "workers.dev",
                                    "herokuapp.com", "firebaseapp.com", "evil.blogspot.com"])
def test_country_variants_of_free_mail_and_hosting_platforms_are_broad(domain):
    with pytest.raises(_rails.RailError):
        _rails.refuse_broad(("domain", domain), "sender")
    _rails.refuse_broad(("domain", domain), "sender", allow_broad=True)


@pytest.mark.parametrize("rule", [("domain", "co.uk"), ("subdomains", "co.uk"), ("subdomains", "com.au")])
def test_a_public_suffix_is_never_a_target_even_with_allow_broad(rule):
    with pytest.raises(_rails.RailError) as info:
        _rails.refuse_broad(rule, "sender", allow_broad=True)
    assert "public suffix" in str(info.value)
    _rails.refuse_broad(("domain", "evil.co.uk"), "sender")  # one organisation under it is fine
