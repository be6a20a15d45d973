# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Mimecast blocked sender policies (mimecast_blocked_sender_policy): present or absent, read back to compare.

For internal use by this collection only; the interface may change without notice.

Where each vendor word comes from:

- Endpoints, request fields (``option``, ``policy.description``, ``fromPart``, ``from``/``to`` with ``type`` and
  ``emailAddress``/``emailDomain``, ``fromDate``/``toDate``, ``fromEternal``/``toEternal``, ``override``,
  ``bidirectional``, ``comment``, ``enabled``, ``enforced``, ``conditions.sourceIPs``) and the types
  ``everyone``, ``email_domain``, ``individual_email_address``: Mimecast's create-policy documentation.
- The echo: captured answers (real-samples mimecast-actions-demisto-4, -5, rapid7-1) carry each side twice, as the
  ``from``/``to`` objects and as flat ``fromType``/``fromValue``/``toType`` copies, and no ``comment``; both forms
  are read here, and a field an answer leaves out is taken to hold Mimecast's default (``DEFAULTS``).
- ``1900-01-01T00:00:00+0000`` and ``2100-01-01T23:59:59+0000`` for a policy without start or end: the same
  captures.
- An update is create-policy with the policy's ``id`` (XSOAR's update command; medium confidence).
- A delete is proven by ``data[0].id`` naming the id (XSOAR, captured delete answer rapid7-2); an answer with
  ``meta.status`` 404 and no data says the id is gone (what the sandbox answers; Mimecast does not document it).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import ipaddress
import json
import re

from ansible_collections.emailsec.tracking.plugins.module_utils._http import ApiError, redact_url
from ansible_collections.emailsec.tracking.plugins.module_utils._mimecast import (
    POLICY_CREATE, POLICY_DELETE, POLICY_GET,
)
from ansible_collections.emailsec.tracking.plugins.module_utils._mimecast_account import MimecastAction
from ansible_collections.emailsec.tracking.plugins.module_utils._module import InputError
from ansible_collections.emailsec.tracking.plugins.module_utils._rails import (
    RailError, address_target, own_domains, refuse_broad,
)
from ansible_collections.emailsec.tracking.plugins.module_utils._timewindow import (
    UTC, TimeInputError, format_mimecast, parse_time, utc_now,
)

