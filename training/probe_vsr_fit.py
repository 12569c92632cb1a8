"""Does a VSR net underfit or overfit its pack? A diagnostic for choosing the next lever (issue 11).

    /usr/bin/python3 training/probe_vsr_fit.py CKPT CONFIG [--pack .devdata/pack_2048.npz] [--train-clips 96]

Scores the checkpoint's EMA (train_vsr.evaluate: PSNR-Y, 4 px border, against the trainer's bicubic) on the
pack's held-out clips and on a seeded random sample of its *training* clips, in every input condition of the
pack. A net that does much better on clips it was trained on than on held-out ones is overfitting (more or
more varied data is the lever); one that does no better there is underfitting (capacity and training compute
are the lever, or the degradation leaves nothing more to recover).

Measured 2026-12-06 on the shipped vsr-restore (restore18, pack_2048, 96 training clips, 1 thread):
gain over bicubic on training / held-out clips, degraded +1.03 / +1.15, clean +3.01 / +3.79, web +1.80 /
+2.37 dB. No better on its own training clips (the training sample is harder content, not better fitted),
so the plateau that twice the data did not move is not a data shortage.
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train_vsr  # noqa: E402
from checkpoints import load_vsr_ema  # noqa: E402
from vqdsr_models import VSR_CONFIGS  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('ckpt')
    ap.add_argument('config', choices=sorted(VSR_CONFIGS))
    ap.add_argument('--pack', default=os.path.join(ROOT, '.devdata', 'pack_2048.npz'))
    ap.add_argument('--train-clips', type=int, default=96)
    ap.add_argument('--threads', type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    net = load_vsr_ema(args.ckpt, args.config)
    data = train_vsr.load_pack(args.pack, threads=args.threads)
    held = data['heldout']
    train_idx = (~held).nonzero().flatten()
    pick = torch.randperm(train_idx.numel(), generator=torch.Generator().manual_seed(0))[:args.train_clips]
    conds = ('degraded', 'clean_bicubic_down') + (('web',) if 'lrw' in data else ())
    for name, idx in (('held-out', held.nonzero().flatten()), (f'training ({args.train_clips})', train_idx[pick])):
        r = train_vsr.evaluate({args.config: net}, data, idx, torch.device('cpu'))
        cells = ', '.join(f'{c} {r[c][args.config]["psnr_y"]:.2f} dB ({r[c][args.config]["gain_db_over_bicubic"]:+.2f})'
                          for c in conds)
        print(f'{name}: {cells}', flush=True)


if __name__ == '__main__':
    main()
