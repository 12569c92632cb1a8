"""Where Python onnxruntime exists (the GPU machine), check exported ONNX against the torch weights.

  python3 training/check_onnx_ort.py DIR [ONNX_DIR]
DIR holds the checkpoint parts (vqgan.part*.pt, vsr*.part*.pt); ONNX_DIR (default DIR) the exported
vqgan.*.onnx / vqgan.codebook.bin / vsr*.step.onnx.

Prints max |torch - ORT| per graph on a random probe (CPU EP, fp32); exits non-zero above 1e-4.
Skips quietly when onnxruntime is not importable (this machine checks with onnxruntime-node instead).
"""
from __future__ import annotations

import glob
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checkpoints import load_model  # noqa: E402

TOL = 1e-4


def main(d: str, od: str | None = None) -> int:
    od = od or d
    try:
        import onnxruntime as ort
    except ImportError:
        print('onnxruntime not installed: skipping the Python ORT check')
        return 0
    worst = 0.0
    rng = np.random.default_rng(0)
    parts = sorted(glob.glob(os.path.join(d, 'vqgan.part*.pt')))
    if parts and os.path.exists(os.path.join(od, 'vqgan.encoder.onnx')):
        m, _, _ = load_model(parts)
        x = rng.uniform(-1, 1, (1, 3, 48, 64)).astype(np.float32)
        with torch.no_grad():
            zs = [z.numpy() for z in m.encode(torch.from_numpy(x))]
            ref = m.decode(*[torch.from_numpy(z) for z in zs]).clamp(-1, 1).numpy()
        enc = ort.InferenceSession(os.path.join(od, 'vqgan.encoder.onnx'), providers=['CPUExecutionProvider'])
        got = enc.run(None, {'image': x})
        e1 = max(float(np.abs(a - b).max()) for a, b in zip(got, zs))
        dec = ort.InferenceSession(os.path.join(od, 'vqgan.decoder.onnx'), providers=['CPUExecutionProvider'])
        out = dec.run(None, {'zq_top': zs[0], 'zq_mid': zs[1], 'zq_bot': zs[2]})[0]
        e2 = float(np.abs(out - ref).max())
        cb = np.fromfile(os.path.join(od, 'vqgan.codebook.bin'), dtype='<f4').reshape(m.cfg.n_codes, m.cfg.n_z)
        e3 = float(np.abs(cb - m.codebook.weight.detach().numpy()).max())
        print(f'vqgan: encoder max|d| {e1:.2e}, decoder max|d| {e2:.2e}, codebook max|d| {e3:.2e}')
        worst = max(worst, e1, e2, e3)
    for name in ('vsr', 'vsr64'):
        parts = sorted(glob.glob(os.path.join(d, f'{name}.part*.pt')))
        onnx_path = os.path.join(od, f'{name}.step.onnx')
        if not parts or not os.path.exists(onnx_path):
            continue
        m, _, _ = load_model(parts)
        h, w = 20, 28
        fr = [rng.uniform(0, 1, (1, 3, h, w)).astype(np.float32) for _ in range(3)]
        st = rng.uniform(0, 0.5, (1, m.cfg.width, h, w)).astype(np.float32)
        with torch.no_grad():
            o, s = m.step(*[torch.from_numpy(a) for a in fr], torch.from_numpy(st))
        sess = ort.InferenceSession(onnx_path, providers=['CPUExecutionProvider'])
        go, gs = sess.run(None, {'prev': fr[0], 'cur': fr[1], 'next': fr[2], 'state': st})
        e = max(float(np.abs(go - o.clamp(0, 1).numpy()).max()), float(np.abs(gs - s.numpy()).max()))
        print(f'{name}: step max|d| {e:.2e}')
        worst = max(worst, e)
    print(f'ORT check: worst {worst:.2e} (tolerance {TOL:g})')
    return 0 if worst <= TOL else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None))
