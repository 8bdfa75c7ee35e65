#!/usr/bin/env python3
"""A counting reverse proxy (stdlib only) for the sync benchmark.

    proxy.py LISTEN_PORT UPSTREAM_URL

Forwards every request to UPSTREAM_URL (keep-alive on both sides, bodies streamed) and counts
it. Two paths are answered by the proxy itself and never forwarded or counted:
    GET  /__bench/count   {"total": N, "by": {"GET /api/2.0/mlflow/...": n, ...}}
    POST /__bench/reset   sets the counts back to zero
Artifact paths are counted under one key (".../artifacts/*") so the breakdown stays short.
"""
import http.client
import json
import sys
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"}
lock = threading.Lock()
counts = Counter()
upstream = None  # urlsplit of UPSTREAM_URL
local = threading.local()


def key(method, path):
    path = path.split("?", 1)[0]
    marker = "/mlflow-artifacts/artifacts/"
    if marker in path:
        path = path[: path.index(marker) + len(marker)] + "*"
    return f"{method} {path}"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else headers and body, written apart, wait out a delayed ACK (40 ms)

    def log_message(self, *args):
        pass

    def answer(self, code, obj):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else None

    def conn(self, fresh=False):
        if fresh or getattr(local, "conn", None) is None:
            local.conn = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=600)
        return local.conn

    def forward(self):
        if self.path == "/__bench/count":
            with lock:
                return self.answer(200, {"total": sum(counts.values()), "by": dict(sorted(counts.items()))})
        if self.path == "/__bench/reset":
            with lock:
                counts.clear()
            return self.answer(200, {})
        with lock:
            counts[key(self.command, self.path)] += 1
        body = self.read_body()
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP and k.lower() != "host"}
        headers["Host"] = upstream.netloc
        if body is not None:
            headers["Content-Length"] = str(len(body))
        for attempt in (0, 1):  # a kept-alive upstream connection may have been closed: retry once
            try:
                c = self.conn(fresh=attempt == 1)
                c.request(self.command, self.path, body=body, headers=headers)
                resp = c.getresponse()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                if attempt == 1:
                    raise
        self.send_response_only(resp.status, resp.reason)
        length = resp.getheader("Content-Length")
        for k, v in resp.getheaders():
            if k.lower() not in HOP:
                self.send_header(k, v)
        if length is None and self.command != "HEAD" and resp.status not in (204, 304):
            self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        while chunk := resp.read(1 << 16):
            self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n" if length is None else chunk)
        if length is None and self.command != "HEAD" and resp.status not in (204, 304):
            self.wfile.write(b"0\r\n\r\n")
        if resp.will_close:
            local.conn = None

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = forward


if __name__ == "__main__":
    upstream = urlsplit(sys.argv[2])
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
    server.daemon_threads = True
    server.serve_forever()
