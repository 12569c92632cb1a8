"""Short HR animation-like clips, deterministic by seed, from two offline sources:

* clip art (Debian's openclipart-png, public domain): 1-3 pictures composited over a painted
  background, filmed by a slow camera pan/zoom while each picture drifts a little;
* procedural cel-shaded scenes: gradient sky, flat hills, flat-filled shapes with dark anti-aliased
  outlines, a cel shadow and a highlight, moving and turning between frames.

Everything is drawn at 2x and reduced with a Lanczos filter, which gives the anti-aliased line
profile of digital animation. The held-out split is by source: a clip-art file is held out when the
sha1 of its relative path falls in the held-out tenth; procedural scenes are held out by seed range.
"""
from __future__ import annotations

import hashlib
import math
import os
import random

from PIL import Image, ImageDraw, ImageFilter

Image.MAX_IMAGE_PIXELS = None

HERE_DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'data')
OPENCLIPART = os.path.join(HERE_DATA, 'openclipart', 'usr', 'share', 'openclipart', 'png')
HELDOUT_SEED_BASE = 1_000_000   # procedural seeds >= this are held out


# ---------------------------------------------------------------------------------------------
# sources
# ---------------------------------------------------------------------------------------------

def is_heldout_source(relpath: str) -> bool:
    return int(hashlib.sha1(relpath.encode()).hexdigest(), 16) % 10 == 0


def list_sources(root: str = OPENCLIPART, min_side: int = 160, max_bytes: int = 1_500_000) -> tuple[list, list]:
    """(train, heldout) lists of clip-art paths, sorted, with a usable size (header read only)."""
    train, held = [], []
    if not os.path.isdir(root):
        return train, held
    for dirpath, _, files in os.walk(root):
        for fn in files:
            if not fn.endswith('.png'):
                continue
            p = os.path.join(dirpath, fn)
            if os.path.getsize(p) > max_bytes:
                continue
            try:
                with Image.open(p) as im:
                    w, h = im.size
            except Exception:
                continue
            if min(w, h) < min_side:
                continue
            rel = os.path.relpath(p, root)
            (held if is_heldout_source(rel) else train).append(p)
    return sorted(train), sorted(held)


_cache: dict = {}


def load_art(path: str, max_side: int) -> Image.Image:
    key = (path, max_side)
    if key not in _cache:
        im = Image.open(path)
        im.draft('RGBA', (max_side, max_side))
        im = im.convert('RGBA')
        im.thumbnail((max_side, max_side), Image.LANCZOS)
        if len(_cache) > 256:
            _cache.clear()
        _cache[key] = im
    return _cache[key]


# ---------------------------------------------------------------------------------------------
# drawing helpers
# ---------------------------------------------------------------------------------------------

def _rand_color(rng: random.Random, sat=(0.3, 0.9), val=(0.45, 1.0)):
    import colorsys
    r, g, b = colorsys.hsv_to_rgb(rng.random(), rng.uniform(*sat), rng.uniform(*val))
    return int(r * 255), int(g * 255), int(b * 255)


def _shade(c, f):
    return tuple(max(0, min(255, int(v * f))) for v in c)


def _gradient(w: int, h: int, top, bottom) -> Image.Image:
    col = Image.new('RGB', (1, 256))
    for y in range(256):
        t = y / 255
        col.putpixel((0, y), tuple(int(top[i] * (1 - t) + bottom[i] * t) for i in range(3)))
    return col.resize((w, h), Image.BILINEAR)


def paint_background(rng: random.Random, w: int, h: int, line_w: int) -> Image.Image:
    """Gradient sky, optionally 1-2 layers of flat hills with outlines and a flat ground."""
    sky_top = _rand_color(rng, (0.2, 0.7), (0.6, 1.0))
    sky_bot = _shade(_rand_color(rng, (0.05, 0.4), (0.85, 1.0)), 1.0)
    bg = _gradient(w, h, sky_top, sky_bot)
    d = ImageDraw.Draw(bg)
    outline = _shade(_rand_color(rng, (0.3, 0.8), (0.1, 0.3)), 1.0)
    for layer in range(rng.randint(0, 2)):
        base = h * rng.uniform(0.45, 0.8)
        fill = _rand_color(rng, (0.3, 0.8), (0.35, 0.85))
        pts = [(0, h)]
        n = rng.randint(3, 7)
        for i in range(n + 1):
            x = w * i / n
            pts.append((x, base - rng.uniform(0, h * 0.25)))
        pts.append((w, h))
        d.polygon(pts, fill=fill)
        d.line(pts[1:-1], fill=outline, width=line_w, joint='curve')
    if rng.random() < 0.5:
        gy = int(h * rng.uniform(0.75, 0.92))
        d.rectangle([0, gy, w, h], fill=_rand_color(rng, (0.3, 0.7), (0.3, 0.7)))
        d.line([(0, gy), (w, gy)], fill=outline, width=line_w)
    return bg


