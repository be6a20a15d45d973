#!/usr/bin/env bash
set -eu
# shellcheck source=../setup_sandbox/sandbox.sh
source ../setup_sandbox/sandbox.sh
# dense traffic: about one record every 0.85 s, so slice edges land on records
start_sandbox --seed 3 --tmes-records 300000 --mimecast-records 4000
out_dir=$SANDBOX_DIR/out
mkdir -p "$out_dir"
ansible-playbook playbook.yml -e "@$SANDBOX_VARS" -e "out_dir=$out_dir" "$@"
# a failed run leaves neither the file nor a temporary part of it
if [ -n "$(find "$out_dir" -name '*.part' -o -name 'failed.jsonl')" ]; then
    echo "a failed run left files behind: $(ls -a "$out_dir")" >&2
    exit 1
fi
