# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import datetime
import hashlib
import json
import os
import random
import tempfile
import threading
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.emailsec.tracking.plugins.module_utils._http import ApiError
from ansible_collections.emailsec.tracking.plugins.module_utils._matching import TMES_FIELDS, Matcher, Query
from ansible_collections.emailsec.tracking.plugins.module_utils._paging import (
    MAX_SLICES, FileSink, MemorySink, Page, Pipeline, RecentKeys, Slice, decode_resume, encode_resume, is_resume_token, run,
)
from ansible_collections.emailsec.tracking.plugins.module_utils._timewindow import Window, format_iso

UTC = datetime.timezone.utc
T0 = datetime.datetime(2026, 11, 22, tzinfo=UTC)


def key(record):
    return record.get("mailID")


class FakeVendor:
    """Records at integer seconds after T0, paged by ``page_size`` with tokens 'p<offset>'."""

    def __init__(self, records, page_size=3, fail_on=None, fail_times=None):
        self.records = records
        self.page_size = page_size
        self.fail_on = fail_on or set()
        self.fail_times = fail_times
        self.calls = []
        self._lock = threading.Lock()

    def fetch(self, spec, stop):
        inside = [r for r in self.records if spec.window.start <= T0 + datetime.timedelta(seconds=r["t"]) <= spec.window.end]
        offset = int(spec.token[1:]) if spec.token else 0
        while True:
            with self._lock:
                self.calls.append((spec.window.start, spec.token if offset == 0 and spec.token else "p%d" % offset))
            if (spec.window.start, offset) in self.fail_on:
                raise ApiError("read", "HTTP 503 (server error)", status=503)
            chunk = inside[offset:offset + self.page_size]
            nxt = offset + self.page_size
            token_used = None if offset == 0 else "p%d" % offset
            yield Page(chunk, token_used, "p%d" % nxt if nxt < len(inside) else None)
            if nxt >= len(inside):
                return
            offset = nxt