def _shape_mask(kind: str, size: tuple, params: dict) -> Image.Image:
    w, h = size
    m = Image.new('L', (w, h), 0)
    d = ImageDraw.Draw(m)
    if kind == 'ellipse':
        d.ellipse([0, 0, w - 1, h - 1], fill=255)
    elif kind == 'rrect':
        d.rounded_rectangle([0, 0, w - 1, h - 1], radius=min(w, h) * params['r'], fill=255)
    else:  # blob / star polygon
        n, spike = params['n'], params['spike']
        pts = []
        for i in range(2 * n if spike else n):
            a = 2 * math.pi * i / (2 * n if spike else n) + params['phase']
            rr = (0.5 if (spike and i % 2) else 1.0) * params['radii'][i % len(params['radii'])]
            pts.append((w / 2 + math.cos(a) * rr * (w / 2 - 1), h / 2 + math.sin(a) * rr * (h / 2 - 1)))
        d.polygon(pts, fill=255)
    return m


def draw_cel_object(canvas: Image.Image, obj: dict, cx: float, cy: float, angle: float, line_w: int) -> None:
    """Flat fill + cel shadow + highlight + dark outline, rotated by angle, centred at (cx, cy).
    The unrotated layer is drawn once per object and cached in obj (it does not change over a clip)."""
    if '_layer' not in obj:
        obj['_layer'] = _cel_layer(obj, line_w)
    layer = obj['_layer']
    if angle:
        layer = layer.rotate(angle, resample=Image.BICUBIC, expand=True)
    canvas.alpha_composite(layer, (int(cx - layer.width / 2), int(cy - layer.height / 2)))


