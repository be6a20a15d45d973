# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The TMES search that the tmes_mail_tracking_info module and the tmes_mail_tracking lookup both run: its
options (argument_spec) and the run itself (TmesSearch).

For internal use by this collection only; the interface may change without notice.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import os

from ansible.module_utils.basic import env_fallback

from ansible_collections.emailsec.tracking.plugins.module_utils._auth import TmesBasicAuth
from ansible_collections.emailsec.tracking.plugins.module_utils._matching import TMES_FIELDS
from ansible_collections.emailsec.tracking.plugins.module_utils._module import (
    InputError, TrackingModule, check_base_url, matching_argspec,
)
from ansible_collections.emailsec.tracking.plugins.module_utils._paging import Slice
from ansible_collections.emailsec.tracking.plugins.module_utils._timewindow import (
    ONE_MS, Window, format_iso, resolve_window, utc_now,
)
from ansible_collections.emailsec.tracking.plugins.module_utils._tmes import (
    DEFAULT_URL, LOOKBACK, LOOKBACK_MARGIN, REGIONS, TmesClient, record_key,
)


def tmes_auth_argspec():
    """The TMES credentials and where to send them."""
    return dict(
        api_url=dict(type="str"),
        region=dict(type="str", choices=sorted(REGIONS)),
        username=dict(type="str", fallback=(env_fallback, ["TMES_USERNAME"])),
        api_key=dict(type="str", no_log=True, fallback=(env_fallback, ["TMES_API_KEY"])),
    )


def tmes_query_argspec():
    """What both TMES logs are queried and matched by, besides the log's own choice (traffic type, event types)."""
    spec = tmes_auth_argspec()
    spec.update(
        direction=dict(type="str", choices=["in", "out"]),
        domain=dict(type="str"),
        start=dict(type="str"),
        end=dict(type="str"),
        page_size=dict(type="int", default=500, aliases=["limit"]),
        attachment_sha256=dict(type="str"),
        url=dict(type="str"),
    )
    spec.update(matching_argspec())
    return spec


def argument_spec():
    spec = tmes_query_argspec()
    spec.update(
        traffic_type=dict(type="str", required=True, aliases=["type"], choices=["accepted_traffic", "blocked_traffic"]),
    )
    return spec


class TmesSearch(TrackingModule):
    module_name = "tmes_mail_tracking_info"
    binding_options = ("traffic_type", "direction", "domain", "page_size", "sender", "recipient", "subject",
                       "sender_ip", "message_id", "attachment_sha256", "url", "query")
    resolution = ONE_MS

    def base_url(self):
        """region, else api_url, else TMES_API_URL, else TMES_REGION, else the Americas URL (empty values unset)."""
        p = self.params
        if p["region"]:
            return REGIONS[p["region"]]
        if p["api_url"]:
            return check_base_url(p["api_url"], "api_url")
        if os.environ.get("TMES_API_URL"):
            return check_base_url(os.environ["TMES_API_URL"], "api_url (from TMES_API_URL)")
        region = os.environ.get("TMES_REGION", "").strip()
        if region:
            if region not in REGIONS:
                raise InputError("TMES_REGION %r is not a TMES region; use one of: %s"
                                 % (region, ", ".join(sorted(REGIONS))))
            return REGIONS[region]
        return DEFAULT_URL

    def window(self, now):
        p = self.params
        window = resolve_window(p["start"], p["end"], now, datetime.timedelta(hours=1)).floor(self.resolution)
        oldest = Window(now - LOOKBACK, now).floor(self.resolution).start  # cut like the window itself
        if window.start < oldest:
            raise InputError("start %s is more than 72 hours before now (%s): TMES keeps mail tracking logs "
                             "searchable for 72 hours; use a start after %s" % (
                                 format_iso(window.start), format_iso(now), format_iso(oldest)))
        if window.start < oldest + LOOKBACK_MARGIN:
            # TMES checks the 72 hours again on every page: "the whole retention" (-72h, -3d) quietly starts
            # 10 minutes later, as RV(window) shows, so that the last page is not refused
            window.start = oldest + LOOKBACK_MARGIN
            if window.end < window.start:
                window.end = window.start
        return window

    def check_query(self):
        """The checks of every TMES log query, before any request."""
        self.check_common()
        if not 1 <= self.params["page_size"] <= 500:
            raise InputError("page_size must be from 1 to 500 (TMES returns at most 500 records a page), got %d"
                             % self.params["page_size"])

    def resumed_within_reach(self, now):
        """(slices, window) of a resume token, refused when its run started more than 72 hours ago; or None."""
        resumed = self.resume_slices()
        if resumed is not None and resumed[1].start < now - LOOKBACK:
            raise InputError("token: the run it resumes started at %s, more than 72 hours ago, and TMES no longer "
                             "returns those logs; start a new search (without token) from at most 72 hours ago"
                             % format_iso(resumed[1].start))
        return resumed

    def main(self):
        p = self.params
        self.check_query()
        base_url = self.base_url()
        auth = TmesBasicAuth(p["username"], p["api_key"])
        criteria = {k: p[k] for k in ("sender", "recipient", "subject", "sender_ip", "message_id",
                                      "attachment_sha256", "url")}
        pipeline = self.pipeline(record_key, TMES_FIELDS, criteria)
        now = utc_now()
        resumed = self.resumed_within_reach(now)
        if resumed is not None:
            slices, window = resumed
        else:
            window = self.window(now)
            slices = self.slices_for(window)
            if p["token"]:  # a raw TMES nextToken: continue that query, whose window must be given again
                if p["concurrency"] > 1:
                    raise InputError("a TMES nextToken continues one query: use concurrency 1 with it")
                slices = [Slice(window, p["token"])]
        client = TmesClient(self.http_client(), base_url, auth, texts=bool(p["dest"]) and pipeline.passes_records())

        def fetch(spec, stop):
            params = client.params(p["traffic_type"], spec.window, p["direction"], p["domain"], p["page_size"])
            return client.pages(params, spec.token, stop, limit=p["page_size"], window=spec.window)

        outcome = self.collect(slices, fetch, pipeline)
        return self.results(outcome, "logs", window, pages=outcome.pages)


MUTUALLY_EXCLUSIVE = [["api_url", "region"]]
