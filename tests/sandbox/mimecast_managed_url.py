# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Mimecast managed URLs (URL Protect): create, list and delete, as shared/api/CLICKS.md section 7 and the
captures shared/api/real-samples/mimecast-managedurl-* show them.

Where each word and shape comes from:

- Create ``POST /api/ttp/url/create-managed-url`` ``data[{url, action, matchType, comment, disableRewrite,
  disableUserAwareness, disableLogClick}]`` (Mimecast's documentation); the answer ``data[entry]`` (rapid7-3,
  demisto-1).  The entry's fields and their order: ``id, scheme, domain, port (-1 when none), path, queryString,
  matchType, action, comment, disableUserAwareness, disableRewrite, disableLogClick`` (rapid7-1, rapid7-3);
  ``path`` "/" and "" are two entries (rapid7-1: two for http://aadroid.net); ``comment`` "" when none was sent
  (rapid7-1).
- No update: creating an entry that exists answers HTTP 200, ``data []``, ``fail[{key, errors}]`` whose ``key``
  is the request with Mimecast's defaults filled in (``overrideUrl`` included) and whose error is
  ``err_managed_url_exists_code`` (rapid7-4).  The sandbox's reading of "to update it, delete and recreate": an
  entry exists when one has the same URL and match type, whatever its action and flags.
- List ``POST /api/ttp/url/get-all-managed-urls`` pages with ``meta.pagination.next`` although the documentation
  shows no paging (rapid7-1); an empty list answers ``pagination {pageSize: 0}`` and nothing else (rapid7-2), so
  ``pageSize`` is what the page holds.  The optional filter ``data[{domainOrUrl, exactMatch}]`` (documented,
  rapid7-7).
- Delete ``POST /api/ttp/url/delete-managed-url`` ``data[{id}]`` answers ``data []`` (no id echoed, rapid7-5); an
  unknown id answers HTTP 200 ``fail[{errors[{code: err_managed_url_not_found, message: "Managed URL not found",
  retryable: false}]}]`` without ``key`` (CLICKS.md section 7, a capture kept aside).
- Every endpoint needs Services | Targeted Threat Protection - URL Protect | Edit, even to list (documentation).

The sandbox's own choices, where no source shows what Mimecast does: the domain is stored in lower case; a domain
entry keeps the URL it was given as the others do but is the same entry as any other domain entry for that domain;
a request without ``pageSize`` gets pages of 10 (the captured page of a client that sent none); the filter matches
``domainOrUrl`` against the domain and the whole URL, as a part (``exactMatch`` false) or whole (true); a URL with a
``#fragment``, without a scheme or host, or with a user part is refused with ``err_managed_url_invalid``; booleans
must be JSON booleans; flags a block does not use are stored as sent.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import urllib.parse

from .mimecast import bad, enveloped, envelope, failure
from .reply import Reply

CREATE = "/api/ttp/url/create-managed-url"
LIST = "/api/ttp/url/get-all-managed-urls"
DELETE = "/api/ttp/url/delete-managed-url"
PATHS = (CREATE, LIST, DELETE)
PERMISSION = "edit"  # even to list (Mimecast's get-managed-url page)
FIELDS = ("id", "scheme", "domain", "port", "path", "queryString", "matchType", "action", "comment",
          "disableUserAwareness", "disableRewrite", "disableLogClick")
FLAGS = ("overrideUrl", "disableUserAwareness", "disableRewrite", "disableLogClick")
EXISTS = ("err_managed_url_exists_code", "The managed URL already exists; to update it, delete and recreate")
NOT_FOUND = ("err_managed_url_not_found", "Managed URL not found")
DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 500


def _token(offset: int, serial: int) -> str:
    """A page token: opaque, as Mimecast's ("eNol..."), here the offset and the list's serial at the time."""
    raw = json.dumps({"o": offset, "s": serial}).encode()
    return "eNol" + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _offset(token):
    if not isinstance(token, str) or not token.startswith("eNol"):
        return None
    text = token[4:]
    try:
        value = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))["o"]
        return value if isinstance(value, int) and value >= 0 else None
    except (ValueError, TypeError, KeyError):
        return None