def make_records(n, seconds=100):
    return [{"mailID": "m%03d" % i, "t": i * seconds // n, "subject": "hello %d" % i} for i in range(n)]


def whole(seconds=100):
    return Window(T0, T0 + datetime.timedelta(seconds=seconds))


def collect(vendor, slices, **kwargs):
    sink = kwargs.pop("sink", None) or MemorySink()
    pipeline = kwargs.pop("pipeline", None) or Pipeline(key)
    return run(slices, vendor.fetch, pipeline, sink, **kwargs)


def test_every_record_once_in_order():
    records = make_records(40)
    outcome = collect(FakeVendor(records), [Slice(whole())])
    assert outcome.records == records and outcome.count == 40 and outcome.pages == 14
    assert outcome.next_token is None and outcome.partial is False


@pytest.mark.parametrize("concurrency, count", [(1, 1), (1, 8), (4, 8), (8, 32), (16, 64)])
def test_concurrency_and_slicing_do_not_change_the_result(concurrency, count):
    records = make_records(200)
    reference = collect(FakeVendor(records), [Slice(whole())]).records
    slices = [Slice(w) for w in whole().slices(count=count, step=datetime.timedelta(seconds=1))]
    outcome = collect(FakeVendor(records), slices, concurrency=concurrency)
    assert outcome.records == reference


def test_duplicates_at_page_and_slice_edges_are_removed():
    records = make_records(30)
    dupes = records[:10] + [records[9]] + records[10:20] + [records[19], records[20]] + records[20:]
    outcome = collect(FakeVendor(dupes), [Slice(whole())])
    assert outcome.records == records


@pytest.mark.parametrize("concurrency", [1, 4])
@pytest.mark.parametrize("limit", [1, 2, 3, 7, 29, 30, 31])
def test_max_records_then_resume_gives_exactly_the_rest(concurrency, limit):
    records = make_records(30)
    slices = [Slice(w) for w in whole().slices(count=4, step=datetime.timedelta(seconds=1))]
    first = collect(FakeVendor(records), slices, max_records=limit, concurrency=concurrency)
    assert first.records == records[:limit]
    if limit >= 30:
        assert first.next_token is None or collect(FakeVendor(records), decode_resume(first.next_token)).records == []
        return
    assert is_resume_token(first.next_token)
    rest = collect(FakeVendor(records), decode_resume(first.next_token), concurrency=concurrency)
    assert first.records + rest.records == records


def test_max_records_counts_matching_records_only():
    records = make_records(30)
    pipeline = Pipeline(key, Matcher(TMES_FIELDS, subject="hello 1"))  # hello 1, 10..19
    first = collect(FakeVendor(records), [Slice(whole())], pipeline=pipeline, max_records=4)
    assert [r["subject"] for r in first.records] == ["hello 1", "hello 10", "hello 11", "hello 12"]
    rest = collect(FakeVendor(records), decode_resume(first.next_token), pipeline=pipeline)
    assert [r["subject"] for r in rest.records] == ["hello %d" % i for i in range(13, 20)]


def test_query_is_applied_per_record():
    records = make_records(10)
    pipeline = Pipeline(key, None, Query("[?t > `50`].mailID"))
    outcome = collect(FakeVendor(records), [Slice(whole())], pipeline=pipeline)
    assert outcome.records == [r["mailID"] for r in records if r["t"] > 50]


def test_failure_without_partial_raises_and_writes_nothing(tmp_path):
    records = make_records(30)
    dest = tmp_path / "out.jsonl"
    vendor = FakeVendor(records, fail_on={(T0, 6)})
    with pytest.raises(ApiError):
        collect(vendor, [Slice(whole())], sink=FileSink(str(dest)))
    assert os.listdir(str(tmp_path)) == []


@pytest.mark.parametrize("concurrency", [1, 4])
def test_partial_results_list_what_is_missing_and_resume_fetches_it(concurrency):
    records = make_records(40)
    slices = [Slice(w) for w in whole().slices(count=4, step=datetime.timedelta(seconds=1))]
    failing = {(slices[1].window.start, 3)}  # the second page of the second slice
    outcome = collect(FakeVendor(records, fail_on=failing), slices, allow_partial=True, concurrency=concurrency)
    assert outcome.partial is True and len(outcome.missing) == 1
    assert outcome.missing[0]["start"] == slices[1].window.as_dict()["start"]
    assert "HTTP 503" in outcome.missing[0]["error"]
    rest = collect(FakeVendor(records), decode_resume(outcome.next_token))
    assert sorted(r["mailID"] for r in outcome.records + rest.records) == [r["mailID"] for r in records]
    assert len(outcome.records) + len(rest.records) == 40


def test_file_sink_writes_json_lines_with_its_digest(tmp_path):
    records = make_records(25)
    dest = tmp_path / "out.jsonl"
    outcome = collect(FakeVendor(records), [Slice(whole())], sink=FileSink(str(dest)))
    data = dest.read_bytes()
    assert [json.loads(line) for line in data.decode().splitlines()] == records
    assert outcome.file_info == {"dest": str(dest), "sha256": hashlib.sha256(data).hexdigest(), "written": True,
                                 "changed": True}
    assert outcome.records is None and outcome.count == 25
    assert oct(os.stat(str(dest)).st_mode & 0o777) == oct(0o600)
    # the same records again: the file is left as it is, and nothing changed
    before = os.stat(str(dest)).st_mtime_ns
    again = collect(FakeVendor(records), [Slice(whole())], sink=FileSink(str(dest)))
    assert again.file_info["changed"] is False and again.file_info["written"] is False
    assert os.stat(str(dest)).st_mtime_ns == before and os.listdir(str(tmp_path)) == ["out.jsonl"]
    # only the mode differs: changed, content untouched
    moved = collect(FakeVendor(records), [Slice(whole())], sink=FileSink(str(dest), mode=0o640))
    assert moved.file_info["changed"] is True and oct(os.stat(str(dest)).st_mode & 0o777) == oct(0o640)
    assert dest.read_bytes() == data


def test_file_sink_writes_before_the_run_ends(tmp_path):
    dest = tmp_path / "out.jsonl"
    sink = FileSink(str(dest))
    seen = []

    def fetch(spec, stop):
        yield Page(make_records(5))
        sink._file.flush()  # pylint: disable=protected-access
        seen.append(sum(1 for name in os.listdir(str(tmp_path)) for dummy in open(os.path.join(str(tmp_path), name))))
        yield Page([{"mailID": "late", "t": 1}])

    run([Slice(whole())], fetch, Pipeline(key), sink)
    assert seen == [5]  # the first page was on disk while the second was being fetched
    assert len(dest.read_text().splitlines()) == 6


def test_resume_token_round_trip_and_garbage():
    later = whole().end + datetime.timedelta(milliseconds=1)
    slices = [Slice(whole(), "tok+/=", 3), Slice(Window(later, later))]
    token = encode_resume(slices, "q1")
    back = decode_resume(token, "q1")
    assert [(s.window, s.token, s.skip) for s in back] == [(s.window, s.token, s.skip) for s in slices]
    for bad in ("esr1.", "esr1.!!!!", "esr1." + "e30", "esr1.W10"):
        with pytest.raises(ValueError) as info:
            decode_resume(bad)
        assert "next_token" in str(info.value) or "nothing to resume" in str(info.value)


def crafted(items, binding="q1"):
    raw = json.dumps({"b": binding, "p": items}).encode()
    return "esr1." + base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize("items, message", [
    ([{"s": "2026-11-22T02:00:00Z", "e": "2026-11-22T01:00:00Z", "t": None, "k": 0}], "not a resume token"),
    ([{"s": "2026-11-22T01:00:00Z", "e": "2026-11-22T02:00:00Z", "t": None, "k": 0},
      {"s": "2026-11-22T01:30:00Z", "e": "2026-11-22T03:00:00Z", "t": None, "k": 0}], "not a resume token"),
    ([{"s": "2026-11-22T01:00:00Z", "e": "2026-11-22T02:00:00Z", "t": None, "k": float("inf")}], "not a resume"),
    ([{"s": "2026-11-22T01:00:00Z", "e": "2026-11-22T02:00:00Z", "t": None, "k": -1}], "not a resume token"),
    ([{"s": "-99999999999w", "e": "2026-11-22T02:00:00Z", "t": None, "k": 0}], "not a resume token"),
    ([{"s": "2026-11-22T01:00:00Z", "e": "2026-11-22T02:00:00Z", "t": 5, "k": 0}], "not a resume token"),
])
def test_crafted_resume_tokens_are_checked_like_fresh_input(items, message):
    with pytest.raises(ValueError) as info:
        decode_resume(crafted(items), "q1")
    assert message in str(info.value)


def test_a_resume_token_works_only_for_its_module_and_query():
    token = encode_resume([Slice(whole())], "q1")
    with pytest.raises(ValueError) as info:
        decode_resume(token, "q2")
    assert "another module or another query" in str(info.value)


def test_a_resume_token_with_too_many_parts_is_refused():
    items = [{"s": format_iso(T0 + datetime.timedelta(seconds=2 * k)),
              "e": format_iso(T0 + datetime.timedelta(seconds=2 * k + 1)), "t": None, "k": 0}
             for k in range(MAX_SLICES + 1)]
    with pytest.raises(ValueError):
        decode_resume(crafted(items), "q1")


def test_recent_keys_forget_the_oldest():
    recent = RecentKeys(limit=3)
    assert [recent.seen(k) for k in "abca"] == [False, False, False, True]
    recent.seen("d")
    recent.seen("e")
    assert recent.seen("a") is False and recent.seen(None) is False


def records_resent(page_sizes, duplicate_positions):
    """As many records as the pages hold, and the stream the vendor sends: each record at a given position sent
    twice in a row."""
    total = sum(page_sizes)
    records = make_records(total) if total else []
    stream = list(records)
    for pos in sorted(set(p for p in duplicate_positions if p < len(stream)), reverse=True):
        stream.insert(pos + 1, stream[pos])
    return records, stream


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=5), min_size=1, max_size=30),
       st.lists(st.integers(min_value=0, max_value=200), max_size=30), st.integers(min_value=1, max_value=8),
       st.integers(min_value=1, max_value=4))
