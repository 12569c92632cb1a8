"""Painted anime scenery with a multiplane camera: the backgrounds that most anime frames are made of.

The other generators (clipgen.py, scenes.py) draw flat or softly shaded *objects*; an anime frame is
mostly a *painted background*: a sky gradient with cel-shaded clouds, hills that pale with distance,
tree canopies of many small leaf clumps in two or three tones, houses with rows of windows, grass
with fine blades; dark-outlined characters stand in front of it. Pans across such a background move
its layers at different speeds (the multiplane camera), so parts of a frame slide past each other
by sub-pixel amounts. Texture here is fine but not a pattern (hatch_clip's bands are regular):
fractal noise in the paint, leaf clumps of 2-10 HR px, window grids, blades 1 px wide. A net that
has only seen flat fills smears such paint into a watercolour wash, or sharpens it into blobs.

``scenery_clip(seed, T, size)``: deterministic by seed, drawn at ``ss``x the output size on canvases
wider than the view, each layer shifted by its own parallax with an affine (sub-pixel) resample and
the whole frame reduced with Lanczos, as the other generators do. Procedural only (no art files), so
the held-out split is by seed range (make_user_clips.py).
"""
from __future__ import annotations

import colorsys
import math
import random

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from clipgen import _rand_color, _random_object, _shade, draw_cel_object


