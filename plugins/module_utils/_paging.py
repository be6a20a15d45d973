# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pages, time slices, de-duplication, limits, resume tokens and output sinks.

For internal use by this collection only; the interface may change without notice.

A run is a list of slices (consecutive, non-overlapping windows).  Each slice is
fetched as a chain of pages by a vendor-specific ``fetch(slice, stop)`` generator.
Every record goes through the same pipeline as it arrives: de-duplication by the
vendor's id, client-side matching, then the JMESPath query.  Slices are merged in
time order, so the output is the same whatever ``concurrency`` is.  When the run
stops at ``max_records``, or a slice fails and partial results were allowed, what
is left to fetch is encoded in a resume token.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import collections
import errno
import hashlib
import itertools
import json
import marshal
import os
import stat
import struct
import tempfile
import threading

from ansible_collections.emailsec.tracking.plugins.module_utils._http import ApiError
from ansible_collections.emailsec.tracking.plugins.module_utils._timewindow import (
    TimeInputError, Window, format_iso, parse_time, utc_now,
)

RESUME_PREFIX = "esr1."
RECENT_KEYS = 20000  # ids remembered for de-duplication: duplicates sit next to each other in time


class Slice:
    """A window to fetch, optionally from a vendor token on, skipping records of its first page.

    ``tag`` names a query of its own over the same window (a TMES policy event type): slices of one tag are in
    time order, and the tags follow one another.
    """

    def __init__(self, window, token=None, skip=0, tag=None):
        self.window = window
        self.token = token
        self.skip = skip
        self.tag = tag


class Page:
    """One vendor response: its records, the token that fetched it and the token for the next page.

    ``lines``, when the client gives them: each record's JSON text as the vendor sent it (None for a record whose
    text cannot be written as it is); a file sink then writes that text rather than encode the record again.
    """

    def __init__(self, records, token_used=None, next_token=None, lines=None):
        self.records = records
        self.token_used = token_used
        self.next_token = next_token
        self.lines = lines


MAX_SLICES = 10000  # parts of one run: more would only burn the vendor's rate limit


def encode_resume(slices, binding=None):
    """An opaque token for the slices still to fetch, bound to the module and query that made it."""
    items = [dict({"s": format_iso(s.window.start), "e": format_iso(s.window.end), "t": s.token, "k": s.skip},
                  **({"g": s.tag} if s.tag is not None else {})) for s in slices]
    raw = json.dumps({"b": binding, "p": items}, separators=(",", ":")).encode("utf-8")
    return RESUME_PREFIX + base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def is_resume_token(token):
    return isinstance(token, str) and token.startswith(RESUME_PREFIX)


def decode_resume(token, binding=None):
    """The slices encoded by ``encode_resume``; ValueError with a clear message otherwise.

    Checked like fresh input: the same module and query (``binding``), at most MAX_SLICES parts, each part's
    start not after its end, parts in time order without overlap.
    """
    body = token[len(RESUME_PREFIX):]
    if len(body) > MAX_SLICES * 400:
        raise ValueError("token is too long to be a next_token of this module")
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        decoded = json.loads(raw.decode("utf-8"))
        if not isinstance(decoded, dict) or not isinstance(decoded.get("p"), list):
            raise ValueError("bad token")
        if decoded.get("b") != binding:
            raise _WrongQuery()
        items = decoded["p"]
        if len(items) > MAX_SLICES:
            raise ValueError("too many parts")
        slices = []
        now = utc_now()
        for item in items:
            window = Window(parse_time(item["s"], "token", now), parse_time(item["e"], "token", now))
            skip = item.get("k") or 0
            if not isinstance(skip, int) or isinstance(skip, bool) or skip < 0 or skip > 1000000:
                raise ValueError("bad skip")
            if item.get("t") is not None and not isinstance(item["t"], str):
                raise ValueError("bad item")
            tag = item.get("g")
            if tag is not None and not isinstance(tag, str):
                raise ValueError("bad tag")
            same_query = [s for s in slices if s.tag == tag]
            if window.end < window.start or (same_query and window.start <= same_query[-1].window.end):
                raise ValueError("bad window")
            slices.append(Slice(window, item.get("t"), skip, tag))
    except _WrongQuery:
        raise ValueError("token belongs to another module or another query: resume with the same module and the "
                         "same query options as the run that gave next_token")
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError, RecursionError, TimeInputError):
        raise ValueError("token is not a resume token from this module: pass the next_token value of an earlier "
                         "run unchanged")
    if not slices:
        raise ValueError("token holds nothing to resume")
    return slices


