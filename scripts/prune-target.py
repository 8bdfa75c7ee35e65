#!/usr/bin/env python3
"""Keep a reused cargo target directory from growing without bound.

Cargo never deletes what it built before: every change to a test binary leaves the old
executable (hundreds of MB with debug info) in target/debug/deps, and incremental caches
pile up. A CI cache kept between runs filled the disk that way. This keeps the newest
executable of each name and drops incremental state older than a week.
Usage: prune-target.py TARGET_DIR
"""
import os
import shutil
import sys
import time
from collections import defaultdict


def main(target: str) -> None:
    freed = 0
    deps = os.path.join(target, "debug", "deps")
    if os.path.isdir(deps):
        groups = defaultdict(list)
        for entry in os.scandir(deps):
            if "." in entry.name or not entry.is_file() or not os.access(entry.path, os.X_OK):
                continue
            name, _, _ = entry.name.rpartition("-")
            groups[name].append((entry.stat().st_mtime, entry.path))
        for builds in groups.values():
            builds.sort()
            for _, path in builds[:-1]:
                freed += os.path.getsize(path)
                os.remove(path)
                if os.path.exists(path + ".d"):
                    os.remove(path + ".d")
    incremental = os.path.join(target, "debug", "incremental")
    week_ago = time.time() - 7 * 24 * 3600
    if os.path.isdir(incremental):
        for entry in os.scandir(incremental):
            if entry.stat().st_mtime < week_ago:
                freed += sum(
                    os.path.getsize(os.path.join(d, f))
                    for d, _, fs in os.walk(entry.path)
                    for f in fs
                )
                shutil.rmtree(entry.path, ignore_errors=True)
    print(f"prune-target: {freed / 1e9:.1f} GB of stale builds removed from {target}")


if __name__ == "__main__":
    main(sys.argv[1])