def test_any_paging_collects_the_set_once(page_sizes, duplicate_positions, slice_count, concurrency):
    # pages of the given sizes (zeros are empty pages), duplicates re-sent at page edges
    records, stream = records_resent(page_sizes, duplicate_positions)

    def fetch(spec, stop):
        inside = [r for r in stream if spec.window.start <= T0 + datetime.timedelta(seconds=r["t"]) <= spec.window.end]
        cursor = 0
        for size in page_sizes:
            yield Page(inside[cursor:cursor + size])
            cursor += size
        if cursor < len(inside):
            yield Page(inside[cursor:])

    slices = [Slice(w) for w in whole().slices(count=slice_count, step=datetime.timedelta(seconds=1))]
    outcome = run(slices, fetch, Pipeline(key), MemorySink(), concurrency=concurrency)
    assert outcome.records == records


@settings(max_examples=120, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=5), min_size=1, max_size=20),
       st.lists(st.integers(min_value=0, max_value=100), max_size=20), st.integers(min_value=1, max_value=8),
       st.integers(min_value=1, max_value=4), st.integers(min_value=1, max_value=40))
def test_any_paging_to_a_file_with_a_limit_then_resume_gives_the_set_once(
        page_sizes, duplicate_positions, slice_count, concurrency, limit):
    """Duplicates at page and part edges, several parts spilled while they wait, max_records: each run's file holds
    the next records exactly once, and resuming from its token until none is left gives every record, in order.

    A record the vendor sends again just after the point where a run stopped comes again in the next run (a resumed
    run cannot know the keys of the run before it): so the runs together give each record once after their repeats
    across a resume point are removed, and never lose or reorder one."""
    records, stream = records_resent(page_sizes, duplicate_positions)

    def fetch(spec, stop):
        # the pages of a part are fixed, as a vendor's are: a token names one page, whichever run asks for it
        inside = [r for r in stream if spec.window.start <= T0 + datetime.timedelta(seconds=r["t"]) <= spec.window.end]
        pages, cursor = [], 0
        for size in page_sizes:
            pages.append(inside[cursor:cursor + size])
            cursor += size
        if cursor < len(inside):
            pages.append(inside[cursor:])
        first = int(spec.token[1:]) if spec.token else 0
        for number in range(first, len(pages)):
            # each record's text as the vendor wrote it, told apart from an encoding by a space after each colon
            yield Page(pages[number], "p%d" % number if number else None,
                       "p%d" % (number + 1) if number + 1 < len(pages) else None, [sent(r) for r in pages[number]])

    def sent(record):
        return json.dumps(record, separators=(",", ": "))

    with tempfile.TemporaryDirectory() as tmp:
        slices = [Slice(w) for w in whole().slices(count=slice_count, step=datetime.timedelta(seconds=1))]
        got = []
        for dummy in range(len(stream) + 2):  # a repeat across a resume point can take a run of its own
            dest = os.path.join(tmp, "out.jsonl")
            outcome = run(slices, fetch, Pipeline(key), FileSink(dest), max_records=limit, concurrency=concurrency,
                          spill_dir=tmp)
            with open(dest, encoding="utf-8") as handle:
                texts = handle.read().splitlines()
            lines = [json.loads(text) for text in texts]
            assert texts == [sent(r) for r in lines]  # each line the text of its own record, as sent
            assert len(lines) == outcome.count <= limit
            assert len({r["mailID"] for r in lines}) == len(lines)
            got += lines
            if outcome.next_token is None:
                break
            slices = decode_resume(outcome.next_token)
        once = list({r["mailID"]: r for r in got}.values())
        assert once == records
        assert len(got) - len(once) <= len(duplicate_positions)


