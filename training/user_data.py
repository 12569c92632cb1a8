"""Training batches for the general ``vsr`` model from make_user_clips.py shards.

Each sample is one clip in one input condition:

* ``clean``: the HR clip downscaled x1/4 on the fly with a random kernel per clip (antialiased
  bicubic / bilinear as PIL does them, area, or point-sampled bicubic / bilinear without antialias);
* ``web``: the stored web-quality version (random kernel + a mild-to-moderate codec, see the maker).

Shards are re-scanned by ``refresh()`` so a background maker can keep adding data while training
runs. Held-out shards (``heldout_*.npz``) are never sampled for training.
"""
from __future__ import annotations

import glob
import json
import os
import random

import numpy as np
import torch
import torch.nn.functional as F

SCALE = 4


def _load_shard(path: str) -> dict:
    d = np.load(path)
    return {'hr': torch.from_numpy(d['hr']).permute(0, 1, 4, 2, 3).contiguous(),     # n,T,3,H,W uint8
            'web': torch.from_numpy(d['web']).permute(0, 1, 4, 2, 3).contiguous(),
            'kind': [str(k) for k in d['kind']], 'web_desc': [str(k) for k in d['web_desc']],
            'meta': json.loads(str(d['meta']))}


def random_clean_down(hr: torch.Tensor, rng: random.Random) -> torch.Tensor:
    """(T,3,H,W) float 0..1 -> x1/4 with a random kernel (float, quantised to uint8 levels)."""
    r = rng.random()
    if r < 0.45:
        lr = F.interpolate(hr, scale_factor=1 / SCALE, mode='bicubic', align_corners=False, antialias=True)
    elif r < 0.62:
        lr = F.interpolate(hr, scale_factor=1 / SCALE, mode='bilinear', align_corners=False, antialias=True)
    elif r < 0.84:
        lr = F.avg_pool2d(hr, SCALE)
    elif r < 0.94:
        lr = F.interpolate(hr, scale_factor=1 / SCALE, mode='bicubic', align_corners=False)
    else:
        lr = F.interpolate(hr, scale_factor=1 / SCALE, mode='bilinear', align_corners=False)
    return (lr.clamp(0, 1) * 255).round() / 255


class ShardData:
    def __init__(self, root: str, log=print):
        self.root = root
        self.log = log
        self.paths: list = []
        self.shards: list = []
        self.refresh()

    def refresh(self) -> int:
        """Load shards that appeared since the last call; returns how many clips are now available."""
        new = [p for p in sorted(glob.glob(os.path.join(self.root, 'shard_*.npz')))
               if p not in self.paths and '.tmp' not in os.path.basename(p)]   # the maker's half-written files
        for p in new:
            try:
                self.shards.append(_load_shard(p))
                self.paths.append(p)
            except Exception as e:   # a half-written file from another maker: next time
                self.log(f'shard {p} not readable yet ({e!r})')
        if new:
            self.log(f'data: {len(self.paths)} shards, {self.clips} clips')
        return self.clips

    @property
    def clips(self) -> int:
        return sum(s['hr'].shape[0] for s in self.shards)

    def sample(self, batch: int, lr_crop: int, p_web: float, rng: random.Random, device) -> tuple:
        """(lr (B,T,3,c,c), hr (B,T,3,4c,4c)) floats in 0..1."""
        lrs, hrs = [], []
        for _ in range(batch):
            s = self.shards[rng.randrange(len(self.shards))]
            i = rng.randrange(s['hr'].shape[0])
            hr_u8 = s['hr'][i]
            T, _, H, W = hr_u8.shape
            h, w = H // SCALE, W // SCALE
            y, x = rng.randrange(h - lr_crop + 1), rng.randrange(w - lr_crop + 1)
            hr = hr_u8[:, :, y * SCALE:(y + lr_crop) * SCALE, x * SCALE:(x + lr_crop) * SCALE].float() / 255
            if rng.random() < p_web:
                lr = s['web'][i][:, :, y:y + lr_crop, x:x + lr_crop].float() / 255
            else:
                # downscale a window with a margin so the kernel sees real neighbours, then crop
                m = 2
                y0, x0 = max(0, y - m), max(0, x - m)
                y1, x1 = min(h, y + lr_crop + m), min(w, x + lr_crop + m)
                win = hr_u8[:, :, y0 * SCALE:y1 * SCALE, x0 * SCALE:x1 * SCALE].float() / 255
                lr = random_clean_down(win, rng)[:, :, y - y0:y - y0 + lr_crop, x - x0:x - x0 + lr_crop]
                if rng.random() < 0.5:           # hue does not matter to an upscaler: permute channels
                    perm = torch.randperm(3, generator=torch.Generator().manual_seed(rng.randrange(1 << 30)))
                    lr, hr = lr[:, perm], hr[:, perm]
            if rng.random() < 0.5:
                lr, hr = lr.flip(-1), hr.flip(-1)
            if rng.random() < 0.5:
                lr, hr = lr.flip(-2), hr.flip(-2)
            if rng.random() < 0.5:
                lr, hr = lr.transpose(-1, -2), hr.transpose(-1, -2)
            if rng.random() < 0.5:
                lr, hr = lr.flip(0), hr.flip(0)           # the clip backwards
            lrs.append(lr)
            hrs.append(hr)
        return torch.stack(lrs).to(device), torch.stack(hrs).to(device)


def load_heldout(root: str, max_clips: int = 0) -> dict | None:
    """Held-out clips with both evaluation inputs: 'clean' (PIL bicubic x1/4, the benchmark's clean
    condition) and 'web' (stored)."""
    paths = [p for p in sorted(glob.glob(os.path.join(root, 'heldout_*.npz'))) if '.tmp' not in os.path.basename(p)]
    if not paths:
        return None
    hr, web, kind = [], [], []
    for p in paths:
        s = _load_shard(p)
        hr.append(s['hr'])
        web.append(s['web'])
        kind += s['kind']
    hr, web = torch.cat(hr), torch.cat(web)
    if max_clips:
        hr, web, kind = hr[:max_clips], web[:max_clips], kind[:max_clips]
    from train_vsr import clean_lr   # PIL bicubic x1/4, as the pack mode's clean inputs
    clean = clean_lr(hr, SCALE, threads=2)
    return {'hr': hr, 'clean': clean, 'web': web, 'kind': kind}
