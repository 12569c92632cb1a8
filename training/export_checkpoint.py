"""Export the EMA weights of a train_vsr.py checkpoint without training further.

Three kinds of checkpoint come here:
* a ``--shards`` run's last.pt (the general model): held-out evaluation on its shard folder, weight
  parts with their summary and the step ONNX, what the trainer does at the end of its budget, for a
  run that was stopped early (e.g. to leave a session time to benchmark);
* a ``--pack`` run's last.pt (the restore model) and
* an EMA-only file (``snap_<step>.pt`` from ``--snapshot-every``, a probe's seed: ``{'emas', 'step',
  'configs'}``): the step ONNX of each net, named as a general export names them
  (``train_vsr.general_file_base``: the first ``vsr.step.onnx``), ready for ``QUALITY_CANDIDATES`` of
  the quality bench. Their held-out
  scores are the trainer's (its log, the campaign log); the quality bench is what decides shipping.

  /usr/bin/python3 training/export_checkpoint.py training/runs/vsr_general/last.pt OUT_DIR [--shards DIR]
  /usr/bin/python3 training/export_checkpoint.py training/runs/vsr_restore14/last.pt OUT_DIR
  /usr/bin/python3 training/export_checkpoint.py --onnx-only CKPT OUT_DIR      # any kind: ONNX only
"""
from __future__ import annotations

import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import add_threads_arg, setup  # noqa: E402
from train_vsr import general_file_base  # noqa: E402
from vqdsr_models import VSR_CONFIGS, RecurrentVSR  # noqa: E402


def ema_models(ck: dict) -> dict:
    """The checkpoint's EMA nets by config name, in its order, in eval mode on the CPU."""
    if 'emas' not in ck or 'configs' not in ck:
        sys.exit('not a train_vsr.py checkpoint: it has no EMA weights ("emas") or no "configs"')
    models = {}
    for n in ck['configs']:
        if n not in VSR_CONFIGS:
            sys.exit(f'checkpoint net "{n}" is not in VSR_CONFIGS (vqdsr_models.py)')
        m = RecurrentVSR(VSR_CONFIGS[n])
        m.load_state_dict(ck['emas'][n])
        models[n] = m.eval()
    return models


def export_onnx_only(models: dict, out_dir: str) -> list:
    """Step ONNX per net, named as export_general names them; returns the paths."""
    from export_onnx import export_vsr
    os.makedirs(out_dir, exist_ok=True)
    return [export_vsr(m, os.path.join(out_dir, f'{general_file_base(i, n)}.step.onnx'))
            for i, (n, m) in enumerate(models.items())]


def export_general_run(ck: dict, models: dict, out_dir: str, shards: str | None, clips: int | None, device) -> None:
    from train_vsr import evaluate_user, export_general, general_summary
    from user_data import load_heldout
    run = ck.get('args', {})
    held = load_heldout(shards) if shards else None
    ev = evaluate_user(models, held, device) if held is not None else None
    summary = general_summary(ck['step'], ck['elapsed'], device, run, ev,
                              {'clips': clips, 'shards_dir': os.path.basename(shards or '')},
                              stopped_early=f'at {ck["elapsed"]:.0f} of {run.get("seconds")} s (exported by export_checkpoint.py)')
    export_general(models, summary, out_dir)
    if ev:
        for c in ('clean', 'web'):
            print(c, {k: v['psnr_y'] for k, v in ev[c].items()}, 'worst', {n: ev[c][n]['worst_gain_db'] for n in models})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('checkpoint')
    ap.add_argument('out_dir')
    ap.add_argument('--clips', type=int, default=None, help='training clips the run had seen (its log\'s last "data:" line)')
    ap.add_argument('--shards', default=None, help='shard folder for the held-out check (default: the run\'s own)')
    ap.add_argument('--onnx-only', action='store_true', help='only the step ONNX of each net (any kind of checkpoint)')
    add_threads_arg(ap)
    args = ap.parse_args()
    device = setup('cpu', threads=args.threads)
    # our own files (they hold the run's argparse dict): torch >= 2.6 would refuse them by default
    ck = torch.load(args.checkpoint, map_location='cpu', weights_only=False)
    models = ema_models(ck)
    shards = args.shards or ck.get('args', {}).get('shards')
    if args.onnx_only or not shards:
        for p in export_onnx_only(models, args.out_dir):
            print('exported', p, os.path.getsize(p), 'bytes', f'(step {ck.get("step")})')
        return
    export_general_run(ck, models, args.out_dir, shards, args.clips, device)


if __name__ == '__main__':
    main()