@pytest.mark.parametrize("concurrency", [1, 2, 4])
def test_a_copy_that_does_not_match_hides_its_repeat_whatever_the_concurrency(tmp_path, concurrency):
    """In order, a record's key counts as seen before it is matched: the vendor's second copy of m1 (which now
    matches) is a repeat. Concurrent parts must give the same, inside a part as in order."""
    stream = [{"mailID": "m0", "t": 10, "keep": True}, {"mailID": "m1", "t": 20, "keep": False},
              {"mailID": "m1", "t": 20, "keep": True}, {"mailID": "m2", "t": 80, "keep": True}]

    def fetch(spec, stop):
        inside = [r for r in stream if spec.window.start <= T0 + datetime.timedelta(seconds=r["t"]) <= spec.window.end]
        yield Page(inside[:2], None, "p1" if len(inside) > 2 else None)
        if len(inside) > 2:
            yield Page(inside[2:], "p1", None)

    class Matching(Pipeline):
        def run(self, record, key=None):
            return [record] if record["keep"] else []

    slices = [Slice(w) for w in whole().slices(count=2, step=datetime.timedelta(seconds=1))]
    outcome = run(slices, fetch, Matching(key), FileSink(str(tmp_path / "out.jsonl")), concurrency=concurrency,
                  spill_dir=str(tmp_path))
    assert [json.loads(line)["mailID"] for line in (tmp_path / "out.jsonl").read_text().splitlines()] == ["m0", "m2"]
    assert outcome.count == 2


@pytest.mark.parametrize("limit", [None, 17])
def test_concurrent_run_to_a_file_spills_each_slice_once_and_matches(tmp_path, limit):
    records = make_records(120)
    dupes = records[:50] + [records[49]] + records[50:]
    slices = [Slice(w) for w in whole().slices(count=12, step=datetime.timedelta(seconds=1))]
    dest = tmp_path / "out.jsonl"
    spill = tmp_path / "spill"
    spill.mkdir()
    outcome = run(slices, FakeVendor(dupes).fetch, Pipeline(key), FileSink(str(dest)), max_records=limit,
                  concurrency=4, spill_dir=str(spill))
    expected = records[:limit] if limit else records
    assert [json.loads(line) for line in dest.read_text().splitlines()] == expected
    assert outcome.count == len(expected)
    assert os.listdir(str(spill)) == []  # spill files are anonymous and gone
    if limit:
        rest = collect(FakeVendor(records), decode_resume(outcome.next_token))
        assert expected + rest.records == records


def test_file_sink_in_check_mode_counts_and_hashes_but_writes_nothing(tmp_path):
    records = make_records(25)
    dest = tmp_path / "out.jsonl"
    outcome = collect(FakeVendor(records), [Slice(whole())], sink=FileSink(str(dest), dry_run=True))
    expected = "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in records).encode()
    assert outcome.file_info == {"dest": str(dest), "sha256": hashlib.sha256(expected).hexdigest(), "written": False,
                                 "changed": True}
    assert outcome.count == 25 and os.listdir(str(tmp_path)) == []


def test_file_sink_in_check_mode_writes_no_temporary_file_while_it_runs(tmp_path):
    dest = tmp_path / "out.jsonl"
    sink = FileSink(str(dest), dry_run=True)
    seen = []

    def fetch(spec, stop):
        yield Page(make_records(5))
        seen.append(sorted(os.listdir(str(tmp_path))))
        yield Page([{"mailID": "late", "t": 1}])

    run([Slice(whole())], fetch, Pipeline(key), sink)
    assert seen == [[]] and os.listdir(str(tmp_path)) == []


# -- the record hot path: a page at a time ------------------------------------------------------------------------
def test_recent_keys_take_a_page_of_keys_in_one_call():
    recent = RecentKeys(limit=4)
    assert recent.fresh(["a", "b", "a", None, "c", None]) == [0, 1, 3, 4, 5]  # a repeat within the page is seen
    assert recent.fresh(["c", "d", "e"]) == [1, 2]
    assert len(recent._keys) == len(recent._order) == 4  # pylint: disable=protected-access
    assert recent.fresh(["a"]) == [0]  # the oldest was forgotten
    assert recent.seen("e") is True and recent.seen("b") is False


def test_keys_that_cannot_be_hashed_are_compared_by_their_json():
    recent = RecentKeys()
    keys = [("m1", ["x"]), ("m1", ["x"]), ("m2", {"a": 1}), ("m1", ["y"])]
    assert recent.fresh(keys) == [0, 2, 3]
    assert recent.seen(("m2", {"a": 1})) is True and recent.seen(("m3", [])) is False


def tuple_key(record):
    return (record.get("mailID"), record.get("tags"))


@pytest.mark.parametrize("concurrency", [1, 4])
def test_tuple_keys_with_lists_inside_are_de_duplicated_at_every_edge(tmp_path, concurrency):
    records = [dict(r, tags=[r["mailID"], "x"]) for r in make_records(60)]
    dupes = records[:20] + [records[19]] + records[20:40] + [records[39], records[39]] + records[40:]
    slices = [Slice(w) for w in whole().slices(count=6, step=datetime.timedelta(seconds=1))]
    dest = tmp_path / "out.jsonl"
    outcome = run(slices, FakeVendor(dupes, page_size=7).fetch, Pipeline(tuple_key), FileSink(str(dest)),
                  concurrency=concurrency, spill_dir=str(tmp_path))
    assert [json.loads(line) for line in dest.read_text().splitlines()] == records and outcome.count == 60


