#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fail when any given file holds a sandbox secret or an Authorization header value.

Usage: check_secrets.py SANDBOX_VARS_JSON FILE...
"""

from __future__ import annotations

import base64
import json
import re
import sys


def secrets_of(info):
    tmes, mc = info["tmes"], info["mimecast"]
    basic = base64.b64encode(("%s:%s" % (tmes["username"], tmes["api_key"])).encode()).decode()
    found = {
        "TMES api_key": tmes["api_key"],
        "TMES Basic header": basic,
        "Mimecast secret_key": mc["secret_key"],
        "Mimecast app_key": mc["app_key"],
        "Mimecast client_secret": mc["client_secret"],
    }
    return found


PATTERNS = {
    "a Bearer header": re.compile(r"Bearer\s+[A-Za-z0-9._~+/=-]{16,}"),
    "a Basic header": re.compile(r"Basic\s+[A-Za-z0-9+/=]{16,}"),
    "an MC signature header": re.compile(r"MC\s+[A-Za-z0-9]{10,}:[A-Za-z0-9+/=]{20,}"),
}


def main(argv):
    info = json.load(open(argv[1], encoding="utf-8"))["sb"]
    secrets = secrets_of(info)
    problems = []
    checked = 0
    for path in argv[2:]:
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read()
        checked += len(text)
        for name, value in secrets.items():
            if value and value in text:
                problems.append("%s: contains the %s" % (path, name))
        for name, pattern in PATTERNS.items():
            if pattern.search(text):
                problems.append("%s: contains %s" % (path, name))
    if problems:
        print("\n".join(problems))
        return 1
    if checked == 0:
        print("nothing to check: the output files are empty")
        return 1
    print("no secret in %d characters of output" % checked)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
