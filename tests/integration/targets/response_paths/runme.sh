#!/usr/bin/env bash
# Every documented way into respond.yml / phishing_response, each checked against the sandbox afterwards.
set -eu
# shellcheck source=../setup_sandbox/sandbox.sh
source ../setup_sandbox/sandbox.sh
HERE=$(pwd)
OUT=$SANDBOX_DIR/out
mkdir -p "$OUT"
py() { "$SANDBOX_PYTHON" "$HERE/paths.py" "$@"; }
state() { py state "$1" > "$2"; }

# ---------------------------------------------------------------------------------------------------------------
# 1. The indicator alone (the role traces first), with credentials from each source; each a preview
SANDBOX_NAME=main start_sandbox --seed 31 --tmes-records 2000 --mimecast-records 1000
MAIN=$SANDBOX_VARS
domain=$(py get "$MAIN" campaign.sender_domain)
py settings "$MAIN" phishing_response > "$OUT/role-dicts.json"
py settings "$MAIN" message_trace > "$OUT/trace-dicts.json"
py inventory "$MAIN" > "$OUT/hostvars.yml"
indicator=(-e "message_trace_sender_domain=$domain" -e phishing_response_reject_held=true -e phishing_response_case=IR-31)
(
    SANDBOX_VARS=$MAIN export_credentials
    ansible-playbook emailsec.tracking.respond --check "${indicator[@]}" -e "response_report_dir=$OUT/env" "$@"
    # the same on the oldest ansible-core the collection supports, when its venv is there
    core216=$SANDBOX_ROOT/.venv/core-2.16/bin
    if [ -x "$core216/ansible-playbook" ]; then
        PATH=$core216:$PATH ansible-playbook emailsec.tracking.respond --check "${indicator[@]}" \
            -e "ansible_python_interpreter=$core216/python" -e "response_report_dir=$OUT/core216" "$@"
    else
        echo "no ansible-core 2.16 venv at $core216: that path is not run" >&2
    fi
)
ansible-playbook emailsec.tracking.respond --check "${indicator[@]}" -e "@$OUT/role-dicts.json" \
    -e "response_report_dir=$OUT/role" "$@"
ansible-playbook emailsec.tracking.respond --check "${indicator[@]}" -e "@$OUT/trace-dicts.json" \
    -e "response_report_dir=$OUT/trace" "$@"
ansible-playbook -i "$OUT/hostvars.yml" emailsec.tracking.respond --check "${indicator[@]}" \
    -e "response_report_dir=$OUT/hostvars" "$@"
# a misspelled key is an error before any request
if ansible-playbook emailsec.tracking.respond "${indicator[@]}" -e '{"phishing_response_tmes": {"api_ulr": "http://127.0.0.1:9"}}' \
        "$@" > "$OUT/typo.log" 2>&1; then
    echo "a misspelled settings key was accepted" >&2
    exit 1
fi
grep -q "api_ulr (did you mean api_url?)" "$OUT/typo.log"
# no case with a switch that needs one: its own message
if ansible-playbook emailsec.tracking.respond -e "@$OUT/trace-dicts.json" -e phishing_response_block_sender=true \
        -e "message_trace_sender_domain=$domain" "$@" > "$OUT/nocase.log" 2>&1; then
    echo "block_sender without a case was accepted" >&2
    exit 1
fi
grep -q "phishing_response_case is empty" "$OUT/nocase.log"
if grep -q "needs a trace summary" "$OUT/nocase.log"; then
    echo "a missing case was reported as a missing trace summary" >&2
    exit 1
fi

# ---------------------------------------------------------------------------------------------------------------
# 2. Handed-on summaries that must not be acted on, every switch on: nothing changes at the vendor, the job fails
ansible-playbook emailsec.tracking.trace_message -e "@$OUT/trace-dicts.json" -e "message_trace_sender_domain=$domain" \
    -e "message_trace_report_dir=$OUT/traced" "$@"
switches=(-e phishing_response_case=IR-31 -e phishing_response_reject_held=true -e phishing_response_block_sender=true
          -e phishing_response_remediate=true -e "@$OUT/trace-dicts.json")
state "$MAIN" "$OUT/before-bad.json"
py stats "$MAIN" > "$OUT/stats-before-bad.json"
for bad in blank at star failed partial; do
    py variant "$OUT/traced/message_trace.json" "$bad" > "$OUT/bad-$bad.json"
    if ansible-playbook emailsec.tracking.respond -e "@$OUT/bad-$bad.json" "${switches[@]}" \
            -e "response_report_dir=$OUT/bad-$bad" "$@" > "$OUT/bad-$bad.log" 2>&1; then
        echo "the response with a $bad summary and every switch on did not fail" >&2
        exit 1
    fi
    grep -q "was not done" "$OUT/bad-$bad.log" || { cat "$OUT/bad-$bad.log"; exit 1; }
