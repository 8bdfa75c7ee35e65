#!/usr/bin/env bash
# Runs every test and prints one closing summary (so a run that executed nothing is visible).
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
# Third-party checkers used by the interop tests, in a venv outside the clone (reused).
venv="${PEDIGREE_TEST_VENV:-$HOME/.cache/pedigree/venv-test}"
if ! "$venv/bin/python" -c "import model_signing, OpenSSL" 2>/dev/null; then
  echo "installing model-signing 1.1.1 into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "model-signing==1.1.1" pyopenssl
fi
export PEDIGREE_INTEROP_PYTHON="$venv/bin/python"

log=$(mktemp)
trap 'rm -f "$log"' EXIT

cargo test --locked --lib --bins --tests --no-fail-fast 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

awk '/^test result:/ { p += $4; f += $6; i += $8; n++ }
     END { printf "\n== SUMMARY: %d test binaries, %d passed, %d failed, %d ignored ==\n", n, p, f, i;
           if (p == 0) { print "no test ran"; exit 1 } }' "$log" || status=1
exit "$status"
