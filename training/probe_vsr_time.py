"""Where does a recurrent VSR net's gain come from in time? A diagnostic for choosing the next lever (issue 11).

    /usr/bin/python3 training/probe_vsr_time.py CKPT CONFIG [--cond paper] [--threads 1]

Runs the net over the quality benchmark's LR clips of one condition (`npm run bench quality` leaves them in
.cache/quality-run/lr/<cond>/, the HR in .cache/quality-set/<clip>/hr/) and prints, per clip and on average,
the PSNR-Y gain (4 px border, 8-bit, as the bench scores) over the trainer's bicubic baseline
(train_vsr.bicubic_up: torch's, a = -0.75, so a few hundredths off the bench's MATLAB bicubic; the modes are
compared with each other) of five ways to run it:

  recurrent      as the app runs it: primed (frame 0 stepped twice, the first pass only fills the state),
                 then one step per frame, the state carried
  passes x2, x3  the same with every frame stepped 2 or 3 times, the state from the same frame's last pass
                 (does more computation per frame help a net trained with one step per frame?)
  warm start only  every frame primed on itself from a zero state, then stepped: a state like the recurrent
                 one's but made from this frame alone (is the carried state a warm start, or information
                 gathered over frames?)
  no memory      the state reset to zeros before every frame, real neighbours (what the state is worth)
  single frame   the state reset and prev = next = cur (what the neighbouring frames are worth)

Measured 2026-12-06 on the shipped vsr-restore (restore18, paper condition, 12 clips): recurrent +1.254, x2 +1.237,
x3 +1.238, warm start only +1.175, no memory +0.922, single frame +0.953 dB. The state is worth ~0.33 dB, ~0.25 of
it as a warm start and ~0.08 as information carried across frames; the neighbours and more passes add nothing. So
motion alignment or longer training clips are not where the next dB is on this content. (Per-frame depth, tried
next as restore28deep12 with blocks 12/12/12, did not move the plateau either: summaries/vsr_restore28deep12_train_log.txt.)
The bench's clips are the selection set: this reads them, it never trains on them.
"""
import argparse
import glob
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import psnr  # noqa: E402
from train_vsr import bicubic_up  # noqa: E402
from checkpoints import load_vsr_ema  # noqa: E402
from vqdsr_models import VSR_CONFIGS, RecurrentVSR  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODES = ('recurrent', 'passes x2', 'passes x3', 'warm start only', 'no memory', 'single frame')


def load_frames(folder: str) -> torch.Tensor:
    files = sorted(glob.glob(os.path.join(folder, '*.png')))
    if not files:
        sys.exit(f'{folder}: no PNG frames (run `npm run bench quality` first)')
    return torch.stack([torch.from_numpy(np.array(Image.open(f).convert('RGB'))).permute(2, 0, 1).float() / 255
                        for f in files])


def run_modes(m: RecurrentVSR, lr: torch.Tensor) -> dict:
    """Each mode's output (T,3,4H,4W) for one clip lr (T,3,H,W)."""
    T, _, H, W = lr.shape
    x = F.pad(lr, (0, (-W) % 4, 0, (-H) % 4), mode='replicate')[:, None]   # (T,1,3,h,w): multiples of 4
    crop = lambda img: img[0][..., :4 * H, :4 * W].clamp(0, 1)
    nb = lambda t: (x[max(t - 1, 0)], x[t], x[min(t + 1, T - 1)])

    def carried(passes: int) -> torch.Tensor:
        _, s = m.step(*nb(0), m.init_state(x[0]))                           # priming, as the app does
        outs = []
        for t in range(T):
            for _ in range(passes):
                img, s = m.step(*nb(t), s)
            outs.append(crop(img))
        return torch.stack(outs)

    def fresh(single: bool, warm: bool = False) -> torch.Tensor:
        outs = []
        for t in range(T):
            p, c, n = (x[t], x[t], x[t]) if single else nb(t)
            s = m.init_state(c)
            if warm:
                _, s = m.step(p, c, n, s)
            outs.append(crop(m.step(p, c, n, s)[0]))
        return torch.stack(outs)

    return {'recurrent': carried(1), 'passes x2': carried(2), 'passes x3': carried(3),
            'warm start only': fresh(False, warm=True), 'no memory': fresh(False), 'single frame': fresh(True)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('ckpt')
    ap.add_argument('config', choices=sorted(VSR_CONFIGS))
    ap.add_argument('--cond', default='paper', choices=('paper', 'web', 'clean'))
    ap.add_argument('--threads', type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    m = load_vsr_ema(args.ckpt, args.config)
    lr_root = os.path.join(ROOT, '.cache/quality-run/lr', args.cond) if args.cond != 'clean' else None
    clips = sorted(os.listdir(os.path.join(ROOT, '.cache/quality-set')))
    clips = [c for c in clips if os.path.isdir(os.path.join(ROOT, '.cache/quality-set', c))]
    gains = []
    with torch.no_grad():
        for c in clips:
            hr = load_frames(os.path.join(ROOT, '.cache/quality-set', c, 'hr'))
            lr = load_frames(os.path.join(lr_root, c) if lr_root else os.path.join(ROOT, '.cache/quality-set', c, 'clean'))
            base = float(psnr(bicubic_up(lr), hr, border=4).mean())
            outs = run_modes(m, lr)
            g = [float(psnr(outs[k], hr, border=4).mean()) - base for k in MODES]
            gains.append(g)
            print(f'{c:22s} ' + '  '.join(f'{k} {v:+.2f}' for k, v in zip(MODES, g)), flush=True)
    mean = np.array(gains).mean(0)
    print(f'mean ({len(gains)} clips, {args.cond}): ' + '  '.join(f'{k} {v:+.3f}' for k, v in zip(MODES, mean)))


if __name__ == '__main__':
    main()
