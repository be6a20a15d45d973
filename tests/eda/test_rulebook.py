# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The example rulebooks under the real ansible-rulebook (from PyPI, Java 17), against the sandbox.

- trace_mimecast_threats.yml in its run_playbook form (the commented alternative to run_job_template): a planted
  malicious click starts the trace playbook with the click's sender, the trace writes its report, and nothing
  changes at the sandbox.
- Both rulebooks with every trace replaced by a debug line: which events each rule takes (a hold for malware,
  never a spam hold; a TMES threat event).

The tests are skipped where ansible-rulebook is not installed, unless EMAILSEC_EDA_REQUIRED is set (the eda step
of tests/utils/run-tests.sh sets it, after tests/utils/setup-eda.sh installed it).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import pytest
import yaml

from .conftest import COLLECTION, COLLECTIONS_ROOT, SandboxProcess

RULEBOOKS = os.path.join(COLLECTION, "extensions", "eda", "rulebooks")
TRACE_PLAYBOOK = "emailsec.tracking.trace_message"


def rulebook_command():
    found = shutil.which("ansible-rulebook", path=os.path.dirname(sys.executable)) or shutil.which("ansible-rulebook")
    if not found:
        if os.environ.get("EMAILSEC_EDA_REQUIRED"):
            pytest.fail("ansible-rulebook is not installed: run tests/utils/setup-eda.sh")
        pytest.skip("ansible-rulebook is not installed (tests/utils/setup-eda.sh installs it)")
    return found


@pytest.fixture(scope="module")
def box():
    sandbox = SandboxProcess()
    try:
        yield sandbox
    finally:
        sandbox.stop()


def environment(box):
    env = dict(os.environ)
    env.update({
        "MIMECAST_BASE_URL": box.url, "MIMECAST_CLIENT_ID": box.info["mimecast"]["client_id"],
        "MIMECAST_CLIENT_SECRET": box.info["mimecast"]["client_secret"], "TMES_API_URL": box.url,
        "TMES_USERNAME": box.info["tmes"]["username"], "TMES_API_KEY": box.info["tmes"]["api_key"],
        "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS_ROOT, "ANSIBLE_NOCOLOR": "1",
        "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
    })
    env.pop("PYTHONPATH", None)  # the source must find the collection as an installed one
    if not env.get("JAVA_HOME") and shutil.which("java"):
        env["JAVA_HOME"] = os.path.dirname(os.path.dirname(os.path.realpath(shutil.which("java"))))
    return env


def load(name):
    with open(os.path.join(RULEBOOKS, name)) as handle:
        text = handle.read()
    return text, yaml.safe_load(text)


def actions(book):
    return [(rule, rule["action"]) for ruleset in book for rule in ruleset["rules"]]


def run(tmp_path, book, variables, env, timeout=600):
    path = tmp_path / "rulebook.yml"
    path.write_text(yaml.safe_dump(book, sort_keys=False))
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(yaml.safe_dump({"all": {"hosts": {"localhost": {
        "ansible_connection": "local", "ansible_python_interpreter": sys.executable}}}}))
    values = tmp_path / "vars.yml"
    values.write_text(yaml.safe_dump(variables))
    out = subprocess.run([rulebook_command(), "--rulebook", str(path), "-i", str(inventory), "--vars", str(values),
                          "--shutdown-delay", "300"], cwd=str(tmp_path), env=env, capture_output=True, text=True,
                         timeout=timeout, check=False)
    return out.returncode, out.stdout + out.stderr


def test_the_alternatives_in_comments_are_the_same_trace():
    """Each run_job_template has the run_playbook it stands for in a comment, with the same extra variables."""
    for name in ("trace_mimecast_threats.yml", "trace_tmes_threats.yml"):
        text, book = load(name)
        templates = [a["run_job_template"] for dummy, a in actions(book) if "run_job_template" in a]
        assert templates, name
        blocks = re.findall(r"# run_playbook:\n((?:[ \t]+#.*\n)+)", text)
        assert len(blocks) == len(templates), name
        for template, block in zip(templates, blocks):
            commented = yaml.safe_load("\n".join(line.split("#", 1)[1][1:] for line in block.splitlines()))
            assert commented == {"name": TRACE_PLAYBOOK, "extra_vars": template["job_args"]["extra_vars"]}
            assert template["name"] == "Trace a phishing message"
        # nothing in either rulebook acts beyond the trace
        assert not re.search(r"emailsec\.tracking\.respond|phishing_response|_switch|state:", text)


