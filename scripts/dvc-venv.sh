#!/usr/bin/env bash
# A throwaway venv with DVC (PyPI), for the indexing benchmark's comparison. Idempotent; prints
# the path of the `dvc` executable.
set -euo pipefail
venv="${PEDIGREE_DVC_VENV:-$HOME/.cache/pedigree/venv-dvc}"
if ! "$venv/bin/dvc" --version >/dev/null 2>&1; then
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install -q "dvc==3.67.1" >&2
fi
echo "$venv/bin/dvc"
