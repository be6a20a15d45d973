# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The catalogue of wrong inputs: each gets its exact message, and none reaches the vendor."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

import pytest

from ansible_collections.emailsec.tracking.plugins.modules import mimecast_tracking_search, tmes_mail_tracking_info
from ansible_collections.emailsec.tracking.tests.unit.plugins.modules.utils import run_module

TMES = "tmes"
MIMECAST = "mimecast"

# (module, arguments on top of valid ones, the exact message or a prefix ending in '...')
CATALOGUE = [
    (TMES, {"start": "yesterday"}, "start: 'yesterday' is not an ISO 8601 time; write it like 2026-11-22T08:00:00Z, "
                                   "2026-11-22T09:00:00+01:00, 'now' or -6h"),
    (TMES, {"start": "2026-13-01T00:00:00Z"}, "start: '2026-13-01T00:00:00Z' is not a valid date or time (month "
                                              "must be in 1..12)"),
    (TMES, {"end": "2026-11-22T08:00:00 CET"}, "end: '2026-11-22T08:00:00 CET' is not an ISO 8601 time (time zone "
                                               "names are not accepted: write Z for UTC or a numeric offset such as "
                                               "+02:00); write it like 2026-11-22T08:00:00Z, "
                                               "2026-11-22T09:00:00+01:00, 'now' or -6h"),
    (TMES, {"start": "2026-11-22T08:00:00+24:00"}, "start: the offset +24:00 in '2026-11-22T08:00:00+24:00' is out "
                                                   "of range"),
    (TMES, {"start": "-5y"}, "start: unit 'y' in '-5y' is not known; use s (seconds), m (minutes), h (hours), "
                             "d (days) or w (weeks)"),
    (TMES, {"start": "-6 hours"}, "start: unit 'hours' in '-6 hours' is not known; use s (seconds), m (minutes), "
                                  "h (hours), d (days) or w (weeks)"),
    (TMES, {"start": "-1h", "end": "-2h"}, "end (...) is before start (...); the window must end no earlier than it "
                                           "starts"),
    (TMES, {"start": "-73h"}, "start ... is more than 72 hours before now (...): TMES keeps mail tracking logs "
                              "searchable for 72 hours; use a start after ..."),
    (TMES, {"start": "-5d", "end": "-4d"}, "start ... is more than 72 hours before now (...)..."),
    (TMES, {"page_size": 0}, "page_size must be from 1 to 500 (TMES returns at most 500 records a page), got 0"),
    (TMES, {"page_size": 501}, "page_size must be from 1 to 500 (TMES returns at most 500 records a page), got 501"),
    (TMES, {"page_size": "ten"}, "argument 'page_size' is of type ... and we were unable to convert to int: ..."),
    (TMES, {"region": "mars", "api_url": None}, "value of region must be one of: anz, eu, in, jp, sg, uae, uk, us, got: mars"),
    (TMES, {"region": "eu", "api_url": "https://api.tmes.trendmicro.eu"},
     "parameters are mutually exclusive: api_url|region"),
    (TMES, {"api_url": "api.tmes.trendmicro.com"}, "api_url: 'api.tmes.trendmicro.com' is not an absolute URL; "
                                                   "write it with its scheme, like https://api.example.com"),
    (TMES, {"api_url": "https://api.tmes.trendmicro.com/api/v1"}, "api_url: 'https://api.tmes.trendmicro.com/api/v1' "
                                                                  "has a path, query or fragment; give the scheme and "
                                                                  "host only, like https://api.tmes.trendmicro.com"),
    (TMES, {"api_url": "https://api.tmes.trendmicro.com?x=1"}, "api_url: 'https://api.tmes.trendmicro.com?x=1' has a "
                                                               "path, query or fragment; give the scheme and host "
                                                               "only, like https://api.tmes.trendmicro.com"),
    (TMES, {"api_url": "http://api.tmes.trendmicro.com"}, "api_url: 'http://api.tmes.trendmicro.com' uses plain "
                                                          "http, which would send the credentials unencrypted; use "
                                                          "https (plain http is accepted only for a loopback address "
                                                          "such as a local sandbox)"),
    (TMES, {"api_url": "https://user:pw@api.tmes.trendmicro.com"}, "api_url must not carry credentials; give them in "
                                                                   "their own options"),
    (TMES, {"api_key": None}, "TMES needs both username and api_key (or TMES_USERNAME and TMES_API_KEY)"),
    (TMES, {"username": None}, "TMES needs both username and api_key (or TMES_USERNAME and TMES_API_KEY)"),
    (TMES, {"traffic_type": "all"}, "value of traffic_type must be one of: accepted_traffic, blocked_traffic, got: "
                                    "all"),
    (TMES, {"sender_ip": "203.0.113.300"}, "sender_ip: '203.0.113.300' is not an IP address or CIDR network; write "
                                           "203.0.113.7, 203.0.113.0/24 or 2001:db8::/32"),
    (TMES, {"sender_ip": "203.0.113.0/33"}, "sender_ip: '203.0.113.0/33' is not an IP address or CIDR network; write "
                                            "203.0.113.7, 203.0.113.0/24 or 2001:db8::/32"),
    (TMES, {"attachment_sha256": "abc123"}, "attachment_sha256: 'abc123' is not a SHA-256; give 64 hexadecimal "
                                            "digits (it has 6 characters)"),
    (TMES, {"attachment_sha256": "a" * 65}, "attachment_sha256: '%s' is not a SHA-256; give 64 hexadecimal digits "
                                            "(it has 65 characters)" % ("a" * 65)),
    (TMES, {"sender": "billing@@evil.example"}, "sender: 'billing@@evil.example' is not an email address; write "
                                                "user@example.com, or @example.com for a whole domain"),
    (TMES, {"recipient": "anna"}, "recipient: 'anna' is neither an email address nor a domain; write "
                                  "user@example.com or @example.com"),
    (TMES, {"query": "[?action=='Delivered'"}, "query: \"[?action=='Delivered'\" is not a valid JMESPath "
                                               "expression: ..."),
    (TMES, {"dest": "/nonexistent-dir/out.jsonl"}, "dest: the directory /nonexistent-dir does not exist; create it "
                                                   "first or choose another path"),
    (TMES, {"dest": "/tmp"}, "dest: /tmp is a directory; give a file path such as /tmp/records.jsonl"),
    (TMES, {"concurrency": 0}, "concurrency must be from 1 to 16, got 0"),
    (TMES, {"concurrency": 17}, "concurrency must be from 1 to 16, got 17"),
    (TMES, {"max_records": 0}, "max_records must be 1 or more, got 0"),
    (TMES, {"timeout": 0}, "timeout must be more than 0 seconds, got 0.0"),
    (TMES, {"retries": -1}, "retries must be 0 or more, got -1"),
    (TMES, {"ca_path": "/nonexistent/ca.pem"}, "ca_path /nonexistent/ca.pem is not a file; give the path of a PEM CA "
                                               "bundle"),
    (TMES, {"token": "esr1.garbage"}, "token is not a resume token from this module: pass the next_token value of an "
                                      "earlier run unchanged"),
    (TMES, {"token": "raw-vendor-token", "concurrency": 4},
     "a TMES nextToken continues one query: use concurrency 1 with it"),
    (MIMECAST, {"message_id": "<a@b.example>"}, "message_id and sender are alternatives: search by message id alone, "
                                                "or by the advanced options without message_id"),
    (MIMECAST, {"sender": None}, "nothing to search for: give message_id, or at least one of sender, recipient, "
                                 "subject, sender_ip, route"),
    (MIMECAST, {"secret_key": "this is not base64!"}, "secret_key is not valid base64: copy the Secret Key exactly as "
                                                      "the Mimecast Administration Console showed it (letters, digits, "
                                                      "+, / and = padding)"),
    (MIMECAST, {"app_key": None}, "Mimecast API 1.0 needs access_key, secret_key, app_id and app_key; missing: "
                                  "app_key"),
    (MIMECAST, {"client_id": "cid", "client_secret": "cs"}, "credentials for both API 1.0 (access_key, secret_key, "
                                                            "app_id, app_key) and API 2.0 (client_id, client_secret) "
                                                            "are given: set auth_type to hmac or oauth2 to choose, or "
                                                            "remove one set (check the MIMECAST_* environment "
                                                            "variables too)"),
    (MIMECAST, {"access_key": None, "secret_key": None, "app_id": None, "app_key": None, "client_id": "cid"},
     "Mimecast API 2.0 needs client_id and client_secret; missing: client_secret"),
    (MIMECAST, {"access_key": None, "secret_key": None, "app_id": None, "app_key": None},
     "no Mimecast credentials: give client_id and client_secret (API 2.0), or access_key, secret_key, app_id and "
     "app_key (API 1.0), as options or MIMECAST_* environment variables"),
    (MIMECAST, {"region": "global", "base_url": None}, "region global is not an API 1.0 region; use one of: au, ca, "
                                                       "de, eu, je, jer, us, usb, za"),
    (MIMECAST, {"region": "moon", "base_url": None}, "value of region must be one of: au, ca, de, eu, global, je, "
                                                     "jer, uk, us, usb, za, got: moon"),
    (MIMECAST, {"base_url": None}, "API 1.0 needs base_url or region (eu, de, us, usb, ca, za, au, je, jer); "
                                   "https://api.mimecast.com/api/login/discover-authentication tells your region"),
    (MIMECAST, {"base_url": "eu-api.mimecast.com"}, "base_url: 'eu-api.mimecast.com' is not an absolute URL; write it "
                                                    "with its scheme, like https://api.example.com"),
    (MIMECAST, {"sender_ip": "203.0.113.0/24", "sender": None}, "sender_ip 203.0.113.0/24 is a network, which "
                                                                "Mimecast cannot search for: give a single address, or "
                                                                "another criterion beside it"),
    (MIMECAST, {"sender_ip": "not-an-ip", "subject": "x"}, "sender_ip: 'not-an-ip' is not an IP address or CIDR "
                                                           "network; write 203.0.113.7, 203.0.113.0/24 or "
                                                           "2001:db8::/32"),
    (MIMECAST, {"slice": "6 fortnights"}, "slice: unit 'fortnights' in '6 fortnights' is not known; use s (seconds), "
                                          "m (minutes), h (hours), d (days) or w (weeks)"),
    (MIMECAST, {"slice": "0h"}, "slice: '0h' must be longer than zero"),
    (MIMECAST, {"start": "2026-11-22T08:00:00 PST"}, "start: '2026-11-22T08:00:00 PST' is not an ISO 8601 time (time "
                                                     "zone names are not accepted: write Z for UTC or a numeric offset "
                                                     "such as +02:00); write it like 2026-11-22T08:00:00Z, "
                                                     "2026-11-22T09:00:00+01:00, 'now' or -6h"),
    (MIMECAST, {"start": "-1d", "end": "-2d"}, "end (...) is before start (...); the window must end no earlier than "
                                               "it starts"),
    (MIMECAST, {"concurrency": 17}, "concurrency must be from 1 to 16, got 17"),
    (MIMECAST, {"query": "length(@"}, "query: 'length(@' is not a valid JMESPath expression: ..."),
    (MIMECAST, {"token": "not-ours"}, "token is not a next_token of this module: pass the next_token of an earlier "
                                      "run unchanged"),
    (MIMECAST, {"dest": "/nonexistent-dir/out.jsonl"}, "dest: the directory /nonexistent-dir does not exist; create "
                                                       "it first or choose another path"),
    # bounded work whatever the input: sub-second and too many slices, overflowing times, the task deadline
    (MIMECAST, {"slice": "0.5s"}, "slice 0.5s is shorter than one second, the resolution of Mimecast's search; use 1s "
                                  "or more"),
    (MIMECAST, {"slice": "1s", "start": "-20d"}, "slice 1s cuts this window into 1728001 parts, more than 10000: use a "
                                                 "longer slice"),
    (TMES, {"start": "-99999999999w"}, "start: '-99999999999w' reaches further back than any of these APIs keeps "
                                       "mail; give at most -400d"),
    (MIMECAST, {"slice": "99999999999999999999w"}, "slice: '99999999999999999999w' is longer than any window of these "
                                                   "APIs; give at most 400d"),
    (TMES, {"total_timeout": 0}, "total_timeout must be more than 0 and less than 10000000 seconds, got 0.0"),
    (TMES, {"token": "esr1.eyJiIjogbnVsbCwgInAiOiBbeyJzIjogIjIwMjYtMTEtMjJUMDE6MDA6MDBaIiwgImUiOiAiMjAyNi0xMS0yMlQwMjow"
                     "MDowMFoiLCAidCI6IG51bGwsICJrIjogMX1dfQ"},
     "token belongs to another module or another query: resume with the same module and the same query options as "
     "the run that gave next_token"),
    (MIMECAST, {"sender": "*.acme-invoice-notice.example"}, "Mimecast cannot search for a network or a *.domain "
                                                            "pattern alone: give another criterion beside it (they "
                                                            "are then applied to the results)"),
]


