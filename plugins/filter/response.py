# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the phishing_response role: what a response may do with a trace, what it did, and whether the
campaign is contained.

``response_plan``        a trace summary (message_trace) in, the plan out: whether the trace is sound enough to act
                         on, the sender to reject and block (after the action modules' rails), the remediation
                         criteria (attachment hash, else the campaign's Message-IDs, else the exact traced URL), the
                         Mimecast tracking ids to resolve, and the window of the read-only TMES policy event step.
``response_actions``     the registered results of the three Mimecast actions in, one row an action and target out,
                         with the outcome each vendor answer proves, and the failures.
``response_containment`` the plan and the rows in: ``contained`` and ``not_contained`` (one entry a copy that is not
                         accounted for, and one entry a user who clicked and is not yet handled, and why).

Where vendor words come from: Mimecast tracking and message-info ``status`` words are read with the trace's own
table (``tracking.MIMECAST_VERDICTS``, shared/api/FACTS.md); the remediation incident's ``identified``,
``successful`` and ``failed`` counts are the fields of ``get-incident`` (shared/api/ACTIONS.md, M5).  TMES offers no
API that removes delivered mail (shared/api/ACTIONS.md): a TMES copy is never counted as removed here.  Who clicked
comes from the trace (``clickers``: User Click rows of the Mimecast URL protect log, shared/api/CLICKS.md 1.4); a
click is never undone by removing the mail, so a clicker stays not contained until the responder lists the account
as handled.  A link is blocked without its query string because Mimecast says a block of a URL with a query string
"will only function as expected when the query string is removed" (CLICKS.md 7.1, the managed URL console page).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re

try:
    from urllib.parse import urlsplit, urlunsplit
except ImportError:  # Python 2
    from urlparse import urlsplit, urlunsplit

from ansible.errors import AnsibleFilterError

from ansible_collections.emailsec.tracking.plugins.filter.tracking import (
    MIMECAST_VERDICTS, STOPPED, _parse_time,
)
from ansible_collections.emailsec.tracking.plugins.module_utils._matching import MatchInputError
from ansible_collections.emailsec.tracking.plugins.module_utils._rails import (
    RailError, address_target, message_id, own_domains as checked_domains, refuse_broad, text_criterion, url_target,
)

SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")
TMES_WINDOW_HOURS = 72  # how far back the TMES logs reach (tmes_policy_event_info refuses an older start)
TMES_MARGIN_MINUTES = 5  # a clipped start stays this far inside the limit, so the request is not refused in transit
# where a TMES copy must be removed: TMES has no API that takes mail out of mailboxes
TMES_WHERE = ("TMES has no removal API: remove it in the mailbox platform (Microsoft 365 / Exchange content search "
              "and purge, or Trend Micro Cloud App Security)")
REMEDIATED = ("opened", "found")
CLICKED = "clicked; reset the account and check the machine"
UTC = datetime.timezone.utc


def _dict(value):
    return value if isinstance(value, dict) else {}


def _list(value):
    return value if isinstance(value, list) else []


def _text(value):
    return value.strip() if isinstance(value, str) and value.strip() else None


def _int(value, name):
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise AnsibleFilterError("response_plan: %s must be a whole number, got %r" % (name, value))
    return number


def _bool(value):
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on", "y", "t")
    return bool(value)


def _bare(value):
    text = _text(value)
    return text.strip("<>").strip().lower() if text else None


def _bracketed(value):
    bare = _text(value)
    return "<%s>" % bare.strip("<>").strip() if bare and bare.strip("<>").strip() else None


# -- the indicator -------------------------------------------------------------------------------------------
def _check_indicator(indicator):
    """Problems of the handed-on indicator: the same rules the trace and the action modules apply."""
    problems = []
    if not indicator:
        return ["the trace has no indicator (a trace summary's indicator, or message_trace_* variables)"]
    for key in ("sender", "sender_domain", "recipient"):
        if key in indicator:
            value = indicator[key]
            if key == "sender_domain" and isinstance(value, str) and "@" not in value:
                value = "@" + value.strip()
            try:
                address_target(value, "indicator %s" % key, patterns=True)
            except RailError as exc:
                problems.append(str(exc))
    if "subject" in indicator:
        try:
            text_criterion(indicator["subject"], "indicator subject")
        except RailError as exc:
            problems.append(str(exc))
    if "url" in indicator:
        try:
            text_criterion(indicator["url"], "indicator url")
            if "*" in indicator["url"]:
                raise RailError("indicator url: %r is a wildcard" % (indicator["url"],))
        except RailError as exc:
            problems.append(str(exc))
    if "message_id" in indicator:
        try:
            message_id(indicator["message_id"], "indicator message_id")
        except RailError as exc:
            problems.append(str(exc))
    if "attachment_sha256" in indicator and not (isinstance(indicator["attachment_sha256"], str)
                                                 and SHA256.match(indicator["attachment_sha256"].strip())):
        problems.append("indicator attachment_sha256: %r is not 64 hexadecimal digits"
                        % (indicator["attachment_sha256"],))
    if "sender_ip" in indicator and not _text(indicator["sender_ip"]):
        problems.append("indicator sender_ip is blank")
    return problems


def _sender(indicator, own, allow_broad):
    """(sender for the hold queue, sender to block, note) after the rails; None where the action cannot run."""
    value = _text(indicator.get("sender"))
    if value is None and _text(indicator.get("sender_domain")):
        value = "@" + _text(indicator["sender_domain"]).lstrip("@")
    if value is None:
        return None, None, ("The trace's indicator has no sender or sender domain: held mail was not rejected and no "
                            "sender was blocked.")
    try:
        rule = address_target(value, "sender", patterns=True)
        refuse_broad(rule, "sender", own, allow_broad)
    except (RailError, MatchInputError) as exc:
        return None, None, ("The sender was not rejected or blocked: %s (phishing_response_allow_broad, "
                            "phishing_response_own_domains)." % exc)
    if rule[0] == "subdomains":
        return ("*." + rule[1], None,
                "The sender *.%s is a pattern: held mail from the domain and its sub-domains is rejected, but a "
                "blocked sender policy covers one domain or address, so nothing was blocked; block each domain the "
                "trace shows." % rule[1])
    target = rule[1] if rule[0] == "address" else "@" + rule[1]
    return target, target, None


# -- the plan ------------------------------------------------------------------------------------------------
def _now(now):
    if now is None:
        return datetime.datetime.now(UTC)
    moment = _parse_time(now)
    if moment is None:
        raise AnsibleFilterError("response_plan: now must be an ISO 8601 time, got %r" % (now,))
    return moment


def _iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _events_window(window, now):
    """The window of the read-only TMES policy event step: the trace's, with a start older than TMES keeps
    clipped to the limit (and a note), or None with a note when the whole window is older."""
    start = _parse_time(window.get("start")) if _text(window.get("start")) else None
    end = _parse_time(window.get("end")) if _text(window.get("end")) else None
    limit = now - datetime.timedelta(hours=TMES_WINDOW_HOURS) + datetime.timedelta(minutes=TMES_MARGIN_MINUTES)
    if start is None:
        return {"start": _text(window.get("start")) or "-24h", "end": _text(window.get("end")), "clipped": False}, None
    if end is not None and end <= limit:
        return None, ("The TMES policy events were not read: the trace's window ended %s, longer ago than the %d hours "
                      "TMES keeps." % (_iso(end), TMES_WINDOW_HOURS))
    if start < limit:
        return ({"start": _iso(limit), "end": _iso(end) if end else None, "clipped": True},
                "The TMES policy events were read from %s, not from the trace's start %s: TMES keeps %d hours."
                % (_iso(limit), _iso(start), TMES_WINDOW_HOURS))
    return {"start": _iso(start), "end": _iso(end) if end else None, "clipped": False}, None


def _copies(trace):
    """The trace's delivered and at-risk copies; for a summary without ``copies``, one entry a recipient."""
    if isinstance(trace.get("copies"), list):
        out = []
        for copy in trace["copies"]:
            if isinstance(copy, dict):
                entry = dict(copy)
                entry["message_id"] = _bracketed(copy.get("message_id"))
                out.append(entry)
        return out, True
    out = []
    for key, verdict in (("delivered_to", "delivered"), ("at_risk_to", "pending")):
        for recipient in _list(trace.get(key)):
            out.append({"vendor": None, "vendor_id": None, "message_id": None, "recipient": recipient,
                        "verdict": verdict, "attachment_sha256": [], "urls": []})
    return out, False


def _resolved(copies, messages):
    """Mimecast copies with the Message-ID and status that mimecast_message_info gave for their tracking id."""
    by_id = {}
    for message in _list(messages):
        if isinstance(message, dict) and _text(message.get("id")):
            by_id[message["id"].strip()] = message
    out = []
    for copy in copies:
        entry = dict(copy)
        info = by_id.get(copy.get("vendor_id") or "") if copy.get("vendor") == "mimecast" else None
        if info is not None:
            entry["message_id"] = entry.get("message_id") or _bracketed(info.get("message_id"))
            status = _text(info.get("status"))
            entry["status"] = status
            current = MIMECAST_VERDICTS.get((status or "").lower())
            delivered = [d.get("recipient") for d in _list(info.get("delivered")) if isinstance(d, dict)]
            if current == "delivered" or (copy.get("recipient") and copy.get("recipient") in delivered):
                entry["now"] = "delivered"
            elif current in STOPPED:
                entry["now"] = "stopped"
            elif current is not None:
                entry["now"] = current
        out.append(entry)
    return out


def _remediation(indicator, copies, own, allow_broad, max_messages):
    """What one incident removes the campaign by: the attachment hash of the indicator, else the Message-IDs of the
    copies, else the exact traced URL; and which copies it is for."""
    digest = _text(indicator.get("attachment_sha256"))
    plan = {"by": None, "file_hash": None, "message_ids": [], "url": None, "count": 0, "problem": None}
    if not copies:
        plan["problem"] = "nothing was delivered or is at risk: there is no mail to remove"
        plan["none_needed"] = True
        return plan
    if digest and SHA256.match(digest):
        plan.update(by="file_hash", file_hash=digest.lower(), count=len(copies))
    else:
        ids = []
        for copy in copies:
            if copy.get("message_id") and copy["message_id"] not in ids:
                ids.append(copy["message_id"])
        url = _text(indicator.get("url"))
        exact = url is not None and any(url in _list(copy.get("urls")) for copy in copies)
        if ids:
            plan.update(by="message_ids", message_ids=ids,
                        count=len([c for c in copies if c.get("message_id") in ids]))
        elif exact:
            try:
                plan.update(by="url", url=url_target(url, "the traced url", own, allow_broad),
                            count=len([c for c in copies if url in _list(c.get("urls"))]))
            except RailError as exc:
                plan["problem"] = "the traced URL cannot be remediated: %s" % exc
                return plan
        else:
            plan["problem"] = ("nothing to remediate with: the indicator has no attachment SHA-256, no copy has a "
                               "Message-ID, and no copy carries the indicator's URL exactly")
            return plan
    plan["end"] = _latest(copies)
    if plan["count"] > max_messages:
        plan["problem"] = ("the remediation would reach %d copies, more than phishing_response_max_messages (%d)"
                           % (plan["count"], max_messages))
        plan["over_limit"] = True
    return plan


def _latest(copies):
    """The end of the remediation window: the latest copy's time, up to the whole second (Mimecast's dates carry no
    fraction), or None when no copy has a time.  An incident found again must reach it (mimecast_remediation_incident
    ``end``): a rerun of the same trace finds its incident, a later wave opens a new one."""
    times = []
    for copy in copies:
        try:
            times.append(_parse_time(copy.get("time")))
        except (TypeError, ValueError, AnsibleFilterError):
            continue
    times = [t for t in times if t is not None]
    if not times:
        return None
    latest = max(times)
    if latest.microsecond:
        latest = latest.replace(microsecond=0) + datetime.timedelta(seconds=1)
    return _iso(latest)


def _clickers(trace):
    """The trace's clickers (tracking_summary with clicks), each with an address; [] when none or not read."""
    out = []
    for entry in _list(trace.get("clickers")):
        entry = _dict(entry)
        user = _text(entry.get("user"))
        if user:
            out.append(dict(entry, user=user.lower()))
    return out


def _link(url):
    """The link to block: scheme, host and path, without the query string and the fragment (Mimecast: a block of a
    URL with a query string "will only function as expected when the query string is removed")."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def _block_urls(indicator, copies, clickers, own, allow_broad, max_messages):
    """One entry a campaign link (the exact URLs of the delivered and at-risk copies, the indicator's URL when it is
    a whole link, and the links the clickers clicked): ``url`` as traced, ``target`` to block or None, ``why`` not."""
    found = []
    for copy in copies:
        found.extend(_text(u) for u in _list(copy.get("urls")))
    url = _text(indicator.get("url"))
    if url and urlsplit(url).scheme in ("http", "https"):
        found.append(url)
    for clicker in clickers:
        found.extend(_text(u) for u in _list(clicker.get("urls")))
    entries, targets = [], []
    for url in found:
        if not url or url in [e["url"] for e in entries]:
            continue
        entry = {"url": url, "target": None, "why": None}
        try:
            # first a whole http(s) link at all, then the link to block through the rails
            target = url_target(_link(url_target(url, "the campaign's URL", allow_broad=True)), "the campaign's URL",
                                own, allow_broad)
        except (RailError, ValueError) as exc:
            entry["why"] = "not blocked: %s (phishing_response_allow_broad, phishing_response_own_domains)" % exc
        else:
            if target in targets:
                continue
            targets.append(target)
            entry["target"] = target
        entries.append(entry)
    if len(targets) > max_messages:
        why = ("not blocked: the campaign has %d links to block, more than phishing_response_max_messages (%d)"
               % (len(targets), max_messages))
        entries = [dict(e, target=None, why=e["why"] or why) for e in entries]
    return entries


def response_plan(trace, own_domains=None, allow_broad=False, max_messages=50, messages=None, now=None):
    """What a response may do with this trace summary; see the module docstring."""
    if trace is None or trace == "":
        trace = {}
    if not isinstance(trace, dict):
        raise AnsibleFilterError("response_plan: give a trace summary (the message_trace value), not %s"
                                 % type(trace).__name__)
    max_messages = _int(max_messages, "max_messages")
    if max_messages < 1:
        raise AnsibleFilterError("response_plan: max_messages (phishing_response_max_messages) must be 1 or more, "
                                 "got %d" % max_messages)
    if own_domains is not None and not isinstance(own_domains, (list, tuple)):
        raise AnsibleFilterError("response_plan: own_domains (phishing_response_own_domains) must be a list of "
                                 "domains, like [example.com]")
    try:
        given = checked_domains(list(own_domains or []), "phishing_response_own_domains")
    except (RailError, MatchInputError) as exc:
        raise AnsibleFilterError("response_plan: %s" % exc)
    allow_broad = _bool(allow_broad)
    indicator = _dict(trace.get("indicator"))
    window = _dict(trace.get("window"))
    copies, detailed = _copies(trace)
    copies = _resolved(copies, messages)
    # the recipients of the campaign are the organisation's: acting on their whole domain needs allow_broad
    own = list(given)
    for recipient in [c.get("recipient") for c in copies] + _list(trace.get("delivered_to")) + _list(
            trace.get("at_risk_to")):
        if isinstance(recipient, str) and "@" in recipient:
            domain = recipient.rsplit("@", 1)[1].strip().lower().rstrip(".")
            if domain and domain not in own:
                own.append(domain)

    problems = []  # why nothing at all is done
    if not trace:
        problems.append("there is no trace summary")
    problems += [p for p in _check_indicator(indicator) if trace]
    usable = not problems
    unsound = []  # why the actions stay previews
    for failure in _list(trace.get("failures")):
        failure = _dict(failure)
        unsound.append("the trace failed at %s (%s)" % (failure.get("vendor") or "a vendor",
                                                        failure.get("error") or "no error text"))
    if _bool(trace.get("partial")):
        unsound.append("the trace is partial (some of its window was not searched)")
    if trace and "searched" in trace and not _list(trace.get("searched")):
        unsound.append("the trace searched no vendor")
    if trace and not detailed:
        unsound.append("the trace summary has no copies (delivered and at-risk mail with its Message-IDs): trace "
                       "again with this version of the collection")

    hold_sender, block_sender, sender_note = _sender(indicator, own, allow_broad) if usable else (None, None, None)
    remediation = _remediation(indicator, copies, own, allow_broad, max_messages) if usable else {
        "by": None, "file_hash": None, "message_ids": [], "url": None, "count": 0, "problem": "; ".join(problems)}
    clickers = _clickers(trace)
    block_urls = _block_urls(indicator, copies, clickers, own, allow_broad, max_messages) if usable else []
    resolve = []
    for copy in copies:
        if copy.get("vendor") == "mimecast" and copy.get("vendor_id") and "status" not in copy:
            if copy["vendor_id"] not in resolve:
                resolve.append(copy["vendor_id"])
    events_window, events_note = _events_window(window, _now(now)) if usable else (None, None)
    notes = [n for n in (sender_note, events_note) if n]
    return {
        "usable": usable,
        "sound": usable and not unsound,
        "problems": problems + unsound,
        "notes": notes,
        "indicator": indicator,
        "window": {"start": _text(window.get("start")), "end": _text(window.get("end"))},
        "hold_sender": hold_sender,
        "block_sender": block_sender,
        "own_domains": own,
        "allow_broad": allow_broad,
        "max_messages": max_messages,
        "copies": copies,
        "resolve": resolve[:max_messages] if len(resolve) <= max_messages else [],
        "remediation": remediation,
        "events_window": events_window,
        "clickers": clickers,
        # whether the trace read the click log at all (message_trace_clicks): without it nobody is known to have
        # clicked, which is not the same as nobody clicked
        "clicks_read": isinstance(trace.get("clickers"), list),
        "block_urls": block_urls,
    }


# -- what was done ------------------------------------------------------------------------------------------
def _failed(result):
    return _bool(_dict(result).get("failed"))


def _skipped(result):
    return not result or _bool(_dict(result).get("skipped"))


def _msg(result):
    return _text(_dict(result).get("msg")) or "failed"


def response_actions(results, plan, acting, switches=None, ready=True):
    """One row an action and target (action, target, outcome, acted, and what the vendor's answer gave), the
    failures, and ``undone``: why each action switched on (``switches``) did not act, from the registered results
    of the three Mimecast tasks."""
    results, plan, acting, switches = _dict(results), _dict(plan), _dict(acting), _dict(switches)
    rows, failures = [], []
    held = _dict(results.get("reject_held"))
    if not _skipped(held):
        for item in _list(held.get("results")):
            item = _dict(item)
            row = {"action": "reject_held", "target": item.get("id"), "outcome": item.get("outcome"),
                   "acted": _bool(acting.get("reject_held")), "sender": item.get("sender"),
                   "recipients": _list(item.get("recipients")), "subject": item.get("subject"),
                   "reason": item.get("reason")}
            if item.get("outcome") == "failed":
                row.update(code=item.get("code"), message=item.get("message"))
            rows.append(row)
        failed_ids = [r["target"] for r in rows if r["action"] == "reject_held" and r["outcome"] == "failed"]
        if _failed(held):
            failures.append({"action": "reject_held", "error": _msg(held)})
        elif failed_ids:
            failures.append({"action": "reject_held",
                             "error": "Mimecast did not confirm the reject of %s: they are still held"
                             % ", ".join(str(i) for i in failed_ids)})
    blocked = _dict(results.get("block_sender"))
    if not _skipped(blocked):
        if _failed(blocked):
            failures.append({"action": "block_sender", "error": _msg(blocked)})
        else:
            existing = [p for p in _list(blocked.get("existing")) if isinstance(p, dict)]
            policies = [p for p in _list(blocked.get("policies")) if isinstance(p, dict)]
            acted = _bool(acting.get("block_sender"))
            said = blocked.get("outcome")  # created, updated, unchanged or existing (the module's words)
            if said == "updated":
                outcome, policy = ("updated" if acted else "would_update"), (policies or [{}])[0]
            elif said == "created" or (said is None and _bool(blocked.get("changed"))):
                outcome, policy = ("blocked" if acted else "would_block"), (policies or [{}])[0]
            else:
                # the task's own policy unchanged, or another policy that already blocks exactly this: nothing written
                outcome, policy = "already_blocked", (existing or policies or [{}])[0]
            rows.append({"action": "block_sender", "target": plan.get("block_sender"), "outcome": outcome,
                         "acted": acted, "id": policy.get("id"),
                         "description": _dict(policy.get("policy")).get("description", policy.get("description"))})
    remediated = _dict(results.get("remediate"))
    remediation = _dict(plan.get("remediation"))
    target = remediation.get("file_hash") or remediation.get("url") or " ".join(remediation.get("message_ids") or [])
    acted = _bool(acting.get("remediate"))
    if not _skipped(remediated):
        if _failed(remediated):
            failures.append({"action": "remediate", "error": _msg(remediated)})
            rows.append({"action": "remediate", "target": target, "by": remediation.get("by"), "outcome": "failed",
                         "acted": acted, "id": remediated.get("id"), "error": _msg(remediated)})
        else:
            counts = _dict(remediated.get("counts"))
            created = _bool(remediated.get("created")) or _bool(remediated.get("changed"))
            rows.append({
                "action": "remediate", "target": target, "by": remediation.get("by"),
                "outcome": ("opened" if acted else "would_open") if created else "found", "acted": acted,
                "id": remediated.get("id"), "code": remediated.get("code"),
                "settled": _bool(remediated.get("settled")),
                "identified": remediated.get("identified", counts.get("identified")),
                "successful": remediated.get("successful", counts.get("successful")),
                "failed": counts.get("failed"), "copies": remediation.get("count")})
    elif plan.get("usable") and _bool(ready):
        if remediation.get("none_needed"):
            outcome = "not_needed"
        elif remediation.get("over_limit"):
            outcome = "refused"
        else:
            outcome = "nothing_to_remediate_with"
        rows.append({"action": "remediate", "target": target or None, "by": None, "outcome": outcome,
                     "acted": False, "why": remediation.get("problem")})
    _url_rows(_dict(results.get("block_url")), plan, _bool(acting.get("block_url")),
              plan.get("usable") and _bool(ready), rows, failures)
    failed = set(f["action"] for f in failures)
    undone = []
    for name in ("reject_held", "block_sender", "remediate", "block_url"):
        if not _bool(switches.get(name)) or name in failed:
            continue
        done = [r for r in rows if r["action"] == name and r.get("acted")]
        row = next((r for r in rows if r["action"] == name), {})
        if not plan.get("usable"):
            why = "nothing was done: %s" % "; ".join(plan.get("problems") or ["there is no trace"])
        elif not _bool(ready):
            why = "there are no Mimecast credentials"
        elif not plan.get("sound"):
            why = "the trace is not sound (%s): only a preview" % "; ".join(plan.get("problems") or [])
        elif name == "reject_held" and not plan.get("hold_sender"):
            why = "there is no sender whose held mail may be rejected"
        elif name == "block_sender" and not plan.get("block_sender"):
            why = "there is no sender that may be blocked"
        elif name == "remediate" and row.get("outcome") in ("refused", "nothing_to_remediate_with"):
            why = row.get("why")
        elif name == "remediate" and row.get("outcome") == "not_needed":
            continue
        elif name == "block_url" and not [r for r in rows if r["action"] == name and r.get("target")]:
            reasons = sorted(set(r["why"] for r in rows if r["action"] == name and r.get("why")))
            why = "the campaign has no link that may be blocked%s" % (
                " (%s)" % "; ".join(reasons) if reasons else "")
        elif name == "block_url" and all(r.get("acted") or r.get("outcome") == "already_blocked"
                                         for r in rows if r["action"] == name and r.get("target")):
            if any(r.get("outcome") == "refused" for r in rows if r["action"] == name):
                why = "some links were refused by the rails: see the actions"
            else:
                continue
        elif done or (name == "reject_held" and not _skipped(results.get(name))) or (
                name == "block_sender" and row.get("outcome") == "already_blocked"):
            continue
        else:
            why = "it did not run"
        undone.append("%s is switched on but was not done: %s" % (name, why))
    return {"actions": rows, "failures": failures, "undone": undone}


# what mimecast_managed_url says it did (RETURN outcome), as the response reports it: (acted, preview)
_URL_OUTCOMES = {"created": ("blocked", "would_block"), "replaced": ("replaced", "would_replace"),
                 "unchanged": ("already_blocked", "already_blocked"),
                 "existing": ("already_blocked", "already_blocked")}


def _url_rows(results, plan, acted, considered, rows, failures):
    """One row a campaign link: refused by the rails (when the links were considered: a usable plan and Mimecast
    credentials), or what the managed URL task answered for it."""
    by_target = {}
    for item in _list(results.get("results")):
        item = _dict(item)
        link = _dict(item.get(item.get("ansible_loop_var") or "item"))
        if link.get("target"):
            by_target[link["target"]] = item
    for link in _list(plan.get("block_urls")):
        link = _dict(link)
        if not link.get("target"):
            if considered:
                rows.append({"action": "block_url", "target": None, "url": link.get("url"), "outcome": "refused",
                             "acted": False, "why": link.get("why")})
            continue
        item = by_target.get(link["target"])
        if item is None or _skipped(item):
            continue
        row = {"action": "block_url", "target": link["target"], "url": link.get("url"), "acted": acted}
        if _failed(item):
            failures.append({"action": "block_url", "error": "%s: %s" % (link["target"], _msg(item))})
            row.update(outcome="failed", error=_msg(item))
        else:
            entry = _dict(item.get("entry"))
            words = _URL_OUTCOMES.get(item.get("outcome"))
            if words is None:
                # a word this collection does not know is not taken as a block
                failures.append({"action": "block_url", "error": "%s: the managed URL task answered %r" % (
                    link["target"], item.get("outcome"))})
                row.update(outcome="failed", error="unknown outcome %r" % (item.get("outcome"),))
            else:
                row.update(outcome=words[0] if acted or words[0] == words[1] else words[1], id=entry.get("id"),
                           comment=entry.get("comment"))
                if link["target"] != link.get("url"):
                    row["why"] = ("blocked without its query string, as Mimecast says a block with one does not work "
                                  "as expected")
        rows.append(row)


# -- the answer ----------------------------------------------------------------------------------------------
def _remediation_proof(rows, targets):
    """(removed, why not) for the Mimecast copies an incident was for: removed only when the incident was opened or
    found for real, has settled, failed none and removed at least as many as there are copies."""
    row = next((r for r in rows if r.get("action") == "remediate"), None)
    if row is None:
        return False, "no remediation was run (no Mimecast credentials, or the trace was not usable)"
    if row.get("outcome") == "failed":
        return False, "the remediation failed: %s" % row.get("error")
    if row.get("outcome") in ("nothing_to_remediate_with", "refused", "not_needed"):
        return False, "not removed: %s" % row.get("why")
    if not row.get("acted"):
        return False, "preview only: the remediation incident was not opened (phishing_response_remediate, check mode)"
    successful, failed = row.get("successful"), row.get("failed")
    if row.get("outcome") in REMEDIATED and row.get("settled") and not failed and isinstance(successful, int) \
            and successful >= targets:
        return True, None
    return False, ("still in the mailbox after remediation: incident %s removed %s of %s identified (%s failed, %s); "
                   "the trace has %d copies for it" % (
                       row.get("id"), successful, row.get("identified"), failed or 0,
                       "settled" if row.get("settled") else "not settled yet", targets))


def _handled(handled):
    if handled is None or handled == "":
        return set()
    if isinstance(handled, str):
        handled = [handled]
    if not isinstance(handled, (list, tuple)):
        raise AnsibleFilterError("response_containment: handled (phishing_response_clickers_handled) must be a list "
                                 "of the addresses whose accounts were reset, like [ann@example.com]")
    out = set()
    for address in handled:
        text = _text(address)
        if not text or "@" not in text or text.startswith("@") or text.endswith("@"):
            raise AnsibleFilterError("response_containment: handled (phishing_response_clickers_handled) holds %r, "
                                     "which is not an address: list the addresses of the accounts already reset"
                                     % (address,))
        out.add(text.lower())
    return out


def _clicked_why(clicker):
    urls = _list(clicker.get("urls"))
    more = " and %d more" % (len(urls) - 3) if len(urls) > 3 else ""
    if clicker.get("urls_truncated") is True:
        more = " and more (%d listed)" % len(urls) if len(urls) > 3 else " and more"
    what = "clicked %s" % (", ".join(str(u) for u in urls[:3]) + more if urls else "a link")
    when = " first at %s" % clicker["first_click"] if _text(clicker.get("first_click")) else ""
    blocked = (" (Mimecast blocked or warned on a click, but a warning page can be passed and the mail may have "
               "been opened elsewhere)" if clicker.get("blocked") is True else "")
    return "%s%s%s; reset the account and check the machine" % (what, when, blocked)


def response_containment(plan, actions=None, handled=None):
    """Whether the campaign is contained: every delivered or at-risk copy removed, rejected or proven stopped, and
    every user who clicked handled (``handled``: the addresses whose accounts the responder already reset); and one
    entry a copy or a clicker that is not (vendor, recipient, message_id, why; ``kind`` copy or clicker)."""
    plan = _dict(plan)
    handled = _handled(handled)
    rows = [r for r in _list(actions) if isinstance(r, dict)]
    copies = [c for c in _list(plan.get("copies")) if isinstance(c, dict)]
    remediation = _dict(plan.get("remediation"))
    by = remediation.get("by")
    ids = remediation.get("message_ids") or []
    url = remediation.get("url")

    def covered(copy):
        if by == "file_hash":
            return True
        if by == "message_ids":
            return copy.get("message_id") in ids
        if by == "url":
            return url in _list(copy.get("urls"))
        return False

    mimecast_targets = [c for c in copies if c.get("vendor") == "mimecast" and covered(c)
                        and (c.get("now") or c.get("verdict")) == "delivered"]
    removed, why_not = _remediation_proof(rows, len(mimecast_targets))
    unsound = None if plan.get("sound") else "; ".join(plan.get("problems") or ["the trace is not sound"])
    entries = []
    counts = {"removed": 0, "stopped": 0}
    for copy in copies:
        vendor = copy.get("vendor")
        now = copy.get("now") or copy.get("verdict")
        why = None
        if vendor == "tmes":
            where = "delivered at TMES" if copy.get("verdict") == "delivered" else (
                "in flight at TMES (%s)" % copy.get("verdict"))
            why = "%s; %s%s" % (where, TMES_WHERE, " by its Message-ID" if copy.get("message_id") else "")
        elif vendor == "mimecast":
            if now == "stopped":
                counts["stopped"] += 1
                continue
            if now != "delivered":
                why = ("in flight at Mimecast (%s): not in a mailbox yet, so remediation cannot reach it; trace again "
                       "later" % (copy.get("status") or copy.get("verdict")))
            elif unsound and not removed:
                why = "not removed, the trace is not sound: %s" % unsound
            elif by is not None and not covered(copy):
                why = ("no identifier to remove it by: no attachment SHA-256 in the indicator and no Message-ID "
                       "(mimecast_message_info gave none for %s)" % copy.get("vendor_id"))
            elif removed:
                counts["removed"] += 1
                continue
            else:
                why = why_not
        else:
            why = "the trace does not say which vendor holds it or its Message-ID; trace again with this collection"
        entries.append({"kind": "copy", "vendor": vendor, "recipient": copy.get("recipient"),
                        "message_id": copy.get("message_id"), "vendor_id": copy.get("vendor_id"), "why": why})
    left = len(entries)
    clickers = [c for c in _list(plan.get("clickers")) if isinstance(c, dict) and _text(c.get("user"))]
    for clicker in clickers:
        if clicker["user"].lower() in handled:
            continue
        entries.append({"kind": "clicker", "vendor": "mimecast", "recipient": clicker["user"].lower(),
                        "message_id": None, "vendor_id": None, "first_click": clicker.get("first_click"),
                        "urls": _list(clicker.get("urls")), "blocked": clicker.get("blocked") is True,
                        "why": _clicked_why(clicker)})
    unhandled = len(entries) - left
    contained = not entries and plan.get("sound") is True
    clicked = ""
    if clickers:
        clicked = " %d of %d user(s) who clicked handled." % (len(clickers) - unhandled, len(clickers))
    if contained:
        answer = ("Contained: %d of %d delivered or at-risk copies removed, %d proven stopped.%s" % (
            counts["removed"], len(copies), counts["stopped"], clicked)) if copies else (
            "Contained: the trace found no delivered or at-risk copy.%s" % clicked)
    elif not plan.get("sound") and not entries:
        answer = "Not known to be contained: %s." % (unsound or "the trace is not usable")
    else:
        recipients = sorted(set(e["recipient"] for e in entries[:left] if e.get("recipient")))
        answer = "NOT contained: %d of %d copies remain, for %d recipient(s)%s%s." % (
            left, len(copies), len(recipients),
            "; %d user(s) clicked and are not handled yet (reset their accounts, check their machines)" % unhandled
            if unhandled else "", (": " + unsound) if unsound else "")
    return {"contained": contained, "not_contained": entries, "removed": counts["removed"],
            "stopped": counts["stopped"], "copies": len(copies), "clickers": len(clickers),
            "clickers_handled": len(clickers) - unhandled, "answer": answer}


class FilterModule(object):
    # pylint: disable=too-few-public-methods

    def filters(self):
        return {
            "response_plan": response_plan,
            "response_actions": response_actions,
            "response_containment": response_containment,
        }