def test_a_limit_within_a_page_leaves_the_rest_unread():
    records = make_records(6)
    recent = RecentKeys()
    pipeline = Pipeline(key, Matcher(TMES_FIELDS, subject="hello"))
    indexes, keys, outputs, counts = pipeline.select(records, 0, recent, limit=2)
    assert list(indexes) == [0, 1] and keys == ["m000", "m001"] and [len(o) for o in outputs] == counts == [1, 1]
    # reading on from the cut finds the rest: the records after it were not remembered as seen
    indexes, keys, outputs, counts = pipeline.select(records, 2, recent)
    assert list(indexes) == [2, 3, 4, 5] and keys == ["m%03d" % i for i in range(2, 6)]
    plain = Pipeline(key)
    fresh = RecentKeys()
    assert list(plain.select(records, 1, fresh, limit=3)[0]) == [1, 2, 3]
    assert list(plain.select(records, 4, fresh)[0]) == [4, 5]


@pytest.mark.parametrize("concurrency, limit", [(1, None), (4, None), (4, 13), (1, 13)])
def test_several_outputs_a_record_go_through_the_spill_files_whole(tmp_path, concurrency, limit):
    records = make_records(40)
    pipeline = Pipeline(key, None, Query("[].[mailID, subject][]"))  # two outputs a record
    slices = [Slice(w) for w in whole().slices(count=8, step=datetime.timedelta(seconds=1))]
    dest = tmp_path / "out.jsonl"
    outcome = run(slices, FakeVendor(records + records[-3:]).fetch, pipeline, FileSink(str(dest)),
                  max_records=limit, concurrency=concurrency, spill_dir=str(tmp_path))
    kept = records[:limit] if limit else records
    expected = [value for r in kept for value in (r["mailID"], r["subject"])]
    assert [json.loads(line) for line in dest.read_text().splitlines()] == expected
    assert outcome.count == len(expected)  # outputs counted; max_records counts records
    if limit:
        rest = collect(FakeVendor(records), decode_resume(outcome.next_token), pipeline=pipeline)
        assert rest.records == [value for r in records[limit:] for value in (r["mailID"], r["subject"])]


def test_a_pipeline_of_its_own_gets_the_identity_built_once():
    calls = []

    def counted(record):
        calls.append(record["mailID"])
        return record["mailID"]

    class Tagging(Pipeline):
        def run(self, record, key=None):
            return [dict(record, key=key)]

    records = make_records(30)
    outcome = collect(FakeVendor(records), [Slice(whole())], pipeline=Tagging(counted))
    assert [r["key"] for r in outcome.records] == [r["mailID"] for r in records]
    assert sorted(calls) == sorted(r["mailID"] for r in records)  # one key a record read, none twice


def test_the_vendor_keys_give_a_cheap_identity_and_keep_their_text():
    from ansible_collections.emailsec.tracking.plugins.module_utils import _mimecast, _mimecast_ttp, _tmes

    log = {"mailID": "m1", "recipient": "a@x.example", "action": "Delivered", "genTime": "g", "timestamp": "t"}
    assert Pipeline(_tmes.record_key).key is _tmes.record_identity
    assert _tmes.record_identity(log) == ("m1", "a@x.example", "Delivered", "g", "t")
    assert _tmes.record_key(log) == "m1\x1fa@x.example\x1fDelivered\x1fg\x1ft"  # the event sources' identity
    assert _tmes.record_key(dict(log, recipient=None, mailID=["x"])) == "['x']\x1fNone\x1fDelivered\x1fg\x1ft"
    assert _tmes.record_identity({"recipient": "a"}) is None and _tmes.record_identity([]) is None
    assert Pipeline(_mimecast.record_key).key is _mimecast.record_identity
    assert _mimecast.record_identity({"id": "abc"}) == "abc" and _mimecast.record_key({"id": 5}) == "5"
    click = _mimecast_ttp.row_key("url")
    row = {"date": "2026-11-01T00:00:00+0000", "userEmailAddress": "u@x.example", "url": "https://a.example/",
           "messageId": "<m@x>", "creationMethod": "User Click", "subject": "ignored"}
    assert click(row) == ("2026-11-01T00:00:00+0000", "u@x.example", "https://a.example/", "<m@x>", "User Click")
    assert click({"subject": "only"}) is None and click("row") is None


def test_clickers_keep_first_and_last_click_and_bounded_identities():
    from ansible_collections.emailsec.tracking.plugins.module_utils._mimecast_ttp import Clickers, row_key
    from ansible_collections.emailsec.tracking.plugins.module_utils._paging import RECENT_KEYS

    clickers = Clickers()
    click = row_key("url")
    total = RECENT_KEYS + 5000
    for n in range(total):
        row = {"userEmailAddress": "U@x.example", "date": "2026-11-%02dT00:00:%02d+0000" % (1 + n % 28, n % 60),
               "url": "https://a.example/%d" % (n % 3), "creationMethod": "User Click", "messageId": "<%d@x>" % n}
        clickers.add(click(row), row)
        if n == total - 1:
            clickers.add(click(row), row)  # the same row again: one click
    user = clickers.users()[0]
    assert user["clicks"] == total and user["user"] == "u@x.example"
    assert user["first_click"] == "2026-11-01T00:00:00.000Z" and user["last_click"] == "2026-11-28T00:00:59.000Z"
    assert len(clickers._seen._keys) <= RECENT_KEYS  # pylint: disable=protected-access


