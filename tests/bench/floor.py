# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The floor: a plain Python loop with one requests.Session over every page of a TMES query.

Every record is written as one JSON line, encoded as the module encodes it, so the file is byte for byte the
module's ``dest`` for the same window (the benchmark compares their SHA-256).

Usage: floor.py URL USERNAME API_KEY START END OUT
"""

from __future__ import annotations

import json
import sys
import urllib.parse

import requests

ENCODE = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def main(argv):
    url, username, api_key, start, end, out = argv[1:7]
    session = requests.Session()
    session.auth = (username, api_key)
    params = {"type": "accepted_traffic", "start": start, "end": end, "limit": "500"}
    count = 0
    with open(out, "w", encoding="utf-8") as handle:
        while True:
            response = session.get(url + "/api/v1/log/mailtrackinglog", params=params, timeout=60)
            response.raise_for_status()
            if response.status_code == 204:
                break
            body = response.json()
            for log in body["logs"]:
                handle.write(ENCODE(log) + "\n")
            count += len(body["logs"])
            if "nextToken" not in body:
                break
            params["token"] = urllib.parse.unquote(body["nextToken"])
    print(count)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