class _WrongQuery(Exception):
    pass


def binding_of(module_name, options):
    """A short digest of what a resume token must be used with: the module and its query options."""
    text = json.dumps([module_name, options], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


class RecentKeys:
    """The last ``limit`` ids seen, for de-duplication with bounded memory.

    A set for the lookups and a FIFO of the same keys for the order they go in: ``fresh`` takes a whole page of
    keys in one call, so a record costs one set lookup (and, when it is new, one set insert and one append).
    """

    def __init__(self, limit=RECENT_KEYS):
        self._order = collections.deque()
        self._keys = set()
        self._limit = limit

    def seen(self, key):
        """True when ``key`` was seen already; otherwise remember it."""
        if key is None:
            return False
        key = _hashable(key)
        if key in self._keys:
            return True
        self._keys.add(key)
        self._order.append(key)
        if len(self._order) > self._limit:
            self._keys.discard(self._order.popleft())
        return False

    def fresh(self, keys):
        """The positions in ``keys`` of the keys not seen before, remembered from now on (None is always new).

        Duplicates within ``keys`` count as seen from their second occurrence on.  A key that cannot be hashed
        (a vendor value of an unexpected type inside a tuple) is replaced in ``keys`` by its JSON text.  The
        oldest keys are forgotten once per call, so the memory holds at most ``limit`` keys and one page's.
        """
        known = self._keys
        remember = known.add
        append = self._order.append
        out = []
        take = out.append
        position = -1
        for key in keys:
            position += 1
            if key is None:
                take(position)
                continue
            try:
                if key in known:
                    continue
            except TypeError:
                key = keys[position] = _hashable(key)
                if key in known:
                    continue
            remember(key)
            append(key)
            take(position)
        self._evict()
        return out

    def forget_newest(self, count):
        """Forget the ``count`` keys remembered last (those of records cut off after a limit)."""
        order = self._order
        for dummy in range(min(count, len(order))):
            self._keys.discard(order.pop())

    def _evict(self):
        order = self._order
        discard = self._keys.discard
        for dummy in range(len(order) - self._limit):
            discard(order.popleft())


class _AllNew:
    """No de-duplication: every key is new.  For the parts of the window fetched concurrently when every record is
    its own output (no matching, no query): their chunks then hold every key and all go through the merge's own
    de-duplication in window order (a record sent twice at a page edge inside a part, or at the edge of two parts,
    is removed there), so that a record is looked up once, as when the parts run in order.

    With matching or a query a part keeps its own: in order, a record's key counts as seen before it is matched,
    so a first copy that does not match hides a second that does; a chunk holds the kept records' keys only, so
    the merge alone could not know the first copy."""

    @staticmethod
    def fresh(keys):
        return range(len(keys))

    @staticmethod
    def forget_newest(count):
        return None


def _hashable(key):
    """``key`` itself when it can be hashed, else its JSON text (a vendor value of an unexpected type)."""
    try:
        hash(key)
    except TypeError:
        return json.dumps(key, sort_keys=True, separators=(",", ":"), default=str)
    return key


class Pipeline:
    """What happens to every record: de-duplicate, match, query.

    ``key(record)`` is the vendor's identity of a record (None: no identity, never a duplicate).  A key function
    may carry ``identity``: the same identity in a form cheaper to build and compare (a tuple rather than joined
    text), which the pipeline then de-duplicates by.
    """

    def __init__(self, key, matcher=None, query=None):
        self.key = getattr(key, "identity", key)
        self.matcher = matcher if matcher else None
        self.query = query if query else None

    def run(self, record, key=None):
        """The outputs of one record (empty when it does not match); ``key`` is its identity, when known."""
        if self.matcher is not None and not self.matcher.matches(record):
            return []
        if self.query is not None:
            return self.query.apply([record])
        return [record]

    def plain(self):
        """True when every record is its own one output: no matching, no query, no subclass's own run."""
        return self.matcher is None and self.passes_records()

    def passes_records(self):
        """True when every output is a record itself, unchanged (matching at most; no query, no own run)."""
        return self.query is None and type(self).run is Pipeline.run

    def select(self, records, start, recent, limit=None):
        """The new records of a page from ``start`` on, and their outputs: (indexes, keys, outputs, counts).

        One pass over the page: the keys in one call, the de-duplication in one call (``recent``), then
        matching and the query for the new records only.  ``outputs`` holds each kept record itself when
        ``counts`` is None (every record one output), else the list of each record's outputs (``counts``: their
        lengths, never 0: a record without output is not kept).  With ``limit``, at most that many records are
        kept, and the rest of the page is left unread (not remembered as seen).
        """
        page = records[start:] if start else records
        keys = list(map(self.key, page))
        positions = recent.fresh(keys)
        if len(positions) == len(page):
            chosen = page
        else:
            chosen = [page[p] for p in positions]
            keys = [keys[p] for p in positions]
        if self.plain():
            indexes = range(start, start + len(page)) if chosen is page else [p + start for p in positions]
            kept_keys, outputs, counts = keys, chosen, None
        else:
            indexes, kept_keys, outputs, counts = [], [], [], []
            run = self.run
            for position, record, key in zip(positions, chosen, keys):
                outs = run(record, key)
                if not outs:
                    continue
                indexes.append(position + start)
                kept_keys.append(key)
                outputs.append(outs)
                counts.append(len(outs))
        if limit is not None and len(kept_keys) > limit:
            # cut after the record that reaches the limit: the keys of the records after it are forgotten, so that
            # reading on from there does not take them for duplicates
            last = indexes[limit - 1] - start
            recent.forget_newest(sum(1 for p, k in zip(positions, keys) if p > last and k is not None))
            indexes, kept_keys, outputs = indexes[:limit], kept_keys[:limit], outputs[:limit]
            counts = None if counts is None else counts[:limit]
        return indexes, kept_keys, outputs, counts


class _Chunk:
    """The kept records of one page, in page order: where each came from (``indexes`` into the page fetched with
    ``token_used``), its identity (``keys``), its outputs as the sink takes them (``items``) and, when a record
    may give several outputs, how many each gives (``counts``; None: one each).

    A chunk read back from a spill file holds its JSON Lines as ``data`` (UTF-8, as the file sink writes them)
    and splits them into ``items`` only when the merge takes part of it.
    """

    __slots__ = ("token_used", "indexes", "keys", "_items", "counts", "data")

    def __init__(self, token_used, indexes, keys, items, counts, data=None):
        self.token_used = token_used
        self.indexes = indexes
        self.keys = keys
        self._items = items
        self.counts = counts
        self.data = data

    def __len__(self):
        return len(self.keys)

    @property
    def items(self):
        if self._items is None:
            lines = self.data.decode("utf-8").split("\n")[:-1]
            if self.counts is None:
                self._items = lines
            else:
                ends = list(itertools.accumulate(self.counts))
                self._items = ["\n".join(lines[end - count:end]) for count, end in zip(self.counts, ends)]
        return self._items

    def outputs(self):
        return len(self.keys) if self.counts is None else sum(self.counts)

    def pick(self, positions):
        """The chunk of the entries at ``positions`` only."""
        items = self.items
        return _Chunk(self.token_used, [self.indexes[p] for p in positions], [self.keys[p] for p in positions],
                      [items[p] for p in positions],
                      None if self.counts is None else [self.counts[p] for p in positions])

    def head(self, size):
        return _Chunk(self.token_used, self.indexes[:size], self.keys[:size], self.items[:size],
                      None if self.counts is None else self.counts[:size])


def _record_encoder():
    """``json.dumps(value, separators=(",", ":"), ensure_ascii=False)``, made once.

    json.dumps builds its C encoder anew and checks types on every call, a fifth of what encoding one record
    costs; the same C encoder is made here once, and used only when it gives exactly what the standard call gives
    (otherwise, as on a Python without the C accelerator, the standard call).  No circular check: what is
    encoded was decoded from JSON, or made from it by a query.
    """
    standard = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return standard.encode
    try:
        once = make(None, standard.default, json.encoder.encode_basestring, None, ":", ",", False, False, True)
        probe = [{"a": [1, -2.5, 1e300, None, True, False, "\u00e9\n\"\\\u2028\ud83d\ude00"], "b": {}, "": []}, "x", 7]
        if "".join(once(probe, 0)) != standard.encode(probe):
            return standard.encode
    except Exception:  # pylint: disable=broad-except
        return standard.encode
    join = "".join

    def encode(value):
        if isinstance(value, str):  # the C encoder's answer for a lone string differs by Python version
            return standard.encode(value)
        return join(once(value, 0))
    return encode


_ENCODE = _record_encoder()


class MemorySink:
    """Keeps the outputs, to be returned in the task result."""

    spills = False

    def __init__(self):
        self.records = []
        self.count = 0

    @staticmethod
    def encode(outputs, counts=None, lines=None):
        return outputs

    def add(self, items, counts=None):
        """Add a page's outputs: ``items`` are outputs (``counts`` None) or lists of outputs."""
        if counts is None:
            self.records.extend(items)
            self.count += len(items)
            return
        extend = self.records.extend
        for outputs in items:
            extend(outputs)
        self.count += sum(counts)

    def add_chunk(self, chunk):
        self.add(chunk.items, chunk.counts)

    def commit(self):
        return {}

    def abort(self):
        self.records = []


class FileSink:
    """Writes JSON Lines to a temporary file beside ``path``, renamed to ``path`` only on success.

    A page's lines are joined, encoded to UTF-8, hashed and written once: the SHA-256 is of exactly the bytes
    written.
    """

    def __init__(self, path, mode=None, dry_run=False):
        self.path = path
        self.dry_run = dry_run  # check mode: count and hash; nothing is written, not even a temporary file
        self._temp = None
        self._file = None
        if not dry_run:
            directory = os.path.dirname(os.path.abspath(path))
            fd, self._temp = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), suffix=".part", dir=directory)
            self._file = os.fdopen(fd, "wb")
        self._digest = hashlib.sha256()
        self._mode = mode
        self.count = 0
        self.records = None
        # the file already in place, compared with what is written as it is written: a byte comparison of data
        # already in memory, where hashing the old file at the end would read and hash all of it after the search
        self._old, self._old_stat = _open_regular(path)
        self._differs = False

    spills = True

    @staticmethod
    def encode(outputs, counts=None, lines=None):
        """The JSON text of each record's outputs (one line each, without the last line break): done once, in
        the worker that read the page.

        ``lines``: when each output is a record itself (then ``counts``, if any, are all 1), the record's text as
        the vendor sent it, or None where it must be encoded.
        """
        if lines is not None:
            if counts is None:
                return [_ENCODE(record) if line is None else line for line, record in zip(lines, outputs)]
            return [_ENCODE(each[0]) if line is None else line for line, each in zip(lines, outputs)]
        if counts is None:
            return list(map(_ENCODE, outputs))
        return ["\n".join(map(_ENCODE, each)) for each in outputs]

    def add(self, items, counts=None):
        """Add a page's lines (``encode``'s items)."""
        if items:
            self._write(_lines(items), len(items) if counts is None else sum(counts))

    def add_chunk(self, chunk):
        if len(chunk):
            self._write(chunk.data if chunk.data is not None else _lines(chunk.items), chunk.outputs())

    def _write(self, data, count):
        self._digest.update(data)
        if self._file is not None:
            self._file.write(data)
        if self._old is not None and self._old.read(len(data)) != data:
            self._differs = True
            self._close_old()
        self.count += count

    def _close_old(self):
        old, self._old = self._old, None
        if old is not None:
            old.close()

    def _same_as_old(self, digest):
        """Whether the file in place holds exactly the bytes written: by the comparison made while writing, when
        that file is still the one compared with (same inode, size and time of change), else by its SHA-256."""
        old = self._old
        if old is None:
            # nothing was there (or it could not be read: hashing says why), or it differed while written
            return not self._differs and _file_sha256(self.path) == digest
        try:
            at_end = old.read(1) == b""
        finally:
            self._close_old()
        try:
            now = os.lstat(self.path)
        except OSError:
            return False
        if _identity(now) != _identity(self._old_stat):
            return _file_sha256(self.path) == digest
        return at_end

    def _mode_differs(self):
        """Whether the file in place (holding these records) has another mode than the one asked for."""
        return self._mode is not None and (os.stat(self.path).st_mode & 0o7777) != self._mode

    def commit(self):
        """Put the file in place unless it holds exactly this already; says whether it changed."""
        digest = self._digest.hexdigest()
        same = self._same_as_old(digest)
        if self.dry_run:
            # as the real run: changed when the file would be written, or only its mode set
            return {"dest": self.path, "sha256": digest, "written": False,
                    "changed": not same or self._mode_differs()}
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        if same:
            os.unlink(self._temp)
            if self._mode_differs():
                os.chmod(self.path, self._mode)
                return {"dest": self.path, "sha256": digest, "written": False, "changed": True}
            return {"dest": self.path, "sha256": digest, "written": False, "changed": False}
        if self._mode is not None:
            os.chmod(self._temp, self._mode)
        os.replace(self._temp, self.path)
        return {"dest": self.path, "sha256": digest, "written": True, "changed": True}

    def abort(self):
        self._close_old()
        if self._file is None:
            return
        try:
            self._file.close()
        finally:
            if self._temp and os.path.exists(self._temp):
                os.unlink(self._temp)


