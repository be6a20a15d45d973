# Copyright: Contributors to the emailsec.tracking collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run trace_message.yml over the tenants as an AWX job does (ansible-runner), and keep what set_stats handed on.

run_trace.py DIR INVENTORY FORKS ENV_JSON EXTRAVARS_JSON: writes DIR/stats.json (the artifact data AWX hands to
the next workflow node) and DIR/trace.log (the job output); exits with the job's return code.
"""

import json
import os
import shutil
import sys

import ansible_runner

directory, inventory, forks, env, extravars = sys.argv[1:6]
here = os.path.dirname(os.path.abspath(__file__))
# the collection the run uses (ansible-test runs this target from a copy of the target folder alone)
collection = os.environ.get("COLLECTION_ROOT") or os.path.abspath(os.path.join(here, "..", "..", "..", ".."))
data = os.path.join(directory, "runner")
os.makedirs(os.path.join(data, "project"), exist_ok=True)
shutil.copy(os.path.join(collection, "playbooks", "trace_message.yml"), os.path.join(data, "project"))
envvars = dict(json.loads(env), PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
for name in ("ANSIBLE_COLLECTIONS_PATH", "ANSIBLE_COLLECTIONS_PATHS", "HOME"):
    if name in os.environ:
        envvars[name] = os.environ[name]
result = ansible_runner.run(private_data_dir=data, playbook="trace_message.yml", inventory=inventory,
                            forks=int(forks), envvars=envvars, extravars=json.loads(extravars), quiet=True)
stats = [e for e in result.events if e.get("event") == "playbook_on_stats"]
with open(os.path.join(directory, "stats.json"), "w") as out:
    json.dump(stats[0]["event_data"].get("artifact_data", {}) if stats else None, out)
with open(os.path.join(directory, "trace.log"), "w") as out:
    out.write(result.stdout.read())
sys.exit(result.rc)
