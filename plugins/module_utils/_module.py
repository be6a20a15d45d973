# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The base of both modules: shared options, input checks, client set-up, one place for failures.

For internal use by this collection only; the interface may change without notice.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import signal
import threading

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover
    from urlparse import urlsplit  # type: ignore

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.emailsec.tracking.plugins.module_utils._auth import CredentialError
from ansible_collections.emailsec.tracking.plugins.module_utils._http import (
    REQUESTS_IMPORT_ERROR, ApiError, HttpClient, is_loopback_host,
)
from ansible_collections.emailsec.tracking.plugins.module_utils._matching import (
    JMESPATH_IMPORT_ERROR, Matcher, MatchInputError, Query,
)
from ansible_collections.emailsec.tracking.plugins.module_utils._paging import (
    MAX_SLICES, FileSink, MemorySink, Pipeline, Slice, binding_of, decode_resume, is_resume_token, run,
)
from ansible_collections.emailsec.tracking.plugins.module_utils._timewindow import TimeInputError, Window

MAX_CONCURRENCY = 16
# Concurrency N cuts the window into N parts of each of these relative lengths, in this order ("guided"
# scheduling): the long parts first, shorter ones last, so that the workers end close together however the
# mail is spread over the day, with fewer parts (each ends on a page the vendor sends part full) than equal
# parts would need for the same balance.  Simulated over 3 to 72 hours of flat and day-and-night traffic at
# 20,000 to 400,000 records, eight workers end on average 17 % after the ideal (every page evenly shared)
# with these 24 parts, 23 % with 32 equal parts.
GUIDED_PART_WEIGHTS = (25, 15, 9)


def connection_argspec():
    return dict(
        validate_certs=dict(type="bool", default=True),
        ca_path=dict(type="path"),
        timeout=dict(type="float", default=30.0),
        retries=dict(type="int", default=5),
        retry_max_delay=dict(type="float", default=60.0),
        total_timeout=dict(type="float", default=3600.0),
    )


def output_argspec():
    return dict(
        max_records=dict(type="int"),
        token=dict(type="str", no_log=False),
        concurrency=dict(type="int", default=1),
        dest=dict(type="path"),
        mode=dict(type="raw"),
        allow_partial=dict(type="bool", default=False),
        query=dict(type="str"),
    )


def matching_argspec():
    return dict(
        sender=dict(type="str"),
        recipient=dict(type="str"),
        subject=dict(type="str"),
        sender_ip=dict(type="str"),
        message_id=dict(type="str"),
    )


class _Terminated(Exception):
    """SIGTERM arrived during the run."""


def _terminated(signum, frame):
    raise _Terminated()


def _main_thread():
    return threading.current_thread() is threading.main_thread()


class InputError(ValueError):
    """Bad input found by the module's own checks; the message says what to fix."""


def check_base_url(url, option):
    """A base URL with scheme and host only; plain http only to a loopback address."""
    text = (url or "").strip()
    parts = urlsplit(text)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise InputError("%s: %r is not an absolute URL; write it with its scheme, like https://api.example.com"
                         % (option, url))
    if "@" in parts.netloc:
        raise InputError("%s must not carry credentials; give them in their own options" % option)
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise InputError("%s: %r has a path, query or fragment; give the scheme and host only, like %s://%s"
                         % (option, url, parts.scheme, parts.netloc))
    if parts.scheme == "http" and not is_loopback_host(parts.hostname or ""):
        raise InputError("%s: %r uses plain http, which would send the credentials unencrypted; use https "
                         "(plain http is accepted only for a loopback address such as a local sandbox)"
                         % (option, url))
    try:
        parts.port
    except ValueError:
        raise InputError("%s: %r has an invalid port" % (option, url))
    return "%s://%s" % (parts.scheme, parts.netloc)


def full_argspec(argument_spec, output=True):
    """A module's own options with the connection options of every module, and the output options of a search."""
    spec = connection_argspec()
    if output:
        spec.update(output_argspec())
    spec.update(argument_spec)
    return spec


