#!/usr/bin/env bash
set -eu
# shellcheck source=../setup_sandbox/sandbox.sh
source ../setup_sandbox/sandbox.sh
start_sandbox --seed 2 --tmes-records 3000 --mimecast-records 1000

# each module's EXAMPLES, as a play, against the sandbox: credentials from the environment and variables
"$SANDBOX_PYTHON" make_plays.py "$SANDBOX_ROOT/plugins/modules" "$SANDBOX_DIR/examples.yml"
export_credentials
ansible-playbook "$SANDBOX_DIR/examples.yml" -e "@$SANDBOX_VARS" -e "out_dir=$SANDBOX_DIR" "$@" | tee "$SANDBOX_DIR/out.log"
grep -q "failed=0" "$SANDBOX_DIR/out.log"
