# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rails of every module that acts: input that could select everything is refused before any request, and
broad targets need an explicit ``allow_broad``.

For internal use by this collection only; the interface may change without notice.

- Addresses and domains go through the trace's own rule (``_matching._address_rule``): empty, blank, ``@``,
  ``*``, one-label and malformed values are refused with a message that says what to give.
- A whole free-mail or shared-platform domain (``BROAD_DOMAINS``) or one of the organisation's own domains is
  refused as a target unless ``allow_broad`` is true.
- Free text that selects (a subject, a hold reason) needs at least ``MIN_TEXT`` characters that are not blanks.
- URLs must be absolute http(s) URLs with a host; message ids must be more than their brackets.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover
    from urlparse import urlsplit  # type: ignore

from ansible_collections.emailsec.tracking.plugins.module_utils._matching import (
    MatchInputError, _address_rule, strip_brackets,
)

MIN_TEXT = 3
# Free-mail providers and shared platforms whose domain is used by millions of unrelated senders: blocking or
# acting on the whole domain stops legitimate mail along with the campaign.  Documented in the action modules.
FREE_MAIL_DOMAINS = (
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com", "yahoo.com", "ymail.com",
    "rocketmail.com", "aol.com", "icloud.com", "me.com", "mac.com", "proton.me", "protonmail.com", "pm.me",
    "gmx.com", "gmx.de", "gmx.net", "web.de", "mail.com", "zoho.com", "yandex.com", "yandex.ru", "mail.ru",
    "qq.com", "163.com", "126.com", "naver.com", "hey.com", "fastmail.com", "tutanota.com", "t-online.de",
    "orange.fr", "free.fr", "libero.it", "btinternet.com", "comcast.net", "att.net", "verizon.net",
)
SHARED_PLATFORM_DOMAINS = (
    "google.com", "docs.google.com", "drive.google.com", "sites.google.com", "forms.gle", "microsoft.com",
    "sharepoint.com", "onmicrosoft.com", "office.com", "office365.com", "onedrive.live.com", "1drv.ms",
    "amazonaws.com", "amazonses.com", "dropbox.com", "box.com", "wetransfer.com", "github.com", "github.io",
    "salesforce.com", "sendgrid.net", "mailchimp.com", "mcsv.net", "docusign.net", "docusign.com", "zoom.us",
    "slack.com", "linkedin.com", "facebook.com", "apple.com", "adobe.com", "notion.so", "canva.com",
    "bit.ly", "t.co", "tinyurl.com", "goo.gl", "ow.ly", "mimecast.com", "mimecastprotect.com", "trendmicro.com",
    "googlegroups.com", "blogspot.com", "appspot.com", "web.app", "firebaseapp.com", "pages.dev", "workers.dev",
    "herokuapp.com", "netlify.app", "vercel.app", "azurewebsites.net", "cloudfront.net", "wixsite.com",
    "weebly.com", "squarespace.com", "wordpress.com", "substack.com", "typeform.com", "jotform.com",
)
BROAD_DOMAINS = frozenset(FREE_MAIL_DOMAINS + SHARED_PLATFORM_DOMAINS)
# the big free-mail providers under every country's domain: yahoo.co.uk, hotmail.fr, outlook.de, gmx.at, ...
_FREE_MAIL_BRANDS = re.compile(
    r"^(?:gmail|googlemail|yahoo|ymail|hotmail|outlook|live|msn|aol|gmx|protonmail|yandex|icloud|libero|orange|"
    r"t-online|btinternet|bigpond|rediffmail|naver|daum|qq|sina|sohu)\.(?:(?:co|com|net|org)\.)?[a-z]{2,3}$")
# domains under which anyone registers a name: never an organisation's own domain or one sender's domain
PUBLIC_SUFFIXES = frozenset((
    "co.uk", "org.uk", "ac.uk", "gov.uk", "me.uk", "ltd.uk", "plc.uk", "com.au", "net.au", "org.au", "edu.au",
    "gov.au", "co.nz", "org.nz", "co.jp", "ne.jp", "or.jp", "ac.jp", "co.kr", "or.kr", "com.br", "net.br",
    "org.br", "com.cn", "net.cn", "org.cn", "com.hk", "com.sg", "com.my", "com.tw", "co.in", "net.in", "org.in",
    "co.za", "org.za", "com.mx", "com.ar", "com.tr", "co.il", "com.pl", "com.ua", "co.id", "com.ph", "com.vn",
    "com.sa", "com.eg", "co.th", "com.co", "com.pe", "com.ng", "co.ke", "eu.com", "uk.com", "us.com",
))


class RailError(MatchInputError):
    """Input refused by the rails of a module that acts; the message says what to give instead."""


