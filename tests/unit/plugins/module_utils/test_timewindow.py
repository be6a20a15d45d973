# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.emailsec.tracking.plugins.module_utils._timewindow import (
    ONE_MS, TimeInputError, Window, format_iso, format_mimecast, format_tmes, parse_duration, parse_time,
    resolve_window,
)

UTC = datetime.timezone.utc
NOW = datetime.datetime(2026, 11, 22, 12, 30, 15, 123456, tzinfo=UTC)


@pytest.mark.parametrize("text, expected", [
    ("2026-11-22T08:00:00Z", datetime.datetime(2026, 11, 22, 8, tzinfo=UTC)),
    ("2026-11-22T08:00:00z", datetime.datetime(2026, 11, 22, 8, tzinfo=UTC)),
    ("2026-11-22T09:30:00+01:30", datetime.datetime(2026, 11, 22, 8, tzinfo=UTC)),
    ("2026-11-22T03:00:00-0500", datetime.datetime(2026, 11, 22, 8, tzinfo=UTC)),
    ("2026-11-22T10:00:00+02", datetime.datetime(2026, 11, 22, 8, tzinfo=UTC)),
    ("2026-11-22T08:00:00", datetime.datetime(2026, 11, 22, 8, tzinfo=UTC)),
    ("2026-11-22 08:00", datetime.datetime(2026, 11, 22, 8, tzinfo=UTC)),
    ("2026-11-22", datetime.datetime(2026, 11, 22, tzinfo=UTC)),
    ("2026-11-22T08:00:00.5Z", datetime.datetime(2026, 11, 22, 8, 0, 0, 500000, tzinfo=UTC)),
    ("2026-11-22T08:00:00.123456789Z", datetime.datetime(2026, 11, 22, 8, 0, 0, 123456, tzinfo=UTC)),
    ("now", NOW),
    (" NOW ", NOW),
    ("-90m", NOW - datetime.timedelta(minutes=90)),
    ("-6h", NOW - datetime.timedelta(hours=6)),
    ("-3d", NOW - datetime.timedelta(days=3)),
    ("-1w", NOW - datetime.timedelta(days=7)),
    ("-30s", NOW - datetime.timedelta(seconds=30)),
    ("-1.5h", NOW - datetime.timedelta(minutes=90)),
])
def test_parse_time_accepts(text, expected):
    assert parse_time(text, "start", NOW) == expected


@pytest.mark.parametrize("text, fragment", [
    ("", "the time is empty"),
    ("yesterday", "is not an ISO 8601 time"),
    ("2026-13-01T00:00:00Z", "is not a valid date or time"),
    ("2026-02-30", "is not a valid date or time"),
    ("2026-11-22T25:00:00Z", "is not a valid date or time"),
    ("2026-11-22T08:00:00 CET", "time zone names are not accepted"),
    ("2026-11-22T08:00:00EST", "time zone names are not accepted"),
    ("2026-11-22T08:00:00+25:00", "is out of range"),
    ("-5y", "unit 'y' in '-5y' is not known"),
    ("-5", "is not a relative time"),
    ("-h", "is not a relative time"),
    ("+5h", "is not an ISO 8601 time"),
])
def test_parse_time_refuses_with_what_to_fix(text, fragment):
    with pytest.raises(TimeInputError) as info:
        parse_time(text, "start", NOW)
    assert fragment in str(info.value)
    assert str(info.value).startswith("start: ")


def test_formats():
    moment = datetime.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    assert format_tmes(moment) == "2026-01-02T03:04:05.678Z"
    assert format_iso(moment) == "2026-01-02T03:04:05.678Z"
    assert format_mimecast(moment) == "2026-01-02T03:04:05+0000"
    offset = moment.astimezone(datetime.timezone(datetime.timedelta(hours=5)))
    assert format_mimecast(offset) == "2026-01-02T03:04:05+0000"


@pytest.mark.parametrize("text, seconds", [("6h", 21600), ("90m", 5400), ("1d", 86400), ("2w", 1209600),
                                           ("1.5h", 5400), ("30 s", 30)])
def test_parse_duration(text, seconds):
    assert parse_duration(text, "slice").total_seconds() == seconds


@pytest.mark.parametrize("text, fragment", [("0h", "longer than zero"), ("6x", "unit 'x'"), ("h", "not a duration"),
                                            ("-6h", "not a duration")])
def test_parse_duration_refuses(text, fragment):
    with pytest.raises(TimeInputError) as info:
        parse_duration(text, "slice")
    assert fragment in str(info.value)


def test_resolve_window_defaults_and_order():
    window = resolve_window(None, None, NOW, datetime.timedelta(hours=1))
    assert window == Window(NOW - datetime.timedelta(hours=1), NOW)
    window = resolve_window("-6h", None, NOW, datetime.timedelta(hours=1))
    assert window.end == NOW and window.start == NOW - datetime.timedelta(hours=6)
    window = resolve_window(None, "-2h", NOW, datetime.timedelta(hours=1))
    assert window.start == NOW - datetime.timedelta(hours=3)
    with pytest.raises(TimeInputError) as info:
        resolve_window("-1h", "-2h", NOW, datetime.timedelta(hours=1))
    assert "end (" in str(info.value) and "is before start" in str(info.value)


def test_slices_by_count_are_consecutive():
    window = Window(NOW - datetime.timedelta(hours=1), NOW)
    parts = window.slices(count=4)
    assert len(parts) == 4
    assert parts[0].start == window.floor().start and parts[-1].end == window.floor().end
    assert window.floor().start == NOW.replace(microsecond=123000) - datetime.timedelta(hours=1)
    for left, right in zip(parts, parts[1:]):
        assert right.start - left.end == ONE_MS


