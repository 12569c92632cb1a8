"""Export the EMA weights of a train_vsr.py --shards checkpoint (last.pt) without training further:
held-out evaluation, weight parts with their summary, and the step ONNX — what the trainer does at
the end of its budget, for a run that was stopped early (e.g. to leave a session time to benchmark).

  /usr/bin/python3 training/export_checkpoint.py training/runs/vsr_general/last.pt OUT_DIR [--shards DIR]
"""
from __future__ import annotations

import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import setup  # noqa: E402
from train_vsr import evaluate_user, export_general, general_summary  # noqa: E402
from user_data import load_heldout  # noqa: E402
from vqdsr_models import VSR_CONFIGS, RecurrentVSR  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('checkpoint')
    ap.add_argument('out_dir')
    ap.add_argument('--clips', type=int, default=None, help='training clips the run had seen (its log\'s last "data:" line)')
    ap.add_argument('--shards', default=None, help='shard folder for the held-out check (default: the run\'s own)')
    args = ap.parse_args()
    device = setup('cpu')
    ck = torch.load(args.checkpoint, map_location='cpu')
    run = ck.get('args', {})
    shards = args.shards or run.get('shards')
    held = load_heldout(shards) if shards else None
    names = ck['configs']
    models = {}
    for n in names:
        m = RecurrentVSR(VSR_CONFIGS[n])
        m.load_state_dict(ck['emas'][n])
        models[n] = m.eval()
    ev = evaluate_user(models, held, device) if held is not None else None
    summary = general_summary(ck['step'], ck['elapsed'], device, run, ev,
                              {'clips': args.clips, 'shards_dir': os.path.basename(shards or '')},
                              stopped_early=f'at {ck["elapsed"]:.0f} of {run.get("seconds")} s (exported by export_checkpoint.py)')
    export_general(models, summary, args.out_dir)
    if ev:
        for c in ('clean', 'web'):
            print(c, {k: v['psnr_y'] for k, v in ev[c].items()}, 'worst', {n: ev[c][n]['worst_gain_db'] for n in names})


if __name__ == '__main__':
    main()
