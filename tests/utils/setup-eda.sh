#!/usr/bin/env bash
# The Event-Driven Ansible environment of the eda step: Java 17 or newer (Debian's openjdk-17-jre-headless, only
# when `java -version` does not already report 17 or newer) and ansible-rulebook with ansible-core in .venv/eda.
# Prints the venv's path last, on standard output.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

VENV_EDA=$VENV_DIR/eda
REQUIREMENTS=$REPO_ROOT/tests/utils/requirements-eda.txt

java_major() {
    # `java -version` prints `openjdk version "17.0.15" ...` (or "1.8.0_x" for Java 8) on standard error
    command -v java >/dev/null 2>&1 || { echo 0; return; }
    java -version 2>&1 | sed -n 's/.* version "\([0-9][0-9]*\)\(\.\([0-9]*\)\)\{0,1\}.*/\1 \3/p' | head -n 1 | \
        awk '{ if ($1 == 1) print $2; else print $1 }'
}

major=$(java_major)
if [ "${major:-0}" -lt 17 ]; then
    if ! command -v apt-get >/dev/null 2>&1 || [ "$(id -u)" != 0 ]; then
        die "ansible-rulebook needs Java 17 or newer (found: ${major:-none}); install openjdk-17-jre-headless"
    fi
    log "installing Java 17 (openjdk-17-jre-headless) for ansible-rulebook"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq openjdk-17-jre-headless >/dev/null </dev/null
    major=$(java_major)
    [ "${major:-0}" -ge 17 ] || die "Java 17 was installed but java -version reports ${major:-nothing}"
fi
# drools (through JPype) finds the JVM by JAVA_HOME: the directory above bin/java
if [ -z "${JAVA_HOME:-}" ]; then
    JAVA_HOME=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
    export JAVA_HOME
fi

py312=$(find_python 12 12 || find_python 13 13 || find_python 11 11 || find_python 10 10) || \
    die "Python 3.10 or newer is needed for ansible-rulebook"
want=$("$py312" -c 'import sys; print(sys.version)' | head -n 1)-$(sha256sum "$REQUIREMENTS" | cut -c1-16)
stamp=$VENV_EDA/.requirements-stamp
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] || [ ! -x "$VENV_EDA/bin/ansible-rulebook" ]; then
    log "creating $VENV_EDA with $py312"
    rm -rf "$VENV_EDA"
    "$py312" -m venv "$VENV_EDA"
    "$VENV_EDA/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
    "$VENV_EDA/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQUIREMENTS"
    echo "$want" > "$stamp"
fi
log "EDA environment ready: $("$VENV_EDA/bin/ansible-rulebook" --version 2>/dev/null | head -n 1), Java $major"
echo "$VENV_EDA"
