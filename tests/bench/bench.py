# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""make bench: wall time and peak memory of the ways to pull TMES and Mimecast records, in one run.

Every figure is the median of several runs of a whole process (ansible-playbook or python), with its peak
resident memory (the largest process of the tree); the rows of the URL protect log (9), minutes each, are one
run.  The floors are bare ``requests`` loops over the same pages writing the same JSON lines: each module row
with ``dest`` says whether its file is byte for byte the floor's.  Prints a table and writes
bench/results/bench.json.
Run from the collection root with the tools' Python: python -m tests.bench.bench [--quick] [--only GROUPS]
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
TTP_RECORDS = 520000  # URL protect log rows over the sandbox's 29 days (issue 19: at least 500,000)
TTP_DOMAIN = "acme.example"  # the user domain the URL log scan matches: about half of the rows
GROUPS = ("tmes", "latency", "ttp", "tenants")


class Sandbox:
    def __init__(self, *args):
        command = [sys.executable, "-m", "tests.sandbox", "--port", "0", "--seed", "17"] + list(args)
        self.proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.info = json.loads(self.proc.stdout.readline())
        self.url = self.info["url"]

    def expected(self, start, end):
        query = "type=accepted_traffic&start=%s&end=%s" % (start, end)
        with urllib.request.urlopen(self.url + "/_sandbox/tmes/expected?" + query, timeout=30) as answer:
            return json.load(answer)["count"]

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)

    def cpu(self):
        """CPU seconds (user and system) the sandbox's processes (--processes forks children) have used so far."""
        pids = [self.proc.pid]
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open("/proc/%s/stat" % entry, encoding="ascii", errors="replace") as handle:
                        if int(handle.read().rsplit(")", 1)[1].split()[1]) == self.proc.pid:
                            pids.append(int(entry))
                except (OSError, ValueError, IndexError):
                    continue
        total = 0.0
        for pid in pids:
            try:
                with open("/proc/%d/stat" % pid, encoding="ascii", errors="replace") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / float(os.sysconf("SC_CLK_TCK"))
        return total


def measure(command, env=None, sandbox=None):
    """Wall seconds, peak RSS (MiB), output, CPU seconds of one process tree, and the sandbox's CPU seconds."""
    sandbox_before = sandbox.cpu() if sandbox is not None else None
    started = time.monotonic()
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = proc.stdout.read()
    dummy, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - started
    if proc.returncode != 0:
        raise RuntimeError("%s failed:\n%s" % (" ".join(command[:3]), output.decode(errors="replace")[-3000:]))
    # Linux counts the reaped descendants in a child's usage: ansible-playbook, its workers and the module
    cpu = usage.ru_utime + usage.ru_stime
    served = sandbox.cpu() - sandbox_before if sandbox is not None else None
    return wall, usage.ru_maxrss / 1024.0, output.decode(errors="replace"), cpu, served


