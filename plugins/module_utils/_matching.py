# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Client-side matching shared by both modules, and the JMESPath ``query``.

For internal use by this collection only; the interface may change without notice.

Rules: ``sender`` and ``recipient`` are an exact address (case-insensitive), a
domain (``@example.com`` or ``example.com``, sub-domains not included), or a domain
with its sub-domains (``*.example.com``);
``subject`` and ``url`` are case-insensitive substrings; ``sender_ip`` is an
address or a CIDR network; ``message_id`` is compared without angle brackets;
``attachment_sha256`` is 64 hex digits; ``route`` (Mimecast) is matched exactly.  All given criteria must
match.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re
import traceback

JMESPATH_IMPORT_ERROR = None
try:
    import jmespath
    from jmespath.exceptions import JMESPathError
except ImportError:
    jmespath = None
    JMESPathError = Exception
    JMESPATH_IMPORT_ERROR = traceback.format_exc()

_SHA256_RE = re.compile(r"^[0-9a-fA-F]{64}$")
_ADDRESS_RE = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
_DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$")


class MatchInputError(ValueError):
    """A criterion that can never match as written; the message says what to fix."""


def _address_rule(value, option):
    text = value.strip().lower()
    if text.startswith("*.") or text.startswith("@*."):
        # a domain and every sub-domain of it: lookalike campaigns often send from mail.<domain>
        text = text.lstrip("@")[2:]
        if not _DOMAIN_RE.match(text):
            raise MatchInputError("%s: %r is not a domain pattern; write *.example.com" % (option, value))
        return ("subdomains", text)
    if text.startswith("@"):
        text = text[1:]
        if not _DOMAIN_RE.match(text):
            raise MatchInputError("%s: %r is not a domain; write @example.com or example.com" % (option, value))
        return ("domain", text)
    if "@" in text:
        if not _ADDRESS_RE.match(text):
            raise MatchInputError("%s: %r is not an email address; write user@example.com, or @example.com for a "
                                  "whole domain" % (option, value))
        return ("address", text)
    if not _DOMAIN_RE.match(text):
        raise MatchInputError("%s: %r is neither an email address nor a domain; write user@example.com or "
                              "@example.com" % (option, value))
    return ("domain", text)


def _address_matches(rule, address):
    if not address:
        return False
    address = _bare_address(address)
    kind, wanted = rule
    if kind == "address":
        return address == wanted
    domain = address.rsplit("@", 1)[-1]
    if kind == "subdomains":
        return domain == wanted or domain.endswith("." + wanted)
    return domain == wanted


def _bare_address(value):
    """``"Name" <a@b.example>`` or ``a@b.example`` -> ``a@b.example`` (lower case)."""
    text = value.strip()
    if "<" in text and text.endswith(">"):
        text = text[text.rindex("<") + 1:-1]
    return text.lower()


def strip_brackets(message_id):
    return message_id.strip().lstrip("<").rstrip(">").strip()


class Matcher:
    """Compiled criteria; ``fields`` says where each lives in one vendor's records."""

    def __init__(self, fields, sender=None, recipient=None, subject=None, sender_ip=None, message_id=None,
                 attachment_sha256=None, url=None, route=None, threat=None, reason=None, header_from=None):
        self.fields = fields
        self.rules = []
        if sender:
            self.rules.append(("sender", _address_rule(sender, "sender")))
        if recipient:
            self.rules.append(("recipient", _address_rule(recipient, "recipient")))
        if header_from:
            self.rules.append(("header_from", _address_rule(header_from, "header_from")))
        if subject:
            self.rules.append(("subject", subject.lower()))
        if sender_ip:
            try:
                network = ipaddress.ip_network(sender_ip.strip(), strict=False)
            except ValueError:
                raise MatchInputError("sender_ip: %r is not an IP address or CIDR network; write 203.0.113.7, "
                                      "203.0.113.0/24 or 2001:db8::/32" % sender_ip)
            self.rules.append(("sender_ip", network))
        if message_id:
            wanted = strip_brackets(message_id)
            if not wanted:
                raise MatchInputError("message_id: %r is empty once the angle brackets are removed" % message_id)
            self.rules.append(("message_id", wanted))
        if attachment_sha256:
            if not _SHA256_RE.match(attachment_sha256.strip()):
                raise MatchInputError("attachment_sha256: %r is not a SHA-256; give 64 hexadecimal digits (it has "
                                      "%d characters)" % (attachment_sha256, len(attachment_sha256.strip())))
            self.rules.append(("attachment_sha256", attachment_sha256.strip().lower()))
        if url:
            self.rules.append(("url", url.lower()))
        if route:
            self.rules.append(("route", route.lower()))
        if threat:
            self.rules.append(("threat", threat.lower()))
        if reason:
            self.rules.append(("reason", reason.lower()))
        unsupported = [name for name, rule in self.rules if name not in fields]
        if unsupported:
            raise MatchInputError("%s cannot be matched on these records" % ", ".join(unsupported))

    def __bool__(self):
        return bool(self.rules)

    __nonzero__ = __bool__

    def matches(self, record):
        for name, rule in self.rules:
            # a vendor value of another type than text (a number, a list, null) never matches, and never crashes
            values = [v for v in self.fields[name](record) if isinstance(v, str)]
            if name in ("sender", "recipient", "header_from"):
                ok = any(_address_matches(rule, v) for v in values)
            elif name == "sender_ip":
                ok = any(_ip_in(v, rule) for v in values)
            elif name == "message_id":
                ok = any(v and strip_brackets(v) == rule for v in values)
            elif name in ("attachment_sha256", "route"):
                ok = any(v and v.lower() == rule for v in values)
            else:  # subject, url, threat, reason: substrings
                ok = any(v and rule in v.lower() for v in values)
            if not ok:
                return False
        return True


