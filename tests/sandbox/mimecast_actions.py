# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Mimecast's action endpoints, as strict as shared/api/ACTIONS.md (labels M1 to M7 there).

The hold queue holds one item for every recipient of a tracked email whose status is ``held`` (as captured:
one item per recipient, ``to`` one object); releasing or rejecting one changes the tracked email too
(``archived`` or ``rejected``) and writes a held release log.  Blocked sender policies and Threat Remediation
incidents live in memory; remediation removes the delivered copies it finds from the mailboxes (``removed`` in
the state).  Answers have the shapes and words of the captures in shared/api/real-samples (mimecast-actions-*),
which win over ACTIONS.md where they differ.  Where no source shows something, the choice made here is said beside
it.  Every endpoint needs its own permission: read, or edit.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import re
import threading

from .mimecast import bad, enveloped, envelope, failure, parse_body_date
from .reply import Reply

UTC = datetime.timezone.utc
HOLD_LIST = "/api/gateway/get-hold-message-list"
HOLD_RELEASE = "/api/gateway/hold-release"
HOLD_REJECT = "/api/gateway/hold-reject"
RELEASE_LOGS = "/api/gateway/get-held-release-logs"
REM_CREATE = "/api/ttp/remediation/create"
REM_CREATE_V2 = "/api/ttp/remediation/v2/create"
REM_GET = "/api/ttp/remediation/get-incident"
REM_FIND = "/api/ttp/remediation/find-incidents"
POLICY_CREATE = "/api/policy/blockedsenders/create-policy"
POLICY_GET = "/api/policy/blockedsenders/get-policy"
POLICY_DELETE = "/api/policy/blockedsenders/delete-policy"
# what each endpoint needs of the application's role
PERMISSIONS = {HOLD_LIST: "read", RELEASE_LOGS: "read", REM_GET: "read", REM_FIND: "read", POLICY_GET: "read",
               HOLD_RELEASE: "edit", HOLD_REJECT: "edit", REM_CREATE: "edit", REM_CREATE_V2: "edit",
               POLICY_CREATE: "edit", POLICY_DELETE: "edit"}
PATHS = tuple(PERMISSIONS)
REASON_TYPES = ("MESSAGE CONTAINS UNDESIRABLE CONTENT", "MESSAGE CONTAINS CONFIDENTIAL INFORMATION",
                "REVIEWER DISAPPROVES OF CONTENT", "INAPPROPRIATE COMMUNICATION", "MESSAGE GOES AGAINST EMAIL POLICIES")
# the API 2.0 reject form one client uses (ACTIONS.md M3, conflict): accepted from API 2.0 callers only
REASON_CODES = ("inappropriate_communication", "confidential_information", "disapproves_of_content",
                "against_email_policies")
SEARCH_FIELDS = ("all", "subject", "sender", "recipient", "reason_code")
FROM_TYPES = ("everyone", "internal_addresses", "external_addresses", "email_domain", "profile_group",
              "individual_email_address", "address_attribute_value", "free_mail_domains", "header_display_name")
# the value key of each party type in the object form, and so what the flat fromValue/toValue stands for
VALUE_KEYS = {"email_domain": "emailDomain", "individual_email_address": "emailAddress", "profile_group": "groupId",
              "header_display_name": "headerDisplayName"}
# the hold's policyInfo for the tracked email's info text (its reason)
HOLD_POLICIES = {
    "Message Hold Applied - Spam Signature policy": "Relaxed Spam Detection",       # real pair (demisto-1)
    "Message Hold Applied - Content examination policy": "Malicious Attachment",   # real pair (chronicle-1)
    # no capture shows the policy name of a Targeted Threat Protection URL hold: the campaign's messages carry
    # an HTML attachment, so the sandbox reuses the captured "Malicious Attachment" rather than invent a name
    "Message Hold Applied - Targeted Threat Protection URL policy": "Malicious Attachment",
}
ETERNAL_FROM = "1900-01-01T00:00:00+0000"
ETERNAL_TO = "2100-01-01T23:59:59+0000"
HEX = re.compile(r"^(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{64})$")


def body_date(seconds: float) -> str:
    return datetime.datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def _token(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode().rstrip("=")


def _offset(token):
    try:
        value = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))["o"]
        return value if isinstance(value, int) and value >= 0 else None
    except (ValueError, TypeError, KeyError):
        return None


def refused(code: str, message: str, key=None) -> Reply:
    """A request Mimecast refuses while answering HTTP 200 (the fail[] rule)."""
    return Reply(200, envelope(200, [], [failure(code, message, key)]))


