#!/usr/bin/env bash
set -eu
# shellcheck source=../setup_sandbox/sandbox.sh
source ../setup_sandbox/sandbox.sh
start_sandbox --seed 5 --tmes-records 3000 --mimecast-records 1500

report_dir=$SANDBOX_DIR/report
mkdir -p "$report_dir"
ansible-playbook playbook.yml -e "@$SANDBOX_VARS" -e "report_dir=$report_dir" "$@"

# the HTML report, parsed: self-contained, escaped, and its numbers match the JSON report
"$SANDBOX_PYTHON" check_report.py "$report_dir/report.json" "$report_dir/report.html" "$report_dir/report.csv"
"$SANDBOX_PYTHON" check_report.py "$report_dir/hostile/report.json" "$report_dir/hostile/report.html" \
    "$report_dir/hostile/report.csv" --hostile

# the job-template playbook, with credentials in the environment as an AWX credential would inject them
export_credentials
domain=$("$SANDBOX_PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["sb"]["campaign"]["sender_domain"])' "$SANDBOX_VARS")
ansible-playbook emailsec.tracking.trace_message -e "message_trace_sender_domain=$domain" "$@" > "$SANDBOX_DIR/trace.log"
grep -q "Delivered to: " "$SANDBOX_DIR/trace.log"
if ansible-playbook emailsec.tracking.trace_message -e "message_trace_sender_domain=$domain" -e fail_on_delivered=true \
        "$@" > "$SANDBOX_DIR/fail.log" 2>&1; then
    echo "trace_message.yml should fail with fail_on_delivered when messages were delivered" >&2
    exit 1
fi
grep -q "matching message(s) were delivered, to" "$SANDBOX_DIR/fail.log"
# one message that is only in flight (Mimecast "accepted"): at risk, so the job fails by default ...
accepted_id=$("$SANDBOX_PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["sb"]["campaign"]["mimecast_message_ids"]["accepted"])' "$SANDBOX_VARS")
if ansible-playbook emailsec.tracking.trace_message -e "message_trace_message_id=$accepted_id" \
        -e '{"message_trace_vendors": ["mimecast"]}' -e fail_on_delivered=true "$@" > "$SANDBOX_DIR/risk.log" 2>&1; then
    echo "trace_message.yml should fail with fail_on_delivered when mail is at risk" >&2
    exit 1
fi
grep -q "0 matching message(s) were delivered, to nobody; 1 more are at risk" "$SANDBOX_DIR/risk.log"
# ... and passes when only delivered mail counts
ansible-playbook emailsec.tracking.trace_message -e "message_trace_message_id=$accepted_id" \
    -e '{"message_trace_vendors": ["mimecast"]}' -e fail_on_delivered=true -e fail_on_delivered_only=true "$@" \
    > "$SANDBOX_DIR/risk-only.log"
grep -q "At risk (in flight or unknown): [a-z]" "$SANDBOX_DIR/risk-only.log"
ansible-playbook emailsec.tracking.trace_message -e "message_trace_sender=nobody@nowhere.example" \
    -e fail_on_delivered=true "$@" > "$SANDBOX_DIR/clean.log"
grep -q "Delivered to: nobody" "$SANDBOX_DIR/clean.log"
