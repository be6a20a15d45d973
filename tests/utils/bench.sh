#!/usr/bin/env bash
# make bench: benchmarks against the sandbox; prints a table and writes bench/results/bench.json.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bash "$REPO_ROOT/tests/utils/setup-venvs.sh" >&2
cd "$REPO_ROOT"
# ansible-core 2.16 as well, to show what the newer result handling costs
BENCH_OLD_CORE_BIN=$VENV_OLD/bin exec "$VENV_NEW/bin/python" -m tests.bench.bench "$@"
