# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What AWX does with the collection: credential injectors, a job run through ansible-runner, an EE build context."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import ansible_runner
import jinja2
import pytest
import yaml

from tests.sandbox import Sandbox

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
TYPES = os.path.join(ROOT, "docs", "awx", "credential_types")


def credential_type(name):
    with open(os.path.join(TYPES, name + ".yml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def inject(kind, inputs):
    """The environment AWX builds from a credential type's injectors (Jinja2 over the inputs)."""
    return {name: jinja2.Template(value).render(**inputs) for name, value in kind["injectors"]["env"].items()}


def variables_read_by(module):
    """Environment variables a module reads: env_fallback names and os.environ lookups in its source and in every
    module_utils file it imports, directly or not."""
    with open(os.path.join(ROOT, "plugins", "modules", module + ".py"), encoding="utf-8") as handle:
        source = handle.read()
    seen = set()
    pending = re.findall(r"plugins\.module_utils\.(_\w+) import", source)
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        with open(os.path.join(ROOT, "plugins", "module_utils", name + ".py"), encoding="utf-8") as handle:
            text = handle.read()
        source += text
        pending += re.findall(r"plugins\.module_utils\.(_\w+) import", text)
    names = set(re.findall(r'env_fallback, \["([A-Z_]+)"\]', source))
    names |= set(re.findall(r'os\.environ(?:\.get\(|\[)"([A-Z_]+)"', source))
    assert names, "no environment variables found in %s" % module
    return names


@pytest.mark.parametrize("kind, module", [("tmes", "tmes_mail_tracking_info"),
                                          ("mimecast_api2", "mimecast_tracking_search"),
                                          ("mimecast_api1", "mimecast_tracking_search")])
def test_injectors_set_exactly_what_the_modules_read(kind, module):
    definition = credential_type(kind)
    fields = {f["id"] for f in definition["inputs"]["fields"]}
    injected = definition["injectors"]["env"]
    assert set(injected) <= variables_read_by(module)
    assert {re.search(r"\{\{\s*(\w+)\s*\}\}", v).group(1) for v in injected.values()} == fields
    secret = {f["id"] for f in definition["inputs"]["fields"] if f.get("secret")}
    assert secret & {"api_key", "client_secret", "secret_key", "app_key"} == secret and secret
    assert set(definition["inputs"]["required"]) <= fields


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox(seed=13, tmes_records=2000, mimecast_records=800) as running:
        yield running


@pytest.fixture(scope="module")
def collections(tmp_path_factory):
    path = tmp_path_factory.mktemp("collections")
    os.makedirs(str(path / "ansible_collections" / "emailsec"))
    os.symlink(ROOT, str(path / "ansible_collections" / "emailsec" / "tracking"))
    return str(path)


def run_job(tmp_path, sandbox, collections, extravars, ident, more_env=None):
    """Run playbooks/trace_message.yml the way an AWX job does: project, inventory, env, extra vars."""
    info = sandbox.describe()
    env = inject(credential_type("tmes"), {"api_url": info["url"], **info["tmes"]})
    env.update(inject(credential_type("mimecast_api2"), {"base_url": info["url"],
                                                         "client_id": info["mimecast"]["client_id"],
                                                         "client_secret": info["mimecast"]["client_secret"]}))
    env.update(more_env or {})
    data = tmp_path / "runner"
    (data / "project").mkdir(parents=True, exist_ok=True)
    shutil.copy(os.path.join(ROOT, "playbooks", "trace_message.yml"), str(data / "project"))
    (data / "inventory").mkdir(exist_ok=True)
    (data / "inventory" / "hosts").write_text("localhost ansible_connection=local ansible_python_interpreter=%s\n"
                                              % sys.executable)
    envvars = dict(env, ANSIBLE_COLLECTIONS_PATH=collections, PATH=BIN + os.pathsep + os.environ.get("PATH", ""))
    result = ansible_runner.run(private_data_dir=str(data), playbook="trace_message.yml", ident=ident,
                                envvars=envvars, extravars=extravars, quiet=True)
    stats = [e for e in result.events if e.get("event") == "playbook_on_stats"]
    return result, stats[0]["event_data"].get("artifact_data", {}) if stats else None, data, env


def test_trace_message_runs_as_an_awx_job(tmp_path, sandbox, collections):
    campaign = sandbox.describe()["campaign"]
    report_dir = tmp_path / "report"
    report_dir.mkdir()
    extravars = {"message_trace_sender_domain": campaign["sender_domain"], "message_trace_lookback": "24h",
                 "message_trace_report_dir": str(report_dir), "fail_on_delivered": False}
    result, artifact, data, env = run_job(tmp_path, sandbox, collections, extravars, "job1")
    assert result.status == "successful", result.stdout.read()
    assert result.rc == 0
    summary = artifact["message_trace"]
    assert summary["by_vendor"]["tmes"]["total"] == campaign["tmes_count"]
    assert summary["by_vendor"]["mimecast"]["total"] == campaign["mimecast_count"]
    assert summary["delivered"] is True and summary["vendors"] == ["tmes", "mimecast"]
    assert summary["reports"]["html"] == str(report_dir / "report.html")
    assert (report_dir / "report.html").exists()
    # the job output and events AWX stores and shows hold no credential
    secrets = [env["TMES_API_KEY"], env["MIMECAST_CLIENT_SECRET"]]
    shown = [data / "artifacts" / "job1" / "stdout"] + sorted((data / "artifacts" / "job1" / "job_events").iterdir())
    assert len(shown) > 10
    for path in shown:
        text = path.read_text(encoding="utf-8", errors="replace")
        assert not any(s in text for s in secrets), "secret in %s" % path.name


def test_fail_on_delivered_fails_the_job(tmp_path, sandbox, collections):
    campaign = sandbox.describe()["campaign"]
    extravars = {"message_trace_sender_domain": campaign["sender_domain"], "fail_on_delivered": True}
    result, artifact, dummy, dummy2 = run_job(tmp_path, sandbox, collections, extravars, "job2")
    assert result.status == "failed"
    assert "matching message(s) were delivered" in result.stdout.read()
    assert artifact["message_trace"]["delivered"] is True


def test_execution_environment_build_context(tmp_path):
    build = tmp_path / "dist"
    subprocess.run([os.path.join(BIN, "ansible-galaxy"), "collection", "build", "--output-path", str(build), ROOT],
                   check=True, capture_output=True)
    tarball = next(build.glob("emailsec-tracking-*.tar.gz"))
    installed = tmp_path / "collections"
    subprocess.run([os.path.join(BIN, "ansible-galaxy"), "collection", "install", "--force", "-p", str(installed),
                    str(tarball)], check=True, capture_output=True)
    # what ansible-builder finds in the collection's meta/execution-environment.yml
    found = subprocess.run([os.path.join(BIN, "ansible-builder"), "introspect", "--sanitize", str(installed)],
                           check=True, capture_output=True, text=True).stdout
    python = yaml.safe_load(found[found.index("python:"):] if not found.lstrip().startswith("{") else found)
    text = json.dumps(python)
    assert "requests" in text and "jmespath" in text and "emailsec.tracking" in text
    assert "ansible-core" not in text and "ansible_core" not in text
    # the shipped EE definition turns into a build context without a container engine
    definition = tmp_path / "ee"
    shutil.copytree(os.path.join(ROOT, "docs", "awx"), str(definition))
    context = tmp_path / "context"
    subprocess.run([os.path.join(BIN, "ansible-builder"), "create", "-f", str(definition / "execution-environment.yml"),
                    "--context", str(context)], check=True, capture_output=True)
    containerfile = next(p for p in (context / "Containerfile", context / "Dockerfile") if p.exists()).read_text()
    assert "ansible-galaxy collection install" in containerfile or "install-from-bindep" in containerfile
    assert "introspect" in containerfile
    requirements = yaml.safe_load((context / "_build" / "requirements.yml").read_text())
    assert requirements["collections"][0]["name"] == "emailsec.tracking"


def test_ee_requirements_are_unpinned_and_without_ansible():
    with open(os.path.join(ROOT, "meta", "ee-requirements.txt"), encoding="utf-8") as handle:
        lines = [line.strip() for line in handle if line.strip() and not line.startswith("#")]
    assert lines == ["requests", "jmespath"]
    meta = yaml.safe_load(open(os.path.join(ROOT, "meta", "execution-environment.yml"), encoding="utf-8"))
    assert meta["dependencies"]["python"] == "meta/ee-requirements.txt"


def test_the_ee_is_pinned():
    definition = yaml.safe_load(open(os.path.join(ROOT, "docs", "awx", "execution-environment.yml"), encoding="utf-8"))
    image = definition["images"]["base_image"]["name"]
    assert ":" in image and not image.endswith(":latest")
    with open(os.path.join(ROOT, "docs", "awx", definition["dependencies"]["python"]), encoding="utf-8") as handle:
        pins = [line.strip() for line in handle if line.strip() and not line.startswith("#")]
    assert pins and all(re.match(r"^[A-Za-z0-9_.-]+==[0-9][0-9A-Za-z.]*$", pin) for pin in pins)
    assert {pin.split("==")[0] for pin in pins} == {"requests", "jmespath"}
    galaxy = yaml.safe_load(open(os.path.join(ROOT, "docs", "awx", "requirements.yml"), encoding="utf-8"))
    version = yaml.safe_load(open(os.path.join(ROOT, "galaxy.yml"), encoding="utf-8"))["version"]
    assert galaxy["collections"] == [{"name": "emailsec.tracking", "version": "==" + version}]


def test_no_record_reaches_the_job_events_but_the_summary_and_reports_have_them(tmp_path, sandbox, collections):
    campaign = sandbox.describe()["campaign"]
    report_dir = tmp_path / "report"
    extravars = {"message_trace_sender_domain": campaign["sender_domain"], "message_trace_report_dir": str(report_dir)}
    result, artifact, data, dummy = run_job(tmp_path, sandbox, collections, extravars, "job3")
    assert result.status == "successful", result.stdout.read()
    recipients = artifact["message_trace"]["recipients"]
    assert len(recipients) > 5
    report = (report_dir / "report.json").read_text()
    assert all(r in report for r in recipients) and campaign["subject"] in report
    events = sorted((data / "artifacts" / "job3" / "job_events").iterdir())
    # recipients may be named only by the summary: the one the playbook prints on purpose, and the set_stats data
    # the last event carries for the next workflow node; no event carries a record (a subject)
    for path in events:
        event = json.loads(path.read_text(encoding="utf-8"))
        text = json.dumps(event)
        assert campaign["subject"] not in text, "subject in %s (%s)" % (path.name, event["event_data"].get("task"))
        if event["event"] == "playbook_on_stats" or event["event_data"].get("task") == "Show the summary":
            continue
        task = event["event_data"].get("task")
        assert not any(r in text for r in recipients), "recipient in %s (%s)" % (path.name, task)


def test_both_mimecast_credential_types_on_one_job_use_api2_and_say_so(tmp_path, sandbox, collections):
    info = sandbox.describe()
    campaign = info["campaign"]
    api1 = inject(credential_type("mimecast_api1"), {"base_url": info["url"], **{
        k: info["mimecast"][k] for k in ("access_key", "secret_key", "app_id", "app_key")}})
    extravars = {"message_trace_sender_domain": campaign["sender_domain"]}
    result, artifact, dummy, dummy2 = run_job(tmp_path, sandbox, collections, extravars, "job4", more_env=api1)
    assert result.status == "successful", result.stdout.read()
    assert artifact["message_trace"]["by_vendor"]["mimecast"]["total"] == campaign["mimecast_count"]
    assert any("API 2.0 was used" in note for note in artifact["message_trace"]["notes"])
