#!/usr/bin/env bash
# Sync benchmark: a full pull of MODELS × VERSIONS MLflow model versions, then a no-change re-sync,
# by Pedigree and by peer tools, against one MLflow 3.17.2 server in the same run. Every request
# goes through proxy.py, which counts them the same way for every tool.
#
#   bench/sync/run.sh [MODELS [VERSIONS]]        default 250 × 4 = 1,000 versions
#
#   PEDIGREE_BIN      default target/release/pedigree (debug timings are not fair)
#   PEERS             default "mee client": mlflow-export-import and the MLflow client script
#   PEDIGREE_MLFLOW_VENV  default ~/.cache/pedigree/venv-mlflow (mlflow[auth]==3.17.2, made if missing)
#   PEDIGREE_MEE_VENV     default ~/.cache/pedigree/venv-mee (made if missing: mlflow==3.17.2 and
#                     mlflow-export-import, from PEDIGREE_MEE_SRC, a checkout, else PyPI 1.2.0)
#   KEEP=1            keep the scratch folder (server log, exports, workspace) and print it
# Not part of `make test`. Stops every process it started (by PID) on exit.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
models=${1:-250}
versions=${2:-4}
pedigree=${PEDIGREE_BIN:-$repo/target/release/pedigree}
peers=${PEERS:-mee client}
mlflow_venv=${PEDIGREE_MLFLOW_VENV:-$HOME/.cache/pedigree/venv-mlflow}
mee_venv=${PEDIGREE_MEE_VENV:-$HOME/.cache/pedigree/venv-mee}
[[ -x $pedigree ]] || { echo "no $pedigree: build it (cargo build --release) or set PEDIGREE_BIN" >&2; exit 1; }

tmp=$(mktemp -d /tmp/pedigree-bench-sync.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do while kill -0 "$p" 2>/dev/null; do sleep 0.2; done; done
  if [[ ${KEEP:-} == 1 ]]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Peers' venvs (the mlflow one is the tests' own, made the same way as scripts/test.sh does).
if ! "$mlflow_venv/bin/python" -c "import mlflow; assert mlflow.__version__ == '3.17.2'" 2>/dev/null; then
  echo "installing mlflow[auth]==3.17.2 into $mlflow_venv"
  python3 -m venv "$mlflow_venv" && "$mlflow_venv/bin/pip" install -q "mlflow[auth]==3.17.2"
fi
if [[ $peers == *mee* ]] && ! "$mee_venv/bin/export-models" --help >/dev/null 2>&1; then
  echo "installing mlflow-export-import into $mee_venv"
  python3 -m venv "$mee_venv"
  # PyPI 1.2.0 imports tabulate without declaring it.
  "$mee_venv/bin/pip" install -q "mlflow==3.17.2" tabulate "${PEDIGREE_MEE_SRC:-mlflow-export-import==1.2.0}"
  echo "${PEDIGREE_MEE_SRC:-PyPI}" >"$mee_venv/installed-from"  # both name themselves 1.2.0
  # The GitHub snapshot of 2026-01-02 (cf62607) imports `opt_runs_until`, which its click_options.py
  # names `opt_until` (mlflow-export-import#234, fixed upstream by #236): the same one-line fix.
  if ! "$mee_venv/bin/export-models" --help >/dev/null 2>&1; then
    f=$("$mee_venv/bin/python" -c 'import importlib.util as u; print(u.find_spec("mlflow_export_import").submodule_search_locations[0])')/common/click_options.py
    printf '\nopt_runs_until = opt_until  # mlflow-export-import#234\n' >>"$f"
  fi
fi
py=$mlflow_venv/bin/python
mee_version=$([[ $peers == *mee* ]] && "$mee_venv/bin/pip" show mlflow-export-import 2>/dev/null | sed -n 's/^Version: //p' || true)
mee_version+=" ($(cat "$mee_venv/installed-from" 2>/dev/null || echo '?'))"

