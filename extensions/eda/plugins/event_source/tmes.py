# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""emailsec.tracking.tmes: an Event-Driven Ansible event source for what Trend Micro Email Security sees."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import asyncio
import datetime
import importlib
import os
import sys

DOCUMENTATION = r"""
---
short_description: Poll the Trend Micro Email Security policy event log, and the mail of watched senders
description:
  - An ansible-rulebook event source that polls, every O(interval) seconds, the TMES policy event log
    (C(GET /api/v1/log/policyeventlog), one query for each event type in O(events)) and, when O(watch) is given,
    the mail tracking log (C(GET /api/v1/log/mailtrackinglog), accepted and blocked traffic) for mail from the
    watched senders or domains; one event for each new item.
  - "Each event is C({\"emailsec\": {\"vendor\": \"tmes\", \"source\": ..., \"id\": ..., \"time\": ...,
    \"record\": ..., \"indicator\": {...}, \"reason\": ...}}): C(source) is the event type polled (V(threat),
    V(phishing), ...) or V(accepted_traffic) / V(blocked_traffic) for watched mail; C(record) is the log entry as
    TMES sent it; C(indicator) holds what a trace can start from (C(sender), C(sender_domain), C(url),
    C(attachment_sha256), C(message_id), C(subject); URLs and file hashes from the event's C(details)), only
    what the entry has; C(id) is the identity the source de-duplicates by (the collection's policy event key:
    C(mailID), type, policy and time, or without a C(mailID) the C(messageID), type, policy, time and
    recipients)."
  - TMES keeps 72 hours of logs; the source never asks further back (O(lookback) at most V(71h)).
  - "A poll that fails after the HTTP client's own retries gives one event C({\"emailsec\": {\"vendor\",
    \"source\", \"time\", \"error\"}}) and the source polls again after a backoff; the error never carries a
    credential."
  - With O(bookmark), a restart goes on where the last poll ended: no event is sent twice and none is missed.
  - The source only reads; TMES offers no API that changes anything.
options:
  events:
    description: The policy event types to poll.
    type: list
    elements: str
    choices: [anti_spoof, threat, spam, content_filter, dlp, phishing, anomaly]
    default: [threat, phishing]
  watch:
    description:
      - Senders (V(user@example.com)) or domains (V(@example.com), V(*.example.com)) whose mail gives an event
        for every mail tracking log entry, accepted or blocked; matched on the envelope sender and the header
        From.
      - A whole free-mail or shared-platform domain needs O(allow_broad).
    type: list
    elements: str
    default: []
  allow_broad:
    description: Allow a free-mail or shared-platform domain in O(watch).
    type: bool
    default: false
  interval:
    description: Seconds between two polls.
    type: float
    default: 60
  lookback:
    description: How far back the first start (without a bookmark entry) reads, as C(30m), C(1h) or seconds.
    type: str
    default: 1h
  overlap:
    description: How far back each poll reads again, so that an entry TMES writes late is still found; entries
      read twice are sent once.
    type: str
    default: 10m
  bookmark:
    description: A file that keeps the last poll's time and the identities seen then, written atomically. One
      file for each source and tenant.
    type: path
  polls:
    description: Stop after this many polls; V(0) polls until the rulebook stops.
    type: int
    default: 0
  api_url:
    description: The API's base URL; also from E(TMES_API_URL).
    type: str
  region:
    description: The account's region instead of O(api_url); also from E(TMES_REGION).
    type: str
  username:
    description: The API user name; also from E(TMES_USERNAME).
    type: str
  api_key:
    description: The API key; also from E(TMES_API_KEY).
    type: str
  validate_certs:
    description: Check the API's TLS certificate.
    type: bool
    default: true
  ca_path:
    description: A PEM CA bundle for the API's certificate.
    type: str
  timeout:
    description: Seconds one request may take.
    type: float
    default: 30
  retries:
    description: Retries of one request after HTTP 429, 5xx or a cut connection.
    type: int
    default: 5
  retry_max_delay:
    description: The longest wait in seconds between two retries.
    type: float
    default: 60
"""

EXAMPLES = r"""
- name: Start a trace when TMES sees a threat
  hosts: localhost
  sources:
    - emailsec.tracking.tmes:
        events: [threat, phishing]
        watch: ["@acme-invoice-notice.example"]
        bookmark: /var/lib/eda/emailsec-tmes.json
  rules:
    - name: A threat policy acted on a message
      condition: event.emailsec.source == "threat"
      action:
        print_event:
          pretty: true
"""


