# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""make bench: wall time and peak memory of the ways to pull TMES and Mimecast records, in one run.

Every figure is the median of several runs of a whole process (ansible-playbook or python), with its peak
resident memory (the largest process of the tree).  Prints a table and writes bench/results/bench.json.
Run from the collection root with the tools' Python: python -m tests.bench.bench [--quick]
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BENCH = os.path.join(ROOT, "tests", "bench")
BIN = os.path.dirname(sys.executable)
UTC = datetime.timezone.utc
TMES_RECORDS = 240000  # about 2,870 accepted records an hour over 71 hours


class Sandbox:
    def __init__(self, *args):
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.sandbox", "--port", "0", "--seed", "17"] + list(args),
                                     cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.info = json.loads(self.proc.stdout.readline())
        self.url = self.info["url"]

    def expected(self, start, end):
        query = "type=accepted_traffic&start=%s&end=%s" % (start, end)
        with urllib.request.urlopen(self.url + "/_sandbox/tmes/expected?" + query, timeout=30) as answer:
            return json.load(answer)["count"]

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)


def measure(command, env=None):
    """Wall seconds and peak RSS (MiB) of one process tree."""
    started = time.monotonic()
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = proc.stdout.read()
    dummy, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - started
    if proc.returncode != 0:
        raise RuntimeError("%s failed:\n%s" % (" ".join(command[:3]), output.decode(errors="replace")[-3000:]))
    return wall, usage.ru_maxrss / 1024.0, output.decode(errors="replace")


def median_of(runs, command, env=None):
    walls, peaks = [], []
    for dummy in range(runs):
        wall, peak, dummy_output = measure(command, env)
        walls.append(wall)
        peaks.append(peak)
    return {"wall_s": round(statistics.median(walls), 3), "peak_mib": round(statistics.median(peaks), 1),
            "runs": runs, "walls": [round(w, 3) for w in walls]}


