#!/usr/bin/env python3
"""One measured pull of every MLflow model version, by one tool, through the counting proxy.

    peer.py --tool mee|client|pedigree --uri PROXY_URL --out DIR [--run full|rerun]
            [--mee-bin .../export-models] [--pedigree-bin BIN --remote NAME] [--server-pid PID]

Resets the proxy's count, runs the tool, and prints one JSON line:
    {tool, run, seconds, requests, cpuSeconds, serverCpuSeconds, versions, byEndpoint, ...}
`requests` is what the proxy counted; `cpuSeconds` is the tool's own CPU time (user + system);
`serverCpuSeconds` the MLflow server's (with --server-pid). Every tool is measured by this code.

Tools:
  mee       mlflow-export-import `export-models --models all --output-dir DIR`: every registered
            model and version, and each version's run with its artifacts (the bytes). It keeps no
            state, so the re-run exports everything again into the same folder: that is its
            "no-change re-sync". `versions` counts the exported versions whose run artifacts it wrote.
  client    The MLflow Python client, the least a script can do: page through
            `search_registered_models` (1000 a page) and `search_model_versions` (all versions, not
            one search per model), then `mlflow.artifacts.download_artifacts(version.source)` into
            DIR/<model>/<version>/, and a `.done` marker after each. The re-run lists the same way
            and skips every version whose marker exists: its no-change re-sync is the two listings.
  pedigree  `PEDIGREE_BIN --workspace DIR sync REMOTE --json`; `versions` is pulled + bound from
            its report, and `pedigreeRequests` is the count the report itself gives.
Needs the mlflow package only for --tool client (run it with the mlflow venv's python).
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time
import urllib.request


def proxy(uri, what):
    req = urllib.request.Request(f"{uri}/__bench/{what}", method="POST" if what == "reset" else "GET")
    with urllib.request.urlopen(req) as r:
        return json.load(r)


def tree_cpu(pid):
    """CPU seconds (user + system) used so far by process `pid` and its live descendants."""
    if not pid:
        return 0.0
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            kids = f.read().split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK") + sum(tree_cpu(int(k)) for k in kids)


def client_copy(uri, out):
    import mlflow
    from mlflow.tracking import MlflowClient

    c = MlflowClient(uri, uri)
    models, token = [], None
    while True:
        page = c.search_registered_models(max_results=1000, page_token=token)
        models += page
        if not (token := page.token):
            break
    versions, token = [], None
    while True:
        page = c.search_model_versions(max_results=10000, page_token=token)
        versions += page
        if not (token := page.token):
            break
    copied = 0
    for v in versions:
        dst = os.path.join(out, v.name, v.version)
        if os.path.exists(os.path.join(dst, ".done")):
            continue
        os.makedirs(dst, exist_ok=True)
        mlflow.artifacts.download_artifacts(artifact_uri=v.source, dst_path=dst, tracking_uri=uri)
        open(os.path.join(dst, ".done"), "w").close()
        copied += 1
    return {"versions": copied, "models": len(models), "listed": len(versions)}


def mee_copy(uri, out, exe):
    os.makedirs(out, exist_ok=True)
    with open(f"{out}.log", "a") as log:
        subprocess.run([exe, "--models", "all", "--output-dir", out], check=True, stdout=log, stderr=log,
                       env={**os.environ, "MLFLOW_TRACKING_URI": uri})
    # A version counts when its run's artifacts were written (where depends on the release).
    runs = {os.path.basename(os.path.dirname(root)) for root, _, _ in os.walk(out) if os.path.basename(root) == "artifacts"}
    n = 0
    for root, _, files in os.walk(os.path.join(out, "models")):
        if "model.json" in files:
            with open(os.path.join(root, "model.json")) as f:
                n += sum(v["run_id"] in runs for v in json.load(f)["mlflow"]["registered_model"]["versions"])
    return {"versions": n}


def pedigree_sync(out, exe, remote):
    p = subprocess.run([exe, "--workspace", out, "sync", remote, "--json"], capture_output=True, text=True)
    if p.returncode not in (0, 3):
        sys.exit(f"pedigree sync failed ({p.returncode}): {p.stderr.strip()}")
    r = json.loads(p.stdout)
    return {"versions": r["pulled"] + r["bound"], "pedigreeRequests": r["requests"], "scannedVersions": r["scannedVersions"],
            "unchanged": r["unchanged"], "skipped": len(r["skipped"]), "failed": len(r["failed"]),
            "conflicts": len(r["conflicts"])}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", required=True, choices=["mee", "client", "pedigree"])
    ap.add_argument("--uri", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--run", default="full")
    ap.add_argument("--mee-bin", default="export-models")
    ap.add_argument("--pedigree-bin")
    ap.add_argument("--remote", default="bench")
    ap.add_argument("--server-pid", type=int, help="the MLflow server's pid, to report its CPU time too")
    a = ap.parse_args()
    uri = a.uri.rstrip("/")
    proxy(uri, "reset")
    cpu = lambda: sum(resource.getrusage(w).ru_utime + resource.getrusage(w).ru_stime
                      for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    cpu0, server0, start = cpu(), tree_cpu(a.server_pid), time.monotonic()
    if a.tool == "client":
        extra = client_copy(uri, a.out)
    elif a.tool == "mee":
        extra = mee_copy(uri, a.out, a.mee_bin)
    else:
        extra = pedigree_sync(a.out, a.pedigree_bin, a.remote)
    seconds, cpu_seconds, server_cpu = time.monotonic() - start, cpu() - cpu0, tree_cpu(a.server_pid) - server0
    count = proxy(uri, "count")
    print(json.dumps({"tool": a.tool, "run": a.run, "seconds": round(seconds, 2), "requests": count["total"],
                      "cpuSeconds": round(cpu_seconds, 2), "serverCpuSeconds": round(server_cpu, 2),
                      **extra, "byEndpoint": count["by"]}))


if __name__ == "__main__":
    main()
