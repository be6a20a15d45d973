#!/usr/bin/env bash
# Shared helpers for the project's own scripts (sourced, not run).
# Everything lives under the checkout: .venv/ for tools, .cache/ for the ansible-test tree.

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VENV_DIR=${VENV_DIR:-$REPO_ROOT/.venv}
CACHE_DIR=${CACHE_DIR:-$REPO_ROOT/.cache}
# ansible-core 2.16 on Python 3.11, and the newest ansible-core on Python 3.12 or newer
export VENV_OLD=$VENV_DIR/core-2.16
export VENV_NEW=$VENV_DIR/core-latest
# ansible-test wants the collection at .../ansible_collections/emailsec/tracking, outside any other
# git checkout (inside one it would list the files through that checkout's git and find none)
WORK_TREE=${WORK_TREE:-${TMPDIR:-/tmp}/emailsec-tracking-$(printf '%s' "$REPO_ROOT" | sha256sum | cut -c1-10)}
COLLECTION_TREE=$WORK_TREE/ansible_collections/emailsec/tracking

log() { printf '\n==> %s\n' "$*" >&2; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# find_python MIN_MINOR MAX_MINOR: print an interpreter python3.X with MIN <= X <= MAX, newest first.
# pyenv shims answer for versions that are not active, so try pyenv's own folders as well.
find_python() {
    local min=$1 max=$2 minor cand path
    for minor in $(seq "$max" -1 "$min"); do
        for cand in "python3.$minor" $(find "${PYENV_ROOT:-$HOME/.pyenv}/versions" -maxdepth 3 -path "*/versions/3.$minor.*/bin/python3.$minor" 2>/dev/null | sort -V -r); do
            path=$(command -v "$cand" 2>/dev/null) || continue
            if "$path" -c 'import venv, ensurepip' >/dev/null 2>&1; then
                echo "$path"
                return 0
            fi
        done
    done
    return 1
}

# The pip bootstrap script ansible-test downloads is not reachable from here: put a small
# stand-in at the cache path it checks first. It installs pip with ensurepip, then runs
# pip install with the arguments ansible-test gave, minus the options old get-pip took.
install_get_pip_shim() {
    local venv=$1 version cache
    for version in $("$venv/bin/python" - <<'PY'
import os, re
import ansible_test
path = os.path.join(os.path.dirname(ansible_test.__file__), "_internal", "python_requirements.py")
text = open(path).read()
print(" ".join(sorted(set(re.findall(r"pip\s*=\s*'([0-9.]+)'", text)))))
PY
    ); do
        cache=$HOME/.ansible/test/cache/get_pip_${version//./_}.py
        mkdir -p "$(dirname "$cache")"
        cat > "$cache" <<'PY'
"""Stand-in for get-pip.py: pip from ensurepip, then the packages ansible-test asked for."""
import subprocess
import sys

args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade", "--default-pip"])
subprocess.check_call([sys.executable, "-m", "pip", "install"] + args)
PY
    done
}

# Copy the checkout (tracked and untracked, not ignored) to a path ansible-test accepts.
sync_collection_tree() {
    log "collection tree at $COLLECTION_TREE"
    local keep=$WORK_TREE/output-keep
    rm -rf "$keep"
    [ -d "$COLLECTION_TREE/tests/output" ] && mv "$COLLECTION_TREE/tests/output" "$keep"
    rm -rf "$COLLECTION_TREE"
    mkdir -p "$COLLECTION_TREE"
    (cd "$REPO_ROOT" && git ls-files -z --cached --others --exclude-standard | \
        while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done | \
        tar --null -T - -cf -) | tar -xf - -C "$COLLECTION_TREE"
    [ -d "$keep" ] && mkdir -p "$COLLECTION_TREE/tests" && mv "$keep" "$COLLECTION_TREE/tests/output"
    return 0
}
