"""HR animation-like clips of the kinds users bring, beyond clipgen.py's flat cel scenes.

Three generators, each deterministic by seed, each drawn at 2x and reduced with Lanczos through a
floating-point camera box (so pans and zooms move by sub-pixel amounts, as real footage does):

* ``svg_clip``: openclipart *vector* art rendered by rsvg-convert at high resolution (crisp lines at
  any scale; the PNG package is often small and soft), one to three pictures over a painted or soft
  background, with parallax between the layers and a slow camera pan/zoom;
* ``soft_clip``: soft light (stage beams, glows, radial gradients), soft-shaded objects with dark
  outlines, translucent overlays and captions: the content where a net trained on flat fills alone
  streaks and shifts colour;
* ``text_clip``: titles and captions (DejaVu fonts with outlines and drop shadows) scrolling or
  fading over art or gradients;
* ``hatch_clip``: detail finer than the LR grid — hatching, cross-hatching, halftone screentone,
  bundles of thin rings (guilloche / spirograph bands) and fine concentric rings — in shapes over
  flat or soft backgrounds. At ×1/4 such a band becomes a smooth tone; a net that has only seen
  single outlines sharpens it into one line, below bicubic in PSNR (measured on a held-out SVG of
  this kind, 2026-12-03): these clips show it what a band of fine lines looks like from the LR side;
* ``rim_clip``: bands of fine lines *along a solid outline* — a spirograph band hugging a circle, ticks
  or fur standing on a contour, contour-parallel hairlines, beads — the ornamental rims of clip art.
  hatch_clip's bands float free; every fine-tune since 2026-12-04 still redrew a band that sits on a
  solid line as one thicker dark line (the 02-svg clip of the quality benchmark), so here the band
  and the line it hugs come together, in both orders (band outside or inside, band darker or lighter).

The held-out split is by source, shared with clipgen.py: an art file is held out when the sha1 of
its PNG relative path falls in the held-out tenth (PNG and SVG packages hold the same art under the
same names, so a picture is held out in both); procedural seeds are held out by range
(make_user_clips.py: 3,000,000-4,999,999 held out, 5,000,000 and up for training).
"""
from __future__ import annotations

import math
import os
import random
import subprocess

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from clipgen import (HERE_DATA, _rand_color, _random_object, _shade, draw_cel_object, is_heldout_source,
                     paint_background)

Image.MAX_IMAGE_PIXELS = None

SVG_ROOT = os.path.join(HERE_DATA, 'openclipart-svg', 'usr', 'share', 'openclipart', 'svg')
SVG_CACHE = os.path.join(HERE_DATA, 'svg_render')
FONT_DIR = '/usr/share/fonts/truetype/dejavu'
WORDS = ('THE END', 'Episode 7', 'Meanwhile...', 'BOOM!', 'Hello there', 'Chapter One', 'Next time',
         'To be continued', 'Welcome back', 'Level 3', 'Good morning!', 'WOW', 'Press start', 'Credits',
         'Season 2', 'Tokyo 1999', 'Run!', 'Subtitle text here', 'I will not give up', 'Ready? Go!')


# ---------------------------------------------------------------------------------------------
# sources
# ---------------------------------------------------------------------------------------------

def list_svg_sources(root: str = SVG_ROOT, max_bytes: int = 400_000) -> tuple[list, list]:
    """(train, heldout) SVG paths; the split uses the PNG twin's relative path (see module doc)."""
    train, held = [], []
    if not os.path.isdir(root):
        return train, held
    for dirpath, _, files in os.walk(root):
        for fn in files:
            if not fn.endswith('.svg'):
                continue
            p = os.path.join(dirpath, fn)
            if os.path.getsize(p) > max_bytes:   # huge SVGs take seconds to render; rare
                continue
            rel_png = os.path.relpath(p, root)[:-4] + '.png'
            (held if is_heldout_source(rel_png) else train).append(p)
    return sorted(train), sorted(held)


