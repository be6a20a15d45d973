# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a module's main() with arguments, catching exit_json and fail_json (ansible-core 2.16 and newer)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import json

from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes

try:
    from ansible.module_utils.testing import patch_module_args  # ansible-core 2.19 and newer
except ImportError:
    @contextlib.contextmanager
    def patch_module_args(args):
        serialized = to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": args}))
        saved = basic._ANSIBLE_ARGS  # pylint: disable=protected-access
        basic._ANSIBLE_ARGS = serialized  # pylint: disable=protected-access
        try:
            yield
        finally:
            basic._ANSIBLE_ARGS = saved  # pylint: disable=protected-access


class ModuleExit(Exception):
    def __init__(self, result, failed):
        super(ModuleExit, self).__init__(result.get("msg"))
        self.result = result
        self.failed = failed


def _exit_json(self, **kwargs):  # pylint: disable=unused-argument
    raise ModuleExit(kwargs, False)


def _fail_json(self, **kwargs):  # pylint: disable=unused-argument
    raise ModuleExit(kwargs, True)


def run_module(main, args, monkeypatch):
    """The result of one module run; ``result.failed`` tells how it ended, ``result.result['warnings']`` what it warned."""
    warnings = []
    monkeypatch.setattr(basic.AnsibleModule, "exit_json", _exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", _fail_json)
    monkeypatch.setattr(basic.AnsibleModule, "warn", lambda self, warning, *a, **kw: warnings.append(warning))
    with patch_module_args(dict(args, _ansible_remote_tmp="/tmp", _ansible_keep_remote_files=False)):
        try:
            main()
        except ModuleExit as exc:
            exc.result.setdefault("warnings", warnings)
            return exc
    raise AssertionError("the module returned without exit_json or fail_json")


def scripted_vendor(monkeypatch, answers):
    """Every HTTP request any module makes is answered from ``answers`` in order (a ScriptedSession that records the
    calls); an unexpected request fails the test.  Give the module retry_max_delay 0 so that retries do not wait."""
    import requests

    from ansible_collections.emailsec.tracking.tests.unit.plugins.module_utils.helpers import ScriptedSession

    session = ScriptedSession(answers)
    monkeypatch.setattr(requests.Session, "request", lambda self, *args, **kwargs: session(*args, **kwargs))
    return session


def sample(name):
    """The body of a captured vendor payload in tests/unit/fixtures/real-samples."""
    import os

    path = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "real-samples", name)
    with open(path) as handle:
        loaded = json.load(handle)
    return loaded["body"] if isinstance(loaded, dict) and "body" in loaded and "endpoint" in loaded else loaded
