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

import email.utils
import random
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
except ImportError:
    requests = None
    HTTPAdapter = object
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

RETRY_STATUSES = frozenset((429, 500, 502, 503, 504))
BACKOFF_BASE = 0.5
EPOCH_SECONDS_FLOOR = 1e9  # an X-RateLimit-Reset at or above this is a point in time, not a wait
EPOCH_MS_FLOOR = 1e12


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
        super(ApiError, self).__init__(self.message)

    @property
    def message(self):
        text = "Failed to %s: %s" % (self.what, self.cause)
        if self.code or self.vendor_message:
            text += " (vendor said: %s)" % ": ".join(p for p in (self.code, self.vendor_message) if p)
        if self.method and self.url:
            text += "; request %s %s" % (self.method, self.url)
        if self.attempts:
            text += "; %d attempt%s made" % (self.attempts, "" if self.attempts == 1 else "s")
        text += "."
        if self.hint:
            text += " " + self.hint
        return text

    def fail_kwargs(self):
        """Keyword arguments for ``fail_json``: msg plus status, code and url."""
        return {"msg": self.message, "status": self.status, "code": self.code, "url": self.url}


class ResponseError(Exception):
    """A response that cannot be used; retried like a transient failure unless final."""

    def __init__(self, cause, final=False, code=None, vendor_message=None, hint=None):
        super(ResponseError, self).__init__(cause)
        self.cause = cause
        self.final = final
        self.code = code
        self.vendor_message = vendor_message
        self.hint = hint


def redact_url(url):
    """The URL without credentials, query or fragment: safe to show."""
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


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
                 pool_size=16, user_agent="emailsec.tracking", sleep=time.sleep, clock=time.time, rand=random.random):
        if requests is None:
            raise RuntimeError("the requests library is needed")
        self.timeout = timeout
        self.retries = retries
        self.retry_max_delay = retry_max_delay
        self.sleep = sleep
        self.clock = clock
        self.rand = rand
        self.session = requests.Session()
        self.session.verify = ca_path if (ca_path and validate_certs) else bool(validate_certs)
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
                parse_error=None, hint_for=None):
        """Send one request with retries; returns ``decode(response)`` (or the response).

        ``decode`` may raise ResponseError; ``parse_error(response)`` returns the vendor's
        (code, message) for an error response; ``hint_for(status, code)`` what to do about it.
        """
        auth = auth or NoAuth()
        shown_url = redact_url(url)
        path = urlsplit(url).path
        attempts = 0
        refreshed = False
        last = None
        while True:
            attempts += 1
            headers = auth.apply({}, method, path)
            self._count()
            wait = None
            try:
                response = self.session.request(method, url, params=params, data=data, json=json_body,
                                                headers=headers, timeout=self.timeout, allow_redirects=False)
            except requests.exceptions.SSLError as exc:
                raise ApiError(what, "TLS certificate verification failed for %s (%s)" % (
                    urlsplit(url).hostname, _short(exc)), method, shown_url, attempts=attempts,
                    hint="Give ca_path the CA bundle that signed the server's certificate, or set validate_certs: "
                         "false only for a test system you trust.")
            except requests.exceptions.Timeout:
                last = ApiError(what, "no answer within the timeout of %s seconds" % self.timeout, method, shown_url,
                                retryable=True, hint="Raise timeout, or check the network path to the API.")
            except (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError,
                    requests.exceptions.ContentDecodingError) as exc:
                last = ApiError(what, "the connection failed or was cut (%s)" % _short(exc), method, shown_url,
                                retryable=True, hint="Check the URL, the proxy settings and the network path.")
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
                if not outcome.retryable:
                    outcome.attempts = attempts
                    raise outcome
                last = outcome
                if response.status_code in RETRY_STATUSES:
                    wait = server_wait(response.headers, self.clock())
            if attempts > self.retries:
                last.attempts = attempts
                last.cause = "gave up after %d attempts; the last failure: %s" % (attempts, last.cause)
                raise last
            if wait is None:
                wait = backoff(attempts, self.retry_max_delay, self.rand)
            self._count(retried=True)
            self.sleep(min(wait, self.retry_max_delay))

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
