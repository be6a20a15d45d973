#!/usr/bin/env bash
set -eu
# shellcheck source=../setup_sandbox/sandbox.sh
source ../setup_sandbox/sandbox.sh
# five mail tenants, each its own sandbox (its own data, campaign and credentials); tenant-c's TMES key is wrong,
# tenant-b has no Mimecast settings
for tenant in a b c d e; do
    SANDBOX_NAME=tenant-$tenant start_sandbox --seed "$(printf '%d' "'$tenant")" --tmes-records 2000 --mimecast-records 800
done
# the account whose credentials the job itself carries (an AWX credential on the job template): no tenant may use it
SANDBOX_NAME=environment start_sandbox --seed 99 --tmes-records 300 --mimecast-records 200
"$SANDBOX_PYTHON" make_inventory.py "$SANDBOX_DIR" > "$SANDBOX_DIR/tenants.yml"
domain=$("$SANDBOX_PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["sb"]["campaign"]["sender_domain"])' "$SANDBOX_DIR/tenant-a.vars.json")
environment=$("$SANDBOX_PYTHON" -c '
import json, sys
sb = json.load(open(sys.argv[1]))["sb"]
print(json.dumps({"TMES_API_URL": sb["url"], "TMES_USERNAME": sb["tmes"]["username"], "TMES_API_KEY": sb["tmes"]["api_key"],
                  "MIMECAST_BASE_URL": sb["url"], "MIMECAST_CLIENT_ID": sb["mimecast"]["client_id"],
                  "MIMECAST_CLIENT_SECRET": sb["mimecast"]["client_secret"]}))' "$SANDBOX_DIR/environment.vars.json")

# every tenant at once (forks 5), as an AWX job with the environment's credentials attached: the failing tenant
# fails alone, the others are traced and reported, set_stats hands on each tenant's own summary
if COLLECTION_ROOT=$SANDBOX_ROOT "$SANDBOX_PYTHON" run_trace.py "$SANDBOX_DIR" "$SANDBOX_DIR/tenants.yml" 5 "$environment" \
        "{\"trace_hosts\": \"tenants\", \"message_trace_sender_domain\": \"$domain\", \"trace_report_dir\": \"$SANDBOX_DIR/reports\"}"; then
    echo "the trace should fail for tenant-c (wrong key) at the end" >&2
    exit 1
fi
grep -q "tenant-c" "$SANDBOX_DIR/trace.log"

# host names that are not file names: every report stays inside trace_report_dir, tenants.csv is guarded
mkdir -p "$SANDBOX_DIR/hostile/deep/er"
ansible-playbook -i "$SANDBOX_DIR/tenants.yml" -f 2 emailsec.tracking.trace_message -e trace_hosts=hostile \
    -e "message_trace_sender_domain=$domain" -e "trace_report_dir=$SANDBOX_DIR/hostile/deep/er/reports" "$@" \
    > "$SANDBOX_DIR/hostile.log" 2>&1 || { tail -40 "$SANDBOX_DIR/hostile.log"; exit 1; }

ansible-playbook check.yml -e "dir=$SANDBOX_DIR" "$@" || { tail -40 "$SANDBOX_DIR/trace.log"; "$SANDBOX_PYTHON" -c "import json,sys; d=json.load(open(sys.argv[1])); print(d[\"failed\"], {k: v.get(\"failures\") for k, v in d[\"tenants\"].items()})" "$SANDBOX_DIR/reports/tenants.json"; exit 1; }

# the response over the same tenants, a preview (every switch on, in check mode), from the summaries the trace
# handed on (each tenant its own): one report a tenant; tenant-c's policy events fail (its TMES key) and are
# reported, the others' previews go ahead
ansible-playbook -i "$SANDBOX_DIR/tenants.yml" -f 5 emailsec.tracking.respond -e response_hosts=tenants --check \
    -e "@$SANDBOX_DIR/reports/message_trace_by_tenant.json" -e phishing_response_case=IR-5 \
    -e phishing_response_reject_held=true -e phishing_response_block_sender=true \
    -e "response_report_dir=$SANDBOX_DIR/responses" "$@" > "$SANDBOX_DIR/respond.log" 2>&1 || true
ansible-playbook check_response.yml -e "dir=$SANDBOX_DIR" "$@" || { tail -60 "$SANDBOX_DIR/respond.log"; exit 1; }
