"""Shards of HR clips "like what users bring", each with a web-quality LR version made by Debian's ffmpeg.

Training data for the general ``vsr`` model (issue 11). A shard is one .npz (no pickles):

* ``hr``   (n, T, H, W, 3) uint8: the HR clip (clipgen.py / scenes.py / scenery.py generators, mixed by --mix);
* ``web``  (n, T, H/4, W/4, 3) uint8: downscaled with a random kernel (PIL bicubic / bilinear / box /
  Lanczos, or point-sampled bicubic without antialias) and coded with a random mild-to-moderate
  codec: libx264 crf 16-32 yuv420p (random preset, some clips twice), mpeg2video q 2-8, mpeg4 q 2-8,
  per-frame JPEG q 45-95, or just the yuv420p chroma round trip;
* ``web_desc`` (n,) str: the chain, for the data card; ``kind`` (n,) str; ``seed`` (n,) int;
* ``meta`` str (json).

The clean condition (plain downscale) is made on the fly by the trainer from ``hr`` (random kernel per
clip), so it is not stored. Held-out shards (``--heldout``) draw only held-out sources and seeds.

Shards are written atomically (tmp + rename); the trainer picks up new shards while it runs, so this
can keep adding data in the background:

  /usr/bin/python3 training/make_user_clips.py --shards 40 --start 0 --procs 2
  /usr/bin/python3 training/make_user_clips.py --heldout --shards 1 --clips-per-shard 48
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clipgen import HELDOUT_SEED_BASE, clipart_clip, list_sources, procedural_clip  # noqa: E402
from prep_prior import _ff  # noqa: E402  (the ffmpeg CLI call the prior set uses)
from scenery import scenery_clip  # noqa: E402
from scenes import hatch_clip, list_svg_sources, rim_clip, soft_clip, svg_clip, text_clip  # noqa: E402
from yuv_exact import decode_exact  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEFAULT_MIX = 'svg:0.36,soft:0.22,clipart:0.14,cel:0.16,text:0.12'
SCALE = 4


def downscale(frames: list, rng: random.Random) -> tuple[list, str]:
    """x1/4 with a random kernel: what 'a clean downscale' means in the wild."""
    r = rng.random()
    w, h = frames[0].size
    size = (w // SCALE, h // SCALE)
    if r < 0.40:
        return [f.resize(size, Image.BICUBIC) for f in frames], 'bicubic'
    if r < 0.55:
        return [f.resize(size, Image.BILINEAR) for f in frames], 'bilinear'
    if r < 0.72:
        return [f.resize(size, Image.BOX) for f in frames], 'area'
    if r < 0.90:
        return [f.resize(size, Image.LANCZOS) for f in frames], 'lanczos'
    # no antialias (as a naive scaler): bicubic at the sample points only
    return [f.resize((w // 2, h // 2), Image.NEAREST).resize(size, Image.BICUBIC) for f in frames], 'bicubic-noaa'


def codec_roundtrip(frames: list, rng: random.Random, tmp: str) -> tuple[list, str]:
    """One random mild-to-moderate lossy coding of an LR clip (list of PIL RGB) -> (frames, chain)."""
    r = rng.random()
    if r < 0.18:   # JPEG per frame (image hosts, screenshots)
        q = rng.randint(45, 95)
        out = []
        for f in frames:
            p = os.path.join(tmp, 'j.jpg')
            f.save(p, quality=q, subsampling=rng.choice([0, 2, 2]))
            out.append(Image.open(p).convert('RGB'))
        return out, f'jpeg q{q}'
    for i, f in enumerate(frames):
        f.save(os.path.join(tmp, f'{i:03d}.png'))
    src = ['-framerate', '24', '-i', os.path.join(tmp, '%03d.png')]
    if r < 0.66:
        crf = rng.randint(16, 32)
        preset = rng.choice(['veryfast', 'fast', 'medium'])
        enc = ['-c:v', 'libx264', '-crf', str(crf), '-preset', preset, '-pix_fmt', 'yuv420p']
        desc, ext = f'x264 crf{crf} {preset}', 'mp4'
    elif r < 0.78:
        q = rng.randint(2, 8)
        enc, desc, ext = ['-c:v', 'mpeg2video', '-q:v', str(q), '-pix_fmt', 'yuv420p'], f'mpeg2 q{q}', 'mpg'
    elif r < 0.88:
        q = rng.randint(2, 8)
        enc, desc, ext = ['-c:v', 'mpeg4', '-q:v', str(q), '-pix_fmt', 'yuv420p'], f'mpeg4 q{q}', 'mp4'
    else:
        enc, desc, ext = ['-c:v', 'libx264', '-qp', '0', '-pix_fmt', 'yuv420p'], 'yuv420p only', 'mp4'
    vid = os.path.join(tmp, f'v.{ext}')
    _ff(src + enc + [vid])
    if ext == 'mp4' and 'x264' in desc and rng.random() < 0.2:   # a re-upload: coded twice
        crf2 = rng.randint(20, 30)
        vid2 = os.path.join(tmp, 'v2.mp4')
        _ff(['-i', vid, '-c:v', 'libx264', '-crf', str(crf2), '-pix_fmt', 'yuv420p', vid2])
        vid, desc = vid2, desc + f' + x264 crf{crf2}'
    # Decoded as the app decodes a user's video (yuv_exact.py: raw yuv420p through the exact
    # YUV -> RGB of src/media/yuv.ts), not by swscale's rgb24, which is 1-2 levels dark.
    w, h = frames[0].size
    out = [Image.fromarray(a, 'RGB') for a in decode_exact(vid, w, h)[:len(frames)]]
    return out, desc


def parse_mix(s: str) -> list:
    items = [(k, float(v)) for k, v in (x.split(':') for x in s.split(','))]
    tot = sum(v for _, v in items)
    return [(k, v / tot) for k, v in items]


_SOURCES: dict = {}


def sources(heldout: bool) -> tuple[list, list]:
    if heldout not in _SOURCES:
        png_tr, png_ho = list_sources()
        svg_tr, svg_ho = list_svg_sources()
        _SOURCES[heldout] = (png_ho, svg_ho) if heldout else (png_tr, svg_tr)
    return _SOURCES[heldout]


def render(kind: str, seed: int, T: int, size: int, heldout: bool) -> list:
    png, svg = sources(heldout)
    if kind == 'svg' and svg:
        return svg_clip(seed, T, size, svg)
    if kind == 'clipart' and png:
        return clipart_clip(seed, T, size, png)
    if kind == 'soft':
        return soft_clip(seed, T, size)
    if kind == 'text':
        return text_clip(seed, T, size, svg)
    if kind == 'hatch':
        return hatch_clip(seed, T, size)
    if kind == 'rim':
        return rim_clip(seed, T, size)
    if kind == 'scenery':
        return scenery_clip(seed, T, size)
    return procedural_clip(seed, T, size)


def make_shard(job: dict) -> str:
    out = job['path']
    if os.path.exists(out):
        return f'{out} exists'
    t0 = time.time()
    mix = parse_mix(job['mix'])
    hr_all, web_all, descs, kinds, seeds = [], [], [], [], []
    tmp = tempfile.mkdtemp(prefix='uclip')
    try:
        for c in range(job['clips']):
            seed = job['seed0'] + c
            rng = random.Random(seed * 2654435761 % (2 ** 32))
            u, kind = rng.random(), mix[-1][0]
            for k, p in mix:
                if u < p:
                    kind = k
                    break
                u -= p
            frames = render(kind, seed, job['frames'], job['size'], job['heldout'])
            lr, kdesc = downscale(frames, rng)
            web, cdesc = codec_roundtrip(lr, rng, tmp)
            hr_all.append(np.stack([np.asarray(f) for f in frames]))
            web_all.append(np.stack([np.asarray(f) for f in web]))
            descs.append(f'{kdesc} x1/4 -> {cdesc}')
            kinds.append(kind)
            seeds.append(seed)
        meta = {'frames': job['frames'], 'size': job['size'], 'scale': SCALE, 'heldout': job['heldout'],
                'mix': job['mix'], 'seconds': round(time.time() - t0, 1)}
        part = out + '.tmp.npz'
        np.savez_compressed(part, hr=np.stack(hr_all), web=np.stack(web_all), web_desc=np.array(descs),
                            kind=np.array(kinds), seed=np.array(seeds), meta=np.array(json.dumps(meta)))
        os.replace(part, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return f'{out}: {job["clips"]} clips in {time.time() - t0:.0f}s'


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out-dir', default=os.path.join(ROOT, '.devdata', 'user_clips'))
    ap.add_argument('--shards', type=int, default=8)
    ap.add_argument('--start', type=int, default=0, help='index of the first shard (shards are independent)')
    ap.add_argument('--clips-per-shard', type=int, default=64)
    ap.add_argument('--frames', type=int, default=5)
    ap.add_argument('--size', type=int, default=256)
    ap.add_argument('--mix', default=DEFAULT_MIX)
    ap.add_argument('--heldout', action='store_true', help='held-out sources and seeds only (evaluation)')
    ap.add_argument('--procs', type=int, default=1)
    args = ap.parse_args()
    if not shutil.which('ffmpeg'):
        sys.exit('ffmpeg CLI not found (apt-get install ffmpeg)')
    os.makedirs(args.out_dir, exist_ok=True)
    jobs = []
    for s in range(args.start, args.start + args.shards):
        name = f'heldout_{s:03d}.npz' if args.heldout else f'shard_{s:04d}.npz'
        seed0 = (HELDOUT_SEED_BASE * 3 if args.heldout else 5_000_000) + s * 10_000
        jobs.append({'path': os.path.join(args.out_dir, name), 'clips': args.clips_per_shard, 'frames': args.frames,
                     'size': args.size, 'mix': args.mix, 'heldout': args.heldout, 'seed0': seed0})
    if args.procs > 1:
        with ProcessPoolExecutor(args.procs) as ex:
            for msg in ex.map(make_shard, jobs):
                print(msg, flush=True)
    else:
        for j in jobs:
            print(make_shard(j), flush=True)


if __name__ == '__main__':
    main()