def _lines(items):
    """The UTF-8 JSON Lines of encoded items, one join and one encoding for a whole page."""
    return ("\n".join(items) + "\n").encode("utf-8")


_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


def _open_regular(path):
    """(an open handle, its stat) for the regular file at ``path`` (not a link), or (None, None): nothing there,
    not a regular file, or a file that cannot be opened (hashing it at the end then says why)."""
    try:
        found = os.lstat(path)
    except OSError:
        return None, None
    if not stat.S_ISREG(found.st_mode):
        return None, None
    # what is there when it is opened may be another file than the one looked at: never follow a link, never wait
    # on a FIFO put there in between; the handle is used only if it is that same regular file
    try:
        fd = os.open(path, _READ_FLAGS)
    except OSError:
        return None, None
    try:
        opened = os.fstat(fd)
    except OSError:
        os.close(fd)
        return None, None
    if not stat.S_ISREG(opened.st_mode) or _identity(opened) != _identity(found):
        os.close(fd)
        return None, None
    return os.fdopen(fd, "rb"), opened


def _identity(found):
    return found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns, found.st_ctime_ns


def _file_sha256(path):
    """SHA-256 of a regular file's content, or None when there is none (nor when a link or a FIFO has been put
    there since the look at it: neither is followed nor waited on)."""
    if not os.path.isfile(path) or os.path.islink(path):
        return None
    try:
        fd = os.open(path, _READ_FLAGS)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return None
        raise
    digest = hashlib.sha256()
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            return None
        for block in iter(lambda: handle.read(1048576), b""):
            digest.update(block)
    return digest.hexdigest()


