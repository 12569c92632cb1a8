"""Checkpoint files: {'kind', 'config', 'model' (state_dict, fp32), optional 'opt', 'ema', 'step', 'summary'}.

A model checkpoint may be split into several files ("parts") so each stays under the 16 MiB a GPU
run can send back; load_model() merges the state_dict parts again.
"""
from __future__ import annotations

import json
import os

import torch

from vqdsr_models import VSR_CONFIGS, MultiScaleVQGAN, RecurrentVSR, VQGANConfig, VSRConfig


def build(kind: str, config: dict):
    if kind == 'vqgan':
        return MultiScaleVQGAN(VQGANConfig(**config))
    if kind == 'vsr':
        cfg = dict(config)
        cfg['blocks'] = tuple(cfg['blocks'])
        return RecurrentVSR(VSRConfig(**cfg))
    raise ValueError(kind)


def save_weights_split(model, kind: str, out_prefix: str, summary: dict, max_bytes: int = 15 * 2**20) -> list:
    """Save fp32 weights as out_prefix.partN.pt files of at most ~max_bytes each (EMA weights if given)."""
    sd = {k: v.detach().float().cpu() for k, v in model.state_dict().items()}
    parts, cur, size = [], {}, 0
    for k, v in sd.items():
        nbytes = v.numel() * 4
        if cur and size + nbytes > max_bytes:
            parts.append(cur)
            cur, size = {}, 0
        cur[k] = v
        size += nbytes
    if cur:
        parts.append(cur)
    paths = []
    for i, p in enumerate(parts):
        path = f'{out_prefix}.part{i}.pt'
        torch.save({'kind': kind, 'config': model.cfg.to_dict(), 'model': p, 'part': i, 'parts': len(parts),
                    'summary': summary}, path)
        paths.append(path)
    return paths


def load_model(paths: list):
    """Build the model from one full checkpoint or from all its parts (order does not matter)."""
    sd, kind, config, summary = {}, None, None, {}
    for p in paths:
        ck = torch.load(p, map_location='cpu')
        kind, config = ck['kind'], ck['config']
        src = ck.get('ema') or ck['model']
        sd.update(src)
        summary = ck.get('summary', summary) or summary
    model = build(kind, config)
    model.load_state_dict(sd, strict=True)
    return model.eval(), kind, summary


def write_summary(path: str, summary: dict) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(summary, f, indent=2, sort_keys=True)
        f.write('\n')


def load_vsr_ema(path: str, config: str) -> RecurrentVSR:
    """The VSR net of `config` from a train_vsr.py checkpoint (last.pt, a snapshot or a compact copy), in eval
    mode: its EMA weights, what the trainer scores and exports (the raw weights where a file has no EMA)."""
    ck = torch.load(path, map_location='cpu', weights_only=False)
    net = RecurrentVSR(VSR_CONFIGS[config])
    net.load_state_dict({k: v.float() for k, v in (ck['emas'] if 'emas' in ck else ck['models'])[config].items()})
    return net.eval()


def compact_resume(src: str, dst: str) -> dict:
    """A small copy of a trainer's last.pt to commit between sessions: fp16 weights, no optimizer.

    Adam's moments are twice the weights and re-learn within a few hundred steps; fp16 weights
    round at ~1e-3 relative, well under one step's update. Buffers that steer training (EMA codebook
    statistics, usage counters, step / stage / elapsed time) stay fp32. Single-model checkpoints
    ('model', 'opt': train_vqgan.py) and the VSR trainer's ('models', 'opts', 'emas' per config name:
    train_vsr.py); both trainers' --resume restart Adam when the optimizer state is absent.
    """
    ck = torch.load(src, map_location='cpu', weights_only=False)
    half = lambda sd: {k: (v.half() if v.is_floating_point() else v) for k, v in sd.items()}  # noqa: E731
    per_config = 'models' in ck          # train_vsr.py: one state dict per config name
    weights = ('models', 'emas') if per_config else ('model',)
    out = {k: v for k, v in ck.items() if k not in ('opt', 'opts', *weights)}
    for k in weights:
        out[k] = {n: half(sd) for n, sd in ck[k].items()} if per_config else half(ck[k])
    out['compact'] = 'fp16 weights, optimizer state dropped (training/checkpoints.py compact_resume)'
    torch.save(out, dst)
    return {'src_bytes': os.path.getsize(src), 'dst_bytes': os.path.getsize(dst)}
