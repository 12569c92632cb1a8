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

--lr-mosaics n adds n frames at the scale where the pipeline applies the VQGAN (after Down), group
'clean_lr' (see lr_mosaics()); the held-out ones come from the heldout_*.npz art.

Pack: frames uint8 (N, S, S, 3), heldout bool (N,), group (N,) str ('prior' | 'clean' | 'clean_lr'),
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


def lr_tiles(paths: list, per_clip: int, scale: int, rng: random.Random) -> list:
    """LR-scale tiles: random frames of every clip, HR -> HR/scale with a random kernel."""
    tiles = []
    for path in paths:
        hr = np.load(path)['hr']
        h, w = hr.shape[2] // scale, hr.shape[3] // scale
        for c in range(hr.shape[0]):
            for _ in range(per_clip):
                t = rng.randrange(hr.shape[1])
                tiles.append(np.asarray(Image.fromarray(hr[c, t]).resize((w, h), rng.choice(KERNELS))))
    return tiles


def lr_mosaics(paths: list, n: int, size: int, scale: int, rng: random.Random) -> tuple[list, list, list]:
    """Frames at the scale where the pipeline meets the VQGAN: Down(...) of the user's HR clip.

    The pipeline runs the VQGAN on LR frames (x = FFmpeg(VQD(Down(...)))), whose detail per pixel is
    scale x denser than the HR-ish frames of clean_frames(). A frame here is a grid of LR tiles of
    different clips (random order, flips, transposes), cropped to size x size; the seams are hard
    edges, which line art has anyway.
    """
    if n <= 0:
        return [], [], []
    tiles = lr_tiles(paths, 2, scale, rng)
    th, tw = tiles[0].shape[:2]
    gh, gw = -(-size // th) + 1, -(-size // tw) + 1
    frames, chains, seeds = [], [], []
    for i in range(n):
        rows = []
        for _ in range(gh):
            row = []
            for _ in range(gw):
                t = tiles[rng.randrange(len(tiles))]
                if rng.random() < 0.5:
                    t = t[:, ::-1]
                if rng.random() < 0.5:
                    t = t.transpose(1, 0, 2)
                row.append(t)
            rows.append(np.concatenate(row, axis=1))
        grid = np.concatenate(rows, axis=0)
        y, x = rng.randrange(grid.shape[0] - size + 1), rng.randrange(grid.shape[1] - size + 1)
        frames.append(np.ascontiguousarray(grid[y:y + size, x:x + size]))
        chains.append(f'lr mosaic x1/{scale} of {gh}x{gw} tiles')
        seeds.append(i)
    return frames, chains, seeds


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument('--prior', nargs='+', required=True, help='prep_prior.py packs')
    ap.add_argument('--clean', required=True, help='make_user_clips.py shard folder')
    ap.add_argument('--clean-clips', type=int, default=640, help='clean training frames (one per clip)')
    ap.add_argument('--clean-heldout', type=int, default=48, help='clean held-out frames')
    ap.add_argument('--lr-mosaics', type=int, default=0,
                    help='training frames made of LR-scale tiles (lr_mosaics), group clean_lr')
    ap.add_argument('--lr-mosaics-heldout', type=int, default=48, help='held-out clean_lr frames')
    ap.add_argument('--lr-scale', type=int, default=4, help='HR -> LR factor of the mosaic tiles')
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
    def add(made: tuple, is_held: bool, name: str) -> None:
        f, c, s = made
        frames.extend(f)
        held.extend([is_held] * len(f))
        group.extend([name] * len(f))
        chains.extend(c)
        seeds.extend(s)

    for paths, n, is_held in ((train_paths, args.clean_clips, False), (held_paths, args.clean_heldout, True)):
        add(clean_frames(paths, n, size, rng), is_held, 'clean')
    if args.lr_mosaics > 0:
        for paths, n, is_held in ((train_paths, args.lr_mosaics, False), (held_paths, args.lr_mosaics_heldout, True)):
            add(lr_mosaics(paths, n, size, args.lr_scale, rng), is_held, 'clean_lr')

    held_a = np.array(held)
    group_a = np.array(group)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    np.savez_compressed(args.out, frames=np.stack(frames), heldout=held_a, group=group_a,
                        chain=np.array(chains), seed=np.array(seeds))
    for g in ('prior', 'clean', 'clean_lr'):
        m = group_a == g
        print(f'{g}: {int((m & ~held_a).sum())} train, {int((m & held_a).sum())} held-out')
    print(f'wrote {args.out}: {len(frames)} frames of {size} px ({n_prior} prior), '
          f'{os.path.getsize(args.out) / 2**20:.1f} MiB')


if __name__ == '__main__':
    main()