_HEADER_SIZE = struct.Struct("<I")


class _Buffer:
    """Chunks of a slice waiting for their turn in the merge: in memory, or spilled to a temp file.

    A spilled chunk is a header (token, keys, indexes, counts, length) and then its JSON Lines as the file sink
    writes them, so an output is never encoded twice, and a chunk the merge takes whole goes to the file as it was
    read.  The header is in ``marshal``'s form, preceded by its length: values from JSON (and tuples of them) go in
    and come back exactly, tuples as tuples, several times faster than as JSON; the file is this process's own
    unnamed temporary file, written and read by the same Python, and nothing read back from it is run.
    """

    def __init__(self, spill_dir=None):
        self._items = [] if spill_dir is None else None
        self._file = None
        if spill_dir is not None:
            self._file = tempfile.TemporaryFile(mode="w+b", dir=spill_dir)

    def add(self, chunk):
        if self._file is None:
            self._items.append(chunk)
        else:
            data = _lines(chunk.items)
            header = marshal.dumps((chunk.token_used, chunk.keys, list(chunk.indexes), chunk.counts, len(data)))
            self._file.write(_HEADER_SIZE.pack(len(header)) + header + data)

    def __iter__(self):
        if self._file is None:
            return iter(self._items)
        self._file.seek(0)
        return self._read()

    def _read(self):
        read = self._file.read
        while True:
            size = read(_HEADER_SIZE.size)
            if not size:
                return
            token_used, keys, indexes, counts, length = marshal.loads(read(_HEADER_SIZE.unpack(size)[0]))
            yield _Chunk(token_used, indexes, keys, None, counts, read(length))

    def close(self):
        if self._file is not None:
            self._file.close()
        self._items = []


