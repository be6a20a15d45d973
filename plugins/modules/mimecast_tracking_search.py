#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: mimecast_tracking_search
short_description: Search Mimecast message tracking (API 1.0 and API 2.0)
version_added: 0.1.0
description:
  - Searches Mimecast message tracking ("Message Finder") for a message id, or for a sender, recipient, subject,
    sender IP and route, and returns the tracked emails.
  - Works with API 1.0 (HMAC-signed requests, O(auth_type=hmac)) and API 2.0 (OAuth2 client credentials,
    O(auth_type=oauth2)), with the same search options.
  - The search does not page and the most results one search returns is not documented. A search whose answer
    holds O(result_cap) results or more is taken as cut short, so its part of the window is split into halves, down to
    one second, and each half is searched again, so no mail is lost silently. O(slice) cuts the window into
    consecutive parts from the start, searched one after another (or O(concurrency) at a time), merged in time order
    with duplicates removed by C(id).
  - The search criteria are sent to Mimecast and applied again to the results, so they mean the same as in
    M(emailsec.tracking.tmes_mail_tracking_info).
  - "Every answer is checked for C(fail[]) errors, HTTP 200 included: their codes and messages are in the failure
    message. Mimecast is believed to refuse a start more than about 30 days back; the module does not refuse it
    early, and says so when Mimecast does."
  - Times are UTC inside. Input with an offset is converted; input without one is read as UTC.
author:
  - emailsec.tracking contributors (@emailsec)
extends_documentation_fragment:
  - emailsec.tracking.mimecast
  - emailsec.tracking.connection
  - emailsec.tracking.output
  - emailsec.tracking.attributes
  - emailsec.tracking.attributes.MIMECAST_GROUP
options:
  search_path:
    description:
      - The search endpoint. Defaults to V(/api/tracking/search) for API 1.0 and V(/api/message-finder/search) for
        API 2.0; API 1.0 accounts can use V(/api/message-finder/search) too.
    type: str
    choices: [/api/tracking/search, /api/message-finder/search]
  start:
    description:
      - Start of the window. ISO 8601 (V(2026-11-22T08:00:00Z), V(2026-11-22T09:00:00+01:00)), V(now), or relative to
        now such as V(-90m), V(-6h) or V(-3d) (units s, m, h, d, w). Mimecast takes whole seconds.
      - Defaults to one hour before O(end).
    type: str
  end:
    description:
      - End of the window, in the same forms as O(start). Defaults to V(now).
    type: str
  search_reason:
    description:
      - The reason for the search, recorded by Mimecast for auditing.
    type: str
  message_id:
    description:
      - Search for this internet message id (the C(Message-ID) header).
      - An alternative to O(sender), O(recipient), O(subject), O(sender_ip) and O(route); give one or the other.
    type: str
  sender:
    description:
      - The sending address, or a domain (V(@example.com) or V(example.com)).
    type: str
    aliases: [from]
  recipient:
    description:
      - The recipient address, or a domain (V(@example.com) or V(example.com)).
    type: str
    aliases: [to]
  subject:
    description:
      - Text in the subject (matched case-insensitively).
    type: str
  sender_ip:
    description:
      - The source IP address. A CIDR network is applied to the results but cannot be sent to Mimecast, so it needs
        another criterion beside it.
    type: str
  route:
    description:
      - Only V(inbound), V(outbound) or V(internal) mail. Sent on the message finder path only
        (V(/api/message-finder/search)); with the tracking path it is applied to the results.
    type: str
    choices: [inbound, outbound, internal]
  slice:
    description:
      - Cut the window into consecutive parts of this length (like V(6h) or V(1d)), each searched on its own. Off by
        default, except that O(concurrency) above 1 cuts the window into four parts per worker. One second is the
        shortest.
      - Busy windows are split further by themselves, see O(result_cap); O(slice) saves the searches that would
        first reach the cap.
    type: str
  result_cap:
    description:
      - The most results Mimecast returns for one search. Mimecast does not document it, and a capped answer looks
        like a complete one, so any search whose answer holds this many results or more is split into two halves
        that are searched again, down to one second.
      - A one-second part that still reaches it fails the task naming that second (with O(allow_partial=true) it is
        returned in RV(missing)).
      - A lower value costs more searches and never loses mail; a value above the real cap loses mail silently.
        Set it to the largest answer your account has been seen to return, if you know it.
    type: int
    default: 100
seealso:
  - module: emailsec.tracking.tmes_mail_tracking_info