read -r server_port proxy_port < <(python3 -c '
import socket; s = [socket.socket() for _ in range(2)]
[x.bind(("127.0.0.1", 0)) for x in s]; print(*[x.getsockname()[1] for x in s])')
server=http://127.0.0.1:$server_port
uri=http://127.0.0.1:$proxy_port
MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false "$mlflow_venv/bin/mlflow" server --backend-store-uri "sqlite:///$tmp/mlflow.db" \
  --artifacts-destination "$tmp/artifacts" --serve-artifacts --host 127.0.0.1 --port "$server_port" --workers 1 \
  >"$tmp/server.log" 2>&1 &
server_pid=$!
pids+=("$server_pid")
python3 "$here/proxy.py" "$proxy_port" "$server" >"$tmp/proxy.log" 2>&1 &
pids+=($!)
for _ in $(seq 240); do curl -sf "$server/health" >/dev/null && break; sleep 0.5; done
curl -sf "$server/health" >/dev/null || { echo "MLflow server did not start:"; tail "$tmp/server.log"; exit 1; } >&2
echo "MLflow $(curl -s "$server/version") on $server (counting proxy $uri), scratch $tmp"
echo "$("$pedigree" --version) ($pedigree)"

start=$(date +%s.%N)
seed=$("$py" "$here/seed.py" "$server" --models "$models" --versions "$versions")
echo "seeded: $seed (wall $(python3 -c "import time; print(round(time.time() - $start, 1))") s with startup)"

measure() {  # TOOL OUT RUN [extra peer.py args]
  local line
  line=$("$py" "$here/peer.py" --tool "$1" --uri "$uri" --out "$2" --run "$3" --server-pid "$server_pid" "${@:4}" 2>>"$tmp/peer.err") ||
    { tail -20 "$tmp/peer.err" >&2; exit 1; }
  echo "$line" >>"$tmp/results.jsonl"
  echo "  $1 $3: $(python3 -c 'import json,sys; d = json.loads(sys.argv[1]); d.pop("byEndpoint"); print(d)' "$line")"
}
for peer in $peers; do
  extra=()
  [[ $peer == mee ]] && extra=(--mee-bin "$mee_venv/bin/export-models")
  measure "$peer" "$tmp/$peer" full "${extra[@]}"
  measure "$peer" "$tmp/$peer" rerun "${extra[@]}"
done
"$pedigree" --workspace "$tmp/ws" init >/dev/null
"$pedigree" --workspace "$tmp/ws" remote add bench mlflow "$uri" >/dev/null
measure pedigree "$tmp/ws" full --pedigree-bin "$pedigree"
measure pedigree "$tmp/ws" rerun --pedigree-bin "$pedigree"

python3 - "$tmp/results.jsonl" "$mee_version" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
get = {(r["tool"], r["run"]): r for r in rows}
names = {"mee": f"export-import {sys.argv[2]}", "client": "MLflow client script", "pedigree": "pedigree sync"}
print(f"\n{'tool':<34}{'run':<7}{'versions':>9}{'seconds':>10}{'requests':>10}{'tool cpu s':>11}{'server cpu s':>13}")
for r in rows:
    print(f"{names[r['tool']]:<34}{r['run']:<7}{r['versions']:>9}{r['seconds']:>10.2f}{r['requests']:>10}"
          f"{r['cpuSeconds']:>11.2f}{r['serverCpuSeconds']:>13.2f}")
print("\nratios, peer / pedigree (above 1: pedigree is faster or makes fewer requests)")
for tool in sorted({r["tool"] for r in rows} - {"pedigree"}):
    for run in ("full", "rerun"):
        p, q = get[(tool, run)], get[("pedigree", run)]
        ratio = lambda a, b: f"{a / b:.1f}x" if b else "n/a"
        print(f"  {names[tool]:<34}{run:<7} time {ratio(p['seconds'], q['seconds']):>8}   requests {ratio(p['requests'], q['requests']):>8}")
p = get[("pedigree", "full")]
if p["pedigreeRequests"] != p["requests"] or p["failed"] or p["skipped"]:
    print(f"\nNOTE pedigree full: report says {p['pedigreeRequests']} requests, proxy counted {p['requests']}; "
          f"failed {p['failed']}, skipped {p['skipped']}")
EOF