class _SliceResult:
    def __init__(self, spec):
        self.spec = spec
        self.pages = 0
        self.continuation = None  # a Slice: where this slice stopped before its end
        self.error = None


class Outcome:
    """What a run gives back."""

    def __init__(self):
        self.records = None
        self.count = 0
        self.pages = 0
        self.partial = False
        self.missing = []  # for the user: start, end and error of each part that failed
        self.missing_slices = []  # the same parts, to resume from
        self.next_token = None
        self.file_info = {}


def run(slices, fetch, pipeline, sink, max_records=None, concurrency=1, allow_partial=False, spill_dir=None,
        binding=None):
    """Fetch every slice, merge in order, and return an Outcome; raises ApiError unless partial results are allowed."""
    merger = _Merger(pipeline, sink, max_records)
    stop = threading.Event()
    outcome = Outcome()
    try:
        if concurrency <= 1 or len(slices) <= 1:
            _run_in_order(slices, fetch, pipeline, merger, allow_partial, stop, outcome)
        else:
            _run_concurrently(slices, fetch, pipeline, merger, allow_partial, stop, outcome, concurrency, spill_dir)
        outcome.file_info = sink.commit()
    except BaseException:
        stop.set()
        sink.abort()
        raise
    outcome.records = sink.records
    outcome.count = sink.count
    if merger.cut is not None:
        outcome.next_token = encode_resume(merger.cut, binding)
    if outcome.missing:
        outcome.partial = True
        outcome.next_token = encode_resume(outcome.missing_slices + (merger.cut or []), binding)
    return outcome