def median_of(runs, command, env=None, sandbox=None):
    """The median wall time and peak memory of ``runs`` runs, with the CPU seconds of the median run."""
    measured = [measure(command, env, sandbox) for dummy in range(runs)]
    walls = [m[0] for m in measured]
    middle = sorted(measured, key=lambda m: m[0])[(runs - 1) // 2]
    figures = {"wall_s": round(statistics.median(walls), 3),
               "peak_mib": round(statistics.median([m[1] for m in measured]), 1),
               "runs": runs, "walls": [round(w, 3) for w in walls], "cpu_s": round(middle[3], 2)}
    if sandbox is not None:
        figures["sandbox_cpu_s"] = round(middle[4], 2)
    return figures


def tmes_time(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def window(hours, end_offset_minutes=5):
    end = datetime.datetime.now(UTC).replace(microsecond=0) - datetime.timedelta(minutes=end_offset_minutes)
    return tmes_time(end - datetime.timedelta(hours=hours)), tmes_time(end)


def hours_for(records):
    per_hour = 0.85 * TMES_RECORDS / 71.0
    return records / per_hour


def digest(path):
    """SHA-256 of a file, read in blocks: this process stays small, because a child started with vfork reports
    as its peak memory at least this process's peak (Linux keeps the high-water mark of the memory it replaced)."""
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1048576), b""):
            sha.update(block)
    return sha.hexdigest()


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

    def header(self):
        print("  %-58s %10s %12s %7s %7s" % ("", "wall", "peak memory", "CPU", "sandbox"), flush=True)

    def record(self, key, label, figures, **extra):
        figures.update(extra, label=label)
        self.results[key] = figures
        print("  %-58s %8.2f s %8.1f MiB %7s %7s" % (
            label, figures["wall_s"], figures["peak_mib"],
            "%.2f s" % figures["cpu_s"] if figures.get("cpu_s") is not None else "",
            "%.2f s" % figures["sandbox_cpu_s"] if figures.get("sandbox_cpu_s") is not None else ""), flush=True)

    def run_tmes(self, quick):
        """TMES without latency: the floor, the module, the lookup, the uri loop, memory."""
        scale = 0.2 if quick else 1.0
        n100, n20, n200 = (int(x * scale) for x in (100000, 20000, 200000))
        sandbox = Sandbox("--tmes-records", str(TMES_RECORDS), "--mimecast-records", "5000")
        try:
            start, end = window(hours_for(n100))
            count = sandbox.expected(start, end)
            print("TMES, %d records (%s to %s)" % (count, start, end), flush=True)
            floor_lines = os.path.join(self.tmp, "floor.jsonl")
            floor = median_of(self.runs, [sys.executable, os.path.join(BENCH, "floor.py"), sandbox.url,
                                          sandbox.info["tmes"]["username"], sandbox.info["tmes"]["api_key"], start,
                                          end, floor_lines], sandbox=sandbox)
            self.record("floor", "1 floor: python + requests.Session loop, JSON lines", floor, records=count)
            floor_ids = os.path.join(self.tmp, "floor.ids")
            with open(floor_lines, encoding="utf-8") as lines, open(floor_ids, "w", encoding="utf-8") as handle:
                for line in lines:
                    handle.write(json.loads(line)["mailID"] + "\n")
            dest = os.path.join(self.tmp, "module.jsonl")
            module_dest = median_of(self.runs, self.playbook("module.yml", **self.tmes_vars(
                sandbox, start, end, dest=dest)), self.env, sandbox)
            self.record("module_dest", "2 module via ansible-playbook, dest", module_dest, records=count,
                        same_file_as_floor=digest(dest) == digest(floor_lines))
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

    def run_latency(self, quick):
        """TMES and Mimecast under 100 ms a request: concurrency 1 against 8 on the same records.

        TMES three times: 100,000 records (the floor's count, the target's pair), 50,000 and 200,000 (a busy
        domain's 72 hours): the fixed cost of a run (ansible-playbook's start-up, the module's), the same in both,
        is a larger share of the faster one the fewer the records.
        """
        scale = 0.2 if quick else 1.0
        # two server processes, every accepted record rendered before the runs: the sandbox shares the two cores
        # with what is measured, and its own CPU a page (the vendor's, in real life) would be counted as ours
        slow = Sandbox("--tmes-records", str(TMES_RECORDS), "--mimecast-records", "20000", "--latency-ms", "100",
                       "--processes", "2", "--prerender")
        try:
            for size, suffix in ((100000, ""), (50000, "_50k"), (200000, "_200k")):
                n = int(size * scale)
                start, end = window(hours_for(n))
                count = slow.expected(start, end)
                print("TMES with 100 ms latency a request, %d records" % count, flush=True)
                digests = {}
                for workers in (1, 8):
                    dest = os.path.join(self.tmp, "latency-%d%s.jsonl" % (workers, suffix))
                    # two more runs than the other rows: a concurrency 8 run here varies by a tenth (4.7 to 5.3 s at
                    # 100,000 records on this machine), and the target is a ratio of two of these medians
                    figures = median_of(self.runs + 2, self.playbook("module.yml", **self.tmes_vars(
                        slow, start, end, dest=dest, concurrency=workers)), self.env, slow)
                    digests[workers] = digest(dest)
                    row = {"": "ab", "_50k": "cd", "_200k": "ef"}[suffix][workers == 8]
                    self.record("latency_c%d%s" % (workers, suffix), "5%s module, 100 ms latency, %d records, "
                                "concurrency %d" % (row, count, workers), figures, records=count)
                self.results["latency_c8" + suffix]["same_records_as_c1"] = digests[1] == digests[8]

            mc_end = datetime.datetime.now(UTC).replace(microsecond=0) - datetime.timedelta(minutes=5)
            mc_start = mc_end - datetime.timedelta(days=28)
            print("Mimecast with 100 ms latency a request, 28 days in one-day slices", flush=True)
            mc_floor = os.path.join(self.tmp, "mimecast-floor.jsonl")
            wall, peak, output, cpu, served = measure([
                sys.executable, os.path.join(BENCH, "mimecast_floor.py"), slow.url, slow.info["mimecast"]["client_id"],
                slow.info["mimecast"]["client_secret"], tmes_time(mc_start), tmes_time(mc_end), "e", mc_floor],
                sandbox=slow)
            searches, found = (int(n) for n in output.split()[-2:])
            self.record("mimecast_floor", "7 floor: python + requests loop, the same %d searches" % searches,
                        {"wall_s": round(wall, 3), "peak_mib": round(peak, 1), "runs": 1, "cpu_s": round(cpu, 2),
                         "sandbox_cpu_s": round(served, 2)}, records=found)
            mc_digests = {}
            for workers in (1, 8):
                dest = os.path.join(self.tmp, "mimecast-%d.jsonl" % workers)
                figures = median_of(self.runs, self.playbook(
                    "mimecast.yml", url=slow.url, client_id=slow.info["mimecast"]["client_id"],
                    client_secret=slow.info["mimecast"]["client_secret"], start=tmes_time(mc_start),
                    end=tmes_time(mc_end), slice="1d", concurrency=workers, dest=dest), self.env, slow)
                mc_digests[workers] = digest(dest)
                self.record("mimecast_c%d" % workers, "7 mimecast, 100 ms latency, 28 slices, concurrency %d"
                            % workers, figures, records=ids_digest_from_jsonl(dest, "id")[1])
            self.results["mimecast_c8"]["same_records_as_c1"] = mc_digests[1] == mc_digests[8]
            self.results["mimecast_c1"]["same_file_as_floor"] = mc_digests[1] == digest(mc_floor)
        finally:
            slow.stop()

    def run_ttp(self, quick):
        """Issue 19: a 30-day URL protect log, 100 ms a request, read and matched to dest, against its floor."""
        size = int(TTP_RECORDS * (0.2 if quick else 1))
        sandbox = Sandbox("--tmes-records", "100", "--mimecast-records", "200", "--ttp-records", str(size),
                          "--latency-ms", "100", "--processes", "2")
        try:
            end = datetime.datetime.now(UTC).replace(microsecond=0) - datetime.timedelta(minutes=2)
            start = end - datetime.timedelta(days=29, hours=12)
            mimecast_time = "%Y-%m-%dT%H:%M:%S+0000"
            floor_lines = os.path.join(self.tmp, "ttp-floor.jsonl")
            floor_command = [sys.executable, os.path.join(BENCH, "ttp_floor.py"), sandbox.url,
                             sandbox.info["mimecast"]["client_id"], sandbox.info["mimecast"]["client_secret"],
                             start.strftime(mimecast_time),
                             (end + datetime.timedelta(seconds=1)).strftime(mimecast_time), TTP_DOMAIN, floor_lines]
            wall, peak, output, cpu, served = measure(floor_command, sandbox=sandbox)
            read, kept = (int(n) for n in output.split()[-2:])
            print("Mimecast URL protect log, 100 ms latency a request, %d rows read, %d kept (users of %s)"
                  % (read, kept, TTP_DOMAIN), flush=True)
            self.record("ttp_floor", "9a floor: python + requests loop, URL log, JSON lines",
                        {"wall_s": round(wall, 3), "peak_mib": round(peak, 1), "runs": 1, "cpu_s": round(cpu, 2),
                         "sandbox_cpu_s": round(served, 2)}, rows=read, records=kept)

            def module(key, label, workers, since, runs=1):
                dest = os.path.join(self.tmp, key + ".jsonl")
                figures = median_of(runs, self.playbook(
                    "ttp.yml", url=sandbox.url, client_id=sandbox.info["mimecast"]["client_id"],
                    client_secret=sandbox.info["mimecast"]["client_secret"], start=tmes_time(since),
                    end=tmes_time(end), domain=TTP_DOMAIN, concurrency=workers, dest=dest), self.env, sandbox)
                with open(dest, encoding="utf-8") as handle:
                    records = sum(1 for dummy in handle)
                self.record(key, label, figures, records=records,
                            same_file_as_floor=digest(dest) == digest(floor_lines) if since == start else None)

            module("ttp_c1", "9b mimecast_ttp_log_info, dest, concurrency 1", 1, start)
            module("ttp_c8", "9c the same, concurrency 8", 8, start)
            module("ttp_3d", "9d the same, concurrency 1, the last 3 days only (memory)", 1,
                   end - datetime.timedelta(days=3), max(1, self.runs - 2))
        finally:
            sandbox.stop()

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
        """Each ratio whose figures this run measured: value, target (when there is one), same records."""
        r = self.results
        same = {"module_dest": "same_file_as_floor", "latency_c8": "same_records_as_c1",
                "latency_c8_50k": "same_records_as_c1", "latency_c8_200k": "same_records_as_c1",
                "mimecast_c8": "same_records_as_c1", "mimecast_c1": "same_file_as_floor",
                "ttp_c1": "same_file_as_floor", "ttp_c8": "same_file_as_floor"}
        wanted = [
            ("module_dest_vs_floor", "module_dest", "floor", "wall_s", "<= 1.3", "module_dest"),
            ("module_return_vs_floor", "module_return", "floor", "wall_s", "<= 3", None),
            ("lookup_vars_vs_floor", "lookup_vars", "floor", "wall_s", "<= 3", None),
            ("lookup_fact_vs_floor", "lookup_fact", "floor", "wall_s", "<= 3", None),
            ("uri_loop_vs_module", "uri_loop", "module_20k", "wall_s", ">= 10", None),
            ("memory_dest_200k_vs_20k", "dest_200k", "dest_20k", "peak_mib", "<= 1.2", None),
            ("concurrency_1_vs_8", "latency_c1", "latency_c8", "wall_s", ">= 5", "latency_c8"),
            ("concurrency_1_vs_8_50k", "latency_c1_50k", "latency_c8_50k", "wall_s", None, "latency_c8_50k"),
            ("concurrency_1_vs_8_200k", "latency_c1_200k", "latency_c8_200k", "wall_s", None, "latency_c8_200k"),
            ("mimecast_c1_vs_floor", "mimecast_c1", "mimecast_floor", "wall_s", "<= 1.3", "mimecast_c1"),
            ("mimecast_concurrency_1_vs_8", "mimecast_c1", "mimecast_c8", "wall_s", ">= 5", "mimecast_c8"),
            ("ttp_c1_vs_floor", "ttp_c1", "ttp_floor", "wall_s", "<= 1.5", "ttp_c1"),
            ("ttp_concurrency_1_vs_8", "ttp_c1", "ttp_c8", "wall_s", ">= 4", "ttp_c8"),
            ("ttp_memory_30d_vs_3d", "ttp_c1", "ttp_3d", "peak_mib", "<= 1.2", None),
            ("tenants_forks_1_vs_5", "tenants_f1", "tenants_f5", "wall_s", None, None),
        ]
        out = {}
        for name, a, b, field, target, checked in wanted:
            if a not in r or b not in r:
                continue
            item = {"value": round(r[a][field] / r[b][field], 2)}
            if target:
                item["target"] = target
            if checked:
                item["same_records"] = r[checked][same[checked]]
            out[name] = item
        return out