done
state "$MAIN" "$OUT/after-bad.json"
py stats "$MAIN" > "$OUT/stats-after-bad.json"
cmp "$OUT/before-bad.json" "$OUT/after-bad.json"
# a trace older than TMES keeps: the read-only policy event step is clipped with a note, the preview succeeds
py variant "$OUT/traced/message_trace.json" old > "$OUT/old.json"
ansible-playbook emailsec.tracking.respond -e "@$OUT/old.json" -e "@$OUT/trace-dicts.json" \
    -e "response_report_dir=$OUT/old" "$@"

# ---------------------------------------------------------------------------------------------------------------
# 3. A private CA, both Mimecast credential sets (API 2.0 everywhere: the API 1.0 secret given is wrong, so any
#    module that used API 1.0 would fail), a Mimecast-only campaign: acted on for real, contained, twice
SANDBOX_NAME=tls start_sandbox --seed 32 --tmes-records 2000 --mimecast-records 1000 --campaign-size 6 \
    --tls-self-signed "$SANDBOX_DIR/tls"
TLS=$SANDBOX_VARS
py settings "$TLS" message_trace --ca-path "$SANDBOX_DIR/tls/sandbox-cert.pem" --both > "$OUT/tls-dicts.json"
tls_domain=$(py get "$TLS" campaign.sender_domain)
state "$TLS" "$OUT/tls-before.json"
# who clicked is read and the clicked link blocked; the first run handles no clicker (not contained), the second
# lists every clicker as handled (contained)
echo '{"phishing_response_clickers_handled": []}' > "$OUT/tls-real-handled.json"
"$SANDBOX_PYTHON" -c 'import json, sys; print(json.dumps({"phishing_response_clickers_handled":
    [c.upper() for c in json.load(open(sys.argv[1]))["sb"]["campaign"]["clickers"]]}))' "$TLS" > "$OUT/tls-again-handled.json"
for run in tls-real tls-again; do
    ansible-playbook emailsec.tracking.respond -e "@$OUT/tls-dicts.json" -e "message_trace_sender_domain=$tls_domain" \
        -e message_trace_vendors=mimecast -e message_trace_clicks=true -e phishing_response_case=IR-32 \
        -e phishing_response_reject_held=true -e phishing_response_block_sender=true -e phishing_response_remediate=true \
        -e phishing_response_block_url=true -e "@$OUT/$run-handled.json" -e "response_report_dir=$OUT/$run" "$@"
    state "$TLS" "$OUT/$run-state.json"
done

# ---------------------------------------------------------------------------------------------------------------
# 4. Tenants: each response works from its own trace, handed on as AWX does (set_stats -> extra vars); a tenant
#    without Mimecast settings does not use the job's environment; a tenant without a trace is left alone
for t in a b x; do
    SANDBOX_NAME=tenant-$t start_sandbox --seed "$(printf '%d' "'$t")" --tmes-records 2000 --mimecast-records 1000
done
py tenants "$SANDBOX_DIR" trace > "$OUT/tenants-trace.yml"
py tenants "$SANDBOX_DIR" respond > "$OUT/tenants.yml"
(
    # the job's environment holds another account (sandbox x): no tenant may use it
    SANDBOX_VARS=$SANDBOX_DIR/tenant-x.vars.json export_credentials
    DUMP_STATS_FILE=$OUT/stats.json ANSIBLE_CALLBACK_PLUGINS=$HERE/callback_plugins ANSIBLE_CALLBACKS_ENABLED=dump_stats \
        ansible-playbook -i "$OUT/tenants-trace.yml" -f 3 emailsec.tracking.trace_message -e trace_hosts=tenants \
        -e "message_trace_sender_domain=$domain" "$@"
    DUMP_STATS_FILE=$OUT/response-stats.json ANSIBLE_CALLBACK_PLUGINS=$HERE/callback_plugins \
        ANSIBLE_CALLBACKS_ENABLED=dump_stats \
        ansible-playbook -i "$OUT/tenants.yml" -f 4 emailsec.tracking.respond -e response_hosts=tenants --check \
        -e "@$OUT/stats.json" -e phishing_response_case=IR-41 -e phishing_response_reject_held=true \
        -e phishing_response_block_sender=true -e "response_report_dir=$OUT/tenants" "$@"
)
ansible-playbook check.yml -e "dir=$SANDBOX_DIR" -e "out=$OUT" "$@"
