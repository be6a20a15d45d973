#!/usr/bin/env bash
set -eu
# shellcheck source=../setup_sandbox/sandbox.sh
source ../setup_sandbox/sandbox.sh
start_sandbox --seed 23 --tmes-records 3000 --mimecast-records 1500
run_scanned playbook.yml -e "out_dir=$SANDBOX_DIR" "$@"