def test_a_malicious_click_starts_the_trace_with_its_sender(box, tmp_path):
    if "clickers" not in box.campaign:
        pytest.skip("this sandbox has no URL Protect logs")
    dummy, book = load("trace_mimecast_threats.yml")
    reports = tmp_path / "reports"
    switched = 0
    for rule, action in actions(book):
        if "run_job_template" in action:
            extra = dict(action["run_job_template"]["job_args"]["extra_vars"])
            extra["message_trace_report_dir"] = str(reports) + "/{{ event.emailsec.source }}-{{ " \
                "event.emailsec.indicator.sender | default(event.emailsec.indicator.url | default('x')) " \
                "| regex_replace('[^A-Za-z0-9.@-]', '_') }}"
            rule["action"] = {"run_playbook": {"name": TRACE_PLAYBOOK, "extra_vars": extra}}
            switched += 1
    assert switched == 3
    # the click rules only: the hold rule is shown by the next test without a trace each
    book[0]["sources"][0]["emailsec.tracking.mimecast"]["sources"] = ["url_clicks"]
    before = box.mimecast_state()
    code, output = run(tmp_path, book, {"mimecast_lookback": "21h", "mimecast_interval": 1, "mimecast_polls": 1,
                                        "mimecast_bookmark": str(tmp_path / "bookmark.json"),
                                        "trace_lookback": "24h"}, environment(box))
    assert code == 0, output[-4000:]
    handoff = reports / ("url_clicks-" + box.campaign["sender"]) / "message_trace.json"
    assert handoff.is_file(), output[-4000:]
    summary = json.loads(handoff.read_text())["message_trace"]
    assert summary["indicator"] == {"sender": box.campaign["sender"]}
    assert summary["vendors"] == ["tmes", "mimecast"] and not summary["failures"]
    assert summary["total"] >= box.campaign["tmes_count"]
    # the trace read who clicked (message_trace_clicks), and found the campaign's clickers
    assert sorted(summary["clicked_by"]) == box.campaign["clickers"]
    # one trace a sender however many of its recipients clicked (the rule's throttle): as many plays as reports
    assert output.count("PLAY [Trace a phishing message]") == len(list(reports.iterdir()))
    assert box.mimecast_state() == before  # a trace changes nothing
    for secret in box.secrets():
        assert secret not in output
    assert json.load(open(tmp_path / "bookmark.json"))["streams"]["mimecast:url_clicks"]["polled"]


def debug_only(book):
    """Every trace replaced by a debug line naming the rule and the event (fast: no playbook runs)."""
    for rule, action in actions(book):
        if "run_job_template" in action:
            rule["action"] = {"debug": {"msg": "MATCHED %s | {{ event.emailsec.source }} | {{ "
                                               "event.emailsec.indicator.sender | default('-') }} | {{ "
                                               "event.emailsec.reason }}" % rule["name"]}}


def test_which_mimecast_events_start_a_trace(box, tmp_path):
    dummy, book = load("trace_mimecast_threats.yml")
    debug_only(book)
    code, output = run(tmp_path, book, {"mimecast_lookback": "29d", "mimecast_interval": 1, "mimecast_polls": 1},
                       environment(box))
    assert code == 0, output[-4000:]
    matched = re.findall(r"MATCHED (.+?) \| (\w+) \| (\S+) \| (.*?)['\"]?$", output, re.M)
    held = [m for m in matched if m[0] == "Mimecast held a message for malware or phishing"]
    assert (held[0][1], held[0][2]) in [("held", box.campaign["sender"])] or \
        box.campaign["sender"] in [m[2] for m in held]
    assert all(m[1] == "held" and "Spam Signature" not in m[3] for m in held)
    senders = [m[2] for m in held]
    assert len(senders) == len(set(senders))  # throttled: one trace a sender
    if "clickers" in box.campaign:
        clicks = [m for m in matched if m[0] == "A user clicked a link Mimecast judged malicious"]
        assert box.campaign["sender"] in [m[2] for m in clicks]
        assert all(m[1] == "url_clicks" for m in clicks)


def test_which_tmes_events_start_a_trace(box, tmp_path):
    dummy, book = load("trace_tmes_threats.yml")
    debug_only(book)
    code, output = run(tmp_path, book, {"tmes_lookback": "21h", "tmes_interval": 1, "tmes_polls": 1},
                       environment(box))
    assert code == 0, output[-4000:]
    matched = re.findall(r"MATCHED (.+?) \| (\w+) \| (\S+) \| ", output)
    assert matched and all(m[1] in ("threat", "phishing") for m in matched)
    assert box.campaign["sender"] in [m[2] for m in matched]
    assert len([m[2] for m in matched]) == len(set(m[2] for m in matched))
