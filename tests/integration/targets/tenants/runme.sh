#!/usr/bin/env bash
set -eu
# shellcheck source=../setup_sandbox/sandbox.sh
source ../setup_sandbox/sandbox.sh
# five mail tenants, each its own sandbox (its own data, campaign and credentials); tenant-c's TMES key is wrong
for tenant in a b c d e; do
    SANDBOX_NAME=tenant-$tenant start_sandbox --seed "$(printf '%d' "'$tenant")" --tmes-records 2000 --mimecast-records 800
done
"$SANDBOX_PYTHON" make_inventory.py "$SANDBOX_DIR" > "$SANDBOX_DIR/tenants.yml"
# what a trace job hands on: the indicator (the same campaign sender domain at every tenant here)
"$SANDBOX_PYTHON" -c 'import json,sys; sb=json.load(open(sys.argv[1]))["sb"]; print(json.dumps({"message_trace": {"indicator": {"sender_domain": sb["campaign"]["sender_domain"]}, "window": {"start": "-24h"}}}))' "$SANDBOX_DIR/tenant-a.vars.json" > "$SANDBOX_DIR/tenant-a-trace.json"
domain=$("$SANDBOX_PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["sb"]["campaign"]["sender_domain"])' "$SANDBOX_DIR/tenant-a.vars.json")

# every tenant at once (forks 5): the failing tenant fails alone, the others are traced and reported
if ansible-playbook -i "$SANDBOX_DIR/tenants.yml" -f 5 emailsec.tracking.trace_message -e trace_hosts=tenants \
        -e "message_trace_sender_domain=$domain" -e "trace_report_dir=$SANDBOX_DIR/reports" "$@" \
        > "$SANDBOX_DIR/trace.log" 2>&1; then
    echo "the trace should fail for tenant-c (wrong key) at the end" >&2
    exit 1
fi
grep -q "tenant-c" "$SANDBOX_DIR/trace.log"
ansible-playbook check.yml -e "dir=$SANDBOX_DIR" "$@" || { tail -40 "$SANDBOX_DIR/trace.log"; "$SANDBOX_PYTHON" -c "import json,sys; d=json.load(open(sys.argv[1])); print(d[\"failed\"], {k: v.get(\"failures\") for k, v in d[\"tenants\"].items()})" "$SANDBOX_DIR/reports/tenants.json"; exit 1; }

# the response over the same tenants, a preview (every switch on, in check mode): one report a tenant; tenant-c's
# policy events fail (its TMES key) and are reported, the others' previews go ahead
ansible-playbook -i "$SANDBOX_DIR/tenants.yml" -f 5 emailsec.tracking.respond -e response_hosts=tenants --check \
    -e "@$SANDBOX_DIR/tenant-a-trace.json" -e phishing_response_case=IR-5 -e phishing_response_reject_held=true \
    -e phishing_response_block_sender=true -e "response_report_dir=$SANDBOX_DIR/responses" "$@" \
    > "$SANDBOX_DIR/respond.log" 2>&1 || true
ansible-playbook check_response.yml -e "dir=$SANDBOX_DIR" "$@" || { tail -60 "$SANDBOX_DIR/respond.log"; exit 1; }
