# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The record hot path alone: the module's per-record work against a bare loop's, on the same pages, no network.

Pages are read once from a sandbox and kept as the bytes it sent; then, in this process, each is timed (best of
``--repeat``): the bare loop (decode, every record to a JSON line, write) and the collection's path (the vendor's
page decoding and checks, then the paging run: keys, de-duplication, matching, encoding, SHA-256, write).  Also
counts the Python function calls per record of the collection's path (cProfile), a machine-independent measure.

Usage (from the collection root): python -m tests.bench.hotpath [--records 50000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ENCODE = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
UTC = datetime.timezone.utc


class _Answer:
    status_code = 200

    def __init__(self, content):
        self.content = content


def tmes_pages(info, records):
    end = datetime.datetime.now(UTC).replace(microsecond=0) - datetime.timedelta(minutes=5)
    start = end - datetime.timedelta(hours=records / (0.85 * 240000 / 71.0))
    session = requests.Session()
    session.auth = (info["tmes"]["username"], info["tmes"]["api_key"])
    params = {"type": "accepted_traffic", "start": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
              "end": end.strftime("%Y-%m-%dT%H:%M:%SZ"), "limit": "500"}
    pages = []
    while True:
        answer = session.get(info["url"] + "/api/v1/log/mailtrackinglog", params=params, timeout=60)
        if answer.status_code == 204:
            return pages
        pages.append(answer.content)
        body = answer.json()
        if "nextToken" not in body:
            return pages
        params["token"] = requests.utils.unquote(body["nextToken"])


def time_best(repeat, run):
    best = None
    for dummy in range(repeat):
        started = time.perf_counter()
        run()
        took = time.perf_counter() - started
        best = took if best is None else min(best, took)
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=50000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    links = tempfile.mkdtemp(prefix="emailsec-hotpath-")
    os.makedirs(os.path.join(links, "ansible_collections", "emailsec"))
    os.symlink(ROOT, os.path.join(links, "ansible_collections", "emailsec", "tracking"))
    sys.path.insert(0, links)
    # pylint: disable=import-outside-toplevel
    from ansible_collections.emailsec.tracking.plugins.module_utils import _paging, _tmes
    from ansible_collections.emailsec.tracking.plugins.module_utils._timewindow import Window

    sandbox = subprocess.Popen([sys.executable, "-m", "tests.sandbox", "--port", "0", "--seed", "17",
                                "--tmes-records", "240000", "--mimecast-records", "100", "--ttp-records", "100"],
                               cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        pages = tmes_pages(json.loads(sandbox.stdout.readline()), args.records)
    finally:
        sandbox.terminate()
        sandbox.wait()
    count = sum(len(json.loads(page)["logs"]) for page in pages)
    floor_out, module_out = os.path.join(links, "floor.jsonl"), os.path.join(links, "module.jsonl")

    def floor():
        with open(floor_out, "w", encoding="utf-8") as handle:
            for page in pages:
                for log in json.loads(page)["logs"]:
                    handle.write(ENCODE(log) + "\n")

    now = datetime.datetime.now(UTC)

    def module():
        def fetch(spec, stop):
            for page in pages:
                # as the module reads pages for dest: each record's own text too
                yield _tmes._decode_page(_Answer(page), set(), 500, True)  # pylint: disable=protected-access
        _paging.run([_paging.Slice(Window(now, now))], fetch, _paging.Pipeline(_tmes.record_key),
                    _paging.FileSink(module_out))

    floor_s, module_s = time_best(args.repeat, floor), time_best(args.repeat, module)
    with open(floor_out, "rb") as one, open(module_out, "rb") as other:
        same = one.read() == other.read()
    profile = cProfile.Profile()
    profile.runcall(module)
    calls = pstats.Stats(profile).total_calls
    print("TMES, %d records in %d pages, best of %d, in this process (no network):"
          % (count, len(pages), args.repeat))
    print("  bare loop (decode, JSON line, write)           %6.3f s  %5.1f us a record"
          % (floor_s, floor_s / count * 1e6))
    print("  collection (decode and checks, run, SHA-256)   %6.3f s  %5.1f us a record, %.1f Python calls a record"
          % (module_s, module_s / count * 1e6, calls / float(count)))
    print("  ratio %.2f; the same bytes: %s" % (module_s / floor_s, same))


if __name__ == "__main__":
    main()