class MimecastActions:
    """The hold queue, held release logs, blocked sender policies and remediation incidents of one tenant."""

    def __init__(self, data, campaign, clock):
        self.data = data
        self.campaign = campaign
        self.clock = clock
        self._lock = threading.Lock()
        self.hold = {}  # held id -> (tracked email position, item)
        for pos, record in enumerate(data.records):
            if record["status"] == "held":
                for n in range(len(record["to"])):
                    item = self._held_item(pos, record, n)
                    self.hold[item["id"]] = (pos, item)
        self.release_logs = []
        self.policies = {}
        self._policy_serial = 0
        self.incidents = {}
        self._work = {}  # incident id -> {"copies": [(position, recipient)], "reads": n}
        self.removed = {}  # (position, recipient) -> incident id: copies remediation took out of the mailboxes
        self._endless = 0  # pages served by the endless fault, so that each has new items and a new token
        self.changes = 0  # state changes, so tests can tell that a run changed nothing

    # -- the hold queue ---------------------------------------------------------------------------------
    @staticmethod
    def held_id(record, n=0):
        """A held id that starts as captured ones do (an opaque ``eNpVz...`` string); one for each recipient.

        After the prefix only lower-case letters and digits, so that ids sort the same case-sensitively (Python,
        the state's order) and case-insensitively (Jinja's default sort): captured ids mix cases after it."""
        digest = hashlib.sha256(("%s:%d" % (record["id"], n)).encode()).digest()
        digest += hashlib.sha256(digest).digest()
        return "eNpVz" + base64.b32encode(digest).decode().rstrip("=").lower()

    @classmethod
    def _held_item(cls, pos, record, n):
        """The hold queue item of one recipient of a held tracked email: the field set of the captures
        (real-samples/mimecast-actions-demisto-1, -chronicle-1), no more and no less."""
        reason = record["info"]
        code = re.sub(r"[^A-Za-z0-9]+", "_", reason).strip("_")
        return {
            "id": cls.held_id(record, n), "reason": reason, "reasonId": code.upper(), "reasonCode": code.lower(),
            # from carries a display name here, as captured (the header's: both captures show the same on both)
            "from": {"emailAddress": record["fromEnv"]["emailAddress"],
                     "displayableName": record["fromHdr"]["displayableName"]},
            "fromHeader": dict(record["fromHdr"]), "to": dict(record["to"][n]),
            "subject": record["subject"], "route": record["route"].upper(), "hasAttachments": record["attachments"],
            "size": 20000 + pos, "dateReceived": record["received"], "policyInfo": HOLD_POLICIES[reason],
        }

    def state(self) -> dict:
        with self._lock:
            incidents = sorted(self.incidents.values(), key=lambda i: i["id"])
            removed = [{"message_id": self.data.message_ids[pos], "recipient": rcpt, "incident": incident}
                       for (pos, rcpt), incident in self.removed.items()]
            removed.sort(key=lambda r: (r["message_id"], r["recipient"], r["incident"]))
            return {"hold": sorted(self.hold), "release_logs": list(self.release_logs),
                    "policies": sorted(self.policies.values(), key=lambda p: p["id"]),
                    "incidents": json.loads(json.dumps(incidents)), "removed": removed, "changes": self.changes}

    def campaign_facts(self) -> dict:
        """What the describe line adds to the campaign: the header-From spoof pair in the hold queue, and the
        campaign's delivered (archived) Mimecast copies, one a recipient."""
        with self._lock:
            return self._campaign_facts()

    def _campaign_facts(self) -> dict:
        facts = {}
        spoof = self.data.spoof_positions
        if spoof:
            partner = self.data.records[spoof["partner"]]
            facts["spoof"] = {"partner": partner["fromHdr"]["emailAddress"], "partner_id": self.held_id(partner),
                              "attacker_id": self.held_id(self.data.records[spoof["attacker"]])}
        facts["mimecast_delivered"] = [
            {"tracked_id": record["id"], "message_id": self.data.message_ids[pos], "recipient": to["emailAddress"]}
            for pos, record in ((p, self.data.records[p]) for p in self.data.campaign_positions)
            if record["status"] == "archived" for to in record["to"]]
        return facts

    def handle(self, api, request, faults=()) -> Reply:
        path = request.path
        refusal, body, role = enveloped(api, request, faults, PERMISSIONS[path])
        if refusal is not None:
            return refusal
        bearer = (request.header("Authorization") or "").startswith("Bearer ")
        handler = {HOLD_LIST: self._hold_list, HOLD_RELEASE: self._release, HOLD_REJECT: self._reject,
                   RELEASE_LOGS: self._release_logs, REM_CREATE: self._rem_create, REM_CREATE_V2: self._rem_create_v2,
                   REM_GET: self._rem_get, REM_FIND: self._rem_find, POLICY_CREATE: self._policy_create,
                   POLICY_GET: self._policy_get, POLICY_DELETE: self._policy_delete}[path]
        kinds = {f.kind: f for f in faults}
        with self._lock:
            return handler(body, bearer, kinds)

    def _page(self, body, items, wrap=None, endless=None, fake=None):
        """One page of ``items`` for the meta.pagination of the request; the last page may carry a next token
        that leads to an empty page (FACTS.md, API 2.0 list endpoints).  Under the ``endless`` fault every page
        has a new next token and ``items`` new items made by ``fake(n)``."""
        pagination = (body.get("meta") or {}).get("pagination") or {}
        size = pagination.get("pageSize", 25)
        if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= 500:
            return bad("err_validation_page_size", "pageSize must be an integer from 1 to 500.")
        offset = 0
        if pagination.get("pageToken"):
            offset = _offset(pagination["pageToken"])
            if offset is None:
                return bad("err_validation_page_token", "The pageToken is not valid.")
        if endless is not None:
            self._endless += 1
            count = endless.params["items"]
            page = [fake(self._endless * 1000 + n) for n in range(count)]
            meta = {"pageSize": size, "totalCount": offset + len(page) + size,
                    "next": _token(offset + max(1, len(page)) + self._endless)}
            answer = envelope(200, wrap(page) if wrap else page)
            answer["meta"]["pagination"] = meta
            return Reply(200, answer)
        page = items[offset:offset + size]
        meta = {"pageSize": size, "totalCount": len(items)}
        if offset + len(page) < len(items) or (page and len(page) == size and offset + size == len(items)):
            meta["next"] = _token(offset + size)
        if offset:
            meta["previous"] = _token(max(0, offset - size))
        answer = envelope(200, wrap(page) if wrap else page)
        answer["meta"]["pagination"] = meta
        return Reply(200, answer)

    def _window(self, item, default_days=30):
        now = self.clock()
        start = parse_body_date(item["start"]) if "start" in item else now - default_days * 86400
        end = parse_body_date(item["end"]) if "end" in item else now
        if start is None or end is None:
            return None
        return start, end

    def _fake_held(self, n):
        """A held item that exists on no page before (the endless fault): a copy of a real item, new id."""
        ordered = sorted(self.hold.values(), key=lambda v: v[1]["id"])
        if ordered:
            item = json.loads(json.dumps(ordered[n % len(ordered)][1]))
        else:
            item = {"id": "", "reason": "", "reasonId": "", "reasonCode": "", "from": {}, "fromHeader": {}, "to": {},
                    "subject": "", "route": "INBOUND", "hasAttachments": False, "size": 0,
                    "dateReceived": body_date(self.clock()), "policyInfo": ""}
        item["id"] = "eNpVzEndless%08d" % n
        return item

    def _hold_list(self, body, bearer, kinds):
        item = body["data"][0] if body["data"] else {}
        unknown = sorted(set(item) - {"admin", "start", "end", "searchBy", "filterBy"})
        if unknown:
            return bad("err_validation_unknown_field", "Unknown field: %s." % ", ".join(unknown))
        if "admin" in item and not isinstance(item["admin"], bool):
            return bad("err_validation_type", "admin must be a boolean.")
        window = self._window(item)
        if window is None:
            return bad("err_validation_date_format", "start and end must be dates like 2015-11-16T14:49:18+0000.")
        search = item.get("searchBy") or {}
        if search and (not isinstance(search, dict) or search.get("fieldName", "all") not in SEARCH_FIELDS or
                       not isinstance(search.get("value", ""), str)):
            return bad("err_validation_search_by", "searchBy needs fieldName (%s) and a value."
                       % ", ".join(SEARCH_FIELDS))
        filters = item.get("filterBy") or []
        known = ("route", "heldGroup", "attachments")
        if not isinstance(filters, list) or not all(isinstance(f, dict) and f.get("fieldName") in known
                                                    for f in filters):
            return bad("err_validation_filter_by", "filterBy items need fieldName route, heldGroup or attachments.")
        if not item.get("admin"):
            # default false: only the authenticated user's own holds, and the API user holds no mail
            return self._page(body, [], endless=kinds.get("endless"), fake=self._fake_held)
        found = []
        for pos, held in sorted(self.hold.values(), key=lambda v: (v[1]["dateReceived"], v[1]["id"])):
            received = parse_body_date(held["dateReceived"])
            if not window[0] <= received <= window[1]:
                continue
            if search.get("value") and not self._searched(held, search.get("fieldName", "all"), search["value"]):
                continue
            if not all(self._filtered(held, f) for f in filters):
                continue
            found.append(held)
        return self._page(body, found, endless=kinds.get("endless"), fake=self._fake_held)

    @staticmethod
    def _searched(held, field, value):
        value = value.lower()
        texts = {"subject": [held["subject"]], "sender": [held["from"]["emailAddress"]],
                 "recipient": [held["to"]["emailAddress"]], "reason_code": [held["reasonCode"]]}
        wanted = [t for name, values in texts.items() if field in ("all", name) for t in values]
        return any(value in (t or "").lower() for t in wanted)

    @staticmethod
    def _filtered(held, spec):
        value = spec.get("value")
        if spec["fieldName"] == "route":
            return value in (None, "all") or (value == "external" and held["route"] != "INTERNAL") or \
                str(value).upper() == held["route"]
        if spec["fieldName"] == "heldGroup":
            # no capture shows a hold item's group (items carry none): the sandbox holds everything for the
            # administrators
            return value == "administrator"
        return bool(value) == held["hasAttachments"]

    def _act(self, held_id, status, reject_reason=None):
        pos, held = self.hold.pop(held_id)
        record = self.data.records[pos]
        record["status"] = "archived" if status == "released" else "rejected"
        record["info"] = "Indexed and archived" if status == "released" else "Message Rejected by Administrator"
        self.release_logs.append({
            "id": held_id, "operator": {"email": "api@sandbox.example"}, "released": body_date(self.clock()),
            "rejectReason": reject_reason, "heldReason": held["reason"], "heldGroup": "administrator",
            "policy": held["policyInfo"], "route": held["route"].lower(),
            "fromEnv": {"address": held["from"]["emailAddress"], "domain": held["from"]["emailAddress"].split("@")[-1]},
            "fromHdr": {"address": held["fromHeader"]["emailAddress"]}, "messageInfo": held["subject"],
            "size": held["size"], "attachments": held["hasAttachments"], "status": status})
        self.changes += 1

    def _decide(self, ids, verb, status, kinds, reject_reason=None):
        """release|reject each id, as captured: data[{id, release|reject: true}], fail [] (demisto-2, -3)."""
        results, fails = [], []
        for held_id in ids:
            if "refuse" in kinds:
                # the refuse fault: nothing changes; false with a keyed fail[] entry of the fault's code
                results.append({"id": held_id, verb: False})
                fails.append(failure(kinds["refuse"].params["code"], "The message cannot be %s." % status,
                                     {"id": held_id}))
            elif "unconfirmed" in kinds:
                # the unconfirmed fault: nothing changes; false and an empty fail[] (the mock demisto-7)
                results.append({"id": held_id, verb: False})
            elif held_id in self.hold:
                self._act(held_id, status, reject_reason)
                results.append({"id": held_id, verb: True})
            else:
                # undocumented at Mimecast (ACTIONS.md M2): the sandbox's choice is false with a keyed fail[] entry
                results.append({"id": held_id, verb: False})
                fails.append(failure("err_hold_message_not_found", "The message is no longer held.", {"id": held_id}))
        return Reply(200, envelope(200, results, fails))

    def _release(self, body, bearer, kinds):
        if not body["data"]:
            return bad("err_validation_blank", "Give the id of a held message.")
        for item in body["data"]:
            if set(item) != {"id"} or not isinstance(item["id"], str):
                return bad("err_validation_unknown_field", "Each item is {\"id\": \"<held message id>\"}.")
        return self._decide([item["id"] for item in body["data"]], "release", "released", kinds)

    def _reject(self, body, bearer, kinds):
        if len(body["data"]) != 1:
            return bad("err_validation_blank", "data must hold one object with ids.")
        item = body["data"][0]
        documented = {"ids", "message", "reasonType", "notify"}
        api2 = {"ids", "notify", "notes", "reason"}
        if set(item) <= documented:
            reason = item.get("reasonType")
            if reason is not None and reason not in REASON_TYPES:
                return bad("err_validation_reason_type", "reasonType must be one of: %s." % ", ".join(REASON_TYPES))
        elif bearer and set(item) <= api2:
            reason = item.get("reason")
            if reason is not None and reason not in REASON_CODES:
                return bad("err_validation_reason", "reason must be one of: %s." % ", ".join(REASON_CODES))
        else:
            return bad("err_validation_unknown_field", "Unknown field: %s." % ", ".join(sorted(set(item) - documented)))
        ids = item.get("ids")
        if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
            return bad("err_validation_blank", "ids must be a non-empty array of held message ids.")
        if "notify" in item and not isinstance(item["notify"], bool):
            return bad("err_validation_type", "notify must be a boolean.")
        return self._decide(ids, "reject", "rejected", kinds, reason)

    def _release_logs(self, body, bearer, kinds):
        item = body["data"][0] if body["data"] else {}
        unknown = sorted(set(item) - {"start", "end", "searchBy", "filterBy"})
        if unknown:
            return bad("err_validation_unknown_field", "Unknown field: %s." % ", ".join(unknown))
        status = [f.get("value") for f in item.get("filterBy") or [] if f.get("fieldName") == "status"]
        logs = [log for log in self.release_logs if not status or log["status"] in status]
        return self._page(body, logs, wrap=lambda page: [{"heldReleaseLogs": page}])

    # -- Threat Remediation (M5) -------------------------------------------------------------------------------
    def _affected(self, search_by, values, start, end):
        """The delivered (archived) copies, (position, recipient), that hold this hash, URL or one of these
        message ids and are still in their mailboxes."""
        found = []
        for pos in self.data.between(start * 1000, end * 1000):
            record = self.data.records[pos]
            if record["status"] != "archived":
                continue
            campaign = record["subject"] == self.campaign.subject
            if search_by == "hash":
                hit = campaign and values[0].lower() == self.campaign.attachment_sha256
            elif search_by == "url":
                hit = campaign and values[0] == self.campaign.url
            else:
                hit = self.data.message_ids[pos] in values
            if hit:
                found += [(pos, to["emailAddress"]) for to in record["to"]
                          if (pos, to["emailAddress"]) not in self.removed]
        return found

    def _rem_create(self, body, bearer, kinds):
        if len(body["data"]) != 1:
            return bad("err_validation_blank", "data must hold one object.")
        item = body["data"][0]
        unknown = sorted(set(item) - {"reason", "searchBy", "hashOrMessageId", "url", "start", "end"})
        if unknown:
            return bad("err_validation_unknown_field", "Unknown field: %s." % ", ".join(unknown))
        search_by = item.get("searchBy", "hash")
        if search_by not in ("hash", "messageId", "url"):
            return bad("err_validation_search_by", "searchBy must be hash, messageId or url.")
        value = item.get("url") if search_by == "url" else item.get("hashOrMessageId")
        if not isinstance(value, str) or not value:
            return bad("err_validation_blank", "%s is required for searchBy %s."
                       % ("url" if search_by == "url" else "hashOrMessageId", search_by))
        criterion = {"hash": "fileHash", "messageId": "messageId", "url": "url"}[search_by]
        return self._new_incident(item, search_by, [value], {criterion: value})

    def _rem_create_v2(self, body, bearer, kinds):
        """v2 create (ACTIONS.md M5, documented, no client seen): the same answer as v1."""
        if len(body["data"]) != 1:
            return bad("err_validation_blank", "data must hold one object.")
        item = body["data"][0]
        unknown = sorted(set(item) - {"reason", "searchBy", "hash", "messageIds", "url", "start", "end"})
        if unknown:
            return bad("err_validation_unknown_field", "Unknown field: %s." % ", ".join(unknown))
        search_by = item.get("searchBy", "hash")
        if search_by not in ("hash", "message_ids", "url"):
            return bad("err_validation_search_by", "searchBy must be hash, message_ids or url.")
        if search_by == "message_ids":
            ids = item.get("messageIds")
            if not isinstance(ids, list) or not ids or not all(isinstance(i, str) and i for i in ids):
                return bad("err_validation_blank", "messageIds must be a non-empty array for searchBy message_ids.")
            return self._new_incident(item, "messageId", list(ids), {"messageIds": list(ids)})
        name = "hash" if search_by == "hash" else "url"
        value = item.get(name)
        if not isinstance(value, str) or not value:
            return bad("err_validation_blank", "%s is required for searchBy %s." % (name, search_by))
        criterion = {"hash": "fileHash", "url": "url"}[search_by]
        return self._new_incident(item, search_by, [value], {criterion: value})

    def _new_incident(self, item, search_by, values, criteria):
        if not isinstance(item.get("reason"), str) or not item["reason"].strip():
            return bad("err_validation_blank", "reason is required.")
        if search_by == "hash" and not HEX.match(values[0]):
            return bad("err_validation_hash", "The hash must be an MD5, SHA-1 or SHA-256 hash.")
        if search_by == "messageId" and not all(v.startswith("<") and v.endswith(">") for v in values):
            # documented for v1's hashOrMessageId; the sandbox asks the same of v2's messageIds (no source says)
            return bad("err_validation_message_id", "A message id must keep its angle brackets.")
        window = self._window(item)
        if window is None:
            return bad("err_validation_date_format", "start and end must be dates like 2015-11-16T14:49:18+0000.")
        now = self.clock()
        number = len(self.incidents) + 1
        # searchCriteria holds the keys that were asked and no null ones (the capture demisto-6 has start, end and
        # messageId).  A URL search's key is not documented: the sandbox's choice is the request's word, url.
        search_criteria = {k: body_date(v) for k, v in (("start", window[0]), ("end", window[1])) if k in item}
        search_criteria.update(criteria)
        incident = {
            # code of the captured form TR-<account>-<serial>-M (demisto-6); type "manual" as captured
            "id": "MTE2NjE0OD%06d" % number, "code": "TR-CSBX1A0001-%05d-M" % number, "type": "manual",
            "reason": item["reason"],
            # the work is asynchronous: a new incident has counted nothing yet (see _rem_get)
            "identified": 0, "successful": 0, "failed": 0, "restored": 0,
            "create": body_date(now), "modified": body_date(now), "searchCriteria": search_criteria,
        }
        self.incidents[incident["id"]] = incident
        self._work[incident["id"]] = {"copies": self._affected(search_by, values, *window), "reads": 0}
        self.changes += 1
        return Reply(200, envelope(200, [json.loads(json.dumps(incident))]))

    def _progress(self, incident):
        """The work runs asynchronously: the first look at an incident finds what it identified and nothing
        removed yet; each later look finds up to two more copies removed from their mailboxes."""
        work = self._work[incident["id"]]
        work["reads"] += 1
        if work["reads"] == 1:
            incident["identified"] = len(work["copies"])
            return
        left = incident["identified"] - incident["successful"] - incident["failed"]
        if left > 0:
            done = incident["successful"]
            incident["successful"] += min(2, left)
            for copy in work["copies"][done:incident["successful"]]:
                self.removed.setdefault(copy, incident["id"])
            # the vendor's own work, not a client's change: not counted in changes
            incident["modified"] = body_date(self.clock())

    def _rem_get(self, body, bearer, kinds):
        if len(body["data"]) != 1 or set(body["data"][0]) != {"id"}:
            return bad("err_validation_blank", "data must hold one object with the incident id.")
        incident = self.incidents.get(body["data"][0]["id"])
        if incident is None:
            return refused("err_incident_not_found", "No incident has this id.", body["data"][0])
        self._progress(incident)
        return Reply(200, envelope(200, [json.loads(json.dumps(incident))]))

    def _rem_find(self, body, bearer, kinds):
        item = body["data"][0] if body["data"] else {}
        unknown = sorted(set(item) - {"start", "end", "searchBy", "filterBy"})
        if unknown:
            return bad("err_validation_unknown_field", "Unknown field: %s." % ", ".join(unknown))
        if not item:
            return bad("err_validation_blank", "At least one field is required.")
        searches = item.get("searchBy") or []
        if not isinstance(searches, list) or not all(
                isinstance(s, dict) and s.get("fieldName") in ("all", "code", "file_hash", "reason") and
                isinstance(s.get("value"), str) for s in searches):
            return bad("err_validation_search_by", "searchBy items need fieldName all, code, file_hash or reason, "
                                                   "and a value.")
        found = []
        for incident in sorted(self.incidents.values(), key=lambda i: i["id"]):
            texts = {"code": incident["code"], "reason": incident["reason"],
                     "file_hash": incident["searchCriteria"].get("fileHash") or ""}
            if all(any(s["value"].lower() in texts[name].lower() for name in texts
                       if s["fieldName"] in ("all", name)) for s in searches):
                # the response shape is not documented (ACTIONS.md M5).  The sandbox answers data[0].incidents,
                # and, conservatively, items without searchCriteria: a client reads get-incident for the criteria
                found.append({k: incident[k] for k in ("id", "code", "type", "reason", "identified", "successful",
                                                       "failed", "restored", "create", "modified")})
        return Reply(200, envelope(200, [{"incidents": found}]))

    # -- blocked sender policies (M7) ----------------------------------------------------------------------------
    @staticmethod
    def _party(policy, side):
        """The from or to party of a request as an object, from the object form or the flat form
        (fromType/fromValue, as XSOAR sends it), or an error Reply."""
        flat_type, flat_value = policy.get(side + "Type"), policy.get(side + "Value")
        party = policy.get(side)
        if party is not None and not isinstance(party, dict):
            return bad("err_validation_type", "%s must be an object with a type." % side)
        if flat_type is None and flat_value is None:
            return dict(party) if party is not None else {"type": "everyone"}
        if flat_type is None:
            return bad("err_validation_blank", "%sValue needs %sType." % (side, side))
        if flat_type == "address_attribute_value":
            # the flat form of an attribute party is not documented: the sandbox takes it in the object form only
            return bad("err_validation_type", "give an address_attribute_value party as the %s object." % side)
        flat = {"type": flat_type}
        if flat_value is not None and flat_type in VALUE_KEYS:
            flat[VALUE_KEYS[flat_type]] = flat_value
        if party is not None and party != flat:
            # both forms that disagree: no source shows what Mimecast does; the sandbox refuses
            return bad("err_validation_conflict",
                       "policy.%s and the flat %sType/%sValue disagree." % (side, side, side))
        return flat

    @staticmethod
    def _invalid_value(option, side):
        """The refusal of a missing or malformed from/to value, in the shape of the capture
        real-samples/mimecast-actions-chronicle-3 (HTTP 200, keyed by option, errors with field and retryable).
        The to side's code is the sandbox's analogue of the captured from side's."""
        return Reply(200, envelope(200, [], [{"key": {"option": option}, "errors": [{
            "field": "policy", "code": "err_policy_invalid_%s_value" % side, "message": "Invalid %sValue" % side,
            "retryable": True}]}]))

    @staticmethod
    def _value_ok(party):
        kind = party["type"]
        value = party.get(VALUE_KEYS.get(kind, ""))
        if kind == "email_domain":
            return isinstance(value, str) and re.match(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?\.[A-Za-z]{2,}$",
                                                       value) is not None
        if kind == "individual_email_address":
            return isinstance(value, str) and re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", value) is not None
        if kind in VALUE_KEYS:
            return isinstance(value, str) and bool(value.strip())
        return True

    @staticmethod
    def _echo(option, policy_id, stored):
        """A policy as Mimecast echoes it: the objects and the flat copies (fromType, fromValue when the from
        party has a value, toType, toValue likewise), in the captures' order (demisto-4, -5, rapid7-1); no
        comment (no capture has one)."""
        policy = {"description": stored["description"], "fromPart": stored["fromPart"], "from": stored["from"],
                  "to": stored["to"]}
        for side in ("from", "to"):
            party = stored[side]
            policy[side + "Type"] = party["type"]
            if party.get(VALUE_KEYS.get(party["type"], "")) is not None:
                policy[side + "Value"] = party[VALUE_KEYS[party["type"]]]
        for name in ("fromEternal", "toEternal", "fromDate", "toDate", "override", "bidirectional", "conditions",
                     "enabled", "enforced", "createTime", "lastUpdated"):
            policy[name] = stored[name]
        return json.loads(json.dumps({"option": option, "id": policy_id, "policy": policy}))

    def _policy_create(self, body, bearer, kinds):
        if len(body["data"]) != 1:
            return bad("err_validation_blank", "data must hold one object.")
        item = body["data"][0]
        unknown = sorted(set(item) - {"id", "option", "policy"})
        if unknown:
            return bad("err_validation_unknown_field", "Unknown field: %s." % ", ".join(unknown))
        if item.get("option") not in ("no_action", "block_sender"):
            return bad("err_validation_option", "option must be no_action or block_sender.")
        policy = item.get("policy")
        if not isinstance(policy, dict) or not isinstance(policy.get("description"), str) or \
                not policy["description"].strip():
            return bad("err_validation_blank", "policy.description is required.")
        allowed = {"description", "fromPart", "from", "to", "fromType", "fromValue", "toType", "toValue", "fromDate",
                   "toDate", "fromEternal", "toEternal", "override", "bidirectional", "comment", "enabled",
                   "enforced", "conditions"}
        unknown = sorted(set(policy) - allowed)
        if unknown:
            return bad("err_validation_unknown_field", "Unknown field in policy: %s." % ", ".join(unknown))
        if policy.get("fromPart", "envelope_from") not in ("envelope_from", "header_from", "both"):
            return bad("err_validation_from_part", "fromPart must be envelope_from, header_from or both.")
        parties = {}
        for side in ("from", "to"):
            party = self._party(policy, side)
            if isinstance(party, Reply):
                return party
            if party.get("type") not in FROM_TYPES:
                return bad("err_validation_type", "%s.type must be one of: %s." % (side, ", ".join(FROM_TYPES)))
            if not self._value_ok(party):
                return self._invalid_value(item["option"], side)
            parties[side] = party
        for name in ("fromDate", "toDate"):
            if name in policy and parse_body_date(policy[name]) is None:
                return bad("err_validation_date_format", "%s must be a date like 2015-11-16T14:49:18+0000." % name)
        for name in ("fromEternal", "toEternal", "override", "bidirectional", "enabled", "enforced"):
            if name in policy and not isinstance(policy[name], bool):
                return bad("err_validation_type", "%s must be a boolean." % name)
        if "comment" in policy and not isinstance(policy["comment"], str):
            return bad("err_validation_type", "comment must be a string.")
        conditions = policy.get("conditions") or {}
        if not isinstance(conditions, dict) or set(conditions) - {"sourceIPs", "spfDomains", "hostnames"} or \
                not all(isinstance(v, list) and all(isinstance(x, str) for x in v) for v in conditions.values()):
            return bad("err_validation_conditions", "conditions holds lists: sourceIPs, spfDomains, hostnames.")
        now = body_date(self.clock())
        if "id" in item:
            # an update: create-policy with the id of an existing policy (ACTIONS.md M7, medium confidence)
            old = self.policies.get(item["id"])
            if old is None:
                return refused("err_policy_not_found", "No policy has this id.", {"id": item["id"]})
            policy_id, created = item["id"], old["policy"]["createTime"]
        else:
            self._policy_serial += 1
            policy_id, created = "eNo1jPol%08d" % self._policy_serial, now
        # comment is accepted and dropped: no captured answer carries it
        stored = {"description": policy["description"], "fromPart": policy.get("fromPart", "envelope_from"),
                  "from": parties["from"], "to": parties["to"],
                  "fromEternal": policy.get("fromEternal", True), "toEternal": policy.get("toEternal", True),
                  "fromDate": policy.get("fromDate", ETERNAL_FROM), "toDate": policy.get("toDate", ETERNAL_TO),
                  "override": policy.get("override", False), "bidirectional": policy.get("bidirectional", False),
                  "conditions": conditions, "enabled": policy.get("enabled", True),
                  "enforced": policy.get("enforced", False), "createTime": created, "lastUpdated": now}
        self.policies[policy_id] = self._echo(item["option"], policy_id, stored)
        self.changes += 1
        return Reply(200, envelope(200, [json.loads(json.dumps(self.policies[policy_id]))]))

    def _fake_policy(self, n):
        """A policy that exists on no page before (the endless fault)."""
        stored = {"description": "endless %d" % n, "fromPart": "envelope_from",
                  "from": {"type": "email_domain", "emailDomain": "endless-%d.example" % n}, "to": {"type": "everyone"},
                  "fromEternal": True, "toEternal": True, "fromDate": ETERNAL_FROM, "toDate": ETERNAL_TO,
                  "override": False, "bidirectional": False, "conditions": {}, "enabled": True, "enforced": False,
                  "createTime": body_date(self.clock()), "lastUpdated": body_date(self.clock())}
        return self._echo("block_sender", "eNo1jEndless%08d" % n, stored)

    def _policy_get(self, body, bearer, kinds):
        if body["data"]:
            if len(body["data"]) != 1 or set(body["data"][0]) != {"id"}:
                return bad("err_validation_blank", "data is [] for every policy, or [{\"id\": ...}] for one.")
            found = self.policies.get(body["data"][0]["id"])
            if found is None:
                return refused("err_policy_not_found", "No policy has this id.", body["data"][0])
            return Reply(200, envelope(200, [json.loads(json.dumps(found))]))
        ordered = sorted(self.policies.values(), key=lambda p: p["id"])
        return self._page(body, [json.loads(json.dumps(p)) for p in ordered], endless=kinds.get("endless"),
                          fake=self._fake_policy)

    def _policy_delete(self, body, bearer, kinds):
        if len(body["data"]) != 1 or set(body["data"][0]) != {"id"}:
            return bad("err_validation_blank", "data must hold one object with the policy id.")
        policy_id = body["data"][0]["id"]
        if policy_id not in self.policies:
            # no capture shows this answer; the sandbox answers HTTP 200 with meta.status 404 and nothing else
            return Reply(200, {"meta": {"status": 404}, "data": [], "fail": []})
        del self.policies[policy_id]
        self.changes += 1
        # as captured (rapid7-2): data[{id}]
        return Reply(200, envelope(200, [{"id": policy_id}]))
