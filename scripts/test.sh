#!/usr/bin/env bash
# Runs every test and prints one closing summary (so a run that executed nothing is visible).
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
log=$(mktemp)
trap 'rm -f "$log"' EXIT

cargo test --locked --all-targets --no-fail-fast 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

awk '/^test result:/ { p += $4; f += $6; i += $8; n++ }
     END { printf "\n== SUMMARY: %d test binaries, %d passed, %d failed, %d ignored ==\n", n, p, f, i;
           if (p == 0) { print "no test ran"; exit 1 } }' "$log" || status=1
exit "$status"