def test_clickers_keep_the_urls_first_clicked_whatever_the_order_and_say_there_were_more():
    from ansible_collections.emailsec.tracking.plugins.module_utils._mimecast_ttp import (
        MAX_USER_URLS, Clickers, row_key)

    click = row_key("url")
    # 30 URLs, each clicked three times a few hours apart; URL n first at hour n (two share hour 7: by URL);
    # a URL whose clicks lack a time sorts after every timed one
    rows = []
    for n in range(30):
        hour = 7 if n == 8 else 19 if n == 20 else n  # two ties: inside the kept URLs, and at the cut-off
        for again in range(3):
            rows.append({"userEmailAddress": "u@x.example", "url": "https://a.example/%02d" % n,
                         "date": "2026-11-%02dT%02d:00:00+0000" % (2 + again, hour), "creationMethod": "User Click",
                         "messageId": "<%d.%d@x>" % (n, again)})
    rows.append({"userEmailAddress": "u@x.example", "url": "https://a.example/no-time",
                 "creationMethod": "User Click", "messageId": "<t@x>"})
    outputs = []
    for seed in range(20):
        shuffled = list(rows)
        random.Random(seed).shuffle(shuffled)
        clickers = Clickers()
        for row in shuffled:
            clickers.add(click(row), row)
        outputs.append(clickers.users())
    user = outputs[0][0]
    assert all(out == outputs[0] for out in outputs), "the kept URLs depend on the order rows arrive in"
    expected = ["https://a.example/%02d" % n for n in (0, 1, 2, 3, 4, 5, 6, 7, 8)] + \
        ["https://a.example/%02d" % n for n in range(9, 9 + MAX_USER_URLS - 9)]
    assert user["urls"] == expected and len(user["urls"]) == MAX_USER_URLS == 20
    assert user["urls"][-1] == "https://a.example/19"  # 20 was first clicked at the same time: dropped by URL
    assert user["urls_truncated"] is True and user["clicks"] == len(rows)
    # as many URLs as the bound, or fewer: all of them, nothing truncated
    clickers = Clickers()
    for row in rows:
        if row["url"] < "https://a.example/%02d" % MAX_USER_URLS:
            clickers.add(click(row), row)
    user = clickers.users()[0]
    assert user["urls"] == ["https://a.example/%02d" % n for n in (0, 1, 2, 3, 4, 5, 6, 7, 8)] + \
        ["https://a.example/%02d" % n for n in range(9, MAX_USER_URLS)]
    assert user["urls_truncated"] is False


@pytest.mark.parametrize("value, expected", [
    ("2021-10-16T14:45:34+0000", "2021-10-16T14:45:34+00:00"),
    (" 2021-10-16T14:45:34+0000 ", "2021-10-16T14:45:34+00:00"),
    ("2021-10-16T14:45:34+0130", "2021-10-16T13:15:34+00:00"),
    ("2021-10-16T00:15:34-0530", "2021-10-16T05:45:34+00:00"),
    ("2024-02-29T23:59:59+0000", "2024-02-29T23:59:59+00:00"),
    ("2023-02-29T10:00:00+0000", None),  # no such day
    ("2021-10-16T24:00:00+0000", None),
    ("2021-10-16 14:45:34+0000", None),
    ("2021-10-16T14:45:34Z", "2021-10-16T14:45:34+00:00"),  # another form: strptime reads it
    ("2021-1-16T14:45:34+00000", None),
    ("2021-10-16T14:4_:34+0000", None),
    ("2021-10-16T14:45:34+2400", None), ("2021-10-16T14:45:34-0060", None),  # offsets strptime refuses
    ("", None), (None, None), (1634395534, None),
])
@pytest.mark.parametrize("by_position", [False, True])  # the C ISO parser (3.11 and newer), or by position
def test_row_times_read_by_position_agree_with_strptime(value, expected, by_position):
    from ansible_collections.emailsec.tracking.plugins.module_utils import _mimecast_ttp

    with mock.patch.object(_mimecast_ttp, "_FROM_ISO", None if by_position else _mimecast_ttp._FROM_ISO):
        moment = _mimecast_ttp.parse_row_time(value)
    assert (moment.isoformat() if moment else None) == expected
    if isinstance(value, str):
        try:
            slow = datetime.datetime.strptime(value.strip(), "%Y-%m-%dT%H:%M:%S%z").astimezone(datetime.timezone.utc)
        except ValueError:
            slow = None
        assert moment == slow


@settings(max_examples=300, deadline=None)
@given(st.datetimes(min_value=datetime.datetime(1971, 1, 1), max_value=datetime.datetime(9998, 12, 31)),
       st.integers(min_value=-9999, max_value=9999))
def test_any_row_time_in_the_captured_form_reads_as_strptime_reads_it(moment, offset):
    from ansible_collections.emailsec.tracking.plugins.module_utils import _mimecast_ttp

    text = moment.strftime("%Y-%m-%dT%H:%M:%S") + "%s%04d" % ("-" if offset < 0 else "+", abs(offset))
    try:
        slow = datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S%z").astimezone(datetime.timezone.utc)
    except ValueError:  # minutes above 59, or hours above 23, in the offset
        slow = None
    assert _mimecast_ttp.parse_row_time(text) == slow
    # the reading by position, which Pythons before 3.11 use
    with mock.patch.object(_mimecast_ttp, "_FROM_ISO", None):
        assert _mimecast_ttp.parse_row_time(text) == slow


