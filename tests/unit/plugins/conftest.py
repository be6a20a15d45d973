# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A sandbox in this process, for module tests that need a vendor to answer (or to count that none was asked)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.emailsec.tracking.tests.sandbox import Sandbox


@pytest.fixture(scope="session")
def sandbox():
    with Sandbox(seed=21, tmes_records=2000, mimecast_records=1000) as running:
        yield running


@pytest.fixture()
def vendor(sandbox):  # pylint: disable=redefined-outer-name
    """The sandbox with cleared faults and counters; ``vendor.requests()`` counts what reached it."""
    sandbox.state.faults.clear()
    sandbox.state.reset_stats()
    sandbox.info = sandbox.describe()
    sandbox.requests = lambda: sandbox.state.stats()["total"]
    yield sandbox
    sandbox.state.faults.clear()
