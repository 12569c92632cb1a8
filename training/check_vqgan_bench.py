"""The quality bench's VQGAN number (k = 1 RGB PSNR, issue 11) for training checkpoints, in torch, in
~40 s at 1 thread instead of the bench's ~8 min: a mid-run check and a way to choose which of several
checkpoints to export and bench. It reproduces `npm run bench quality`'s VQGAN part (bench/quality/vqgan.ts):
each held-out clip's clean LR frames (.cache/quality-set/*/clean, made by the bench), 8 px replicate padding
(the pipeline's VQD_FRAME_MARGIN) plus padding to a multiple of 8, encoder -> nearest code per branch ->
decoder, output rounded to 8 bits, PSNR per frame over R, G, B, mean over frames, then clips. On the
shipped mixlr it gives 35.131 dB against the bench's 35.1306, every clip within 0.01 dB. The bench
still decides what ships (it runs the exported ONNX the app runs).

With ANCHOR=σ (the pipeline's default is 3) it scores the VQD stage as the app runs it: the VQGAN's output
with the colour anchor after it (src/pipeline/vqd/anchor-cpu.ts: out = clamp(v + G_σ * (x - v)), a separable
normalised Gaussian of radius ceil(3σ), borders mirrored without repeating the edge), the bench's
"+ anchor σ 3" row (on tint2: 35.771 dB against the bench's 35.7705).

usage: python3 training/check_vqgan_bench.py CKPT [CKPT ...]   (THREADS=n for torch threads, default 1; ANCHOR=σ)
"""
from __future__ import annotations

import glob
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train_vqgan as T  # noqa: E402
from common import psnr, separable_blur  # noqa: E402
from vqdsr_models import MultiScaleVQGAN, VQGANConfig  # noqa: E402

MARGIN = 8   # src/pipeline/vqd: VQD_FRAME_MARGIN


def anchor(v: torch.Tensor, x: torch.Tensor, sigma: float) -> torch.Tensor:
    """anchor-cpu.ts in torch: v (the VQGAN's output) keeps its high band and takes x's low band, in [0, 1]."""
    r = math.ceil(3 * sigma)
    w = torch.tensor([math.exp(-((i - r) ** 2) / (2 * sigma * sigma)) for i in range(2 * r + 1)], dtype=torch.float64)
    w = (w / w.sum()).float()
    return (v + separable_blur(x - v, w)).clamp(0, 1)


def load(ckpt: str) -> MultiScaleVQGAN:
    state = torch.load(ckpt, map_location='cpu')
    m = MultiScaleVQGAN(VQGANConfig(**state['config'])).eval()   # train_vqgan.py's checkpoints carry it
    keeper = T.CodebookKeeper(m.cfg.n_codes, torch.device('cpu'))
    T.load_trained_state(state, m, keeper, T.EmaCodebook(m.codebook, 0.99), torch.device('cpu'))
    return m


@torch.no_grad()
def clip_scores(m: MultiScaleVQGAN, clip_dir: str, anchor_sigma: float = 0.0) -> tuple[float, np.ndarray]:
    """Mean PSNR (RGB, 8-bit) over the clip's frames and the mean colour shift per channel in levels."""
    psnrs, shifts = [], []
    for f in sorted(glob.glob(os.path.join(clip_dir, '*.png'))):
        a = torch.from_numpy(np.array(Image.open(f).convert('RGB'))).permute(2, 0, 1)[None].float()
        h, w = a.shape[-2:]
        ph, pw = (-(h + 2 * MARGIN)) % 8, (-(w + 2 * MARGIN)) % 8
        y = T.reconstruct(m, F.pad(a / 127.5 - 1, (MARGIN, MARGIN + pw, MARGIN, MARGIN + ph), mode='replicate'))
        v = (y[:, :, MARGIN:MARGIN + h, MARGIN:MARGIN + w] + 1) / 2
        if anchor_sigma > 0:
            v = anchor(v, a / 255, anchor_sigma)
        o = (v * 255).round().clamp(0, 255)
        psnrs.append(float(psnr(o / 255, a / 255, y_only=False)[0]))
        shifts.append((o - a).mean(dim=(0, 2, 3)).numpy())
    return float(np.mean(psnrs)), np.mean(shifts, 0)


def main():
    torch.set_num_threads(int(os.environ.get('THREADS', '1')))
    clips = sorted(glob.glob(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                          '.cache', 'quality-set', '*', 'clean')))
    if not clips:
        sys.exit('no .cache/quality-set/*/clean: run `npm run bench quality` once (it makes the set)')
    sigma = float(os.environ.get('ANCHOR', '0'))
    what = f'k = 1 + anchor σ {sigma:g} RGB' if sigma > 0 else 'k = 1 RGB'
    for ckpt in sys.argv[1:]:
        m = load(ckpt)
        per = {os.path.basename(os.path.dirname(c)): clip_scores(m, c, sigma) for c in clips}
        mean = np.mean([p for p, _ in per.values()])
        shift, worst = max((float(abs(s).max()), name) for name, (_, s) in per.items())
        print(f'{ckpt}: {what} {mean:.3f} dB; max |shift| {shift:.2f} ({worst}); '
              + ' '.join(f'{name[:6]} {p:.2f}' for name, (p, _) in per.items()), flush=True)


if __name__ == '__main__':
    main()