def valid_args(kind, vendor):
    info = vendor.info
    if kind == TMES:
        return {"api_url": vendor.url, "username": info["tmes"]["username"], "api_key": info["tmes"]["api_key"],
                "traffic_type": "accepted_traffic"}
    mc = info["mimecast"]
    return {"base_url": vendor.url, "access_key": mc["access_key"], "secret_key": mc["secret_key"],
            "app_id": mc["app_id"], "app_key": mc["app_key"], "sender": info["campaign"]["sender"]}


def matches(expected, actual):
    """Exact, except that '...' stands for a run-dependent part (a time, a Python type name)."""
    parts = expected.split("...")
    if len(parts) == 1:
        return actual == expected
    if not actual.startswith(parts[0]) or not actual.endswith(parts[-1]):
        return False
    position = len(parts[0])
    for part in parts[1:-1]:
        found = actual.find(part, position)
        if found < 0:
            return False
        position = found + len(part)
    return True


def test_the_catalogue_is_large_enough():
    assert len(CATALOGUE) >= 40
    assert {k for k, dummy, dummy2 in CATALOGUE} == {TMES, MIMECAST}


@pytest.mark.parametrize("kind, change, expected", CATALOGUE,
                         ids=["%s-%d" % (c[0], n) for n, c in enumerate(CATALOGUE)])