'''

EXAMPLES = r'''
- name: Where did mail from this sender go today? (API 2.0, credentials from MIMECAST_* variables)
  emailsec.tracking.mimecast_tracking_search:
    sender: billing@acme-invoice-notice.example
    start: -24h
  register: found

- name: API 1.0 with its four values, a week in six-hour slices
  emailsec.tracking.mimecast_tracking_search:
    auth_type: hmac
    base_url: "{{ mimecast_api1_url }}"  # or region: eu
    access_key: "{{ mimecast_access_key }}"
    secret_key: "{{ mimecast_secret_key }}"
    app_id: "{{ mimecast_app_id }}"
    app_key: "{{ mimecast_app_key }}"
    subject: Overdue invoice
    start: -7d
    slice: 6h
    search_reason: Incident 4711 phishing scope

- name: One message by its Message-ID
  emailsec.tracking.mimecast_tracking_search:
    message_id: "<faf1fb06-c47f-4423-bad7-83eafe94cd2e@acme-invoice-notice.example>"
    start: -3d

- name: Credentials once for all Mimecast tasks
  module_defaults:
    group/emailsec.tracking.mimecast:
      base_url: "{{ mimecast_api2_url }}"
      client_id: "{{ mimecast_client_id }}"
      client_secret: "{{ mimecast_client_secret }}"
  block:
    - name: Only what was delivered, two fields each
      emailsec.tracking.mimecast_tracking_search:
        sender_ip: 203.0.113.210
        start: -2d
        # Mimecast's own field names: delivered mail has status archived
        query: "[?status=='archived'].{to: to[0].emailAddress, at: received, info: info}"
'''

RETURN = r'''
tracked_emails:
  description:
    - The tracked emails as Mimecast returned them (or as O(query) shaped them), in time order, each once.
    - Empty when O(dest) is set; the records are in the file then.
  returned: always
  type: list
  elements: dict
  sample:
    - id: eNo1j0b2f5c1c2a7c1f0e4d0b9a8c7d6e5f4a3b2c1d0e9f8a7
      status: archived
      info: Indexed and archived
      received: "2026-11-22T06:53:19+0000"
      sent: "2026-11-22T06:53:31+0000"
      fromEnv: {displayableName: ACME Accounts Payable, emailAddress: billing@acme-invoice-notice.example}
      fromHdr: {displayableName: ACME Accounts Payable, emailAddress: billing@acme-invoice-notice.example}
      to: [{displayableName: Anna Meyer, emailAddress: anna.meyer@acme.example}]
      subject: "Overdue invoice INV-61151: payment required today"
      senderIP: 203.0.113.210
      attachments: true
      route: inbound
      spamScore: 0
      detectionLevel: moderate
count:
  description: How many tracked emails matched (returned or written to O(dest)).
  returned: always
  type: int
  sample: 12
slices:
  description: How many searches (slices of the window) were sent.
  returned: always
  type: int
  sample: 4
window:
  description: The window actually searched, in UTC.
  returned: always
  type: dict
  contains:
    start:
      description: Start of the window, ISO 8601 UTC.
      type: str
      sample: "2026-11-21T08:00:00.000Z"
    end:
      description: End of the window, ISO 8601 UTC.
      type: str
      sample: "2026-11-22T08:00:00.000Z"
next_token:
  description:
    - Present when the run stopped at O(max_records), or when O(allow_partial) returned partial results. Give it to
      O(token) to fetch exactly what is left.
  returned: when there is more to fetch
  type: str
partial:
  description: Whether records are missing because a slice failed (only with O(allow_partial=true)).
  returned: always
  type: bool
  sample: false
missing:
  description: The slices that failed after their retries, with the error of each.
  returned: when RV(partial) is true
  type: list
  elements: dict
  contains:
    start:
      description: Start of the missing slice.
      type: str
    end:
      description: End of the missing slice.
      type: str
    error:
      description: Why it failed.
      type: str
dest:
  description: The file the records were written to.
  returned: when O(dest) is set
  type: str
sha256:
  description: SHA-256 of the file written to O(dest).
  returned: when O(dest) is set
  type: str
written:
  description: Whether O(dest) was written (false in check mode, and when the file already held exactly these
    records).
  returned: when O(dest) is set
  type: bool
changed:
  description: True when O(dest) was (in check mode, would be) written or its mode set; always false without
    O(dest).
  returned: always
  type: bool
status:
  description: HTTP status of the failed request.
  returned: on failure, when an HTTP answer came
  type: int
  sample: 418
code:
  description: The vendor's error code of the failed request (from C(fail[])).
  returned: on failure, when the vendor gave one
  type: str
  sample: err_xdk_binding_expired
