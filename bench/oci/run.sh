#!/usr/bin/env bash
# OCI benchmark: push and pull of one GIB-sized version (default 2 GiB, in 4 files) to a local
# registry (Debian's docker-registry on a free loopback port), by `pedigree push`/`pedigree pull`
# and by the PyPI `oras` client pushing and pulling the same files, in the same run.
#
#   bench/oci/run.sh [GIB]
#
#   PEDIGREE_BIN   default target/release/pedigree (debug timings are not fair)
#   PEDIGREE_TEST_VENV  default ~/.cache/pedigree/venv-test (needs oras; `make test` makes it)
# Not part of `make test`. Needs about 5 × GIB free disk. Stops every process it started.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
gib=${1:-2}
pedigree=${PEDIGREE_BIN:-$repo/target/release/pedigree}
venv=${PEDIGREE_TEST_VENV:-$HOME/.cache/pedigree/venv-test}
[[ -x $pedigree ]] || { echo "no $pedigree: build it (cargo build --release) or set PEDIGREE_BIN" >&2; exit 1; }
"$venv/bin/python" -c "import oras" 2>/dev/null || "$venv/bin/pip" install -q "oras==0.2.43"

tmp=$(mktemp -d /tmp/pedigree-bench-oci.XXXXXX)
pid=""
cleanup() {
  [[ -n $pid ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$tmp/registry.yml" <<YML
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $tmp/registry
http:
  addr: 127.0.0.1:$port
YML
docker-registry serve "$tmp/registry.yml" >"$tmp/registry.log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/v2/" >/dev/null && break; sleep 0.1; done
host=127.0.0.1:$port

mkdir -p "$tmp/model"
per=$((gib * 1024 / 4))
for i in 1 2 3 4; do head -c "${per}M" /dev/urandom >"$tmp/model/shard-$i.bin"; done
bytes=$(du -sb "$tmp/model" | cut -f1)
echo "registry docker-registry $(docker-registry --version 2>/dev/null | awk '{print $3}') on $host; $((bytes >> 20)) MiB in 4 files; scratch $tmp"
echo "$("$pedigree" --version) ($pedigree); oras $("$venv/bin/python" -c 'import oras; print(oras.__version__)') (PyPI)"

ws=$tmp/ws
"$pedigree" --workspace "$ws" init >/dev/null
"$pedigree" --workspace "$ws" register "$tmp/model" --model big --link=hard >/dev/null
"$pedigree" --workspace "$ws" remote add reg oci "$host/bench" >/dev/null

sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true
t() { python3 -c 'import time; print(time.time())'; }
s=$(t); "$pedigree" --workspace "$ws" push big@1.0.0 --to reg >/dev/null; e=$(t)
p_push=$(python3 -c "print($e - $s)")
ws2=$tmp/ws2
"$pedigree" --workspace "$ws2" init >/dev/null
s=$(t); "$pedigree" --workspace "$ws2" pull "$host/bench/big:1.0.0" >/dev/null; e=$(t)
p_pull=$(python3 -c "print($e - $s)")
rm -rf "$ws2"

read -r o_push o_pull < <("$venv/bin/python" - "$host" "$tmp/model" "$tmp/oras-out" <<'PY'
import os, sys, time, oras.client
host, model, out = sys.argv[1:4]
c = oras.client.OrasClient(insecure=True)
os.chdir(model)
files = sorted(os.listdir("."))
s = time.time(); c.push(target=f"{host}/oras/big:1.0.0", files=files); push = time.time() - s
s = time.time(); c.pull(target=f"{host}/oras/big:1.0.0", outdir=out); pull = time.time() - s
print(push, pull)
PY
)
cmp -s "$tmp/model/shard-1.bin" "$tmp/oras-out/shard-1.bin" || { echo "oras pulled other bytes" >&2; exit 1; }

python3 - "$bytes" "$p_push" "$p_pull" "$o_push" "$o_pull" <<'PY'
import sys
b, pp, pl, op, ol = int(sys.argv[1]), *map(float, sys.argv[2:])
mb = b / 1e6
print(f"\n{'tool':<22}{'push s':>8}{'push MB/s':>11}{'pull s':>8}{'pull MB/s':>11}")
for name, a, c in (("pedigree push/pull", pp, pl), ("oras (PyPI) push/pull", op, ol)):
    print(f"{name:<22}{a:>8.2f}{mb / a:>11.0f}{c:>8.2f}{mb / c:>11.0f}")
print(f"\nratio oras / pedigree (above 1: pedigree is faster): push {op / pp:.2f}x, pull {ol / pl:.2f}x")
print("pedigree pull includes hashing, sniffing and registering the files (hard-linked into the store).")
PY
