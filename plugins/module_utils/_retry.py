# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Waiting: how long before a retry (the server's own wait, else backoff with jitter), and polling with a deadline.

For internal use by this collection only; the interface may change without notice.

The HTTP client decides *whether* a request is retried; this file says *how long* to wait, and
``poll_until`` is the one loop every module that waits for the vendor's asynchronous work uses (a
remediation incident that keeps counting): read, judge, sleep, until done or the deadline.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import email.utils
import random
import time

BACKOFF_BASE = 0.5
EPOCH_SECONDS_FLOOR = 1e9  # an X-RateLimit-Reset at or above this is a point in time, not a wait
EPOCH_MS_FLOOR = 1e12


def parse_retry_after(value, now):
    """Seconds to wait for a ``Retry-After`` value (seconds or an HTTP date), or None."""
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment is None:
        return None
    return max(0.0, moment.timestamp() - now)


def parse_rate_limit_reset(value, now):
    """Seconds to wait for Mimecast's ``X-RateLimit-Reset``: milliseconds to wait, or an epoch time."""
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    if number >= EPOCH_MS_FLOOR:
        return max(0.0, number / 1000.0 - now)
    if number >= EPOCH_SECONDS_FLOOR:
        return max(0.0, number - now)
    return max(0.0, number / 1000.0)


def server_wait(headers, now):
    """The wait a response asks for, in seconds, or None when it names none."""
    wait = parse_retry_after(headers.get("Retry-After"), now)
    if wait is None:
        wait = parse_rate_limit_reset(headers.get("X-RateLimit-Reset"), now)
    return wait


def backoff(attempt, cap, rand=random.random):
    """Exponential backoff with jitter for retry number ``attempt`` (1-based): in [d/2, d], d = base * 2^(n-1)."""
    ceiling = min(cap, BACKOFF_BASE * (2 ** (attempt - 1)))
    return ceiling / 2.0 + rand() * ceiling / 2.0


class Polled:
    """What ``poll_until`` ends with: the last value read, whether it was done, how many reads were made."""

    def __init__(self, value, done, reads, waited):
        self.value = value
        self.done = done
        self.reads = reads
        self.waited = waited


def poll_until(read, done, first, interval, timeout, clock=time.monotonic, sleep=time.sleep, min_reads=0):
    """Read again every ``interval`` seconds until ``done(value)`` or ``timeout`` seconds have passed.

    ``first`` is the value already in hand (the answer of a create); ``read()`` gets a fresh one and may raise
    (the caller's failure path applies).  ``min_reads`` forces that many reads even when ``first`` looks done,
    for work the vendor starts asynchronously (a new incident reads 0 of 0 before it has counted anything).
    Never sleeps past the deadline: the last wait is cut to what is left, so the timeout is kept.
    """
    deadline = clock() + timeout
    value = first
    reads = 0
    waited = 0.0
    while reads < min_reads or not done(value):
        left = deadline - clock()
        if left <= 0:
            return Polled(value, False, reads, waited)
        pause = min(interval, left)
        sleep(pause)
        waited += pause
        value = read()
        reads += 1
    return Polled(value, True, reads, waited)
