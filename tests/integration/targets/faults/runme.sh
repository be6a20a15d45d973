#!/usr/bin/env bash
set -eu
# shellcheck source=../setup_sandbox/sandbox.sh
source ../setup_sandbox/sandbox.sh
start_sandbox --seed 11 --tmes-records 6000 --mimecast-records 3000

# every fault, transient and persistent, both modules; at -vvvv, and the output searched for secrets
ansible-playbook playbook.yml -e "@$SANDBOX_VARS" -vvvv "$@" > "$SANDBOX_DIR/faults.log" 2>&1 || {
    tail -n 200 "$SANDBOX_DIR/faults.log"
    exit 1
}
grep -E "^(PLAY RECAP|localhost )" "$SANDBOX_DIR/faults.log"
assert_no_secrets "$SANDBOX_DIR/faults.log"

# HTTPS with a certificate made now: refused by default, accepted with ca_path or validate_certs: false
SANDBOX_NAME=tls start_sandbox --seed 11 --tmes-records 2000 --mimecast-records 500 --tls-self-signed "$SANDBOX_DIR/tls"
ansible-playbook tls.yml -e "@$SANDBOX_VARS" "$@"
