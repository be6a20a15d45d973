# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The floor of the Mimecast search: a plain Python loop with one requests.Session, the same searches.

The window is cut as ``mimecast_tracking_search`` cuts it with ``slice: 1d`` (one-second resolution, the last
part holding the window's end), and a part whose answer holds ``CAP`` results or more is searched again in halves,
as the module does with its default ``result_cap``; the same advanced search (API 2.0, the message finder), the
same results kept (each id once, the subject holding the text, as the module matches again), each written as one
JSON line encoded as the module encodes it: the file is byte for byte the module's ``dest``.

Usage: mimecast_floor.py URL CLIENT_ID CLIENT_SECRET START END SUBJECT OUT   (START and END as 2026-11-01T00:00:00Z)
"""

from __future__ import annotations

import datetime
import json
import sys

import requests

ENCODE = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
CAP = 100  # mimecast_tracking_search's default result_cap
DAY = 86400


def halves(first, last, count):
    """Cut [first, last] (epoch seconds, closed) into ``count`` parts as the collection's Window.slices does."""
    units = last - first + 1
    count = max(1, min(count, units))
    edges = [first + units * k // count for k in range(count + 1)]
    return [(edges[k], edges[k + 1] - 1 if k + 1 < count else last) for k in range(count)]


def stamp(seconds):
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+0000")


def epoch(text):
    moment = datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    return int(moment.timestamp())


def main(argv):
    url, client_id, client_secret, start, end, subject, out = argv[1:8]
    session = requests.Session()
    answer = session.post(url + "/oauth/token", data={"client_id": client_id, "client_secret": client_secret,
                                                      "grant_type": "client_credentials"}, timeout=60)
    answer.raise_for_status()
    session.headers["Authorization"] = "Bearer " + answer.json()["access_token"]
    first, last = epoch(start), epoch(end)
    units = last - first + 1
    parts = halves(first, last, max(1, -(-(units - 1) // DAY)))
    seen = set()
    searches = 0
    with open(out, "w", encoding="utf-8") as handle:
        for part in parts:
            pending = [part]
            while pending:
                lo, hi = pending.pop()
                response = session.post(url + "/api/message-finder/search", json={"data": [{
                    "start": stamp(lo), "end": stamp(hi), "advancedTrackAndTraceOptions": {"subject": subject}}]},
                    timeout=60)
                response.raise_for_status()
                searches += 1
                data = response.json()["data"]
                emails = [e for item in data for e in item.get("trackedEmails") or []]
                if len(emails) >= CAP:
                    if lo == hi:
                        raise SystemExit("the search of the one second %s gave %d results" % (stamp(lo), CAP))
                    pending.extend(reversed(halves(lo, hi, 2)))
                    continue
                for email in emails:
                    if email["id"] not in seen and subject.lower() in (email.get("subject") or "").lower():
                        seen.add(email["id"])
                        handle.write(ENCODE(email) + "\n")
    print(searches, len(seen))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
