# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the collection's event sources (emailsec.tracking.mimecast, emailsec.tracking.tmes) share: the polling
loop, the bookmark, de-duplication, error events and the checks of their arguments.

For internal use by this collection only; the interface may change without notice.

How a stream (one log or queue of one vendor) is polled:

- Its state is a *floor* (the oldest vendor time still read, inclusive, cut to the vendor's resolution) and the
  identities seen at or after the floor (``seen``: a SHA-256 prefix of the vendor identity and the item's time).
- A poll reads the window [floor, now] to its last page; an item whose identity is in ``seen`` or whose time is
  before the floor is not sent again, any other becomes one event.  After a complete poll the floor moves to
  ``now - overlap`` (items a vendor writes late, within ``overlap``, are still found) and the identities before
  it are dropped; at most ``max_seen`` identities are kept (the floor moves up instead of keeping more).
- The bookmark file holds every stream's state; it is written (atomically) after each page that gave events and
  after each poll, so a restart neither repeats nor misses events.  A floor older than what the vendor still
  keeps is moved up to it, and an error event says which span could not be read.
- The HTTP client retries 429, 5xx and cut connections itself (with the server's wait or backoff); a poll that
  still fails is reported once as an error event (every failure is logged), and the stream is polled again
  after a backoff that doubles up to ``MAX_BACKOFF``.
- Every HTTP call runs in a worker thread, one page at a time, so the event loop is never blocked.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import asyncio
import datetime
import hashlib
import json
import logging
import os
import tempfile

from ansible_collections.emailsec.tracking.plugins.module_utils._auth import CredentialError
from ansible_collections.emailsec.tracking.plugins.module_utils._http import ApiError, HttpClient
from ansible_collections.emailsec.tracking.plugins.module_utils._module import InputError
from ansible_collections.emailsec.tracking.plugins.module_utils._timewindow import (
    TimeInputError, Window, format_iso, parse_duration, parse_time, utc_now,
)

LOG = logging.getLogger("emailsec.tracking.eda")
BOOKMARK_VERSION = 1
MAX_SEEN = 50000  # identities kept a stream: far above what one overlap holds at any tenant
MAX_BACKOFF = 900.0  # seconds: the longest wait between two failed polls of a stream
MAX_MESSAGE = 1000
_END = object()


class SourceError(ValueError):
    """Arguments that cannot work; the message says what to fix.  Raised before any request."""


# -- arguments ----------------------------------------------------------------------------------------------------
def check_known(args, known, source):
    """Refuse an argument the source does not take (a typo would otherwise be ignored silently)."""
    unknown = sorted(k for k in args if k not in known and not k.startswith("eda_"))
    if unknown:
        raise SourceError("%s: unknown argument%s %s; the arguments are: %s" % (
            source, "s" if len(unknown) > 1 else "", ", ".join(unknown), ", ".join(sorted(known))))


def env_fallback(args, name, variables):
    """The argument, else the first environment variable of ``variables`` that is set and not empty."""
    value = args.get(name)
    if value not in (None, ""):
        return value
    for variable in variables:
        if os.environ.get(variable):
            return os.environ[variable]
    return None


def text(args, name, default=None):
    value = args.get(name, default)
    if value is None:
        return None
    if not isinstance(value, str):
        raise SourceError("%s must be a string, got %s" % (name, type(value).__name__))
    return value


def boolean(args, name, default):
    value = args.get(name, default)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "yes", "on", "1", "false", "no", "off", "0"):
        return value.strip().lower() in ("true", "yes", "on", "1")
    raise SourceError("%s must be true or false, got %r" % (name, value))


def number(args, name, default, minimum, maximum, integer=False):
    value = args.get(name, default)
    try:
        if isinstance(value, bool):
            raise ValueError()
        value = int(value) if integer else float(value)
    except (TypeError, ValueError):
        raise SourceError("%s must be a%s number, got %r" % (name, "" if not integer else " whole", value))
    if not minimum <= value <= maximum:
        raise SourceError("%s must be from %s to %s, got %s" % (name, minimum, maximum, value))
    return value


def duration(args, name, default, longest=None, zero=False, why=""):
    """A duration: a number of seconds, or a number and a unit (30m, 6h, 1d); at most ``longest`` (``why`` says
    why)."""
    value = args.get(name, default)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value < 0 or (value == 0 and not zero):
            raise SourceError("%s must be %s, got %s" % (name, "0 or more" if zero else "more than 0", value))
        span = datetime.timedelta(seconds=value)
    elif zero and isinstance(value, str) and value.strip() in ("0", "0s", "0m"):
        span = datetime.timedelta(0)
    else:
        try:
            span = parse_duration(value, name)
        except TimeInputError as exc:
            raise SourceError(str(exc))
    if longest is not None and span > longest:
        raise SourceError("%s: %s reaches further back than the source reads%s; give at most %s" % (
            name, value, " (%s)" % why if why else "", _span_text(longest)))
    return span


def choices(args, name, default, allowed):
    value = args.get(name, default)
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, list) or not value:
        raise SourceError("%s must be a non-empty list of: %s" % (name, ", ".join(allowed)))
    wrong = [v for v in value if v not in allowed]
    if wrong:
        raise SourceError("%s: %s %s not known; use one or more of: %s" % (
            name, ", ".join("%r" % (v,) for v in wrong), "is" if len(wrong) == 1 else "are", ", ".join(allowed)))
    return list(dict.fromkeys(value))


def _span_text(span):
    seconds = int(span.total_seconds())
    if seconds % 86400 == 0:
        return "%dd" % (seconds // 86400)
    if seconds % 3600 == 0:
        return "%dh" % (seconds // 3600)
    return "%dm" % (seconds // 60)


def http_client(args, source):
    """The collection's HTTP client (retries, waits a 429 asks for, caps) with the modules' connection options."""
    validate = boolean(args, "validate_certs", True)
    ca_path = text(args, "ca_path")
    if ca_path and not os.path.isfile(ca_path):
        raise SourceError("ca_path %s is not a file; give the path of a PEM CA bundle" % ca_path)
    if not validate:
        LOG.warning("%s: validate_certs is false: the API's TLS certificate is not checked, so the credentials "
                    "could reach an impostor. Use ca_path for a private CA instead.", source)
    return HttpClient(timeout=number(args, "timeout", 30.0, 1, 600), validate_certs=validate, ca_path=ca_path,
                      retries=number(args, "retries", 5, 0, 20, integer=True),
                      retry_max_delay=number(args, "retry_max_delay", 60.0, 0, 3600), total_timeout=None,
                      user_agent="ansible-emailsec.tracking-eda/%s" % source)


# -- records ------------------------------------------------------------------------------------------------------
def vendor_time(value):
    """The UTC datetime of a vendor time (``2021-10-16T14:45:34+0000``, ``2026-01-02T03:04:05.678Z``), or None."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return parse_time(value, "record", utc_now())
    except TimeInputError:
        return None


def address(value):
    """A bare lower-case address from a string or a Mimecast ``{emailAddress}`` object; None for the null sender."""
    if isinstance(value, dict):
        value = value.get("emailAddress")
    if not isinstance(value, str):
        return None
    found = value.strip()
    if "<" in found and found.endswith(">"):
        found = found[found.rindex("<") + 1:-1]
    found = found.strip().lower()
    return found if "@" in found and not found.startswith("@") else None


def indicator(sender=None, url=None, attachment_sha256=None, message_id=None, subject=None):
    """What a trace can start from, with only the fields the item has."""
    out = {}
    sender = address(sender)
    if sender:
        out["sender"] = sender
        out["sender_domain"] = sender.rsplit("@", 1)[1]
    if isinstance(url, str) and url.strip():
        out["url"] = url.strip()
    if isinstance(attachment_sha256, str) and len(attachment_sha256.strip()) == 64:
        try:
            int(attachment_sha256.strip(), 16)
            out["attachment_sha256"] = attachment_sha256.strip().lower()
        except ValueError:
            pass
    if isinstance(message_id, str) and message_id.strip():
        out["message_id"] = message_id.strip()
    if isinstance(subject, str) and subject.strip():
        out["subject"] = subject
    return out


def joined(record, keys):
    """A vendor identity made of several fields, as one string."""
    return "|".join("" if record.get(k) is None else "%s" % (record.get(k),) for k in keys)


def digest(identity):
    return hashlib.sha256(identity.encode("utf-8", "replace")).hexdigest()[:32]


def whole_record_identity(record):
    """The identity of an item without one of its own: the item itself."""
    return "record:" + hashlib.sha256(json.dumps(record, sort_keys=True, default=str).encode("utf-8", "replace")
                                      ).hexdigest()


# -- streams and their state ----------------------------------------------------------------------------------------
class Stream:
    """One log or queue of one vendor, polled on its own: how to read a window of it and what each item means.

    ``fetch(window)`` returns an iterator of pages (lists of items; called in a worker thread); ``keep(item)``
    says whether the item is an event at all; ``identity(item)`` is the vendor identity; ``when(item)`` the
    item's time (what the vendor's window selects by); ``describe(item)`` returns (indicator, reason).
    """

    def __init__(self, vendor, name, fetch, identity, when, describe, keep=None, retention=None, resolution=None):
        self.vendor = vendor
        self.name = name
        self.fetch = fetch
        self.identity = identity
        self.when = when
        self.describe = describe
        self.keep = keep or (lambda item: isinstance(item, dict))
        self.retention = retention
        self.resolution = resolution or datetime.timedelta(seconds=1)
        self.floor = None
        self.seen = {}
        self.polled = None
        self.failures = 0
        self.due = 0.0

    @property
    def key(self):
        return "%s:%s" % (self.vendor, self.name)

    def align(self, moment):
        """``moment`` cut down to the vendor's resolution (the vendor reads times that way)."""
        step = self.resolution.total_seconds()
        stamp = moment.timestamp()
        return datetime.datetime.fromtimestamp(stamp - stamp % step, datetime.timezone.utc)

    def state(self):
        return {"floor": format_iso(self.floor), "polled": format_iso(self.polled) if self.polled else None,
                "seen": dict(sorted(self.seen.items(), key=lambda kv: (kv[1], kv[0])))}

    def restore(self, state):
        floor = vendor_time(state.get("floor"))
        seen = state.get("seen")
        if floor is None or not isinstance(seen, dict):
            raise SourceError("the bookmark's entry for %s is not readable (no floor or seen); remove the entry or "
                              "the file to start again from lookback" % self.key)
        self.floor = floor
        self.polled = vendor_time(state.get("polled"))
        self.seen = dict((k, v) for k, v in list(seen.items())[-MAX_SEEN:] if isinstance(k, str) and
                         isinstance(v, str))

    def settle(self, now, overlap):
        """After a complete poll: move the floor to ``now - overlap`` and keep at most MAX_SEEN identities."""
        self.floor = max(self.floor, self.align(now - overlap))
        floor = format_iso(self.floor)
        self.seen = dict((k, v) for k, v in self.seen.items() if v >= floor)
        if len(self.seen) > MAX_SEEN:
            times = sorted(self.seen.values())
            cut = times[len(times) - MAX_SEEN]
            # whole instants only: the floor moves up to the oldest instant kept, items before it count as seen
            self.seen = dict((k, v) for k, v in self.seen.items() if v >= cut)
            if len(self.seen) > MAX_SEEN:
                later = [t for t in times if t > cut]
                cut = later[0] if later else cut
                self.seen = dict((k, v) for k, v in self.seen.items() if v >= cut)
            self.floor = max(self.floor, vendor_time(cut))


class Bookmark:
    """The file that carries the streams' state across restarts, written atomically (temporary file + rename)."""

    def __init__(self, path, source, tenant):
        self.path = path
        self.source = source
        self.tenant = tenant
        if path:
            directory = os.path.dirname(os.path.abspath(path))
            if not os.path.isdir(directory):
                raise SourceError("bookmark: the directory %s does not exist; create it first" % directory)
            if os.path.isdir(path):
                raise SourceError("bookmark: %s is a directory; give a file path such as %s"
                                  % (path, os.path.join(path, "%s.json" % source.rsplit(".", 1)[-1])))
            if not os.access(directory, os.W_OK):
                raise SourceError("bookmark: the directory %s is not writable" % directory)

    def load(self):
        """{stream key: state} from the file, {} when there is none yet."""
        if not self.path or not os.path.exists(self.path):
            return {}
        try:
            with open(self.path, "r", encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError) as exc:
            raise SourceError("bookmark %s cannot be read (%s); remove it to start again from lookback"
                              % (self.path, type(exc).__name__))
        if not isinstance(data, dict) or data.get("version") != BOOKMARK_VERSION or \
                not isinstance(data.get("streams"), dict):
            raise SourceError("bookmark %s is not a bookmark of this source (version %s); remove it to start again "
                              "from lookback" % (self.path, BOOKMARK_VERSION))
        if data.get("source") != self.source or data.get("tenant") != self.tenant:
            raise SourceError("bookmark %s belongs to %s at %s, not to %s at %s: give each source and tenant a "
                              "bookmark file of its own" % (self.path, data.get("source"), data.get("tenant"),
                                                            self.source, self.tenant))
        return data["streams"]

    def save(self, streams):
        if not self.path:
            return
        data = {"version": BOOKMARK_VERSION, "source": self.source, "tenant": self.tenant,
                "streams": dict((s.key, s.state()) for s in streams)}
        directory = os.path.dirname(os.path.abspath(self.path))
        handle, temporary = tempfile.mkstemp(prefix=".%s." % os.path.basename(self.path), dir=directory)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(data, out, separators=(",", ":"))
                out.flush()
                os.fsync(out.fileno())
            os.chmod(temporary, 0o600)
            os.replace(temporary, self.path)
        except BaseException:
            if os.path.exists(temporary):
                os.unlink(temporary)
            raise


# -- the loop -----------------------------------------------------------------------------------------------------
class Poller:
    """Polls every stream each ``interval`` seconds and puts one event on the queue per new item."""

    def __init__(self, source, streams, bookmark, interval, lookback, overlap, polls=0, secrets=(), clock=None,
                 monotonic=None):
        self.source = source
        self.streams = streams
        self.bookmark = bookmark
        self.interval = interval
        self.lookback = lookback
        self.overlap = overlap
        self.polls = polls
        self.secrets = tuple(sorted((s for s in secrets if s and len(s) >= 4), key=len, reverse=True))
        self.clock = clock or utc_now
        self.monotonic = monotonic

    def start(self):
        """Every stream's state from the bookmark, or ``lookback`` before now for a stream it does not have."""
        saved = self.bookmark.load()
        now = self.clock()
        for stream in self.streams:
            if stream.key in saved and isinstance(saved[stream.key], dict):
                stream.restore(saved[stream.key])
                LOG.info("%s: %s resumes from %s (bookmark)", self.source, stream.key, format_iso(stream.floor))
            else:
                stream.floor = stream.align(now - self.lookback)
                LOG.info("%s: %s starts from %s (lookback)", self.source, stream.key, format_iso(stream.floor))

    def redact(self, message):
        message = "%s" % (message,)
        for secret in self.secrets:
            message = message.replace(secret, "[redacted]")
        return message if len(message) <= MAX_MESSAGE else message[:MAX_MESSAGE] + "..."

    def error_event(self, stream, message, now, **extra):
        body = {"vendor": stream.vendor, "source": stream.name, "time": format_iso(now), "error": self.redact(message)}
        body.update(extra)
        return {"emailsec": body}

    async def run(self, queue):
        loop = asyncio.get_running_loop()
        monotonic = self.monotonic or loop.time
        self.start()
        rounds = 0
        try:
            while True:
                rounds += 1
                for stream in self.streams:
                    if stream.due <= monotonic():
                        began = monotonic()
                        ok = await self.poll(stream, queue)
                        if ok:
                            stream.failures = 0
                            stream.due = began + self.interval
                        else:
                            stream.failures += 1
                            stream.due = monotonic() + min(MAX_BACKOFF, max(self.interval, self.interval * (
                                2 ** (stream.failures - 1))))
                self.save()
                if self.polls and rounds >= self.polls:
                    return
                wait = min(s.due for s in self.streams) - monotonic()
                await asyncio.sleep(max(0.0, wait))
        finally:
            self.save()

    def save(self):
        try:
            self.bookmark.save(self.streams)
        except OSError as exc:
            LOG.error("%s: the bookmark %s could not be written (%s): a restart would read the window again",
                      self.source, self.bookmark.path, type(exc).__name__)

    async def poll(self, stream, queue):
        """One complete read of the stream's window; True when it completed."""
        now = self.clock()
        if stream.retention is not None:
            oldest = stream.align(now - stream.retention)
            if stream.floor < oldest:
                message = ("the span from %s to %s is beyond what %s keeps (%s), so it was not read: events in it "
                           "may be missing" % (format_iso(stream.floor), format_iso(oldest), stream.vendor,
                                               _span_text(stream.retention)))
                LOG.warning("%s: %s: %s", self.source, stream.key, message)
                await queue.put(self.error_event(stream, message, now, gap={"start": format_iso(stream.floor),
                                                                            "end": format_iso(oldest)}))
                stream.floor = oldest
        window = Window(stream.floor, now)
        sent = 0
        try:
            pages = await asyncio.to_thread(stream.fetch, window)
            while True:
                page = await asyncio.to_thread(next, pages, _END)
                if page is _END:
                    break
                fresh = 0
                for item in page:
                    found = self.event_of(stream, item, now)
                    if found is not None:
                        key, when, event = found
                        await queue.put(event)
                        # seen only once it is on the queue: a stop in between leaves it to the next run
                        stream.seen[key] = format_iso(when or now)
                        fresh += 1
                if fresh:
                    sent += fresh
                    self.save()
        except ApiError as exc:
            return await self.failed(stream, queue, exc.message, now)
        except (InputError, CredentialError, TimeInputError) as exc:
            return await self.failed(stream, queue, str(exc), now)
        except Exception as exc:  # pylint: disable=broad-except
            # a fault of this source or a vendor answer it cannot read: reported, and the next poll tries again
            LOG.exception("%s: %s: unexpected failure", self.source, stream.key)
            return await self.failed(stream, queue, "unexpected failure (%s): %s" % (type(exc).__name__, exc), now)
        stream.settle(now, self.overlap)
        stream.polled = now
        if stream.failures:
            LOG.info("%s: %s polls again after %d failure(s)", self.source, stream.key, stream.failures)
        LOG.debug("%s: %s: %d new event(s) from %s to %s", self.source, stream.key, sent,
                  format_iso(window.start), format_iso(window.end))
        return True

    async def failed(self, stream, queue, message, now):
        message = self.redact(message)
        LOG.warning("%s: %s failed (%d in a row): %s", self.source, stream.key, stream.failures + 1, message)
        if stream.failures == 0:
            # once a streak of failures: the log has every one
            await queue.put(self.error_event(stream, message, now))
        return False

    def event_of(self, stream, item, now):
        """(identity digest, time, event) of one item, or None when it is not one or was sent before."""
        if not stream.keep(item):
            return None
        when = stream.when(item)
        if when is not None and when < stream.floor:
            return None  # before the floor: sent in an earlier poll, or before lookback
        identity = stream.identity(item) or whole_record_identity(item)
        key = digest(identity)
        if key in stream.seen:
            return None
        found, reason = stream.describe(item)
        return key, when, {"emailsec": {"vendor": stream.vendor, "source": stream.name, "id": identity,
                                        "time": format_iso(when) if when else None, "record": item,
                                        "indicator": found, "reason": reason}}