def tmes_time(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def window(hours, end_offset_minutes=5):
    end = datetime.datetime.now(UTC).replace(microsecond=0) - datetime.timedelta(minutes=end_offset_minutes)
    return tmes_time(end - datetime.timedelta(hours=hours)), tmes_time(end)


def hours_for(records):
    per_hour = 0.85 * TMES_RECORDS / 71.0
    return records / per_hour


def digest(path):
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def ids_digest_from_jsonl(path, key):
    ids = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            ids.append(json.loads(line)[key])
    return hashlib.sha256(("\n".join(ids) + "\n").encode()).hexdigest(), len(ids)


class Bench:
    def __init__(self, runs, tmp):
        self.runs = runs
        self.tmp = tmp
        collections = os.path.join(tmp, "collections")
        os.makedirs(os.path.join(collections, "ansible_collections", "emailsec"))
        os.symlink(ROOT, os.path.join(collections, "ansible_collections", "emailsec", "tracking"))
        self.env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections, ANSIBLE_NOCOLOR="1",
                        ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
                        PATH=BIN + os.pathsep + os.environ.get("PATH", ""))
        self.results = {}

    def playbook(self, name, core_bin=BIN, **extra):
        extra.setdefault("ansible_python_interpreter", os.path.join(core_bin, "python"))
        return [os.path.join(core_bin, "ansible-playbook"), os.path.join(BENCH, name), "-e", json.dumps(extra)]

    def tmes_vars(self, sandbox, start, end, **extra):
        return dict(url=sandbox.url, username=sandbox.info["tmes"]["username"], api_key=sandbox.info["tmes"]["api_key"],
                    start=start, end=end, **extra)

    def record(self, key, label, figures, **extra):
        figures.update(extra, label=label)
        self.results[key] = figures
        print("  %-58s %8.2f s %8.1f MiB" % (label, figures["wall_s"], figures["peak_mib"]), flush=True)

    def run(self, quick):
        scale = 0.2 if quick else 1.0
        n100, n20, n50, n200 = (int(x * scale) for x in (100000, 20000, 50000, 200000))
        sandbox = Sandbox("--tmes-records", str(TMES_RECORDS), "--mimecast-records", "5000")
        try:
            start, end = window(hours_for(n100))
            count = sandbox.expected(start, end)
            print("TMES, %d records (%s to %s)" % (count, start, end), flush=True)
            floor_ids = os.path.join(self.tmp, "floor.ids")
            floor = median_of(self.runs, [sys.executable, os.path.join(BENCH, "floor.py"), sandbox.url,
                                          sandbox.info["tmes"]["username"], sandbox.info["tmes"]["api_key"], start,
                                          end, floor_ids])
            self.record("floor", "1 floor: python + requests.Session loop", floor, records=count)
            dest = os.path.join(self.tmp, "module.jsonl")
            module_dest = median_of(self.runs, self.playbook("module.yml", **self.tmes_vars(
                sandbox, start, end, dest=dest)), self.env)
            same = ids_digest_from_jsonl(dest, "mailID")[0] == digest(floor_ids)
            self.record("module_dest", "2 module via ansible-playbook, dest", module_dest, records=count,
                        same_records_as_floor=same)
            ids = os.path.join(self.tmp, "module.ids")
            module_return = median_of(self.runs, self.playbook("module.yml", **self.tmes_vars(sandbox, start, end)),
                                      self.env)
            measure(self.playbook("module.yml", **self.tmes_vars(sandbox, start, end, ids=ids)), self.env)
            self.record("module_return", "3 module via ansible-playbook, records returned", module_return,
                        records=count, same_records_as_floor=digest(ids) == digest(floor_ids))
            lookup_ids = os.path.join(self.tmp, "lookup.ids")
            lookup = median_of(self.runs, self.playbook("lookup.yml", **self.tmes_vars(sandbox, start, end)), self.env)
            measure(self.playbook("lookup.yml", **self.tmes_vars(sandbox, start, end, ids=lookup_ids)), self.env)
            self.record("lookup_vars", "3c lookup via ansible-playbook, records in task vars", lookup, records=count,
                        same_records_as_floor=digest(lookup_ids) == digest(floor_ids))
            lookup_fact = median_of(self.runs, self.playbook("lookup.yml", **self.tmes_vars(
                sandbox, start, end, set_fact=True)), self.env)
            self.record("lookup_fact", "3d lookup via ansible-playbook, records in a fact (set_fact)", lookup_fact,
                        records=count)
            old_core = os.environ.get("BENCH_OLD_CORE_BIN")
            if old_core:
                figures = median_of(self.runs, self.playbook("module.yml", core_bin=old_core, **self.tmes_vars(
                    sandbox, start, end)), self.env)
                self.record("module_return_core216", "3b the same with ansible-core 2.16 (no data tagging)",
                            figures, records=count)
            startup = median_of(self.runs, self.playbook("startup.yml"), self.env)
            self.record("startup", "0 ansible-playbook start-up, one trivial task", startup)

            start20, end20 = window(hours_for(n20))
            count20 = sandbox.expected(start20, end20)
            print("TMES, %d records: uri loop against the module" % count20, flush=True)
            uri_ids = os.path.join(self.tmp, "uri.ids")
            uri = median_of(max(1, self.runs - 2), self.playbook("uri_loop.yml", **self.tmes_vars(
                sandbox, start20, end20, ids=uri_ids)), self.env)
            mod_ids = os.path.join(self.tmp, "module20.ids")
            module20 = median_of(self.runs, self.playbook("module.yml", **self.tmes_vars(sandbox, start20, end20)),
                                 self.env)
            measure(self.playbook("module.yml", **self.tmes_vars(sandbox, start20, end20, ids=mod_ids)), self.env)
            self.record("uri_loop", "4a ansible.builtin.uri loop, one task a page", uri, records=count20)
            self.record("module_20k", "4b module, same records", module20, records=count20,
                        same_records_as_uri=digest(uri_ids) == digest(mod_ids))

            print("TMES, peak memory with dest", flush=True)
            for key, size in (("dest_20k", n20), ("dest_200k", n200)):
                s, e = window(min(hours_for(size), 69.5))
                n = sandbox.expected(s, e)
                figures = median_of(self.runs, self.playbook("module.yml", **self.tmes_vars(
                    sandbox, s, e, dest=os.path.join(self.tmp, key + ".jsonl"))), self.env)
                self.record(key, "6 module with dest, %d records" % n, figures, records=n)
        finally:
            sandbox.stop()

        # two server processes: one Python process would be the bottleneck for eight clients, not the latency
        slow = Sandbox("--tmes-records", str(TMES_RECORDS), "--mimecast-records", "20000", "--latency-ms", "100",
                       "--processes", "2")
        try:
            start50, end50 = window(hours_for(n50))
            count50 = slow.expected(start50, end50)
            print("TMES with 100 ms latency a request, %d records" % count50, flush=True)
            digests = {}
            for workers in (1, 8):
                dest = os.path.join(self.tmp, "latency-%d.jsonl" % workers)
                figures = median_of(self.runs, self.playbook("module.yml", **self.tmes_vars(
                    slow, start50, end50, dest=dest, concurrency=workers)), self.env)
                digests[workers] = digest(dest)
                self.record("latency_c%d" % workers, "5 module, 100 ms latency, concurrency %d" % workers, figures,
                            records=count50)
            self.results["latency_c8"]["same_records_as_c1"] = digests[1] == digests[8]

            mc_end = datetime.datetime.now(UTC).replace(microsecond=0) - datetime.timedelta(minutes=5)
            mc_start = mc_end - datetime.timedelta(days=28)
            print("Mimecast with 100 ms latency a request, 28 days in one-day slices", flush=True)
            mc_digests = {}
            for workers in (1, 8):
                dest = os.path.join(self.tmp, "mimecast-%d.jsonl" % workers)
                figures = median_of(self.runs, self.playbook(
                    "mimecast.yml", url=slow.url, client_id=slow.info["mimecast"]["client_id"],
                    client_secret=slow.info["mimecast"]["client_secret"], start=tmes_time(mc_start),
                    end=tmes_time(mc_end), slice="1d", concurrency=workers, dest=dest), self.env)
                mc_digests[workers] = digest(dest)
                self.record("mimecast_c%d" % workers, "7 mimecast, 100 ms latency, 28 slices, concurrency %d"
                            % workers, figures, records=ids_digest_from_jsonl(dest, "id")[1])
            self.results["mimecast_c8"]["same_records_as_c1"] = mc_digests[1] == mc_digests[8]
        finally:
            slow.stop()

    def run_tenants(self, quick):
        """Five mail tenants, each its own sandbox with 100 ms latency, traced by forks 1 and by forks 5."""
        tenants = [Sandbox("--tmes-records", str(int(4000 * (0.2 if quick else 1))), "--mimecast-records", "800",
                           "--latency-ms", "100", "--seed", str(40 + k)) for k in range(5)]
        try:
            hosts = {}
            for k, tenant in enumerate(tenants):
                info = tenant.info
                hosts["tenant-%d" % k] = {
                    "ansible_python_interpreter": os.path.join(BIN, "python"),
                    "message_trace_tmes": {"api_url": tenant.url, "username": info["tmes"]["username"],
                                           "api_key": info["tmes"]["api_key"]},
                    "message_trace_mimecast": {"base_url": tenant.url, "client_id": info["mimecast"]["client_id"],
                                               "client_secret": info["mimecast"]["client_secret"]}}
            inventory = os.path.join(self.tmp, "tenants.json")
            with open(inventory, "w", encoding="utf-8") as handle:
                json.dump({"tenants": {"hosts": hosts}}, handle)
            domain = tenants[0].info["campaign"]["sender_domain"]
            print("Five tenants, 100 ms latency a request, traced by forks 1 and 5", flush=True)
            for forks in (1, 5):
                command = [os.path.join(BIN, "ansible-playbook"), "-i", inventory, "-f", str(forks),
                           os.path.join(ROOT, "playbooks", "trace_message.yml"), "-e", json.dumps({
                               "trace_hosts": "tenants", "message_trace_sender_domain": domain,
                               "message_trace_lookback": "24h"})]
                figures = median_of(self.runs, command, self.env)
                self.record("tenants_f%d" % forks, "8 five tenants, trace_message.yml, forks %d" % forks, figures)
        finally:
            for tenant in tenants:
                tenant.stop()

    def ratios(self):
        r = self.results

        def ratio(a, b, field="wall_s"):
            return round(r[a][field] / r[b][field], 2)

        return {
            "module_dest_vs_floor": {"value": ratio("module_dest", "floor"), "target": "<= 1.5"},
            "module_return_vs_floor": {"value": ratio("module_return", "floor"), "target": "<= 3"},
            "lookup_vars_vs_floor": {"value": ratio("lookup_vars", "floor"), "target": "<= 3"},
            "lookup_fact_vs_floor": {"value": ratio("lookup_fact", "floor"), "target": "<= 3"},
            "uri_loop_vs_module": {"value": ratio("uri_loop", "module_20k"), "target": ">= 10"},
            "concurrency_1_vs_8": {"value": ratio("latency_c1", "latency_c8"), "target": ">= 5",
                                   "same_records": r["latency_c8"]["same_records_as_c1"]},
            "memory_dest_200k_vs_20k": {"value": ratio("dest_200k", "dest_20k", "peak_mib"), "target": "<= 1.2"},
            "tenants_forks_1_vs_5": {"value": ratio("tenants_f1", "tenants_f5")},
            "mimecast_concurrency_1_vs_8": {"value": ratio("mimecast_c1", "mimecast_c8"),
                                            "same_records": r["mimecast_c8"]["same_records_as_c1"]},
        }


