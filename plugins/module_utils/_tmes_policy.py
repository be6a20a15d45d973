# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The TMES policy event log: what a policy did to a message and why (tmes_policy_event_info).

For internal use by this collection only; the interface may change without notice.

The same hosts, auth, 72-hour rule, paging and 204 handling as the mail tracking log (research notes T2).
One event type a request: each type asked for is its own query over the window, and the results are merged
in the order the types are given.  ``details`` (a JSON string, or an object) is decoded into
``decoded_details`` (threat names, file SHA-256s, URLs, risk level), which the matching options use.
Captured events (shared/api/real-samples/tmes-policy-*) carry no ``mailID`` and send ``threatNames`` as a string;
``fileSha256``, ``riskLevel`` and ``attachmentSha256`` are documented but never captured: a missing field only
means that criterion cannot match that event.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.emailsec.tracking.plugins.module_utils._auth import TmesBasicAuth
from ansible_collections.emailsec.tracking.plugins.module_utils._module import InputError
from ansible_collections.emailsec.tracking.plugins.module_utils._paging import Slice
from ansible_collections.emailsec.tracking.plugins.module_utils._timewindow import format_tmes, utc_now
from ansible_collections.emailsec.tracking.plugins.module_utils._tmes import EVENTS, POLICY_PATH, TmesClient
from ansible_collections.emailsec.tracking.plugins.module_utils._tmes_search import (
    MUTUALLY_EXCLUSIVE, TmesSearch, tmes_query_argspec,
)


def argument_spec():
    spec = tmes_query_argspec()
    spec.update(
        events=dict(type="list", elements="str", choices=list(EVENTS), default=list(EVENTS)),
        threat=dict(type="str"),
    )
    return spec


def _list(value):
    return value if isinstance(value, list) else ([] if value is None else [value])


def decode_details(details):
    """Threat names, file SHA-256s, URLs and risk level from an event's details (a JSON string or an object)."""
    if isinstance(details, str):
        try:
            details = json.loads(details)
        except (ValueError, RecursionError):
            details = {}
    if not isinstance(details, dict):
        details = {}
    files = [f for f in _list(details.get("fileInfo")) if isinstance(f, dict)]
    urls = [u for u in _list(details.get("urlInfo")) if isinstance(u, dict)]
    names = [n for n in _list(details.get("threatNames")) if isinstance(n, str)]
    names += [f["threatName"] for f in files if isinstance(f.get("threatName"), str) and f["threatName"] not in names]
    hashes = [f["fileSha256"].lower() for f in files if isinstance(f.get("fileSha256"), str)]
    hashes += [u["attachmentSha256"].lower() for u in urls if isinstance(u.get("attachmentSha256"), str)]
    return {"threat_names": names, "file_sha256": list(dict.fromkeys(hashes)),
            "urls": list(dict.fromkeys(u["url"] for u in urls if isinstance(u.get("url"), str))),
            "risk_level": details.get("riskLevel") if isinstance(details.get("riskLevel"), str) else None}


def event_key(record):
    """An event's identity: the same mailID, event type, policy and time twice is one event.

    No captured event carries mailID (only a collector's schema lists it), so without one the identity is the
    messageID, event type, policy, time and the sorted recipients; None when there is neither a mailID nor a
    messageID (such an event is never merged with another)."""
    if not isinstance(record, dict):
        return None
    if record.get("mailID") is not None:
        return "\x1f".join("%s" % (record.get(k),) for k in ("mailID", "eventType", "policyName", "genTime"))
    if record.get("messageID") is None:
        return None
    recipients = sorted("%s" % (r,) for r in _list(record.get("recipients")))
    fields = ("messageID", "eventType", "policyName", "genTime")
    return "\x1f".join(["message"] + ["%s" % (record.get(k),) for k in fields] + recipients)


POLICY_FIELDS = {
    "sender": lambda r: [r.get("sender"), r.get("headerFrom")],
    "recipient": lambda r: _list(r.get("recipients")) + _list(r.get("headerTo")),
    "subject": lambda r: [r.get("subject")],
    "sender_ip": lambda r: [],
    "message_id": lambda r: [r.get("messageID")],
    "attachment_sha256": lambda r: (r.get("decoded_details") or {}).get("file_sha256") or [],
    "url": lambda r: (r.get("decoded_details") or {}).get("urls") or [],
    "threat": lambda r: (r.get("decoded_details") or {}).get("threat_names") or [],
}


class PolicyEventSearch(TmesSearch):
    module_name = "tmes_policy_event_info"
    binding_options = ("events", "direction", "domain", "page_size", "sender", "recipient", "subject", "message_id",
                       "attachment_sha256", "url", "threat", "query")

    def main(self):
        p = self.params
        self.check_query()
        if p["sender_ip"]:
            raise InputError("sender_ip cannot be matched on policy events, which carry no sending IP address")
        events = list(dict.fromkeys(p["events"]))
        if not events:
            raise InputError("events is empty: name at least one of %s" % ", ".join(EVENTS))
        base_url = self.base_url()
        auth = TmesBasicAuth(p["username"], p["api_key"])
        criteria = dict((k, p[k]) for k in ("sender", "recipient", "subject", "message_id", "attachment_sha256",
                                            "url", "threat"))
        pipeline = self.pipeline(event_key, POLICY_FIELDS, criteria)
        now = utc_now()
        resumed = self.resumed_within_reach(now)
        if resumed is not None:
            slices, window = resumed
            if any(s.tag not in events for s in slices):
                raise InputError("token belongs to another module or another query: resume with the same events")
        else:
            window = self.window(now)
            slices = [Slice(s.window, tag=event) for event in events for s in self.slices_for(window)]
        client = TmesClient(self.http_client(), base_url, auth, POLICY_PATH)

        def fetch(spec, stop):
            params = [("event", spec.tag)]
            params += [(k, p[k]) for k in ("direction", "domain") if p[k]]
            params += [("start", format_tmes(spec.window.start)), ("end", format_tmes(spec.window.end)),
                       ("limit", str(p["page_size"]))]
            for page in client.pages(params, spec.token, stop, limit=p["page_size"], window=spec.window):
                yield with_decoded_details(page)

        outcome = self.collect(slices, fetch, pipeline)
        return self.results(outcome, "events", window, pages=outcome.pages, searched_events=events)


def with_decoded_details(page):
    """The page, each event with its ``decoded_details``; the events are then no longer the text TMES sent, so a
    file gets them encoded, not that text."""
    for record in page.records:
        record["decoded_details"] = decode_details(record.get("details"))
    page.lines = None
    return page


__all__ = ["argument_spec", "PolicyEventSearch", "MUTUALLY_EXCLUSIVE", "decode_details", "with_decoded_details"]