def _collection_importable():
    """Make ``ansible_collections.emailsec.tracking`` importable: ansible-rulebook runs this file with
    runpy.run_path, which adds nothing to sys.path.  The collections root is found from this file's own path
    (<root>/ansible_collections/emailsec/tracking/extensions/eda/plugins/event_source/), else from the collection
    paths Ansible reads (ANSIBLE_COLLECTIONS_PATH)."""
    try:
        importlib.import_module("ansible_collections.emailsec.tracking.plugins.module_utils._http")
        return
    except ImportError:
        pass
    here = os.path.abspath(globals().get("__file__") or sys.argv[0])
    roots = []
    for path in (here, os.path.realpath(here)):
        parts = path.split(os.sep)
        if len(parts) > 8 and parts[-8:-5] == ["ansible_collections", "emailsec", "tracking"]:
            roots.append(os.sep.join(parts[:-8]) or os.sep)
    configured = os.environ.get("ANSIBLE_COLLECTIONS_PATH") or os.environ.get("ANSIBLE_COLLECTIONS_PATHS") or ""
    defaults = [os.path.expanduser("~/.ansible/collections"), "/usr/share/ansible/collections"]
    for entry in [p for p in configured.split(os.pathsep) if p] + defaults:
        entry = os.path.expanduser(entry)
        if os.path.basename(entry.rstrip(os.sep)) == "ansible_collections":
            entry = os.path.dirname(entry.rstrip(os.sep))
        roots.append(entry)
    for root in roots:
        if os.path.isdir(os.path.join(root, "ansible_collections", "emailsec", "tracking")):
            if root not in sys.path:
                sys.path.append(root)
            return


_collection_importable()

# pylint: disable=wrong-import-position
from ansible_collections.emailsec.tracking.extensions.eda.plugins.module_utils._poller import (  # noqa: E402
    LOG, Bookmark, Poller, SourceError, Stream, boolean, check_known, choices, duration, env_fallback, http_client,
    indicator, number, text, vendor_time,
)
from ansible_collections.emailsec.tracking.plugins.module_utils._auth import (  # noqa: E402
    CredentialError, TmesBasicAuth,
)
from ansible_collections.emailsec.tracking.plugins.module_utils._matching import _address_matches  # noqa: E402
from ansible_collections.emailsec.tracking.plugins.module_utils._module import InputError  # noqa: E402
from ansible_collections.emailsec.tracking.plugins.module_utils._rails import (  # noqa: E402
    RailError, address_target, refuse_broad,
)
from ansible_collections.emailsec.tracking.plugins.module_utils._tmes import (  # noqa: E402
    EVENTS, LOOKBACK, LOOKBACK_MARGIN, POLICY_PATH, REGIONS, TRAFFIC_TYPES, TmesClient, record_key,
)
from ansible_collections.emailsec.tracking.plugins.module_utils._tmes_policy import (  # noqa: E402
    decode_details, event_key,
)
from ansible_collections.emailsec.tracking.plugins.module_utils._tmes_search import TmesSearch  # noqa: E402
from ansible_collections.emailsec.tracking.plugins.module_utils._timewindow import ONE_MS, format_tmes  # noqa: E402

NAME = "emailsec.tracking.tmes"
# TMES refuses a start more than 72 hours back, checked again on every page: the same margin as the modules
READ_BACK = LOOKBACK - LOOKBACK_MARGIN
LONGEST_LOOKBACK = datetime.timedelta(hours=71)
PAGE_SIZE = 500  # the most TMES returns a page
OPTIONS = ("events", "watch", "allow_broad", "interval", "lookback", "overlap", "bookmark", "polls", "validate_certs",
           "ca_path", "timeout", "retries", "retry_max_delay")
CREDENTIALS = {"api_url": ("TMES_API_URL",), "region": (), "username": ("TMES_USERNAME",),
               "api_key": ("TMES_API_KEY",)}


class _Account:
    """The modules' rules for the TMES base URL (region, api_url, TMES_API_URL, TMES_REGION) over the arguments."""

    def __init__(self, params):
        self.params = params

    def base_url(self):
        if self.params["region"] and self.params["api_url"]:
            raise InputError("give api_url or region, not both")
        if self.params["region"] and self.params["region"] not in REGIONS:
            raise InputError("region %r is not a TMES region; use one of: %s" % (self.params["region"],
                                                                                 ", ".join(sorted(REGIONS))))
        return TmesSearch.base_url(self)


def _time(record):
    return vendor_time(record.get("genTime")) or vendor_time(record.get("timestamp"))


def _identity(key):
    """The collection's key of a log entry with its fields joined by '|' (None when the entry has no key)."""
    def identity(record):
        found = key(record)
        return found.replace("\x1f", "|") if found else None
    return identity


def _first(values):
    return values[0] if values else None


def _policy_describe(record):
    details = decode_details(record.get("details"))
    found = indicator(sender=record.get("sender"), url=_first(details["urls"]),
                      attachment_sha256=_first(details["file_sha256"]), message_id=record.get("messageID"),
                      subject=record.get("subject"))
    reason = "%s%s: %s, %s" % (record.get("eventType"), " / %s" % record["eventSubtype"] if record.get("eventSubtype")
                               else "", record.get("policyName"), record.get("policyAction"))
    if details["threat_names"]:
        reason += " (%s)" % ", ".join(details["threat_names"])
    return found, reason