def test_bad_input_gets_its_message_and_never_reaches_the_vendor(kind, change, expected, vendor, monkeypatch):
    for name in ("TMES_API_URL", "TMES_USERNAME", "TMES_API_KEY", "MIMECAST_BASE_URL", "MIMECAST_ACCESS_KEY",
                 "MIMECAST_SECRET_KEY", "MIMECAST_APP_ID", "MIMECAST_APP_KEY", "MIMECAST_CLIENT_ID",
                 "MIMECAST_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    args = valid_args(kind, vendor)
    args.update(change)
    args = {k: v for k, v in args.items() if v is not None}
    main = tmes_mail_tracking_info.main if kind == TMES else mimecast_tracking_search.main
    result = run_module(main, args, monkeypatch)
    assert result.failed, result.result
    message = result.result["msg"]
    assert matches(expected, message), message
    assert vendor.requests() == 0
    for secret in (vendor.info["tmes"]["api_key"], vendor.info["mimecast"]["secret_key"],
                   vendor.info["mimecast"]["app_key"]):
        assert secret not in message


def test_valid_arguments_do_reach_the_vendor(vendor, monkeypatch):
    """The counter above can tell: the same arguments without the fault do make requests."""
    for kind, main in ((TMES, tmes_mail_tracking_info.main), (MIMECAST, mimecast_tracking_search.main)):
        result = run_module(main, valid_args(kind, vendor), monkeypatch)
        assert not result.failed, result.result
    assert vendor.requests() == 2


def test_a_start_exactly_72_hours_back_is_moved_not_refused(vendor, monkeypatch):
    args = valid_args(TMES, vendor)
    args["start"] = "-72h"
    result = run_module(tmes_mail_tracking_info.main, args, monkeypatch)
    assert not result.failed, result.result["msg"]
    # the documented "whole retention" quietly starts 10 minutes later, as the returned window shows: no warning
    assert not result.result.get("warnings")
    start = datetime.datetime.strptime(result.result["window"]["start"], "%Y-%m-%dT%H:%M:%S.%fZ")
    end = datetime.datetime.strptime(result.result["window"]["end"], "%Y-%m-%dT%H:%M:%S.%fZ")
    assert datetime.timedelta(hours=71, minutes=49) < end - start <= datetime.timedelta(hours=71, minutes=50)
