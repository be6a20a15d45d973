# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the documented steps, as written, against a built tarball: the docs are tested like code.

    walkthrough.py TARBALL VENV_BIN

A code block runs when a marker stands right before it: ``.. walkthrough: KIND`` in reStructuredText,
``<!-- walkthrough: KIND -->`` in Markdown. KIND is ``shell`` (each ``$`` line, in one bash session that lives
through every document, so cd and export carry on), ``background`` (the same, but the last command keeps running,
as a server in a terminal of its own), ``tasks`` (YAML tasks, run in a play on localhost) or ``play`` (a whole
playbook). The documents run in the order given below, in a scratch HOME where the tarball lies in the current
directory. Two literal values are swapped for the run's own: port 8080 for a free port, and /tmp/trace and
/var/tmp/trace for scratch directories. Afterwards the outcome the documents promise is checked.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DOCUMENTS = ["docs/docsite/rst/guide_getting_started.rst", "README.md"]
MARKER = re.compile(r"^(?:\.\. walkthrough: (\w+)|<!-- walkthrough: (\w+) -->)\s*$")


def blocks(path):
    """(kind, text) of every marked code block of a document, in order."""
    lines = open(os.path.join(ROOT, path), encoding="utf-8").read().splitlines()
    found = []
    index = 0
    while index < len(lines):
        match = MARKER.match(lines[index])
        index += 1
        if not match:
            continue
        kind = match.group(1) or match.group(2)
        while index < len(lines) and not lines[index].strip():
            index += 1
        if lines[index].startswith("```"):  # Markdown fence
            end = lines.index("```", index + 1)
            found.append((kind, "\n".join(lines[index + 1:end])))
            index = end + 1
            continue
        if not lines[index].startswith(".. code-block::"):
            raise SystemExit("%s:%d: a walkthrough marker must stand before a code block" % (path, index + 1))
        index += 1
        body = []
        while index < len(lines) and (not lines[index].strip() or lines[index].startswith("    ")):
            body.append(lines[index][4:])
            index += 1
        found.append((kind, "\n".join(body).strip("\n")))
    return found


def commands(text):
    """The ``$`` commands of a console block, continuation lines joined; output lines dropped."""
    result = []
    current = None
    for line in text.splitlines():
        if current is not None:
            current += "\n" + line
        elif line.startswith("$ "):
            current = line[2:]
        else:
            continue
        if not current.endswith("\\"):
            result.append(current)
            current = None
    return result


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main():
    tarball, venv_bin = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    scratch = tempfile.mkdtemp(prefix="emailsec-walkthrough-")
    home = os.path.join(scratch, "home")
    work = os.path.join(home, "work")
    os.makedirs(work)
    shutil.copy(tarball, work)
    port = str(free_port())
    swaps = [("8080", port), ("/var/tmp/trace", os.path.join(scratch, "var-trace")),
             ("/tmp/trace", os.path.join(scratch, "trace"))]
    script = ["set -euo pipefail", "cd %s" % work, "server_pids=()",
              "trap 'for p in \"${server_pids[@]}\"; do kill \"$p\" 2>/dev/null || true; done' EXIT"]
    plays = 0
    for path in DOCUMENTS:
        for kind, text in blocks(path):
            for old, new in swaps:
                text = text.replace(old, new)
            if kind in ("shell", "background"):
                steps = commands(text)
                if not steps:
                    raise SystemExit("%s: a %s block without a $ command" % (path, kind))
                if kind == "background":
                    *first, last = steps
                    script += first
                    script += ["(%s) > %s/server.log 2>&1 &" % (last, scratch), "server_pids+=($!)",
                               "for i in $(seq 1 300); do python3 -c 'import socket,sys; socket.create_connection("
                               "(\"127.0.0.1\", int(sys.argv[1])), 1)' %s 2>/dev/null && break; sleep 0.1; done"
                               % port]
                else:
                    script += steps
            elif kind in ("tasks", "play"):
                plays += 1
                playbook = os.path.join(scratch, "doc-play-%d.yml" % plays)
                with open(playbook, "w", encoding="utf-8") as handle:
                    if kind == "tasks":
                        handle.write("- name: Tasks from %s\n  hosts: localhost\n  gather_facts: false\n  tasks:\n"
                                     % path)
                        handle.write("\n".join("    " + line if line else "" for line in text.splitlines()) + "\n")
                    else:
                        handle.write(text + "\n")
                script.append("ansible-playbook %s" % playbook)
            else:
                raise SystemExit("%s: unknown walkthrough kind %r" % (path, kind))
            print("walkthrough: %s: %s block" % (path, kind), flush=True)
    env = {"HOME": home, "PATH": venv_bin + os.pathsep + os.environ.get("PATH", ""), "LANG": "C.UTF-8",
           "ANSIBLE_NOCOLOR": "1", "ANSIBLE_PYTHON_INTERPRETER": os.path.join(venv_bin, "python3")}
    with open(os.path.join(scratch, "walkthrough.sh"), "w", encoding="utf-8") as handle:
        handle.write("\n".join(script) + "\n")
    run = subprocess.run(["bash", os.path.join(scratch, "walkthrough.sh")], env=env, cwd=work, check=False,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=900)
    output = run.stdout
    problems = []
    if run.returncode != 0:
        problems.append("the documented steps failed (exit %d)" % run.returncode)
    installed = os.path.join(home, ".ansible", "collections", "ansible_collections", "emailsec", "tracking")
    if not os.path.isfile(os.path.join(installed, "MANIFEST.json")):
        problems.append("the tarball was not installed where the guide says")
    report = os.path.join(scratch, "trace", "report.json")
    if not os.path.isfile(report):
        problems.append("the guide's trace wrote no report.json in the directory it names")
    else:
        summary = json.load(open(report, encoding="utf-8"))["summary"]
        if not (summary["delivered"] and summary["at_risk"] and summary["vendors"] == ["tmes", "mimecast"]):
            problems.append("the guide's trace did not find the planted campaign at both vendors: %s" % summary)
    for wanted in ("Delivered to: ", "At risk (in flight or unknown): ", "delivered to ", "At risk (in flight): "):
        if wanted not in output:
            problems.append("the output lacks %r" % wanted)
    if not os.path.isfile(os.path.join(scratch, "var-trace", "report.html")):
        problems.append("the README example wrote no report.html in the directory it names")
    if "[WARNING]" in output:
        problems.append("a documented step prints a warning")
    if problems:
        print(output[-20000:])
        print("walkthrough: FAILED: " + "; ".join(problems))
        return 1
    print("walkthrough: every documented step ran as written (%d blocks, %d plays)" % (
        sum(len(blocks(p)) for p in DOCUMENTS), plays))
    shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