def _fetch_slice(spec, fetch, pipeline, stop, budget, emit, allow_partial, encode, recent=None):
    """Fetch one slice page by page; ``emit(chunk)`` gets each page's kept records as one _Chunk.

    ``recent`` is the de-duplication to use: the merge's own when the slices run in order; for a slice fetched in
    a worker, _AllNew when every record is kept (the merge de-duplicates its chunks, so a record is looked up once
    either way), else None: a RecentKeys of its own.
    """
    result = _SliceResult(spec)
    if recent is None:
        recent = RecentKeys()
    select = pipeline.select
    passes = pipeline.passes_records()
    taken = 0
    first = True
    next_token = spec.token  # the token of the page being fetched
    try:
        for page in fetch(spec, stop):
            result.pages += 1
            start = spec.skip if first else 0
            first = False
            indexes, keys, outputs, counts = select(page.records, start, recent,
                                                    None if budget is None else budget - taken)
            if keys:
                lines = page.lines if passes else None
                if lines is not None and len(lines) == len(page.records):
                    lines = lines[indexes.start:indexes.stop] if isinstance(indexes, range) else [lines[i] for i in indexes]
                else:
                    lines = None  # records added or removed after decoding: their texts no longer line up
                emit(_Chunk(page.token_used, indexes, keys, encode(outputs, counts, lines), counts))
                taken += len(keys)
                if budget is not None and taken >= budget:
                    result.continuation = Slice(spec.window, page.token_used, indexes[-1] + 1, spec.tag)
                    return result
            next_token = page.next_token
            if stop.is_set():
                if page.next_token is not None:
                    result.continuation = Slice(spec.window, page.next_token, 0, spec.tag)
                return result
    except ApiError as exc:
        if not allow_partial:
            raise
        result.error = exc
        # resume at the page that failed: the slice's own start, or the token of that page
        result.continuation = Slice(spec.window, spec.token, spec.skip, spec.tag) if first else \
            Slice(spec.window, next_token, tag=spec.tag)
    return result


