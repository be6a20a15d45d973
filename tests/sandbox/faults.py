# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Faults the sandbox can inject, switched on from the command line or the control endpoint.

A fault has a kind, the endpoint it applies to (``tmes``, ``mimecast`` (tracking),
``oauth``, ``held`` (the hold queue), ``remediation``, ``policy``, ``msginfo`` (message info), ``managedurl``
(managed URLs: create, list and delete), ``ttp`` (URL, attachment and impersonation protect logs), or ``*``) and
a count: it hits the next ``count`` requests of that endpoint and then retires itself; without a count it stays
until cleared.  Every kind also takes ``path``: the fault then hits only requests to that URL path (such as
``/api/ttp/remediation/create``), and only those count, so a create can fail while the reads before it go through.

Kinds (parameters and defaults in brackets):

- ``latency`` (ms=100): added before the answer.
- ``status`` (status=500): answered with that HTTP error instead of being carried out.
- ``rate_limit`` (form=seconds, wait=1.0): a 429 with the rate-limit headers of that form.
- ``drop``: the connection is closed without an answer.
- ``truncate``: the body is cut in half.
- ``lone_surrogate``: every subject of the answer starts with a lone UTF-16 surrogate.
- ``wrong_shape``: valid JSON without the expected keys.
- ``slow`` (seconds=5.0): the answer is held back that long, before the request is carried out.
- ``repeat_token``: a TMES page hands back the token it was given.
- ``expire_token``: the API 2.0 token of the request is revoked.
- ``after_status`` (status=502): the request IS carried out (a policy or incident created, a message
  released), then answered with that HTTP error: what a client sees when the answer is lost after the work.
- ``after_slow`` (seconds=5.0): the request is carried out, then its answer held back that long (a client that
  times out has had its request done).
- ``endless`` (items=0): a list endpoint (the hold queue, get-policy, the managed URLs) answers every page with a
  new ``next`` token and ``items`` new items, so a client that follows tokens never ends.
- ``refuse`` (code=err_hold_message_refused): hold-release and hold-reject change nothing and answer
  ``release``/``reject`` false with a keyed fail[] entry carrying that code for each id.
- ``unconfirmed``: hold-release and hold-reject change nothing and answer ``release``/``reject`` false with an
  empty fail[] (as an integrator's mock of a release Mimecast did not do: real-samples/mimecast-actions-demisto-7).
"""

from __future__ import annotations

import threading

ENDPOINTS = ("*", "tmes", "mimecast", "oauth", "held", "remediation", "policy", "msginfo", "managedurl",
             "ttp")

# kind -> (parameter name -> (type, default)); every kind takes endpoint and count
KINDS = {
    "latency": {"ms": (int, 100)},
    "status": {"status": (int, 500)},
    "rate_limit": {"form": (str, "seconds"), "wait": (float, 1.0)},
    "drop": {},
    "truncate": {},
    # every subject of the answer starts with a lone UTF-16 surrogate, as a cut emoji would leave it
    "lone_surrogate": {},
    "wrong_shape": {},
    "slow": {"seconds": (float, 5.0)},
    "repeat_token": {},
    "expire_token": {},
    "after_status": {"status": (int, 502)},
    "after_slow": {"seconds": (float, 5.0)},
    "endless": {"items": (int, 0)},
    "refuse": {"code": (str, "err_hold_message_refused")},
    "unconfirmed": {},
}
RATE_LIMIT_FORMS = ("seconds", "http-date", "reset-ms", "reset-epoch")


class FaultError(ValueError):
    """A fault description that cannot be used."""


class Fault:
    """One switched-on fault."""

    def __init__(self, fault_id: int, kind: str, endpoint: str = "*", count=None, path=None, **params):
        if kind not in KINDS:
            raise FaultError("unknown fault kind %r; use one of: %s" % (kind, ", ".join(sorted(KINDS))))
        if endpoint not in ENDPOINTS:
            raise FaultError("unknown endpoint %r; use one of: %s" % (endpoint, ", ".join(ENDPOINTS)))
        if path is not None and (not isinstance(path, str) or not path.startswith("/")):
            raise FaultError("path must be a URL path such as /api/ttp/remediation/create, got %r" % (path,))
        self.path = path
        if count is not None:
            try:
                count = int(count)
            except (TypeError, ValueError):
                raise FaultError("count must be a whole number, got %r" % (count,)) from None
            if count < 1:
                raise FaultError("count must be 1 or more, got %d" % count)
        allowed = KINDS[kind]
        unknown = set(params) - set(allowed)
        if unknown:
            raise FaultError("fault %s takes no parameter %s" % (kind, ", ".join(sorted(unknown))))
        self.params = {}
        for name, (kind_type, default) in allowed.items():
            value = params.get(name, default)
            try:
                self.params[name] = kind_type(value)
            except (TypeError, ValueError):
                raise FaultError("fault %s: %s must be %s, got %r" % (kind, name, kind_type.__name__, value)) from None
        if kind == "rate_limit" and self.params["form"] not in RATE_LIMIT_FORMS:
            raise FaultError("rate_limit form must be one of: %s" % ", ".join(RATE_LIMIT_FORMS))
        if kind in ("status", "after_status") and not 400 <= self.params["status"] <= 599:
            raise FaultError("status must be an HTTP error status (400-599)")
        if kind == "endless" and not 0 <= self.params["items"] <= 500:
            raise FaultError("endless items must be from 0 to 500")
        if kind == "refuse" and not self.params["code"].strip():
            raise FaultError("refuse needs a code, e.g. err_hold_message_refused")
        self.id = fault_id
        self.kind = kind
        self.endpoint = endpoint
        self.remaining = count
        self.hits = 0

    def as_dict(self) -> dict:
        return dict(self.params, id=self.id, kind=self.kind, endpoint=self.endpoint, path=self.path,
                    remaining=self.remaining, hits=self.hits)


def parse_spec(spec: str) -> dict:
    """Read a command-line fault, ``kind[,endpoint=E][,count=N][,name=value...]``."""
    parts = [p.strip() for p in spec.split(",") if p.strip()]
    if not parts or "=" in parts[0]:
        raise FaultError("a fault starts with its kind, e.g. 'status,status=503,endpoint=tmes,count=2'")
    result = {"kind": parts[0]}
    for part in parts[1:]:
        name, sep, value = part.partition("=")
        if not sep:
            raise FaultError("fault parameter %r needs the form name=value" % part)
        result[name.strip()] = value.strip()
    return result


class FaultBoard:
    """The switched-on faults, safe to use from the server's threads."""

    def __init__(self):
        self._lock = threading.Lock()
        self._faults = []
        self._next_id = 1

    def add(self, kind: str, **params) -> Fault:
        with self._lock:
            fault = Fault(self._next_id, kind, **params)
            self._next_id += 1
            self._faults.append(fault)
            return fault

    def clear(self):
        with self._lock:
            self._faults = []

    def list(self):
        with self._lock:
            return [f.as_dict() for f in self._faults]

    def take(self, endpoint: str, path: str = None):
        """The faults that hit this request (at most one of each kind), counting them down."""
        hit = []
        kinds = set()
        with self._lock:
            for fault in list(self._faults):
                if fault.endpoint not in ("*", endpoint) or fault.kind in kinds or (
                        fault.path is not None and fault.path != path):
                    continue
                kinds.add(fault.kind)
                hit.append(fault)
                fault.hits += 1
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
        return hit
