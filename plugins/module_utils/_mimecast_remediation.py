# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Mimecast Threat Remediation (mimecast_remediation_incident): remove delivered mail from mailboxes, one incident
a case and indicator.

For internal use by this collection only; the interface may change without notice.

Where each vendor word comes from (shared/api/ACTIONS.md M5): ``remediation/create`` (``searchBy`` hash, messageId
or url, ``hashOrMessageId`` with the angle brackets of a message id, ``url``, ``reason``, ``start``, ``end``),
``remediation/v2/create`` (``searchBy: message_ids`` with ``messageIds[]``), ``get-incident`` ``{id}`` and
``find-incidents`` (``searchBy[{fieldName: reason, value}]``) as Mimecast documents them; the incident's fields
(``id``, ``code``, ``type``, ``identified``, ``successful``, ``failed``, ``create``, ``modified``,
``searchCriteria{start, end, messageId, fileHash}``) as in an integrator's captured answer
(real-samples/mimecast-actions-demisto-6.json).  ``searchCriteria.url`` and ``searchCriteria.messageIds`` are not in
any capture: an incident whose criteria do not show the indicator is never taken for this one.

The rule that ties an incident to a task: its reason ends with the exact token ``[ansible:<case>]`` AND its
``searchCriteria`` (read with get-incident) names the same indicator: the file hash (any letter case), the message
id (angle brackets or not), the URL (exactly), or the same set of message ids.  When ``end`` is given, the incident
must also reach that far (its ``searchCriteria.end`` at or after ``end``): an incident opened before a later wave of
the campaign does not stand for the mail delivered after it, and a new incident is opened for it.  Without ``end``
(a relative window that moves between runs) the window is not compared.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re

from ansible_collections.emailsec.tracking.plugins.module_utils._http import ApiError
from ansible_collections.emailsec.tracking.plugins.module_utils._matching import strip_brackets
from ansible_collections.emailsec.tracking.plugins.module_utils._mimecast import (
    REM_CREATE, REM_CREATE_V2, REM_FIND, REM_GET,
)
from ansible_collections.emailsec.tracking.plugins.module_utils._mimecast_account import MimecastAction
from ansible_collections.emailsec.tracking.plugins.module_utils._module import InputError
from ansible_collections.emailsec.tracking.plugins.module_utils._rails import message_id, own_domains, url_target
from ansible_collections.emailsec.tracking.plugins.module_utils._retry import poll_until
from ansible_collections.emailsec.tracking.plugins.module_utils._timewindow import format_mimecast

# -- Threat Remediation (M5) -----------------------------------------------------------------------------------
MARKER = "ansible:%s"
MARKER_AT_END = re.compile(r"\[ansible:([^\[\]]*)\]\s*$")
HASH = re.compile(r"^(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{64})$")
INDICATORS = ("file_hash", "message_id", "message_ids", "url")
VENDOR_DATE = "%Y-%m-%dT%H:%M:%S%z"


def remediation_argspec():
    return dict(
        file_hash=dict(type="str"),
        message_id=dict(type="str"),
        message_ids=dict(type="list", elements="str"),
        url=dict(type="str"),
        reason=dict(type="str", required=True),
        case=dict(type="str"),
        start=dict(type="str"),
        end=dict(type="str"),
        own_domains=dict(type="list", elements="str", default=[]),
        allow_broad=dict(type="bool", default=False),
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


def incident_of(body):
    """The one incident a create or get-incident answers with, or None when the answer holds none with an id."""
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, list) or not data or not isinstance(data[0], dict):
        return None
    incident = data[0]
    if not isinstance(incident.get("id"), str) or not incident["id"]:
        return None
    return incident


def marker_of(reason):
    """The case of the ``[ansible:<case>]`` token a reason ends with, or None."""
    found = MARKER_AT_END.search(reason) if isinstance(reason, str) else None
    return found.group(1) if found else None


def _date(text):
    try:
        return datetime.datetime.strptime(text, VENDOR_DATE)
    except (TypeError, ValueError):
        return None


