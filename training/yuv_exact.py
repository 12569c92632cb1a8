"""The exact YUV 4:2:0 -> RGB of src/media/yuv.ts, on the Python side, and ffmpeg decodes through it.

Every decode path of the app and the CLI (WebCodecs, ffmpeg.wasm, native ffmpeg) hands 8-bit 4:2:0
planes to src/media/yuv.ts: the exact conversion per colour matrix and range, chroma bilinear at
centred siting, rounded half up (swscale's own yuv420p -> rgb24 is 1-2 levels dark). Data made
here must look like what the app decodes, so the fixture maker (scripts/make-sample.py) and the
training data makers (make_user_clips.py, prep_prior.py) decode with this module. It computes the
same numbers another way (exact rationals, int64); the TS tests check the fixtures it makes
against the app's decode byte for byte.
"""
from __future__ import annotations

import math
import subprocess
from fractions import Fraction

import numpy as np


# Kr, Kb of each colour matrix, as exact decimals (the standards' values; src/media/yuv.ts).
LUMA_WEIGHTS = {
    'bt601': ('0.299', '0.114'), 'bt709': ('0.2126', '0.0722'), 'fcc': ('0.30', '0.11'),
    'smpte240m': ('0.212', '0.087'), 'bt2020': ('0.2627', '0.0593'),
}


def chroma_sums(c, h, w):
    """16 x the bilinear chroma at every luma pixel, exactly (int64): chroma sample (i, j) sits at
    luma (2i + 1/2, 2j + 1/2), centred as ffmpeg's rgb -> yuv420p writes it, so pixel x takes 3/4
    of sample x // 2 and 1/4 of its neighbour on x's side (edges replicated), and likewise in y."""
    c = c.astype(np.int64)
    ch, cw = c.shape
    r = np.arange(h)
    near = r // 2
    far = np.where(r % 2 == 0, np.maximum(near - 1, 0), np.minimum(near + 1, ch - 1))
    rows = 3 * c[near] + c[far]
    x = np.arange(w)
    near = x // 2
    far = np.where(x % 2 == 0, np.maximum(near - 1, 0), np.minimum(near + 1, cw - 1))
    return 3 * rows[:, near] + rows[:, far]


def yuv420_to_rgb(y, u, v, matrix='bt601', full_range=False):
    """The exact YUV 4:2:0 -> RGB of src/media/yuv.ts, computed another way: in rationals.

    255 * X for X = R, G, B is a * (Y - y0) + b * (S_U - 2048) + c * (S_V - 2048) with S = 16 x the
    interpolated chroma (chroma_sums) and exact fractions a, b, c; scaled by a common denominator D
    every term is an integer (|N| < 2^49, int64), and round half up is floor((2N + D) / 2D)."""
    h, w = y.shape
    kr, kb = (Fraction(x) for x in LUMA_WEIGHTS[matrix])
    kg = 1 - kr - kb
    a, y0, cs = (Fraction(1), 0, Fraction(1, 16)) if full_range else (Fraction(255, 219), 16, Fraction(255, 224 * 16))
    coef = [  # R, G, B: (coefficient of S_U - 2048, of S_V - 2048)
        (Fraction(0), cs * 2 * (1 - kr)),
        (-cs * 2 * (1 - kb) * kb / kg, -cs * 2 * (1 - kr) * kr / kg),
        (cs * 2 * (1 - kb), Fraction(0)),
    ]
    ys = y.astype(np.int64) - y0
    su = chroma_sums(u, h, w) - 2048
    sv = chroma_sums(v, h, w) - 2048
    out = np.empty((h, w, 3), np.uint8)
    for ch, (bu, bv) in enumerate(coef):
        d = math.lcm(a.denominator, bu.denominator, bv.denominator)
        n = int(a * d) * ys + int(bu * d) * su + int(bv * d) * sv
        out[..., ch] = np.clip((2 * n + d) // (2 * d), 0, 255)
    return out


def read_yuv420(raw, w, h):
    """Packed yuv420p frames (ffmpeg rawvideo) -> [(y, u, v)]."""
    cw, ch = (w + 1) // 2, (h + 1) // 2
    size = w * h + 2 * cw * ch
    assert len(raw) % size == 0, f'{len(raw)} bytes is no whole number of {w}x{h} yuv420p frames'
    a = np.frombuffer(raw, np.uint8)
    return [(a[o:o + w * h].reshape(h, w), a[o + w * h:o + w * h + cw * ch].reshape(ch, cw),
             a[o + w * h + cw * ch:o + size].reshape(ch, cw)) for o in range(0, len(raw), size)]


def decode_exact(path: str, width: int, height: int, vf: str | None = None, extra_in: list | None = None) -> list:
    """Frames of a video file as HxWx3 uint8 RGB, the way the app decodes them: ffmpeg's raw
    yuv420p planes (after the optional filter `vf`, e.g. a rescale, which then runs on YUV)
    through yuv420_to_rgb, untagged BT.601 limited range as ffmpeg's encoders here write it.
    `width` x `height` is the size of the frames ffmpeg outputs (after `vf`)."""
    cmd = ['ffmpeg', '-v', 'error'] + list(extra_in or []) + ['-i', path]
    if vf:
        cmd += ['-vf', vf]
    cmd += ['-vsync', '0', '-f', 'rawvideo', '-pix_fmt', 'yuv420p', 'pipe:1']
    raw = subprocess.run(cmd, capture_output=True, check=True).stdout
    return [yuv420_to_rgb(y, u, v) for y, u, v in read_yuv420(raw, width, height)]
