#!/usr/bin/env python3
"""Writes Pedigree's RGBA app icons (icons/*.png) with the standard library only: a blue
rounded square holding a small three-node lineage graph. Tauri refuses RGB icons."""
import struct, zlib, sys, math, os

def png(w, h, pixels):
    raw = b"".join(b"\x00" + bytes(pixels[y * w * 4:(y + 1) * w * 4]) for y in range(h))
    chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0)) + \
        chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")

def icon(n):
    px = bytearray(n * n * 4)
    r = n * 0.18
    nodes = [(0.30, 0.30), (0.30, 0.70), (0.72, 0.50)]
    def seg_dist(px_, py, ax, ay, bx, by):
        dx, dy = bx - ax, by - ay
        t = max(0, min(1, ((px_ - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
        return math.hypot(px_ - (ax + t * dx), py - (ay + t * dy))
    for y in range(n):
        for x in range(n):
            u, v = (x + 0.5) / n, (y + 0.5) / n
            # rounded square
            cx, cy = min(max(x + 0.5, r), n - r), min(max(y + 0.5, r), n - r)
            inside = math.hypot(x + 0.5 - cx, y + 0.5 - cy) <= r
            if not inside:
                continue
            col = (37, 99, 235, 255)
            for a in nodes[:2]:
                if seg_dist(u, v, a[0], a[1], nodes[2][0], nodes[2][1]) < 0.035:
                    col = (219, 234, 254, 255)
            for (nx, ny) in nodes:
                if math.hypot(u - nx, v - ny) < 0.11:
                    col = (255, 255, 255, 255)
            px[(y * n + x) * 4:(y * n + x) * 4 + 4] = bytes(col)
    return png(n, n, px)

out = sys.argv[1] if len(sys.argv) > 1 else "icons"
os.makedirs(out, exist_ok=True)
for name, size in [("32x32.png", 32), ("128x128.png", 128), ("128x128@2x.png", 256), ("icon.png", 512)]:
    with open(os.path.join(out, name), "wb") as f:
        f.write(icon(size))
