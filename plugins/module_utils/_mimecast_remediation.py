# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Mimecast Threat Remediation (mimecast_remediation_incident): remove delivered mail from mailboxes, one incident
a case and indicator.

For internal use by this collection only; the interface may change without notice.

Endpoints: remediation/create, get-incident and find-incidents as Mimecast documents them; the incident's fields
(``identified``, ``successful``, ``failed``, ``searchCriteria``) as in an integrator's captured answer.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import time

from ansible_collections.emailsec.tracking.plugins.module_utils._mimecast import REM_CREATE, REM_FIND, REM_GET
from ansible_collections.emailsec.tracking.plugins.module_utils._mimecast_account import MimecastAction
from ansible_collections.emailsec.tracking.plugins.module_utils._module import InputError
from ansible_collections.emailsec.tracking.plugins.module_utils._timewindow import format_mimecast

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


