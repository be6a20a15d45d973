#!/usr/bin/env bash
set -eu
# shellcheck source=../setup_sandbox/sandbox.sh
source ../setup_sandbox/sandbox.sh
start_sandbox --seed 2 --tmes-records 3000 --mimecast-records 1000

# each module's EXAMPLES, as a play, against the sandbox: credentials from the environment and variables
"$SANDBOX_PYTHON" make_plays.py "$SANDBOX_ROOT/plugins/modules" "$SANDBOX_DIR/examples.yml"
eval "$("$SANDBOX_PYTHON" - "$SANDBOX_VARS" <<'PY'
import json, shlex, sys
sb = json.load(open(sys.argv[1]))["sb"]
env = {"TMES_API_URL": sb["url"], "TMES_USERNAME": sb["tmes"]["username"], "TMES_API_KEY": sb["tmes"]["api_key"],
       "MIMECAST_BASE_URL": sb["url"], "MIMECAST_CLIENT_ID": sb["mimecast"]["client_id"],
       "MIMECAST_CLIENT_SECRET": sb["mimecast"]["client_secret"]}
print("\n".join("export %s=%s" % (k, shlex.quote(v)) for k, v in env.items()))
PY
)"
ansible-playbook "$SANDBOX_DIR/examples.yml" -e "@$SANDBOX_VARS" -e "out_dir=$SANDBOX_DIR" "$@" | tee "$SANDBOX_DIR/out.log"
grep -q "failed=0" "$SANDBOX_DIR/out.log"