def _ip_in(value, network):
    try:
        return ipaddress.ip_address(value.strip()) in network
    except (ValueError, AttributeError):
        return False


class Query:
    """A JMESPath expression applied to each page's list of records; it must give a list back."""

    def __init__(self, expression):
        self.expression = expression
        self._compiled = None
        if expression:
            if jmespath is None:
                raise MatchInputError("query needs the jmespath Python library on the host that runs the module")
            try:
                self._compiled = jmespath.compile(expression)
            except JMESPathError as exc:
                raise MatchInputError("query: %r is not a valid JMESPath expression: %s" % (
                    expression, str(exc).splitlines()[0] if str(exc) else type(exc).__name__))

    def __bool__(self):
        return self._compiled is not None

    __nonzero__ = __bool__

    def apply(self, records):
        if self._compiled is None:
            return records
        try:
            result = self._compiled.search(records)
        except JMESPathError as exc:
            raise MatchInputError("query %r failed on the records: %s" % (self.expression, exc))
        if result is None:
            return []
        if not isinstance(result, list):
            raise MatchInputError("query %r must give a list of records (a filter or projection such as "
                                  "[?action=='Delivered']), not %s; aggregate afterwards in your playbook"
                                  % (self.expression, type(result).__name__))
        return result


def _one(key):
    return lambda r: [r.get(key)]


def _listed(value):
    """A vendor value that should be a list: the list; one value alone as a list of one (never its characters)."""
    if isinstance(value, list):
        return value
    return [] if value is None else [value]


def _many(key):
    return lambda r: _listed(r.get(key))


def _dicts(value):
    return [v for v in _listed(value) if isinstance(v, dict)]


TMES_FIELDS = {
    "sender": lambda r: [r.get("sender"), r.get("headerFrom")],
    "recipient": lambda r: [r.get("recipient")] + _listed(r.get("headerTo")),
    "subject": _one("subject"),
    "sender_ip": _one("senderIP"),
    "message_id": _one("messageID"),
    "attachment_sha256": lambda r: [a.get("sha256") for a in _dicts(r.get("attachments"))],
    "url": _many("embeddedUrls"),
}


def _party(record, key):
    value = record.get(key)
    return value.get("emailAddress") if isinstance(value, dict) else None


def _held_address(key):
    """An address of a held message: ``{"emailAddress": ...}``, one such object alone or a list of them (the
    captured hold queue answers ``to`` as one object; the documentation suggests a list)."""
    def get(record):
        return [v.get("emailAddress") for v in _dicts(record.get(key))]
    return get


# The hold queue (get-hold-message-list): "from" is the envelope sender, "fromHeader" the header From, which the
# sending side controls; a release or reject by sender matches the envelope only (header_from is its own field).
HELD_FIELDS = {
    "sender": _held_address("from"),
    "header_from": _held_address("fromHeader"),
    "recipient": _held_address("to"),
    "subject": _one("subject"),
    "reason": lambda r: [r.get("reason"), r.get("reasonCode"), r.get("policyInfo")],
}

MIMECAST_FIELDS = {
    "sender": lambda r: [_party(r, "fromEnv"), _party(r, "fromHdr")],
    "recipient": lambda r: [t.get("emailAddress") for t in _dicts(r.get("to"))],
    "subject": _one("subject"),
    "sender_ip": _one("senderIP"),
    "route": _one("route"),
}
