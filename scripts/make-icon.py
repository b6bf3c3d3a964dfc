#!/usr/bin/env python3
"""Draws assets/icon.png (512x512 RGBA): three class means of a simplex ETF on the unit circle.

Run from the repo root: python3 scripts/make-icon.py [size]   (needs numpy; writes the PNG with zlib only)
electron-builder makes the .ico (Windows) and .icns (macOS) from this PNG; Linux uses it as is.
"""
import math
import struct
import sys
import zlib

import numpy as np

SIZE = int(sys.argv[1]) if len(sys.argv) > 1 else 512
S = SIZE / 512.0  # the drawing is specified on a 512 grid

yy, xx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float64) + 0.5
rgb = np.zeros((SIZE, SIZE, 3))
alpha = np.zeros((SIZE, SIZE))


def coverage(dist):
    """Signed distance (negative inside, in pixels) -> anti-aliased coverage."""
    return np.clip(0.5 - dist, 0.0, 1.0)


def paint(cov, color, opacity=1.0):
    global rgb, alpha
    a = cov * opacity
    c = np.array(color, dtype=np.float64) / 255.0
    rgb = rgb * (1 - a[..., None]) + c * a[..., None]
    alpha = alpha + a * (1 - alpha)


def rounded_rect(x0, y0, x1, y1, r):
    cx = np.clip(xx, x0 + r, x1 - r)
    cy = np.clip(yy, y0 + r, y1 - r)
    return np.hypot(xx - cx, yy - cy) - r


def segment(ax, ay, bx, by, w):
    px, py = xx - ax, yy - ay
    dx, dy = bx - ax, by - ay
    t = np.clip((px * dx + py * dy) / (dx * dx + dy * dy), 0, 1)
    return np.hypot(px - t * dx, py - t * dy) - w / 2


def disc(cx, cy, r):
    return np.hypot(xx - cx, yy - cy) - r


# background: rounded square, vertical gradient deep blue -> teal
bg = coverage(rounded_rect(16 * S, 16 * S, 496 * S, 496 * S, 100 * S))
t = (yy / SIZE)[..., None]
grad = (1 - t) * np.array([0x1F, 0x3B, 0x73]) / 255.0 + t * np.array([0x2A, 0x7A, 0x8C]) / 255.0
rgb = grad * bg[..., None]
alpha = bg.copy()

cx, cy, R = 256 * S, 270 * S, 165 * S
ring = np.abs(np.hypot(xx - cx, yy - cy) - R) - 3 * S
paint(coverage(ring), (255, 255, 255), 0.35)

colors = [(0xFF, 0xB3, 0x47), (0x7E, 0xE0, 0x81), (0xFF, 0x6F, 0x91)]
points = []
for k in range(3):
    ang = math.radians(-90 + 120 * k)
    points.append((cx + R * math.cos(ang), cy + R * math.sin(ang)))
for i in range(3):
    (ax, ay), (bx, by) = points[i], points[(i + 1) % 3]
    paint(coverage(segment(ax, ay, bx, by, 5 * S)), (255, 255, 255), 0.45)
for (px, py) in points:  # the class-mean vectors
    paint(coverage(segment(cx, cy, px, py, 14 * S)), (255, 255, 255), 0.95)
for (px, py), col in zip(points, colors):
    paint(coverage(disc(px, py, 34 * S)), (255, 255, 255), 1.0)
    paint(coverage(disc(px, py, 27 * S)), col, 1.0)
paint(coverage(disc(cx, cy, 13 * S)), (255, 255, 255), 1.0)

# un-premultiply and write an RGBA PNG
out = np.zeros((SIZE, SIZE, 4), dtype=np.uint8)
safe = np.where(alpha > 0, alpha, 1)[..., None]
out[..., :3] = np.clip(np.round(rgb / safe * 255), 0, 255).astype(np.uint8)
out[..., 3] = np.clip(np.round(alpha * 255), 0, 255).astype(np.uint8)


def chunk(kind, data):
    c = struct.pack('>I', len(data)) + kind + data
    return c + struct.pack('>I', zlib.crc32(kind + data) & 0xFFFFFFFF)


raw = b''.join(b'\x00' + out[y].tobytes() for y in range(SIZE))
png = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', SIZE, SIZE, 8, 6, 0, 0, 0)) + chunk(b'IDAT', zlib.compress(raw, 9)) + chunk(b'IEND', b'')
path = 'assets/icon.png'
with open(path, 'wb') as f:
    f.write(png)
print(f'wrote {path} ({SIZE}x{SIZE}, {len(png)} bytes)')
