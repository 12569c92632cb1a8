"""Export shipped models to public/models/ (ONNX + codebook) and rebuild manifest.json.

  # trained weights (checkpoint parts as written by train_vqgan.py / train_vsr.py)
  python3 training/export_models.py --vqgan runs/vqgan/vqgan.part*.pt --vsr runs/vsr/vsr.part*.pt
  # seeded random weights of the shipped topology (placeholders, manifest says trained: false)
  python3 training/export_models.py --random 1234
  # check that a config builds and exports (e.g. the paper widths) into a scratch folder
  python3 training/export_models.py --random 1 --vqgan-config paper --vsr-config paper --out /tmp/paper

Training summaries (what manifest.json and MODEL_CARD.md report) live in training/summaries/*.json.
"""
from __future__ import annotations

import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from checkpoints import load_model, write_summary  # noqa: E402
from export_onnx import export_vqgan, export_vsr  # noqa: E402
from vqdsr_models import (MultiScaleVQGAN, RecurrentVSR, VQGAN_CONFIGS, VSR_CONFIGS,  # noqa: E402
                          count_params)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def with_model(m, summary: dict) -> dict:
    out = dict(summary)
    out['config'] = m.cfg.to_dict()
    out['params'] = count_params(m)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', default=os.path.join(ROOT, 'public', 'models'))
    ap.add_argument('--vqgan', nargs='*', help='vqgan checkpoint (parts)')
    ap.add_argument('--vsr', nargs='*', help='vsr (shipped width) checkpoint (parts) -> vsr.step.onnx')
    ap.add_argument('--vsr64', nargs='*', help='paper-width vsr checkpoint (parts) -> vsr64.step.onnx')
    ap.add_argument('--random', type=int, default=None, help='seed: export random-init models')
    ap.add_argument('--vqgan-config', default='ship')
    ap.add_argument('--vsr-config', default='ship')
    ap.add_argument('--no-manifest', action='store_true')
    args = ap.parse_args()
    torch.set_num_threads(2)
    shipping = os.path.abspath(args.out) == os.path.abspath(os.path.join(ROOT, 'public', 'models'))
    summaries = os.path.join(HERE, 'summaries')

    if args.random is not None:
        torch.manual_seed(args.random)
        vq = MultiScaleVQGAN(VQGAN_CONFIGS[args.vqgan_config])
        torch.manual_seed(args.random + 1)
        vsr = RecurrentVSR(VSR_CONFIGS[args.vsr_config])
        export_vqgan(vq, args.out)
        export_vsr(vsr, os.path.join(args.out, 'vsr.step.onnx'))
        print(f'random vqgan {args.vqgan_config}: {count_params(vq)} params; '
              f'vsr {args.vsr_config}: {count_params(vsr)} params -> {args.out}')
        if shipping:
            note = f'randomly initialised placeholder (torch.manual_seed({args.random})), not trained'
            write_summary(os.path.join(summaries, 'vqgan.json'), with_model(vq, {'trained': False, 'note': note}))
            write_summary(os.path.join(summaries, 'vsr.json'), with_model(vsr, {'trained': False, 'note': note}))
            if os.path.exists(os.path.join(summaries, 'vsr64.json')):
                os.remove(os.path.join(summaries, 'vsr64.json'))
    if args.vqgan:
        vq, kind, summary = load_model(args.vqgan)
        assert kind == 'vqgan'
        export_vqgan(vq, args.out)
        print(f'vqgan width {vq.cfg.width}: {count_params(vq)} params -> {args.out}')
        if shipping:
            write_summary(os.path.join(summaries, 'vqgan.json'), with_model(vq, summary))
    for flag, fname, sname in (('vsr', 'vsr.step.onnx', 'vsr.json'), ('vsr64', 'vsr64.step.onnx', 'vsr64.json')):
        paths = getattr(args, flag)
        if not paths:
            continue
        m, kind, summary = load_model(paths)
        assert kind == 'vsr'
        export_vsr(m, os.path.join(args.out, fname))
        print(f'{fname}: width {m.cfg.width}, {count_params(m)} params')
        if shipping:
            write_summary(os.path.join(summaries, sname), with_model(m, summary))
    if shipping and not args.no_manifest:
        from build_manifest import build_manifest
        build_manifest(args.out, summaries)
        from write_model_card import write_model_card
        write_model_card(args.out, summaries)


if __name__ == '__main__':
    main()
