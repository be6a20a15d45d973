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

import re

from ansible_collections.emailsec.tracking.plugins.module_utils._http import ApiError
from ansible_collections.emailsec.tracking.plugins.module_utils._matching import HELD_FIELDS, Matcher, Query
from ansible_collections.emailsec.tracking.plugins.module_utils._mimecast import (
    HOLD_LIST, HOLD_REJECT, HOLD_RELEASE, LIST_PAGE_SIZE as PAGE_SIZE, failures_by_key,
)
from ansible_collections.emailsec.tracking.plugins.module_utils._mimecast_account import MimecastAction
from ansible_collections.emailsec.tracking.plugins.module_utils._module import InputError
from ansible_collections.emailsec.tracking.plugins.module_utils._paging import Pipeline
from ansible_collections.emailsec.tracking.plugins.module_utils._rails import (
    address_target, own_domains, refuse_broad, text_criterion,
)
from ansible_collections.emailsec.tracking.plugins.module_utils._timewindow import format_mimecast

REASON_TYPES = ("MESSAGE CONTAINS UNDESIRABLE CONTENT", "MESSAGE CONTAINS CONFIDENTIAL INFORMATION",
                "REVIEWER DISAPPROVES OF CONTENT", "INAPPROPRIATE COMMUNICATION", "MESSAGE GOES AGAINST EMAIL POLICIES")
# the lower-case codes Google SecOps' Mimecast client sends with API 2.0 instead, for reject_fields=api2
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


def read_hold_queue(client, params, window, keep=None):
    """(the held messages of the window that ``keep(item)`` accepts, how many were read), admin view, every page.

    Only what ``keep`` accepts stays in memory, so a long queue costs pages, not memory.
    """
    kept = []
    read = 0
    for page in client.list_pages("read the Mimecast hold queue", HOLD_LIST, hold_item(params, window),
                                  page_size=params.get("page_size") or PAGE_SIZE):
        for item in page.records:
            if isinstance(item, dict):
                read += 1
                if keep is None or keep(item):
                    kept.append(item)
    return kept, read


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
DEFAULT_MAX_MESSAGES = 50
# hold reasons and policies that name a threat (captured words: "Malicious Attachment"; Mimecast's policy types
# "Suspected Malware", "Attachment Protection", "URL Protection", "Impersonation Protection")
THREAT_HOLD = re.compile(r"malware|malicious|virus|attachment protect|url protect|impersonation|phish", re.I)