@pytest.mark.parametrize("query", [None, "[].[mailID, subject][]"])
@pytest.mark.parametrize("limit", [None, 25])
def test_records_a_slice_sends_again_from_the_slice_before_are_dropped_in_the_merge(tmp_path, query, limit):
    records = make_records(60)

    def overlapping(spec, stop):  # each slice also sends the last two seconds of the slice before
        inside = [r for r in records if spec.window.start - datetime.timedelta(seconds=2) <=
                  T0 + datetime.timedelta(seconds=r["t"]) <= spec.window.end]
        for at in range(0, len(inside), 4):
            yield Page(inside[at:at + 4], "p%d" % at if at else None)

    slices = [Slice(w) for w in whole().slices(count=6, step=datetime.timedelta(seconds=1))]
    dest = tmp_path / "out.jsonl"
    pipeline = Pipeline(tuple_key, None, Query(query))
    outcome = run(slices, overlapping, pipeline, FileSink(str(dest)), concurrency=3, spill_dir=str(tmp_path),
                  max_records=limit)
    kept = records[:limit] if limit else records
    expected = kept if not query else [value for r in kept for value in (r["mailID"], r["subject"])]
    assert [json.loads(line) for line in dest.read_text().splitlines()] == expected
    assert outcome.file_info["sha256"] == hashlib.sha256(dest.read_bytes()).hexdigest()


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES)
def test_the_record_encoder_made_once_writes_what_json_dumps_writes(value):
    from ansible_collections.emailsec.tracking.plugins.module_utils._paging import _ENCODE

    assert _ENCODE(value) == json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def test_the_record_encoder_refuses_what_json_cannot_hold():
    from ansible_collections.emailsec.tracking.plugins.module_utils._paging import _ENCODE

    with pytest.raises(TypeError, match="not JSON serializable"):
        _ENCODE({"a": [object()]})
    with pytest.raises(TypeError):
        _ENCODE({("a", "b"): 1})


def test_without_the_c_encoder_the_standard_call_is_used(monkeypatch):
    from ansible_collections.emailsec.tracking.plugins.module_utils import _paging

    assert getattr(_paging._ENCODE, "__self__", None) is None  # pylint: disable=protected-access
    monkeypatch.setattr(json.encoder, "c_make_encoder", None)
    encode = _paging._record_encoder()  # pylint: disable=protected-access
    assert getattr(encode, "__self__", None).__class__ is json.JSONEncoder
    assert encode({"a": [1, "é"]}) == '{"a":[1,"é"]}'


class TextVendor(FakeVendor):
    """Pages that carry each record's text as the vendor wrote it: with a space after each colon, so that a line
    written as sent is told apart from one encoded again; a record with "esc" in its subject has no text."""

    def fetch(self, spec, stop):
        for page in FakeVendor.fetch(self, spec, stop):
            page.lines = [None if "esc" in r["subject"] else json.dumps(r, separators=(",", ": ")) for r in page.records]
            yield page


def _esc_records(n):
    records = make_records(n)
    for record in records[::5]:
        record["subject"] = "esc \u00e9"
    return records


@pytest.mark.parametrize("concurrency", [1, 3])
def test_records_kept_whole_are_written_as_the_vendor_sent_them(tmp_path, concurrency):
    records = _esc_records(40)
    dest = tmp_path / "out.jsonl"
    slices = [Slice(w) for w in whole().slices(count=6, step=datetime.timedelta(seconds=1))]
    outcome = run(slices, TextVendor(records + records[:4]).fetch, Pipeline(key), FileSink(str(dest)),
                  concurrency=concurrency, spill_dir=str(tmp_path))
    lines = dest.read_bytes().decode("utf-8").splitlines()
    assert [json.loads(line) for line in lines] == records and outcome.count == 40
    for record, line in zip(records, lines):
        if "esc" in record["subject"]:
            assert line == json.dumps(record, separators=(",", ":"), ensure_ascii=False)  # encoded: no text given
        else:
            assert line == json.dumps(record, separators=(",", ": "))  # as sent


def test_matched_records_are_written_as_sent_and_a_query_s_outputs_are_encoded(tmp_path):
    records = _esc_records(30)
    slices = [Slice(w) for w in whole().slices(count=3, step=datetime.timedelta(seconds=1))]
    matching = Pipeline(key, Matcher(TMES_FIELDS, subject="hello 1"))
    dest = tmp_path / "matched.jsonl"
    run(slices, TextVendor(records).fetch, matching, FileSink(str(dest)), concurrency=2, spill_dir=str(tmp_path))
    kept = [r for r in records if "hello 1" in r["subject"]]
    assert kept
    assert dest.read_text(encoding="utf-8").splitlines() == [json.dumps(r, separators=(",", ": ")) for r in kept]
    query = Pipeline(key, None, Query("[].{id: mailID}"))
    dest = tmp_path / "query.jsonl"
    run(slices, TextVendor(records).fetch, query, FileSink(str(dest)), concurrency=2, spill_dir=str(tmp_path))
    assert dest.read_text(encoding="utf-8").splitlines() == ['{"id":"%s"}' % r["mailID"] for r in records]


def test_records_returned_are_the_records_whatever_texts_the_pages_carry():
    records = _esc_records(20)
    outcome = collect(TextVendor(records), [Slice(whole())])
    assert outcome.records == records


def _sink_over(dest, records, **kwargs):
    sink = FileSink(str(dest), **kwargs)
    outcome = collect(FakeVendor(records), [Slice(whole())], sink=sink)
    return outcome.file_info


