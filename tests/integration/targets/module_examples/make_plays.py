#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turn every module's EXAMPLES into one play a module, with the variables the examples use.

Usage: make_plays.py MODULES_DIR OUT.yml
"""

from __future__ import annotations

import ast
import os
import sys

import yaml

VARIABLES = {
    "ansible_python_interpreter": "{{ ansible_playbook_python }}",
    "tmes_api_url": "{{ sb.url }}",
    "tmes_username": "{{ sb.tmes.username }}",
    "tmes_api_key": "{{ sb.tmes.api_key }}",
    "mimecast_api1_url": "{{ sb.url }}",
    "mimecast_api2_url": "{{ sb.url }}",
    "mimecast_access_key": "{{ sb.mimecast.access_key }}",
    "mimecast_secret_key": "{{ sb.mimecast.secret_key }}",
    "mimecast_app_id": "{{ sb.mimecast.app_id }}",
    "mimecast_app_key": "{{ sb.mimecast.app_key }}",
    "mimecast_client_id": "{{ sb.mimecast.client_id }}",
    "mimecast_client_secret": "{{ sb.mimecast.client_secret }}",
}


def examples(path):
    tree = ast.parse(open(path, encoding="utf-8").read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "EXAMPLES":
            return yaml.safe_load(node.value.value)
    raise SystemExit("%s has no EXAMPLES" % path)


def relocate(value):
    if isinstance(value, dict):
        return {k: relocate(v) for k, v in value.items()}
    if isinstance(value, list):
        return [relocate(v) for v in value]
    if isinstance(value, str):
        return value.replace("/var/tmp/", "{{ out_dir }}/")
    return value


def main(argv):
    plays = []
    for name in sorted(os.listdir(argv[1])):
        if not name.endswith(".py") or name.startswith("_"):
            continue
        # files the examples write go to the test's own folder
        tasks = relocate(examples(os.path.join(argv[1], name)))
        plays.append({"name": "EXAMPLES of %s" % name[:-3], "hosts": "localhost", "connection": "local",
                      "gather_facts": False, "vars": VARIABLES, "tasks": tasks})
    with open(argv[2], "w", encoding="utf-8") as handle:
        yaml.safe_dump(plays, handle, sort_keys=False)
    print("%d plays, %d tasks" % (len(plays), sum(len(p["tasks"]) for p in plays)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
