# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Mimecast blocked sender policies (mimecast_blocked_sender_policy): present or absent, read back to compare.

For internal use by this collection only; the interface may change without notice.

Endpoints: create-policy, get-policy and delete-policy as Mimecast documents them.  Captured answers echo each
policy twice: ``from``/``to`` objects and flat ``fromType``/``fromValue``/``toType`` copies, and carry no
``comment``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

from ansible_collections.emailsec.tracking.plugins.module_utils._mimecast import (
    POLICY_CREATE, POLICY_DELETE, POLICY_GET,
)
from ansible_collections.emailsec.tracking.plugins.module_utils._mimecast_account import MimecastAction
from ansible_collections.emailsec.tracking.plugins.module_utils._module import InputError
from ansible_collections.emailsec.tracking.plugins.module_utils._timewindow import (
    format_mimecast, resolve_window, utc_now,
)

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
        for page in client.list_pages("read the Mimecast blocked sender policies", POLICY_GET, None):
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


