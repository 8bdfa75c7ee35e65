#!/usr/bin/env python3
"""Seeds an MLflow tracking server (started with --serve-artifacts) for the sync benchmark.

    seed.py TRACKING_URI [--models 250] [--versions 4] [--threads 4] [--prefix bench-model]

Creates registered models `PREFIX-NNNN` (--prefix bench-model), each with --versions versions. Each version is
the classic run-backed one: a run, one artifact `model/model.bin` (4-64 KiB of seeded random
bytes) uploaded through the artifact proxy, and `model-versions/create` with
source=<run artifact_uri>/model (a `mlflow-artifacts:/` URI) and run_id, as `mlflow.register_model`
makes them. Run-backed versions are the kind every peer tool supports (mlflow-export-import
exports a version's run). Every tenth model gets the alias `champion` on its last version.
It speaks the REST API directly: 4 requests a version, where MlflowClient makes 7.
Starts nothing. Prints one JSON line: {models, versions, bytes, seconds}.
"""
import argparse
import json
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("uri")
    ap.add_argument("--models", type=int, default=250)
    ap.add_argument("--versions", type=int, default=4)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--prefix", default="bench-model")
    a = ap.parse_args()
    base = a.uri.rstrip("/")
    local = threading.local()

    def call(method, path, **kw):
        if not hasattr(local, "s"):
            local.s = requests.Session()
        r = local.s.request(method, f"{base}/api/2.0/{path}", timeout=120, **kw)
        r.raise_for_status()
        return r.json() if r.content else {}

    start = time.monotonic()
    exp = call("POST", "mlflow/experiments/create", json={"name": f"bench-seed-{time.time_ns()}"})["experiment_id"]

    def seed_model(m):
        name = f"{a.prefix}-{m:04d}"
        call("POST", "mlflow/registered-models/create",
             json={"name": name, "description": f"benchmark model {m}", "tags": [{"key": "bench", "value": "sync"}]})
        total = 0
        for v in range(a.versions):
            rng = random.Random(m * 1000 + v)
            data = rng.randbytes(rng.randint(4096, 65536))
            run = call("POST", "mlflow/runs/create", json={"experiment_id": exp, "run_name": f"{name}-v{v + 1}",
                                                           "start_time": int(time.time() * 1000)})["run"]["info"]
            art = run["artifact_uri"]  # mlflow-artifacts:/<exp>/<run_id>/artifacts
            call("PUT", "mlflow-artifacts/artifacts/" + art.removeprefix("mlflow-artifacts:/") + "/model/model.bin",
                 data=data)
            call("POST", "mlflow/runs/update", json={"run_id": run["run_id"], "status": "FINISHED",
                                                     "end_time": int(time.time() * 1000)})
            call("POST", "mlflow/model-versions/create", json={"name": name, "source": f"{art}/model",
                                                               "run_id": run["run_id"],
                                                               "tags": [{"key": "seed", "value": str(v)}]})
            total += len(data)
        return total

    with ThreadPoolExecutor(a.threads) as pool:
        total = sum(pool.map(seed_model, range(a.models)))
    for m in range(0, a.models, 10):
        call("POST", "mlflow/registered-models/alias",
             json={"name": f"{a.prefix}-{m:04d}", "alias": "champion", "version": str(a.versions)})
    print(json.dumps({"models": a.models, "versions": a.models * a.versions, "bytes": total,
                      "seconds": round(time.monotonic() - start, 1)}))


if __name__ == "__main__":
    main()