ETERNAL_FROM = "1900-01-01T00:00:00+0000"
ETERNAL_TO = "2100-01-01T23:59:59+0000"
EVERYONE = {"type": "everyone"}
# What Mimecast holds for a field a create leaves out: fromPart envelope_from is documented; the others are what the
# captured policies show for creates that did not set them (demisto-4 was created with the flat form and only
# description, fromPart and the sides).
DEFAULTS = {
    "fromPart": "envelope_from", "fromEternal": True, "toEternal": True, "fromDate": ETERNAL_FROM,
    "toDate": ETERNAL_TO, "override": False, "bidirectional": False, "enabled": True, "enforced": False,
}
SETTINGS = ("enabled", "enforced", "override", "bidirectional")
EARLIEST = datetime.datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime.datetime(2100, 1, 1, 23, 59, 59, tzinfo=UTC)
_FUTURE_RE = re.compile(r"^\+\s*(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>[a-zA-Z]+)$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_PATTERN_RE = re.compile(r"^@?\*\.")
NEW = "new policy"


def policy_argspec():
    return dict(
        state=dict(type="str", default="present", choices=["present", "absent"]),
        sender=dict(type="str", required=True),
        option=dict(type="str", choices=["block_sender", "no_action"]),
        description=dict(type="str", required=True),
        from_part=dict(type="str", choices=["envelope_from", "header_from", "both"]),
        recipient=dict(type="str"),
        from_date=dict(type="str"),
        to_date=dict(type="str"),
        enforced=dict(type="bool", default=False),
        enabled=dict(type="bool", default=True),
        override=dict(type="bool", default=False),
        bidirectional=dict(type="bool", default=False),
        comment=dict(type="str"),
        source_ips=dict(type="list", elements="str", default=[]),
        own_domains=dict(type="list", elements="str", default=[]),
        allow_broad=dict(type="bool", default=False),
    )


# -- input ---------------------------------------------------------------------------------------------------
def party_rule(value, option):
    """(kind, value) of a sender or recipient: ``address`` or ``domain``; RailError for anything broader."""
    text = value.strip() if isinstance(value, str) else ""
    if _PATTERN_RE.match(text):
        domain = text.lstrip("@")[2:] or "example.com"
        raise RailError("%s: %r is a sub-domain pattern, which a blocked sender policy cannot take (Mimecast does not "
                        "document sub-domain matching for an email_domain policy): give the domain, like @%s, and "
                        "one more policy for each sub-domain that sends the campaign" % (option, value, domain))
    return address_target(value, option)


def party(rule):
    """A policy side for an address or a domain; ``everyone`` only for a recipient that was not given."""
    if rule is None:
        return dict(EVERYONE)
    kind, value = rule
    if kind == "address":
        return {"type": "individual_email_address", "emailAddress": value}
    return {"type": "email_domain", "emailDomain": value}


def source_networks(values):
    out = []
    for value in values or []:
        text = value.strip() if isinstance(value, str) else ""
        try:
            ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise RailError("source_ips: %r is not an IP address or CIDR network; write 203.0.113.7, 203.0.113.0/24 "
                            "or 2001:db8::/32" % (value,))
        out.append(text)
    return out


def policy_time(value, option, now):
    """(moment, relative) of a policy's from_date or to_date: ISO 8601, ``now``, ``-<n><unit>`` or ``+<n><unit>``."""
    text = str(value).strip()
    if text.startswith("+"):
        match = _FUTURE_RE.match(text)
        if not match:
            raise InputError("%s: %r is not a relative time; write a sign, a number and a unit, like +30d, +12h or "
                             "-1h" % (option, value))
        unit = match.group("unit").lower()
        if unit not in _UNITS:
            raise InputError("%s: unit %r in %r is not known; use s (seconds), m (minutes), h (hours), d (days) or w "
                             "(weeks)" % (option, match.group("unit"), value))
        try:
            moment = now + datetime.timedelta(seconds=float(match.group("n")) * _UNITS[unit])
        except OverflowError:
            moment = LATEST + datetime.timedelta(days=1)
        relative = True
    else:
        moment = parse_time(text, option, now)
        relative = text.lower() == "now" or text.startswith("-")
    if not EARLIEST <= moment <= LATEST:
        raise InputError("%s: %r lies outside the dates a Mimecast policy takes (%s to %s); leave %s unset for a "
                         "policy without %s" % (option, value, ETERNAL_FROM, ETERNAL_TO, option,
                                                "start" if option == "from_date" else "end"))
    return moment.replace(microsecond=0), relative


# -- reading what Mimecast sends -----------------------------------------------------------------------------
def _policy(entry):
    policy = entry.get("policy") if isinstance(entry, dict) else None
    return policy if isinstance(policy, dict) else {}


def side_of(policy, side):
    """A side (``from`` or ``to``) as an object, read from the object or from the flat ``<side>Type/Value`` copy."""
    obj = policy.get(side)
    if isinstance(obj, dict) and obj.get("type"):
        return obj
    kind = policy.get(side + "Type")
    if not kind:
        return dict(EVERYONE)
    value = policy.get(side + "Value")
    obj = {"type": kind}
    if kind == "individual_email_address" and value is not None:
        obj["emailAddress"] = value
    elif kind == "email_domain" and value is not None:
        obj["emailDomain"] = value
    elif value is not None:
        obj["value"] = value
    return obj


def side_key(policy, side):
    obj = side_of(policy, side)
    value = obj.get("emailAddress") or obj.get("emailDomain") or ""
    if not value:
        rest = dict((k, v) for k, v in obj.items() if k != "type")
        value = json.dumps(rest, sort_keys=True) if rest else ""
    return (str(obj.get("type")), value.lower())


def conditions_key(policy):
    """The conditions as comparable tuples; empty lists are no condition; source IPs compared as networks."""
    raw = policy.get("conditions")
    out = {}
    if not isinstance(raw, dict):
        return out
    for name, values in raw.items():
        if not values:
            continue
        items = values if isinstance(values, list) else [values]
        if name == "sourceIPs":
            out[name] = tuple(sorted(set(_network_text(v) for v in items)))
        else:
            out[name] = tuple(sorted(set(str(v).strip().lower() for v in items)))
    return out


def _network_text(value):
    try:
        return str(ipaddress.ip_network(str(value).strip(), strict=False))
    except ValueError:
        return str(value).strip().lower()


def date_of(policy, name, now):
    try:
        return parse_time(policy.get(name, DEFAULTS[name]), name, now).replace(microsecond=0)
    except (TimeInputError, TypeError, ValueError):
        return None


def description_of(entry):
    return _policy(entry).get("description")


def view(entry):
    """A policy as the fields this module sets (Mimecast's defaults filled in, sides as objects): for the diff."""
    policy = _policy(entry)
    shown = {"description": policy.get("description"), "from": side_of(policy, "from"), "to": side_of(policy, "to")}
    for name, default in DEFAULTS.items():
        shown[name] = policy.get(name, default)
    shown["conditions"] = dict((k, list(v)) for k, v in sorted(conditions_key(policy).items()))
    if "comment" in policy:
        shown["comment"] = policy["comment"]
    return {"option": entry.get("option"), "policy": shown}


class BlockedSenderPolicy(MimecastAction):
    """mimecast_blocked_sender_policy: the task's own policy (exact description and criteria) present or absent."""

    # -- input, before any request -------------------------------------------------------------------------
    def check_input(self, now):
        p = self.params
        if not isinstance(p["description"], str) or not p["description"].strip():
            raise InputError("description is empty: give the text that marks this task's policy, like "
                             "'IR-4711: invoice phishing' (the module owns only the policies with exactly this "
                             "description)")
        self.sender = party_rule(p["sender"], "sender")
        own = own_domains(p["own_domains"])
        recipient = p["recipient"]
        self.recipient = None if recipient is None or not recipient.strip() else party_rule(recipient, "recipient")
        self.source_ips = source_networks(p["source_ips"])
        if p["state"] == "absent":
            return
        refuse_broad(self.sender, "sender", own, p["allow_broad"])
        self.wanted, self.moments, self.relative = self.desired(now)

    def desired(self, now):
        p = self.params
        policy = {
            "description": p["description"], "fromPart": p["from_part"] or "envelope_from",
            "from": party(self.sender), "to": party(self.recipient),
        }
        moments, relative = {}, {}
        for name, option, eternal in (("fromDate", "from_date", ETERNAL_FROM), ("toDate", "to_date", ETERNAL_TO)):
            eternal_name = name.replace("Date", "Eternal")
            if p[option]:
                moments[name], relative[name] = policy_time(p[option], option, now)
                policy[name] = format_mimecast(moments[name])
                policy[eternal_name] = False
            else:
                policy[name] = eternal
                policy[eternal_name] = True
        if "toDate" in moments:
            if moments["toDate"] <= moments.get("fromDate", now):
                raise InputError("to_date (%s) is not after %s (%s): the policy would never block; give a later "
                                 "to_date" % (policy["toDate"], "from_date" if "fromDate" in moments else "now",
                                              format_mimecast(moments.get("fromDate", now))))
        for name in SETTINGS:
            policy[name] = p[name]
        policy["conditions"] = {"sourceIPs": list(self.source_ips)} if self.source_ips else {}
        if p["comment"] is not None:
            policy["comment"] = p["comment"]
        return {"option": p["option"] or "block_sender", "policy": policy}, moments, relative

    # -- matching ------------------------------------------------------------------------------------------
    def criteria(self, entry):
        policy = _policy(entry)
        return (entry.get("option"), policy.get("fromPart", DEFAULTS["fromPart"]), side_key(policy, "from"),
                side_key(policy, "to"))

    def owned_for_absent(self, entry):
        p = self.params
        policy = _policy(entry)
        if description_of(entry) != p["description"] or side_key(policy, "from") != side_key(
                {"from": party(self.sender)}, "from"):
            return False
        if self.recipient is not None and side_key(policy, "to") != side_key({"to": party(self.recipient)}, "to"):
            return False
        if p["from_part"] and policy.get("fromPart", DEFAULTS["fromPart"]) != p["from_part"]:
            return False
        return not p["option"] or entry.get("option") == p["option"]

    def differences(self, entry, own, now):
        """The names of the settings in which ``entry`` differs from the task.

        ``own``: every field the module sets must be equal.  Otherwise (another's policy): only what narrows the
        block counts (disabled, dates that do not cover the task's, conditions the task does not have, another
        comment when the task gives one).  A relative date counts as "set": its moving value is not compared (a
        relative end that has passed counts as different, so a rerun renews it).
        """
        policy = _policy(entry)
        wanted = self.wanted["policy"]
        out = []
        for name in (SETTINGS if own else ("enabled",)):
            if policy.get(name, DEFAULTS[name]) != wanted[name]:
                out.append(name)
        for name, later in (("fromDate", False), ("toDate", True)):
            eternal_name = name.replace("Date", "Eternal")
            have_eternal = policy.get(eternal_name, DEFAULTS[eternal_name]) is True
            want_eternal = wanted[eternal_name]
            if have_eternal and (want_eternal or not own):
                continue
            if have_eternal != want_eternal:
                out.append(name)
                continue
            have = date_of(policy, name, now)
            want = self.moments[name]
            if own:
                if self.relative[name]:
                    # set is enough, but an end that has passed no longer blocks: renew it
                    if later and (have is None or have <= now):
                        out.append(name)
                elif have != want:
                    out.append(name)
            elif have is None or (have < want if later else have > want):
                out.append(name)
        have = conditions_key(policy)
        if (have != conditions_key(wanted)) if own else (have and have != conditions_key(wanted)):
            out.append("conditions")
        if "comment" in wanted and "comment" in policy and policy["comment"] != wanted["comment"]:
            out.append("comment")
        return out

    # -- requests ------------------------------------------------------------------------------------------
    def read(self, client):
        entries = {}
        for page in client.list_pages("read the Mimecast blocked sender policies", POLICY_GET, None):
            for entry in page.records:
                if isinstance(entry, dict) and isinstance(entry.get("id"), str) and entry["id"]:
                    entries.setdefault(entry["id"], entry)
        return list(entries.values())

    def main(self):
        now = utc_now()
        self.check_input(now)
        client = self.client()
        entries = self.read(client)
        if self.params["state"] == "absent":
            return self.absent(client, entries)
        return self.present(client, entries, now)

    def present(self, client, entries, now):
        p = self.params
        wanted = self.wanted
        key = self.criteria(wanted)
        candidates = [e for e in entries if self.criteria(e) == key]
        own = [e for e in candidates if description_of(e) == p["description"]]
        others = [e for e in candidates if description_of(e) != p["description"]]
        existing, conflicts = [], []
        for entry in others:
            differs = self.differences(entry, False, now)
            if differs:
                conflicts.append(dict(entry, differs=differs))
            else:
                existing.append(entry)
        result = dict(changed=False, removed=[], not_found=[], existing=[], conflicts=conflicts)
        if conflicts:
            named = "; ".join("%s (%r: %s differ%s)" % (c["id"], description_of(c), ", ".join(c["differs"]),
                                                        "s" if len(c["differs"]) == 1 else "") for c in conflicts)
            one = len(conflicts) == 1
            self.module.warn("Left alone: %d blocked sender polic%s for the same sender, recipient side, from part "
                             "and option that block%s less than this task asks: %s"
                             % (len(conflicts), "y" if one else "ies", "s" if one else "", named))
        sender = side_key(wanted["policy"], "from")
        elsewhere = [e for e in entries if description_of(e) == p["description"] and e not in own and
                     side_key(_policy(e), "from") == sender]
        if elsewhere:
            self.module.warn("Left in place: %d polic%s with the description %r for this sender but another recipient "
                             "side, from part or option (not this task's own, which must match all four): %s"
                             % (len(elsewhere), "y" if len(elsewhere) == 1 else "ies", p["description"],
                                ", ".join(e["id"] for e in elsewhere)))
        if len(own) > 1:
            self.module.warn("%d blocked sender policies carry the description %r for this sender: %s; this task "
                             "keeps one of them and leaves the others" % (len(own), p["description"],
                                                                          ", ".join(e["id"] for e in own)))
        if own:
            equal = [e for e in own if not self.differences(e, True, now)]
            if equal:
                shown = {equal[0]["id"]: view(equal[0])}
                return dict(result, outcome="unchanged", policies=[equal[0]], diff={"before": shown, "after": shown})
            target = own[0]
            differs = self.differences(target, True, now)
            before = {target["id"]: view(target)}
            after = {target["id"]: view(wanted)}
            self.module.warn("Updating this task's blocked sender policy %s: %s differ%s from the task"
                             % (target["id"], ", ".join(differs), "s" if len(differs) == 1 else ""))
            return self.write(client, result, dict(wanted, id=target["id"]), "updated", before, after, now)
        if existing:
            first = existing[0]
            self.module.warn("Blocked sender policy %s (%r) already blocks this sender as asked; it is kept as it is "
                             "and no policy with the description %r is created"
                             % (first["id"], description_of(first), p["description"]))
            shown = {first["id"]: view(first)}
            return dict(result, outcome="existing", existing=existing, policies=[first],
                        diff={"before": shown, "after": shown})
        return self.write(client, result, dict(wanted), "created", {}, {NEW: view(wanted)}, now)

    def write(self, client, result, item, outcome, before, after, now):
        p = self.params
        result = dict(result, changed=True, outcome=outcome, diff={"before": before, "after": after})
        if self.module.check_mode:
            return dict(result, policies=[dict(item, id=item.get("id"))])
        target = item.get("id")
        key = self.criteria(item)

        def find():
            for entry in self.read(client):
                if description_of(entry) != p["description"] or self.criteria(entry) != key:
                    continue
                if target is None or (entry["id"] == target and not self.differences(entry, True, now)):
                    return entry
            return None

        what = "%s a Mimecast blocked sender policy" % ("update" if target else "create")
        body, adopted = client.create(what, POLICY_CREATE, [item], find)
        if adopted is not None:
            self.module.warn("The request to %s failed in a way that leaves open whether Mimecast acted; reading the "
                             "policies again found it done (policy %s), so it was not sent again"
                             % (what, adopted["id"]))
            return dict(result, policies=[adopted])
        data = body.get("data") or []
        made = data[0] if data and isinstance(data[0], dict) else {}
        if not isinstance(made.get("id"), str) or not made["id"] or (target and made["id"] != target):
            raise ApiError(what, "Mimecast answered without %s, so the outcome is not proven"
                           % ("the policy %s" % target if target else "the policy it made"), "POST",
                           redact_url(client.base_url + POLICY_CREATE),
                           hint="Run the task again: it reads the policies first and finds the one with the "
                                "description %r if Mimecast made it." % p["description"])
        return dict(result, policies=[made])

    def absent(self, client, entries):
        p = self.params
        sender = side_key({"from": party(self.sender)}, "from")
        own = [e for e in entries if self.owned_for_absent(e)]
        left = [e for e in entries if side_key(_policy(e), "from") == sender and e not in own]
        if left:
            self.module.warn("Left in place: %d blocked sender polic%s for this sender without the description %r "
                             "(this task removes only its own): %s"
                             % (len(left), "y" if len(left) == 1 else "ies", p["description"],
                                "; ".join("%s (%r)" % (e["id"], description_of(e)) for e in left)))
        before = dict((e["id"], view(e)) for e in own)
        result = dict(policies=[], existing=left, conflicts=[], diff={"before": before, "after": {}})
        if self.module.check_mode:
            ids = [e["id"] for e in own]
            return dict(result, changed=bool(ids), outcome="removed" if ids else "absent", removed=ids,
                        not_found=[])
        removed, not_found = [], []
        what = "delete a Mimecast blocked sender policy"
        for entry in own:
            try:
                body = client.post(what, POLICY_DELETE, [{"id": entry["id"]}])
            except ApiError as exc:
                exc.extra = dict(exc.extra, removed=removed, not_found=not_found)
                raise
            data = body.get("data") or []
            status = (body.get("meta") or {}).get("status") if isinstance(body.get("meta"), dict) else None
            if data and isinstance(data[0], dict) and data[0].get("id") == entry["id"]:
                removed.append(entry["id"])
            elif not data and str(status) == "404":
                not_found.append(entry["id"])
            else:
                error = ApiError(what, "Mimecast answered without naming policy %s, so its removal is not proven"
                                 % entry["id"], "POST", redact_url(client.base_url + POLICY_DELETE),
                                 hint="Run the task again: it reads the policies first and removes what is left.")
                error.extra = {"removed": removed, "not_found": not_found}
                raise error
        if not_found:
            self.module.warn("Mimecast no longer knew %d of the policies read a moment before (gone already, "
                             "meta.status 404): %s" % (len(not_found), ", ".join(not_found)))
        return dict(result, changed=bool(removed), outcome="removed" if removed else "absent", removed=removed,
                    not_found=not_found)