url:
  description: The URL of the failed request, without credentials.
  returned: on failure
  type: str
'''

import datetime
import ipaddress
import os

from ansible.module_utils.basic import env_fallback

from ansible_collections.emailsec.tracking.plugins.module_utils._auth import (
    MimecastHmacAuth, MimecastOAuth2,
)
from ansible_collections.emailsec.tracking.plugins.module_utils._matching import MIMECAST_FIELDS, strip_brackets
from ansible_collections.emailsec.tracking.plugins.module_utils._mimecast import (
    DEFAULT_PATHS, DEFAULT_RESULT_CAP, FINDER_PATH, HMAC_REGIONS, OAUTH2_REGIONS, TOKEN_PATH, MimecastClient,
    read_cursor, record_key, search_body,
)
from ansible_collections.emailsec.tracking.plugins.module_utils._module import (
    InputError, TrackingModule, check_base_url,
)
from ansible_collections.emailsec.tracking.plugins.module_utils._timewindow import (
    parse_duration, resolve_window, utc_now,
)

HMAC_KEYS = ("access_key", "secret_key", "app_id", "app_key")
OAUTH2_KEYS = ("client_id", "client_secret")
ADVANCED = ("sender", "recipient", "subject", "sender_ip", "route")


def argument_spec():
    return dict(
        base_url=dict(type="str"),
        region=dict(type="str", choices=sorted(set(HMAC_REGIONS) | set(OAUTH2_REGIONS))),
        auth_type=dict(type="str", choices=["hmac", "oauth2"]),
        access_key=dict(type="str", no_log=False, fallback=(env_fallback, ["MIMECAST_ACCESS_KEY"])),
        secret_key=dict(type="str", no_log=True, fallback=(env_fallback, ["MIMECAST_SECRET_KEY"])),
        app_id=dict(type="str", fallback=(env_fallback, ["MIMECAST_APP_ID"])),
        app_key=dict(type="str", no_log=True, fallback=(env_fallback, ["MIMECAST_APP_KEY"])),
        client_id=dict(type="str", fallback=(env_fallback, ["MIMECAST_CLIENT_ID"])),
        client_secret=dict(type="str", no_log=True, fallback=(env_fallback, ["MIMECAST_CLIENT_SECRET"])),
        search_path=dict(type="str", choices=["/api/tracking/search", "/api/message-finder/search"]),
        start=dict(type="str"),
        end=dict(type="str"),
        search_reason=dict(type="str"),
        message_id=dict(type="str"),
        sender=dict(type="str", aliases=["from"]),
        recipient=dict(type="str", aliases=["to"]),
        subject=dict(type="str"),
        sender_ip=dict(type="str"),
        route=dict(type="str", choices=["inbound", "outbound", "internal"]),
        slice=dict(type="str"),
        result_cap=dict(type="int", default=DEFAULT_RESULT_CAP),
    )


class MimecastModule(TrackingModule):
    module_name = "mimecast_tracking_search"
    binding_options = ("search_path", "message_id", "sender", "recipient", "subject", "sender_ip", "route",
                       "result_cap", "query")
    resolution = datetime.timedelta(seconds=1)

    def auth_type(self):
        p = self.params
        hmac_given = any(p[k] for k in HMAC_KEYS)
        oauth_given = any(p[k] for k in OAUTH2_KEYS)
        if p["auth_type"]:
            return p["auth_type"]
        chosen = os.environ.get("MIMECAST_AUTH_TYPE", "").strip()  # an AWX injector gives "" for an empty field
        if chosen:
            if chosen not in ("hmac", "oauth2"):
                raise InputError("MIMECAST_AUTH_TYPE %r is not an auth type; use hmac or oauth2" % chosen)
            return chosen
        if hmac_given and oauth_given:
            raise InputError("credentials for both API 1.0 (%s) and API 2.0 (%s) are given: set auth_type to hmac or "
                             "oauth2 to choose, or remove one set (check the MIMECAST_* environment variables too)"
                             % (", ".join(k for k in HMAC_KEYS if p[k]), ", ".join(k for k in OAUTH2_KEYS if p[k])))
        if hmac_given:
            return "hmac"
        if oauth_given:
            return "oauth2"
        raise InputError("no Mimecast credentials: give client_id and client_secret (API 2.0), or access_key, "
                         "secret_key, app_id and app_key (API 1.0), as options or MIMECAST_* environment variables")

    def base_url(self, auth_type):
        p = self.params
        regions = HMAC_REGIONS if auth_type == "hmac" else OAUTH2_REGIONS
        if p["region"]:
            if p["region"] not in regions:
                raise InputError("region %s is not an API %s region; use one of: %s" % (
                    p["region"], "1.0" if auth_type == "hmac" else "2.0", ", ".join(sorted(regions))))
            return regions[p["region"]]
        if p["base_url"]:
            return check_base_url(p["base_url"], "base_url")
        if os.environ.get("MIMECAST_BASE_URL"):
            return check_base_url(os.environ["MIMECAST_BASE_URL"], "base_url (from MIMECAST_BASE_URL)")
        if auth_type == "oauth2":
            return OAUTH2_REGIONS["global"]
        raise InputError("API 1.0 needs base_url or region (eu, de, us, usb, ca, za, au, je, jer); "
                         "https://api.mimecast.com/api/login/discover-authentication tells your region")

    def criteria(self, path):
        """(message_id, advanced options for the API) after checking that exactly one kind is given."""
        p = self.params
        advanced_given = [k for k in ADVANCED if p[k]]
        if p["message_id"] and advanced_given:
            raise InputError("message_id and %s are alternatives: search by message id alone, or by the advanced "
                             "options without message_id" % ", ".join(advanced_given))
        if not p["message_id"] and not advanced_given:
            raise InputError("nothing to search for: give message_id, or at least one of sender, recipient, subject, "
                             "sender_ip, route")
        if p["message_id"]:
            if not strip_brackets(p["message_id"]):
                raise InputError("message_id is empty")
            return p["message_id"].strip(), None
        advanced = {}
        for option, field in (("sender", "from"), ("recipient", "to")):
            if p[option]:
                advanced[field] = p[option].strip().lstrip("@")
        if p["subject"]:
            advanced["subject"] = p["subject"]
        if p["sender_ip"]:
            text = p["sender_ip"].strip()
            try:
                ipaddress.ip_address(text)
                advanced["senderIP"] = text
            except ValueError:
                # a network is matched on the results only; Mimecast takes single addresses
                if not any(p[k] for k in ("sender", "recipient", "subject", "route")):
                    raise InputError("sender_ip %s is a network, which Mimecast cannot search for: give a single "
                                     "address, or another criterion beside it" % text)
        if p["route"] and path == FINDER_PATH:
            # the message finder's field table types route as an array of strings (its example shows a string;
            # the sandbox takes both)
            advanced["route"] = [p["route"]]
        return None, advanced

    def main(self):
        p = self.params
        self.check_common()
        auth_type = self.auth_type()
        base_url = self.base_url(auth_type)
        path = p["search_path"] or DEFAULT_PATHS[auth_type]
        message_id, advanced = self.criteria(path)
        criteria = {k: p[k] for k in ("sender", "recipient", "subject", "sender_ip", "route")}
        pipeline = self.pipeline(record_key, MIMECAST_FIELDS, criteria)
        size = parse_duration(p["slice"], "slice") if p["slice"] else None
        if size is not None and size < self.resolution:
            raise InputError("slice %s is shorter than one second, the resolution of Mimecast's search; use 1s or "
                             "more" % p["slice"])
        if p["result_cap"] < 1:
            raise InputError("result_cap must be 1 or more, got %d" % p["result_cap"])
        resumed = self.resume_slices()
        if resumed is not None:
            slices, window = resumed
            for spec in slices:
                if spec.token is not None:
                    try:
                        read_cursor(spec.token, spec.window)
                    except ValueError:
                        raise InputError("token is not a next_token of mimecast_tracking_search: pass the next_token "
                                         "of an earlier run of this module unchanged")
        elif p["token"]:
            raise InputError("token is not a next_token of this module: pass the next_token of an earlier run "
                             "unchanged")
        else:
            window = resolve_window(p["start"], p["end"], utc_now(), datetime.timedelta(hours=1)).floor(self.resolution)
            slices = self.slices_for(window, size)
        http = self.http_client()
        if auth_type == "hmac":
            auth = MimecastHmacAuth(*(p[k] for k in HMAC_KEYS))
        else:
            auth = MimecastOAuth2(http, base_url.rstrip("/") + TOKEN_PATH, p["client_id"], p["client_secret"])
        client = MimecastClient(http, base_url, auth, path)

        def make_body(part):
            return search_body(part, message_id, advanced, p["search_reason"])

        def fetch(spec, stop):
            return client.pages(spec.window, make_body, p["result_cap"], spec.token, stop, self.resolution)

        outcome = self.collect(slices, fetch, pipeline)
        return self.results(outcome, "tracked_emails", window, slices=len(slices))


def main():
    module = MimecastModule(argument_spec())
    module.execute(module.main)


if __name__ == "__main__":
    main()
