# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTP for both vendors: one session, timeouts, TLS, retries with backoff, one error type.

For internal use by this collection only; the interface may change without notice.

Retried: connection errors, timeouts, responses cut short, unreadable or wrongly
shaped bodies, and HTTP 429, 500, 502, 503, 504.  The wait before attempt n+1 is
the server's own (``Retry-After`` in seconds or as an HTTP date, or Mimecast's
``X-RateLimit-Reset``), else exponential backoff with jitter; every wait is capped
by ``retry_max_delay`` and there are at most ``retries`` retries.  Other 4xx are
final.  No header, credential or token ever goes into an error message.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import ipaddress
import json
import random
import re
import threading
import time
import traceback

try:
    from urllib.parse import urlsplit, urlunsplit
except ImportError:  # pragma: no cover - Python 2 is not supported, this keeps sanity's import test quiet
    from urlparse import urlsplit, urlunsplit  # type: ignore

REQUESTS_IMPORT_ERROR = None
try:
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.exceptions import DecodeError as Urllib3DecodeError
    from urllib3.exceptions import HTTPError as Urllib3Error
    from urllib3.exceptions import ReadTimeoutError as Urllib3ReadTimeout
except ImportError:
    requests = None
    HTTPAdapter = object
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

    class Urllib3Error(Exception):
        """Stands in when requests (and urllib3) are missing; the module then fails before any request."""

    class Urllib3DecodeError(Urllib3Error):
        pass

    class Urllib3ReadTimeout(Urllib3Error):
        pass

from ansible_collections.emailsec.tracking.plugins.module_utils._retry import backoff, server_wait

RETRY_STATUSES = frozenset((429, 500, 502, 503, 504))
MAX_BODY_BYTES = 64 * 1048576  # no page of either API comes near this, compressed or not


class ApiError(Exception):
    """A failed call: what was being done, why, and what the user can do about it."""

    def __init__(self, what, cause, method=None, url=None, status=None, code=None, vendor_message=None,
                 attempts=None, hint=None, retryable=False):
        self.what = what
        self.cause = cause
        self.method = method
        self.url = url
        self.status = status
        self.code = code
        self.vendor_message = vendor_message
        self.attempts = attempts
        self.hint = hint
        self.retryable = retryable
        self.maybe_applied = False  # the request may have been carried out although it failed (see request())
        self.extra = {}  # what a module had done before the failure (ids acted on, an incident made): returned too
        self.secrets = ()  # what the request carried: redacted from vendor text that echoes it
        super(ApiError, self).__init__(what)

    def __str__(self):
        return self.message

    @property
    def message(self):
        text = "Failed to %s: %s" % (self.what, self.cause)
        said = [vendor_text(p, self.secrets) for p in (self.code, self.vendor_message) if p not in (None, "")]
        if said:
            text += " (vendor said: %s)" % ": ".join(said)
        if self.method and self.url:
            text += "; request %s %s" % (self.method, self.url)
        if self.attempts and not self.cause.startswith("gave up after"):
            text += "; %d attempt%s made" % (self.attempts, "" if self.attempts == 1 else "s")
        text += "."
        if self.hint:
            text += " " + self.hint
        return text

    def fail_kwargs(self):
        """Keyword arguments for ``fail_json``: msg plus status, code and url."""
        return dict(self.extra, msg=self.message, status=self.status, code=self.code, url=self.url)


class ResponseError(Exception):
    """A response that cannot be used; retried like a transient failure unless final."""

    def __init__(self, cause, final=False, code=None, vendor_message=None, hint=None):
        super(ResponseError, self).__init__(cause)
        self.cause = cause
        self.final = final
        self.code = code
        self.vendor_message = vendor_message
        self.hint = hint


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")
MAX_VENDOR_TEXT = 300


def clean_text(value):
    """A string with any lone UTF-16 surrogate (a cut emoji) replaced by U+FFFD, so it can be encoded."""
    try:
        value.encode("utf-8")
        return value
    except UnicodeEncodeError:
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _clean_tree(value):
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [_clean_tree(v) for v in value]
    if isinstance(value, dict):
        return dict((_clean_tree(k), _clean_tree(v)) for k, v in value.items())
    return value


def json_body(response):
    """The decoded JSON body: a UTF-8 byte order mark is allowed, invalid bytes become U+FFFD, and strings with
    lone surrogates are cleaned once here, so nothing downstream (files, reports, Ansible) fails on them.

    Raises ResponseError (retryable) for a body that is not JSON, cut short or nested too deep.
    """
    return _cleaned(_body_text(response), None)


