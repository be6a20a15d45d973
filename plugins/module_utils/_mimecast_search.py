# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Mimecast search that the mimecast_tracking_search module and the mimecast_tracking lookup both run: its
options (argument_spec) and the run itself (MimecastSearch).

For internal use by this collection only; the interface may change without notice.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import ipaddress

from ansible_collections.emailsec.tracking.plugins.module_utils._matching import MIMECAST_FIELDS, strip_brackets
from ansible_collections.emailsec.tracking.plugins.module_utils._mimecast import (
    DEFAULT_PATHS, DEFAULT_RESULT_CAP, FINDER_PATH, MimecastClient, read_cursor, record_key, search_body,
)
from ansible_collections.emailsec.tracking.plugins.module_utils._mimecast_account import (
    MimecastCredentials, auth_argspec,
)
from ansible_collections.emailsec.tracking.plugins.module_utils._module import InputError, TrackingModule
from ansible_collections.emailsec.tracking.plugins.module_utils._timewindow import (
    parse_duration, resolve_window, utc_now,
)

ADVANCED = ("sender", "recipient", "subject", "sender_ip", "route")


def argument_spec():
    return dict(
        auth_argspec(),
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


class MimecastSearch(MimecastCredentials, TrackingModule):
    module_name = "mimecast_tracking_search"
    binding_options = ("search_path", "message_id", "sender", "recipient", "subject", "sender_ip", "route",
                       "result_cap", "query")
    resolution = datetime.timedelta(seconds=1)

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
            if p[option] and not p[option].strip().lstrip("@").startswith("*."):
                advanced[field] = p[option].strip().lstrip("@")
            # a domain with its sub-domains (*.example.com) is matched on the results only, like a network
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
        if not advanced:
            raise InputError("Mimecast cannot search for a network or a *.domain pattern alone: give another "
                             "criterion beside it (they are then applied to the results)")
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
        auth = self.mimecast_auth(http, auth_type, base_url)
        client = MimecastClient(http, base_url, auth, path)

        def make_body(part):
            return search_body(part, message_id, advanced, p["search_reason"])

        def fetch(spec, stop):
            return client.search_pages(spec.window, make_body, p["result_cap"], spec.token, stop, self.resolution)

        outcome = self.collect(slices, fetch, pipeline)
        return self.results(outcome, "tracked_emails", window, slices=len(slices))


MUTUALLY_EXCLUSIVE = []
