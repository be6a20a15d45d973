# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Mimecast message info (mimecast_message_info): a tracked email's Message-ID, delivery per recipient,
attachment hashes and headers, from ``POST /api/message-finder/get-message-info``.

For internal use by this collection only; the interface may change without notice.

Where each vendor word and shape comes from: the request ``data[{id}]`` and the permission from Mimecast's page of
the endpoint; ``loadContent: "true"`` from Google SecOps' client (medium: not in the documented request); the
answer from a body captured from a Mimecast lab tenant (shared/api/real-samples/mimecast-msginfo-demisto-1.json):
``deliveredMessage`` is an object keyed by recipient address, ``to`` a list of plain strings, components
``{type, name, extension, mimeType, size, hash}`` under ``recipientMetaInfo`` and ``deliveryMetaInfo``, the
Message-ID only inside the HTML-escaped ``transmissionInfo`` header text in a ``<pre>`` block.  The older shape
(``txInfo.transmissionComponents[{fileName, fileType, hash, txSize}]``, ``txInfo.txEvent``) is from the data paths
other integrations read (medium).  No capture shows a file attachment's component ``type``: a component that is not
an "Email ..." body or transmission part and has a 64-hex ``hash`` is taken as an attachment.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

try:
    from html import unescape
except ImportError:  # pragma: no cover (Python 2)
    from HTMLParser import HTMLParser  # type: ignore
    unescape = HTMLParser().unescape

from email.parser import HeaderParser

from ansible_collections.emailsec.tracking.plugins.module_utils._http import ApiError, redact_url
from ansible_collections.emailsec.tracking.plugins.module_utils._mimecast import MESSAGE_INFO
from ansible_collections.emailsec.tracking.plugins.module_utils._mimecast_account import MimecastAction
from ansible_collections.emailsec.tracking.plugins.module_utils._module import InputError

MAX_IDS = 500
SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")
# the component types of a message's own parts, as captured ("Email Transmission File", "Email Primary Body HTML",
# "Email Primary Body Plain Text"): an "Email ..." type naming a body or the transmission
OWN_PART = re.compile(r"^email\b.*\b(body|transmission)\b", re.IGNORECASE)
PRE = re.compile(r"^\s*<pre>|</pre>\s*$", re.IGNORECASE)
BRACKETED = re.compile(r"<[^<>\s]+>")


def message_info_argspec():
    return dict(
        ids=dict(type="list", elements="str", required=True),
        load_content=dict(type="bool", default=False),
    )


def _dict(value):
    return value if isinstance(value, dict) else {}


def _list(value):
    return value if isinstance(value, list) else []


def _text(value):
    return value if isinstance(value, str) else None


def _strings(value):
    return [v for v in _list(value) if isinstance(v, str)]


def message_id_of(transmission_info):
    """The Message-ID (with its angle brackets) of the header text Mimecast shows in ``transmissionInfo``, or None.

    The text is HTML inside ``<pre>``: the tags are stripped, the entities (``&lt;``, ``&gt;``, ``&quot;``)
    unescaped, and the message's own header block (up to the first blank line, folded lines joined) is read.
    """
    if not isinstance(transmission_info, str) or not transmission_info.strip():
        return None
    text = unescape(PRE.sub("", transmission_info)).lstrip("\r\n\t ")
    try:
        value = HeaderParser().parsestr(text).get("Message-ID")
    except Exception:  # pylint: disable=broad-except  # a header text that cannot be read has no Message-ID
        return None
    if not isinstance(value, str):
        return None
    found = BRACKETED.search(value)
    if found:
        return found.group(0)
    bare = value.strip()
    return "<%s>" % bare if bare and not re.search(r"[\s<>]", bare) else None


def _attachment(name, sha256, mime_type, size, kind):
    if not isinstance(sha256, str) or not SHA256.match(sha256):
        return None
    if isinstance(kind, str) and OWN_PART.search(kind):
        return None
    return {"name": _text(name), "sha256": sha256.lower(), "mime_type": _text(mime_type),
            "size": size if isinstance(size, int) and not isinstance(size, bool) else None}


def attachments_of(parts):
    """The attachments among the component lists of a message (both shapes), each (name, sha256) once."""
    found, seen = [], set()
    for meta in parts:
        meta = _dict(meta)
        candidates = [_attachment(c.get("name"), c.get("hash"), c.get("mimeType"), c.get("size"), c.get("type"))
                      for c in _list(meta.get("components")) if isinstance(c, dict)]
        candidates += [_attachment(c.get("fileName"), c.get("hash"), None, c.get("txSize"), c.get("fileType"))
                       for c in _list(meta.get("transmissionComponents")) if isinstance(c, dict)]
        for item in candidates:
            if item is not None and (item["name"], item["sha256"]) not in seen:
                seen.add((item["name"], item["sha256"]))
                found.append(item)
    return found


