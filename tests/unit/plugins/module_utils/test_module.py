# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The run both searches share: a SIGTERM (AWX cancels and times out jobs with it) leaves no file behind."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import os
import signal

from ansible_collections.emailsec.tracking.plugins.module_utils._module import TrackingModule
from ansible_collections.emailsec.tracking.plugins.module_utils._paging import Page, Pipeline, Slice
from ansible_collections.emailsec.tracking.plugins.module_utils._timewindow import Window

UTC = datetime.timezone.utc
WINDOW = Window(datetime.datetime(2026, 11, 22, tzinfo=UTC), datetime.datetime(2026, 11, 22, 1, tzinfo=UTC))


class Host:
    def __init__(self, **params):
        self.params = dict(dict(max_records=None, concurrency=1, allow_partial=False, dest=None, mode=None,
                                query=None), **params)
        self.check_mode = False
        self.warnings = []
        self.ansible_version = "test"

    def warn(self, message):
        self.warnings.append(message)


def test_sigterm_during_a_run_removes_the_temporary_file_and_fails_clearly(tmp_path):
    dest = str(tmp_path / "records.jsonl")
    search = TrackingModule(None, host=Host(dest=dest))
    seen = []

    def fetch(spec, stop):
        yield Page([{"mailID": str(n), "subject": "x"} for n in range(50)], None, "next")
        seen.append(sorted(os.listdir(str(tmp_path))))  # the temporary file is there, with records
        os.kill(os.getpid(), signal.SIGTERM)
        yield Page([{"mailID": "late"}])

    previous = signal.getsignal(signal.SIGTERM)
    result, failure = search.outcome(lambda: search.collect([Slice(WINDOW)], fetch, Pipeline(lambda r: r["mailID"])))
    assert result is None and "stopped by SIGTERM" in failure["msg"]
    assert len(seen) == 1 and len(seen[0]) == 1 and seen[0][0].endswith(".part")
    assert os.listdir(str(tmp_path)) == []
    # the handler of the process is put back
    assert signal.getsignal(signal.SIGTERM) == previous


def test_concurrency_cuts_the_window_into_long_parts_first_then_shorter_ones():
    """Eight workers: eight long parts, eight shorter, eight shorter still, covering the window in order."""
    search = TrackingModule(None, host=Host(concurrency=8))
    search.resolution = datetime.timedelta(seconds=1)
    window = Window(WINDOW.start, WINDOW.start + datetime.timedelta(hours=72))
    parts = [s.window for s in search.slices_for(window)]
    assert len(parts) == 24 and parts[0].start == window.start and parts[-1].end == window.end
    rounds = [[p.end - p.start for p in parts[k:k + 8]] for k in (0, 8, 16)]
    assert min(rounds[0]) > max(rounds[1]) and min(rounds[1]) > max(rounds[2])
    alone = TrackingModule(None, host=Host(concurrency=1))
    alone.resolution = search.resolution
    assert [s.window for s in alone.slices_for(window)] == [window]
