# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""emailsec.tracking.mimecast: an Event-Driven Ansible event source for what Mimecast sees of a threat."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import asyncio
import datetime
import importlib
import os
import sys

DOCUMENTATION = r"""
---
short_description: Poll Mimecast for held mail and malicious clicks, attachments and impersonation attempts
description:
  - An ansible-rulebook event source that polls, every O(interval) seconds, the Mimecast logs and queue named in
    O(sources) and puts one event on the queue for each new item, so that a rulebook can start the trace (and,
    after a person's approval, the response) when the gateway sees the threat.
  - V(held) is the hold queue (C(POST /api/gateway/get-hold-message-list), admin view); V(url_clicks) the URL
    Protect log (C(POST /api/ttp/url/get-logs)), only clicks (C(creationMethod) V(User Click), or a row without
    C(creationMethod), the field set of 2020, as M(emailsec.tracking.mimecast_ttp_log_info) counts them; never
    V(Entry Scan) rows, which are scans at delivery) with a C(scanResult) in O(scan_results); V(attachment) the
    Attachment Protect log
    (C(/api/ttp/attachment/get-logs)), result V(malicious); V(impersonation) the Impersonation Protect log
    (C(/api/ttp/impersonation/get-logs)), C(taggedMalicious) items.
  - "Each event is C({\"emailsec\": {\"vendor\": \"mimecast\", \"source\": ..., \"id\": ..., \"time\": ...,
    \"record\": ..., \"indicator\": {...}, \"reason\": ...}}): C(record) is the item as Mimecast sent it;
    C(indicator) holds what a trace can start from (C(sender), C(sender_domain), C(url), C(attachment_sha256),
    C(message_id), C(subject)), only the fields the item has; C(id) is the vendor identity the source
    de-duplicates by (the held id; for a click C(date|userEmailAddress|url|messageId|creationMethod))."
  - "A poll that fails after the HTTP client's own retries (HTTP 429 with the server's wait, 5xx, a cut
    connection) gives one event C({\"emailsec\": {\"vendor\", \"source\", \"time\", \"error\"}}) and the source
    polls again after a backoff; the error never carries a credential."
  - With O(bookmark), a restart goes on where the last poll ended: no event is sent twice and none is missed.
  - The source only reads; it changes nothing at Mimecast.
options:
  sources:
    description: What to poll.
    type: list
    elements: str
    choices: [held, url_clicks, attachment, impersonation]
    default: [held, url_clicks]
  scan_results:
    description: The C(scanResult) values of the clicks that give events.
    type: list
    elements: str
    choices: [malicious, clean]
    default: [malicious]
  interval:
    description: Seconds between two polls of a source.
    type: float
    default: 60
  lookback:
    description:
      - How far back the first start (without a bookmark entry) reads, as C(30m), C(1h), C(2d) or seconds.
      - At most V(30d), what Mimecast keeps of these logs.
    type: str
    default: 1h
  overlap:
    description:
      - How far back each poll reads again, so that an item Mimecast writes into its log late is still found;
        items read twice are sent once.
    type: str
    default: 10m
  bookmark:
    description:
      - A file that keeps the last poll's time and the identities seen then, written atomically after each poll.
        Without it a restart starts again from O(lookback).
      - One file for each source and tenant.
    type: path
  polls:
    description: Stop after this many polls of every source; V(0) polls until the rulebook stops.
    type: int
    default: 0
  base_url:
    description: The API's base URL; also from E(MIMECAST_BASE_URL).
    type: str
  region:
    description: The account's region instead of O(base_url).
    type: str
  auth_type:
    description: V(hmac) (API 1.0) or V(oauth2) (API 2.0); also from E(MIMECAST_AUTH_TYPE); guessed from the
      credentials given.
    type: str
  client_id:
    description: API 2.0 client id; also from E(MIMECAST_CLIENT_ID).
    type: str
  client_secret:
    description: API 2.0 client secret; also from E(MIMECAST_CLIENT_SECRET).
    type: str
  access_key:
    description: API 1.0 access key; also from E(MIMECAST_ACCESS_KEY).
    type: str
  secret_key:
    description: API 1.0 secret key; also from E(MIMECAST_SECRET_KEY).
    type: str
  app_id:
    description: API 1.0 application id; also from E(MIMECAST_APP_ID).
    type: str
  app_key:
    description: API 1.0 application key; also from E(MIMECAST_APP_KEY).
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
notes:
  - "The permissions needed are those of each endpoint (API 1.0 admin role or API 2.0 application role):
    Account | Dashboard | Read (hold queue), Monitoring | URL Protection | Read, Monitoring | Attachment
    Protection | Read, Monitoring | Impersonation Protection | Read."
"""

