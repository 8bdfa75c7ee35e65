"""A local stand-in for the Hugging Face Hub HTTP API, serving hand-made repositories.

Usage: hub_stub.py PORT REPOS_DIR

REPOS_DIR holds one folder per repository, `ORG--NAME/`, with the repository's files and a
hand-written `card.json` (the card data the Hub returns; not served as a file). Every answer
follows the Hub's documented responses:

- GET /api/models/REPO/revision/REV   model info: id, sha, siblings, cardData (404 + X-Error-Code
                                      RevisionNotFound for an unknown revision)
- GET /api/models/REPO/tree/REV       tree listing, `?recursive=true`, paged two entries at a time
                                      with a `Link: <…>; rel="next"` header; files carry `oid` (git
                                      blob id) and, for LFS files, `lfs: {oid (sha256), size,
                                      pointerSize}`
- HEAD|GET /REPO/resolve/REV/PATH     files kept in git: the bytes, ETag = git blob id; LFS files:
                                      302 to http://localhost:PORT/cdn/SHA256 (another host, as the Hub's CDN is) with X-Linked-Etag / X-Linked-Size
- HEAD|GET /cdn/SHA256                the LFS object

STUB_TAMPER=ORG/NAME:PATH serves that file's bytes with one byte changed (a corrupt download).
"""

import hashlib
import json
import os
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, ROOT = int(sys.argv[1]), sys.argv[2]
LFS = (".safetensors", ".gguf", ".bin", ".onnx")
TAMPER = os.environ.get("STUB_TAMPER", "")
PAGE = 2


def git_oid(data):
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def pointer(sha, size):
    return f"version https://git-lfs.github.com/spec/v1\noid sha256:{sha}\nsize {size}\n".encode()


def load():
    repos, blobs = {}, {}
    for folder in sorted(os.listdir(ROOT)):
        repo_id = folder.replace("--", "/", 1)
        base = os.path.join(ROOT, folder)
        files = {}
        for dirpath, _, names in os.walk(base):
            for n in names:
                full = os.path.join(dirpath, n)
                rel = os.path.relpath(full, base).replace(os.sep, "/")
                if rel != "card.json":
                    files[rel] = open(full, "rb").read()
        card = json.load(open(os.path.join(base, "card.json")))
        entries = {}
        for rel, data in sorted(files.items()):
            served = data
            if TAMPER == f"{repo_id}:{rel}":
                served = bytes([data[0] ^ 0xFF]) + data[1:]
            if rel.endswith(LFS):
                sha = hashlib.sha256(data).hexdigest()
                ptr = pointer(sha, len(data))
                entries[rel] = {"type": "file", "oid": git_oid(ptr), "size": len(ptr), "path": rel,
                                "lfs": {"oid": sha, "size": len(data), "pointerSize": len(ptr)}}
                blobs[sha] = served
            else:
                entries[rel] = {"type": "file", "oid": git_oid(data), "size": len(data), "path": rel}
            entries[rel]["_bytes"] = served
        listing = "".join(f"{e['path']} {e['oid']}\n" for e in entries.values())
        sha = hashlib.sha1(f"commit {repo_id}\n{listing}".encode()).hexdigest()
        repos[repo_id] = {"sha": sha, "entries": entries, "card": card}
    return repos, blobs


REPOS, BLOBS = load()


class Hub(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, body=b"", headers=None, ctype="application/json"):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def error(self, status, code, message):
        self.reply(status, json.dumps({"error": message}).encode(), {"X-Error-Code": code, "X-Error-Message": message})

    def repo_and_rev(self, repo_id, rev):
        repo = REPOS.get(repo_id)
        if repo is None:
            self.error(404, "RepoNotFound", "Repository not found")
            return None
        if urllib.parse.unquote(rev) not in ("main", repo["sha"]):
            self.error(404, "RevisionNotFound", f"Invalid rev id: {rev}")
            return None
        return repo

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        parts = [urllib.parse.unquote(p) for p in url.path.strip("/").split("/")]
        if parts[:2] == ["api", "models"] and len(parts) >= 6 and parts[4] in ("revision", "tree"):
            repo_id, what, rev = f"{parts[2]}/{parts[3]}", parts[4], parts[5]
            repo = self.repo_and_rev(repo_id, rev)
            if repo is None:
                return
            files = [{k: v for k, v in e.items() if k != "_bytes"} for e in repo["entries"].values()]
            if what == "revision":
                info = {"_id": hashlib.md5(repo_id.encode()).hexdigest()[:24], "id": repo_id, "modelId": repo_id,
                        "author": repo_id.split("/")[0], "sha": repo["sha"], "private": False, "gated": False,
                        "disabled": False, "downloads": 0, "likes": 0, "tags": [], "library_name": "transformers",
                        "lastModified": "2026-11-30T10:00:00.000Z", "createdAt": "2026-11-01T10:00:00.000Z",
                        "siblings": [{"rfilename": f["path"]} for f in files], "cardData": repo["card"]}
                return self.reply(200, json.dumps(info).encode())
            dirs = sorted({"/".join(f["path"].split("/")[:i]) for f in files for i in range(1, f["path"].count("/") + 1)})
            listing = [{"type": "directory", "oid": "0" * 40, "size": 0, "path": d} for d in dirs] + files
            if query.get("recursive", ["false"])[0] != "true":
                listing = [e for e in listing if "/" not in e["path"]]
            start = int(query.get("cursor", ["0"])[0])
            page, headers = listing[start:start + PAGE], {}
            if start + PAGE < len(listing):
                q = urllib.parse.urlencode({"recursive": query.get("recursive", ["false"])[0], "cursor": start + PAGE})
                headers["Link"] = f'<http://127.0.0.1:{PORT}{url.path}?{q}>; rel="next"'
            return self.reply(200, json.dumps(page).encode(), headers)
        if len(parts) >= 5 and parts[2] == "resolve":
            repo = self.repo_and_rev(f"{parts[0]}/{parts[1]}", parts[3])
            if repo is None:
                return
            entry = repo["entries"].get("/".join(parts[4:]))
            if entry is None:
                return self.error(404, "EntryNotFound", "Entry not found")
            common = {"X-Repo-Commit": repo["sha"], "Accept-Ranges": "bytes"}
            if "lfs" in entry:
                lfs = entry["lfs"]
                common.update({"ETag": f'"{entry["oid"]}"', "X-Linked-Etag": f'"{lfs["oid"]}"',
                               "X-Linked-Size": str(lfs["size"]), "Location": f"http://localhost:{PORT}/cdn/{lfs['oid']}"})
                return self.reply(302, b"", common)
            common["ETag"] = f'"{entry["oid"]}"'
            return self.reply(200, entry["_bytes"], common, "application/octet-stream")
        if len(parts) == 2 and parts[0] == "cdn" and parts[1] in BLOBS:
            data = BLOBS[parts[1]]
            return self.reply(200, data, {"ETag": f'"{parts[1]}"'}, "application/octet-stream")
        self.error(404, "NotFound", "not found")


ThreadingHTTPServer(("127.0.0.1", PORT), Hub).serve_forever()