def decompose(url: str):
    """The stored form (scheme, domain, port, path, queryString) of a URL, or None when it cannot be stored."""
    if not isinstance(url, str) or "#" in url or any(c.isspace() for c in url):
        return None
    parts = urllib.parse.urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or "@" in parts.netloc:
        return None
    try:
        port = parts.port
    except ValueError:
        return None
    return {"scheme": parts.scheme.lower(), "domain": parts.hostname.lower(), "port": -1 if port is None else port,
            "path": parts.path, "queryString": parts.query}


def url_of(entry: dict) -> str:
    port = "" if entry["port"] == -1 else ":%d" % entry["port"]
    query = "?" + entry["queryString"] if entry["queryString"] else ""
    return "%s://%s%s%s%s" % (entry["scheme"], entry["domain"], port, entry["path"], query)


def same_entry(entry: dict, other: dict) -> bool:
    """Whether two entries are one for Mimecast's uniqueness (the sandbox's reading, see the module text)."""
    if entry["matchType"] != other["matchType"]:
        return False
    if entry["matchType"] == "domain":
        return entry["domain"] == other["domain"]
    return all(entry[k] == other[k] for k in ("scheme", "domain", "port", "path", "queryString"))


class ManagedUrls:
    """The managed URL list of one tenant."""

    def __init__(self, clock, seed=1):
        self.clock = clock
        self.seed = seed
        self._lock = threading.Lock()
        self.entries = []  # in the order they were made
        self._serial = 0
        self._endless = 0
        self.changes = 0

    def state(self) -> list:
        with self._lock:
            return json.loads(json.dumps(sorted(self.entries, key=lambda e: e["id"])))

    def _new_id(self) -> str:
        """An id of the captured form: 107 characters of the URL-safe alphabet (rapid7-1)."""
        self._serial += 1
        digest = b"".join(hashlib.sha256(("murl:%d:%d:%d" % (self.seed, self._serial, n)).encode()).digest()
                          for n in range(3))
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")[:107]

    # -- the endpoints -------------------------------------------------------------------------------------
    def handle(self, api, request, faults=()) -> Reply:
        refusal, body, dummy_role = enveloped(api, request, faults, PERMISSION)
        if refusal is not None:
            return refusal
        kinds = {f.kind: f for f in faults}
        handler = {CREATE: self._create, LIST: self._list, DELETE: self._delete}[request.path]
        with self._lock:
            return handler(body, kinds)

    def _create(self, body, kinds):
        if not body["data"]:
            return bad("err_validation_blank", "data must hold at least one managed URL.")
        made, fails = [], []
        for item in body["data"]:
            unknown = sorted(set(item) - {"url", "action", "matchType", "comment"} - set(FLAGS))
            if unknown:
                return bad("err_validation_unknown_field", "Unknown field: %s." % ", ".join(unknown))
            if not isinstance(item.get("url"), str) or not item["url"].strip():
                fails.append(failure("err_validation_blank", "url cannot be blank or empty", item))
                continue
            if item.get("action") not in ("block", "permit"):
                return bad("err_validation_action", "action must be block or permit.")
            if item.get("matchType", "explicit") not in ("explicit", "domain"):
                return bad("err_validation_match_type", "matchType must be explicit or domain.")
            if "comment" in item and not isinstance(item["comment"], str):
                return bad("err_validation_type", "comment must be a string.")
            if any(name in item and not isinstance(item[name], bool) for name in FLAGS):
                return bad("err_validation_type", "%s must be booleans." % ", ".join(FLAGS))
            parts = decompose(item["url"])
            key = {"url": item["url"], "matchType": item.get("matchType", "explicit"), "action": item["action"]}
            key.update((name, item.get(name, False)) for name in FLAGS)
            if parts is None:
                fails.append(failure("err_managed_url_invalid", "The URL must be an absolute http or https URL "
                                     "without a fragment.", key))
                continue
            entry = dict(parts, id=None, matchType=key["matchType"], action=item["action"],
                         comment=item.get("comment", ""))
            entry.update((name, item.get(name, False)) for name in FLAGS if name != "overrideUrl")
            if any(same_entry(entry, old) for old in self.entries):
                fails.append(failure(EXISTS[0], EXISTS[1], key))
                continue
            entry["id"] = self._new_id()
            entry = {name: entry[name] for name in FIELDS}
            self.entries.append(entry)
            self.changes += 1
            made.append(dict(entry))
        return Reply(200, envelope(200, made, fails))

    def _fake(self, n):
        return {"id": "endless%08d" % n, "scheme": "https", "domain": "endless-%d.example" % n, "port": -1,
                "path": "/", "queryString": "", "matchType": "explicit", "action": "block", "comment": "",
                "disableUserAwareness": False, "disableRewrite": False, "disableLogClick": False}

    def _list(self, body, kinds):
        if len(body["data"]) > 1:
            return bad("err_validation_blank", "data is [] for every managed URL, or one filter object.")
        found = list(self.entries)
        if body["data"]:
            item = body["data"][0]
            unknown = sorted(set(item) - {"domainOrUrl", "exactMatch"})
            if unknown:
                return bad("err_validation_unknown_field", "Unknown field: %s." % ", ".join(unknown))
            text = item.get("domainOrUrl")
            exact = item.get("exactMatch", False)
            if not isinstance(text, str) or not isinstance(exact, bool):
                return bad("err_validation_type", "domainOrUrl must be a string and exactMatch a boolean.")
            text = text.lower()
            if exact:
                found = [e for e in found if text in (e["domain"], url_of(e).lower())]
            else:
                found = [e for e in found if text in url_of(e).lower()]
        pagination = (body.get("meta") or {}).get("pagination") or {}
        size = pagination.get("pageSize", DEFAULT_PAGE_SIZE)
        if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= MAX_PAGE_SIZE:
            return bad("err_validation_page_size", "pageSize must be an integer from 1 to %d." % MAX_PAGE_SIZE)
        offset = 0
        if pagination.get("pageToken"):
            offset = _offset(pagination["pageToken"])
            if offset is None:
                return bad("err_validation_page_token", "The pageToken is not valid.")
        if "endless" in kinds:
            # a list that never ends: every page new items and a new token
            self._endless += 1
            page = [self._fake(self._endless * 1000 + n) for n in range(min(size, kinds["endless"].params["items"]))]
            meta = {"pageSize": len(page), "totalCount": offset + len(page) + size,
                    "next": _token(offset + max(1, len(page)), self._endless)}
            answer = envelope(200, page)
            answer["meta"]["pagination"] = meta
            return Reply(200, answer)
        page = found[offset:offset + size]
        meta = {"pageSize": len(page)}
        if found:
            meta["totalCount"] = len(found)
        if offset + len(page) < len(found):
            meta["next"] = _token(offset + len(page), self._serial)
        answer = envelope(200, json.loads(json.dumps(page)))
        answer["meta"]["pagination"] = meta
        return Reply(200, answer)

    def _delete(self, body, kinds):
        if len(body["data"]) != 1 or set(body["data"][0]) != {"id"} or not isinstance(body["data"][0]["id"], str):
            return bad("err_validation_blank", "data must hold one object with the managed URL id.")
        wanted = body["data"][0]["id"]
        kept = [e for e in self.entries if e["id"] != wanted]
        if len(kept) == len(self.entries):
            return Reply(200, envelope(200, [], [failure(NOT_FOUND[0], NOT_FOUND[1])]))
        self.entries = kept
        self.changes += 1
        return Reply(200, envelope(200, []))


def with_state(state: dict, managed) -> dict:
    """The sandbox's Mimecast state with the managed URLs (``managed_urls``) and their changes counted in."""
    return dict(state, managed_urls=managed.state(), changes=state["changes"] + managed.changes)
