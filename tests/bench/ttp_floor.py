# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The floor of the URL protect log scan: a plain Python loop with one requests.Session over every page.

The same request as ``mimecast_ttp_log_info`` sends for one part (API 2.0 bearer token, ``from``, ``to`` one
second past the end, ``oldestFirst``, 500 rows a page, paged by ``meta.pagination.next`` until a page without
``next`` or without rows), the same rows kept (User Click rows and rows without ``creationMethod``, of a user of
the domain asked for, before ``to``), each written as one JSON line encoded as the module encodes it: the file is
byte for byte the module's ``dest`` (the benchmark compares their SHA-256).

Usage: ttp_floor.py URL CLIENT_ID CLIENT_SECRET FROM TO DOMAIN OUT   (FROM and TO as 2026-11-01T00:00:00+0000)
"""

from __future__ import annotations

import json
import sys

import requests

ENCODE = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def main(argv):
    url, client_id, client_secret, start, end, domain, out = argv[1:8]
    session = requests.Session()
    answer = session.post(url + "/oauth/token", data={"client_id": client_id, "client_secret": client_secret,
                                                      "grant_type": "client_credentials"}, timeout=60)
    answer.raise_for_status()
    session.headers["Authorization"] = "Bearer " + answer.json()["access_token"]
    item = {"from": start, "to": end, "oldestFirst": True}
    pagination = {"pageSize": 500}
    read = kept = 0
    with open(out, "w", encoding="utf-8") as handle:
        while True:
            response = session.post(url + "/api/ttp/url/get-logs", json={"data": [item], "meta": {
                "pagination": pagination}}, timeout=60)
            response.raise_for_status()
            body = response.json()
            rows = body["data"][0]["clickLogs"] if body["data"] else []
            for row in rows:
                method = row.get("creationMethod")
                user = row.get("userEmailAddress")
                if (method is None or method.strip().lower() == "user click") and isinstance(user, str) and \
                        user.strip().lower().rsplit("@", 1)[-1] == domain and row.get("date", "") < end:
                    handle.write(ENCODE(row) + "\n")
                    kept += 1
            read += len(rows)
            following = body["meta"].get("pagination", {}).get("next")
            if not rows or not following:
                break
            pagination["pageToken"] = following
    print(read, kept)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