def met(value, target):
    op, bound = target.split()
    return value <= float(bound) if op == "<=" else value >= float(bound)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each measurement (the median is kept)")
    parser.add_argument("--quick", action="store_true", help="a fifth of the record counts, for a smoke run")
    parser.add_argument("--only-tenants", action="store_true", help="only the many-tenants rows (8)")
    parser.add_argument("--only", default=",".join(GROUPS),
                        help="the groups of rows to run, comma-separated, of: %s (tmes: rows 0 to 6, latency: 5 "
                             "and 7, ttp: 9, tenants: 8)" % ", ".join(GROUPS))
    parser.add_argument("--out", default=os.path.join(ROOT, "bench", "results", "bench.json"))
    args = parser.parse_args()
    groups = ["tenants"] if args.only_tenants else [g.strip() for g in args.only.split(",") if g.strip()]
    unknown = sorted(set(groups) - set(GROUPS))
    if unknown:
        parser.error("--only: unknown group(s) %s; choose from %s" % (", ".join(unknown), ", ".join(GROUPS)))
    with tempfile.TemporaryDirectory(prefix="emailsec-bench-") as tmp:
        bench = Bench(args.runs, tmp)
        bench.header()
        for group in GROUPS:
            if group in groups:
                getattr(bench, "run_" + group)(args.quick)
        ratios = bench.ratios()
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
