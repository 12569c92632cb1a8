"""CI smoke run: tiny VQGAN and VSR train a few steps, export to ONNX, and leave torch reference I/O.

  /usr/bin/python3 training/smoke.py --out DIR

Uses the same model code, losses and exporters as the real runs, on procedurally drawn frames
(clipgen.procedural_clip: no downloads). Writes into DIR:
  vqgan.encoder.onnx, vqgan.decoder.onnx, vqgan.codebook.bin, vsr.step.onnx
  <graph>.<tensor>.bin   raw float32 little-endian inputs and torch outputs
  smoke.json             per graph: onnx file, inputs/outputs {name: {file, shape}}; losses per step;
                         parameter counts (the paper-width VSR must have 1,467,728); a deepened
                         VSR's difference from the net it was grown from (must be 0)
smoke.test.ts runs the graphs in onnxruntime-node and compares with the torch outputs.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checkpoints import compact_resume  # noqa: E402
from clipgen import procedural_clip  # noqa: E402
from PIL import Image  # noqa: E402
from scenery import scenery_clip  # noqa: E402
from scenes import hatch_clip, rim_clip  # noqa: E402
from export_onnx import export_vqgan, export_vsr  # noqa: E402
from train_vqgan import quantise  # noqa: E402
from vqdsr_models import (VQGAN_CONFIGS, VSR_CONFIGS, MultiScaleVQGAN, RecurrentVSR, VQGANConfig,  # noqa: E402
                          VSRConfig, count_params, deepen_from, deepen_vqgan_from, widen_from)


def frames_tensor(seed: int, T: int, size: int) -> torch.Tensor:
    fr = procedural_clip(seed, T, size, ss=1)
    a = np.stack([np.asarray(f) for f in fr]).astype(np.float32) / 255
    return torch.from_numpy(a).permute(0, 3, 1, 2).contiguous()   # T,3,S,S in [0,1]


def save(out: str, graph: str, name: str, t: torch.Tensor) -> dict:
    fn = f'{graph}.{name}.bin'
    a = t.detach().float().cpu().contiguous().numpy().astype('<f4')
    a.tofile(os.path.join(out, fn))
    return {'file': fn, 'shape': list(a.shape)}


def vsr_graph(out_dir: str, m, onnx: str, key: str, prev, cur, nxt) -> dict:
    """Export a VSR step and save torch's I/O for it: a second step from a non-zero state (the first
    step's), so the state path is compared too."""
    export_vsr(m, os.path.join(out_dir, onnx), probe=8)
    with torch.no_grad():
        _, state = m.step(prev, prev, cur, m.init_state(prev))
        out, state_out = m.step(prev, cur, nxt, state)
        out = out.clamp(0, 1)
    return {'onnx': onnx,
            'inputs': {'prev': save(out_dir, key, 'prev', prev), 'cur': save(out_dir, key, 'cur', cur),
                       'next': save(out_dir, key, 'next', nxt), 'state': save(out_dir, key, 'state', state)},
            'outputs': {'out': save(out_dir, key, 'out', out), 'state_out': save(out_dir, key, 'state_out', state_out)}}


def generator_report(a: list, b: list) -> dict:
    """A generator's clip a (PIL frames, 128 px) and the same call again b: seeded, moving, detailed."""
    hr = np.stack([np.asarray(f, np.float32) for f in a])
    trip = np.stack([np.asarray(f.resize((32, 32), Image.BICUBIC).resize((128, 128), Image.BICUBIC), np.float32)
                     for f in a])
    return {'deterministic': all(np.array_equal(np.asarray(x), np.asarray(y)) for x, y in zip(a, b)),
            'moves': bool(np.abs(hr[0] - hr[-1]).max() > 0),
            'roundtrip_psnr': float(10 * np.log10(255 ** 2 / max(float(((hr - trip) ** 2).mean()), 1e-9)))}


