#!/usr/bin/env bash
# The whole test suite, or one step of it: ./tests/utils/run-tests.sh [STEP...]
# Steps: sandbox sanity-2.16 sanity-latest units-2.16 units-latest integration awx eda lint docs changelog build
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ALL_STEPS="sandbox sanity-2.16 sanity-latest units-2.16 units-latest integration awx eda lint docs changelog build"
steps=${*:-$ALL_STEPS}
export ANSIBLE_NOCOLOR=1 PY_COLORS=0

bash "$REPO_ROOT/tests/utils/setup-venvs.sh"
sync_collection_tree

run_ansible_test() {
    local venv=$1
    shift
    (cd "$COLLECTION_TREE" && PATH="$venv/bin:$PATH" "$venv/bin/ansible-test" "$@" --venv --color no)
}

read -r -a targets <<< "${INTEGRATION_TARGETS:-}"
failed=()
for step in $steps; do
    log "step: $step"
    case $step in
        sandbox)
            (cd "$REPO_ROOT" && "$VENV_NEW/bin/python" -m pytest -p no:cacheprovider -q tests/sandbox/tests) || failed+=("$step") ;;
        awx)
            (cd "$REPO_ROOT" && "$VENV_NEW/bin/python" -m pytest -p no:cacheprovider -q tests/awx) || failed+=("$step") ;;
        eda)
            # the event sources against the sandbox, and the example rulebooks under ansible-rulebook (Java 17)
            venv_eda=$(bash "$REPO_ROOT/tests/utils/setup-eda.sh" | tail -n 1) && \
                (cd "$COLLECTION_TREE" && EMAILSEC_EDA_REQUIRED=1 PYTHONPATH="$WORK_TREE" \
                    "$venv_eda/bin/python" -m pytest -p no:cacheprovider -q tests/eda) || failed+=("$step") ;;
        sanity-2.16)
            run_ansible_test "$VENV_OLD" sanity --python 3.11 || failed+=("$step") ;;
        sanity-latest)
            run_ansible_test "$VENV_NEW" sanity --python "$("$VENV_NEW/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" || failed+=("$step") ;;
        units-2.16)
            run_ansible_test "$VENV_OLD" units --python 3.11 --requirements || failed+=("$step") ;;
        units-latest)
            run_ansible_test "$VENV_NEW" units --python "$("$VENV_NEW/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" --requirements || failed+=("$step") ;;
        integration)
            log "the integration targets provoke failures on purpose: [ERROR] and fatal: lines followed by" \
                "'...ignoring', or inside a rescued block, are expected; a failed target ends the step"
            run_ansible_test "$VENV_NEW" integration --python "$("$VENV_NEW/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" --requirements "${targets[@]}" || failed+=("$step") ;;
        lint)
            (cd "$COLLECTION_TREE" && PATH="$VENV_NEW/bin:$PATH" ANSIBLE_COLLECTIONS_PATH="$WORK_TREE" \
                ansible-lint --offline) || failed+=("$step") ;;
        docs)
            (cd "$COLLECTION_TREE" && PATH="$VENV_NEW/bin:$PATH" ANSIBLE_COLLECTIONS_PATH="$WORK_TREE" \
                antsibull-docs lint-collection-docs --plugin-docs .) || failed+=("$step") ;;
        changelog)
            (cd "$COLLECTION_TREE" && "$VENV_NEW/bin/antsibull-changelog" lint) || failed+=("$step") ;;
        build)
            bash "$REPO_ROOT/tests/utils/build-install.sh" || failed+=("$step") ;;
        *)
            die "unknown step $step; steps are: $ALL_STEPS" ;;
    esac
done

if [ ${#failed[@]} -gt 0 ]; then
    log "FAILED steps: ${failed[*]}"
    exit 1
fi
log "all steps passed: $steps"
