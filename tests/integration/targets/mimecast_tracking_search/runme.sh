#!/usr/bin/env bash
set -eu
# shellcheck source=../setup_sandbox/sandbox.sh
source ../setup_sandbox/sandbox.sh
start_sandbox --seed 9 --tmes-records 200 --mimecast-records 3000 --token-lifetime 600

for auth in hmac oauth2; do
    ansible-playbook playbook.yml -e "@$SANDBOX_VARS" -e "auth=$auth" "$@"
done
ansible-playbook errors.yml -e "@$SANDBOX_VARS" "$@"

# a sandbox that returns at most 3 tracked emails per search: far below the campaign and any busy window
SANDBOX_NAME=capped start_sandbox --seed 9 --tmes-records 200 --mimecast-records 3000 --mimecast-cap 3
ansible-playbook cap.yml -e "@$SANDBOX_VARS" -e sandbox_cap=3 "$@"

# a second sandbox whose API 2.0 tokens live two seconds: they expire between slices
SANDBOX_NAME=short start_sandbox --seed 9 --tmes-records 200 --mimecast-records 3000 --token-lifetime 2 --latency-ms 300
ansible-playbook expiry.yml -e "@$SANDBOX_VARS" "$@"

# every failure scenario again at -vvvv: no credential or auth header anywhere in the output
SANDBOX_NAME=secrets start_sandbox --seed 9 --tmes-records 200 --mimecast-records 500
ansible-playbook secrets.yml -e "@$SANDBOX_VARS" -vvvv > "$SANDBOX_DIR/vvvv.log" 2>&1 || {
    cat "$SANDBOX_DIR/vvvv.log"
    exit 1
}
assert_no_secrets "$SANDBOX_DIR/vvvv.log"
grep -q "err_xdk_binding_expired" "$SANDBOX_DIR/vvvv.log"
grep -q "err_xdk_authentication_failed" "$SANDBOX_DIR/vvvv.log"