def own_domains(values, option="own_domains"):
    """The organisation's own domains, checked and in lower case."""
    out = []
    for value in values or []:
        try:
            kind, domain = _address_rule(value if isinstance(value, str) else "", option)
        except MatchInputError as exc:
            raise RailError(str(exc))
        if kind == "address":
            raise RailError("%s: %r is an address; give the organisation's domains, like example.com"
                            % (option, value))
        out.append(domain)
    return list(dict.fromkeys(out))


def address_target(value, option, patterns=False):
    """(kind, value) of an address or a domain an action selects or blocks: ``address``, ``domain``, or with
    ``patterns`` also ``subdomains`` (``*.example.com``); RailError for anything that could select everything."""
    if not isinstance(value, str) or not value.strip().strip("@").strip():
        raise RailError("%s is empty: give an address (user@example.com) or a domain (@example.com)" % option)
    text = value.strip()
    if "*" in text and not (patterns and re.match(r"^@?\*\.[^*]+$", text)):
        if patterns:
            raise RailError("%s: %r is a wildcard; only a domain with its sub-domains (*.example.com) is accepted"
                            % (option, value))
        raise RailError("%s: %r is a wildcard, which this action cannot take: give one address or one domain "
                        "(@example.com)" % (option, value))
    try:
        return _address_rule(text, option)
    except MatchInputError as exc:
        raise RailError(str(exc))


def domain_of(rule):
    kind, value = rule
    return value.rsplit("@", 1)[-1] if kind == "address" else value


def refuse_broad(rule, option, own=(), allow_broad=False, whole_domain_only=True):
    """Refuse a free-mail, shared-platform or own domain as a target unless ``allow_broad``.

    With ``whole_domain_only`` (the default) an address at such a domain is fine (one gmail.com sender can be
    blocked); a whole domain, or a pattern over it, is not.
    """
    kind, value = rule
    if kind != "address" and domain_of(rule) in PUBLIC_SUFFIXES:
        # never a target, allow_broad or not: it is every organisation registered under it
        raise RailError("%s: %s is a public suffix (every domain registered under it), not one sender's or "
                        "organisation's domain: give the sender's own domain, such as evil.%s"
                        % (option, value, domain_of(rule)))
    if allow_broad:
        return
    if whole_domain_only and kind == "address":
        return
    domain = domain_of(rule)
    for listed in own:
        if domain == listed or domain.endswith("." + listed) or (kind == "subdomains" and listed.endswith("." + domain)):
            raise RailError("%s: %s is one of the organisation's own domains (%s): acting on the whole domain would "
                            "reach the organisation's own mail. Give the one sender address, or set allow_broad: "
                            "true if that is really meant" % (option, value, listed))
    if _broad(domain):
        raise RailError("%s: %s is a free-mail or shared-platform domain used by many unrelated senders: acting on "
                        "the whole domain would reach their mail too. Give the one sender address, or set "
                        "allow_broad: true if that is really meant" % (option, value))


def _broad(domain):
    return (any(domain == d or domain.endswith("." + d) for d in BROAD_DOMAINS) or
            bool(_FREE_MAIL_BRANDS.match(domain)) or domain in PUBLIC_SUFFIXES)


def text_criterion(value, option):
    """Free text that selects (a subject part, a hold reason): at least MIN_TEXT characters besides blanks."""
    if value is None:
        return None
    if not isinstance(value, str) or len(value.strip()) < MIN_TEXT:
        raise RailError("%s: %r would select almost everything: give at least %d characters of the text to match"
                        % (option, value, MIN_TEXT))
    return value.strip()


def message_id(value, option="message_id"):
    """A Message-ID with its angle brackets, as Mimecast wants it; RailError for an empty or blank one."""
    if not isinstance(value, str) or not strip_brackets(value):
        raise RailError("%s is empty: give the Message-ID header of the message, like <id@example.com>" % option)
    bare = strip_brackets(value)
    if any(c.isspace() for c in bare) or "*" in bare:
        raise RailError("%s: %r is not a Message-ID (it holds blanks or a wildcard)" % (option, value))
    return "<%s>" % bare


def url_target(value, option="url", own=(), allow_broad=False):
    """An absolute http(s) URL with a host, not a whole shared platform; RailError otherwise."""
    text = value.strip() if isinstance(value, str) else ""
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or "*" in text or any(c.isspace() for c in text):
        raise RailError("%s: %r is not an absolute URL: give the whole link, like https://evil.example/pay"
                        % (option, value))
    host = parts.hostname.lower().rstrip(".")
    if "." not in host:
        raise RailError("%s: %r has no domain a link could be on" % (option, value))
    whole_site = len(parts.path.strip("/")) < 2 and not parts.query
    if not allow_broad and whole_site and (_broad(host) or any(host == d or host.endswith("." + d) for d in own)):
        raise RailError("%s: %s is a whole shared platform or the organisation's own site; give the campaign's "
                        "own link (with its path), or set allow_broad: true if that is really meant" % (option, text))
    return text
