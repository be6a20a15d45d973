#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers of the response_paths target: settings, inventories and trace summaries built from the sandboxes' first
JSON lines, and the sandbox's state and request counters."""

from __future__ import annotations

import datetime
import json
import os
import sys
import urllib.request


def sb(path):
    return json.load(open(path, encoding="utf-8"))["sb"]


def fetch(info, what):
    import ssl
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with urllib.request.urlopen(info["url"] + what, context=context) as answer:
        return json.load(answer)


def settings(info, ca_path=None, both=False):
    tmes = {"api_url": info["url"], "username": info["tmes"]["username"], "api_key": info["tmes"]["api_key"]}
    mimecast = {"base_url": info["url"], "client_id": info["mimecast"]["client_id"],
                "client_secret": info["mimecast"]["client_secret"], "poll_interval": 0.1}
    if both:
        # API 1.0 keys as well, with a wrong secret: a module that chose API 1.0 would fail
        mimecast.update(access_key=info["mimecast"]["access_key"], secret_key="d3Jvbmcgc2VjcmV0IGtleQ==",
                        app_id=info["mimecast"]["app_id"], app_key=info["mimecast"]["app_key"])
    if ca_path:
        tmes["ca_path"] = mimecast["ca_path"] = ca_path
    return tmes, mimecast


def variant(path, kind):
    summary = json.load(open(path, encoding="utf-8"))["message_trace"]
    if kind in ("blank", "at", "star"):
        summary["indicator"] = {"sender": {"blank": "  ", "at": "@", "star": "*"}[kind]}
    elif kind == "failed":
        summary["failures"] = [{"vendor": "tmes", "error": "HTTP 401 Unauthorized"}]
    elif kind == "partial":
        summary["partial"] = True
    elif kind == "old":
        now = datetime.datetime.now(datetime.timezone.utc)
        summary["window"] = {"start": (now - datetime.timedelta(hours=80)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                             "end": summary["window"]["end"]}
    return {"message_trace": summary}


def tenants(directory, purpose):
    """tenant-a and tenant-b with both vendors of their own sandbox; tenant-c with TMES only (sandbox a); for the
    response also tenant/d (both vendors of sandbox b), which the trace does not cover."""
    a, b = (sb(os.path.join(directory, "tenant-%s.vars.json" % t)) for t in "ab")
    hosts = {}
    for name, info, vendors in (("tenant-a", a, "tm"), ("tenant-b", b, "tm"), ("tenant-c", a, "t"),
                                ("tenant/d", b, "tm")):
        if name == "tenant/d" and purpose == "trace":
            continue
        tmes, mimecast = settings(info)
        host = {"ansible_python_interpreter": sys.executable, "message_trace_tmes": tmes}
        if "m" in vendors:
            host["message_trace_mimecast"] = mimecast
        hosts[name] = host
    return {"tenants": {"hosts": hosts}, "all": {"hosts": {"localhost": {
        "ansible_connection": "local", "ansible_python_interpreter": sys.executable}}}}


def main(argv):
    command = argv[1]
    if command == "get":
        value = sb(argv[2])
        for part in argv[3].split("."):
            value = value[part]
        print(value)
    elif command == "state":
        print(json.dumps(fetch(sb(argv[2]), "/_sandbox/mimecast/state")))
    elif command == "stats":
        print(json.dumps(fetch(sb(argv[2]), "/_sandbox/stats")))
    elif command == "settings":
        ca_path = argv[argv.index("--ca-path") + 1] if "--ca-path" in argv else None
        tmes, mimecast = settings(sb(argv[2]), ca_path, "--both" in argv)
        print(json.dumps({argv[3] + "_tmes": tmes, argv[3] + "_mimecast": mimecast}))
    elif command == "inventory":
        tmes, mimecast = settings(sb(argv[2]))
        print(json.dumps({"all": {"hosts": {"localhost": {
            "ansible_connection": "local", "ansible_python_interpreter": sys.executable,
            "message_trace_tmes": tmes, "message_trace_mimecast": mimecast}}}}))
    elif command == "variant":
        print(json.dumps(variant(argv[2], argv[3])))
    elif command == "tenants":
        print(json.dumps(tenants(argv[2], argv[3]), indent=1))
    else:
        raise SystemExit("unknown command %s" % command)


if __name__ == "__main__":
    main(sys.argv)
