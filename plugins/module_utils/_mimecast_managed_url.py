# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Mimecast managed URLs (mimecast_managed_url): block or permit one link, or a whole domain, read back to compare.

For internal use by this collection only; the interface may change without notice.

Where each vendor word comes from:

- Endpoints, request fields (``url``, ``action`` block/permit, ``matchType`` explicit/domain, ``comment``,
  ``disableRewrite``, ``disableUserAwareness`` (both "Applies only if action = permit"), ``disableLogClick``
  ("Disable logging of user clicks on the URL. Default is false")), no ``#fragment`` in ``url``, "the block will only
  function as expected when the query string is removed", and the Edit permission even to list: Mimecast's
  documentation of create-managed-url, get-managed-url, delete-managed-url and its URL Protect console page.
- The stored form of an entry (``id, scheme, domain, port`` (-1 when none), ``path, queryString, matchType, action,
  comment`` and the three flags), ``path`` "/" and "" as two entries: captured list and create answers
  (real-samples mimecast-managedurl-rapid7-1, -3, demisto-1).
- No update: a create of an entry that exists answers ``err_managed_url_exists_code`` ("to update it, delete and
  recreate") in a keyed ``fail[]`` (rapid7-4); the list pages with ``meta.pagination.next`` (rapid7-1).
- Delete answers ``data []`` without the id (rapid7-5); an unknown id answers ``err_managed_url_not_found`` in a
  ``fail[]`` entry without ``key`` (a capture kept aside, shared/api/CLICKS.md section 7).
- A default port (80 for http, 443 for https) counts as no port (-1): the collection's reading, no source shows
  what Mimecast stores for one.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover
    from urlparse import urlsplit  # type: ignore

from ansible_collections.emailsec.tracking.plugins.module_utils._http import ApiError, redact_url
from ansible_collections.emailsec.tracking.plugins.module_utils._mimecast import (
    MANAGED_URL_CREATE, MANAGED_URL_DELETE, MANAGED_URL_LIST,
)
from ansible_collections.emailsec.tracking.plugins.module_utils._mimecast_account import MimecastAction
from ansible_collections.emailsec.tracking.plugins.module_utils._module import InputError
from ansible_collections.emailsec.tracking.plugins.module_utils._rails import (
    BROAD_DOMAINS, RailError, own_domains, url_target,
)

NEW = "new entry"
EXISTS = "err_managed_url_exists_code"
NOT_FOUND = "err_managed_url_not_found"
# what a stored entry holds besides its id, in the order Mimecast sends it (rapid7-1)
SHOWN = ("scheme", "domain", "port", "path", "queryString", "matchType", "action", "comment", "disableUserAwareness",
         "disableRewrite", "disableLogClick")
FLAGS = (("disable_log_click", "disableLogClick"), ("disable_rewrite", "disableRewrite"),
         ("disable_user_awareness", "disableUserAwareness"))
PERMIT_ONLY = ("disable_rewrite", "disable_user_awareness")
DEFAULT_PORTS = {"http": 80, "https": 443}


def managed_url_argspec():
    return dict(
        url=dict(type="str", required=True),
        action=dict(type="str", default="block", choices=["block", "permit"]),
        match_type=dict(type="str", default="explicit", choices=["explicit", "domain"]),
        comment=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        disable_log_click=dict(type="bool", default=False),
        disable_rewrite=dict(type="bool", default=False),
        disable_user_awareness=dict(type="bool", default=False),
        allow_broad=dict(type="bool", default=False),
        own_domains=dict(type="list", elements="str", default=[]),
    )


# -- the stored form -------------------------------------------------------------------------------------------
def port_of(value, scheme):
    """A port as compared: -1 for none and for the scheme's default port."""
    try:
        port = int(value)
    except (TypeError, ValueError):
        return -1
    return -1 if port < 0 or port == DEFAULT_PORTS.get(scheme) else port


def key_of(entry):
    """What makes an entry the same URL for this module: the domain alone for a domain entry; scheme, domain,
    port, path and query string for an explicit one ("/" and "" are two paths, as Mimecast keeps them)."""
    match = entry.get("matchType") or "explicit"
    domain = ("%s" % (entry.get("domain") or "")).lower().rstrip(".")
    if match == "domain":
        return ("domain", domain)
    scheme = ("%s" % (entry.get("scheme") or "")).lower()
    return ("explicit", scheme, domain, port_of(entry.get("port"), scheme), entry.get("path") or "",
            entry.get("queryString") or "")


def view(entry):
    """An entry as the fields Mimecast stores (flags it leaves out are false): for the diff."""
    shown = dict((name, entry.get(name)) for name in SHOWN)
    for dummy, flag in FLAGS:
        shown[flag] = entry.get(flag) is True
    return shown


def url_of(entry):
    port = entry.get("port")
    text = "%s://%s%s%s" % (entry.get("scheme"), entry.get("domain"),
                            "" if port in (None, -1) else ":%s" % port, entry.get("path") or "")
    return text + ("?" + entry["queryString"] if entry.get("queryString") else "")


def describe(entry):
    return "%s (%s %s %s)" % (entry.get("id"), entry.get("action"), entry.get("matchType"),
                              entry.get("domain") if entry.get("matchType") == "domain" else url_of(entry))


class ManagedUrl(MimecastAction):
    """mimecast_managed_url: one managed URL entry present (with the task's action and flags) or absent."""

    # -- input, before any request -------------------------------------------------------------------------
    def check_input(self):
        p = self.params
        raw = p["url"]
        if not isinstance(raw, str) or not raw.strip():
            raise RailError("url is empty: give the link to %s, like https://evil.example/pay" % p["action"])
        text = raw.strip()
        if "*" in text:
            raise RailError("url: %r is a wildcard, which Mimecast does not take: give one link, or its domain with "
                            "match_type: domain" % raw)
        if "#" in text:
            text, dummy, fragment = text.partition("#")
            self.module.warn("url: the fragment #%s was left out (%s is sent): Mimecast refuses URLs with a fragment, "
                             "and browsers never send it, so the entry matches the same link" % (fragment, text))
        own = own_domains(p["own_domains"])
        explicit = p["match_type"] == "explicit"
        text = url_target(text, "url", own if explicit else (), p["allow_broad"] or not explicit)
        parts = urlsplit(text)
        if "@" in parts.netloc:
            raise RailError("url: %r has a user part before the host (user@host): Mimecast stores the scheme, domain, "
                            "port, path and query of a URL; give the link without it" % raw)
        try:
            port = parts.port
        except ValueError:
            raise RailError("url: %r has an invalid port" % raw)
        scheme = parts.scheme.lower()
        host = parts.hostname.lower()
        if not explicit:
            self.refuse_broad_domain(host, own)
            if (parts.path not in ("", "/")) or parts.query:
                self.module.warn("match_type domain matches the whole domain %s: the path and query of url are not "
                                 "sent" % host)
            text = "%s://%s%s" % (scheme, host, "" if port is None else ":%d" % port)
            parts = urlsplit(text)
        elif parts.query and p["action"] == "block":
            self.module.warn("url has a query string (?%s): Mimecast says a block of a URL with a query string only "
                             "works as expected when the query string is removed; consider blocking %s instead"
                             % (parts.query, text.split("?", 1)[0]))
        if p["state"] == "present":
            if p["action"] == "block" and any(p[name] for name in PERMIT_ONLY):
                raise InputError("%s: apply only to action permit (Mimecast: 'Applies only if action = permit'); "
                                 "leave them false for a block" % " and ".join(n for n in PERMIT_ONLY if p[n]))
            if p["disable_log_click"]:
                self.module.warn("disable_log_click is true: Mimecast will not log clicks on %s, so who clicked it "
                                 "cannot be found later (the who-clicked evidence of the incident is lost). Leave it "
                                 "false unless that is really meant" % text)
        self.sent_url = text
        self.wanted = {"id": None, "scheme": scheme, "domain": host, "port": -1 if port is None else port,
                       "path": parts.path, "queryString": parts.query, "matchType": p["match_type"],
                       "action": p["action"], "comment": p["comment"] if p["comment"] is not None else "",
                       "disableUserAwareness": p["disable_user_awareness"], "disableRewrite": p["disable_rewrite"],
                       "disableLogClick": p["disable_log_click"]}
        self.key = key_of(self.wanted)

    def refuse_broad_domain(self, host, own):
        if self.params["allow_broad"]:
            return
        for listed in own:
            if host == listed or host.endswith("." + listed):
                raise RailError("url: %s is one of the organisation's own domains (%s): match_type domain would %s "
                                "every link on it. Give the campaign's own link with match_type explicit, or set "
                                "allow_broad: true if that is really meant" % (host, listed, self.params["action"]))
        if any(host == d or host.endswith("." + d) for d in BROAD_DOMAINS):
            raise RailError("url: %s is a shared-platform or free-mail domain used by many unrelated sites: "
                            "match_type domain would %s every link on it. Give the campaign's own link with "
                            "match_type explicit, or set allow_broad: true if that is really meant"
                            % (host, self.params["action"]))

    def request_item(self):
        p = self.params
        item = {"url": self.sent_url, "action": p["action"], "matchType": p["match_type"]}
        if p["comment"] is not None:
            item["comment"] = p["comment"]
        # always sent, false unless asked: a peer's default of true switches off the who-clicked evidence
        item["disableLogClick"] = p["disable_log_click"]
        if p["action"] == "permit":
            item["disableRewrite"] = p["disable_rewrite"]
            item["disableUserAwareness"] = p["disable_user_awareness"]
        return item

    def same_settings(self, entry):
        """Whether an entry of the task's URL has the task's action and flags (for a block, only the flag a block
        uses: disableLogClick)."""
        p = self.params
        if entry.get("action") != p["action"]:
            return False
        flags = FLAGS if p["action"] == "permit" else FLAGS[:1]
        return all((entry.get(flag) is True) == p[option] for option, flag in flags)

    # -- requests ------------------------------------------------------------------------------------------
    def read(self, client):
        entries = {}
        for page in client.list_pages("read the Mimecast managed URLs", MANAGED_URL_LIST, None):
            for entry in page.records:
                if isinstance(entry, dict) and isinstance(entry.get("id"), str) and entry["id"]:
                    entries.setdefault(entry["id"], entry)
        return list(entries.values())

    def main(self):
        self.check_input()
        client = self.client()
        entries = self.read(client)
        candidates = [e for e in entries if key_of(e) == self.key]
        for entry in candidates:
            if entry.get("disableLogClick") is True:
                self.module.warn("Managed URL %s has click logging off (disableLogClick true): Mimecast has not "
                                 "logged clicks on it while it was in place, so who clicked it is missing from the "
                                 "URL Protect logs (a gap in the who-clicked evidence)" % describe(entry))
        if self.params["state"] == "absent":
            return self.absent(client, candidates)
        return self.present(client, candidates)

    def own(self, entry):
        """Whether an entry is this task's: its comment is exactly the task's (the comment is the marker, as a
        blocked sender policy's description is)."""
        return entry.get("comment") == self.params["comment"]

    def present(self, client, candidates):
        p = self.params
        equal = sorted((e for e in candidates if self.same_settings(e)), key=lambda e: not self.own(e))
        keep = equal[0] if equal else None
        # only the task's own entries are ever deleted: another's entry is left as it is, whatever it says
        drop = [e for e in candidates if e is not keep and self.own(e)]
        others = [e for e in candidates if e is not keep and not self.own(e)]
        before = dict((e["id"], view(e)) for e in candidates)
        if keep is None and others:
            same_action = [e for e in others if e.get("action") == p["action"]]
            if same_action and not drop:
                # someone else's entry already does what the task asks (other flags, another comment): in place, so
                # nothing is written; a block without click logging is named above as a gap in the evidence
                self.module.warn("Managed URL %s already %ss this URL (%s); it is not the task's (another comment) "
                                 "and is left as it is" % (same_action[0]["id"], p["action"], describe(same_action[0])))
                return dict(changed=False, outcome="existing", entry=same_action[0], removed=[], not_found=[],
                            conflicts=[e["id"] for e in others], diff={"before": before, "after": before})
            if not same_action:
                raise InputError(
                    "the URL has a managed URL entry that is not this task's and does the opposite (%s): it was not "
                    "deleted, and Mimecast takes one entry a URL. Ask whoever made it (its comment says who), remove "
                    "it in the console or with state=absent and its comment, then run again"
                    % "; ".join(describe(e) for e in others))
        if keep is not None and not self.own(keep):
            self.module.warn("Managed URL %s already %ss this URL with these settings; it is not the task's (comment "
                             "%r) and is left as it is" % (keep["id"], p["action"], keep.get("comment")))
        if keep is not None and not drop:
            return dict(changed=False, outcome="unchanged" if self.own(keep) else "existing", entry=keep, removed=[],
                        not_found=[], conflicts=[e["id"] for e in others], diff={"before": before, "after": before})
        after = {keep["id"]: view(keep)} if keep is not None else {NEW: view(self.wanted)}
        if drop:
            self.module.warn("Mimecast cannot update a managed URL (\"to update it, delete and recreate\"): the task's "
                             "own %s deleted %s; for a moment the URL has %s" % (
                                 "; ".join(describe(e) for e in drop), "and the task's entry created" if keep is None
                                 else "(the task's entry %s is already there)" % keep["id"],
                                 "no entry" if keep is None else "only the task's entry"))
        outcome = "replaced" if drop else "created"
        result = dict(changed=True, outcome=outcome, not_found=[], conflicts=[e["id"] for e in others],
                      diff={"before": before, "after": after})
        if self.module.check_mode:
            return dict(result, entry=keep if keep is not None else dict(self.wanted), removed=[e["id"] for e in drop])
        removed, not_found = self.delete(client, drop, [])
        result.update(removed=removed, not_found=not_found)
        if keep is not None:
            return dict(result, entry=keep, changed=bool(removed))
        return self.create(client, result)

    def create(self, client, result):
        what = "create a Mimecast managed URL"
        url = redact_url(client.base_url + MANAGED_URL_CREATE)

        def find():
            for entry in self.read(client):
                if key_of(entry) == self.key and self.same_settings(entry):
                    return entry
            return None

        try:
            body, adopted = client.create(what, MANAGED_URL_CREATE, [self.request_item()], find)
        except ApiError as exc:
            if exc.code != EXISTS:
                exc.extra = dict(exc.extra, removed=result["removed"], not_found=result["not_found"])
                raise
            found = find()
            if found is None:
                exc.cause = ("Mimecast says an entry for %s already exists, but the managed URLs read again hold "
                             "none with action %s and these flags (an entry with other settings, or one Mimecast "
                             "compares differently, may be there)" % (self.sent_url, self.params["action"]))
                exc.hint = ("Look the URL up in the managed URLs of the Administration Console (URL Protect), "
                            "and delete it there or run the task with the settings it has.")
                exc.extra = dict(exc.extra, removed=result["removed"], not_found=result["not_found"])
                raise
            self.module.warn("Mimecast refused the create because the entry already exists (%s): it was made in the "
                             "meantime; found it by reading the managed URLs again: %s" % (EXISTS, describe(found)))
            after = {found["id"]: view(found)}
            if result["removed"]:
                return dict(result, entry=found, diff=dict(result["diff"], after=after))
            return dict(result, changed=False, outcome="existing", entry=found, diff=dict(result["diff"], after=after))
        if adopted is not None:
            self.module.warn("The request to %s failed in a way that leaves open whether Mimecast acted; reading the "
                             "managed URLs again found it done (%s), so it was not sent again"
                             % (what, describe(adopted)))
            return dict(result, entry=adopted)
        data = body.get("data") or []
        made = data[0] if data and isinstance(data[0], dict) else {}
        if not isinstance(made.get("id"), str) or not made["id"] or key_of(made) != self.key or \
                not self.same_settings(made):
            error = ApiError(what, "Mimecast answered without the entry it made for %s, so the outcome is not proven"
                             % self.sent_url, "POST", url,
                             hint="Run the task again: it reads the managed URLs first and finds the entry if "
                                  "Mimecast made it.")
            error.extra = {"removed": result["removed"], "not_found": result["not_found"]}
            raise error
        return dict(result, entry=made)

    def delete(self, client, entries, removed):
        """Delete each entry (one id a request); (removed ids, ids Mimecast no longer knew)."""
        not_found = []
        what = "delete a Mimecast managed URL"
        for entry in entries:
            try:
                body = client.post(what, MANAGED_URL_DELETE, [{"id": entry["id"]}])
            except ApiError as exc:
                if exc.code == NOT_FOUND:
                    not_found.append(entry["id"])
                    continue
                exc.extra = dict(exc.extra, removed=removed, not_found=not_found)
                raise
            data = body.get("data") or []
            meta = body.get("meta") if isinstance(body.get("meta"), dict) else {}
            named = all(isinstance(d, dict) and d.get("id") == entry["id"] for d in data)
            # Mimecast answers a delete with data [] and names no id (rapid7-5); an unknown id is a failure
            # (err_managed_url_not_found), so an answer without failure proves the delete
            if not named or str(meta.get("status", 200)) != "200":
                error = ApiError(what, "Mimecast's answer to the delete of %s is neither done nor not found, so its "
                                 "removal is not proven" % entry["id"], "POST",
                                 redact_url(client.base_url + MANAGED_URL_DELETE),
                                 hint="Run the task again: it reads the managed URLs first and removes what is "
                                      "left.")
                error.extra = {"removed": removed, "not_found": not_found}
                raise error
            removed.append(entry["id"])
        if not_found:
            self.module.warn("Mimecast no longer knew %d of the managed URLs read a moment before (gone already, %s): "
                             "%s" % (len(not_found), NOT_FOUND, ", ".join(not_found)))
        return removed, not_found

    def absent(self, client, candidates):
        p = self.params
        # only the task's own entries (its action and exactly its comment) are removed; another's is never
        mine = [e for e in candidates if e.get("action") == p["action"] and self.own(e)]
        left = [e for e in candidates if e not in mine]
        if left:
            self.module.warn("Left in place: %d managed URL entr%s for this URL that %s not the task's (another "
                             "action or comment): %s" % (len(left), "y" if len(left) == 1 else "ies",
                                                         "is" if len(left) == 1 else "are",
                                                         "; ".join(describe(e) for e in left)))
        before = dict((e["id"], view(e)) for e in mine)
        result = dict(entry=None, diff={"before": before, "after": {}})
        if self.module.check_mode:
            ids = [e["id"] for e in mine]
            return dict(result, changed=bool(ids), outcome="removed" if ids else "absent", removed=ids, not_found=[])
        removed, not_found = self.delete(client, mine, [])
        return dict(result, changed=bool(removed), outcome="removed" if removed else "absent", removed=removed,
                    not_found=not_found)
