"""The quality benchmark's held-out evaluation set (issue 11): 14 short HR clips, deterministic.

``npm run bench quality`` calls this on every run; it rebuilds the set when ``.cache/quality-set/set.json`` is
missing or was made from another clip list (its ``spec_sha256``), and returns at once otherwise:

  /usr/bin/python3 training/make_eval_set.py [--out .cache/quality-set] [--force]

Split by source from the training data: every clip comes from make_user_clips.py's ``render(...,
heldout=True)``, which draws only held-out art files (sha1 of the relative path in the held-out tenth,
PNG and SVG twins alike), with seeds in 4,000,000-4,999,999, a range no training maker uses
(clipgen/make_vsr_pairs: < 2,000,000; make_user_clips: training 5,000,000+, its held-out shards
3,000,000 + 10,000 per shard).

Written, per clip ``<NN>-<kind>-<W>x<H>/``:

* ``hr/00000.png`` ... ``hr/00009.png``: the HR frames (8-bit RGB);
* ``clean/00000.png`` ...: the benchmark's clean condition, the HR frames downscaled x1/4 by Pillow's
  ``Image.resize((W/4, H/4), Image.BICUBIC)`` (Keys cubic a = -0.5, kernel stretched by 4 = antialiased,
  Pillow's fixed-point 8-bit passes) -- the same call as training/user_data.pil_bicubic_down;

and ``set.json``: per clip kind, seed, size, generator, sha256 of every frame file (integrity), the
pixel digest of every frame (sha256 over ``"{W}x{H}:"`` and its 8-bit RGB bytes, row-major) and
``pixels_sha256``, one digest of the whole set over those. Results from two machines are comparable
when the pixel digests agree: the PNG bytes may differ (another zlib) while the pixels are the same.

Non-square clips (384x216) are rendered square (384x384, the same generator call as a square clip of
that size, so nothing in the training generators changes) and cropped to the 384x216 window with the
most edges over the clip: the generators draw square canvases and square camera boxes. A seed whose
frames are nearly empty (under 1 % edge pixels) is skipped for the next one; both choices look at the
HR frames only, never at any method's output.

Needs the openclipart PNG and SVG packages under training/data (train_all.sh step 1 fetches the PNGs);
whichever is missing is fetched here with ``apt-get download`` + ``dpkg -x`` (no install). A missing
source is an error, not a silent fallback to another generator.
"""
from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time

import numpy as np
import PIL
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

DATA = os.path.join(HERE, 'data')
SCALE = 4
FRAMES = 10
MIN_EDGE_FRACTION = 0.01
MAX_SEED_TRIES = 20
# (kind, first seed, width, height): 3 svg, 3 soft, 2 clipart, 2 cel, 2 text, 2 scenery; half square, half 16:9.
# The two scenery clips (painted backgrounds under a multiplane pan, training/scenery.py: what most anime
# frames are) joined on 2026-12-07; results before that are over the first 12.
CLIPS = [
    ('svg', 4_000_101, 256, 256),
    ('svg', 4_000_102, 384, 216),
    ('svg', 4_000_103, 256, 256),
    ('soft', 4_000_201, 256, 256),
    ('soft', 4_000_202, 384, 216),
    ('soft', 4_000_203, 384, 216),
    ('clipart', 4_000_301, 256, 256),
    ('clipart', 4_000_302, 384, 216),
    ('cel', 4_000_401, 256, 256),
    ('cel', 4_000_402, 384, 216),
    ('text', 4_000_501, 256, 256),
    ('text', 4_000_502, 384, 216),
    ('scenery', 4_000_601, 256, 256),
    ('scenery', 4_000_602, 384, 216),
]
# Debian packages this set may use. hedgewars-data and tuxpaint-* are reserved for independent
# evaluation and never used here (nor anywhere in training).
PACKAGES = {
    'openclipart-png': os.path.join(DATA, 'openclipart'),
    'openclipart-svg': os.path.join(DATA, 'openclipart-svg'),
}


