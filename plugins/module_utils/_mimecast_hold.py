# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Mimecast hold queue: read it (mimecast_held_message_info), release or reject what it holds
(mimecast_held_message).

For internal use by this collection only; the interface may change without notice.

Endpoints and vocabulary: get-hold-message-list, hold-release and hold-reject as Mimecast documents them; the
item shape (``from``/``fromHeader``/``to`` as objects, ``reason``, ``reasonCode``, ``policyInfo``) and the
per-id answers (``release``/``reject`` true or false) as captured from a live tenant.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.emailsec.tracking.plugins.module_utils._matching import Query
from ansible_collections.emailsec.tracking.plugins.module_utils._mimecast import (
    HOLD_LIST, HOLD_REJECT, HOLD_RELEASE, LIST_PAGE_SIZE as PAGE_SIZE, vendor_error,
)
from ansible_collections.emailsec.tracking.plugins.module_utils._mimecast_account import MimecastAction
from ansible_collections.emailsec.tracking.plugins.module_utils._module import InputError
from ansible_collections.emailsec.tracking.plugins.module_utils._paging import Pipeline
from ansible_collections.emailsec.tracking.plugins.module_utils._timewindow import format_mimecast

REASON_TYPES = ("MESSAGE CONTAINS UNDESIRABLE CONTENT", "MESSAGE CONTAINS CONFIDENTIAL INFORMATION",
                "REVIEWER DISAPPROVES OF CONTENT", "INAPPROPRIATE COMMUNICATION", "MESSAGE GOES AGAINST EMAIL POLICIES")
# the lower-case codes one API 2.0 client sends instead (research notes M3), for reject_fields=api2
REASON_CODES = {"MESSAGE CONTAINS UNDESIRABLE CONTENT": "inappropriate_communication",
                "MESSAGE CONTAINS CONFIDENTIAL INFORMATION": "confidential_information",
                "REVIEWER DISAPPROVES OF CONTENT": "disapproves_of_content",
                "INAPPROPRIATE COMMUNICATION": "inappropriate_communication",
                "MESSAGE GOES AGAINST EMAIL POLICIES": "against_email_policies"}


# -- the hold queue (M1) --------------------------------------------------------------------------------------
HOLD_SEARCH_FIELDS = ("all", "subject", "sender", "recipient", "reason_code")


def hold_argspec():
    return dict(
        start=dict(type="str"),
        end=dict(type="str"),
        search_by=dict(type="str", default="all", choices=list(HOLD_SEARCH_FIELDS)),
        search=dict(type="str"),
        route=dict(type="str", choices=["all", "internal", "outbound", "inbound", "external"]),
        held_group=dict(type="str", choices=["administrator", "moderator", "user", "cluster"]),
        attachments=dict(type="bool"),
        page_size=dict(type="int", default=PAGE_SIZE),
    )


def hold_item(params, window):
    item = {"admin": True, "start": format_mimecast(window.start), "end": format_mimecast(window.end)}
    if params.get("search"):
        item["searchBy"] = {"fieldName": params.get("search_by") or "all", "value": params["search"]}
    filters = []
    if params.get("route"):
        filters.append({"fieldName": "route", "value": params["route"]})
    if params.get("held_group"):
        filters.append({"fieldName": "heldGroup", "value": params["held_group"]})
    if params.get("attachments") is not None:
        filters.append({"fieldName": "attachments", "value": params["attachments"]})
    if filters:
        item["filterBy"] = filters
    return item


def held_key(record):
    return None if not isinstance(record, dict) or record.get("id") is None else "%s" % (record["id"],)


def read_hold_queue(client, params, window):
    """Every held message of the window that the hold queue search finds (admin view)."""
    held = []
    for page in client.list_pages("read the Mimecast hold queue", HOLD_LIST, hold_item(params, window),
                             page_size=params.get("page_size") or PAGE_SIZE):
        held.extend(r for r in page.records if isinstance(r, dict))
    return held


class HeldMessageInfo(MimecastAction):
    """mimecast_held_message_info: the hold queue, paged to the end, with the tracking module's output options."""

    output = True
    module_name = "mimecast_held_message_info"
    binding_options = ("search_by", "search", "route", "held_group", "attachments", "page_size", "query")

    def main(self):
        p = self.params
        client = self.client()
        if not 1 <= p["page_size"] <= 500:
            raise InputError("page_size must be from 1 to 500, got %d" % p["page_size"])
        resumed = self.resume_slices()
        if resumed is not None:
            slices, window = resumed
        else:
            window = self.window(30).floor(self.resolution)
            slices = self.slices_for(window)

        def fetch(spec, stop):
            return client.list_pages("read the Mimecast hold queue", HOLD_LIST, hold_item(p, spec.window),
                                     p["page_size"], spec.token, stop)

        pipeline = Pipeline(held_key, None, Query(p["query"]))
        outcome = self.collect(slices, fetch, pipeline)
        return self.results(outcome, "held_messages", window)


# -- release and reject (M2, M3) ----------------------------------------------------------------------------
def _text(value):
    return value.lower() if isinstance(value, str) else ""


def _address(value):
    if isinstance(value, dict):
        value = value.get("emailAddress")
    return _text(value)