def _body_text(response):
    return response.content.decode("utf-8-sig", "replace")


def _cleaned(text, body):
    """``body`` (json.loads(text) when None) with strings holding lone surrogates cleaned."""
    if body is None:
        try:
            body = json.loads(text)
        except (ValueError, RecursionError):
            raise ResponseError("the response body is not valid JSON (cut short?)")
    if _SURROGATE_ESCAPE.search(text):
        body = _clean_tree(body)
    return body


_DECODER = json.JSONDecoder()
_SCAN = _DECODER.scan_once  # the C scanner where there is one: (text, index) -> (value, end)
_SCAN_STRING = json.decoder.scanstring
_SPACE = re.compile(r"[ \t\n\r]*")
_SPACES = frozenset(" \t\n\r")


def json_body_and_lines(response, key):
    """``json_body(response)``, and the JSON text of each item of the list under the body's ``key``, as the vendor
    wrote it: a list beside that list, an item's text None where it holds a backslash or a line break (an escape,
    which re-encoding writes as the character itself; or a break, which a JSON line cannot hold).  The texts are None
    as a whole when the body is anything else than an object with such a list.

    A record written to a file as the vendor sent it is not encoded again: with no backslash and no line break in
    its text, that text is what the compact encoding gives, unless the vendor put spaces between tokens or wrote a
    number differently (1.50, 1e3), which is the same JSON value, or repeated a name in one object (the text keeps
    both; json.loads, and so the matching, the last).  Whether a record has a text depends on that record alone.
    """
    text = _body_text(response)
    try:
        found = _object_with_item_texts(text, key)
    except (ValueError, IndexError, StopIteration, RecursionError):
        found = None
    if found is None:
        return _cleaned(text, None), None
    # a lone surrogate (a cut emoji) comes only from an escape: the records it is cleaned from have no text
    return _cleaned(text, found[0]), found[1]


def _object_with_item_texts(text, key):
    """(the object ``text`` holds, the texts of the items of its list under ``key``), or None when the text is not
    that (then json.loads, which the caller falls back to, says why); parses exactly what json.loads parses."""
    space = _SPACE.match
    scan = _SCAN
    at = space(text, 0).end()
    if text[at] != "{":
        return None
    body = {}
    texts = None
    at = space(text, at + 1).end()
    if text[at] == "}":
        at += 1
    else:
        while True:
            if text[at] != '"':
                return None
            name, at = _SCAN_STRING(text, at + 1)
            at = space(text, at).end()
            if text[at] != ":":
                return None
            at = space(text, at + 1).end()
            if name == key and text[at] == "[":
                items, texts = [], []
                add, add_text = items.append, texts.append
                at = space(text, at + 1).end()
                if text[at] == "]":
                    at += 1
                else:
                    while True:
                        item, end = scan(text, at)
                        add(item)
                        line = text[at:end]
                        add_text(None if "\\" in line or "\n" in line or "\r" in line else line)
                        at = end if text[end] == "," or text[end] == "]" else space(text, end).end()
                        if text[at] == "]":
                            at += 1
                            break
                        if text[at] != ",":
                            return None
                        at += 1
                        if text[at] in _SPACES:  # compact JSON has none: no match to run a record
                            at = space(text, at).end()
                value = items
            else:
                value, at = scan(text, at)
                if name == key:
                    texts = None
            body[name] = value
            at = space(text, at).end()
            if text[at] == "}":
                at += 1
                break
            if text[at] != ",":
                return None
            at = space(text, at + 1).end()
    if space(text, at).end() != len(text) or texts is None:
        return None
    return body, texts


def vendor_text(value, secrets=()):
    """Vendor text fit for a failure message: secrets the request carried redacted, control characters
    removed, cut to a sane length."""
    if value is None:
        return None
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    for secret in secrets:
        if secret and len(secret) >= 6:
            text = text.replace(secret, "[redacted]")
    text = _CONTROL.sub(" ", clean_text(text))
    if len(text) > MAX_VENDOR_TEXT:
        text = text[:MAX_VENDOR_TEXT] + "..."
    return text


def redact_url(url):
    """The URL without credentials, query or fragment: safe to show."""
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


class NoAuth:
    """Requests that carry no credentials."""

    def apply(self, headers, method, path):
        return headers

    def refresh(self):
        return False

    def unauthorized_hint(self):
        return None


