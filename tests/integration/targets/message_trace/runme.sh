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
"$SANDBOX_PYTHON" check_report.py "$report_dir/clicks/report.json" "$report_dir/clicks/report.html" \
    "$report_dir/clicks/report.csv"

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

# the summary on the command line is the input of the response: message_trace.json in the report directory
ansible-playbook emailsec.tracking.trace_message -e "message_trace_sender_domain=$domain" -e message_trace_clicks=true \
    -e "message_trace_report_dir=$SANDBOX_DIR/cli" "$@" > "$SANDBOX_DIR/cli.log"
clickers=$("$SANDBOX_PYTHON" -c 'import json,sys; print(", ".join(json.load(open(sys.argv[1]))["sb"]["campaign"]["clickers"]))' "$SANDBOX_VARS")
grep -q "Clicked, reset these accounts: $clickers\"" "$SANDBOX_DIR/cli.log"
ansible-playbook handoff.yml -e "@$SANDBOX_DIR/cli/message_trace.json" -e "report=$SANDBOX_DIR/cli/report.json" "$@"

stats() {  # sandbox requests per endpoint since the last reset, as JSON
    "$SANDBOX_PYTHON" -c 'import json, sys, urllib.request; print(json.dumps(json.load(urllib.request.urlopen(sys.argv[1] + "/_sandbox/stats"))["requests"]))' "$SANDBOX_URL"
}
reset_stats() {
    "$SANDBOX_PYTHON" -c 'import sys, urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1] + "/_sandbox/stats", method="DELETE"))' "$SANDBOX_URL"
}

# a misspelled key is refused, naming it, before any request (it would have fallen back to TMES_API_URL)
reset_stats
if ansible-playbook emailsec.tracking.trace_message -e "message_trace_sender_domain=$domain" \
        -e message_trace_vendors=tmes -e '{"message_trace_tmes": {"api_ulr": "http://127.0.0.1:9"}}' "$@" \
        > "$SANDBOX_DIR/typo.log" 2>&1; then
    echo "a misspelled key of message_trace_tmes should fail" >&2
    exit 1
fi
grep -q "the TMES settings have an unknown key: api_ulr (did you mean api_url?). Allowed keys: " "$SANDBOX_DIR/typo.log"
# no request to any endpoint the sandbox counts (whatever endpoints it has)
stats | "$SANDBOX_PYTHON" -c 'import json, sys; counts = json.load(sys.stdin); sys.exit(1 if set(counts.values()) != {0} else 0)'

# credentials as host variables win over the environment (a wrong TMES key there); an inventory that does not
# allow the environment does not search Mimecast with the job's MIMECAST_* credentials, and says why
"$SANDBOX_PYTHON" - "$SANDBOX_VARS" > "$SANDBOX_DIR/hostvars.yml" <<'PY'
import json, sys
sb = json.load(open(sys.argv[1]))["sb"]
print(json.dumps({"all": {"hosts": {"localhost": {
    "ansible_connection": "local", "ansible_python_interpreter": sys.executable,
    "message_trace_use_environment": False,
    "message_trace_tmes": {"api_url": sb["url"], "username": sb["tmes"]["username"], "api_key": sb["tmes"]["api_key"]},
}}}}))
PY
reset_stats
TMES_API_KEY=wrong-key-0000 ansible-playbook -i "$SANDBOX_DIR/hostvars.yml" emailsec.tracking.trace_message \
    -e "message_trace_sender_domain=$domain" -e "message_trace_report_dir=$SANDBOX_DIR/hostvars" "$@" \
    > "$SANDBOX_DIR/hostvars.log"
ansible-playbook hostvars.yml -e "report=$SANDBOX_DIR/hostvars/report.json" -e "{\"stats\": $(stats)}" "$@"

# a vendor that fails: the summary of the other is shown, and the failure is said by one task only
if TMES_API_KEY=wrong-key-0000 ansible-playbook emailsec.tracking.trace_message \
        -e "message_trace_sender_domain=$domain" "$@" > "$SANDBOX_DIR/half.log" 2>&1; then
    echo "trace_message.yml should fail when TMES fails" >&2
    exit 1
fi
grep -q "Failed: tmes" "$SANDBOX_DIR/half.log"
grep -q "Records: [1-9]" "$SANDBOX_DIR/half.log"
grep -q "What mimecast found is in message_trace_summary; set message_trace_continue_on_vendor_error" \
    "$SANDBOX_DIR/half.log"
[ "$(grep -c 'Authentication information is missing or invalid' "$SANDBOX_DIR/half.log")" -le 2 ]
[ "$(grep -c 'TASK \[emailsec.tracking.message_trace : Fail when a vendor could not be searched\]' "$SANDBOX_DIR/half.log")" = 1 ]
if grep -B3 'Authentication information is missing or invalid' "$SANDBOX_DIR/half.log" | grep -q 'TASK \[.*Search' \
        || grep 'WARNING' "$SANDBOX_DIR/half.log" | grep -q 'Authentication information'; then
    echo "the TMES failure should be said once, by the role's last task" >&2
    exit 1
fi