def criteria_match(held, sender=None, recipient=None, subject=None, reason=None):
    """Whether a held message matches every criterion given: an address or a domain (@example.com or
    example.com), a text in the subject, a text in the hold reason or its code (all case-insensitive)."""

    def address_ok(wanted, addresses):
        wanted = wanted.strip().lower()
        if "@" in wanted and not wanted.startswith("@"):
            return wanted in addresses
        domain = wanted.lstrip("@")
        return any(a.rsplit("@", 1)[-1] == domain for a in addresses)

    if sender and not address_ok(sender, [_address(held.get("from")), _address(held.get("fromHeader"))]):
        return False
    to = held.get("to") if isinstance(held.get("to"), list) else [held.get("to")]
    if recipient and not address_ok(recipient, [_address(t) for t in to]):
        return False
    if subject and subject.lower() not in _text(held.get("subject")):
        return False
    if reason and not any(reason.lower() in _text(held.get(k)) for k in ("reason", "reasonCode", "policyInfo")):
        return False
    return True


def held_argspec():
    spec = dict(
        state=dict(type="str", required=True, choices=["released", "rejected"]),
        ids=dict(type="list", elements="str"),
        sender=dict(type="str"),
        recipient=dict(type="str"),
        subject=dict(type="str"),
        reason=dict(type="str"),
        start=dict(type="str"),
        end=dict(type="str"),
        reason_type=dict(type="str", choices=list(REASON_TYPES)),
        reject_message=dict(type="str"),
        notify=dict(type="bool", default=False),
        reject_fields=dict(type="str", default="documented", choices=["documented", "api2"]),
    )
    return spec


def reject_item(ids, reason_type, message, notify, fields):
    """The reject request: the documented form, or the lower-case form one API 2.0 client uses."""
    if fields == "api2":
        item = {"ids": ids, "notify": notify}
        if message:
            item["notes"] = message
        if reason_type:
            item["reason"] = REASON_CODES[reason_type]
        return item
    item = {"ids": ids, "notify": notify}
    if message:
        item["message"] = message
    if reason_type:
        item["reasonType"] = reason_type
    return item


def outcomes_of(body, flag):
    """{id: (done, vendor message)} from a release (flag release) or reject (flag reject) answer."""
    messages = {}
    for entry in body.get("fail") or []:
        key = entry.get("key") or {}
        code, message, dummy = vendor_error({"fail": [entry]}) or (None, None, None)
        messages["%s" % key.get("id")] = ": ".join(p for p in (code, message) if p)
    return dict(("%s" % item.get("id"), (item.get(flag) is True, messages.get("%s" % item.get("id"))))
                for item in body.get("data") or [] if isinstance(item, dict))


class HeldMessage(MimecastAction):
    """mimecast_held_message: release or reject held messages, by id or by criteria, from the hold queue's state."""

    def main(self):
        p = self.params
        criteria = dict((k, p[k]) for k in ("sender", "recipient", "subject", "reason") if p[k])
        if p["ids"] is not None and criteria:
            raise InputError("ids and %s are alternatives: give the held message ids, or criteria that select them"
                             % ", ".join(sorted(criteria)))
        if p["ids"] is None and not criteria:
            raise InputError("nothing selected: give ids, or at least one of sender, recipient, subject, reason")
        if p["state"] == "released" and (p["reason_type"] or p["reject_message"] or p["notify"]):
            raise InputError("reason_type, reject_message and notify go with state=rejected only")
        client = self.client()
        window = self.window(30)
        queue = read_hold_queue(client, {"page_size": PAGE_SIZE}, window)
        held = dict(("%s" % h.get("id"), h) for h in queue)
        if p["ids"] is not None:
            wanted = list(dict.fromkeys(i.strip() for i in p["ids"] if i and i.strip()))
        else:
            wanted = [i for i, h in held.items() if criteria_match(h, **criteria)]
        targets = [i for i in wanted if i in held]
        results = dict((i, {"id": i, "outcome": "not_held"}) for i in wanted if i not in held)
        verb = "release" if p["state"] == "released" else "reject"
        if self.module.check_mode:
            for i in targets:
                results[i] = {"id": i, "outcome": "would_" + verb}
        elif targets and verb == "release":
            for i in targets:  # one id a request, as every client does (multi-id batches are unverified)
                body = client.post("release a Mimecast held message", HOLD_RELEASE, [{"id": i}], keyed_fails=True)
                done, message = outcomes_of(body, "release").get(i, (False, None))
                results[i] = {"id": i, "outcome": "released" if done else "not_held", "message": message}
        elif targets:
            body = client.post("reject Mimecast held messages", HOLD_REJECT, [reject_item(
                targets, p["reason_type"], p["reject_message"], p["notify"], p["reject_fields"])], keyed_fails=True)
            outcomes = outcomes_of(body, "reject")
            for i in targets:
                done, message = outcomes.get(i, (False, None))
                results[i] = {"id": i, "outcome": "rejected" if done else "not_held", "message": message}
        done = [i for i in targets if results[i]["outcome"] in ("released", "rejected", "would_" + verb)]
        before = sorted(wanted_i for wanted_i in wanted if wanted_i in held)
        after = sorted(i for i in before if i not in done)
        return dict(changed=bool(done), results=[results[i] for i in wanted], window=window.as_dict(),
                    held=len(queue), diff={"before": {"held": before}, "after": {"held": after}})


