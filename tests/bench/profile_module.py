# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Profile one tmes_mail_tracking_info (or mimecast_ttp_log_info) run in this process with cProfile, against a
sandbox in another.

Usage (from the collection root, with the collection importable as ansible_collections.emailsec.tracking):
    python -m tests.bench.profile_module [--records 100000] [--dest] [--top 25] [--module ttp]
With ``--module ttp``: the URL protect log of the last ``--records`` rows' days, users of acme.example, 500 rows a
page (the benchmark's row 9).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import io
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100000)
    parser.add_argument("--dest", action="store_true")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--latency-ms", type=int, default=0)
    parser.add_argument("--module", choices=["tmes", "ttp"], default="tmes")
    parser.add_argument("--save", help="also write the profile to this file (for pstats)")
    args = parser.parse_args()
    links = tempfile.mkdtemp(prefix="emailsec-profile-")
    os.makedirs(os.path.join(links, "ansible_collections", "emailsec"))
    os.symlink(ROOT, os.path.join(links, "ansible_collections", "emailsec", "tracking"))
    sys.path.insert(0, links)
    from ansible.module_utils import basic  # pylint: disable=import-outside-toplevel
    # pylint: disable=import-outside-toplevel
    from ansible_collections.emailsec.tracking.plugins.modules import mimecast_ttp_log_info, tmes_mail_tracking_info
    from ansible_collections.emailsec.tracking.tests.unit.plugins.modules.utils import ModuleExit, patch_module_args

    sandbox = subprocess.Popen([sys.executable, "-m", "tests.sandbox", "--port", "0", "--seed", "17",
                                "--tmes-records", "240000", "--latency-ms", str(args.latency_ms), "--processes", "2",
                                "--ttp-records", str(args.records if args.module == "ttp" else 100)],
                               cwd=ROOT, stdout=subprocess.PIPE, text=True)
    info = json.loads(sandbox.stdout.readline())
    try:
        hours = args.records / (0.85 * 240000 / 71.0)
        end = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=5)
        module_args = {"api_url": info["url"], "username": info["tmes"]["username"],
                       "api_key": info["tmes"]["api_key"], "traffic_type": "accepted_traffic",
                       "start": (end - datetime.timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                       "end": end.strftime("%Y-%m-%dT%H:%M:%SZ"), "concurrency": args.concurrency,
                       "_ansible_remote_tmp": "/tmp",
                       "_ansible_keep_remote_files": False}
        module = tmes_mail_tracking_info
        if args.module == "ttp":
            module = mimecast_ttp_log_info
            module_args = {"base_url": info["url"], "client_id": info["mimecast"]["client_id"],
                           "client_secret": info["mimecast"]["client_secret"], "log_type": "url",
                           "start": (end - datetime.timedelta(days=29, hours=12)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                           "end": module_args["end"], "user": "acme.example", "page_size": 500,
                           "concurrency": args.concurrency, "_ansible_remote_tmp": "/tmp",
                           "_ansible_keep_remote_files": False}
        if args.dest:
            module_args["dest"] = os.path.join(links, "out.jsonl")

        def finish(self, **kwargs):
            raise ModuleExit(kwargs, False)

        profile = cProfile.Profile()
        started = time.monotonic()
        with patch_module_args(module_args):
            original = basic.AnsibleModule.exit_json
            basic.AnsibleModule.exit_json = lambda self, **kw: (original.__get__(self)(**kw))
            profile.enable()
            try:
                with open(os.devnull, "w", encoding="utf-8") as null:
                    stdout, sys.stdout = sys.stdout, null
                    try:
                        module.main()
                    except SystemExit:
                        pass
                    finally:
                        sys.stdout = stdout
            finally:
                profile.disable()
                basic.AnsibleModule.exit_json = original
        elapsed = time.monotonic() - started
        if args.save:
            profile.dump_stats(args.save)
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(args.top)
        cpu = pstats.Stats(profile).total_tt
        print("module run, %d records wanted, %.2f s wall in this process (exit_json included), %.2f s profiled"
              % (args.records, elapsed, cpu))
        print(out.getvalue())
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(args.top)
        print(out.getvalue())
        del finish
    finally:
        sandbox.terminate()
        sandbox.wait()


if __name__ == "__main__":
    main()
