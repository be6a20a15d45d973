#!/usr/bin/env bash
# Create (or refresh) the two tool environments under .venv/, and the ansible-test pip shim.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

make_venv() {
    local dir=$1 python=$2 requirements=$3 stamp want
    want=$("$python" -c 'import sys; print(sys.version)' | head -n 1)-$(sha256sum "$requirements" | cut -c1-16)
    stamp=$dir/.requirements-stamp
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$dir/bin/python" ]; then
        return 0
    fi
    log "creating $dir with $python"
    rm -rf "$dir"
    "$python" -m venv "$dir"
    "$dir/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
    "$dir/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
    echo "$want" > "$stamp"
}

# setup-venvs.sh [latest]: "latest" makes only the newest-ansible-core environment (what the demo and the
# sandbox use) and touches nothing outside .venv/; without it, both environments and the test tools
only_latest=false
[ "${1:-}" = latest ] && only_latest=true

py312=$(find_python 12 12 || find_python 13 13) || die "Python 3.12 or newer is needed for the newest ansible-core"
make_venv "$VENV_NEW" "$py312" "$REPO_ROOT/tests/utils/requirements-core-latest.txt"
if $only_latest; then
    log "tool environment ready: $("$VENV_NEW/bin/ansible" --version | sed -n 1p)"
    exit 0
fi
py311=$(find_python 11 11) || die "Python 3.11 is needed for the ansible-core 2.16 environment (make test only)"
make_venv "$VENV_OLD" "$py311" "$REPO_ROOT/tests/utils/requirements-core-2.16.txt"
# ansible-test's pip bootstrap comes from a host this machine may not reach: a stand-in in its cache
install_get_pip_shim "$VENV_OLD"
install_get_pip_shim "$VENV_NEW"

# ansible-test's shellcheck sanity test needs the shellcheck command
if ! command -v shellcheck >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
        log "installing shellcheck"
        (apt-get install -y -qq shellcheck >/dev/null 2>&1 || \
            (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq shellcheck >/dev/null 2>&1)) || \
            die "could not install shellcheck; install it and run again"
    else
        die "shellcheck is needed by ansible-test sanity: install it (apt-get install shellcheck)"
    fi
fi
log "tool environments ready: $("$VENV_OLD/bin/ansible" --version | sed -n 1p), $("$VENV_NEW/bin/ansible" --version | sed -n 1p)"