def held_argspec():
    spec = dict(
        state=dict(type="str", required=True, choices=["released", "rejected"]),
        ids=dict(type="list", elements="str"),
        sender=dict(type="str"),
        header_from=dict(type="str"),
        recipient=dict(type="str"),
        subject=dict(type="str"),
        reason=dict(type="str"),
        start=dict(type="str"),
        end=dict(type="str"),
        reason_type=dict(type="str", choices=list(REASON_TYPES)),
        reject_message=dict(type="str"),
        notify=dict(type="bool", default=False),
        reject_fields=dict(type="str", default="documented", choices=["documented", "api2"]),
        max_messages=dict(type="int", default=DEFAULT_MAX_MESSAGES),
        allow_broad=dict(type="bool", default=False),
        own_domains=dict(type="list", elements="str", default=[]),
        allow_partial=dict(type="bool", default=False),
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


def outcomes_of(body, flag, sent, what, url):
    """{id: (done, code, message)} for every id sent, from a release (flag ``release``) or reject (``reject``) answer.

    Done only on the vendor's ``true`` for that id with no failure naming it.  ``false``, a ``fail[]`` entry whose
    key names the id, or no word at all about an id sent is not done, with the vendor's code and message where it
    gave them.  A ``fail[]`` entry that names no id that was sent fails the whole request (ApiError).
    """
    sent = ["%s" % i for i in sent]
    failures = {}
    for key, code, message in failures_by_key(body):
        named = "%s" % key.get("id") if key.get("id") is not None else None
        if named not in sent:
            raise ApiError(what, "Mimecast answered with a failure for something that was not asked (%s)"
                           % (", ".join("%s=%s" % kv for kv in sorted(key.items())) or "no key"), "POST", url,
                           code=code, vendor_message=message,
                           hint="Nothing can be said of the messages sent: read the hold queue again before acting.")
        failures[named] = (code, message)
    answered = {}
    for item in body.get("data") or []:
        if isinstance(item, dict) and item.get("id") is not None:
            answered["%s" % item["id"]] = item.get(flag)
    out = {}
    for i in sent:
        if i in failures:
            out[i] = (False,) + failures[i]
        elif answered.get(i) is True:
            out[i] = (True, None, None)
        elif i in answered:
            out[i] = (False, None, "Mimecast answered %s: %s for this id, without saying why" % (
                flag, "false" if answered[i] is False else "%r" % (answered[i],)))
        else:
            out[i] = (False, None, "Mimecast's answer says nothing of this id")
    return out


class HeldMessage(MimecastAction):
    """mimecast_held_message: release or reject held messages, by id or by criteria, from the hold queue's state."""

    def selection(self):
        """(the wanted ids or None, a Matcher or None), after the rails: nothing that could select everything."""
        p = self.params
        criteria = dict((k, p[k]) for k in ("sender", "header_from", "recipient", "subject", "reason")
                        if p[k] is not None)
        if p["ids"] is not None and criteria:
            raise InputError("ids and %s are alternatives: give the held message ids, or criteria that select them"
                             % ", ".join(sorted(criteria)))
        if p["ids"] is None and not criteria:
            raise InputError("nothing selected: give ids, or at least one of sender, header_from, recipient, subject, "
                             "reason")
        if p["state"] == "released" and (p["reason_type"] or p["reject_message"] or p["notify"]):
            raise InputError("reason_type, reject_message and notify go with state=rejected only")
        if p["max_messages"] < 1:
            raise InputError("max_messages must be 1 or more, got %d" % p["max_messages"])
        if p["ids"] is not None:
            wanted = [i.strip() for i in p["ids"] if isinstance(i, str)]
            # an empty list selects nothing (a reviewer cleared nothing); a blank id is a mistake
            if len(wanted) != len(p["ids"]) or not all(wanted):
                raise InputError("ids holds an empty or blank id: give the held message ids (from "
                                 "mimecast_held_message_info)")
            wanted = list(dict.fromkeys(wanted))
            if len(wanted) > p["max_messages"]:
                raise InputError("ids names %d messages, more than max_messages (%d): raise max_messages if that is "
                                 "really meant" % (len(wanted), p["max_messages"]))
            return wanted, None
        own = own_domains(p["own_domains"])
        for option in ("sender", "header_from", "recipient"):
            if p[option] is not None:
                rule = address_target(p[option], option, patterns=True)
                if option != "recipient":
                    refuse_broad(rule, option, own, p["allow_broad"])
        matcher = Matcher(HELD_FIELDS, sender=p["sender"], header_from=p["header_from"], recipient=p["recipient"],
                          subject=text_criterion(p["subject"], "subject"), reason=text_criterion(p["reason"], "reason"))
        return None, matcher

    def main(self):
        p = self.params
        wanted, matcher = self.selection()
        client = self.client()
        window = self.window(30)
        if wanted == []:
            return dict(changed=False, results=[], window=window.as_dict(), held=0,
                        diff={"before": {"held": []}, "after": {"held": []}})
        if wanted is not None:
            keep = set(wanted)
            queue, read = read_hold_queue(client, {}, window, lambda h: "%s" % h.get("id") in keep)
        else:
            queue, read = read_hold_queue(client, {}, window, matcher.matches)
        held = dict(("%s" % h.get("id"), h) for h in queue)
        if wanted is None:
            wanted = list(held)
        targets = [i for i in wanted if i in held]
        if len(targets) > p["max_messages"]:
            raise InputError("the selection holds %d held messages, more than max_messages (%d); nothing was done. "
                             "Narrow the criteria, or raise max_messages if all of them are meant"
                             % (len(targets), p["max_messages"]))
        if p["state"] == "released":
            threats = [i for i in targets if THREAT_HOLD.search(" ".join(
                v for v in HELD_FIELDS["reason"](held[i]) if isinstance(v, str)))]
            if threats:
                self.module.warn("%d of the messages to release were held for a threat (malware, a malicious "
                                 "attachment or link, impersonation): %s; release them only if they were checked"
                                 % (len(threats), ", ".join(threats)))
        results = dict((i, {"id": i, "outcome": "not_held"}) for i in wanted if i not in held)
        verb = "release" if p["state"] == "released" else "reject"
        for i in targets:
            results[i] = dict(self.describe(held[i]), id=i, outcome="would_" + verb)
        if not self.module.check_mode and targets:
            try:
                self.act(client, verb, targets, results)
            except ApiError as exc:
                # what was done before the failure is returned with it: those messages are no longer held
                for i in targets:
                    if results[i]["outcome"] == "would_" + verb:
                        results[i]["outcome"] = "not_attempted"
                exc.extra.update(results=[results[i] for i in wanted], changed=any(
                    results[i]["outcome"] in ("released", "rejected") for i in targets))
                raise
        ordered = [results[i] for i in wanted]
        done = [r["id"] for r in ordered if r["outcome"] in ("released", "rejected", "would_" + verb)]
        failed = [r for r in ordered if r["outcome"] == "failed"]
        before = sorted(targets)
        after = sorted(i for i in before if i not in done)
        result = dict(changed=bool(done), results=ordered, window=window.as_dict(), held=read,
                      diff={"before": {"held": before}, "after": {"held": after}})
        if failed:
            text = "; ".join("%s: %s" % (r["id"], ": ".join(x for x in (r.get("code"), r.get("message")) if x))
                             for r in failed)
            if not p["allow_partial"]:
                error = ApiError("%s Mimecast held messages" % verb, "Mimecast did not %s %d of %d messages (%s)"
                                 % (verb, len(failed), len(targets), text), "POST",
                                 client.base_url + (HOLD_RELEASE if verb == "release" else HOLD_REJECT),
                                 hint="Those messages are still held. See results for each id; allow_partial: true "
                                      "reports this without failing.")
                error.extra = dict(result)
                raise error
            result["partial"] = True
            self.module.warn("Mimecast did not %s %d of %d held messages; they are still held: %s"
                             % (verb, len(failed), len(targets), text))
        return result

    @staticmethod
    def describe(held):
        """What a report needs to say of a held message besides its id."""
        senders = HELD_FIELDS["sender"](held)
        recipients = [a for a in HELD_FIELDS["recipient"](held) if isinstance(a, str)]
        return {"sender": senders[0] if senders and isinstance(senders[0], str) else None, "recipients": recipients,
                "subject": held.get("subject") if isinstance(held.get("subject"), str) else None,
                "reason": held.get("reason") if isinstance(held.get("reason"), str) else None}

    def act(self, client, verb, targets, results):
        """Release (one id a request, as every client does: multi-id batches are unverified) or reject (all ids in
        one request); each id's outcome from the answer.  On a failed request, the ids it carried are ``failed``
        with its error, and the error is raised."""
        p = self.params
        if verb == "release":
            batches, path, what = [[i] for i in targets], HOLD_RELEASE, "release a Mimecast held message"
        else:
            batches, path, what = [targets], HOLD_REJECT, "reject Mimecast held messages"
        for batch in batches:
            data = [{"id": batch[0]}] if verb == "release" else [reject_item(
                batch, p["reason_type"], p["reject_message"], p["notify"], p["reject_fields"])]
            try:
                body = client.post(what, path, data, keyed_fails=True)
                outcomes = outcomes_of(body, verb, batch, what, client.base_url + path)
            except ApiError as exc:
                for i in batch:
                    results[i].update(outcome="failed", code=exc.code, message=exc.message)
                raise
            self.record(results, outcomes, "released" if verb == "release" else "rejected")

    @staticmethod
    def record(results, outcomes, word):
        for i, (done, code, message) in outcomes.items():
            results[i]["outcome"] = word if done else "failed"
            if not done:
                results[i].update(code=code, message=message)