def test_slices_by_size():
    window = Window(datetime.datetime(2026, 1, 1, tzinfo=UTC), datetime.datetime(2026, 1, 2, tzinfo=UTC))
    parts = window.slices(size=datetime.timedelta(hours=6), step=datetime.timedelta(seconds=1))
    assert [p.start.hour for p in parts] == [0, 6, 12, 18]
    assert parts[-1].end == window.end and parts[0].end == datetime.datetime(2026, 1, 1, 5, 59, 59, tzinfo=UTC)


def test_slices_of_a_single_instant():
    window = Window(NOW, NOW)
    assert window.slices(count=8) == [window.floor()]


_times = st.datetimes(min_value=datetime.datetime(2020, 1, 1), max_value=datetime.datetime(2030, 1, 1))


@settings(max_examples=300, deadline=None)
@given(_times, st.integers(min_value=0, max_value=10 * 86400 * 1000), st.integers(min_value=1, max_value=64),
       st.sampled_from([datetime.timedelta(milliseconds=1), datetime.timedelta(seconds=1)]))
def test_slices_cover_the_window_exactly(start, span_ms, count, step):
    window = Window(start.replace(tzinfo=UTC), start.replace(tzinfo=UTC) + datetime.timedelta(milliseconds=span_ms))
    _assert_cover(window, window.slices(count=count, step=step), step)


def _assert_cover(window, parts, step):
    """``parts`` cover ``window`` cut to ``step``, in order, with no gap and no overlap; gives that cut window."""
    cut = window.floor(step)
    assert parts[0].start == cut.start and parts[-1].end == cut.end
    assert cut.start <= window.start < cut.start + step and cut.end <= window.end < cut.end + step
    assert all(p.start <= p.end for p in parts)
    for left, right in zip(parts, parts[1:]):
        assert right.start - left.end == step  # no gap, no overlap at the vendor's resolution
    return cut


@settings(max_examples=200, deadline=None)
@given(_times, st.integers(min_value=0, max_value=30 * 86400), st.integers(min_value=1, max_value=5 * 86400))
def test_slices_by_size_cover_the_window_exactly(start, span_s, size_s):
    start = start.replace(tzinfo=UTC, microsecond=0)
    window = Window(start, start + datetime.timedelta(seconds=span_s))
    step = datetime.timedelta(seconds=1)
    parts = window.slices(size=datetime.timedelta(seconds=size_s), step=step)
    assert parts[0].start == window.start and parts[-1].end == window.end
    for left, right in zip(parts, parts[1:]):
        assert right.start - left.end == step
    assert all(p.end - p.start < datetime.timedelta(seconds=size_s) + step for p in parts[:-1])


@settings(max_examples=300, deadline=None)
@given(_times, st.integers(min_value=-14 * 60, max_value=14 * 60), st.booleans(), st.booleans())
def test_iso_input_round_trips_to_the_same_utc_instant(moment, offset_minutes, colon, with_ms):
    moment = moment.replace(microsecond=(moment.microsecond // 1000) * 1000 if with_ms else 0)
    zone = datetime.timezone(datetime.timedelta(minutes=offset_minutes))
    local = moment.replace(tzinfo=UTC).astimezone(zone)
    sign = "+" if offset_minutes >= 0 else "-"
    hours, minutes = divmod(abs(offset_minutes), 60)
    text = local.strftime("%Y-%m-%dT%H:%M:%S") + (".%03d" % (local.microsecond // 1000) if with_ms else "") + \
        "%s%02d%s%02d" % (sign, hours, ":" if colon else "", minutes)
    parsed = parse_time(text, "start", NOW)
    assert parsed == moment.replace(tzinfo=UTC)
    assert parse_time(format_tmes(parsed), "start", NOW) == parsed
    assert parse_time(format_iso(parsed), "start", NOW) == parsed
    assert parse_time(format_mimecast(parsed), "start", NOW) == parsed.replace(microsecond=0)


@settings(max_examples=300, deadline=None)
@given(_times, st.integers(min_value=0, max_value=10 * 86400 * 1000),
       st.lists(st.integers(min_value=1, max_value=50), min_size=1, max_size=48),
       st.sampled_from([datetime.timedelta(milliseconds=1), datetime.timedelta(seconds=1)]))
def test_slices_by_weight_cover_the_window_exactly_in_their_shares(start, span_ms, weights, step):
    window = Window(start.replace(tzinfo=UTC), start.replace(tzinfo=UTC) + datetime.timedelta(milliseconds=span_ms))
    parts = window.slices(step=step, weights=weights)
    cut = _assert_cover(window, parts, step)
    units = (cut.end - cut.start) // step + 1
    assert len(parts) == len(weights) or units < sum(weights)
    if len(parts) == len(weights):
        total = sum(weights)
        for part, weight in zip(parts, weights):
            length = (part.end - part.start) // step + 1
            assert abs(length - units * weight / total) < 2  # its share, to a step either way


def test_concurrency_cuts_long_parts_first_and_shorter_ones_last():
    from ansible_collections.emailsec.tracking.plugins.module_utils._module import GUIDED_PART_WEIGHTS
    start = datetime.datetime(2026, 11, 22, tzinfo=UTC)
    window = Window(start, start + datetime.timedelta(hours=72))
    parts = window.slices(step=datetime.timedelta(seconds=1),
                          weights=[w for w in GUIDED_PART_WEIGHTS for dummy in range(8)])
    lengths = [p.end - p.start for p in parts]
    second = datetime.timedelta(seconds=1)
    assert len(parts) == 24 and all(left >= right - second for left, right in zip(lengths, lengths[1:]))
    assert lengths[0] > 2 * lengths[-1] and lengths[7] > lengths[8] + second and lengths[15] > lengths[16] + second