class _Merger:
    """Takes chunks in slice order, removes duplicates across slices, counts, cuts at max_records."""

    def __init__(self, pipeline, sink, max_records):
        self.pipeline = pipeline
        self.sink = sink
        self.max_records = max_records
        self.recent = RecentKeys()
        self.taken = 0
        self.cut = None  # the slices left when the run stopped at max_records

    def full(self):
        return self.max_records is not None and self.taken >= self.max_records

    def budget(self):
        return None if self.max_records is None else self.max_records - self.taken

    def feed(self, spec, chunk, dedup=True):
        """Add one chunk; returns False once max_records is reached (and records where to resume).

        ``dedup=False`` when the chunk was de-duplicated against this merge's own keys already.
        """
        if dedup:
            positions = self.recent.fresh(chunk.keys)
            if len(positions) != len(chunk):
                chunk = chunk.pick(positions)
        size = len(chunk)
        if not size:
            return True
        if self.max_records is not None and self.taken + size >= self.max_records:
            chunk = chunk.head(self.max_records - self.taken)
            self.sink.add_chunk(chunk)
            self.taken += len(chunk)
            self.cut = [Slice(spec.window, chunk.token_used, chunk.indexes[-1] + 1, spec.tag)]
            return False
        self.sink.add_chunk(chunk)
        self.taken += size
        return True


def _run_in_order(slices, fetch, pipeline, merger, allow_partial, stop, outcome):
    for position, spec in enumerate(slices):
        while spec is not None:
            result = _fetch_slice(spec, fetch, pipeline, stop, merger.budget(),
                                  lambda chunk, s=spec: merger.feed(s, chunk, dedup=False), allow_partial,
                                  merger.sink.encode, merger.recent)
            outcome.pages += result.pages
            if merger.full():
                _finish_cut(merger, result, slices[position + 1:])
                return
            if result.error is not None:
                _record_missing(outcome, result)
                spec = None
            else:
                # stopped by its budget while duplicates kept the merge short: go on from there
                spec = result.continuation


def _finish_cut(merger, result, rest):
    """After max_records: resume at the cut (or where the slice stopped), then the untouched slices."""
    if merger.cut is None and result.continuation is not None:
        merger.cut = [result.continuation]
    merger.cut = (merger.cut or []) + list(rest)
    if not merger.cut:
        merger.cut = None


def _record_missing(outcome, result):
    error = result.error
    cont = result.continuation
    item = cont.window.as_dict()
    item["error"] = error.message
    outcome.missing.append(item)
    outcome.missing_slices.append(cont)


def _run_concurrently(slices, fetch, pipeline, merger, allow_partial, stop, outcome, concurrency, spill_dir):
    from concurrent.futures import ThreadPoolExecutor

    budget = merger.budget()
    plain = pipeline.plain()

    def work(spec):
        buffer = _Buffer(spill_dir if merger.sink.spills else None)
        try:
            result = _fetch_slice(spec, fetch, pipeline, stop, budget, buffer.add, allow_partial, merger.sink.encode,
                                  _AllNew if plain else None)
        except BaseException:
            buffer.close()
            raise
        return result, buffer

    executor = ThreadPoolExecutor(max_workers=concurrency)
    futures = [executor.submit(work, spec) for spec in slices]
    try:
        for position, future in enumerate(futures):
            result, buffer = future.result()
            outcome.pages += result.pages
            spec = slices[position]
            try:
                for chunk in buffer:
                    if not merger.feed(spec, chunk):
                        break
            finally:
                buffer.close()
            rest = slices[position + 1:]
            if merger.full():
                _finish_cut(merger, result, rest)
                return
            if result.error is not None:
                _record_missing(outcome, result)
                continue
            if result.continuation is not None and not stop.is_set():
                # this slice stopped at the shared budget while duplicates kept the merge short
                _run_in_order([result.continuation], fetch, pipeline, merger, allow_partial, stop, outcome)
                if merger.full():
                    merger.cut = (merger.cut or []) + list(rest)
                    return
    finally:
        stop.set()
        for future in futures:
            future.cancel()
        executor.shutdown(wait=True)
        for future in futures:
            if future.done() and not future.cancelled() and future.exception() is None:
                future.result()[1].close()
