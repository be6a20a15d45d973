# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Mimecast's action endpoints: the hold queue, release and reject, blocked sender policies, Threat Remediation.

For internal use by this collection only; the interface may change without notice.

Everything goes through the same HTTP client, auth classes, retries and fail[] reading as the tracking
search.  The facts and their confidence are in the collection's research notes (Mimecast endpoints M1 to M7);
where a fact is uncertain the choice is an option or said in the module's documentation.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re
import time

from ansible_collections.emailsec.tracking.plugins.module_utils._http import ApiError, ResponseError, json_body
from ansible_collections.emailsec.tracking.plugins.module_utils._matching import Query
from ansible_collections.emailsec.tracking.plugins.module_utils._mimecast import hint_for, parse_error, vendor_error
from ansible_collections.emailsec.tracking.plugins.module_utils._mimecast_search import (
    MimecastCredentials, auth_argspec,
)
from ansible_collections.emailsec.tracking.plugins.module_utils._module import InputError, TrackingModule
from ansible_collections.emailsec.tracking.plugins.module_utils._paging import Page, Pipeline
from ansible_collections.emailsec.tracking.plugins.module_utils._timewindow import (
    format_mimecast, resolve_window, utc_now,
)

HOLD_LIST = "/api/gateway/get-hold-message-list"
HOLD_RELEASE = "/api/gateway/hold-release"
HOLD_REJECT = "/api/gateway/hold-reject"
REM_CREATE = "/api/ttp/remediation/create"
REM_GET = "/api/ttp/remediation/get-incident"
REM_FIND = "/api/ttp/remediation/find-incidents"
POLICY_CREATE = "/api/policy/blockedsenders/create-policy"
POLICY_GET = "/api/policy/blockedsenders/get-policy"
POLICY_DELETE = "/api/policy/blockedsenders/delete-policy"
REASON_TYPES = ("MESSAGE CONTAINS UNDESIRABLE CONTENT", "MESSAGE CONTAINS CONFIDENTIAL INFORMATION",
                "REVIEWER DISAPPROVES OF CONTENT", "INAPPROPRIATE COMMUNICATION", "MESSAGE GOES AGAINST EMAIL POLICIES")
# the lower-case codes one API 2.0 client sends instead (research notes M3), for reject_fields=api2
REASON_CODES = {"MESSAGE CONTAINS UNDESIRABLE CONTENT": "inappropriate_communication",
                "MESSAGE CONTAINS CONFIDENTIAL INFORMATION": "confidential_information",
                "REVIEWER DISAPPROVES OF CONTENT": "disapproves_of_content",
                "INAPPROPRIATE COMMUNICATION": "inappropriate_communication",
                "MESSAGE GOES AGAINST EMAIL POLICIES": "against_email_policies"}
PAGE_SIZE = 100
PERMISSIONS = {
    HOLD_LIST: "Account | Dashboard | Read", HOLD_RELEASE: "Account | Monitoring | Held | Edit",
    HOLD_REJECT: "Account | Monitoring | Held | Edit", REM_CREATE: "Services | Threat Remediation | Edit",
    REM_GET: "Services | Threat Remediation | Read", REM_FIND: "Services | Threat Remediation | Read",
    POLICY_CREATE: "Gateway | Policies | Edit", POLICY_GET: "Gateway | Policies | Read",
    POLICY_DELETE: "Gateway | Policies | Edit",
}


def decode_envelope(response, keyed_fails=False):
    """The body of an answer; a fail[] entry is a failure, except entries keyed to one item when ``keyed_fails``
    (a per-id outcome such as an id no longer held, which the caller reports)."""
    body = json_body(response)
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        raise ResponseError("the response is JSON but not a Mimecast envelope (no data list)")
    fails = body.get("fail") or []
    keyed = isinstance(fails, list) and all(isinstance(f, dict) and isinstance(f.get("key"), dict) for f in fails)
    if fails and not (keyed_fails and keyed):
        code, message, retryable = vendor_error(body)
        raise ResponseError("Mimecast refused the request although it answered HTTP %d" % response.status_code,
                            final=not retryable, code=code, vendor_message=message, hint=hint_for(None, code))
    return body


