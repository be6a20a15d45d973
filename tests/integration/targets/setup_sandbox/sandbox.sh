#!/usr/bin/env bash
# Sourced by integration targets: start the sandbox on a free loopback port, stop it on exit.
#   start_sandbox [sandbox options]  -> sets SANDBOX_URL and SANDBOX_VARS (a JSON file: {"sb": {...}})
#   assert_no_secrets FILE...        -> fails when a file holds a credential or an auth header
#   export_credentials               -> TMES_* and MIMECAST_* (API 2.0) as an AWX credential would inject them

SANDBOX_PYTHON=${ANSIBLE_TEST_PYTHON_INTERPRETER:-python3}
SANDBOX_HELPERS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SANDBOX_ROOT=""
for candidate in "${ANSIBLE_COLLECTIONS_PATH%%:*}/ansible_collections/emailsec/tracking" "$SANDBOX_HELPERS/../../../.."; do
    if [ -f "$candidate/tests/sandbox/__main__.py" ]; then
        SANDBOX_ROOT=$(cd "$candidate" && pwd)
        break
    fi
done
[ -n "$SANDBOX_ROOT" ] || { echo "cannot find tests/sandbox" >&2; exit 1; }
SANDBOX_DIR=$(mktemp -d)
SANDBOX_PIDS=()

stop_sandboxes() {
    local pid
    for pid in "${SANDBOX_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$SANDBOX_DIR"
}
trap stop_sandboxes EXIT

start_sandbox() {
    local name=${SANDBOX_NAME:-sandbox} out i
    out=$SANDBOX_DIR/$name.out
    (cd "$SANDBOX_ROOT" && exec "$SANDBOX_PYTHON" -m tests.sandbox --port 0 "$@" > "$out" 2> "$SANDBOX_DIR/$name.err") &
    SANDBOX_PIDS+=("$!")
    for i in $(seq 1 300); do
        if [ -s "$out" ] && head -n 1 "$out" | grep -q '^{'; then
            break
        fi
        if ! kill -0 "$!" 2>/dev/null; then
            cat "$SANDBOX_DIR/$name.err" >&2
            return 1
        fi
        sleep 0.1
        [ "$i" -lt 300 ] || { echo "sandbox did not start" >&2; return 1; }
    done
    SANDBOX_VARS=$SANDBOX_DIR/$name.vars.json
    "$SANDBOX_PYTHON" -c 'import json, sys; print(json.dumps({"sb": json.loads(open(sys.argv[1]).readline())}))' \
        "$out" > "$SANDBOX_VARS"
    SANDBOX_URL=$("$SANDBOX_PYTHON" -c 'import json, sys; print(json.load(open(sys.argv[1]))["sb"]["url"])' "$SANDBOX_VARS")
    export SANDBOX_VARS SANDBOX_URL
}

assert_no_secrets() {
    "$SANDBOX_PYTHON" "$SANDBOX_HELPERS/check_secrets.py" "$SANDBOX_VARS" "$@"
}

export_credentials() {
    eval "$("$SANDBOX_PYTHON" - "$SANDBOX_VARS" <<'PY'
import json, shlex, sys
sb = json.load(open(sys.argv[1]))["sb"]
env = {"TMES_API_URL": sb["url"], "TMES_USERNAME": sb["tmes"]["username"], "TMES_API_KEY": sb["tmes"]["api_key"],
       "MIMECAST_BASE_URL": sb["url"], "MIMECAST_CLIENT_ID": sb["mimecast"]["client_id"],
       "MIMECAST_CLIENT_SECRET": sb["mimecast"]["client_secret"]}
print("\n".join("export %s=%s" % (k, shlex.quote(v)) for k, v in env.items()))
PY
)"
}

# run_scanned PLAYBOOK [ansible-playbook args]: run it at -vvvv against the sandbox; no credential or auth header may
# appear anywhere in its output
run_scanned() {
    local playbook=$1
    shift
    ansible-playbook "$playbook" -e "@$SANDBOX_VARS" -vvvv "$@" > "$SANDBOX_DIR/vvvv.log" 2>&1 || {
        cat "$SANDBOX_DIR/vvvv.log"
        return 1
    }
    assert_no_secrets "$SANDBOX_DIR/vvvv.log"
}
