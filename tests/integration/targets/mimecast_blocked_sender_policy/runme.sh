#!/usr/bin/env bash
set -eu
# shellcheck source=../setup_sandbox/sandbox.sh
source ../setup_sandbox/sandbox.sh
start_sandbox --seed 23 --tmes-records 3000 --mimecast-records 1500
run_scanned playbook.yml "$@"

# --diff prints with the default callback (before/after are dicts, not lists)
ANSIBLE_STDOUT_CALLBACK=default ansible-playbook diff.yml -e "@$SANDBOX_VARS" --check --diff > "$SANDBOX_DIR/diff.log" 2>&1 || {
    cat "$SANDBOX_DIR/diff.log"
    exit 1
}
if ! grep -q '^+++ after' "$SANDBOX_DIR/diff.log" || ! grep -q '"emailDomain": "diff-preview.example"' "$SANDBOX_DIR/diff.log"; then
    echo "no diff printed:" >&2
    cat "$SANDBOX_DIR/diff.log" >&2
    exit 1
fi
if grep -q -i "callback.*fail\|v2_on_file_diff" "$SANDBOX_DIR/diff.log"; then
    echo "the callback could not print the diff:" >&2
    cat "$SANDBOX_DIR/diff.log" >&2
    exit 1
fi
assert_no_secrets "$SANDBOX_DIR/diff.log"
