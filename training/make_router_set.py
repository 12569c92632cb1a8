"""The clips training/fit_router.ts fits the VSR model router on: the held-out clips of a pack
(make_vsr_pairs.py), in each of its input conditions, as PNG folders.

  /usr/bin/python3 training/make_router_set.py [--pack .devdata/pack_web_432.npz] [--out .devdata/router_set]

OUT/<condition>/<clip>/lr/NNNNN.png and OUT/<condition>/<clip>/hr/NNNNN.png, conditions:
  paper  the pack's degraded LR (bin/vqdsr.mjs degrade --random: blur, noise, x1/4, VQD, x264)
  clean  PIL bicubic x1/4 of HR (the quality bench's clean condition; train_vsr.clean_lr)
  web    the pack's web-quality LR (x264 crf 28, the bench's web condition)


More paper-chain draws of the same clips (other seeds) were tried as extra conditions
and did not improve the leave-one-out fit (fit_router.ts), so the option that made them is gone (history:
1ae3c21).

Only the pack's held-out clips: the nets were trained on the rest, so their outputs there would not
say which net is better on a clip neither has seen. The quality bench's clips (make_eval_set.py,
held-out art sources) stay out of the fit: they judge the router afterwards.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_vsr import load_pack  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--pack', default=os.path.join(ROOT, '.devdata', 'pack_web_432.npz'))
    ap.add_argument('--out', default=os.path.join(ROOT, '.devdata', 'router_set'))
    args = ap.parse_args()
    args.out = os.path.abspath(args.out)  # batch entries are read relative to the batch file's folder
    data = load_pack(args.pack, threads=2)
    if 'lrw' not in data:
        sys.exit(f'{args.pack} has no web-quality LR (make it with make_vsr_pairs.py --from-shards)')
    held = np.nonzero(data['heldout'].numpy())[0]
    shutil.rmtree(args.out, ignore_errors=True)
    for cond, key in (('paper', 'lr'), ('clean', 'lrc'), ('web', 'lrw')):
        for i in held:
            for part, frames in (('lr', data[key][i]), ('hr', data['hr'][i])):
                d = os.path.join(args.out, cond, f'{int(i):04d}', part)
                os.makedirs(d)
                for t, f in enumerate(frames):
                    Image.fromarray(f.permute(1, 2, 0).numpy()).save(os.path.join(d, f'{t:05d}.png'))
    with open(os.path.join(args.out, 'SOURCE.txt'), 'w') as f:
        f.write(f'{os.path.basename(args.pack)}: {len(held)} held-out clips x {data["hr"].shape[1]} frames, '
                f'conditions paper/clean/web (training/make_router_set.py)\n')
    print(f'{args.out}: {len(held)} clips x 3 conditions')


if __name__ == '__main__':
    main()
