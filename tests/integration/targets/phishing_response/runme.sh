#!/usr/bin/env bash
set -eu
# shellcheck source=../setup_sandbox/sandbox.sh
source ../setup_sandbox/sandbox.sh
start_sandbox --seed 29 --tmes-records 3000 --mimecast-records 1500
export_credentials
state() { "$SANDBOX_PYTHON" -c 'import json,sys,urllib.request; print(json.dumps(json.load(urllib.request.urlopen(sys.argv[1] + "/_sandbox/mimecast/state"))))' "$SANDBOX_URL"; }

# 1. the trace job, which hands its summary on (as set_stats would to the next workflow node)
ansible-playbook trace.yml -e "@$SANDBOX_VARS" -e "summary_file=$SANDBOX_DIR/summary.json" "$@"

# 2. the response job in check mode, every switch on: a preview, nothing changes at the vendor
state > "$SANDBOX_DIR/before.json"
ansible-playbook emailsec.tracking.respond --check -e "@$SANDBOX_DIR/summary.json" -e phishing_response_case=IR-29 \
    -e phishing_response_reject_held=true -e phishing_response_block_sender=true -e phishing_response_remediate=true \
    -e "response_report_dir=$SANDBOX_DIR/preview" -e '{"phishing_response_mimecast": {"poll_interval": 0.1}}' "$@"
state > "$SANDBOX_DIR/after-check.json"
cmp "$SANDBOX_DIR/before.json" "$SANDBOX_DIR/after-check.json"

# 3. for real, twice; and report-only with the switches off
for run in real again; do
    ansible-playbook emailsec.tracking.respond -e "@$SANDBOX_DIR/summary.json" -e phishing_response_case=IR-29 \
        -e phishing_response_reject_held=true -e phishing_response_block_sender=true -e phishing_response_remediate=true \
        -e "response_report_dir=$SANDBOX_DIR/$run" -e '{"phishing_response_mimecast": {"poll_interval": 0.1}}' "$@"
    state > "$SANDBOX_DIR/after-$run.json"
done
ansible-playbook check.yml -e "@$SANDBOX_VARS" -e "dir=$SANDBOX_DIR" "$@"
