#!/usr/bin/env bash
# The demo: start the sandbox, trace the planted campaign at both vendors with playbooks/demo.yml, stop it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bash "$REPO_ROOT/tests/utils/setup-venvs.sh" latest >&2
python=$VENV_NEW/bin/python

# ansible finds the collection through a link at .../ansible_collections/emailsec/tracking
collections=$CACHE_DIR/demo-collections
mkdir -p "$collections/ansible_collections/emailsec"
ln -sfn "$REPO_ROOT" "$collections/ansible_collections/emailsec/tracking"

run_dir=$(mktemp -d)
(cd "$REPO_ROOT" && exec "$python" -m tests.sandbox --port 0 > "$run_dir/sandbox.out" 2> "$run_dir/sandbox.err") &
sandbox_pid=$!
cleanup() {
    kill "$sandbox_pid" 2>/dev/null || true
    wait "$sandbox_pid" 2>/dev/null || true
    rm -rf "$run_dir"
}
trap cleanup EXIT
for _ in $(seq 1 200); do
    head -n 1 "$run_dir/sandbox.out" 2>/dev/null | grep -q '^{' && break
    kill -0 "$sandbox_pid" 2>/dev/null || { cat "$run_dir/sandbox.err" >&2; die "the sandbox did not start"; }
    sleep 0.1
done
head -n 1 "$run_dir/sandbox.out" > "$run_dir/sandbox.json"
log "sandbox running at $("$python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$run_dir/sandbox.json")"

# credentials as an AWX credential type would inject them
eval "$("$python" - "$run_dir/sandbox.json" <<'PY'
import json, shlex, sys
info = json.load(open(sys.argv[1]))
env = {"TMES_API_URL": info["url"], "TMES_USERNAME": info["tmes"]["username"], "TMES_API_KEY": info["tmes"]["api_key"],
       "MIMECAST_BASE_URL": info["url"], "MIMECAST_CLIENT_ID": info["mimecast"]["client_id"],
       "MIMECAST_CLIENT_SECRET": info["mimecast"]["client_secret"]}
print("\n".join("export %s=%s" % (k, shlex.quote(v)) for k, v in env.items()))
PY
)"
"$python" -c 'import json, sys; print(json.dumps({"sandbox": json.load(open(sys.argv[1]))}))' \
    "$run_dir/sandbox.json" > "$run_dir/vars.json"

ANSIBLE_COLLECTIONS_PATH=$collections ANSIBLE_NOCOLOR=${ANSIBLE_NOCOLOR:-} ANSIBLE_STDOUT_CALLBACK=default \
    ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false \
    "$VENV_NEW/bin/ansible-playbook" "$REPO_ROOT/playbooks/demo.yml" -e "@$run_dir/vars.json" \
    -e "demo_report_dir=$REPO_ROOT/reports/demo" -e "ansible_python_interpreter=$python"
log "reports in $REPO_ROOT/reports/demo: report.json, report.csv, report.html"
