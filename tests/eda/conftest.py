# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures of the event source tests: the sandbox as its own process (python -m tests.sandbox --port 0), and the
event sources loaded the way ansible-rulebook loads them (runpy.run_path of the file in the collection tree).

Run from a collection tree whose parent of ``ansible_collections`` is on PYTHONPATH, e.g.
``cd /tmp/coll/ansible_collections/emailsec/tracking && PYTHONPATH=/tmp/coll python -m pytest tests/eda``.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import runpy
import subprocess
import sys

import pytest
import requests


def collection_dir() -> str:
    """The collection as Python imports it (the tree under ansible_collections, not the checkout it links to)."""
    spec = importlib.util.find_spec("ansible_collections.emailsec.tracking")
    if spec is None or not spec.submodule_search_locations:
        pytest.exit("ansible_collections.emailsec.tracking is not importable: run the tests from a collection tree "
                    "with its collections root on PYTHONPATH (see tests/eda/conftest.py)", returncode=4)
    return list(spec.submodule_search_locations)[0]


COLLECTION = collection_dir()
COLLECTIONS_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(COLLECTION)))
SOURCES_DIR = os.path.join(COLLECTION, "extensions", "eda", "plugins", "event_source")
POLLER_MODULE = "ansible_collections.emailsec.tracking.extensions.eda.plugins.module_utils._poller"


def load_source(name: str) -> dict:
    """The globals of an event source file, as ansible-rulebook's runpy.run_path gives them."""
    return runpy.run_path(os.path.join(SOURCES_DIR, name + ".py"))


class SandboxProcess:
    """A sandbox in a process of its own, and its control API."""

    def __init__(self):
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.sandbox", "--port", "0"], cwd=COLLECTION,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        if not line:
            self.proc.kill()
            raise RuntimeError("the sandbox did not start")
        self.info = json.loads(line)
        self.url = self.info["url"]
        self.http = requests.Session()

    @property
    def campaign(self) -> dict:
        return self.info["campaign"]

    def control(self, method: str, name: str, body=None):
        response = self.http.request(method, self.url + "/_sandbox/" + name, json=body, timeout=30)
        response.raise_for_status()
        return response.json()

    def fault(self, **spec):
        return self.control("POST", "faults", spec)

    def clear_faults(self):
        self.control("DELETE", "faults")

    def requests_made(self) -> int:
        return self.control("GET", "stats")["total"]

    def mimecast_state(self) -> dict:
        return self.control("GET", "mimecast/state")

    def secrets(self) -> list:
        """Every credential value of the sandbox that must never appear in an event or a log line."""
        mimecast = self.info["mimecast"]
        found = [self.info["tmes"]["api_key"]]
        found += [mimecast[k] for k in ("secret_key", "app_key", "client_secret", "forbidden_client_secret",
                                        "readonly_client_secret")]
        return found

    def mimecast_args(self, **extra) -> dict:
        args = {"base_url": self.url, "client_id": self.info["mimecast"]["client_id"],
                "client_secret": self.info["mimecast"]["client_secret"], "interval": 0.05, "retry_max_delay": 0.5}
        args.update(extra)
        return args

    def tmes_args(self, **extra) -> dict:
        args = {"api_url": self.url, "username": self.info["tmes"]["username"],
                "api_key": self.info["tmes"]["api_key"], "interval": 0.05, "retry_max_delay": 0.5}
        args.update(extra)
        return args

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture(scope="module")
def sandbox():
    box = SandboxProcess()
    try:
        yield box
    finally:
        box.stop()


@pytest.fixture
def clean(sandbox):
    """The module's sandbox with no fault left over from another test."""
    sandbox.clear_faults()
    yield sandbox
    sandbox.clear_faults()


@pytest.fixture(scope="session")
def mimecast_source():
    return load_source("mimecast")


@pytest.fixture(scope="session")
def tmes_source():
    return load_source("tmes")


def run_source(source: dict, args: dict, timeout: float = 120.0) -> list:
    """Run a source's main(queue, args) to its end (give ``polls``) and return the events it put on the queue."""
    queue = asyncio.Queue()

    async def go():
        await asyncio.wait_for(source["main"](queue, args), timeout)

    asyncio.run(go())
    events = []
    while not queue.empty():
        events.append(queue.get_nowait())
    return events


def of(events, source=None, errors=False) -> list:
    """The events of one source (held, url_clicks, threat, ...), without error events unless ``errors``."""
    out = []
    for event in events:
        body = event["emailsec"]
        if ("error" in body) != errors:
            continue
        if source is None or body["source"] == source:
            out.append(body)
    return out
