# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Mimecast's action endpoints, as strict as shared/api/ACTIONS.md (labels M1 to M7 there).

The hold queue holds every tracked email whose status is ``held``; releasing or rejecting one changes the
tracked email too (``archived`` or ``rejected``) and writes a held release log.  Blocked sender policies and
Threat Remediation incidents live in memory.  Where ACTIONS.md marks a fact uncertain, the choice made here is
said beside it.  Every endpoint needs its own permission: read, or edit.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import re
import threading

from .mimecast import envelope, failure, http_error, parse_body_date
from .reply import Reply

UTC = datetime.timezone.utc
HOLD_LIST = "/api/gateway/get-hold-message-list"
HOLD_RELEASE = "/api/gateway/hold-release"
HOLD_REJECT = "/api/gateway/hold-reject"
RELEASE_LOGS = "/api/gateway/get-held-release-logs"
REM_CREATE = "/api/ttp/remediation/create"
REM_GET = "/api/ttp/remediation/get-incident"
REM_FIND = "/api/ttp/remediation/find-incidents"
POLICY_CREATE = "/api/policy/blockedsenders/create-policy"
POLICY_GET = "/api/policy/blockedsenders/get-policy"
POLICY_DELETE = "/api/policy/blockedsenders/delete-policy"
# what each endpoint needs of the application's role
PERMISSIONS = {HOLD_LIST: "read", RELEASE_LOGS: "read", REM_GET: "read", REM_FIND: "read", POLICY_GET: "read",
               HOLD_RELEASE: "edit", HOLD_REJECT: "edit", REM_CREATE: "edit", POLICY_CREATE: "edit",
               POLICY_DELETE: "edit"}
PATHS = tuple(PERMISSIONS)
REASON_TYPES = ("MESSAGE CONTAINS UNDESIRABLE CONTENT", "MESSAGE CONTAINS CONFIDENTIAL INFORMATION",
                "REVIEWER DISAPPROVES OF CONTENT", "INAPPROPRIATE COMMUNICATION", "MESSAGE GOES AGAINST EMAIL POLICIES")
# the API 2.0 reject form one client uses (ACTIONS.md M3, conflict): accepted from API 2.0 callers only
REASON_CODES = ("inappropriate_communication", "confidential_information", "disapproves_of_content",
                "against_email_policies")
SEARCH_FIELDS = ("all", "subject", "sender", "recipient", "reason_code")
FROM_TYPES = ("everyone", "internal_addresses", "external_addresses", "email_domain", "profile_group",
              "individual_email_address", "address_attribute_value", "free_mail_domains", "header_display_name")
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


