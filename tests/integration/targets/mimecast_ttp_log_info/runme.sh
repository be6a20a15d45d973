#!/usr/bin/env bash
set -eu
# shellcheck source=../setup_sandbox/sandbox.sh
source ../setup_sandbox/sandbox.sh
start_sandbox --seed 31 --tmes-records 100 --mimecast-records 1500 --ttp-records 4000
run_scanned playbook.yml -e "out_dir=$SANDBOX_DIR" "$@"
