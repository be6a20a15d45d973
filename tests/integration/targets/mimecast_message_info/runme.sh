#!/usr/bin/env bash
set -eu
# shellcheck source=../setup_sandbox/sandbox.sh
source ../setup_sandbox/sandbox.sh
start_sandbox --seed 29 --tmes-records 200 --mimecast-records 1500
run_scanned playbook.yml "$@"
