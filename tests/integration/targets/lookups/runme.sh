#!/usr/bin/env bash
set -eu
# shellcheck source=../setup_sandbox/sandbox.sh
source ../setup_sandbox/sandbox.sh
start_sandbox --seed 17 --tmes-records 3000 --mimecast-records 1500

# the lookups against the modules, then every failure again at -vvvv: no credential anywhere in the output
run_scanned playbook.yml "$@"
grep -q "AuthenticationMissingOrInvalid" "$SANDBOX_DIR/vvvv.log"
grep -q "InvalidClientIdentifier" "$SANDBOX_DIR/vvvv.log"
