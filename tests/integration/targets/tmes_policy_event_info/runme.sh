#!/usr/bin/env bash
set -eu
# shellcheck source=../setup_sandbox/sandbox.sh
source ../setup_sandbox/sandbox.sh
start_sandbox --seed 23 --tmes-records 3000 --mimecast-records 1500

# every task at -vvvv: no credential or auth header anywhere in the output
ansible-playbook playbook.yml -e "@$SANDBOX_VARS" -vvvv > "$SANDBOX_DIR/vvvv.log" 2>&1 || {
    cat "$SANDBOX_DIR/vvvv.log"
    exit 1
}
assert_no_secrets "$SANDBOX_DIR/vvvv.log"
