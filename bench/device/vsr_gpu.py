"""VSR speed on a real GPU: 480x270 LR -> 1920x1080 per frame, for the shipped model(s).

Run on the device machine (PyTorch + CUDA + the `onnx` and `onnxruntime` packages are in its image;
onnxruntime there is the CPU build, so the GPU numbers come from PyTorch):
    bash bench/device/vsr-gpu.sh            # writes $OUT/vsr_gpu.json (or bench/results/)

What it does, per model id in public/models/manifest.json that has a *.step.onnx ('vsr', and
'vsr64' when shipped):
1. builds training/vqdsr_models.RecurrentVSR with the manifest's config and loads the weights from
   the ONNX file's initialisers (their names are the state_dict's, prefixed 'm.');
2. checks the port: torch on the GPU (fp32) vs onnxruntime (CPU EP) on the same 3-frame sequence
   (state carried) at 64x64, max |diff| reported;
3. times a running sequence at 480x270 (the state carried on the GPU): fp32, fp32 channels_last,
   bf16 and fp16 autocast -- CUDA events around the step (GPU time), plus the step with the RGBA8
   download of the 1920x1080 frame (what the app needs per frame), median of 30 after 5 warm-ups;
4. times onnxruntime's CPU EP at 480x270 on this machine's cores, for scale.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'training'))
from vqdsr_models import RecurrentVSR, VSRConfig  # noqa: E402


def load_model(onnx_path: str, cfg: dict) -> RecurrentVSR:
    import onnx
    from onnx import numpy_helper
    # the manifest's config is VSRConfig.to_dict(): fuse/base name the topology ('lite' nets since v2)
    m = RecurrentVSR(VSRConfig(width=cfg['width'], blocks=tuple(cfg.get('blocks', (5, 3, 2))), scale=cfg.get('scale', 4),
                               fuse=cfg.get('fuse', 'wide'), base=cfg.get('base', 'bilinear')))
    g = onnx.load(onnx_path).graph
    weights = {t.name[2:]: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in g.initializer if t.name.startswith('m.')}
    missing = set(m.state_dict()) - set(weights)
    if missing:
        raise SystemExit(f'{onnx_path}: initialisers missing for {sorted(missing)[:5]}')
    m.load_state_dict(weights, strict=True)
    return m.eval()


def frames(n: int, h: int, w: int, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    base = rng.random((1, 3, h, w), dtype=np.float32)
    return [np.clip(np.roll(base, 2 * t, axis=3) + 0.01 * t, 0, 1).astype(np.float32) for t in range(n)]


def port_check(m: RecurrentVSR, onnx_path: str, dev: str) -> dict:
    import onnxruntime as ort
    sess = ort.InferenceSession(onnx_path, providers=['CPUExecutionProvider'])
    fr = frames(3, 64, 64)
    C = m.cfg.width
    state_o = np.zeros((1, C, 64, 64), np.float32)
    state_t = torch.zeros(1, C, 64, 64, device=dev)
    worst = 0.0
    with torch.no_grad():
        for t in range(3):
            p, c, n = fr[max(0, t - 1)], fr[t], fr[min(2, t + 1)]
            out_o, state_o = sess.run(['out', 'state_out'], {'prev': p, 'cur': c, 'next': n, 'state': state_o})
            img, state_t = m.step(*(torch.from_numpy(a).to(dev) for a in (p, c, n)), state_t)
            worst = max(worst, float(np.abs(img.clamp(0, 1).cpu().numpy() - out_o).max()))
    return {'frames': 3, 'size': '64x64', 'max_abs_diff_torch_cuda_vs_ort_cpu': worst}


def time_gpu(m: RecurrentVSR, dev: str, h: int, w: int, mode: str, warm: int, runs: int) -> dict:
    C = m.cfg.width
    fr = [torch.from_numpy(f).to(dev) for f in frames(3, h, w)]
    mm = m
    if mode == 'fp32-channels_last':
        mm = m.to(memory_format=torch.channels_last)
        fr = [f.contiguous(memory_format=torch.channels_last) for f in fr]
    dtype = {'bf16-autocast': torch.bfloat16, 'fp16-autocast': torch.float16}.get(mode)
    state = torch.zeros(1, C, h, w, device=dev)
    gpu_ms, e2e_ms = [], []
    host = torch.empty(4 * h * 4 * w * 4, dtype=torch.uint8, pin_memory=True)
    with torch.no_grad():
        for i in range(warm + runs):
            a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            t0 = time.perf_counter()
            a.record()
            with torch.autocast('cuda', dtype=dtype, enabled=dtype is not None):
                img, state = mm.step(fr[0], fr[1], fr[2], state)
            b.record()
            # The app's per-frame hand-off: clamp, quantise, pack RGBA8, download.
            q = (img.float().clamp(0, 1) * 255).round().to(torch.uint8)[0]
            rgba = torch.cat([q, torch.full_like(q[:1], 255)]).permute(1, 2, 0).contiguous().view(-1)
            host.copy_(rgba, non_blocking=True)
            torch.cuda.synchronize()
            if i >= warm:
                gpu_ms.append(a.elapsed_time(b))
                e2e_ms.append((time.perf_counter() - t0) * 1000)
            state = state.float()
    if mode == 'fp32-channels_last':
        m.to(memory_format=torch.contiguous_format)
    return {'mode': mode, 'gpu_ms_per_frame': round(statistics.median(gpu_ms), 3), 'with_rgba_download_ms': round(statistics.median(e2e_ms), 3),
            'fps_with_download': round(1000 / statistics.median(e2e_ms), 1), 'runs': runs,
            'peak_mem_MiB': round(torch.cuda.max_memory_allocated() / 2 ** 20, 1)}


def time_ort_cpu(onnx_path: str, C: int, h: int, w: int, runs: int) -> dict:
    import onnxruntime as ort
    so = ort.SessionOptions()
    sess = ort.InferenceSession(onnx_path, so, providers=['CPUExecutionProvider'])
    fr = frames(3, h, w)
    state = np.zeros((1, C, h, w), np.float32)
    ms = []
    for i in range(runs + 1):
        t0 = time.perf_counter()
        _, state = sess.run(['out', 'state_out'], {'prev': fr[0], 'cur': fr[1], 'next': fr[2], 'state': state})
        if i:
            ms.append((time.perf_counter() - t0) * 1000)
    return {'ep': 'onnxruntime CPU', 'threads': os.cpu_count(), 'ms_per_frame': round(statistics.median(ms), 1), 'runs': runs}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument('--models', default=os.path.join(ROOT, 'public', 'models'))
    ap.add_argument('--out', default=os.environ.get('OUT') or os.path.join(ROOT, 'bench', 'results'))
    ap.add_argument('--size', default='480x270', help='LR size WxH')
    ap.add_argument('--warm', type=int, default=5)
    ap.add_argument('--runs', type=int, default=30)
    args = ap.parse_args()
    w, h = map(int, args.size.split('x'))
    # the net halves the grid twice: sides must be multiples of 4, so 270 runs as 272 (the app pads
    # frames the same way, by repeating the edge, and crops the output)
    w, h = -(-w // 4) * 4, -(-h // 4) * 4
    dev = 'cuda' if torch.cuda.is_available() else 'cpu'
    if dev != 'cuda':
        raise SystemExit('no CUDA device: this script is for the GPU machine')
    torch.backends.cudnn.benchmark = True
    manifest = json.load(open(os.path.join(args.models, 'manifest.json')))
    result = {
        'machine': {'gpu': torch.cuda.get_device_name(0), 'torch': torch.__version__, 'cuda': torch.version.cuda, 'python': platform.python_version(), 'cpus': os.cpu_count()},
        'lr': args.size, 'lr_padded': f'{w}x{h}', 'out': f'{4 * w}x{4 * h}', 'models': [],
    }
    for mid, entry in manifest['models'].items():
        step = next((f['file'] for f in entry.get('files', []) if f['file'].endswith('.step.onnx')), None)
        if not step or not os.path.exists(os.path.join(args.models, step)):
            continue
        path = os.path.join(args.models, step)
        m = load_model(path, entry['config']).to(dev)
        row = {'id': mid, 'trained': entry.get('trained', False), 'config': entry['config'], 'params': sum(p.numel() for p in m.parameters())}
        row['port_check'] = port_check(m, path, dev)
        print(mid, 'port check', row['port_check'], flush=True)
        row['gpu'] = []
        for mode in ('fp32', 'fp32-channels_last', 'bf16-autocast', 'fp16-autocast'):
            torch.cuda.reset_peak_memory_stats()
            r = time_gpu(m, dev, h, w, mode, args.warm, args.runs)
            print(mid, r, flush=True)
            row['gpu'].append(r)
        row['cpu'] = time_ort_cpu(path, m.cfg.width, h, w, runs=3)
        print(mid, row['cpu'], flush=True)
        result['models'].append(row)
    os.makedirs(args.out, exist_ok=True)
    out = os.path.join(args.out, 'vsr_gpu.json')
    json.dump(result, open(out, 'w'), indent=2)
    print('wrote', out)


if __name__ == '__main__':
    main()