class ActionClient:
    """POSTs to one Mimecast account: enveloped requests, fail[] read, pages followed."""

    def __init__(self, http, base_url, auth):
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.auth = auth

    def post(self, what, path, data, meta=None, keyed_fails=False):
        body = {"data": data}
        if meta:
            body["meta"] = meta

        def hint(status, code):
            if status == 403:
                return ("The Mimecast application lacks the permission %s (API 1.0: the user's admin role; "
                        "API 2.0: the application's products and role, which Mimecast answers with app_forbidden)."
                        % PERMISSIONS.get(path, "for this endpoint"))
            return hint_for(status, code)

        return self.http.request(what, "POST", self.base_url + path, auth=self.auth, json_body=body,
                                 decode=lambda r: decode_envelope(r, keyed_fails), parse_error=parse_error,
                                 hint_for=hint)

    def pages(self, what, path, item, first_token=None, page_size=PAGE_SIZE, stop=None):
        """Every page of a list endpoint, from ``first_token`` on; the last page may carry a next token that
        leads to an empty page."""
        token = first_token
        seen = set()
        while True:
            pagination = {"pageSize": page_size}
            if token:
                pagination["pageToken"] = token
            body = self.post(what, path, [item] if item is not None else [], {"pagination": pagination})
            records = body["data"]
            following = ((body.get("meta") or {}).get("pagination") or {}).get("next") or None
            if following is not None and (not isinstance(following, str) or following in seen):
                raise ApiError(what, "Mimecast sent a page token it had sent before, so paging would not end",
                               "POST", self.base_url + path, hint="This is a fault on the Mimecast side.")
            page = Page(records, token, following)
            yield page
            if following is None or (stop is not None and stop.is_set()):
                return
            seen.add(following)
            token = following