def bad(code: str, message: str) -> Reply:
    return http_error(400, code, message)


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
                item = self._held_item(pos, record)
                self.hold[item["id"]] = (pos, item)
        self.release_logs = []
        self.policies = {}
        self._policy_serial = 0
        self.incidents = {}
        self.changes = 0  # state changes, so tests can tell that a run changed nothing

    # -- the hold queue ---------------------------------------------------------------------------------
    @staticmethod
    def _held_item(pos, record):
        policy = record["info"].split(" - ", 1)[-1]
        reason = policy[:-len(" policy")] if policy.endswith(" policy") else policy
        held_id = "hq" + hashlib.sha256(record["id"].encode()).hexdigest()[:30]
        return {
            "id": held_id, "reason": reason, "reasonId": "hr-%d" % (abs(hash(reason)) % 1000),
            "reasonCode": re.sub(r"[^a-z]+", "_", reason.lower()).strip("_"),
            "from": dict(record["fromEnv"]), "fromHeader": dict(record["fromHdr"]),
            "to": [dict(t) for t in record["to"]], "subject": record["subject"],
            "route": record["route"].upper(), "hasAttachments": record["attachments"], "size": 20000 + pos,
            "dateReceived": record["received"], "policyInfo": policy, "heldGroup": "administrator",
        }

    def state(self) -> dict:
        with self._lock:
            return {"hold": sorted(self.hold), "release_logs": list(self.release_logs),
                    "policies": sorted(self.policies.values(), key=lambda p: p["id"]),
                    "incidents": sorted(self.incidents.values(), key=lambda i: i["id"]), "changes": self.changes}

    def handle(self, api, request, faults=()) -> Reply:
        path = request.path
        if request.method != "POST":
            return http_error(405, "err_method_not_allowed", "Use POST for %s." % path)
        denied, role = api.authenticate(request, faults, PERMISSIONS[path])
        if denied is not None:
            return denied
        try:
            body = json.loads(request.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return bad("err_request_body_invalid", "The request body is not valid JSON.")
        if not isinstance(body, dict) or set(body) - {"data", "meta"} or not isinstance(body.get("data"), list):
            return bad("err_request_body_invalid", "The body must be an object with a data array.")
        if not all(isinstance(item, dict) for item in body["data"]):
            return bad("err_request_body_invalid", "data must hold objects.")
        bearer = (request.header("Authorization") or "").startswith("Bearer ")
        handler = {HOLD_LIST: self._hold_list, HOLD_RELEASE: self._release, HOLD_REJECT: self._reject,
                   RELEASE_LOGS: self._release_logs, REM_CREATE: self._rem_create, REM_GET: self._rem_get,
                   REM_FIND: self._rem_find, POLICY_CREATE: self._policy_create, POLICY_GET: self._policy_get,
                   POLICY_DELETE: self._policy_delete}[path]
        with self._lock:
            return handler(body, bearer)

    @staticmethod
    def _page(body, items, wrap=None):
        """One page of ``items`` for the meta.pagination of the request; the last page may carry a next token
        that leads to an empty page (FACTS.md, API 2.0 list endpoints)."""
        pagination = (body.get("meta") or {}).get("pagination") or {}
        size = pagination.get("pageSize", 25)
        if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= 500:
            return bad("err_validation_page_size", "pageSize must be an integer from 1 to 500.")
        offset = 0
        if pagination.get("pageToken"):
            offset = _offset(pagination["pageToken"])
            if offset is None:
                return bad("err_validation_page_token", "The pageToken is not valid.")
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

    def _hold_list(self, body, bearer):
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
            return self._page(body, [])
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
        return self._page(body, found)

    @staticmethod
    def _searched(held, field, value):
        value = value.lower()
        texts = {"subject": [held["subject"]], "sender": [held["from"]["emailAddress"]],
                 "recipient": [t["emailAddress"] for t in held["to"]], "reason_code": [held["reasonCode"]]}
        wanted = [t for name, values in texts.items() if field in ("all", name) for t in values]
        return any(value in (t or "").lower() for t in wanted)

    @staticmethod
    def _filtered(held, spec):
        value = spec.get("value")
        if spec["fieldName"] == "route":
            return value in (None, "all") or (value == "external" and held["route"] != "INTERNAL") or \
                str(value).upper() == held["route"]
        if spec["fieldName"] == "heldGroup":
            return value == held["heldGroup"]
        return bool(value) == held["hasAttachments"]

    def _act(self, held_id, status, reject_reason=None):
        pos, held = self.hold.pop(held_id)
        record = self.data.records[pos]
        record["status"] = "archived" if status == "released" else "rejected"
        record["info"] = "Indexed and archived" if status == "released" else "Message Rejected by Administrator"
        self.release_logs.append({
            "id": held_id, "operator": {"email": "api@sandbox.example"}, "released": body_date(self.clock()),
            "rejectReason": reject_reason, "heldReason": held["reason"], "heldGroup": held["heldGroup"],
            "policy": held["policyInfo"], "route": held["route"].lower(),
            "fromEnv": {"address": held["from"]["emailAddress"], "domain": held["from"]["emailAddress"].split("@")[-1]},
            "fromHdr": {"address": held["fromHeader"]["emailAddress"]}, "messageInfo": held["subject"],
            "size": held["size"], "attachments": held["hasAttachments"], "status": status})
        self.changes += 1

    def _release(self, body, bearer):
        if not body["data"]:
            return bad("err_validation_blank", "Give the id of a held message.")
        results, fails = [], []
        for item in body["data"]:
            if set(item) != {"id"} or not isinstance(item["id"], str):
                return bad("err_validation_unknown_field", "Each item is {\"id\": \"<held message id>\"}.")
            if item["id"] in self.hold:
                self._act(item["id"], "released")
                results.append({"id": item["id"], "release": True})
            else:
                # undocumented at Mimecast (ACTIONS.md M2): the sandbox answers release false with a fail[] entry
                results.append({"id": item["id"], "release": False})
                fails.append(failure("err_hold_message_not_found", "The message is no longer held.", {"id": item["id"]}))
        return Reply(200, envelope(200, results, fails))

    def _reject(self, body, bearer):
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
        results, fails = [], []
        for held_id in ids:
            if held_id in self.hold:
                self._act(held_id, "rejected", reason)
                results.append({"id": held_id, "reject": True})
            else:
                results.append({"id": held_id, "reject": False})
                fails.append(failure("err_hold_message_not_found", "The message is no longer held.", {"id": held_id}))
        return Reply(200, envelope(200, results, fails))

    def _release_logs(self, body, bearer):
        item = body["data"][0] if body["data"] else {}
        unknown = sorted(set(item) - {"start", "end", "searchBy", "filterBy"})
        if unknown:
            return bad("err_validation_unknown_field", "Unknown field: %s." % ", ".join(unknown))
        status = [f.get("value") for f in item.get("filterBy") or [] if f.get("fieldName") == "status"]
        logs = [log for log in self.release_logs if not status or log["status"] in status]
        return self._page(body, logs, wrap=lambda page: [{"heldReleaseLogs": page}])

    # -- Threat Remediation (M5) -------------------------------------------------------------------------------
    def _affected(self, search_by, value, start, end):
        """Positions of delivered (archived) tracked emails that hold this hash, message id or URL."""
        found = []
        for pos in self.data.between(start * 1000, end * 1000):
            record = self.data.records[pos]
            if record["status"] != "archived":
                continue
            campaign = record["subject"] == self.campaign.subject
            if search_by == "hash" and campaign and value.lower() == self.campaign.attachment_sha256:
                found.append(pos)
            elif search_by == "url" and campaign and value == self.campaign.url:
                found.append(pos)
            elif search_by == "messageId" and self.data.message_ids[pos] == value:
                found.append(pos)
        return found

    def _rem_create(self, body, bearer):
        if len(body["data"]) != 1:
            return bad("err_validation_blank", "data must hold one object.")
        item = body["data"][0]
        unknown = sorted(set(item) - {"reason", "searchBy", "hashOrMessageId", "url", "start", "end"})
        if unknown:
            return bad("err_validation_unknown_field", "Unknown field: %s." % ", ".join(unknown))
        if not isinstance(item.get("reason"), str) or not item["reason"].strip():
            return bad("err_validation_blank", "reason is required.")
        search_by = item.get("searchBy", "hash")
        if search_by not in ("hash", "messageId", "url"):
            return bad("err_validation_search_by", "searchBy must be hash, messageId or url.")
        value = item.get("url") if search_by == "url" else item.get("hashOrMessageId")
        if not isinstance(value, str) or not value:
            return bad("err_validation_blank", "%s is required for searchBy %s."
                       % ("url" if search_by == "url" else "hashOrMessageId", search_by))
        if search_by == "hash" and not HEX.match(value):
            return bad("err_validation_hash", "hashOrMessageId must be an MD5, SHA-1 or SHA-256 hash.")
        if search_by == "messageId" and not (value.startswith("<") and value.endswith(">")):
            return bad("err_validation_message_id", "A message id must keep its angle brackets.")
        window = self._window(item)
        if window is None:
            return bad("err_validation_date_format", "start and end must be dates like 2015-11-16T14:49:18+0000.")
        now = self.clock()
        number = len(self.incidents) + 1
        incident = {
            "id": "MTE2NjE0OD%06d" % number, "code": "TR-SBX-%05d" % number, "type": "automatic",
            "reason": item["reason"], "identified": len(self._affected(search_by, value, *window)), "successful": 0,
            "failed": 0, "restored": 0, "create": body_date(now), "modified": body_date(now),
            "searchCriteria": {"start": body_date(window[0]), "end": body_date(window[1]),
                               "fileHash": value if search_by == "hash" else None,
                               "messageId": value if search_by == "messageId" else None,
                               "url": value if search_by == "url" else None},
        }
        self.incidents[incident["id"]] = incident
        self.changes += 1
        return Reply(200, envelope(200, [dict(incident)]))

    def _progress(self, incident):
        """The work runs asynchronously: each look at an incident finds up to two more messages removed."""
        left = incident["identified"] - incident["successful"] - incident["failed"]
        if left > 0:
            incident["successful"] += min(2, left)
            incident["modified"] = body_date(self.clock())

    def _rem_get(self, body, bearer):
        if len(body["data"]) != 1 or set(body["data"][0]) != {"id"}:
            return bad("err_validation_blank", "data must hold one object with the incident id.")
        incident = self.incidents.get(body["data"][0]["id"])
        if incident is None:
            return refused("err_incident_not_found", "No incident has this id.", body["data"][0])
        self._progress(incident)
        return Reply(200, envelope(200, [dict(incident)]))

    def _rem_find(self, body, bearer):
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
                     "file_hash": incident["searchCriteria"]["fileHash"] or ""}
            if all(any(s["value"].lower() in texts[name].lower() for name in texts
                       if s["fieldName"] in ("all", name)) for s in searches):
                found.append(dict(incident))
        # the response shape is not documented (ACTIONS.md M5): the sandbox answers data[0].incidents
        return Reply(200, envelope(200, [{"incidents": found}]))

    # -- blocked sender policies (M7) ----------------------------------------------------------------------------
    def _policy_create(self, body, bearer):
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
        allowed = {"description", "fromPart", "from", "to", "fromDate", "toDate", "fromEternal", "toEternal",
                   "override", "bidirectional", "comment", "enabled", "enforced", "conditions"}
        unknown = sorted(set(policy) - allowed)
        if unknown:
            return bad("err_validation_unknown_field", "Unknown field in policy: %s." % ", ".join(unknown))
        if policy.get("fromPart", "envelope_from") not in ("envelope_from", "header_from", "both"):
            return bad("err_validation_from_part", "fromPart must be envelope_from, header_from or both.")
        for side in ("from", "to"):
            party = policy.get(side, {"type": "everyone"})
            if not isinstance(party, dict) or party.get("type") not in FROM_TYPES:
                return bad("err_validation_type", "%s.type must be one of: %s." % (side, ", ".join(FROM_TYPES)))
            need = {"email_domain": "emailDomain", "individual_email_address": "emailAddress"}.get(party["type"])
            if need and not isinstance(party.get(need), str):
                return bad("err_validation_blank", "%s.%s is required for type %s." % (side, need, party["type"]))
        for name in ("fromDate", "toDate"):
            if name in policy and parse_body_date(policy[name]) is None:
                return bad("err_validation_date_format", "%s must be a date like 2015-11-16T14:49:18+0000." % name)
        for name in ("fromEternal", "toEternal", "override", "bidirectional", "enabled", "enforced"):
            if name in policy and not isinstance(policy[name], bool):
                return bad("err_validation_type", "%s must be a boolean." % name)
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
            policy_id, created = "eNpPol%08d" % self._policy_serial, now
        stored = dict(policy)
        stored.setdefault("fromPart", "envelope_from")
        stored.setdefault("from", {"type": "everyone"})
        stored.setdefault("to", {"type": "everyone"})
        stored.setdefault("fromDate", ETERNAL_FROM)
        stored.setdefault("toDate", ETERNAL_TO)
        for name in ("fromEternal", "toEternal"):
            stored.setdefault(name, True)
        for name in ("override", "bidirectional"):
            stored.setdefault(name, False)
        stored.setdefault("enabled", True)
        stored.setdefault("enforced", False)
        stored.setdefault("comment", "")
        stored.setdefault("conditions", {})
        stored.update(createTime=created, lastUpdated=now)
        self.policies[policy_id] = {"id": policy_id, "option": item["option"], "policy": stored}
        self.changes += 1
        return Reply(200, envelope(200, [json.loads(json.dumps(self.policies[policy_id]))]))

    def _policy_get(self, body, bearer):
        if body["data"]:
            if len(body["data"]) != 1 or set(body["data"][0]) != {"id"}:
                return bad("err_validation_blank", "data is [] for every policy, or [{\"id\": ...}] for one.")
            found = self.policies.get(body["data"][0]["id"])
            if found is None:
                return refused("err_policy_not_found", "No policy has this id.", body["data"][0])
            return Reply(200, envelope(200, [json.loads(json.dumps(found))]))
        ordered = sorted(self.policies.values(), key=lambda p: p["id"])
        return self._page(body, [json.loads(json.dumps(p)) for p in ordered])

    def _policy_delete(self, body, bearer):
        if len(body["data"]) != 1 or set(body["data"][0]) != {"id"}:
            return bad("err_validation_blank", "data must hold one object with the policy id.")
        policy_id = body["data"][0]["id"]
        if policy_id not in self.policies:
            return refused("err_policy_not_found", "No policy has this id.", body["data"][0])
        del self.policies[policy_id]
        self.changes += 1
        return Reply(200, envelope(200, [{"id": policy_id}]))