def met(value, target):
    op, bound = target.split()
    return value <= float(bound) if op == "<=" else value >= float(bound)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each measurement (the median is kept)")
    parser.add_argument("--quick", action="store_true", help="a fifth of the record counts, for a smoke run")
    parser.add_argument("--only-tenants", action="store_true", help="only the many-tenants rows (8)")
    parser.add_argument("--out", default=os.path.join(ROOT, "bench", "results", "bench.json"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="emailsec-bench-") as tmp:
        bench = Bench(args.runs, tmp)
        if not args.only_tenants:
            bench.run(args.quick)
        bench.run_tenants(args.quick)
        ratios = bench.ratios() if not args.only_tenants else {
            "tenants_forks_1_vs_5": {"value": round(bench.results["tenants_f1"]["wall_s"] /
                                                    bench.results["tenants_f5"]["wall_s"], 2)}}
    print("\n%-32s %8s  %-7s %s" % ("ratio (same run)", "value", "target", "met"))
    for name, item in ratios.items():
        target = item.get("target", "")
        # the targets are set for the full record counts: a quick run's figures are not comparable to them
        ok = ("not comparable (quick)" if args.quick else "yes" if met(item["value"], target) else "NO") \
            if target else "-"
        print("%-32s %8.2f  %-7s %s%s" % (name, item["value"], target, ok,
                                          "" if "same_records" not in item else
                                          "  (records identical: %s)" % item["same_records"]))
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as handle:
        json.dump({"when": datetime.datetime.now(UTC).isoformat(), "machine": {
            "cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
            "quick": args.quick, "figures": bench.results, "ratios": ratios}, handle, indent=2)
    print("\nfigures written to %s" % args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
