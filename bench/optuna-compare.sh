#!/usr/bin/env bash
# Measures Optuna's SQLite and journal storages (and its in-memory mode) with the same trivial
# trial sweep-bench uses, on this machine, so that docs/performance.md compares like with like.
# Usage: bench/optuna-compare.sh [TRIALS] [PROCESSES] [REPETITIONS]
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet "optuna==5.0.0"
fi
.venv/bin/python optuna_trivial.py "${1:-2000}" "${2:-4}" "${3:-3}"