def ensure_package(pkg: str, dest: str) -> None:
    """Extract a Debian package's files into dest (apt-get download + dpkg -x) unless already there."""
    if os.path.isdir(os.path.join(dest, 'usr', 'share', 'openclipart')):
        return
    os.makedirs(DATA, exist_ok=True)
    debs = sorted(glob.glob(os.path.join(DATA, f'{pkg}_*.deb')))
    if not debs:
        print(f'fetching {pkg} (apt-get download) ...', flush=True)
        subprocess.run(['apt-get', 'download', pkg], cwd=DATA, check=True)
        debs = sorted(glob.glob(os.path.join(DATA, f'{pkg}_*.deb')))
    if not debs:
        sys.exit(f'{pkg}: apt-get download left no .deb in {DATA}')
    print(f'extracting {os.path.basename(debs[-1])} -> {dest}', flush=True)
    tmp = dest + '.tmp'
    shutil.rmtree(tmp, ignore_errors=True)
    subprocess.run(['dpkg', '-x', debs[-1], tmp], check=True)
    os.replace(tmp, dest)


def sha256_file(p: str) -> str:
    with open(p, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def pixel_digest(im: Image.Image) -> str:
    """sha256 over "WxH:" and the 8-bit RGB pixels: the same key as bench/quality/evalset.ts's
    pixelDigest, so a set's identity does not depend on how its PNGs were compressed."""
    return hashlib.sha256(f'{im.width}x{im.height}:'.encode() + im.convert('RGB').tobytes()).hexdigest()


def spec_sha256() -> str:
    """What decides the set's content besides the generators' code: the clip list and the selection rule.
    A cached set made from another spec is rebuilt (bench/quality/evalset.ts runs this maker every time)."""
    spec = {'clips': CLIPS, 'frames': FRAMES, 'min_edge_fraction': MIN_EDGE_FRACTION, 'scale': SCALE}
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()


def current_spec(out: str) -> str | None:
    try:
        with open(os.path.join(out, 'set.json')) as f:
            return json.load(f).get('spec_sha256')
    except (OSError, ValueError):
        return None


def clip_name(i: int, kind: str, w: int, h: int) -> str:
    return f'{i:02d}-{kind}-{w}x{h}'


def edge_map(f: Image.Image) -> np.ndarray:
    """Pixels where the luma steps by more than 8 levels to the right or below neighbour."""
    y = np.asarray(f.convert('L'), np.float32)
    return (np.abs(np.diff(y, axis=1))[:-1, :] > 8) | (np.abs(np.diff(y, axis=0))[:, :-1] > 8)


def render_clip(kind: str, seed: int, w: int, h: int, T: int) -> tuple[list, int, int]:
    """(frames, x0, y0): the square render at max(w, h), cropped to the w x h window (step 4 px)
    that holds the most edge pixels over the whole clip (a plain middle crop often loses the
    captions and the main figure: the generators compose for a square frame)."""
    from make_user_clips import render
    side = max(w, h)
    frames = render(kind, seed, T, side, heldout=True)
    if (w, h) == (side, side):
        return frames, 0, 0
    edges = sum(edge_map(f).astype(np.int64) for f in frames)
    best = None
    for y0 in range(0, side - h + 1, 4):
        for x0 in range(0, side - w + 1, 4):
            score = int(edges[y0:y0 + h - 1, x0:x0 + w - 1].sum())
            if best is None or score > best[0]:
                best = (score, x0, y0)
    _, x0, y0 = best
    return [f.crop((x0, y0, x0 + w, y0 + h)) for f in frames], x0, y0


def pick_clip(kind: str, seed0: int, w: int, h: int, T: int) -> tuple[list, int, int, int]:
    """The first seed from seed0 whose every frame has >= MIN_EDGE_FRACTION edge pixels (a frame
    of flat colour says nothing about an upscaler). Chosen on the HR content only, before any
    method runs, so the choice cannot favour one."""
    for seed in range(seed0, seed0 + MAX_SEED_TRIES):
        frames, x0, y0 = render_clip(kind, seed, w, h, T)
        if min(float(edge_map(f).mean()) for f in frames) >= MIN_EDGE_FRACTION:
            return frames, seed, x0, y0
    sys.exit(f'{kind} {w}x{h}: no seed in {seed0}..{seed0 + MAX_SEED_TRIES - 1} gives frames with content')


def clean_down(frame: Image.Image) -> Image.Image:
    return frame.resize((frame.width // SCALE, frame.height // SCALE), Image.BICUBIC)


def check_sources() -> dict:
    from make_user_clips import sources
    png, svg = sources(True)
    if not png or not svg:
        sys.exit(f'held-out sources missing (clip art PNG: {len(png)}, SVG: {len(svg)}): '
                 f'check {PACKAGES["openclipart-png"]} and {PACKAGES["openclipart-svg"]}')
    return {'png_heldout': len(png), 'svg_heldout': len(svg)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--out', default=os.path.join(ROOT, '.cache', 'quality-set'))
    ap.add_argument('--force', action='store_true', help='rebuild even if set.json exists')
    args = ap.parse_args()
    out = os.path.abspath(args.out)
    have = current_spec(out)
    if have == spec_sha256() and not args.force:
        print(f'{out}/set.json is up to date (use --force to rebuild)')
        return
    if have is not None or os.path.exists(os.path.join(out, 'set.json')):
        print(f'{out}: made from another clip list; rebuilding' if not args.force else f'{out}: rebuilding (--force)')
    for pkg, dest in PACKAGES.items():
        ensure_package(pkg, dest)
    n_sources = check_sources()
    t0 = time.time()
    tmp = out + '.tmp'
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    clips, digest, pixels = [], hashlib.sha256(), hashlib.sha256()
    for i, (kind, seed, w, h) in enumerate(CLIPS):
        assert 4_000_000 <= seed <= 4_999_999 and w % SCALE == 0 and h % SCALE == 0
        name = clip_name(i, kind, w, h)
        t1 = time.time()
        frames, seed, x0, y0 = pick_clip(kind, seed, w, h, FRAMES)
        entry = {'name': name, 'kind': kind, 'seed': seed, 'width': w, 'height': h, 'crop_xy': [x0, y0],
                 'lr_width': w // SCALE, 'lr_height': h // SCALE, 'frames': len(frames),
                 'hr_sha256': [], 'clean_sha256': [], 'hr_pixels_sha256': [], 'clean_pixels_sha256': []}
        for sub in ('hr', 'clean'):
            os.makedirs(os.path.join(tmp, name, sub))
        for t, f in enumerate(frames):
            assert f.size == (w, h) and f.mode == 'RGB', (name, f.size, f.mode)
            for sub, im in (('hr', f), ('clean', clean_down(f))):
                p = os.path.join(tmp, name, sub, f'{t:05d}.png')
                im.save(p)
                entry[f'{sub}_sha256'].append(sha256_file(p))
                entry[f'{sub}_pixels_sha256'].append(pixel_digest(im))
        for s in entry['hr_sha256'] + entry['clean_sha256']:
            digest.update(s.encode())
        for s in entry['hr_pixels_sha256'] + entry['clean_pixels_sha256']:
            pixels.update(s.encode())
        clips.append(entry)
        print(f'{name}: seed {seed}, {len(frames)} frames in {time.time() - t1:.1f}s', flush=True)
    meta = {
        'version': 2,
        'maker': 'training/make_eval_set.py',
        'scale': SCALE,
        'frames_per_clip': FRAMES,
        'split': 'held-out art sources only (make_user_clips.render(..., heldout=True)); seeds 4,000,000-4,999,999',
        'clean': f'Pillow {PIL.__version__} Image.resize((W/4, H/4), Image.BICUBIC): antialiased bicubic (a = -0.5)',
        'non_square': 'rendered square at max(W, H), cropped to the W x H window (4 px steps) with the most edge pixels',
        'selection': f'first seed from the listed one whose every HR frame has >= {MIN_EDGE_FRACTION:.0%} edge pixels '
                     '(luma step > 8 levels); chosen on HR content only',
        'sources': n_sources,
        'packages': sorted(os.path.basename(p) for p in glob.glob(os.path.join(DATA, 'openclipart-*.deb'))),
        'spec_sha256': spec_sha256(),
        'set_sha256': digest.hexdigest(),
        'pixels_sha256': pixels.hexdigest(),
        'seconds': round(time.time() - t0, 1),
        'clips': clips,
    }
    with open(os.path.join(tmp, 'set.json'), 'w') as f:
        json.dump(meta, f, indent=1)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    os.replace(tmp, out)
    print(f'wrote {out}: {len(clips)} clips, pixels sha256 {meta["pixels_sha256"][:16]}... in {meta["seconds"]}s')


if __name__ == '__main__':
    main()