@pytest.mark.parametrize("old", ["same", "longer", "shorter", "one byte", "empty", "directory"])
def test_the_file_in_place_is_compared_byte_for_byte_while_written(tmp_path, old):
    records = make_records(30)
    dest = tmp_path / "out.jsonl"
    first = _sink_over(dest, records)
    data = dest.read_bytes()
    changed = {"same": data, "longer": data + b'{"x":1}\n', "shorter": data[:-1], "empty": b"",
               "one byte": data[:40] + (b"X" if data[40:41] != b"X" else b"Y") + data[41:]}
    if old == "directory":
        dest.unlink()
        dest.mkdir()
        with pytest.raises(OSError):
            _sink_over(dest, records)
        return
    dest.write_bytes(changed[old])
    for dry_run in (True, False):
        with mock.patch("ansible_collections.emailsec.tracking.plugins.module_utils._paging._file_sha256",
                        side_effect=AssertionError("the file in place was hashed after the run")):
            info = _sink_over(dest, records, dry_run=dry_run)
        assert info["sha256"] == first["sha256"]
        assert info["changed"] is (old != "same")
        assert info["written"] is (old != "same" and not dry_run)
    assert dest.read_bytes() == data


@pytest.mark.parametrize("how", ["replaced by the same bytes", "replaced by others", "touched", "removed"])
def test_a_file_changed_while_the_records_are_written_is_judged_by_its_content_at_the_end(tmp_path, how):
    records = make_records(30)
    dest = tmp_path / "out.jsonl"
    _sink_over(dest, records)
    data = dest.read_bytes()
    sink = FileSink(str(dest))

    class Meddling(FakeVendor):
        def fetch(self, spec, stop):
            for number, page in enumerate(FakeVendor.fetch(self, spec, stop)):
                if number == 2:
                    if how == "removed":
                        dest.unlink()
                    elif how == "touched":
                        os.utime(str(dest), ns=(1, 1))
                    else:
                        other = tmp_path / "other"
                        other.write_bytes(data if how == "replaced by the same bytes" else data[::-1])
                        os.replace(str(other), str(dest))
                yield page

    info = collect(Meddling(records), [Slice(whole())], sink=sink).file_info
    assert info["changed"] is (how not in ("replaced by the same bytes", "touched"))
    assert dest.read_bytes() == data


def test_a_link_in_place_is_replaced_not_followed(tmp_path):
    records = make_records(10)
    target = tmp_path / "target"
    _sink_over(target, records)
    dest = tmp_path / "out.jsonl"
    dest.symlink_to(target)
    info = _sink_over(dest, records)
    assert info["written"] is True and not dest.is_symlink() and target.read_bytes() == dest.read_bytes()


def test_records_removed_from_a_page_after_decoding_are_encoded_not_given_other_records_texts(tmp_path):
    records = make_records(20)

    class Filtering(TextVendor):
        def fetch(self, spec, stop):
            for page in TextVendor.fetch(self, spec, stop):
                page.records[:] = [r for r in page.records if int(r["mailID"][1:]) % 2]  # texts left as they were
                yield page

    dest = tmp_path / "out.jsonl"
    run([Slice(whole())], Filtering(records).fetch, Pipeline(key), FileSink(str(dest)))
    odd = [r for r in records if int(r["mailID"][1:]) % 2]
    assert dest.read_text().splitlines() == [json.dumps(r, separators=(",", ":")) for r in odd]


def test_check_mode_says_changed_when_only_the_mode_would_be_set(tmp_path):
    records = make_records(10)
    dest = tmp_path / "out.jsonl"
    _sink_over(dest, records)
    predicted = _sink_over(dest, records, mode=0o640, dry_run=True)
    assert predicted["changed"] is True and predicted["written"] is False
    assert oct(os.stat(str(dest)).st_mode & 0o777) == oct(0o600)
    assert _sink_over(dest, records, mode=0o640) == predicted
    assert _sink_over(dest, records, mode=0o640, dry_run=True)["changed"] is False


def test_a_fifo_put_in_place_of_the_file_is_never_waited_on(tmp_path, monkeypatch):
    """Between the look at dest and its opening, a FIFO put there would block a plain open for ever."""
    from ansible_collections.emailsec.tracking.plugins.module_utils import _paging

    dest = tmp_path / "out.jsonl"
    dest.write_bytes(b"x\n")
    looked = os.lstat(str(dest))
    dest.unlink()
    os.mkfifo(str(dest))
    monkeypatch.setattr(_paging.os, "lstat", lambda path: looked)  # what was there when it was looked at
    got = []
    opening = threading.Thread(target=lambda: got.append(_paging._open_regular(str(dest))), daemon=True)
    opening.start()
    opening.join(10)
    if opening.is_alive():  # a writer frees the blocked open, so that the test ends
        with open(str(dest), "wb"):
            pass
        opening.join(10)
        pytest.fail("opening the FIFO waited for a writer")
    assert got == [(None, None)]
    monkeypatch.setattr(_paging.os.path, "isfile", lambda path: True)
    monkeypatch.setattr(_paging.os.path, "islink", lambda path: False)
    hashing = threading.Thread(target=lambda: got.append(_paging._file_sha256(str(dest))), daemon=True)
    hashing.start()
    hashing.join(10)
    if hashing.is_alive():
        with open(str(dest), "wb"):
            pass
        hashing.join(10)
        pytest.fail("hashing the FIFO waited for a writer")
    assert got[-1] is None
