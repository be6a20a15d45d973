#!/usr/bin/env bash
set -eu
# shellcheck source=../setup_sandbox/sandbox.sh
source ../setup_sandbox/sandbox.sh
start_sandbox --seed 29 --tmes-records 2000 --mimecast-records 1000
export_credentials
state() { "$SANDBOX_PYTHON" -c 'import json,sys,urllib.request; print(json.dumps(json.load(urllib.request.urlopen(sys.argv[1] + "/_sandbox/mimecast/state"))))' "$SANDBOX_URL"; }
domain=$("$SANDBOX_PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["sb"]["campaign"]["sender_domain"])' "$SANDBOX_VARS")

# 1. the trace job by the sender domain only (the documented workflow); it writes message_trace.json for the response
ansible-playbook emailsec.tracking.trace_message -e "message_trace_sender_domain=$domain" -e message_trace_clicks=true \
    -e "message_trace_report_dir=$SANDBOX_DIR/trace" "$@"
handoff="@$SANDBOX_DIR/trace/message_trace.json"
switches=(-e phishing_response_case=IR-29 -e phishing_response_reject_held=true -e phishing_response_block_sender=true
          -e phishing_response_remediate=true -e phishing_response_block_url=true
          -e '{"phishing_response_mimecast": {"poll_interval": 0.1}}')

# 2. the response job in check mode, every switch on: a preview, nothing changes at the vendor
state > "$SANDBOX_DIR/before.json"
ansible-playbook emailsec.tracking.respond --check -e "$handoff" "${switches[@]}" \
    -e "response_report_dir=$SANDBOX_DIR/preview" "$@"
state > "$SANDBOX_DIR/after-check.json"
cmp "$SANDBOX_DIR/before.json" "$SANDBOX_DIR/after-check.json"

# 3. for real, twice
for run in real again; do
    ansible-playbook emailsec.tracking.respond -e "$handoff" "${switches[@]}" \
        -e "response_report_dir=$SANDBOX_DIR/$run" "$@"
    state > "$SANDBOX_DIR/after-$run.json"
done
ansible-playbook check.yml -e "@$SANDBOX_VARS" -e "dir=$SANDBOX_DIR" "$@"
