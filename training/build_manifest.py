"""Write public/models/manifest.json from the files actually on disk.

Per model: its files (bytes, sha256), the I/O names, element types and shapes read back from the
ONNX files themselves (onnx_io.py), the value ranges the app must feed/expect, the config (widths)
and the training summary from training/summaries/<model>.json. models.test.ts checks this manifest
against onnxruntime-node's view of the same files.

  python3 training/build_manifest.py [public/models]
"""
from __future__ import annotations

import hashlib
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from onnx_io import read_io  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

RANGES = {
    'vqgan': {'image_in': [-1.0, 1.0], 'image_out': [-1.0, 1.0],
              'note': 'encoder outputs unquantised latents; quantise each to a codebook row '
                      '(k-th nearest by squared L2, ties to the smaller index) before the decoder; '
                      'decoder output is clamped to [-1, 1]'},
    'vsr': {'frames_in': [0.0, 1.0], 'out': [0.0, 1.0],
            'note': 'state starts at zeros [1,C,h,w]; first/last frame pass themselves as the missing '
                    'neighbour; h and w multiples of 4; out is clamped to [0, 1]'},
}


# The VSR nets, each a `<id>.step.onnx` with its summary in summaries/<id>.json (the app offers
# every one of them: src/models/kinds.ts). 'vsr' is the general model (the default), 'vsr-restore'
# the one trained on the paper's degradation pipeline, 'vsr-fast' a lighter general net (Live mode,
# slow machines; its summary's `auto: false` keeps it out of the router's fit), 'vsr64' the
# paper-width net of a GPU run.
VSR_MODELS = ('vsr', 'vsr-restore', 'vsr-fast', 'vsr64')


def _file_entry(path: str) -> dict:
    with open(path, 'rb') as f:
        data = f.read()
    entry = {'file': os.path.basename(path), 'bytes': len(data), 'sha256': hashlib.sha256(data).hexdigest()}
    if path.endswith('.onnx'):
        io = read_io(path)
        entry['opset'] = io['opset']
        entry['inputs'] = io['inputs']
        entry['outputs'] = io['outputs']
    return entry


def _summary(summaries: str, name: str) -> dict:
    p = os.path.join(summaries, f'{name}.json')
    if not os.path.exists(p):
        return {}
    with open(p) as f:
        return json.load(f)


def _add_routes(manifest: dict, summaries: str) -> None:
    """Each VSR entry's `route` (the "auto" choice: src/pipeline/vsr/input-probe.ts) from
    summaries/router.json (training/fit_router.ts), only while every routed model's step file is the
    one the router was fitted to: a net retrained since would run under its predecessor's router."""
    r = _summary(summaries, 'router')
    if not r:
        return
    models = manifest['models']
    stale = [m for m, sha in r['step_sha256'].items()
             if m not in models or models[m]['files'][0]['sha256'] != sha]
    if stale:
        print(f'router.json left out: fitted to other files of {", ".join(stale)} '
              f'(refit: python3 training/make_router_set.py && npx tsx training/fit_router.ts)', file=sys.stderr)
        return
    for m, route in r['routes'].items():
        models[m]['route'] = route


def build_manifest(models_dir: str, summaries: str | None = None) -> dict:
    summaries = summaries or os.path.join(HERE, 'summaries')
    manifest = {'version': 1, 'models': {}}
    vq_files = ['vqgan.encoder.onnx', 'vqgan.codebook.bin', 'vqgan.decoder.onnx']
    if all(os.path.exists(os.path.join(models_dir, f)) for f in vq_files):
        s = _summary(summaries, 'vqgan')
        cfg = s.get('config', {})
        files = [_file_entry(os.path.join(models_dir, f)) for f in vq_files]
        # the app sizes its codebook buffer from rows x cols: a summary without them (train_vqgan.py wrote
        # none before 2026-12-07) must stop the build here, not ship a manifest the CLI rejects later
        if not (cfg.get('n_codes') and cfg.get('n_z')) or files[1]['bytes'] != cfg['n_codes'] * cfg['n_z'] * 4:
            raise SystemExit(f"summaries/vqgan.json: config {cfg} does not give the codebook's rows and columns "
                             f"of vqgan.codebook.bin ({files[1]['bytes']} bytes of float32)")
        files[1]['layout'] = {'rows': cfg.get('n_codes'), 'cols': cfg.get('n_z'), 'dtype': 'float32',
                              'endianness': 'little', 'order': 'row-major, one code per row'}
        manifest['models']['vqgan'] = {
            'kind': 'multi-scale VQGAN (VQD-SR degradation model)', 'trained': bool(s.get('trained', False)),
            'config': cfg, 'params': s.get('params'), 'files': files, 'ranges': RANGES['vqgan'],
            'dims': 'H and W multiples of 8; z_top H/8, z_mid H/4, z_bot H/2',
            'training': {k: v for k, v in s.items() if k not in ('config', 'params', 'trained')}}
    for name in VSR_MODELS:
        p = os.path.join(models_dir, f'{name}.step.onnx')
        if not os.path.exists(p):
            continue
        s = _summary(summaries, name)
        manifest['models'][name] = {
            'kind': 'recurrent VSR step x4 (AnimeSR cell without SR feedback)', 'trained': bool(s.get('trained', False)),
            'config': s.get('config', {}), 'params': s.get('params'), 'files': [_file_entry(p)],
            'ranges': RANGES['vsr'],
            'training': {k: v for k, v in s.items() if k not in ('config', 'params', 'trained', 'label')}}
        if s.get('label'):  # a few words for the app's model picker (src/models/kinds.ts)
            manifest['models'][name]['label'] = s['label']
    _add_routes(manifest, summaries)
    out = os.path.join(models_dir, 'manifest.json')
    with open(out, 'w') as f:
        json.dump(manifest, f, indent=2)
        f.write('\n')
    print(f'wrote {out}: {", ".join(manifest["models"])}')
    return manifest


if __name__ == '__main__':
    build_manifest(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, 'public', 'models'))
