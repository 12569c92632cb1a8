"""The VQGAN's low-quality prior set, packed to .devdata/vqgan_pack.npz.

The paper learns its VQGAN from real low-quality animation (RAL), which we do not have. This set is
a synthetic stand-in: our HR clips (clipgen.py) pushed through hard, real-world-like chains with
Debian's ffmpeg CLI: downscale to an LR/SD size, one to three generations of lossy coding (libx264
high crf, mpeg2video / mpeg4 at coarse quantisers, all yuv420p so chroma is subsampled each time),
optional sharpening between generations (halos around lines), and optionally a further downscale
whose result is later upscaled again ("upscaled from SD"). Two frames are kept per chain.

  python3 training/prep_prior.py --clips 320 --out .devdata/vqgan_pack.npz

Pack: frames uint8 (N, S, S, 3), heldout bool (N,) (frames from held-out sources/seeds),
chain (N,) str (the ffmpeg chain, for the model card), seed (N,).
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clipgen import HELDOUT_SEED_BASE, list_sources, make_clip  # noqa: E402
from scenery import scenery_clip  # noqa: E402
from yuv_exact import decode_exact  # noqa: E402

SCALERS = ['bicubic', 'bilinear', 'area', 'lanczos', 'neighbor']


def _ff(args: list) -> None:
    cmd = ['ffmpeg', '-hide_banner', '-loglevel', 'error', '-y', '-threads', '1'] + args
    subprocess.run(cmd, check=True)


def random_chain(rng: random.Random, out_size: int) -> list:
    """A list of (vf, codec args) generations plus the final scale; also a readable description."""
    gens = []
    n_gen = rng.choices([1, 2, 3], [0.35, 0.4, 0.25])[0]
    from_sd = rng.random() < 0.4
    work = int(out_size * rng.uniform(0.55, 0.75)) // 2 * 2 if from_sd else out_size
    first_scale = rng.choice(SCALERS[:4])
    for g in range(n_gen):
        codec = rng.choices(['x264', 'mpeg2', 'mpeg4'], [0.5, 0.25, 0.25])[0]
        if codec == 'x264':
            crf = rng.randint(26, 42)
            args = ['-c:v', 'libx264', '-preset', rng.choice(['ultrafast', 'veryfast', 'medium']), '-crf', str(crf),
                    '-pix_fmt', 'yuv420p', '-f', 'mp4']
            desc = f'x264 crf{crf}'
        elif codec == 'mpeg2':
            q = rng.randint(8, 24)
            args = ['-c:v', 'mpeg2video', '-q:v', str(q), '-pix_fmt', 'yuv420p', '-f', 'mpeg']
            desc = f'mpeg2 q{q}'
        else:
            q = rng.randint(8, 24)
            args = ['-c:v', 'mpeg4', '-q:v', str(q), '-pix_fmt', 'yuv420p', '-f', 'avi']
            desc = f'mpeg4 q{q}'
        vf = []
        if g == 0:
            vf.append(f'scale={work}:{work}:flags={first_scale}')
        if rng.random() < 0.35:
            amt = rng.uniform(0.8, 2.0)
            size = rng.choice([3, 5, 7])
            vf.append(f'unsharp={size}:{size}:{amt:.2f}:{size}:{size}:0')
            desc += f' +sharpen{amt:.1f}'
        if g > 0 and rng.random() < 0.25:  # re-scaling between generations (down then back up)
            mid = int(work * rng.uniform(0.7, 0.9)) // 2 * 2
            vf.append(f'scale={mid}:{mid}:flags={rng.choice(SCALERS[:4])},scale={work}:{work}:flags=bicubic')
            desc += ' +rescale'
        gens.append((vf, args, desc))
    final = f'scale={out_size}:{out_size}:flags={rng.choice(["bicubic", "bilinear", "lanczos"])}' if from_sd else None
    desc = f'down {first_scale} -> {work}px; ' + '; '.join(g[2] for g in gens) + (f'; up from SD {work}px' if from_sd else '')
    return gens, final, desc


def degrade_clip(frames: list, rng: random.Random, out_size: int, tmp: str) -> tuple[list, str]:
    for i, f in enumerate(frames):
        f.save(os.path.join(tmp, f'in{i:03d}.png'), compress_level=1)
    gens, final, desc = random_chain(rng, out_size)
    src = ['-framerate', '24', '-i', os.path.join(tmp, 'in%03d.png')]
    for gi, (vf, args, _) in enumerate(gens):
        out = os.path.join(tmp, f'gen{gi}')
        _ff(src + (['-vf', ','.join(vf)] if vf else []) + args + [out])
        src = ['-i', out]
    # Decoded as the app decodes a user's video (yuv_exact.py: raw yuv420p through the exact
    # YUV -> RGB of src/media/yuv.ts), not by swscale's rgb24, which is 1-2 levels dark.
    res = decode_exact(src[-1], out_size, out_size, vf=final)[:len(frames)]
    return res, desc


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--clips', type=int, default=320)
    ap.add_argument('--heldout-every', type=int, default=10, help='every n-th clip comes from held-out sources')
    ap.add_argument('--frames', type=int, default=6, help='frames rendered and coded per clip')
    ap.add_argument('--keep', type=int, default=2, help='frames kept per clip')
    ap.add_argument('--hr', type=int, default=384, help='HR render size')
    ap.add_argument('--size', type=int, default=160, help='stored frame size')
    ap.add_argument('--seed', type=int, default=2024)
    ap.add_argument('--scenery', type=float, default=0.0,
                    help='share of clips from scenery.py (painted backgrounds, the bulk of real anime frames)')
    ap.add_argument('--out', default=os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                                  '.devdata', 'vqgan_pack.npz'))
    args = ap.parse_args()
    if not shutil.which('ffmpeg'):
        sys.exit('ffmpeg CLI not found (apt-get install ffmpeg)')
    train_src, held_src = list_sources()
    frames_out, held, chains, seeds = [], [], [], []
    t0 = time.time()
    tmp = tempfile.mkdtemp(prefix='prior_')
    try:
        for c in range(args.clips):
            is_held = c % args.heldout_every == args.heldout_every - 1
            seed = args.seed * 100_000 + c + (HELDOUT_SEED_BASE if is_held else 0)
            # Own stream for the generator choice, so --scenery 0 draws the same clips as before.
            if random.Random(seed ^ 0x5CE4E).random() < args.scenery:
                frames = scenery_clip(seed, args.frames, args.hr)
            else:
                frames, _ = make_clip(seed, args.frames, args.hr, held_src if is_held else train_src)
            rng = random.Random(seed ^ 0x5EED)
            out, desc = degrade_clip(frames, rng, args.size, tmp)
            picks = sorted(rng.sample(range(len(out)), min(args.keep, len(out))))
            for i in picks:
                frames_out.append(out[i])
                held.append(is_held)
                chains.append(desc)
                seeds.append(seed)
            for f in os.listdir(tmp):
                os.remove(os.path.join(tmp, f))
            if c % 20 == 0:
                print(f'clip {c}/{args.clips} {time.time() - t0:.0f}s  [{desc}]', flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    np.savez_compressed(args.out, frames=np.stack(frames_out), heldout=np.array(held), chain=np.array(chains),
                        seed=np.array(seeds))
    mb = os.path.getsize(args.out) / 2**20
    print(f'wrote {args.out}: {len(frames_out)} frames ({sum(held)} held-out), {mb:.1f} MiB, {time.time() - t0:.0f}s')


if __name__ == '__main__':
    main()