def _reaches(criteria, moment):
    """Whether an incident's search window ends at or after ``moment`` (to the second Mimecast's dates carry)."""
    end = _date(criteria.get("end")) if isinstance(criteria, dict) else None
    return end is not None and end >= moment.replace(microsecond=0)


def settled(incident):
    """Whether the incident's counts are final as far as its answer proves.

    ``successful`` and ``failed`` add up to ``identified``.  An incident that still counts 0 identified is settled
    only once Mimecast has changed it since it was opened (``modified`` later than ``create``): a new incident reads
    0 of 0 before Mimecast has counted anything.
    """
    if not isinstance(incident, dict):
        return False
    counts = [incident.get(k) for k in ("identified", "successful", "failed")]
    if not all(isinstance(c, int) and not isinstance(c, bool) for c in counts):
        return False
    if counts[1] + counts[2] < counts[0]:
        return False
    if counts[0] == 0:
        created, modified = _date(incident.get("create")), _date(incident.get("modified"))
        return created is not None and modified is not None and modified > created
    return True


class Indicator:
    """What one incident removes: the create body's criteria, and how an incident's searchCriteria is compared."""

    def __init__(self, kind, value):
        self.kind = kind  # hash, messageId, url (create v1) or message_ids (create v2)
        self.value = value

    def fields(self):
        if self.kind == "hash":
            return {"searchBy": "hash", "hashOrMessageId": self.value}
        if self.kind == "messageId":
            return {"searchBy": "messageId", "hashOrMessageId": self.value}
        if self.kind == "url":
            return {"searchBy": "url", "url": self.value}
        return {"searchBy": "message_ids", "messageIds": list(self.value)}

    def path(self):
        # the documented v2 create is the only one that takes several message ids (doc only, no client seen)
        return REM_CREATE_V2 if self.kind == "message_ids" else REM_CREATE

    def matches(self, criteria):
        """Whether an incident's ``searchCriteria`` names this indicator."""
        if not isinstance(criteria, dict):
            return False
        if self.kind == "hash":
            found = criteria.get("fileHash")
            return isinstance(found, str) and found.strip().lower() == self.value
        if self.kind == "messageId":
            # a captured answer echoes the message id without its brackets (mimecast-actions-demisto-6)
            found = criteria.get("messageId")
            return isinstance(found, str) and strip_brackets(found) == strip_brackets(self.value)
        if self.kind == "url":
            return criteria.get("url") == self.value
        found = criteria.get("messageIds")
        return isinstance(found, list) and all(isinstance(m, str) for m in found) and \
            set(strip_brackets(m) for m in found) == set(strip_brackets(m) for m in self.value)


def indicator_of(params):
    """The one indicator the task gives, checked by the rails; InputError or RailError before any request."""
    given = [k for k in INDICATORS if params.get(k)]
    if len(given) != 1:
        raise InputError("give exactly one of %s (got %s)" % (", ".join(INDICATORS), ", ".join(given) or "none"))
    name = given[0]
    if name == "file_hash":
        value = params["file_hash"].strip()
        if not HASH.match(value):
            raise InputError("file_hash: %r is not an MD5, SHA-1 or SHA-256 hash (hexadecimal)" % params["file_hash"])
        return Indicator("hash", value.lower())
    if name == "message_id":
        # Mimecast needs the angle brackets of a message id (ACTIONS.md M5); the rail adds them
        return Indicator("messageId", message_id(params["message_id"], "message_id"))
    if name == "url":
        own = own_domains(params.get("own_domains"))
        return Indicator("url", url_target(params["url"], "url", own, params.get("allow_broad")))
    ids = []
    for position, value in enumerate(params["message_ids"]):
        checked = message_id(value, "message_ids[%d]" % position)
        if checked not in ids:
            ids.append(checked)
    return Indicator("message_ids", ids)


