"""The VQGAN's training pack: the low-quality prior (prep_prior.py) plus clean line art.

Why the clean share: the VQGAN trained on the prior alone reconstructed unseen *clean* line art at
k = 1 with shifted colours and thinned outlines (31.9 dB RGB on held-out frames; issue 11 asks for
>= 35 dB). The app feeds it Down(Noise(Blur(y))) of whatever the user brings, which is often clean,
so its codebook has to hold clean content too; the prior share keeps the degradations that the
k-th-nearest codes (k > 1) are there to produce.

Clean frames come from make_user_clips.py shards (HR 256 px, openclipart SVG/PNG, procedural
scenes with soft light, captions): one frame per clip, downscaled to the pack's frame size with a
random kernel. ``heldout_*.npz`` shards (art sources never trained on) give the held-out clean group;
the prior packs keep their own held-out flags (held-out sources and seeds).

  python3 training/make_vqgan_mix.py --prior .devdata/prior_a.npz .devdata/prior_b.npz \
      --clean .devdata/user_clips --clean-clips 640 --out .devdata/vqgan_pack.npz

Pack: frames uint8 (N, S, S, 3), heldout bool (N,), group (N,) str ('prior' | 'clean'),
chain (N,) str (how the frame was made, for the model card), seed (N,).
"""
from __future__ import annotations

import argparse
import glob
import os
import random
import sys

import numpy as np
from PIL import Image

KERNELS = [Image.BICUBIC, Image.BILINEAR, Image.LANCZOS, Image.BOX]
KERNEL_NAMES = {Image.BICUBIC: 'bicubic', Image.BILINEAR: 'bilinear', Image.LANCZOS: 'lanczos', Image.BOX: 'area'}


def clean_frames(paths: list, n_max: int, size: int, rng: random.Random) -> tuple[list, list, list]:
    """One random frame per clip, HR -> size x size with a random kernel, until n_max frames."""
    frames, chains, seeds = [], [], []
    for path in paths:
        d = np.load(path)
        hr, kind, seed = d['hr'], d['kind'], d['seed']
        for c in range(hr.shape[0]):
            if len(frames) >= n_max:
                return frames, chains, seeds
            t = rng.randrange(hr.shape[1])
            k = rng.choice(KERNELS)
            img = Image.fromarray(hr[c, t]).resize((size, size), k)
            frames.append(np.asarray(img))
            chains.append(f'clean {kind[c]} {hr.shape[2]}px -> {size}px {KERNEL_NAMES[k]}')
            seeds.append(int(seed[c]))
    return frames, chains, seeds


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument('--prior', nargs='+', required=True, help='prep_prior.py packs')
    ap.add_argument('--clean', required=True, help='make_user_clips.py shard folder')
    ap.add_argument('--clean-clips', type=int, default=640, help='clean training frames (one per clip)')
    ap.add_argument('--clean-heldout', type=int, default=48, help='clean held-out frames')
    ap.add_argument('--seed', type=int, default=7)
    ap.add_argument('--out', required=True)
    args = ap.parse_args()
    rng = random.Random(args.seed)

    frames, held, group, chains, seeds = [], [], [], [], []
    size = None
    for p in args.prior:
        d = np.load(p)
        size = size or d['frames'].shape[1]
        if d['frames'].shape[1] != size:
            sys.exit(f'{p}: frame size {d["frames"].shape[1]} differs from {size}')
        frames += list(d['frames'])
        held += list(d['heldout'].astype(bool))
        group += ['prior'] * len(d['frames'])
        chains += [str(c) for c in d['chain']]
        seeds += [int(s) for s in d['seed']]
    n_prior = len(frames)

    train_paths = sorted(glob.glob(os.path.join(args.clean, 'shard_*.npz')))
    held_paths = sorted(glob.glob(os.path.join(args.clean, 'heldout_*.npz')))
    if not train_paths or not held_paths:
        sys.exit(f'{args.clean}: needs shard_*.npz and heldout_*.npz (make_user_clips.py)')
    for paths, n, is_held in ((train_paths, args.clean_clips, False), (held_paths, args.clean_heldout, True)):
        f, c, s = clean_frames(paths, n, size, rng)
        frames += f
        held += [is_held] * len(f)
        group += ['clean'] * len(f)
        chains += c
        seeds += s

    held_a = np.array(held)
    group_a = np.array(group)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    np.savez_compressed(args.out, frames=np.stack(frames), heldout=held_a, group=group_a,
                        chain=np.array(chains), seed=np.array(seeds))
    for g in ('prior', 'clean'):
        m = group_a == g
        print(f'{g}: {int((m & ~held_a).sum())} train, {int((m & held_a).sum())} held-out')
    print(f'wrote {args.out}: {len(frames)} frames of {size} px ({n_prior} prior), '
          f'{os.path.getsize(args.out) / 2**20:.1f} MiB')


if __name__ == '__main__':
    main()