def render_svg(path: str, side: int) -> Image.Image | None:
    """RGBA raster of an SVG with its long side = ``side`` (cached on disk), or None if it fails."""
    rel = os.path.relpath(path, SVG_ROOT)
    out = os.path.join(SVG_CACHE, f'{side}', rel[:-4] + '.png')
    if not os.path.exists(out):
        os.makedirs(os.path.dirname(out), exist_ok=True)
        try:
            subprocess.run(['rsvg-convert', '-a', '-w', str(side), '-h', str(side), '-f', 'png', '-o', out, path],
                           check=True, timeout=20, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except Exception:
            open(out + '.failed', 'w').close()
            return None
    try:
        im = Image.open(out).convert('RGBA')
    except Exception:
        return None
    if im.getbbox() is None or min(im.size) < 16:
        return None
    return im


# ---------------------------------------------------------------------------------------------
# soft content: gradients, beams, glows
# ---------------------------------------------------------------------------------------------

def linear_gradient(w: int, h: int, c0, c1, angle: float) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    t = (xx / max(w - 1, 1)) * math.cos(angle) + (yy / max(h - 1, 1)) * math.sin(angle)
    t = (t - t.min()) / max(float(t.max() - t.min()), 1e-6)
    c0, c1 = np.array(c0, np.float32), np.array(c1, np.float32)
    return c0 * (1 - t[..., None]) + c1 * t[..., None]


def radial(w: int, h: int, cx: float, cy: float, r: float, power: float = 2.0) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    d = np.sqrt((xx - cx) ** 2 + (yy - cy) ** 2) / max(r, 1.0)
    return np.clip(1.0 - d, 0, 1) ** power


def soft_background(rng: random.Random, w: int, h: int) -> np.ndarray:
    """A stage-like or sky-like soft background, float32 RGB 0..255."""
    if rng.random() < 0.4:   # grey / dark stage
        g0 = rng.uniform(30, 140)
        base = linear_gradient(w, h, (g0, g0, g0 * rng.uniform(0.9, 1.1)), (g0 * 0.5,) * 3, math.pi / 2)
    else:
        base = linear_gradient(w, h, _rand_color(rng, (0.1, 0.7), (0.3, 1.0)),
                               _rand_color(rng, (0.1, 0.7), (0.2, 0.9)), rng.uniform(0, 2 * math.pi))
    for _ in range(rng.randint(0, 2)):    # vignette / big soft blobs
        c = np.array(_rand_color(rng, (0.2, 0.8), (0.5, 1.0)), np.float32)
        m = radial(w, h, rng.uniform(0, w), rng.uniform(0, h), rng.uniform(0.3, 0.9) * max(w, h), rng.uniform(1, 3))
        a = rng.uniform(0.2, 0.6)
        base = base * (1 - a * m[..., None]) + c * (a * m[..., None])
    return base


def beam_layer(rng: random.Random, w: int) -> tuple[np.ndarray, dict]:
    """A soft light beam (cone from a point above the frame): its colour and its shape/motion (drawn by draw_beam)."""
    x0 = rng.uniform(-0.2, 1.2) * w
    spread = rng.uniform(0.08, 0.25)
    col = np.array(_rand_color(rng, (0.1, 0.8), (0.8, 1.0)), np.float32)
    return col, {'x0': x0, 'ang': rng.uniform(-0.5, 0.5), 'spread': spread, 'vang': rng.uniform(-0.02, 0.02),
                 'a': rng.uniform(0.25, 0.7), 'blur': rng.uniform(4, 18)}


def draw_beam(w: int, h: int, p: dict, t: int) -> np.ndarray:
    ang = p['ang'] + p['vang'] * t
    m = Image.new('L', (w, h), 0)
    d = ImageDraw.Draw(m)
    L = 2.0 * h
    a0, a1 = ang - p['spread'], ang + p['spread']
    d.polygon([(p['x0'], -0.1 * h), (p['x0'] + L * math.sin(a0), L * math.cos(a0)),
               (p['x0'] + L * math.sin(a1), L * math.cos(a1))], fill=255)
    m = m.filter(ImageFilter.GaussianBlur(p['blur']))
    fall = np.linspace(1.0, 0.35, h, dtype=np.float32)[:, None]   # fades with distance
    return np.asarray(m, np.float32) / 255 * fall * p['a']


def soft_object(rng: random.Random, size: int, line_w: int) -> Image.Image:
    """A shaded ellipse/blob: radial-gradient fill (soft shading), optional rim light, dark outline."""
    w = max(16, int(size * rng.uniform(0.6, 1.0)))
    h = max(16, int(size * rng.uniform(0.6, 1.0)))
    pad = line_w * 2
    W, H = w + 2 * pad, h + 2 * pad
    mask = Image.new('L', (W, H), 0)
    ImageDraw.Draw(mask).ellipse([pad, pad, pad + w - 1, pad + h - 1], fill=255)
    base = np.array(_rand_color(rng), np.float32)
    lit = radial(W, H, pad + w * rng.uniform(0.25, 0.45), pad + h * rng.uniform(0.2, 0.4), max(w, h) * 0.9, 1.2)
    shade = base * (0.55 + 0.6 * lit[..., None])
    rgb = np.clip(shade, 0, 255).astype(np.uint8)
    layer = Image.fromarray(rgb).convert('RGBA')
    layer.putalpha(mask)
    if line_w > 0 and rng.random() < 0.8:
        dil = mask.filter(ImageFilter.MaxFilter(2 * (line_w // 2) + 1))
        ring = Image.composite(dil, Image.new('L', (W, H), 0), Image.eval(mask, lambda v: 255 - v))
        layer.paste(_shade(_rand_color(rng, (0.2, 0.8), (0.05, 0.25)), 1.0) + (255,), (0, 0), ring)
    return layer


def soft_clip(seed: int, T: int, size: int, ss: int = 2) -> list:
    rng = random.Random(seed * 15485863 + 11)
    canvas = int(size * ss * 1.3)
    line_w = max(2, int(ss * size / 256 * rng.uniform(1.2, 3.0)))
    bg = soft_background(rng, canvas, canvas)
    beams = [beam_layer(rng, canvas) for _ in range(rng.randint(0, 4))]
    glows = [(rng.uniform(0, canvas), rng.uniform(0, canvas), rng.uniform(0.05, 0.3) * canvas,
              np.array(_rand_color(rng, (0.0, 0.6), (0.8, 1.0)), np.float32), rng.uniform(0.3, 0.9),
              rng.uniform(-0.01, 0.01) * canvas) for _ in range(rng.randint(0, 3))]
    objs = [(soft_object(rng, int(rng.uniform(0.1, 0.35) * canvas), line_w) if rng.random() < 0.6
             else None, _random_object(rng, canvas)) for _ in range(rng.randint(1, 5))]
    motion = [(rng.uniform(0.1, 0.9) * canvas, rng.uniform(0.2, 0.9) * canvas,
               rng.uniform(-0.01, 0.01) * canvas, rng.uniform(-0.006, 0.006) * canvas) for _ in objs]
    caption = _caption_layer(rng, canvas, ss) if rng.random() < 0.3 else None
    boxes = _camera(rng, canvas, T)
    frames = []
    for t in range(T):
        img = bg.copy()
        for gx, gy, gr, gc, ga, gv in glows:
            m = radial(canvas, canvas, gx + gv * t, gy, gr, 1.5) * ga
            img = img * (1 - m[..., None]) + gc * m[..., None]
        fr = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).convert('RGBA')
        for (soft, cel), (x, y, vx, vy) in zip(objs, motion):
            if soft is not None:
                fr.alpha_composite(soft, (int(x + vx * t - soft.width / 2), int(y + vy * t - soft.height / 2)))
            else:
                draw_cel_object(fr, cel, x + vx * t, y + vy * t, 0, line_w)
        out = np.asarray(fr.convert('RGB'), np.float32)
        for col, p in beams:      # additive-ish light over everything (screen blend)
            a = draw_beam(canvas, canvas, p, t)[..., None]
            out = 255 - (255 - out) * (1 - a * col / 255)
        fr = Image.fromarray(np.clip(out, 0, 255).astype(np.uint8))
        if caption is not None:
            fr = fr.convert('RGBA')
            fr.alpha_composite(caption[0], (caption[1], caption[2]))
            fr = fr.convert('RGB')
        bx, by, s = boxes[t]
        frames.append(fr.resize((size, size), Image.LANCZOS, box=(bx, by, bx + s, by + s)))
    return frames


# ---------------------------------------------------------------------------------------------
# text
# ---------------------------------------------------------------------------------------------

def _font(rng: random.Random, px: int) -> ImageFont.FreeTypeFont:
    names = [f for f in sorted(os.listdir(FONT_DIR)) if f.endswith('.ttf')] if os.path.isdir(FONT_DIR) else []
    if not names:
        return ImageFont.load_default()
    return ImageFont.truetype(os.path.join(FONT_DIR, rng.choice(names)), px)


def _caption_layer(rng: random.Random, canvas: int, ss: int):
    px = int(rng.uniform(16, 56) * ss)
    font = _font(rng, px)
    txt = rng.choice(WORDS)
    fill = _rand_color(rng, (0.0, 0.9), (0.7, 1.0)) if rng.random() < 0.7 else (250, 250, 250)
    stroke = _shade(_rand_color(rng, (0.0, 0.8), (0.0, 0.25)), 1.0)
    sw = max(0, int(rng.choice([0, 1, 2, 3]) * ss))
    box = ImageDraw.Draw(Image.new('L', (1, 1))).textbbox((0, 0), txt, font=font, stroke_width=sw)
    W, H = box[2] - box[0] + 8 * ss, box[3] - box[1] + 8 * ss
    layer = Image.new('RGBA', (W, H), (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    if rng.random() < 0.4:   # drop shadow
        d.text((4 * ss - box[0] + 2 * ss, 4 * ss - box[1] + 2 * ss), txt, font=font, fill=(0, 0, 0, 160))
    d.text((4 * ss - box[0], 4 * ss - box[1]), txt, font=font, fill=fill + (255,), stroke_width=sw,
           stroke_fill=stroke + (255,))
    x = int(rng.uniform(0.2, 0.5) * canvas)      # inside the camera's view most of the time
    y = int(rng.uniform(0.25, 0.7) * canvas)
    return layer, min(x, max(0, canvas - W)), min(y, max(0, canvas - H))


def text_clip(seed: int, T: int, size: int, svg_sources: list, ss: int = 2) -> list:
    rng = random.Random(seed * 49979687 + 5)
    canvas = int(size * ss * 1.3)
    line_w = max(2, int(ss * size / 256 * rng.uniform(1.5, 3.0)))
    if rng.random() < 0.5:
        bg = Image.fromarray(np.clip(soft_background(rng, canvas, canvas), 0, 255).astype(np.uint8))
    else:
        bg = paint_background(rng, canvas, canvas, line_w)
    bg = bg.convert('RGBA')
    if svg_sources and rng.random() < 0.5:
        art = render_svg(rng.choice(svg_sources), 768)
        if art is not None:
            art.thumbnail((int(canvas * 0.6), int(canvas * 0.6)), Image.LANCZOS)
            bg.alpha_composite(art, (int(rng.uniform(0, canvas - art.width)), int(rng.uniform(0, canvas - art.height))))
    caps = [_caption_layer(rng, canvas, ss) for _ in range(rng.randint(1, 3))]
    vel = [(rng.uniform(-0.012, 0.012) * canvas, rng.uniform(-0.012, 0.012) * canvas) for _ in caps]
    boxes = _camera(rng, canvas, T, still=rng.random() < 0.5)
    frames = []
    for t in range(T):
        fr = bg.copy()
        for (layer, x, y), (vx, vy) in zip(caps, vel):
            fr.alpha_composite(layer, (int(x + vx * t), int(y + vy * t)))
        bx, by, s = boxes[t]
        frames.append(fr.convert('RGB').resize((size, size), Image.LANCZOS, box=(bx, by, bx + s, by + s)))
    return frames


# ---------------------------------------------------------------------------------------------
# vector art
# ---------------------------------------------------------------------------------------------

def svg_clip(seed: int, T: int, size: int, svg_sources: list, ss: int = 2) -> list:
    rng = random.Random(seed * 32452843 + 7)
    canvas = int(size * ss * 1.3)
    line_w = max(2, int(ss * size / 256 * rng.uniform(1.5, 3.0)))
    r = rng.random()
    if r < 0.45:
        bg = paint_background(rng, canvas, canvas, line_w)
    elif r < 0.8:
        bg = Image.fromarray(np.clip(soft_background(rng, canvas, canvas), 0, 255).astype(np.uint8))
    else:
        bg = Image.new('RGB', (canvas, canvas), _rand_color(rng, (0.0, 0.4), (0.8, 1.0)))
    layers = []
    for i in range(rng.randint(1, 3)):
        side = int(canvas * (rng.uniform(0.4, 1.0) if i == 0 else rng.uniform(0.2, 0.55)))
        art = render_svg(rng.choice(svg_sources), 1024) if svg_sources else None
        if art is None:
            continue
        art = art.copy()
        art.thumbnail((side, side), Image.LANCZOS)
        depth = rng.uniform(0.0, 1.0)        # parallax: nearer layers move more
        layers.append((art, rng.uniform(0.15, 0.85) * canvas, rng.uniform(0.2, 0.8) * canvas,
                       (rng.uniform(-0.006, 0.006) + depth * rng.uniform(-0.01, 0.01)) * canvas,
                       rng.uniform(-0.004, 0.004) * canvas))
    boxes = _camera(rng, canvas, T)
    frames = []
    for t in range(T):
        fr = bg.convert('RGBA')
        for art, x, y, vx, vy in layers:
            # sub-pixel placement: shift by the fractional part with an affine resample
            px, py = x + vx * t - art.width / 2, y + vy * t - art.height / 2
            ix, iy = math.floor(px), math.floor(py)
            fx, fy = px - ix, py - iy
            a = art.transform(art.size, Image.AFFINE, (1, 0, -fx, 0, 1, -fy), resample=Image.BILINEAR) \
                if (fx > 1e-3 or fy > 1e-3) else art
            _composite_clipped(fr, a, ix, iy)
        bx, by, s = boxes[t]
        frames.append(fr.convert('RGB').resize((size, size), Image.LANCZOS, box=(bx, by, bx + s, by + s)))
    return frames


def _composite_clipped(dst: Image.Image, src: Image.Image, x: int, y: int) -> None:
    """alpha_composite at any offset (PIL refuses negative ones): crop the source first."""
    cx, cy = max(0, -x), max(0, -y)
    if cx >= src.width or cy >= src.height:
        return
    dst.alpha_composite(src.crop((cx, cy, src.width, src.height)), (max(0, x), max(0, y)))


def _camera(rng: random.Random, canvas: int, T: int, still: bool = False):
    """Float camera boxes (x, y, side): pan at up to ~2 output px/frame and/or a slow zoom."""
    side0 = canvas * rng.uniform(0.6, 0.77)
    side1 = side0 if still else side0 * rng.uniform(0.93, 1.07)
    speed = 0.0 if still else rng.uniform(0.0, 0.012) * canvas
    ang = rng.uniform(0, 2 * math.pi)
    x0 = rng.uniform(0, canvas - side0)
    y0 = rng.uniform(0, canvas - side0)
    out = []
    for t in range(T):
        s = min(canvas, side0 + (side1 - side0) * t / max(T - 1, 1))
        x = min(max(x0 + math.cos(ang) * speed * t, 0), canvas - s)
        y = min(max(y0 + math.sin(ang) * speed * t, 0), canvas - s)
        out.append((x, y, s))
    return out


# ---------------------------------------------------------------------------------------------
# fine texture: hatching, screentone, thin-line bands
# ---------------------------------------------------------------------------------------------

def _pattern(kind: str, xx: np.ndarray, yy: np.ndarray, p: dict) -> np.ndarray:
    """Ink coverage 0..1 of a fine pattern at canvas coordinates (xx, yy) relative to its object."""
    if kind in ('hatch', 'cross'):
        cov = np.zeros_like(xx)
        for ang in ([p['ang']] if kind == 'hatch' else [p['ang'], p['ang'] + p['ang2']]):
            u = xx * math.cos(ang) + yy * math.sin(ang)
            d = np.abs((u / p['pitch']) % 1.0 - 0.5) * p['pitch']   # distance to the line centre
            cov = np.maximum(cov, np.clip(p['lw'] / 2 + 0.5 - d, 0, 1))
        return cov
    if kind == 'tone':    # halftone dots on a rotated grid
        c, s_ = math.cos(p['ang']), math.sin(p['ang'])
        u, v = (xx * c + yy * s_) / p['pitch'], (-xx * s_ + yy * c) / p['pitch']
        d = np.hypot(u - np.round(u), v - np.round(v)) * p['pitch']
        return np.clip(p['dot'] + 0.5 - d, 0, 1)
    # 'rings': concentric thin rings at a fixed pitch
    d = np.hypot(xx, yy)
    dd = np.abs((d / p['pitch']) % 1.0 - 0.5) * p['pitch']
    return np.clip(p['lw'] / 2 + 0.5 - dd, 0, 1)


def _guilloche(side: int, rng: random.Random, ss: int) -> Image.Image:
    """A spirograph band: many thin circles whose centres walk round a small circle (RGBA, ink only)."""
    im = Image.new('L', (side, side), 0)
    d = ImageDraw.Draw(im)
    n = rng.randint(16, 60)
    r = side * rng.uniform(0.3, 0.42)
    off = side * rng.uniform(0.02, 0.08)
    w = max(1, int(ss * rng.uniform(0.5, 1.2)))
    for i in range(n):
        a = 2 * math.pi * i / n
        cx, cy = side / 2 + off * math.cos(a), side / 2 + off * math.sin(a)
        d.ellipse([cx - r, cy - r, cx + r, cy + r], outline=255, width=w)
    return im


def _drift(rng: random.Random, canvas: int, margin: float) -> dict:
    """Where an object starts (its centre at least `margin` of the canvas from the edges) and how it moves:
    up to ~1 % of the canvas a frame and a slow spin (radians a frame), drawn in this order."""
    return {'x': rng.uniform(margin, 1 - margin) * canvas, 'y': rng.uniform(margin, 1 - margin) * canvas,
            'vx': rng.uniform(-0.008, 0.008) * canvas, 'vy': rng.uniform(-0.006, 0.006) * canvas,
            'spin': rng.uniform(-0.02, 0.02)}


def hatch_clip(seed: int, T: int, size: int, ss: int = 2) -> list:
    rng = random.Random(seed * 2246822519 + 7)
    canvas = int(size * ss * 1.3)
    line_w = max(2, int(ss * size / 256 * rng.uniform(1.0, 2.5)))
    if rng.random() < 0.5:
        bg = Image.new('RGB', (canvas, canvas), _rand_color(rng, (0.0, 0.35), (0.8, 1.0)))
    elif rng.random() < 0.5:
        bg = Image.fromarray(np.clip(soft_background(rng, canvas, canvas), 0, 255).astype(np.uint8))
    else:
        bg = paint_background(rng, canvas, canvas, line_w)
    objs = []
    for _ in range(rng.randint(1, 4)):
        side = int(rng.uniform(0.25, 0.6) * canvas)
        kind = rng.choice(('hatch', 'cross', 'tone', 'rings', 'guilloche', 'guilloche'))
        # Pitches of 1.5-7 HR px: 0.4-1.8 LR px, finer than the LR grid or just at it.
        p = {'ang': rng.uniform(0, math.pi), 'ang2': rng.uniform(0.4, 1.6), 'pitch': ss * rng.uniform(1.5, 7.0),
             'lw': ss * rng.uniform(0.4, 1.4), 'dot': 0.0}
        p['dot'] = p['pitch'] * rng.uniform(0.15, 0.4)
        ink = _shade(_rand_color(rng, (0.2, 0.9), (0.05, 0.6)), 1.0)
        fill = _rand_color(rng, (0.0, 0.5), (0.7, 1.0)) if rng.random() < 0.5 else None
        shape = rng.choice(('ellipse', 'rect', 'ring'))
        guil = _guilloche(side, rng, ss) if kind == 'guilloche' else None
        objs.append({'side': side, 'kind': kind, 'p': p, 'ink': ink, 'fill': fill, 'shape': shape, 'guil': guil,
                     'outline': rng.random() < 0.5 and kind != 'guilloche', **_drift(rng, canvas, 0.1)})
    boxes = _camera(rng, canvas, T)
    frames = []
    for t in range(T):
        fr = bg.convert('RGBA')
        for o in objs:
            side = o['side']
            x0, y0 = int(o['x'] + o['vx'] * t - side / 2), int(o['y'] + o['vy'] * t - side / 2)
            if o['guil'] is not None:
                cov = np.asarray(o['guil'].rotate(math.degrees(o['spin'] * t), Image.BICUBIC), np.float32) / 255
                mask = None
            else:
                mask = Image.new('L', (side, side), 0)
                md = ImageDraw.Draw(mask)
                if o['shape'] == 'rect':
                    md.rectangle([side * 0.1, side * 0.2, side * 0.9, side * 0.8], fill=255)
                else:
                    md.ellipse([0, 0, side - 1, side - 1], fill=255)
                    if o['shape'] == 'ring':
                        md.ellipse([side * 0.3, side * 0.3, side * 0.7, side * 0.7], fill=0)
                # The pattern is fixed to the object (it moves, sub-pixel, with it) and turns slowly.
                yy, xx = np.mgrid[0:side, 0:side].astype(np.float32)
                a = o['spin'] * t
                xr = (xx - side / 2) * math.cos(a) - (yy - side / 2) * math.sin(a) + (o['vx'] * t) % 1.0
                yr = (xx - side / 2) * math.sin(a) + (yy - side / 2) * math.cos(a) + (o['vy'] * t) % 1.0
                cov = _pattern(o['kind'], xr, yr, o['p']) * (np.asarray(mask, np.float32) / 255)
            layer = np.zeros((side, side, 4), np.uint8)
            if o['fill'] is not None and mask is not None:
                base = Image.new('RGBA', (side, side), o['fill'] + (255,))
                base.putalpha(mask)
                _composite_clipped(fr, base, x0, y0)
            layer[..., :3] = o['ink']
            layer[..., 3] = np.clip(cov * 255, 0, 255).astype(np.uint8)
            _composite_clipped(fr, Image.fromarray(layer, 'RGBA'), x0, y0)
            if o['outline'] and mask is not None:
                edge = mask.filter(ImageFilter.FIND_EDGES).filter(ImageFilter.MaxFilter(2 * (line_w // 2) + 1))
                ol = Image.new('RGBA', (side, side), _shade(o['ink'], 0.6) + (255,))
                ol.putalpha(edge)
                _composite_clipped(fr, ol, x0, y0)
        bx, by, s = boxes[t]
        frames.append(fr.convert('RGB').resize((size, size), Image.LANCZOS, box=(bx, by, bx + s, by + s)))
    return frames


# ---------------------------------------------------------------------------------------------
# fine bands along solid outlines (ornamental rims)
# ---------------------------------------------------------------------------------------------
def _rim(side: int, rng: random.Random, ss: int, line_w: int) -> tuple[Image.Image, Image.Image]:
    """One rimmed shape (side x side, centred): its solid outline and its band of fine lines, each as
    coverage (L). The contour is an ellipse; the band lies outside it, inside it or
    across it, 1-4 LR px wide, its lines 0.3-1 LR px apart or thick, so at x1/4 it is a soft tone next
    to a crisp line: the pattern a net must not merge into the line."""
    line = Image.new('L', (side, side), 0)
    band = Image.new('L', (side, side), 0)
    dl, db = ImageDraw.Draw(line), ImageDraw.Draw(band)
    c = side / 2
    rx = side * rng.uniform(0.25, 0.4)
    ry = rx * rng.uniform(0.6, 1.0)
    width = ss * 4 * rng.uniform(1.0, 4.0)            # band width: 1-4 LR px
    where = rng.choice(('out', 'out', 'in', 'across'))
    off = {'out': width / 2 + line_w / 2, 'in': -width / 2 - line_w / 2, 'across': 0.0}[where]
    style = rng.choice(('loops', 'loops', 'ticks', 'hairlines', 'beads'))
    thin = max(1, int(ss * rng.uniform(0.5, 1.2)))
    dl.ellipse([c - rx, c - ry, c + rx, c + ry], outline=255, width=line_w)
    # The band's centre line follows the contour at the offset (positive: outside).
    brx, bry = rx + off, ry + off
    if style == 'loops':
        # A spirograph band: circles of the band's mean radius whose centres walk round a circle of
        # half the band's width (the 02-svg ornament), stretched to the ellipse.
        n = rng.randint(18, 64)
        for i in range(n):
            a = 2 * math.pi * i / n
            cx, cy = c + width / 2 * math.cos(a), c + width / 2 * math.sin(a)
            db.ellipse([cx - brx, cy - bry, cx + brx, cy + bry], outline=255, width=thin)
    elif style == 'hairlines':
        k = rng.randint(2, 6)
        for j in range(k):
            o = (j / max(k - 1, 1) - 0.5) * width
            db.ellipse([c - brx - o, c - bry - o, c + brx + o, c + bry + o], outline=255, width=thin)
    else:
        pitch = ss * rng.uniform(1.5, 6.0)
        perim = math.pi * (3 * (brx + bry) - math.sqrt((3 * brx + bry) * (brx + 3 * bry)))
        n = max(8, int(perim / pitch))
        for i in range(n):
            a = 2 * math.pi * i / n
            ex, ey = math.cos(a), math.sin(a)
            px, py = c + brx * ex, c + bry * ey
            nx, ny = ex * bry, ey * brx                     # outward normal of the ellipse
            nl = math.hypot(nx, ny) or 1.0
            nx, ny = nx / nl, ny / nl
            if style == 'ticks':
                h = width / 2 * rng.uniform(0.7, 1.0)
                db.line([px - nx * h, py - ny * h, px + nx * h, py + ny * h], fill=255, width=thin)
            else:
                r = min(width / 2, pitch / 2) * rng.uniform(0.5, 0.9)
                db.ellipse([px - r, py - r, px + r, py + r], outline=255, width=thin)
    return line, band


def rim_clip(seed: int, T: int, size: int, ss: int = 2) -> list:
    rng = random.Random(seed * 3266489917 + 11)
    canvas = int(size * ss * 1.3)
    line_w = max(2, int(ss * size / 256 * rng.uniform(1.0, 2.5)))
    u = rng.random()
    if u < 0.4:
        bg = Image.new('RGB', (canvas, canvas), _rand_color(rng, (0.0, 0.35), (0.8, 1.0)))
    elif u < 0.7:
        bg = Image.fromarray(np.clip(soft_background(rng, canvas, canvas), 0, 255).astype(np.uint8))
    else:
        bg = paint_background(rng, canvas, canvas, line_w)
    objs = []
    for _ in range(rng.randint(1, 3)):
        side = int(rng.uniform(0.3, 0.65) * canvas)
        line, band = _rim(side, rng, ss, line_w)
        ink = _shade(_rand_color(rng, (0.2, 0.9), (0.05, 0.5)), 1.0)
        # The band in the line's ink, or lighter (a thin pencil band beside an inked line), or darker.
        band_ink = _shade(ink, rng.choice((1.0, 1.0, 1.8, 0.6)))
        fill = _rand_color(rng, (0.0, 0.6), (0.6, 1.0)) if rng.random() < 0.6 else None
        inside = None
        if fill is not None:
            # The contour's interior: the outline's hole, flood-filled (drawn under the band and the line).
            inside = line.copy()
            ImageDraw.floodfill(inside, (side // 2, side // 2), 255)
        objs.append({'side': side, 'line': line, 'band': band, 'ink': ink, 'band_ink': band_ink, 'fill': fill,
                     'inside': inside, **_drift(rng, canvas, 0.15)})
    boxes = _camera(rng, canvas, T)
    frames = []
    for t in range(T):
        fr = bg.convert('RGBA')
        for o in objs:
            side = o['side']
            x0, y0 = int(o['x'] + o['vx'] * t - side / 2), int(o['y'] + o['vy'] * t - side / 2)
            deg = math.degrees(o['spin'] * t)
            if o['fill'] is not None:
                base = Image.new('RGBA', (side, side), o['fill'] + (255,))
                base.putalpha(o['inside'].rotate(deg, Image.BICUBIC))
                _composite_clipped(fr, base, x0, y0)
            for cov, ink in ((o['band'], o['band_ink']), (o['line'], o['ink'])):
                layer = Image.new('RGBA', (side, side), ink + (255,))
                layer.putalpha(cov.rotate(deg, Image.BICUBIC))
                _composite_clipped(fr, layer, x0, y0)
        bx, by, s = boxes[t]
        frames.append(fr.convert('RGB').resize((size, size), Image.LANCZOS, box=(bx, by, bx + s, by + s)))
    return frames