def summary(requested_id, info):
    """One message's entry: what a responder reads, and the vendor's data[0] as is in ``raw``."""
    info = _dict(info)
    received = _dict(info.get("recipientInfo"))
    delivered = _dict(info.get("deliveredMessage"))
    copies = [(address, _dict(copy)) for address, copy in delivered.items() if isinstance(address, str)]
    headers = _dict(received.get("messageInfo"))
    if not headers:
        headers = next((_dict(c.get("messageInfo")) for dummy, c in copies if _dict(c.get("messageInfo"))), {})
    message_id = message_id_of(headers.get("transmissionInfo"))
    for dummy, copy in copies:
        if message_id is None:
            message_id = message_id_of(_dict(copy.get("messageInfo")).get("transmissionInfo"))
    deliveries = []
    for address, copy in copies:
        meta = _dict(copy.get("deliveryMetaInfo"))
        event = _text(meta.get("deliveryEvent")) or _text(_dict(copy.get("txInfo")).get("txEvent"))
        deliveries.append({"recipient": address.lower(), "event": event,
                           "route": _text(_dict(copy.get("messageInfo")).get("route")),
                           "policies": [p.get("policyName") for p in _list(copy.get("policyInfo"))
                                        if isinstance(p, dict) and isinstance(p.get("policyName"), str)]})
    parts = [received.get("recipientMetaInfo"), received.get("txInfo")]
    for dummy, copy in copies:
        parts += [copy.get("deliveryMetaInfo"), copy.get("txInfo")]
    spam = _dict(info.get("spamInfo"))
    return {
        "id": requested_id,
        "status": _text(info.get("status")),
        "message_id": message_id,
        "from_envelope": _text(headers.get("fromEnvelope")),
        "from_header": _text(headers.get("fromHeader")),
        "subject": _text(headers.get("subject")),
        "sent": _text(headers.get("sent")),
        "processed": _text(headers.get("processed")),
        "to": _strings(headers.get("to")),
        "cc": _strings(headers.get("cc")),
        "recipients": [d["recipient"] for d in deliveries],
        "delivered": deliveries,
        "attachments": attachments_of(parts),
        "spam": {"spamScore": spam.get("spamScore"), "detectionLevel": spam.get("detectionLevel")},
        "raw": info,
    }


def wanted_ids(ids):
    """The ids asked for, stripped, each once, in order; InputError for an empty list, a blank id, or too many."""
    if not ids:
        raise InputError("ids is empty: give the tracking ids of the messages (tracked_emails[].id of "
                         "mimecast_tracking_search)")
    blank = [n for n, i in enumerate(ids, 1) if not isinstance(i, str) or not i.strip()]
    if blank:
        raise InputError("ids: item %s is blank; give a tracking id (tracked_emails[].id of mimecast_tracking_search)"
                         % ", ".join("%d" % n for n in blank))
    wanted = list(dict.fromkeys(i.strip() for i in ids))
    if len(wanted) > MAX_IDS:
        raise InputError("ids holds %d different ids, more than %d; split them over several tasks"
                         % (len(wanted), MAX_IDS))
    return wanted


class MessageInfo(MimecastAction):
    """mimecast_message_info: one get-message-info request an id, one entry an id; it never changes anything."""

    def main(self):
        p = self.params
        wanted = wanted_ids(p["ids"])
        client = self.client()
        messages = []
        for tracking_id in wanted:  # one id a request, as every known client sends it
            item = {"id": tracking_id}
            if p["load_content"]:
                item["loadContent"] = "true"  # a string, as Google SecOps sends it
            what = "read the Mimecast message info of the tracking id %s" % tracking_id
            try:
                body = client.post(what, MESSAGE_INFO, [item])
            except ApiError as exc:
                exc.extra["failed_id"] = tracking_id
                if exc.hint is None and exc.code is not None:
                    exc.hint = ("Give an id from tracked_emails[].id of mimecast_tracking_search, within the 30 days "
                                "Mimecast keeps tracking data.")
                raise
            data = [d for d in body["data"] if isinstance(d, dict)]
            if not data:
                exc = ApiError(what, "Mimecast answered without the message's information and without a failure",
                               "POST", redact_url(client.base_url + MESSAGE_INFO),
                               hint="Check the id (tracked_emails[].id of mimecast_tracking_search); if it is right, "
                                    "try again later.")
                exc.extra["failed_id"] = tracking_id
                raise exc
            messages.append(summary(tracking_id, data[0]))
        return dict(changed=False, messages=messages, count=len(messages))
