#!/usr/bin/env bash
# Build the collection tarball and install it into a scratch path, then check it loads.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

out=$CACHE_DIR/build
rm -rf "$out"
mkdir -p "$out/dist" "$out/install"
(cd "$COLLECTION_TREE" && "$VENV_NEW/bin/ansible-galaxy" collection build --force --output-path "$out/dist")
tarball=$(find "$out/dist" -name 'emailsec-tracking-*.tar.gz' | head -n 1)
"$VENV_NEW/bin/ansible-galaxy" collection install --force -p "$out/install" "$tarball"
installed=$out/install/ansible_collections/emailsec/tracking
for must in galaxy.yml MANIFEST.json meta/runtime.yml tests/sandbox/__main__.py LICENSE LICENSES/GPL-3.0-or-later.txt CHANGELOG.rst docs/awx/credential_types/tmes.yml \
            extensions/eda/plugins/event_source/mimecast.py extensions/eda/rulebooks/trace_mimecast_threats.yml; do
    [ -e "$installed/$must" ] || [ "$must" = galaxy.yml ] || die "the installed collection lacks $must"
done
for never in tests/unit tests/integration tests/eda Makefile .ci; do
    [ ! -e "$installed/$never" ] || die "the built collection should not contain $never"
done
for module in $(find "$installed/plugins/modules" -maxdepth 1 -name '*.py' -printf '%f\n' 2>/dev/null | sed 's|\.py$||'); do
    ANSIBLE_COLLECTIONS_PATH=$out/install "$VENV_NEW/bin/ansible-doc" -t module "emailsec.tracking.$module" >/dev/null \
        || die "ansible-doc cannot load emailsec.tracking.$module from the built collection"
done
log "built and installed $(basename "$tarball")"

# every documented step (README, getting-started guide), run as written against this tarball
"$VENV_NEW/bin/python" "$REPO_ROOT/tests/utils/walkthrough.py" "$tarball" "$VENV_NEW/bin"