class TrackingModule:
    """The options and the run both searches share, for a module (AnsibleModule) or a lookup.

    ``host`` stands in for AnsibleModule when a lookup runs the search: it has ``params`` (validated against
    the same argument spec), ``check_mode``, ``ansible_version`` and ``warn(msg)``; the lookup checks the Python
    libraries itself and turns ``outcome()`` failures into its own errors.
    """

    output = True  # False for the modules that act: no max_records, token, concurrency, dest, query

    def __init__(self, argument_spec, host=None, **kwargs):
        if host is None:
            host = AnsibleModule(argument_spec=full_argspec(argument_spec, self.output), supports_check_mode=True,
                                 **kwargs)
        self.module = host
        self.params = self.module.params
        if REQUESTS_IMPORT_ERROR:
            self.module.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)
        if self.params.get("query") and JMESPATH_IMPORT_ERROR:
            self.module.fail_json(msg=missing_required_lib("jmespath"), exception=JMESPATH_IMPORT_ERROR)

    # -- input checks -----------------------------------------------------------------------------------
    def check_common(self):
        p = self.params
        if p["timeout"] <= 0:
            raise InputError("timeout must be more than 0 seconds, got %s" % p["timeout"])
        if p["retries"] < 0:
            raise InputError("retries must be 0 or more, got %d" % p["retries"])
        if p["retry_max_delay"] < 0:
            raise InputError("retry_max_delay must be 0 or more seconds, got %s" % p["retry_max_delay"])
        if not 0 < p["total_timeout"] < 10 ** 7:
            raise InputError("total_timeout must be more than 0 and less than 10000000 seconds, got %s"
                             % p["total_timeout"])
        self.file_mode()
        if p["ca_path"] and not os.path.isfile(p["ca_path"]):
            raise InputError("ca_path %s is not a file; give the path of a PEM CA bundle" % p["ca_path"])
        if not self.output:
            return
        if not 1 <= p["concurrency"] <= MAX_CONCURRENCY:
            raise InputError("concurrency must be from 1 to %d, got %d" % (MAX_CONCURRENCY, p["concurrency"]))
        if p["max_records"] is not None and p["max_records"] < 1:
            raise InputError("max_records must be 1 or more, got %d" % p["max_records"])
        if p["dest"]:
            directory = os.path.dirname(os.path.abspath(p["dest"]))
            if not os.path.isdir(directory):
                raise InputError("dest: the directory %s does not exist; create it first or choose another path"
                                 % directory)
            if os.path.isdir(p["dest"]):
                raise InputError("dest: %s is a directory; give a file path such as %s"
                                 % (p["dest"], os.path.join(p["dest"], "records.jsonl")))
            if not os.access(directory, os.W_OK):
                raise InputError("dest: the directory %s is not writable" % directory)

    def file_mode(self):
        """The dest file's mode as an int (octal string or number), default 0600; InputError otherwise."""
        mode = self.params.get("mode")
        if mode is None:
            return 0o600
        text = str(mode).strip()
        try:
            value = int(text, 8) if isinstance(mode, str) else int(mode)
        except ValueError:
            value = -1
        if not 0 <= value <= 0o7777 or (isinstance(mode, str) and not text.isdigit()):
            raise InputError("mode: %r is not a file mode; write it as an octal string such as '0640'" % (mode,))
        return value

    # what a resume token must be used with, set by each module: its name and its query options
    binding_options = ()
    module_name = None

    def binding(self):
        return binding_of(self.module_name, dict((k, self.params.get(k)) for k in self.binding_options))

    def resume_slices(self):
        """(slices, the window they span) from a resume token, or None when no resume token was given."""
        token = self.params.get("token")
        if token and is_resume_token(token):
            try:
                slices = decode_resume(token, self.binding())
            except ValueError as exc:
                raise InputError(str(exc))
            return slices, Window(min(s.window.start for s in slices), max(s.window.end for s in slices))
        return None

    def slices_for(self, window, size=None):
        concurrency = self.params["concurrency"]
        if size is not None:
            planned = (window.end - window.start) // size + 1
            if planned > MAX_SLICES:
                raise InputError("slice %s cuts this window into %d parts, more than %d: use a longer slice"
                                 % (self.params.get("slice"), planned, MAX_SLICES))
            return [Slice(w) for w in window.slices(size=size, step=self.resolution)]
        if concurrency <= 1:
            return [Slice(window.slices(count=1, step=self.resolution)[0])]
        weights = [weight for weight in GUIDED_PART_WEIGHTS for dummy in range(concurrency)]
        return [Slice(w) for w in window.slices(step=self.resolution, weights=weights)]

    resolution = None  # set by each vendor module: its time resolution

    # -- running ------------------------------------------------------------------------------------------
    def http_client(self):
        p = self.params
        if not p["validate_certs"]:
            self.module.warn("validate_certs is false: the API's TLS certificate is not checked, so the credentials "
                             "could reach an impostor. Use ca_path for a private CA instead.")
        return HttpClient(timeout=p["timeout"], validate_certs=p["validate_certs"], ca_path=p["ca_path"],
                          retries=p["retries"], retry_max_delay=p["retry_max_delay"], total_timeout=p["total_timeout"],
                          pool_size=max(10, p.get("concurrency", 1) + 2),
                          user_agent="ansible-emailsec.tracking/%s" % self.module.ansible_version)

    def pipeline(self, key, fields, criteria):
        matcher = Matcher(fields, **criteria)
        return Pipeline(key, matcher, Query(self.params.get("query")))

    def collect(self, slices, fetch, pipeline):
        p = self.params
        sink = FileSink(p["dest"], mode=self.file_mode(), dry_run=self.module.check_mode) if p["dest"] else \
            MemorySink()
        spill = os.path.dirname(os.path.abspath(p["dest"])) if p["dest"] else None
        previous = signal.getsignal(signal.SIGTERM) if _main_thread() else None
        if previous is not None:
            # AWX sends SIGTERM on cancel and timeout: end like any failure, so no temporary file is left
            signal.signal(signal.SIGTERM, _terminated)
        try:
            return run(slices, fetch, pipeline, sink, max_records=p["max_records"], concurrency=p["concurrency"],
                       allow_partial=p["allow_partial"], spill_dir=spill, binding=self.binding())
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)

    def results(self, outcome, records_key, window, **extra):
        result = dict(changed=False, count=outcome.count, window=window.as_dict(), **extra)
        if outcome.file_info:
            result.update(outcome.file_info)
            result[records_key] = []
            if self.module.check_mode:
                self.module.warn("check mode: the records were fetched and counted, but %s was not written"
                                 % outcome.file_info["dest"])
        else:
            result[records_key] = outcome.records
        if outcome.next_token:
            result["next_token"] = outcome.next_token
        result["partial"] = outcome.partial
        if outcome.partial:
            result["missing"] = outcome.missing
            self.module.warn("Partial results: %d part(s) of the window failed after their retries and are missing "
                             "(see 'missing'); run again with token set to next_token to fetch them."
                             % len(outcome.missing))
        return result

    def outcome(self, body):
        """Run ``body()`` (which returns the result dict): (result, None), or (None, the failure's fail_json
        keyword arguments) for every known failure."""
        try:
            return body(), None
        except ApiError as exc:
            return None, exc.fail_kwargs()
        except (InputError, TimeInputError, MatchInputError, CredentialError) as exc:
            return None, {"msg": str(exc)}
        except _Terminated:
            return None, {"msg": "The run was stopped by SIGTERM (a cancelled or timed-out job); nothing was "
                                 "written."}

    def execute(self, body):
        """Run ``body()`` as a module: one fail_json for any known failure, else exit_json with the result."""
        result, failure = self.outcome(body)
        if failure is not None:
            self.module.fail_json(**failure)
        self.module.exit_json(**result)
