# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Mimecast message info, ``POST /api/message-finder/get-message-info`` (shared/api/CLICKS.md section 9,
ACTIONS.md M8), for every tracked email of the sandbox's Mimecast data.

The answer has the shape of the body captured from a Mimecast lab tenant
(shared/api/real-samples/mimecast-msginfo-demisto-1.json): ``recipientInfo{messageInfo, recipientMetaInfo}``,
``deliveredMessage`` keyed by recipient address, ``retentionInfo``, ``status``, ``spamInfo``, ``id``; the
Message-ID only inside ``transmissionInfo``, HTML-escaped in a ``<pre>`` block.  Vendor words are the captured ones
(component types, events, policy types and names, ``encryptionInfo``).  The sandbox's own choices, said where they
are made: which statuses have delivered copies (``archived`` only, the collection's reading of delivered); held
mail in the older shape (``recipientInfo.txInfo``, top-level ``queueInfo``: Splunk's data paths and Google
SecOps' mock, medium); every status shows the received message's headers; the component type of a file
attachment (no capture shows one); an unknown id answered HTTP 200 with a keyed ``fail[]`` entry.
"""

from __future__ import annotations

import datetime
import hashlib
import html
import weakref

from .data import ATTACHMENT_NAMES
from .mimecast import enveloped, envelope, failure, http_error, parse_body_date
from .reply import Reply

PATH = "/api/message-finder/get-message-info"
PERMISSION = "read"  # Gateway | Tracking | Read, as the tracking search
UTC = datetime.timezone.utc
# the sandbox's choice: no capture shows the component type of a file attachment (CLICKS.md section 9)
ATTACHMENT_TYPE = "File Attachment"
MIME_TYPES = {"pdf": "application/pdf", "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml."
              "document", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
              "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
              "jpg": "image/jpeg", "html": "text/html"}
# captured policyInfo entries (type, name), the ones every inbound message meets
POLICIES = (("Auto Allow", "Apply Auto Allow"), ("Secure Receipt", "Opportunistic TLS"),
            ("URL Protection", "Default Inbound URL Protect Definition"),
            ("Attachment Protection", "Default Inbound Attachment Protect Definition"),
            ("DNS Authentication - Inbound Checks", "Default DNS Authentication Inbound Definition"),
            ("Spam Scanning", "Relaxed Spam Detection"),
            ("Impersonation Protection", "Default Impersonation Protect Definition"))
UNKNOWN = ("err_message_info_not_found", "No message with this id is known.")  # the sandbox's words
_INDEXES = weakref.WeakKeyDictionary()


def _index(data) -> dict:
    """tracking id -> position in the data (built once per data set)."""
    found = _INDEXES.get(data)
    if found is None:
        found = {record["id"]: pos for pos, record in enumerate(data.records)}
        _INDEXES[data] = found
    return found


def _digest(*parts) -> str:
    return hashlib.sha256(":".join(str(p) for p in parts).encode()).hexdigest()


def _later(stamp: str, seconds: int) -> str:
    moment = parse_body_date(stamp) or 0
    return datetime.datetime.fromtimestamp(moment + seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def _mail_date(stamp: str) -> str:
    moment = datetime.datetime.fromtimestamp(parse_body_date(stamp) or 0, UTC)
    return moment.strftime("%a, %d %b %Y %H:%M:%S +0000")


def attachment(data, pos: int, record: dict):
    """(name, sha256, size) of the record's attachment, or None: the campaign's, or one of the record's own."""
    if not record["attachments"]:
        return None
    if record["subject"] == data.campaign.subject:
        return data.campaign.attachment_name, data.campaign.attachment_sha256, 3918
    name = ATTACHMENT_NAMES[int(_digest("name", data.seed, pos), 16) % len(ATTACHMENT_NAMES)]
    return name, _digest("mcatt", data.seed, pos), 10000 + pos


def transmission_info(record: dict, message_id: str, header_from: str, unique: str) -> str:
    """The message's headers as Mimecast shows them: HTML-escaped text in a <pre> block, lines ending CRLF."""
    to = ", ".join(t["emailAddress"] for t in record["to"])
    lines = [
        "Received: from mail.%s (mail.%s [%s]) by" % (
            (record["fromEnv"]["emailAddress"].split("@")[1],) * 2 + (record["senderIP"],)),
        " relay.mimecast.com with ESMTP with STARTTLS (version=TLSv1.2,",
        " cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id",
        " eu-mta-12-%s-1; %s" % (unique, _mail_date(record["received"])),
        "X-MC-Unique: %s-1" % unique,
        "From: %s" % header_from,
        "To: %s" % to,
        "Subject: %s" % record["subject"],
        "Message-ID: %s" % message_id,
        "Date: %s" % _mail_date(record["sent"]),
        "MIME-Version: 1.0",
        "X-Mimecast-Spam-Score: %d" % record["spamScore"],
        "Content-Type: multipart/mixed;",
        ' boundary="--_NmP-%s-Part_1"' % unique[:16],
        "",
        "",
    ]
    return "<pre>\n" + html.escape("\r\n".join(lines), quote=True) + "\n</pre>"


def message_info(data, pos: int, load_content=False) -> dict:
    """The answer's data[0] for the tracked email at ``pos``, in the captured shape."""
    record = data.records[pos]
    campaign = record["subject"] == data.campaign.subject
    unique = _digest("unique", data.seed, pos)[:22]
    header_from = data.campaign.header_from if campaign else record["fromHdr"]["emailAddress"]
    info = {
        "fromHeader": record["fromHdr"]["emailAddress"],
        "fromEnvelope": record["fromEnv"]["emailAddress"],
        "to": [t["emailAddress"] for t in record["to"]],
        "cc": [],
        "subject": record["subject"],
        "sent": record["sent"],
        "processed": record["received"],
        "transmissionInfo": transmission_info(record, data.message_ids[pos], header_from, unique),
    }
    if load_content:
        # Google SecOps asks with loadContent for the bodies (CLICKS.md section 9); the shape of the documented
        # attachments field is not known, so it is not served
        info["textBody"] = "Please pay the attached invoice today." if campaign else "Hello,\r\nsee below.\r\n"
        info["htmlBody"] = "<html><body><p>%s</p></body></html>" % html.escape(info["textBody"].strip())
    size = 4000 + pos % 5000
    found = attachment(data, pos, record)
    components = [
        {"type": "Email Transmission File", "name": "transmission.eml", "extension": "eml",
         "mimeType": "message/rfc822-stubbed", "size": 1400 + pos % 100, "hash": _digest("eml", data.seed, pos)},
        {"type": "Email Primary Body HTML", "name": "body.htm", "extension": "htm", "mimeType": "text/html",
         "size": 1900 + pos % 100, "hash": _digest("htm", data.seed, pos)},
        # "htm" and "text/html" for the plain text body: a real quirk of the capture
        {"type": "Email Primary Body Plain Text", "name": "body.txt", "extension": "htm", "mimeType": "text/html",
         "size": 1900 + pos % 100, "hash": _digest("txt", data.seed, pos)},
    ]
    if found is not None:
        name, sha256, file_size = found
        extension = name.rsplit(".", 1)[-1]
        components.append({"type": ATTACHMENT_TYPE, "name": name, "extension": extension,
                           "mimeType": MIME_TYPES.get(extension, "application/octet-stream"), "size": file_size,
                           "hash": sha256})
    remote = {"remoteIp": record["senderIP"], "remoteHost": "mail.%s" % record["fromEnv"]["emailAddress"].split("@")[1]}
    body = {"recipientInfo": {"messageInfo": info}, "deliveredMessage": {}}
    if record["status"] == "held":
        # the older shape (CLICKS.md section 9, medium): txInfo with transmissionComponents, and queueInfo
        body["recipientInfo"]["txInfo"] = dict(remote, **{
            "txEvent": "Item currently queued for delivery", "queueDetailStatus": record["info"],
            "returnPath": record["fromEnv"]["emailAddress"],
            "transmissionComponents": [{"fileName": c["name"], "fileType": c["type"], "hash": c["hash"],
                                        "txSize": c["size"]} for c in components]})
        policy = record["info"].split(" - ", 1)[-1]
        body["queueInfo"] = {"reason": policy[:-len(" policy")] if policy.endswith(" policy") else policy,
                             "info": record["info"], "heldGroup": "administrator", "route": record["route"]}
    else:
        body["recipientInfo"]["recipientMetaInfo"] = dict(remote, **{
            "receiptEvent": "Email Received - SPF check failed" if record["spamScore"] else
            "Email Received via header based Permitted Sender",
            "spamEvent": "na", "messageExpiresIn": 7, "processingServer": "eu-mta-12.eu.mimecast.lan",
            "transmissionSize": size, "binaryEmailSize": size + 60,
            "remoteServerGreeting": "EHLO mail.%s" % record["fromEnv"]["emailAddress"].split("@")[1],
            "receiptAcknowledgement": "250 SmtpThread-%d@eu-mta-12.eu.mimecast.lan Received OK" % (100000 + pos),
            "transmissionStart": record["received"], "transmissionEnd": record["received"], "encryptionInfo": "TLS",
            "components": components})
    if record["status"] == "archived":
        for rcpt in info["to"]:
            body["deliveredMessage"][rcpt] = {
                "messageInfo": dict(info, route=record["route"]),
                "policyInfo": [{"policyType": t, "policyName": n, "inherited": False} for t, n in POLICIES],
                "deliveryMetaInfo": {
                    "deliveryEvent": "Email Delivered via Routing Rule", "emailAddress": rcpt, "messageExpiresIn": 7,
                    "processingServer": "eu-mta-12.eu.mimecast.lan", "transmissionSize": size + 500,
                    "remoteIp": "192.0.2.25", "remoteHost": "mx.%s" % rcpt.split("@")[1],
                    "remoteServerGreeting": "220 mx.%s ESMTP" % rcpt.split("@")[1],
                    "receiptAcknowledgement": "250 OK: message queued", "transmissionStart": record["sent"],
                    "transmissionEnd": record["sent"], "encryptionInfo": "", "components": components}}
    body["retentionInfo"] = {
        "currentPurgeDate": _later(record["received"], 30 * 86400), "purgeBasedOn": "original",
        "originalPurgeDate": _later(record["received"], 30 * 86400), "retentionAdjustmentDays": -1,
        "litigationHoldInfo": [], "fbrStamps": [], "smartTags": [], "fbrExpireCheck": [], "audits": []}
    body["status"] = record["status"]
    failed_spf = bool(record["spamScore"])
    body["spamInfo"] = {
        "spamScore": record["spamScore"], "detectionLevel": record["detectionLevel"],
        "spamProcessingDetail": {
            "rbl": {"allow": True, "info": ""}, "greyEmail": record["spamScore"] > 0,
            "spf": {"allow": True, "info": "fail" if failed_spf else "pass"},
            "dkim": {"allow": True, "info": "unknown"}, "dmarc": {"allow": True, "info": "unknown"},
            "permittedSender": {"allow": True, "info": "none"}, "managedSender": {"allow": True, "info": "unknown"}}}
    body["id"] = record["id"]
    return body


def _load_content(item):
    """True, False, or None when the value is not one (Google SecOps sends the string "true")."""
    value = item.get("loadContent", False)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def handle(state, request, faults=()) -> Reply:
    """One get-message-info request against the sandbox ``state`` (its Mimecast data and authentication)."""
    refusal, body, dummy_role = enveloped(state.mimecast, request, faults, PERMISSION)
    if refusal is not None:
        return refusal
    if not body["data"]:
        return http_error(400, "err_request_body_invalid", "data must hold at least one object.")
    data = state.mimecast_data
    index = _index(data)
    found, fails = [], []
    for item in body["data"]:
        unknown = sorted(set(item) - {"id", "loadContent"})
        if unknown:
            return http_error(400, "err_validation_unknown_field", "Unknown field: %s." % ", ".join(unknown))
        if not isinstance(item.get("id"), str) or not item["id"].strip():
            return http_error(400, "err_validation_blank", "Each item needs the id of a tracked email.")
        load = _load_content(item)
        if load is None:
            return http_error(400, "err_validation_type", "loadContent must be true or false.")
        pos = index.get(item["id"])
        if pos is None:
            fails.append(failure(UNKNOWN[0], UNKNOWN[1], {"id": item["id"]}))
            continue
        found.append(message_info(data, pos, load))
    return Reply(200, envelope(200, found, fails))