class MimecastAction(MimecastCredentials, TrackingModule):
    """The base of the Mimecast modules that act: credentials, connection, an action client."""

    output = False
    resolution = datetime.timedelta(seconds=1)

    def client(self):
        self.check_common()
        auth_type = self.auth_type()
        base_url = self.base_url(auth_type)
        http = self.http_client()
        return ActionClient(http, base_url, self.mimecast_auth(http, auth_type, base_url))

    def window(self, default_days):
        p = self.params
        return resolve_window(p.get("start"), p.get("end"), utc_now(), datetime.timedelta(days=default_days))


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
    for page in client.pages("read the Mimecast hold queue", HOLD_LIST, hold_item(params, window),
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
            return client.pages("read the Mimecast hold queue", HOLD_LIST, hold_item(p, spec.window), spec.token,
                                p["page_size"], stop)

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


# -- blocked sender policies (M7) ------------------------------------------------------------------------------
def policy_argspec():
    return dict(
        state=dict(type="str", default="present", choices=["present", "absent"]),
        sender=dict(type="str", required=True),
        option=dict(type="str", choices=["block_sender", "no_action"]),
        description=dict(type="str"),
        from_part=dict(type="str", choices=["envelope_from", "header_from", "both"]),
        recipient=dict(type="str"),
        from_date=dict(type="str"),
        to_date=dict(type="str"),
        enforced=dict(type="bool", default=False),
        enabled=dict(type="bool", default=True),
        override=dict(type="bool", default=False),
        bidirectional=dict(type="bool", default=False),
        comment=dict(type="str", default=""),
        source_ips=dict(type="list", elements="str", default=[]),
    )


def party(value):
    """A sender or recipient as a policy's from/to: everyone, one address, or a domain."""
    if not value:
        return {"type": "everyone"}
    text = value.strip().lower()
    if "@" in text and not text.startswith("@"):
        return {"type": "individual_email_address", "emailAddress": text}
    return {"type": "email_domain", "emailDomain": text.lstrip("@")}


def _party_key(side):
    side = side if isinstance(side, dict) else {}
    kind = side.get("type", "everyone")
    value = side.get("emailAddress") or side.get("emailDomain") or ""
    return (kind, value.lower() if isinstance(value, str) else "")


ETERNAL_FROM = "1900-01-01T00:00:00+0000"
ETERNAL_TO = "2100-01-01T23:59:59+0000"


class BlockedSenderPolicy(MimecastAction):
    """mimecast_blocked_sender_policy: present or absent, matched on sender, recipient, from part and option."""

    def desired(self):
        p = self.params
        now = utc_now()
        policy = {
            "description": p["description"], "fromPart": p["from_part"] or "envelope_from",
            "from": party(p["sender"]), "to": party(p["recipient"]), "enforced": p["enforced"],
            "enabled": p["enabled"], "override": p["override"], "bidirectional": p["bidirectional"],
            "comment": p["comment"], "conditions": {"sourceIPs": list(p["source_ips"])} if p["source_ips"] else {},
        }
        for name, option, eternal in (("fromDate", "from_date", ETERNAL_FROM), ("toDate", "to_date", ETERNAL_TO)):
            if p[option]:
                policy[name] = format_mimecast(resolve_window(p[option], p[option], now, datetime.timedelta(0)).start)
                policy[name.replace("Date", "Eternal")] = False
            else:
                policy[name] = eternal
                policy[name.replace("Date", "Eternal")] = True
        return {"option": p["option"] or "block_sender", "policy": policy}

    def matches(self, existing):
        p = self.params
        policy = existing.get("policy") if isinstance(existing.get("policy"), dict) else {}
        if _party_key(policy.get("from")) != _party_key(party(p["sender"])):
            return False
        if p["state"] == "absent":
            # absent: every policy for this sender, narrowed by what else was given
            if p["recipient"] is not None and _party_key(policy.get("to")) != _party_key(party(p["recipient"])):
                return False
            if p["from_part"] and policy.get("fromPart", "envelope_from") != p["from_part"]:
                return False
            return not p["option"] or existing.get("option") == p["option"]
        return (_party_key(policy.get("to")) == _party_key(party(p["recipient"])) and
                policy.get("fromPart", "envelope_from") == (p["from_part"] or "envelope_from") and
                existing.get("option") == (p["option"] or "block_sender"))

    @staticmethod
    def comparable(entry):
        policy = dict(entry.get("policy") or {})
        for name in ("createTime", "lastUpdated"):
            policy.pop(name, None)
        policy.setdefault("conditions", {})
        policy["conditions"] = dict((k, v) for k, v in (policy.get("conditions") or {}).items() if v)
        return {"option": entry.get("option"), "policy": policy}

    def main(self):
        p = self.params
        if p["state"] == "present" and not p["description"]:
            raise InputError("description is required with state=present: Mimecast needs it for a policy")
        client = self.client()
        existing = []
        for page in client.pages("read the Mimecast blocked sender policies", POLICY_GET, None):
            existing.extend(e for e in page.records if isinstance(e, dict))
        found = [e for e in existing if self.matches(e)]
        before = [self.comparable(e) for e in found]
        if p["state"] == "absent":
            if found and not self.module.check_mode:
                for entry in found:
                    client.post("delete a Mimecast blocked sender policy", POLICY_DELETE, [{"id": entry["id"]}])
            return dict(changed=bool(found), policies=[], removed=[e["id"] for e in found],
                        diff={"before": before, "after": []})
        wanted = self.desired()
        if found and any(self.comparable(e) == wanted for e in found):
            keep = next(e for e in found if self.comparable(e) == wanted)
            return dict(changed=False, policies=[keep], removed=[], diff={"before": before, "after": before})
        if self.module.check_mode:
            return dict(changed=True, policies=[dict(wanted, id=found[0]["id"] if found else None)], removed=[],
                        diff={"before": before, "after": [wanted]})
        item = dict(wanted)
        if found:
            # an update: create-policy with the policy's id (research notes M7, medium confidence)
            item["id"] = found[0]["id"]
        body = client.post("write a Mimecast blocked sender policy", POLICY_CREATE, [item])
        return dict(changed=True, policies=body["data"], removed=[], diff={"before": before, "after": [wanted]})


# -- Threat Remediation (M5) -----------------------------------------------------------------------------------
MARKER = "ansible:%s"


def remediation_argspec():
    return dict(
        file_hash=dict(type="str"),
        message_id=dict(type="str"),
        url=dict(type="str"),
        reason=dict(type="str", required=True),
        case=dict(type="str"),
        start=dict(type="str"),
        end=dict(type="str"),
        wait=dict(type="bool", default=False),
        wait_timeout=dict(type="float", default=300.0),
        poll_interval=dict(type="float", default=5.0),
    )


def incidents_of(body):
    """find-incidents answers: data[0].incidents, or incidents directly in data (the shape is not documented)."""
    data = body.get("data") or []
    if len(data) == 1 and isinstance(data[0], dict) and isinstance(data[0].get("incidents"), list):
        return [i for i in data[0]["incidents"] if isinstance(i, dict)]
    return [i for i in data if isinstance(i, dict) and "id" in i]


def settled(incident):
    counts = [incident.get(k) for k in ("identified", "successful", "failed")]
    if not all(isinstance(c, int) for c in counts):
        return False
    return counts[1] + counts[2] >= counts[0]


class RemediationIncident(MimecastAction):
    """mimecast_remediation_incident: open one incident per case, found again by the case marker in its reason."""

    def __init__(self, *args, **kwargs):
        super(RemediationIncident, self).__init__(*args, **kwargs)
        self.sleep = time.sleep
        self.clock = time.monotonic

    def reason(self):
        p = self.params
        if p["case"]:
            return "%s [%s]" % (p["reason"].strip(), MARKER % p["case"].strip())
        return p["reason"].strip()

    def main(self):
        p = self.params
        given = [k for k in ("file_hash", "message_id", "url") if p[k]]
        if len(given) != 1:
            raise InputError("give exactly one of file_hash, message_id, url (got %s)"
                             % (", ".join(given) or "none"))
        if p["case"] is not None and not p["case"].strip():
            raise InputError("case is empty: give the case or ticket id that marks this incident")
        if not p["reason"].strip():
            raise InputError("reason is empty: say why the messages are removed")
        if p["wait_timeout"] <= 0 or p["poll_interval"] <= 0:
            raise InputError("wait_timeout and poll_interval must be more than 0 seconds")
        item = {"reason": self.reason()}
        if p["file_hash"]:
            if not re.match(r"^(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{64})$", p["file_hash"].strip()):
                raise InputError("file_hash: %r is not an MD5, SHA-1 or SHA-256 hash (hexadecimal)" % p["file_hash"])
            item.update(searchBy="hash", hashOrMessageId=p["file_hash"].strip().lower())
        elif p["message_id"]:
            value = p["message_id"].strip()
            # Mimecast needs the angle brackets of a message id
            item.update(searchBy="messageId", hashOrMessageId=value if value.startswith("<") else "<%s>" % value)
        else:
            item.update(searchBy="url", url=p["url"].strip())
        window = self.window(30)
        item.update(start=format_mimecast(window.start), end=format_mimecast(window.end))
        client = self.client()
        existing = None
        if p["case"]:
            body = client.post("find Mimecast remediation incidents", REM_FIND, [{"searchBy": [
                {"fieldName": "reason", "value": MARKER % p["case"].strip()}]}])
            matching = [i for i in incidents_of(body) if (MARKER % p["case"].strip()) in ("%s" % i.get("reason"))]
            existing = matching[0] if matching else None
        if existing is None and self.module.check_mode:
            return dict(changed=True, incident=None, created=False, settled=False, counts={})
        if existing is None:
            body = client.post("open a Mimecast remediation incident", REM_CREATE, [item])
            incident, created = body["data"][0], True
        else:
            incident, created = existing, False
        if p["wait"] and not self.module.check_mode:
            incident = self.wait(client, incident)
        # the counts also come under counts: a top-level "failed" would mark the task as failed in Ansible
        counts = dict((k, incident.get(k)) for k in ("identified", "successful", "failed"))
        return dict(changed=created, created=created, incident=incident, settled=settled(incident), counts=counts,
                    id=incident.get("id"), code=incident.get("code"), identified=counts["identified"],
                    successful=counts["successful"])

    def wait(self, client, incident):
        """Read the incident again until its counts settle (successful + failed reach identified) or time is up."""
        deadline = self.clock() + self.params["wait_timeout"]
        while not settled(incident):
            if self.clock() + self.params["poll_interval"] > deadline:
                self.module.warn("the remediation incident %s had not settled after %s seconds (identified %s, "
                                 "successful %s, failed %s); it goes on at Mimecast" % (
                                     incident.get("code") or incident.get("id"), self.params["wait_timeout"],
                                     incident.get("identified"), incident.get("successful"), incident.get("failed")))
                return incident
            self.sleep(self.params["poll_interval"])
            body = client.post("read a Mimecast remediation incident", REM_GET, [{"id": incident["id"]}])
            incident = body["data"][0]
        return incident


__all__ = ["auth_argspec", "hold_argspec", "held_argspec", "policy_argspec", "remediation_argspec", "HeldMessageInfo",
           "HeldMessage", "BlockedSenderPolicy", "RemediationIncident"]
