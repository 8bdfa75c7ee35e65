#!/usr/bin/env bash
# Runs every test and prints one closing summary (so a run that executed nothing is visible):
#   1. Rust: unit + integration tests of the engine (cargo test)
#   2. UI: vitest unit tests, typecheck
#   3. Browser: Playwright (Debian Chromium) against a real `pedigree serve`
#   4. Desktop: WebDriver (tauri-driver + WebKitWebDriver under xvfb-run) against the real app
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
tools="${PEDIGREE_TOOLS:-$HOME/.cache/pedigree/tools}"
status=0
summary=()

# Third-party checkers used by the interop tests, in a venv outside the clone (reused).
venv="${PEDIGREE_TEST_VENV:-$HOME/.cache/pedigree/venv-test}"
# Test peers from PyPI in the same venv: moto's S3 server (the index tests start and stop it).
# And cyclonedx-python-lib, whose bundled official CycloneDX schemas validate the ML-BOM;
# picklescan 1.0.5 (peer check of the pickle verdicts), scikit-learn (real model pickles and
# joblib files), lz4 (joblib's lz4 compression), and the writers of the sniffer's real-library
# fixtures: skops, safetensors and onnx (Keras and torch need multi-GB backends: their files are
# built to the format in the tests).
# And oras (PyPI), the independent OCI client the registry tests read and push with; prov (with
# lxml and rdflib, which its loader imports), which loads the PROV-JSON lineage export;
# huggingface_hub, whose own download code writes the Hub cache the hf-cache store indexes (from
# a local stub Hub); openlineage-python, whose file transport writes the events imported; PyJWT
# and cryptography, the token service of the OCI token-auth test and the independent check of
# the event wire form; dilithium-py, a second FIPS 204 (ML-DSA) implementation that checks the
# post-quantum co-signatures.
if ! "$venv/bin/python" -c "import model_signing, OpenSSL, moto, flask_cors, cyclonedx.validation.json, jsonschema, picklescan, sklearn, lz4, skops, safetensors, onnx, oras, prov, lxml, rdflib, huggingface_hub, openlineage.client, jwt, cryptography, dilithium_py" 2>/dev/null; then
  echo "installing model-signing 1.1.1, moto[s3], cyclonedx-python-lib, picklescan 1.0.5, scikit-learn, lz4, skops, safetensors, onnx, oras, prov, huggingface_hub and openlineage-python into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "model-signing==1.1.1" pyopenssl "moto[s3]==5.2.5" flask flask-cors \
    "cyclonedx-python-lib[json-validation]" "picklescan==1.0.5" scikit-learn "lz4==4.4.5" \
    "skops==0.16.0" "safetensors==0.8.0" "onnx==1.23.2" "oras==0.2.43" "prov==2.1.1" lxml rdflib \
    "huggingface_hub==2.5.0" "openlineage-python==1.54.0" pyjwt cryptography "dilithium-py==1.5.1"
fi
export PEDIGREE_INTEROP_PYTHON="$venv/bin/python"
export PEDIGREE_MOTO_SERVER="$venv/bin/moto_server"

# The MLflow peer of the sync tests: a real tracking server and the Python client that seeds it,
# in a venv of its own (mlflow pins its own numpy/pandas). 3.17.2 is pinned: 3.18.0 does not
# resolve from the registry here.
mlflow_venv="${PEDIGREE_MLFLOW_VENV:-$HOME/.cache/pedigree/venv-mlflow}"
if ! "$mlflow_venv/bin/python" -c "import mlflow, flask_wtf; assert mlflow.__version__ == '3.17.2'" 2>/dev/null; then
  echo "installing mlflow[auth]==3.17.2 into $mlflow_venv (about a minute)"
  python3 -m venv "$mlflow_venv"
  "$mlflow_venv/bin/pip" install -q "mlflow[auth]==3.17.2"
fi
export PEDIGREE_MLFLOW_PYTHON="$mlflow_venv/bin/python"

log=$(mktemp)
trap 'rm -f "$log"' EXIT

# One cargo run builds the engine's tests, the `pedigree` binary and the desktop binary
# (pedigree-desktop has an integration test, so its real binary is built too): shared
# dependencies such as typst are compiled once, with one feature set, instead of once per build.
# The desktop embeds ui/dist, so the UI is built first.
echo "== 1/4 Rust tests (engine and desktop shell)"
(cd ui && npm run --silent build) >/dev/null || { echo "UI build failed"; status=1; }
cargo test --locked -p pedigree -p pedigree-desktop --features pedigree-desktop/custom-protocol \
  --lib --bins --tests --no-fail-fast 2>&1 | tee "$log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
summary+=("$(awk '/^test result:/ { p += $4; f += $6; n++ } END { printf "rust: %d binaries, %d passed, %d failed", n, p, f }' "$log")")

echo "== 2/4 UI unit tests"
(cd ui && npm run --silent typecheck && NO_COLOR=1 npx vitest run) 2>&1 | tee "$log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
summary+=("ui: vitest $(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '^ +Tests +[0-9]' | tail -1 | sed 's/^ *Tests *//')")

echo "== 3/4 Browser end-to-end (Playwright + Chromium against pedigree serve)"
node ui/e2e/browser.mjs 2>&1 | tee "$log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
summary+=("browser: $(grep -E '^e2e:' "$log" | tail -1)")

echo "== 4/4 Desktop end-to-end (tauri-driver + WebKitWebDriver under xvfb-run)"
xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" dbus-run-session -- \
  env TAURI_DRIVER="$tools/bin/tauri-driver" APP="$CARGO_TARGET_DIR/debug/pedigree-desktop" node ui/e2e/desktop.mjs 2>&1 | tee "$log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
summary+=("desktop: $(grep -E '^e2e:' "$log" | tail -1)")

echo
echo "== SUMMARY"
printf '  %s\n' "${summary[@]}"
[ "$status" -eq 0 ] && echo "  all passed" || echo "  FAILED"
exit "$status"