def _attachment_hash(record):
    for attachment in record.get("attachments") or []:
        if isinstance(attachment, dict) and isinstance(attachment.get("sha256"), str):
            return attachment["sha256"]
    return None


def _watched(rules):
    def matching(record):
        for field in ("sender", "headerFrom"):
            for rule in rules:
                if isinstance(record.get(field), str) and _address_matches(rule, record[field]):
                    return field, rule
        return None
    return matching


def streams_for(client, policy_client, events, rules):
    out = []
    for event in events:
        def policy(window, event=event):
            params = [("event", event), ("start", format_tmes(window.start)), ("end", format_tmes(window.end)),
                      ("limit", str(PAGE_SIZE))]
            for page in policy_client.pages(params, limit=PAGE_SIZE, window=window):
                yield page.records
        out.append(Stream("tmes", event, policy, identity=_identity(event_key), when=_time,
                          describe=_policy_describe, retention=READ_BACK, resolution=ONE_MS))
    if rules:
        matching = _watched(rules)
        for traffic in TRAFFIC_TYPES:
            def tracking(window, traffic=traffic):
                params = client.params(traffic, window, limit=PAGE_SIZE)
                for page in client.pages(params, limit=PAGE_SIZE, window=window):
                    yield page.records

            def describe(record, traffic=traffic):
                field, rule = matching(record)
                found = indicator(sender=record.get("sender"), url=_first(record.get("embeddedUrls") or []),
                                  attachment_sha256=_attachment_hash(record), message_id=record.get("messageID"),
                                  subject=record.get("subject"))
                reason = "mail from watched %s %s (%s %s): %s" % (
                    rule[0], rule[1], "header From" if field == "headerFrom" else "sender", record.get(field),
                    record.get("action"))
                if record.get("reason"):
                    reason += " (%s)" % record["reason"]
                return found, reason
            out.append(Stream("tmes", traffic, tracking, identity=_identity(record_key), when=_time, describe=describe,
                              keep=lambda r: isinstance(r, dict) and matching(r) is not None, retention=READ_BACK,
                              resolution=ONE_MS))
    return out


def _rules(args):
    watch = args.get("watch") or []
    if isinstance(watch, str):
        watch = watch.split(",")
    if not isinstance(watch, list):
        raise SourceError("watch must be a list of senders or domains")
    allow_broad = boolean(args, "allow_broad", False)
    rules = []
    for value in watch:
        try:
            rule = address_target(value, "watch", patterns=True)
            refuse_broad(rule, "watch", allow_broad=allow_broad)
        except RailError as exc:
            raise SourceError("%s: %s" % (NAME, exc))
        rules.append(rule)
    return rules


def build(args):
    """The poller for ``args``: every argument checked and the credentials found before any request."""
    args = dict(args or {})
    check_known(args, OPTIONS + tuple(CREDENTIALS), NAME)
    events = choices(args, "events", ["threat", "phishing"], list(EVENTS))
    rules = _rules(args)
    interval = number(args, "interval", 60.0, 0.01, 86400)
    why = "TMES keeps its logs 72 hours"
    lookback = duration(args, "lookback", "1h", longest=LONGEST_LOOKBACK, why=why)
    overlap = duration(args, "overlap", "10m", longest=LONGEST_LOOKBACK, zero=True, why=why)
    polls = number(args, "polls", 0, 0, 10 ** 9, integer=True)
    params = dict((name, env_fallback(args, name, variables)) for name, variables in CREDENTIALS.items())
    for name, value in params.items():
        if value is not None and not isinstance(value, str):
            raise SourceError("%s must be a string" % name)
    try:
        base_url = _Account(params).base_url()
        auth = TmesBasicAuth(params["username"], params["api_key"])
    except (InputError, CredentialError) as exc:
        raise SourceError("%s: %s" % (NAME, exc))
    http = http_client(args, NAME)
    client = TmesClient(http, base_url, auth)
    policy_client = TmesClient(http, base_url, auth, POLICY_PATH)
    bookmark = Bookmark(text(args, "bookmark"), NAME, base_url)
    return Poller(NAME, streams_for(client, policy_client, events, rules), bookmark, interval, lookback, overlap,
                  polls, [params["api_key"]] if params["api_key"] else [])


async def main(queue, args):
    """The event source: poll until the rulebook stops (or ``polls`` polls are done)."""
    poller = build(args)
    LOG.info("%s: polling %s every %s seconds", NAME, ", ".join(s.name for s in poller.streams), poller.interval)
    await poller.run(queue)


if __name__ == "__main__":
    # a quick look from the command line: TMES_* in the environment, one poll, the events printed
    class _PrintQueue(asyncio.Queue):
        async def put(self, item):
            print(item)

    asyncio.run(main(_PrintQueue(), {"polls": 1}))
