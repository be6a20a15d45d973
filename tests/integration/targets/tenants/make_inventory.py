# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An inventory of mail tenants, one host each, with its credentials as host variables (as a vault would hold them)."""

import json
import os
import sys

directory = sys.argv[1]
hosts = {}
for tenant in "abcde":
    info = json.load(open(os.path.join(directory, "tenant-%s.vars.json" % tenant)))["sb"]
    hosts["tenant-" + tenant] = {
        "ansible_python_interpreter": sys.executable,
        "message_trace_tmes": {"api_url": info["url"], "username": info["tmes"]["username"],
                               "api_key": info["tmes"]["api_key"] + ("-wrong" if tenant == "c" else "")},
        "message_trace_mimecast": {"base_url": info["url"], "client_id": info["mimecast"]["client_id"],
                                   "client_secret": info["mimecast"]["client_secret"]},
        "ground_truth": {"tmes": info["campaign"]["tmes_count"], "mimecast": info["campaign"]["mimecast_count"],
                         "domain": info["campaign"]["sender_domain"]},
    }
print(json.dumps({"tenants": {"hosts": hosts}, "all": {"hosts": {"localhost": {
    "ansible_connection": "local", "ansible_python_interpreter": sys.executable}}}}, indent=1))