class RemediationIncident(MimecastAction):
    """mimecast_remediation_incident: open one incident per case and indicator, found again by its exact marker and
    criteria, the create sent at most once, and the wait done by the one polling piece."""

    def __init__(self, *args, **kwargs):
        super(RemediationIncident, self).__init__(*args, **kwargs)
        # what exists at Mimecast once the run has gone that far: every failure from then on reports it
        self.known = None
        self.reaches = None  # how far an incident found again must reach (the given end), or None

    # -- input ---------------------------------------------------------------------------------------------
    def case(self):
        case = self.params["case"]
        if case is None:
            return None
        if not case.strip():
            raise InputError("case is empty: give the case or ticket id that marks this incident")
        if "[" in case or "]" in case:
            raise InputError("case: %r holds a square bracket, which would end the marker [ansible:<case>] early; "
                             "give the ticket id without brackets" % case)
        return case.strip()

    def reason(self, case):
        if case:
            return "%s [%s]" % (self.params["reason"].strip(), MARKER % case)
        return self.params["reason"].strip()

    def check_wait(self):
        p = self.params
        if p["wait_timeout"] <= 0 or p["poll_interval"] <= 0:
            raise InputError("wait_timeout and poll_interval must be more than 0 seconds")
        if p["wait"] and p["wait_timeout"] >= p["total_timeout"]:
            raise InputError("wait_timeout (%s seconds) must be less than total_timeout (%s seconds), the deadline of "
                             "the whole run, or the deadline would cut the wait: lower wait_timeout or raise "
                             "total_timeout" % (p["wait_timeout"], p["total_timeout"]))

    # -- reading -------------------------------------------------------------------------------------------
    def read(self, client, incident_id):
        """The incident as get-incident answers it now."""
        what = "read the Mimecast remediation incident %s" % incident_id
        body = client.post(what, REM_GET, [{"id": incident_id}])
        incident = incident_of(body)
        if incident is None or incident["id"] != incident_id:
            raise ApiError(what, "the answer holds no incident with this id", "POST", client.base_url + REM_GET,
                           hint="This is a fault on the Mimecast side: read the incident in the console "
                                "(Threat Remediation), or run again later.")
        return incident

    def find(self, client, case, indicator, reaches=None):
        """The incident whose reason ends with the exact marker and whose criteria name the indicator (and whose
        window reaches ``reaches``, when given), or None."""
        body = client.post("find Mimecast remediation incidents", REM_FIND, [{"searchBy": [
            {"fieldName": "reason", "value": MARKER % case}]}])
        matching = []
        for candidate in incidents_of(body):
            # find-incidents is only a first filter (a substring search): the marker and the criteria of the
            # incident as get-incident answers it decide
            if marker_of(candidate.get("reason")) != case or not isinstance(candidate.get("id"), str):
                continue
            incident = self.read(client, candidate["id"])
            criteria = incident.get("searchCriteria")
            if marker_of(incident.get("reason")) == case and indicator.matches(criteria) and \
                    (reaches is None or _reaches(criteria, reaches)):
                matching.append(incident)
        if len(matching) > 1:
            self.module.warn("%d remediation incidents carry [%s] for this indicator (%s); this run reports the "
                             "first" % (len(matching), MARKER % case, ", ".join(i["id"] for i in matching)))
        return matching[0] if matching else None

    # -- the run -------------------------------------------------------------------------------------------
    def main(self):
        p = self.params
        case = self.case()
        if not p["reason"].strip():
            raise InputError("reason is empty: say why the messages are removed")
        indicator = indicator_of(p)
        window = self.window(30)
        item = dict(indicator.fields(), reason=self.reason(case), start=format_mimecast(window.start),
                    end=format_mimecast(window.end))
        client = self.client()  # the connection options are checked here, before any request
        self.check_wait()
        self.reaches = window.end if p["end"] else None
        incident = self.find(client, case, indicator, self.reaches) if case else None
        if incident is None and self.module.check_mode:
            return dict(changed=True, created=False, incident=None, settled=False, counts={}, reads=0)
        created = fresh = False
        if incident is None:
            incident, adopted = self.open(client, case, indicator, item)
            created, fresh = True, not adopted
        self.known = dict(incident=incident, created=created)
        reads, done = 0, settled(incident) and not fresh
        if p["wait"] and not self.module.check_mode:
            http = client.http
            polled = poll_until(lambda: self.reread(client, incident["id"]), settled, incident, p["poll_interval"],
                                p["wait_timeout"], clock=http.monotonic, sleep=http.sleep,
                                min_reads=1 if fresh else 0)
            incident, reads, done = polled.value, polled.reads, polled.done
            if not done:
                self.module.warn("the remediation incident %s (%s) had not settled after %s seconds and %d reads "
                                 "(identified %s, successful %s, failed %s); it goes on at Mimecast%s" % (
                                     incident.get("id"), incident.get("code"), p["wait_timeout"], reads,
                                     incident.get("identified"), incident.get("successful"), incident.get("failed"),
                                     ": a rerun with the same case reads it again" if case else ""))
        if done and incident.get("identified") == 0:
            self.module.warn("Mimecast identified no delivered message for the remediation incident %s (%s): check "
                             "the indicator and the window (start, end)" % (incident.get("id"), incident.get("code")))
        # the counts also come under counts: a top-level "failed" would mark the task as failed in Ansible
        counts = dict((k, incident.get(k)) for k in ("identified", "successful", "failed"))
        return dict(changed=created, created=created, incident=incident, settled=done, counts=counts,
                    id=incident.get("id"), code=incident.get("code"), identified=counts["identified"],
                    successful=counts["successful"], reads=reads)

    def reread(self, client, incident_id):
        incident = self.read(client, incident_id)
        self.known["incident"] = incident
        return incident

    def open(self, client, case, indicator, item):
        """Send the create at most once: (the incident it made, or found after a failure that leaves it open,
        whether it was found)."""
        what = "open a Mimecast remediation incident"
        looked = []
        self.known = {"created": None}  # sent: from here on a failure says what may exist
        try:
            if case:
                def find():
                    looked.append(True)
                    return self.find(client, case, indicator, self.reaches)

                body, adopted = client.create(what, indicator.path(), [item], find)
            else:
                # nothing can find an incident without a case again: a failure is never followed by a second create
                body, adopted = client.post(what, indicator.path(), [item], idempotent=False), None
        except ApiError as exc:
            if exc.maybe_applied or looked:
                exc.hint = ("Mimecast may have opened the incident. " + self.look_for(case, item["reason"]) + (
                    " " + exc.hint if exc.hint else ""))
            else:
                self.known = {"created": False}  # refused before any work: nothing was opened
            raise
        if adopted is not None:
            self.module.warn("the answer to the create was lost, and the incident it opened, %s (%s), was found by "
                             "[%s] and its criteria; the create was not sent again"
                             % (adopted.get("id"), adopted.get("code"), MARKER % case))
            return adopted, True
        incident = incident_of(body)
        if incident is None:
            self.known = {"created": True}
            raise ApiError(what, "Mimecast accepted the create, but the answer has no incident (no object with an "
                                 "id in data)", "POST", client.base_url + indicator.path(),
                           hint=self.look_for(case, item["reason"]))
        return incident, False

    @staticmethod
    def look_for(case, reason):
        if case:
            return ("Look for [%s] in Threat Remediation before running again; a rerun with the same case finds "
                    "the incident instead of opening another." % (MARKER % case))
        return ("Look for an incident with the reason %r in Threat Remediation before running again; give case, so "
                "that a rerun finds the incident itself." % reason)

    def outcome(self, body):
        """The base outcome; a failure once the create was sent also says what exists at Mimecast (``id``,
        ``code``, ``created``, ``incident``; the vendor's error code moves to ``vendor_code``)."""
        result, failure = super(RemediationIncident, self).outcome(body)
        if failure is None or self.known is None:
            return result, failure
        incident = self.known.get("incident") or {}
        failure = dict(failure, vendor_code=failure.get("code"), id=incident.get("id"), code=incident.get("code"),
                       created=self.known["created"], incident=self.known.get("incident"))
        if incident:
            failure["msg"] += " The remediation incident %s (%s) %s and goes on at Mimecast%s." % (
                incident.get("id"), incident.get("code"),
                "was opened by this run" if self.known["created"] else "exists",
                "; a rerun with the same case reads it" if self.params["case"] else "")
        return result, failure