def band_shift(a: np.ndarray, b: np.ndarray, max_shift: int = 16) -> int:
    """Horizontal shift (px) of a band of rows from a to b: the column profiles' best SSD match."""
    pa, pb = a.mean(axis=0), b.mean(axis=0)
    pa, pb = pa - pa.mean(), pb - pb.mean()
    core = slice(max_shift, len(pa) - max_shift)
    err = {s: float(((pa[core] - np.roll(pb, -s)[core]) ** 2).mean()) for s in range(-max_shift, max_shift + 1)}
    return abs(min(err, key=err.get))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', required=True)
    ap.add_argument('--steps', type=int, default=3)
    args = ap.parse_args()
    # One thread: the smoke test runs beside other test files (vitest runs one per core), and a
    # 2-thread torch beside a busy core stalls at its OpenMP barriers (training/resume/README.md).
    torch.set_num_threads(1)
    torch.manual_seed(0)
    os.makedirs(args.out, exist_ok=True)
    t0 = time.time()
    report = {'graphs': [], 'losses': {}, 'params': {}}

    # ---- VQGAN: a few steps of the real objective on 32x32 crops ----
    vq = MultiScaleVQGAN(VQGAN_CONFIGS['tiny'])
    opt = torch.optim.Adam(vq.parameters(), lr=1e-3)
    imgs = frames_tensor(3, 4, 48) * 2 - 1
    losses = []
    for s in range(args.steps):
        x = imgs[:, :, s:s + 32, s:s + 32]
        zs = vq.encode(x)
        qs, vq_loss = [], 0.0
        for z in zs:
            zq, cb, commit, _ = quantise(vq, z)
            qs.append(zq)
            vq_loss = vq_loss + cb + 0.25 * commit
        loss = (vq.decode(*qs) - x).abs().mean() + vq_loss
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss))
    report['losses']['vqgan'] = losses
    vq.eval()
    export_vqgan(vq, args.out, probe=32)
    # reference I/O at a size other than the export probe (dynamic H/W), with k > 1 on the bottom
    img = imgs[1:2, :, :40, :48]
    with torch.no_grad():
        zs = vq.encode(img)
        zq = [vq.lookup(vq.kth_nearest(zs[0], 1)), vq.lookup(vq.kth_nearest(zs[1], 3)),
              vq.lookup(vq.kth_nearest(zs[2], 7))]
        dec = vq.decode(*zq).clamp(-1, 1)
    report['graphs'].append({'onnx': 'vqgan.encoder.onnx', 'inputs': {'image': save(args.out, 'enc', 'image', img)},
                             'outputs': {n: save(args.out, 'enc', n, z) for n, z in zip(('z_top', 'z_mid', 'z_bot'), zs)}})
    report['graphs'].append({'onnx': 'vqgan.decoder.onnx',
                             'inputs': {n: save(args.out, 'dec', n, z) for n, z in zip(('zq_top', 'zq_mid', 'zq_bot'), zq)},
                             'outputs': {'image': save(args.out, 'dec', 'image', dec)}})
    report['codebook'] = {'file': 'vqgan.codebook.bin', 'rows': vq.cfg.n_codes, 'cols': vq.cfg.n_z}

    # ---- VSR: a few recurrent steps on a 3-frame clip, 8x8 LR -> 32x32 HR ----
    vsr = RecurrentVSR(VSR_CONFIGS['tiny'])
    opt = torch.optim.Adam(vsr.parameters(), lr=1e-3)
    hr = frames_tensor(5, 3, 64)[None]                                            # 1,T,3,64,64
    lr = torch.nn.functional.interpolate(hr[0], scale_factor=0.25, mode='area')[None]
    losses = []
    for s in range(args.steps):
        loss = (vsr(lr[:, :, :, :8, :8]) - hr[:, :, :, :32, :32]).abs().mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss))
    report['losses']['vsr'] = losses
    vsr.eval()
    prev, cur, nxt = lr[:, 0, :, :12, :16], lr[:, 1, :, :12, :16], lr[:, 2, :, :12, :16]
    report['graphs'].append(vsr_graph(args.out, vsr, 'vsr.step.onnx', 'vsr', prev, cur, nxt))
    # the general model's topology (1x1 fuse, bicubic base: ONNX Resize cubic must match torch's
    # a = -0.75); its last conv starts at zero, so perturb it or the check would compare bicubic only
    lite = RecurrentVSR(VSR_CONFIGS['tiny-lite']).eval()
    with torch.no_grad():
        for p_ in lite.fuse[-1].parameters():
            p_.normal_(0, 0.05, generator=torch.Generator().manual_seed(5))
    report['graphs'].append(vsr_graph(args.out, lite, 'vsr-lite.step.onnx', 'vsrl', prev, cur, nxt))
    # deepen_from (vsr-restore v5 was grown from v4 this way): the deeper net, its extra blocks
    # appended as identity, must compute exactly what the perturbed shallow net does
    deep = RecurrentVSR(VSRConfig(width=8, blocks=(3, 2, 3), fuse='lite', base='bicubic')).eval()
    new = deepen_from(deep, lite.state_dict())
    with torch.no_grad():
        clip = lr[:, :, :, :12, :16]
        report['deepen'] = {'new_blocks': len(new), 'params': [count_params(lite), count_params(deep)],
                            'max_abs_diff': float((deep(clip) - lite(clip)).abs().max())}
    # widen_from (a wider restore net grown from a trained narrow one): width 8 -> 12 and deeper, the
    # new channels alive (fresh init) yet never read by an old channel, so the output is the source's
    wide = RecurrentVSR(VSRConfig(width=12, blocks=(3, 2, 3), fuse='lite', base='bicubic')).eval()
    grown = widen_from(wide, lite.state_dict())
    with torch.no_grad():
        _, state = wide.step(clip[:, 0], clip[:, 1], clip[:, 2], wide.init_state(clip[:, 0]))
        report['widen'] = {**grown, 'params': [count_params(lite), count_params(wide)],
                           'max_abs_diff': float((wide(clip) - lite(clip)).abs().max()),
                           'new_state_mean_abs': float(state[:, 8:].abs().mean())}
    # compact_resume on a VSR trainer's checkpoint (train_vsr.py's {'models', 'opts', 'emas'}): fp16
    # weights, no optimizer, and the net loaded from it computes what the fp32 one did up to fp16 rounding
    full = os.path.join(args.out, 'vsr_last.pt')
    trained = RecurrentVSR(wide.cfg)
    trained.load_state_dict(wide.state_dict())
    adam = torch.optim.Adam(trained.parameters(), lr=1e-9)     # one step: Adam holds its two moments
    trained(clip).mean().backward()
    adam.step()
    torch.save({'models': {'w': wide.state_dict()}, 'emas': {'w': wide.state_dict()},
                'opts': {'w': adam.state_dict()}, 'step': 7, 'elapsed': 1.0}, full)
    sizes = compact_resume(full, os.path.join(args.out, 'vsr_compact.pt'))
    small = torch.load(os.path.join(args.out, 'vsr_compact.pt'), weights_only=False)
    back = RecurrentVSR(wide.cfg).eval()
    back.load_state_dict(small['emas']['w'])
    with torch.no_grad():
        report['compact_vsr'] = {**sizes, 'has_opts': 'opts' in small, 'step': small['step'],
                                 'dtypes': sorted({str(v.dtype) for v in small['models']['w'].values()}),
                                 'max_abs_diff': float((back(clip) - wide(clip)).abs().max())}
    # The clip generators: the same clip for the same seed, moving, and holding detail that x1/4
    # loses (a smooth clip's bicubic round trip is near 40 dB or above): scenes.hatch_clip (fine
    # texture), scenes.rim_clip (fine bands along solid outlines), scenery.scenery_clip (painted
    # backgrounds), whose multiplane camera must move the sky less than the ground.
    report['hatch'] = generator_report(hatch_clip(5_000_123, 3, 128), hatch_clip(5_000_123, 3, 128))
    report['rim'] = generator_report(rim_clip(5_000_123, 3, 128), rim_clip(5_000_123, 3, 128))
    a = scenery_clip(5_000_128, 6, 128)        # a seed whose camera pans ~9 output px over the clip
    report['scenery'] = generator_report(a, scenery_clip(5_000_128, 6, 128))
    lum = [np.asarray(f.convert('L'), np.float32) for f in (a[0], a[-1])]
    report['scenery']['shift_px'] = {'sky': band_shift(lum[0][:26], lum[1][:26]),
                                     'ground': band_shift(lum[0][-20:], lum[1][-20:])}
    # deepen_vqgan_from (the 'cpu-deep' VQGAN is grown from the 'cpu' one this way): the trained tiny
    # VQGAN with a second residual block in every stack must encode and decode exactly as before
    vq_deep = MultiScaleVQGAN(VQGANConfig(**{**VQGAN_CONFIGS['tiny'].to_dict(), 'res_blocks': 2})).eval()
    new_vq = deepen_vqgan_from(vq_deep, vq.state_dict())
    with torch.no_grad():
        za, zb = vq.encode(img), vq_deep.encode(img)
        qa = [vq.lookup(vq.kth_nearest(z, 1)) for z in za]
        report['deepen_vqgan'] = {
            'new_blocks': len(new_vq), 'params': [count_params(vq), count_params(vq_deep)],
            'max_abs_diff_latents': max(float((a - b).abs().max()) for a, b in zip(za, zb)),
            'max_abs_diff_decoded': float((vq.decode(*qa) - vq_deep.decode(*qa)).abs().max())}
    report['params'] = {'vsr_tiny': count_params(vsr), 'vsr_ship': count_params(RecurrentVSR(VSR_CONFIGS['ship'])),
                        'vsr_paper': count_params(RecurrentVSR(VSR_CONFIGS['paper'])), 'vqgan_tiny': count_params(vq)}
    report['seconds'] = round(time.time() - t0, 1)
    with open(os.path.join(args.out, 'smoke.json'), 'w') as f:
        json.dump(report, f, indent=2)
    print(json.dumps({'seconds': report['seconds'], 'losses': report['losses'], 'params': report['params']}))


if __name__ == '__main__':
    main()