EXAMPLES = r"""
- name: Start a trace when Mimecast sees a threat
  hosts: localhost
  sources:
    - emailsec.tracking.mimecast:
        sources: [held, url_clicks]
        interval: 60
        lookback: 1h
        bookmark: /var/lib/eda/emailsec-mimecast.json
  rules:
    - name: A user clicked a malicious link
      condition: event.emailsec.source == "url_clicks"
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
    LOG, Bookmark, Poller, SourceError, Stream, check_known, choices, duration, env_fallback, http_client, indicator,
    joined, number, text, vendor_time,
)
from ansible_collections.emailsec.tracking.plugins.module_utils._auth import CredentialError  # noqa: E402
from ansible_collections.emailsec.tracking.plugins.module_utils._mimecast import (  # noqa: E402
    HOLD_LIST, LIST_PAGE_SIZE, MimecastClient,
)
from ansible_collections.emailsec.tracking.plugins.module_utils._mimecast_account import (  # noqa: E402
    MimecastCredentials, auth_argspec,
)
from ansible_collections.emailsec.tracking.plugins.module_utils._mimecast_hold import hold_item  # noqa: E402
from ansible_collections.emailsec.tracking.plugins.module_utils._mimecast_ttp import (  # noqa: E402
    LOG_TYPES, RETENTION_DAYS, is_click, parse_row_time, records_of, request_item,
)
from ansible_collections.emailsec.tracking.plugins.module_utils._module import InputError  # noqa: E402

NAME = "emailsec.tracking.mimecast"
SOURCES = ("held", "url_clicks", "attachment", "impersonation")
# "URL Protect Logs have a maximum retention of 30 days" (Mimecast; the collection reads the other TTP logs, and the
# hold queue, no further back either)
RETENTION = datetime.timedelta(days=RETENTION_DAYS)
# an hour less than Mimecast keeps: a start exactly 30 days back may already be refused
READ_BACK = RETENTION - datetime.timedelta(hours=1)
OPTIONS = ("sources", "scan_results", "interval", "lookback", "overlap", "bookmark", "polls", "validate_certs",
           "ca_path", "timeout", "retries", "retry_max_delay")
SECRET_OPTIONS = ("secret_key", "app_key", "client_secret")


class _Account(MimecastCredentials):
    """The modules' rules for Mimecast credentials and base URL, over the source's arguments."""

    def __init__(self, params):
        self.params = params


def _params(args):
    """The credential arguments, each from the argument or its environment variable, as the modules read them."""
    params = {}
    for name, spec in auth_argspec().items():
        variables = spec["fallback"][1] if "fallback" in spec else []
        value = env_fallback(args, name, variables)
        if value is not None and not isinstance(value, str):
            raise SourceError("%s must be a string" % name)
        params[name] = value
    return params


def _click(row):
    """(indicator, reason) of a click row."""
    actions = row.get("actions")
    if isinstance(actions, list):
        actions = ", ".join("%s" % a for a in actions)
    reason = "%s clicked a link judged %s (action %s%s)" % (
        row.get("userEmailAddress") or "a user", row.get("scanResult"), row.get("action"),
        ", %s" % actions if actions else "")
    if row.get("creationMethod") is None:
        reason += "; a row without creationMethod (the 2020 field set), taken as a click"
    return (indicator(sender=row.get("fromUserEmailAddress"), url=row.get("url"), message_id=row.get("messageId"),
                      subject=row.get("subject")), reason)


def _held_reason(item):
    reason = item.get("reason") or item.get("reasonCode") or "held"
    policy = item.get("policyInfo")
    return "%s (policy: %s)" % (reason, policy) if policy else "%s" % (reason,)


def streams_for(client, wanted, scan_results, page_size=LIST_PAGE_SIZE):
    """The streams of the sources asked for, over one MimecastClient."""
    out = []
    if "held" in wanted:
        def held(window):
            for page in client.list_pages("read the Mimecast hold queue", HOLD_LIST, hold_item({}, window),
                                          page_size=page_size):
                yield page.records
        out.append(Stream(
            "mimecast", "held", held, identity=lambda item: "%s" % (item["id"],),
            when=lambda item: vendor_time(item.get("dateReceived")),
            describe=lambda item: (indicator(sender=item.get("from"), subject=item.get("subject")),
                                   _held_reason(item)),
            keep=lambda item: isinstance(item, dict) and item.get("id") not in (None, ""),
            retention=READ_BACK))

    def log(log_type, params):
        """Every page of one TTP log over the window, oldest first (the collection's request and page reader)."""
        kind = LOG_TYPES[log_type]

        def fetch(window):
            item = request_item(dict(params, oldest_first=True), log_type, window)
            for page in client.list_pages(kind.what, kind.path, item, page_size=page_size,
                                          records=records_of(kind.rows)):
                yield page.records
        return fetch

    def identity(log_type):
        names = LOG_TYPES[log_type].key_fields
        return lambda row: joined(row, names)

    def when(log_type):
        field = LOG_TYPES[log_type].time_field
        return lambda row: parse_row_time(row.get(field))

    if "url_clicks" in wanted:
        scan = scan_results[0] if len(scan_results) == 1 else "all"
        out.append(Stream(
            "mimecast", "url_clicks", log("url", {"scan_result": scan}), identity=identity("url"), when=when("url"),
            describe=_click, retention=READ_BACK,
            keep=lambda row: isinstance(row, dict) and is_click(row) and row.get("scanResult") in scan_results))
    if "attachment" in wanted:
        out.append(Stream(
            "mimecast", "attachment", log("attachment", {"result": "malicious"}), identity=identity("attachment"),
            when=when("attachment"), retention=READ_BACK,
            describe=lambda row: (
                indicator(sender=row.get("senderAddress"), attachment_sha256=row.get("fileHash"),
                          message_id=row.get("messageId"), subject=row.get("subject")),
                "attachment %s to %s judged %s" % (row.get("fileName"), row.get("recipientAddress"),
                                                   row.get("result"))),
            keep=lambda row: isinstance(row, dict) and row.get("result") == "malicious"))
    if "impersonation" in wanted:
        out.append(Stream(
            "mimecast", "impersonation", log("impersonation", {"tagged_malicious": True}),
            identity=identity("impersonation"), when=when("impersonation"), retention=READ_BACK,
            describe=lambda row: (
                indicator(sender=row.get("senderAddress"), message_id=row.get("messageId"),
                          subject=row.get("subject")),
                "impersonation of %s (%s; action %s)" % (row.get("recipientAddress"), row.get("definition"),
                                                         row.get("action"))),
            keep=lambda row: isinstance(row, dict) and row.get("taggedMalicious") is True))
    return out


def build(args):
    """The poller for ``args``: every argument checked and the credentials found before any request."""
    args = dict(args or {})
    check_known(args, OPTIONS + tuple(auth_argspec()), NAME)
    wanted = choices(args, "sources", ["held", "url_clicks"], list(SOURCES))
    scan_results = choices(args, "scan_results", ["malicious"], ["malicious", "clean"])
    interval = number(args, "interval", 60.0, 0.01, 86400)
    why = "Mimecast keeps its logs 30 days"
    lookback = duration(args, "lookback", "1h", longest=READ_BACK, why=why)
    overlap = duration(args, "overlap", "10m", longest=READ_BACK, zero=True, why=why)
    polls = number(args, "polls", 0, 0, 10 ** 9, integer=True)
    params = _params(args)
    account = _Account(params)
    try:
        auth_type = account.auth_type()
        base_url = account.base_url(auth_type)
        http = http_client(args, NAME)
        auth = account.mimecast_auth(http, auth_type, base_url)
    except (InputError, CredentialError) as exc:
        raise SourceError("%s: %s" % (NAME, exc))
    client = MimecastClient(http, base_url, auth)
    bookmark = Bookmark(text(args, "bookmark"), NAME, base_url)
    secrets = [params[k] for k in SECRET_OPTIONS if params.get(k)]
    return Poller(NAME, streams_for(client, wanted, scan_results), bookmark, interval, lookback, overlap, polls,
                  secrets)


async def main(queue, args):
    """The event source: poll until the rulebook stops (or ``polls`` polls are done)."""
    poller = build(args)
    LOG.info("%s: polling %s every %s seconds", NAME, ", ".join(s.name for s in poller.streams), poller.interval)
    await poller.run(queue)


if __name__ == "__main__":
    # a quick look from the command line: MIMECAST_* in the environment, one poll, the events printed
    class _PrintQueue(asyncio.Queue):
        async def put(self, item):
            print(item)

    asyncio.run(main(_PrintQueue(), {"polls": 1}))
