#!/usr/bin/env bash
# make bench: benchmarks against the sandbox; prints a table and writes bench/results/bench.json.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bash "$REPO_ROOT/tests/utils/setup-venvs.sh" >&2
cd "$REPO_ROOT"
exec "$VENV_NEW/bin/python" -m tests.bench.bench "$@"