def _cel_layer(obj: dict, line_w: int) -> Image.Image:
    w, h = obj['size']
    mask = _shape_mask(obj['kind'], (w, h), obj['params'])
    pad = line_w * 2
    big = Image.new('L', (w + 2 * pad, h + 2 * pad), 0)
    big.paste(mask, (pad, pad))
    # cel shadow: inside the shape, outside the shape shifted towards the light
    sx, sy = obj['shadow_shift']
    shifted = Image.new('L', big.size, 0)
    shifted.paste(mask, (pad + sx, pad + sy))
    shadow = Image.composite(Image.new('L', big.size, 0), big, shifted)  # big minus shifted
    # outline ring: dilated mask minus mask
    dil = big.filter(ImageFilter.MaxFilter(2 * (line_w // 2) + 1))
    layer = Image.new('RGBA', big.size, (0, 0, 0, 0))
    layer.paste(obj['fill'] + (255,), (0, 0), big)
    layer.paste(_shade(obj['fill'], 0.68) + (255,), (0, 0), shadow)
    if obj['highlight']:
        hl = Image.new('L', big.size, 0)
        hd = ImageDraw.Draw(hl)
        hx, hy = pad + w * 0.22, pad + h * 0.18
        hd.ellipse([hx, hy, hx + w * 0.2, hy + h * 0.14], fill=255)
        hl = Image.composite(hl, Image.new('L', big.size, 0), big)
        layer.paste((255, 255, 250, 255), (0, 0), hl)
    ring = Image.composite(dil, Image.new('L', big.size, 0), Image.eval(big, lambda v: 255 - v))
    layer.paste(obj['outline'] + (255,), (0, 0), ring)
    return layer


def _random_object(rng: random.Random, scale: float) -> dict:
    kind = rng.choice(['ellipse', 'rrect', 'poly', 'poly'])
    w = int(rng.uniform(0.12, 0.4) * scale)
    h = int(w * rng.uniform(0.5, 1.6))
    n = rng.randint(3, 8)
    return {
        'kind': kind, 'size': (max(w, 8), max(h, 8)),
        'params': {'r': rng.uniform(0.1, 0.45), 'n': n, 'spike': rng.random() < 0.4, 'phase': rng.uniform(0, 6.3),
                   'radii': [rng.uniform(0.6, 1.0) for _ in range(n)]},
        'fill': _rand_color(rng), 'outline': _shade(_rand_color(rng, (0.2, 0.8), (0.05, 0.25)), 1.0),
        'shadow_shift': (int(rng.uniform(-0.2, 0.2) * w), int(rng.uniform(-0.25, -0.05) * h)),
        'highlight': rng.random() < 0.5,
    }


# ---------------------------------------------------------------------------------------------
# clips
# ---------------------------------------------------------------------------------------------

def _camera(rng: random.Random, canvas: int, view: int, T: int):
    """Window boxes (x0, y0, side) moving linearly: slow pan and/or zoom, inside the canvas."""
    z0 = rng.uniform(0.85, 1.0)
    z1 = min(1.0, max(0.7, z0 + rng.uniform(-0.08, 0.08)))
    side0, side1 = canvas * z0 * view / canvas, canvas * z1 * view / canvas
    side0 *= canvas / view
    side1 *= canvas / view
    side0 = min(side0, canvas) * 0.78
    side1 = min(side1, canvas) * 0.78
    speed = rng.uniform(0.0, 0.02) * canvas
    ang = rng.uniform(0, 2 * math.pi)
    x0 = rng.uniform(0, canvas - side0)
    y0 = rng.uniform(0, canvas - side0)
    boxes = []
    for t in range(T):
        s = side0 + (side1 - side0) * t / max(T - 1, 1)
        x = min(max(x0 + math.cos(ang) * speed * t, 0), canvas - s)
        y = min(max(y0 + math.sin(ang) * speed * t, 0), canvas - s)
        boxes.append((x, y, s))
    return boxes


def procedural_clip(seed: int, T: int, size: int, ss: int = 2) -> list:
    rng = random.Random(seed * 7919 + 17)
    canvas = int(size * ss * 1.3)
    line_w = max(2, int(ss * size / 256 * rng.uniform(1.5, 3.5)))
    bg = paint_background(rng, canvas, canvas, line_w)
    objs = [_random_object(rng, canvas) for _ in range(rng.randint(3, 7))]
    motion = [(rng.uniform(0.1, 0.9) * canvas, rng.uniform(0.2, 0.9) * canvas,
               rng.uniform(-0.012, 0.012) * canvas, rng.uniform(-0.008, 0.008) * canvas,
               rng.uniform(-20, 20), rng.uniform(-3, 3)) for _ in objs]
    boxes = _camera(rng, canvas, size * ss, T)
    frames = []
    for t in range(T):
        fr = bg.convert('RGBA')
        for o, (x, y, vx, vy, a0, va) in zip(objs, motion):
            draw_cel_object(fr, o, x + vx * t, y + vy * t, a0 + va * t, line_w)
        bx, by, s = boxes[t]
        frames.append(fr.convert('RGB').resize((size, size), Image.LANCZOS, box=(bx, by, bx + s, by + s)))
    return frames


def clipart_clip(seed: int, T: int, size: int, sources: list, ss: int = 2) -> list:
    rng = random.Random(seed * 104729 + 3)
    canvas = int(size * ss * 1.3)
    line_w = max(2, int(ss * size / 256 * rng.uniform(1.5, 3.0)))
    bg = paint_background(rng, canvas, canvas, line_w)
    picks = [rng.choice(sources) for _ in range(rng.randint(1, 3))]
    arts = []
    for i, p in enumerate(picks):
        side = int(canvas * (rng.uniform(0.55, 0.95) if i == 0 else rng.uniform(0.25, 0.55)))
        try:
            art = load_art(p, side)
        except Exception:
            continue
        arts.append((art, rng.uniform(0.15, 0.85) * canvas, rng.uniform(0.2, 0.8) * canvas,
                     rng.uniform(-0.006, 0.006) * canvas, rng.uniform(-0.004, 0.004) * canvas))
    if rng.random() < 0.5:  # a few procedural props too
        props = [_random_object(rng, canvas) for _ in range(rng.randint(1, 3))]
    else:
        props = []
    pm = [(rng.uniform(0.1, 0.9) * canvas, rng.uniform(0.5, 0.95) * canvas, rng.uniform(-0.01, 0.01) * canvas)
          for _ in props]
    boxes = _camera(rng, canvas, size * ss, T)
    frames = []
    for t in range(T):
        fr = bg.convert('RGBA')
        for o, (x, y, vx) in zip(props, pm):
            draw_cel_object(fr, o, x + vx * t, y, 0, line_w)
        for art, x, y, vx, vy in arts:
            fr.alpha_composite(art, (int(x + vx * t - art.width / 2), int(y + vy * t - art.height / 2)))
        bx, by, s = boxes[t]
        frames.append(fr.convert('RGB').resize((size, size), Image.LANCZOS, box=(bx, by, bx + s, by + s)))
    return frames


def make_clip(seed: int, T: int, size: int, sources: list, p_clipart: float = 0.6) -> tuple[list, str]:
    """One clip; which generator is drawn from the seed. Returns (frames, kind)."""
    rng = random.Random(seed)
    if sources and rng.random() < p_clipart:
        return clipart_clip(seed, T, size, sources), 'clipart'
    return procedural_clip(seed, T, size), 'procedural'


if __name__ == '__main__':
    import sys
    import time
    out = sys.argv[1] if len(sys.argv) > 1 else '/tmp/clipgen'
    os.makedirs(out, exist_ok=True)
    t0 = time.time()
    tr, ho = list_sources()
    print(f'sources: {len(tr)} train, {len(ho)} held-out ({time.time() - t0:.1f}s)')
    t0 = time.time()
    for s in range(6):
        frames, kind = make_clip(s, 5, 256, tr)
        for i, f in enumerate(frames):
            f.save(os.path.join(out, f'clip{s}_{kind}_{i}.png'))
    print(f'6 clips x 5 frames in {time.time() - t0:.1f}s')