class HttpClient:
    """One requests session per module run, shared by every call (and thread) of the run."""

    def __init__(self, timeout=30, validate_certs=True, ca_path=None, retries=5, retry_max_delay=60.0,
                 pool_size=16, user_agent="emailsec.tracking", sleep=time.sleep, clock=time.time, rand=random.random,
                 total_timeout=None, max_body=MAX_BODY_BYTES, monotonic=time.monotonic):
        if requests is None:
            raise RuntimeError("the requests library is needed")
        self.timeout = timeout
        self.total_timeout = total_timeout
        self.max_body = max_body
        self.monotonic = monotonic
        # the whole run's deadline: no request starts, and no wait or read goes on, past it
        self.deadline = monotonic() + total_timeout if total_timeout else None
        self.retries = retries
        self.retry_max_delay = retry_max_delay
        self.sleep = sleep
        self.clock = clock
        self.rand = rand
        self.session = requests.Session()
        # passed on every request: a session-level value would lose to REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE
        self.verify = ca_path if (ca_path and validate_certs) else bool(validate_certs)
        self.session.verify = self.verify
        self.session.headers.update({"User-Agent": user_agent, "Accept": "application/json",
                                     "Accept-Encoding": "gzip"})
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=max(10, pool_size))
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self._lock = threading.Lock()
        self.calls = 0
        self.retried = 0

    def close(self):
        self.session.close()

    def _count(self, retried=False):
        with self._lock:
            if retried:
                self.retried += 1
            else:
                self.calls += 1

    def request(self, what, method, url, auth=None, params=None, data=None, json_body=None, decode=None,
                parse_error=None, hint_for=None, idempotent=True):
        """Send one request with retries; returns ``decode(response)`` (or the response).

        ``decode`` may raise ResponseError; ``parse_error(response)`` returns the vendor's
        (code, message) for an error response; ``hint_for(status, code)`` what to do about it.

        ``idempotent=False`` (a request that creates something) is never sent twice by this loop: a failure after
        which the vendor may have acted (a timeout, a cut connection, a 5xx, an unreadable 2xx body) is raised at
        once with ``maybe_applied`` set, so that the caller looks for what it may have created before it sends the
        request again.  Failures that prove nothing was done (HTTP 429, a refused connection, 401 before the
        token is renewed) are retried as usual.
        """
        auth = auth or NoAuth()
        shown_url = redact_url(url)
        path = urlsplit(url).path
        attempts = 0
        refreshed = False
        last = None
        while True:
            attempts += 1
            self._check_deadline(what, method, shown_url, last, attempts - 1)
            headers = auth.apply({}, method, path)
            self._count()
            wait = None
            started = self.monotonic()
            try:
                response = self.session.request(method, url, params=params, data=data, json=json_body,
                                                headers=headers, timeout=self._socket_timeout(), allow_redirects=False,
                                                verify=self.verify, auth=_KEEP_HEADERS, stream=True,
                                                proxies=_NO_PROXY if _is_loopback_url(url) else None)
                self._read(response, started)
            except requests.exceptions.SSLError as exc:
                raise _tls_error(what, method, url, shown_url, exc, attempts)
            except (requests.exceptions.Timeout, _TooSlow) as exc:
                if self.deadline is not None and self.monotonic() >= self.deadline - 0.01:
                    # the run's deadline cut this request short, not the per-request timeout
                    error = ApiError(what, "the task's total_timeout of %s seconds ran out during a request"
                                     % self.total_timeout, method, shown_url, attempts=attempts,
                                     hint="Raise total_timeout, narrow the window, or raise concurrency.")
                    error.maybe_applied = not isinstance(exc, requests.exceptions.ConnectTimeout)
                    raise error
                last = ApiError(what, "no complete answer within the timeout of %s seconds" % self.timeout, method,
                                shown_url, retryable=True, hint="Raise timeout, or check the network path to the API.")
                last.maybe_applied = not isinstance(exc, requests.exceptions.ConnectTimeout)
            except _TooLarge as exc:
                raise ApiError(what, "the answer is larger than %d MiB (%s), more than any page of this API holds"
                               % (self.max_body // 1048576, exc.what), method, shown_url, attempts=attempts,
                               hint="This is a fault on the vendor's side or on the network path: try again later.")
            except (requests.exceptions.InvalidHeader, UnicodeError) as exc:
                # never repeat the value: it is a credential or a token
                raise ApiError(what, "a request header holds characters HTTP cannot carry (%s)" % type(exc).__name__,
                               method, shown_url, attempts=attempts,
                               hint="Check the credentials for line breaks or characters outside Latin-1; a token "
                                    "from the vendor with such characters is a fault on its side.")
            except (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError,
                    requests.exceptions.ContentDecodingError) as exc:
                last = ApiError(what, "the connection failed or was cut (%s)" % _short(exc), method, shown_url,
                                retryable=True, hint="Check the URL, the proxy settings and the network path.")
                # a refused connection never reached the server; anything else may have after the request was sent
                last.maybe_applied = "Connection refused" not in str(exc)
            else:
                outcome = self._judge(what, method, shown_url, response, decode, parse_error, hint_for, auth)
                if outcome is _REFRESH:
                    if not refreshed and auth.refresh():
                        refreshed = True
                        attempts -= 1
                        continue
                    outcome = self._final_error(what, method, shown_url, response, parse_error, hint_for, auth)
                if not isinstance(outcome, ApiError):
                    return outcome
                outcome.secrets = _header_secrets(headers) + _form_secrets(data)
                if not outcome.retryable:
                    outcome.attempts = attempts
                    raise outcome
                last = outcome
                # a 429 was refused before any work, and so was a success whose body carries the vendor's refusal
                # (Mimecast's fail[] on HTTP 200); a 5xx or an unreadable success may have done it
                last.maybe_applied = response.status_code != 429 and not (
                    200 <= response.status_code < 300 and last.code is not None)
                if response.status_code in RETRY_STATUSES:
                    wait = server_wait(response.headers, self.clock())
            if not idempotent and last.maybe_applied:
                # not sent again here: the caller looks for what it may have made first (MimecastClient.create)
                last.attempts = attempts
                raise last
            if attempts > self.retries:
                last.attempts = attempts
                last.cause = "gave up after %d attempts; the last failure: %s" % (attempts, last.cause)
                raise last
            if wait is None:
                wait = backoff(attempts, self.retry_max_delay, self.rand)
            wait = min(wait, self.retry_max_delay)
            if self.deadline is not None and self.monotonic() + wait > self.deadline:
                self._check_deadline(what, method, shown_url, last, attempts, force=True)
            self._count(retried=True)
            self.sleep(wait)

    def _socket_timeout(self):
        if self.deadline is None:
            return self.timeout
        return max(0.001, min(self.timeout, self.deadline - self.monotonic()))

    def _check_deadline(self, what, method, shown_url, last, attempts, force=False):
        if self.deadline is None or (not force and self.monotonic() < self.deadline):
            return
        cause = "the task's total_timeout of %s seconds ran out" % self.total_timeout
        if last is not None:
            cause += "; the last failure: %s" % last.cause
        error = ApiError(what, cause, method, shown_url, attempts=attempts or None,
                         hint="Raise total_timeout, narrow the window, or raise concurrency.")
        if last is not None:
            error.secrets = last.secrets
        raise error

    def _read(self, response, started):
        """Read a streamed body whole, within the attempt's deadline and the size caps (wire and decoded)."""
        if response.raw is None or getattr(response, "_content_consumed", False):
            return
        deadline = started + self.timeout
        if self.deadline is not None:
            deadline = min(deadline, self.deadline)
        chunks = []
        size = 0
        try:
            for chunk in _body_chunks(response):
                size += len(chunk)
                if size > self.max_body:
                    raise _TooLarge("once decompressed")
                wire = getattr(response.raw, "tell", lambda: 0)()
                if wire > self.max_body:
                    raise _TooLarge("on the wire")
                chunks.append(chunk)
                if self.monotonic() > deadline:
                    raise _TooSlow()
        except BaseException:
            response.close()
            raise
        response._content = b"".join(chunks)
        response._content_consumed = True

    def _judge(self, what, method, shown_url, response, decode, parse_error, hint_for, auth):
        status = response.status_code
        if 200 <= status < 300:
            try:
                return decode(response) if decode else response
            except ResponseError as exc:
                return ApiError(what, exc.cause, method, shown_url, status, exc.code, exc.vendor_message,
                                hint=exc.hint, retryable=not exc.final)
        if status == 401:
            return _REFRESH
        if status in RETRY_STATUSES:
            code, message = _vendor_error(response, parse_error)
            cause = "HTTP %d (%s)" % (status, "rate limited" if status == 429 else "server error")
            return ApiError(what, cause, method, shown_url, status, code, message, retryable=True,
                            hint=hint_for(status, code) if hint_for else None)
        return self._final_error(what, method, shown_url, response, parse_error, hint_for, auth)

    @staticmethod
    def _final_error(what, method, shown_url, response, parse_error, hint_for, auth):
        status = response.status_code
        code, message = _vendor_error(response, parse_error)
        hint = hint_for(status, code) if hint_for else None
        if status == 401:
            hint = auth.unauthorized_hint() or hint
        if 300 <= status < 400:
            cause = "unexpected redirect (HTTP %d) to %s" % (status, redact_url(response.headers.get("Location", "?")))
            hint = hint or "Use the API's own base URL; redirects are not followed because they could carry credentials."
        else:
            cause = "HTTP %d %s" % (status, response.reason or "")
        return ApiError(what, cause.strip(), method, shown_url, status, code, message, hint=hint)


_REFRESH = object()


class _TooSlow(Exception):
    """The body kept trickling in past the attempt's deadline."""


class _TooLarge(Exception):
    def __init__(self, what):
        super(_TooLarge, self).__init__(what)
        self.what = what


_NOT_TLS = ("WRONG_VERSION_NUMBER", "wrong version number", "record layer failure", "unknown protocol",
            "packet length too long", "http request")


def _body_chunks(response):
    """The decoded body in pieces as they arrive (read1: whatever the socket has), so a deadline can be checked
    between them however slowly the bytes come; urllib3 1.x has no read1 and reads in 64 KiB pieces."""
    raw = response.raw
    if not hasattr(raw, "read1"):
        yield from response.iter_content(65536)
        return
    while True:
        try:
            chunk = raw.read1(65536, decode_content=True)
        except Urllib3ReadTimeout:
            raise requests.exceptions.ReadTimeout("read timed out")
        except Urllib3DecodeError as exc:
            raise requests.exceptions.ContentDecodingError(exc)
        except (Urllib3Error, OSError) as exc:
            raise requests.exceptions.ChunkedEncodingError(exc)
        if not chunk:
            return
        yield chunk


def _tls_error(what, method, url, shown_url, exc, attempts):
    host = urlsplit(url).hostname
    text = str(exc)
    if any(marker in text for marker in _NOT_TLS):
        return ApiError(what, "the TLS handshake with %s failed: the server does not answer TLS on this port" % host,
                        method, shown_url, attempts=attempts,
                        hint="Check the URL: an https:// URL pointed at a plain http server (such as the sandbox "
                             "without its TLS options) fails this way.")
    return ApiError(what, "TLS certificate verification failed for %s (%s)" % (host, _short(exc)), method,
                    shown_url, attempts=attempts,
                    hint="Give ca_path the CA bundle that signed the server's certificate, or set validate_certs: "
                         "false only for a test system you trust.")


def _keep_headers(prepared):
    """An auth hook that changes nothing: given, it stops requests from reading ~/.netrc, whose entry would
    replace the task's own credentials."""
    return prepared


_KEEP_HEADERS = _keep_headers
# a loopback URL (the sandbox, a local TLS tunnel) never goes through a proxy from the environment, which
# would see its credentials in clear over plain http
_NO_PROXY = {"http": None, "https": None}


def is_loopback_host(host):
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _is_loopback_url(url):
    return is_loopback_host((urlsplit(url).hostname or "").lower())


def _header_secrets(headers):
    """Every form in which a request's credentials could be echoed back by a vendor or a gateway."""
    found = []
    value = headers.get("Authorization") or ""
    scheme, dummy, credential = value.partition(" ")
    for part in (value, credential):
        if part:
            found.append(part)
    if scheme.lower() == "basic" and credential:
        try:
            user, dummy, key = base64.b64decode(credential).decode("utf-8").partition(":")
            found.extend([key, "%s:%s" % (user, key)])
        except (ValueError, UnicodeDecodeError):
            pass
    elif scheme == "MC" and ":" in credential:
        found.extend(credential.split(":", 1))
    return tuple(sorted(found, key=len, reverse=True))


def _form_secrets(data):
    """Secret values of a form body (an OAuth2 token request's client_secret), which a token endpoint may echo."""
    if not isinstance(data, dict):
        return ()
    return tuple(v for k, v in data.items() if isinstance(v, str) and any(
        word in k.lower() for word in ("secret", "password", "key", "token")))


def _vendor_error(response, parse_error):
    if parse_error is None:
        return None, None
    try:
        return parse_error(response)
    except Exception:  # pylint: disable=broad-except
        return None, None


def _short(exc):
    """An exception's text without anything that could carry a URL query or header."""
    text = str(exc)
    name = type(exc).__name__
    if "Read timed out" in text:
        return "read timed out"
    for marker in ("Connection refused", "Name or service not known", "Connection reset", "Connection aborted",
                   "RemoteDisconnected", "IncompleteRead", "certificate verify failed", "hostname", "EOF occurred",
                   "Max retries exceeded", "No route to host", "Temporary failure in name resolution"):
        if marker in text:
            return "%s: %s" % (name, marker)
    return name
