# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Times and windows: user input in, UTC inside, each vendor's format out.

For internal use by this collection only; the interface may change without notice.

Accepted input: ISO 8601 with ``Z`` or a numeric offset (converted to UTC), naive
ISO 8601 (read as UTC), a date alone (midnight UTC), ``now``, and relative times
``-<n><unit>`` with unit ``s``, ``m``, ``h``, ``d`` or ``w`` (before now).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re

UTC = datetime.timezone.utc
ONE_MS = datetime.timedelta(milliseconds=1)

_ISO_RE = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[T ](?P<h>\d{2}):(?P<m>\d{2})(?::(?P<s>\d{2})(?:[.,](?P<frac>\d{1,9}))?)?"
    r"(?P<tz>Z|z|[+-]\d{2}(?::?\d{2})?)?)?$"
)
_RELATIVE_RE = re.compile(r"^-\s*(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>[a-zA-Z]+)$")
_DURATION_RE = re.compile(r"^(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>[a-zA-Z]+)$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
MAX_SECONDS = 400 * 86400  # no window of these APIs is longer (TMES keeps 72 hours, Mimecast about 30 days)
_UNIT_NAMES = "s (seconds), m (minutes), h (hours), d (days) or w (weeks)"


class TimeInputError(ValueError):
    """A time, duration or window the user gave that cannot be used; the message says what to fix."""


def utc_now():
    return datetime.datetime.now(UTC)


def parse_duration(value, option):
    """A positive duration like ``90m``, ``6h`` or ``2d`` as a timedelta."""
    text = str(value).strip()
    match = _DURATION_RE.match(text)
    if not match:
        raise TimeInputError("%s: %r is not a duration; write a number and a unit, like 30m, 6h or 1d" % (option, value))
    unit = match.group("unit").lower()
    if unit not in _UNITS:
        raise TimeInputError("%s: unit %r in %r is not known; use %s" % (option, match.group("unit"), value, _UNIT_NAMES))
    seconds = float(match.group("n")) * _UNITS[unit]
    if seconds <= 0:
        raise TimeInputError("%s: %r must be longer than zero" % (option, value))
    if seconds > MAX_SECONDS:
        raise TimeInputError("%s: %r is longer than any window of these APIs; give at most 400d" % (option, value))
    return datetime.timedelta(seconds=seconds)


def parse_time(value, option, now):
    """An aware UTC datetime for one user-given time; ``now`` is the run's fixed current time."""
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    text = str(value).strip()
    if not text:
        raise TimeInputError("%s: the time is empty; give ISO 8601 (2026-11-22T08:00:00Z), 'now' or a relative "
                             "time like -6h" % option)
    if text.lower() == "now":
        return now
    if text.startswith("-"):
        match = _RELATIVE_RE.match(text)
        if not match:
            raise TimeInputError("%s: %r is not a relative time; write a minus sign, a number and a unit, like -90m, "
                                 "-6h or -3d" % (option, value))
        unit = match.group("unit").lower()
        if unit not in _UNITS:
            raise TimeInputError("%s: unit %r in %r is not known; use %s"
                                 % (option, match.group("unit"), value, _UNIT_NAMES))
        seconds = float(match.group("n")) * _UNITS[unit]
        if seconds > MAX_SECONDS:
            raise TimeInputError("%s: %r reaches further back than any of these APIs keeps mail; give at most "
                                 "-400d" % (option, value))
        return now - datetime.timedelta(seconds=seconds)
    match = _ISO_RE.match(text)
    if not match:
        hint = ""
        if re.search(r"\s[A-Za-z]{2,5}$", text) or re.search(r"\d[A-Za-y]{3,}$", text):
            hint = " (time zone names are not accepted: write Z for UTC or a numeric offset such as +02:00)"
        raise TimeInputError("%s: %r is not an ISO 8601 time%s; write it like 2026-11-22T08:00:00Z, "
                             "2026-11-22T09:00:00+01:00, 'now' or -6h" % (option, value, hint))
    try:
        year, month, day = (int(part) for part in match.group("date").split("-"))
        frac = (match.group("frac") or "0")[:6].ljust(6, "0")
        moment = datetime.datetime(year, month, day, int(match.group("h") or 0), int(match.group("m") or 0),
                                   int(match.group("s") or 0), int(frac))
    except ValueError as exc:
        raise TimeInputError("%s: %r is not a valid date or time (%s)" % (option, value, exc))
    tz = match.group("tz")
    if tz and tz not in ("Z", "z"):
        digits = tz[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
        if hours > 23 or minutes > 59:
            raise TimeInputError("%s: the offset %s in %r is out of range" % (option, tz, value))
        offset = datetime.timedelta(hours=hours, minutes=minutes)
        try:
            moment = moment - offset if tz[0] == "+" else moment + offset
        except OverflowError:
            raise TimeInputError("%s: %r is out of the range of dates" % (option, value))
    return moment.replace(tzinfo=UTC)


def format_iso(moment):
    """UTC ISO 8601 with milliseconds and Z, the form used in return values."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (moment.microsecond // 1000)


def format_tmes(moment):
    """TMES: ``yyyy-mm-ddThh:mm:ss.mmmZ`` (UTC, milliseconds)."""
    return format_iso(moment)


def format_mimecast(moment):
    """Mimecast request body: ``2011-12-03T10:15:30+0000`` (UTC, whole seconds)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


class Window:
    """A closed time window [start, end] in UTC."""

    def __init__(self, start, end):
        self.start = start
        self.end = end

    def __eq__(self, other):
        return isinstance(other, Window) and (self.start, self.end) == (other.start, other.end)

    def __repr__(self):
        return "Window(%s, %s)" % (format_iso(self.start), format_iso(self.end))

    def as_dict(self):
        return {"start": format_iso(self.start), "end": format_iso(self.end)}

    def floor(self, step=ONE_MS):
        """The window with both ends cut down to the vendor's resolution, as the vendor will read it."""
        step_us = _micros(step)
        start_us, end_us = _micros_since_epoch(self.start), _micros_since_epoch(self.end)
        return Window(_from_micros(start_us - start_us % step_us), _from_micros(end_us - end_us % step_us))

    def slices(self, count=None, size=None, step=ONE_MS, weights=None):
        """Consecutive, non-overlapping closed slices covering the window (cut to ``step``) exactly.

        Cut either into ``count`` slices of (nearly) equal length, into slices of ``size``, or into
        one slice for each of ``weights`` (whole numbers), each as long as its share of their sum
        (nearly: a slice that would be shorter than one step is left out).  ``step`` is the vendor's
        time resolution: slice k ends one step before slice k+1 starts, so a record exactly on an
        edge belongs to one slice.
        """
        step_us = _micros(step)
        start_us, end_us = _micros_since_epoch(self.start), _micros_since_epoch(self.end)
        # align to the resolution: every edge is a multiple of the step
        first = start_us - start_us % step_us
        last = end_us - end_us % step_us
        units = (last - first) // step_us + 1  # how many distinct instants the window holds
        if size is not None:
            # slices of ``size``; the last one also holds the window's closing instant
            per = max(1, _micros(size) // step_us)
            count = max(1, -(-(units - 1) // per))
        if weights:
            total = sum(weights)
            reached = [0]
            for weight in weights:
                reached.append(reached[-1] + weight)
            offsets = sorted(set(units * part // total for part in reached))
            count = len(offsets) - 1
            edges = [first + offset * step_us for offset in offsets]
        else:
            count = max(1, min(int(count or 1), units))
            edges = [first + (units * k // count) * step_us for k in range(count + 1)]
        result = []
        for k in range(count):
            lo = edges[k]
            hi = edges[k + 1] - step_us if k + 1 < count else last
            result.append(Window(_from_micros(lo), _from_micros(hi)))
        return result


_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=UTC)


def _micros(delta):
    return (delta.days * 86400 + delta.seconds) * 1000000 + delta.microseconds


def _micros_since_epoch(moment):
    return _micros(moment - _EPOCH)


def _from_micros(value):
    return _EPOCH + datetime.timedelta(microseconds=value)


def resolve_window(start, end, now, default_span, start_option="start", end_option="end"):
    """The window for user input: ``end`` defaults to now, ``start`` to ``default_span`` before ``end``."""
    end_at = parse_time(end, end_option, now) if end not in (None, "") else now
    start_at = parse_time(start, start_option, now) if start not in (None, "") else end_at - default_span
    if end_at < start_at:
        raise TimeInputError("%s (%s) is before %s (%s); the window must end no earlier than it starts"
                             % (end_option, format_iso(end_at), start_option, format_iso(start_at)))
    return Window(start_at, end_at)