def fbm(rng: random.Random, w: int, h: int, cells: int, octaves: int = 4) -> np.ndarray:
    """Fractal noise 0..1 (h, w): octaves of random grids upsampled bicubically, each half the amplitude."""
    out = np.zeros((h, w), np.float32)
    amp, total = 1.0, 0.0
    seed = rng.randrange(2 ** 31)
    for o in range(octaves):
        c = cells * 2 ** o
        grid = np.random.default_rng(seed + o).random((max(2, c * h // w + 1), c + 1)).astype(np.float32)
        out += amp * np.asarray(Image.fromarray(grid, 'F').resize((w, h), Image.BICUBIC), np.float32)
        total += amp
        amp *= 0.5
    out /= total
    lo, hi = np.percentile(out, 1), np.percentile(out, 99)
    return np.clip((out - lo) / max(hi - lo, 1e-6), 0, 1)


def hsv(h: float, s: float, v: float) -> tuple:
    r, g, b = colorsys.hsv_to_rgb(h % 1.0, s, v)
    return int(r * 255), int(g * 255), int(b * 255)


def smoothstep(e0: float, e1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - e0) / max(e1 - e0, 1e-6), 0, 1)
    return t * t * (3 - 2 * t)


def rgba(rgb: np.ndarray, alpha: np.ndarray) -> Image.Image:
    a = np.concatenate([np.clip(rgb, 0, 255), np.clip(alpha, 0, 1)[..., None] * 255], axis=-1)
    return Image.fromarray(a.astype(np.uint8), 'RGBA')


def lerp(c0, c1, t: np.ndarray) -> np.ndarray:
    """Per-pixel blend of two colours by a weight map t (H, W) -> (H, W, 3)."""
    c0, c1 = np.asarray(c0, np.float32), np.asarray(c1, np.float32)
    t = np.asarray(t, np.float32)[..., None]
    return c0 * (1 - t) + c1 * t


# ---------------------------------------------------------------------------------------------
# layers (each W x H; RGB for the sky, RGBA for the rest)
# ---------------------------------------------------------------------------------------------

SKIES = (  # (zenith, horizon) colour ranges: day, dusk, overcast, night
    lambda r: ((r.uniform(40, 90), r.uniform(110, 170), r.uniform(200, 250)), (r.uniform(190, 235), r.uniform(220, 245), 250)),
    lambda r: ((r.uniform(60, 120), r.uniform(50, 90), r.uniform(120, 170)), (250, r.uniform(150, 200), r.uniform(90, 140))),
    lambda r: ((r.uniform(140, 180),) * 2 + (r.uniform(160, 200),), (r.uniform(200, 225),) * 3),
    lambda r: ((r.uniform(5, 20), r.uniform(10, 30), r.uniform(40, 70)), (r.uniform(30, 60), r.uniform(40, 70), r.uniform(90, 130))),
)


def sky(rng: random.Random, W: int, H: int) -> tuple[np.ndarray, np.ndarray, bool]:
    """Vertical gradient (slightly bowed), stars at night. Returns (RGB float, horizon colour, night)."""
    kind = rng.choices(range(4), weights=(5, 2, 2, 1))[0]
    top, bottom = SKIES[kind](rng)
    yy = np.linspace(0, 1, H, dtype=np.float32)[:, None] ** rng.uniform(0.6, 1.6)
    img = lerp(top, bottom, np.broadcast_to(yy, (H, W)))
    if kind == 3:
        stars = np.random.default_rng(rng.randrange(2 ** 31)).random((H, W)) > 0.9985
        img[stars] = 255 * rng.uniform(0.7, 1.0)
    return img, np.asarray(bottom, np.float32), kind == 3


def clouds(rng: random.Random, W: int, H: int, ss: int) -> Image.Image:
    """Anime cumulus: a thresholded noise field with a crisp (1-2 px) edge, lit above, a flat cool shadow
    below (the same field shifted up by the cloud's depth), a pale rim where the field is thin."""
    f = fbm(rng, W, H, rng.randint(3, 6), 5)
    band = smoothstep(0.0, 0.25, np.linspace(1, 0, H, dtype=np.float32))[:, None]   # clouds keep high
    f = f * (0.55 + 0.45 * band)
    th = rng.uniform(0.55, 0.72)
    edge = rng.uniform(0.004, 0.02)
    cover = smoothstep(th - edge, th + edge, f)
    d = int(rng.uniform(4, 14) * ss)
    lit = smoothstep(th - edge, th + edge, np.roll(f, -d, axis=0) + rng.uniform(0.0, 0.06))   # f d px below
    white = np.array((rng.uniform(240, 255), rng.uniform(240, 255), 255), np.float32)
    shadow = np.array(hsv(rng.uniform(0.55, 0.8), rng.uniform(0.08, 0.35), rng.uniform(0.65, 0.88)), np.float32)
    rgb = lerp(shadow, white, lit)
    return rgba(rgb, cover * rng.uniform(0.85, 1.0))


def ridge(rng: random.Random, W: int, H: int, base: float, height: float, colour, paint: float) -> Image.Image:
    """A hill or mountain range: a noise profile, filled with painted (noise-modulated) colour, darker
    towards its foot (the caller has already hazed the colour by distance)."""
    prof = fbm(rng, W, 8, rng.randint(2, 5), 4)[4]
    top = (base - height * prof) * H
    yy = np.arange(H, dtype=np.float32)[:, None]
    alpha = smoothstep(-0.75, 0.75, yy - top[None, :])
    tex = fbm(rng, W, H, rng.randint(6, 16), 4)
    shade = 1.0 + paint * (tex - 0.5)
    depth = np.clip((yy - top[None, :]) / max(H * 0.3, 1), 0, 1)          # darker towards the foot
    rgb = np.asarray(colour, np.float32) * (shade * (1.0 - 0.15 * depth))[..., None]
    return rgba(rgb, alpha)


def tree(rng: random.Random, side: int, ss: int, leaf: tuple, outline) -> Image.Image:
    """A canopy of leaf clumps in three tones (dark below, light on the upper left) on a trunk."""
    img = Image.new('RGBA', (side, side), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    tw = max(2, int(side * rng.uniform(0.05, 0.1)))
    trunk = _shade(_rand_color(rng, (0.3, 0.6), (0.25, 0.45)), 1.0)
    d.rectangle([side / 2 - tw / 2, side * 0.55, side / 2 + tw / 2, side - 1], fill=trunk + (255,))
    dark, mid, light = _shade(leaf, 0.55), leaf, _shade(leaf, 1.3)
    cx, cy, R = side / 2, side * 0.4, side * 0.36
    for tone, n, dx, dy, rr in ((dark, 40, 0.05, 0.12, 1.0), (mid, 60, -0.02, -0.02, 0.85), (light, 30, -0.12, -0.15, 0.55)):
        for _ in range(n):
            a, r = rng.uniform(0, 2 * math.pi), R * rr * math.sqrt(rng.random())
            x, y = cx + r * math.cos(a) + dx * R, cy + r * math.sin(a) * 0.8 + dy * R
            s = rng.uniform(2, 10) * ss * (side / (120 * ss)) ** 0.5
            d.ellipse([x - s, y - s * rng.uniform(0.6, 1.0), x + s, y + s], fill=tone + (255,))
    if outline is not None:   # a thin coloured contour, as background painters draw it
        a = img.getchannel('A')
        ring = Image.composite(a.filter(ImageFilter.MaxFilter(3)), Image.new('L', a.size, 0),
                               Image.eval(a, lambda v: 255 - v))
        img.paste(outline + (255,), (0, 0), ring)
    return img


def house(rng: random.Random, w: int, h: int, ss: int, line) -> Image.Image:
    """A wall with a roof and a grid of windows (a regular pattern 1-3 LR px apart), thin dark lines."""
    img = Image.new('RGBA', (w, h), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    wall, roof = _rand_color(rng, (0.05, 0.4), (0.6, 0.95)), _rand_color(rng, (0.3, 0.8), (0.3, 0.7))
    rh = int(h * rng.uniform(0.15, 0.3))
    d.rectangle([0, rh, w - 1, h - 1], fill=wall + (255,), outline=line + (255,), width=max(1, ss // 2))
    if rng.random() < 0.6:
        d.polygon([(0, rh), (w / 2, 0), (w - 1, rh)], fill=roof + (255,), outline=line + (255,))
    else:
        d.rectangle([0, rh - max(2, ss * 2), w - 1, rh], fill=roof + (255,))
    pitch = rng.uniform(2, 6) * 2 * ss          # canvas px: 1-3 px of the x1/4 LR
    win = _rand_color(rng, (0.0, 0.5), (0.3, 1.0))
    y = rh + pitch * 0.5
    while y + pitch * 0.6 < h - pitch * 0.3:
        x = pitch * 0.4
        while x + pitch * 0.6 < w:
            lit = rng.random() < 0.8
            d.rectangle([x, y, x + pitch * 0.55, y + pitch * 0.6], fill=(win if lit else _shade(win, 0.5)) + (255,))
            x += pitch
        y += pitch
    return img


def grass(rng: random.Random, W: int, H: int, y0: float, ss: int) -> Image.Image:
    """Ground from y0 down: painted green with fine blades (1 px strokes) along its top and scattered."""
    col = np.array(hsv(rng.uniform(0.12, 0.42), rng.uniform(0.3, 0.8), rng.uniform(0.35, 0.75)), np.float32)
    tex = fbm(rng, W, H, rng.randint(8, 20), 4)
    yy = np.arange(H, dtype=np.float32)[:, None]
    alpha = (yy >= y0 * H).astype(np.float32) * np.ones((1, W), np.float32)
    rgb = col * (0.8 + 0.4 * tex)[..., None]
    img = rgba(rgb, alpha)
    d = ImageDraw.Draw(img)
    dark, light = _shade(tuple(int(v) for v in col), 0.6), _shade(tuple(int(v) for v in col), 1.35)
    for _ in range(int(W * rng.uniform(0.5, 2.0))):
        x = rng.uniform(0, W)
        y = y0 * H + (rng.uniform(0, 3 * ss) if rng.random() < 0.5 else rng.uniform(0, H * (1 - y0)))
        L = rng.uniform(3, 10) * ss
        a = rng.uniform(-0.4, 0.4)
        d.line([(x, y), (x + L * math.sin(a), y - L * math.cos(a))],
               fill=(dark if rng.random() < 0.6 else light) + (255,), width=max(1, ss // 2))
    return img


# ---------------------------------------------------------------------------------------------
# the clip
# ---------------------------------------------------------------------------------------------

def _place(dst: Image.Image, src: Image.Image, x: float, y: float) -> None:
    """alpha-composite src at a float position: the fraction by an affine bilinear shift."""
    ix, iy = math.floor(x), math.floor(y)
    fx, fy = x - ix, y - iy
    if fx > 1e-3 or fy > 1e-3:
        src = src.transform(src.size, Image.AFFINE, (1, 0, -fx, 0, 1, -fy), resample=Image.BILINEAR)
    cx, cy = max(0, -ix), max(0, -iy)
    if cx >= src.width or cy >= src.height:
        return
    dst.alpha_composite(src.crop((cx, cy, src.width, src.height)), (max(0, ix), max(0, iy)))


def scenery_clip(seed: int, T: int, size: int, ss: int = 2) -> list:
    """T frames (PIL RGB, size x size) of one painted scene under a multiplane pan.

    Composed in screen space: a layer at parallax p (0 = infinitely far, 1 = the characters' plane)
    is shifted by -p x the camera position, plus its own drift (clouds); layers are W x H with a
    margin M on every side so that no edge ever enters the view."""
    rng = random.Random(seed * 73856093 + 19)
    view = size * ss
    speed = rng.uniform(0.0, 2.2) * ss * rng.choice((-1, 1))        # camera px a frame (HR at ss)
    vy = rng.uniform(-0.3, 0.3) * ss
    M = int(0.3 * ss * T) + 4 * ss
    W = view + int(abs(speed) * T) + 2 * M + 2
    H = view + int(abs(vy) * T) + 2 * M + 2
    sky_rgb, haze, night = sky(rng, W, H)
    layers = [(rgba(sky_rgb, np.ones((H, W), np.float32)), 0.02, 0.0)]   # (RGBA, parallax, drift px a frame)
    if not night and rng.random() < 0.85:
        layers.append((clouds(rng, W, H, ss), rng.uniform(0.05, 0.2), rng.uniform(-0.3, 0.3) * ss))
    horizon = rng.uniform(0.45, 0.75)
    n_ridges = rng.randint(1, 3)
    for i in range(n_ridges):
        far = (n_ridges - i) / n_ridges                               # 1 = farthest
        colour = np.array(_rand_color(rng, (0.2, 0.6), (0.3, 0.7)), np.float32)
        colour = colour * (1 - 0.6 * far) + haze * 0.6 * far           # atmospheric perspective
        img = ridge(rng, W, H, horizon + 0.08 * (1 - far), rng.uniform(0.1, 0.35) * far + 0.05,
                    colour, rng.uniform(0.1, 0.5))
        layers.append((img, 0.15 + 0.35 * (1 - far), 0.0))
    line = _shade(_rand_color(rng, (0.2, 0.7), (0.08, 0.3)), 1.0)
    ground_y = min(0.95, horizon + rng.uniform(0.05, 0.2))
    layers.append((grass(rng, W, H, ground_y, ss), 0.75, 0.0))
    mid = Image.new('RGBA', (W, H), (0, 0, 0, 0))
    for _ in range(rng.randint(0, 3)):
        w, h = int(view * rng.uniform(0.15, 0.4)), int(view * rng.uniform(0.15, 0.4))
        mid.alpha_composite(house(rng, w, h, ss, line), (int(rng.uniform(0, W - w)), max(0, int(ground_y * H) - h)))
    leaf = hsv(rng.uniform(0.2, 0.42) if rng.random() < 0.7 else rng.random(),   # mostly green, some autumn/stylised
               rng.uniform(0.4, 0.8), rng.uniform(0.35, 0.75))
    for _ in range(rng.randint(1, 6)):
        side = int(view * rng.uniform(0.15, 0.5))
        t_img = tree(rng, side, ss, leaf, line if rng.random() < 0.5 else None)
        _place(mid, t_img, int(rng.uniform(-side / 3, W - side * 2 / 3)),
               max(0, int(ground_y * H + rng.uniform(0, 0.06) * H) - side))
    layers.append((mid, 0.75, 0.0))
    chars = []
    for _ in range(rng.choices((0, 1, 2), weights=(3, 4, 2))[0]):
        chars.append((_random_object(rng, view), rng.uniform(0.2, 0.8) * view, rng.uniform(0.5, 0.85) * view,
                      rng.uniform(-0.6, 0.6) * ss))
    line_w = max(2, int(ss * size / 256 * rng.uniform(1.2, 2.5)))
    grain = rng.uniform(1.5, 5.0) if rng.random() < 0.3 else 0.0      # film grain, levels (HR)
    bloom = rng.random() < 0.25
    noise = np.random.default_rng(rng.randrange(2 ** 31))
    x0 = 0.0 if speed >= 0 else abs(speed) * T
    y0 = 0.0 if vy >= 0 else abs(vy) * T
    frames = []
    for t in range(T):
        cam_x, cam_y = x0 + speed * t, y0 + vy * t
        fr = Image.new('RGBA', (view + 2, view + 2), (0, 0, 0, 255))
        for img, par, drift in layers:
            _place(fr, img, -M - par * cam_x + drift * t, -M - par * cam_y)
        for obj, cx, cy, vx in chars:
            draw_cel_object(fr, obj, cx - cam_x + vx * t, cy - cam_y, 0, line_w)
        arr = np.asarray(fr.convert('RGB'), np.float32)
        if bloom:     # highlights bleed (a common compositing glow)
            hi = Image.fromarray(np.clip((arr.mean(axis=2) - 200) * 4, 0, 255).astype(np.uint8))
            arr = arr + np.asarray(hi.filter(ImageFilter.GaussianBlur(6 * ss)), np.float32)[..., None] * 0.25
        if grain:
            arr = arr + noise.normal(0, grain, arr.shape[:2])[..., None]
        out = Image.fromarray(np.clip(arr + 0.5, 0, 255).astype(np.uint8))
        frames.append(out.resize((size, size), Image.LANCZOS, box=(0, 0, view, view)))
    return frames
