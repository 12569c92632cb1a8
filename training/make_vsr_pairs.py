"""VSR training/evaluation pairs: HR clips (clipgen.py) degraded by the project's own pipeline.

For each clip: render T HR frames (PNG) -> `node bin/vqdsr.mjs degrade <hr-dir> <lr-dir> --random
--seed S` (all clips in one `--batch` call; the app's exact chain: blur, noise, x1/4 down, VQD with
our VQGAN, uint8, x264 round trip; writes 00000.png... and params.json) -> pack. The clean x1/4
bicubic LR for the "clean input" numbers is made from the HR by train_vsr.py (PIL bicubic), so it
is not stored. Clips from held-out clip-art sources / procedural seeds are flagged held-out.

  python3 training/make_vsr_pairs.py --clips 150 [--degrade-args "--threads 2"]   # real pipeline
  python3 training/make_vsr_pairs.py --clips 8 --stand-in-bicubic --out /tmp/p.npz  # TEST STAND-IN
  python3 training/make_vsr_pairs.py --from-shards .devdata/user_clips_exact --clips 400 --max-mib 600 \\
      --work .devdata/restore_work --out .devdata/vsr_restore_pack.npz   # user-like clips (vsr-restore v2)

--stand-in-bicubic replaces the CLI by a plain bicubic downscale. It exists only to test this packer
and the trainer before the CLI exists; packs made with it are marked `stand_in: true` and must never
be used to train shipped weights (train_vsr.py refuses them unless --allow-stand-in).

Pack layout (.devdata/vsr_pack.npz, no pickles): lossless WebP bytes concatenated in `blob` (uint8)
with `hr_off`/`lr_off` (N, T, 2) = (offset, length) into it; `heldout` (N,) bool; `kind` (N,) str;
`params` (N,) str (the CLI's params.json); `meta` str (json: sizes, T, stand_in, command).
"""
from __future__ import annotations

import argparse
import glob
import io
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clipgen import HELDOUT_SEED_BASE, list_sources, make_clip  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def lossless_bytes(im: Image.Image) -> bytes:
    """Lossless WebP (about a third smaller than PNG on these frames; Pillow reads it everywhere)."""
    b = io.BytesIO()
    im.save(b, format='WEBP', lossless=True, quality=100, method=4)
    return b.getvalue()


def packed_frames(cl: dict, frames: int, lr_side: int) -> tuple[list, list]:
    """A clip's HR and LR frames as lossless WebP bytes, from the clip's cache (packed.npz beside its
    hr/ and lr/ folders) when that is newer than every frame, else encoded now and cached: packing
    1,712 clips took ~30 min of WebP encoding, and the next pack holds most of the same clips."""
    cache = os.path.join(os.path.dirname(cl['lr']), 'packed.npz')
    files = {k: [os.path.join(cl[k], f'{i:05d}.png') for i in range(frames)] for k in ('hr', 'lr')}
    newest = max(os.path.getmtime(f) for k in files for f in files[k])
    if os.path.exists(cache) and os.path.getmtime(cache) > newest:
        z = np.load(cache)
        if len(z['off']) == 2 * frames:
            blob = z['blob'].tobytes()
            parts = [blob[o:o + n] for o, n in z['off']]
            return parts[:frames], parts[frames:]
    out = {'hr': [], 'lr': []}
    for k in ('hr', 'lr'):
        for i, f in enumerate(files[k]):
            im = Image.open(f).convert('RGB')
            if k == 'lr' and im.size != (lr_side, lr_side):
                sys.exit(f'clip {cl["c"]}: LR frame {i} is {im.size}, expected {lr_side}')
            out[k].append(lossless_bytes(im))
    parts = out['hr'] + out['lr']
    offs = np.cumsum([0] + [len(b) for b in parts])[:-1]
    tmp = cache + '.tmp.npz'
    np.savez(tmp, blob=np.frombuffer(b''.join(parts), dtype=np.uint8), off=np.array([[o, len(b)] for o, b in zip(offs, parts)], dtype=np.int64))
    os.replace(tmp, cache)
    return out['hr'], out['lr']


def degrade_cli_batch(clips: list, work: str, extra: list, node: str, jobs: int = 1) -> None:
    """`vqdsr degrade --batch list_J.json --random`: every clip with its own seed. One CLI process per job, each
    on an interleaved slice of the clips (a process shares its ORT sessions across its slice; a clip's LR
    depends only on its seed, so the split does not change a pixel)."""
    n, procs = max(1, min(jobs, len(clips))), []
    for j in range(n):
        part = clips[j::n]
        lst = [{'input': os.path.relpath(c['hr'], work), 'output': os.path.relpath(c['lr'], work),
                'seed': c['seed'], 'random': True} for c in part]
        path = os.path.join(work, f'list_{j}.json')
        with open(path, 'w') as f:
            json.dump(lst, f)
        cmd = [node, os.path.join(ROOT, 'bin', 'vqdsr.mjs'), 'degrade', '--batch', path, '--random', '--quiet'] + extra
        procs.append(subprocess.Popen(cmd, cwd=ROOT))
    failed = [p.args for p in procs if p.wait() != 0]
    if failed:
        sys.exit(f'vqdsr degrade failed: {" ".join(failed[0])}')


def encode_cached(job: tuple) -> None:
    """packed_frames for one clip in a worker process: fills the clip's packed.npz cache for the pack loop."""
    cl, frames, lr_side = job
    packed_frames(cl, frames, lr_side)


def degrader_weights(models_dir: str) -> dict:
    """{degrader id: [sha256 of its encoder, decoder, codebook]} from the models folder's manifest.json: what the
    CLI writes as run.json's vqdWeights (src/pipeline/vqd/vqd-node.ts), so a clip can be matched to the weights."""
    with open(os.path.join(models_dir, 'manifest.json')) as f:
        models = json.load(f)['models']
    out = {}
    for mid, m in models.items():
        by_suffix = {suf: [x['sha256'] for x in m.get('files', []) if x['file'].endswith(suf)]
                     for suf in ('.encoder.onnx', '.decoder.onnx', '.codebook.bin')}
        if all(len(v) == 1 for v in by_suffix.values()):
            out[mid] = [v[0] for v in by_suffix.values()]
    return out


def degraded_complete(lr_dir: str, frames: int, weights: dict | None = None) -> bool:
    """A clip the CLI has finished (it writes run.json after the last frame, params.json before the
    first) with today's pipeline: a clip whose VQD ran without the colour anchor (params.json from a
    CLI before it, no vqd.anchorSigma) is made again, so one pack never mixes the two. With `weights`
    (degrader_weights), a VQD clip is kept only when run.json names those weights: a clip an earlier VQGAN
    made under the same id, or one from a CLI that did not record them, is made again."""
    run_path = os.path.join(lr_dir, 'run.json')
    if not (os.path.exists(run_path) and
            all(os.path.exists(os.path.join(lr_dir, f'{i:05d}.png')) for i in range(frames))):
        return False
    with open(os.path.join(lr_dir, 'params.json')) as f:
        params = json.load(f)
    vqd = params.get('vqd', {})
    if not vqd.get('enabled'):
        return True
    if 'anchorSigma' not in vqd:
        return False
    if weights is None:
        return True
    with open(run_path) as f:
        made_with = json.load(f).get('vqdWeights')
    return made_with is not None and made_with == weights.get(params.get('modelId', 'vqgan'))


def degrade_stand_in(hr_frames: list, lr_dir: str, scale: int) -> dict:
    """TEST STAND-IN ONLY (plain bicubic x1/4); never used for shipped weights."""
    os.makedirs(lr_dir, exist_ok=True)
    for i, f in enumerate(hr_frames):
        f.resize((f.width // scale, f.height // scale), Image.BICUBIC).save(os.path.join(lr_dir, f'{i:05d}.png'))
    return {'stand_in': 'bicubic x1/4 (test only)'}


def models_dir(degrade_args: list) -> str:
    """The models folder the CLI will load: its --models argument, else public/models."""
    for i, a in enumerate(degrade_args):
        if a == '--models' and i + 1 < len(degrade_args):
            return os.path.abspath(os.path.join(ROOT, degrade_args[i + 1]))
        if a.startswith('--models='):
            return os.path.abspath(os.path.join(ROOT, a.split('=', 1)[1]))
    return os.path.join(ROOT, 'public', 'models')


def shard_clips(args) -> list:
    """The user-like clips of make_user_clips.py as PNG folders in --work: every held-out clip first
    (so a --max-mib stop never drops them), then the first --clips training clips. The degrade seed
    of a clip is its shard seed (held-out seeds live in their own range there)."""
    held = sorted(glob.glob(os.path.join(args.from_shards, 'heldout_*.npz')))
    train = sorted(glob.glob(os.path.join(args.from_shards, 'shard_*.npz')))
    if not held or (args.clips > 0 and not train):
        sys.exit(f'{args.from_shards}: needs heldout_*.npz, and shard_*.npz for --clips > 0 (training/make_user_clips.py)')
    clips, n_train = [], 0
    for path, is_held in [(p, True) for p in held] + [(p, False) for p in train]:
        if not is_held and n_train >= args.clips:
            break
        d = np.load(path)
        hr, kinds, seeds = d['hr'], d['kind'], d['seed']
        # the shard's web-quality LR of the same clip (random kernel + mild codec): packed beside the
        # paper-degraded LR so the restore net also sees mildly degraded input (train_vsr.py --p-web)
        web = d['web'] if 'web' in d.files else None
        web_desc = d['web_desc'] if 'web_desc' in d.files else None
        for j in range(hr.shape[0]):
            if not is_held and n_train >= args.clips:
                break
            seed = int(seeds[j])
            clip_dir = os.path.join(args.work, f'user_s{seed}_{hr.shape[2]}')
            hr_dir, lr_dir = os.path.join(clip_dir, 'hr'), os.path.join(clip_dir, 'lr')
            if not all(os.path.exists(os.path.join(hr_dir, f'{i:05d}.png')) for i in range(hr.shape[1])):
                os.makedirs(hr_dir, exist_ok=True)
                for i in range(hr.shape[1]):
                    Image.fromarray(hr[j, i]).save(os.path.join(hr_dir, f'{i:05d}.png'), compress_level=1)
            clips.append({'c': len(clips), 'seed': seed, 'held': is_held, 'kind': str(kinds[j]),
                          'hr': hr_dir, 'lr': lr_dir,
                          'web': None if web is None else web[j],
                          'web_desc': None if web_desc is None else str(web_desc[j])})
            n_train += not is_held
    if hr.shape[2] != args.size:
        sys.exit(f'{args.from_shards}: HR frames are {hr.shape[2]} px, pass --size {hr.shape[2]}')
    args.frames = int(hr.shape[1])  # the shards' own frame count (--frames is for clipgen.py clips)
    print(f'{len(clips)} clips from {args.from_shards} ({sum(c["held"] for c in clips)} held-out)', flush=True)
    return clips


def check_vqd(params) -> bool:
    """True when the CLI's params.json has an enabled VQD stage (so --random did draw the k's)."""
    if isinstance(params, dict):
        v = params.get('vqd')
        if isinstance(v, dict) and v.get('enabled') is True:
            return True
        return any(check_vqd(x) for x in params.values())
    if isinstance(params, list):
        return any(check_vqd(x) for x in params)
    return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--clips', type=int, default=150)
    ap.add_argument('--frames', type=int, default=6)
    ap.add_argument('--size', type=int, default=256, help='HR frame size (LR = size/4)')
    ap.add_argument('--heldout-every', type=int, default=8, help='every n-th clip is held out')
    ap.add_argument('--seed', type=int, default=77)
    ap.add_argument('--work', default=os.path.join(HERE, 'data', 'vsr'))
    ap.add_argument('--out', default=os.path.join(ROOT, '.devdata', 'vsr_pack.npz'))
    ap.add_argument('--degrade-args', default='', help='extra CLI args for vqdsr degrade (e.g. "--threads 2", "--models DIR")')
    ap.add_argument('--node', default='node')
    ap.add_argument('--stand-in-bicubic', action='store_true', help='TEST ONLY: bicubic instead of the CLI')
    ap.add_argument('--render-only', action='store_true', help='only render the HR clips into --work (reused later)')
    ap.add_argument('--max-mib', type=float, default=20, help='stop when the pack reaches this size')
    ap.add_argument('--reuse-degraded', action='store_true',
                    help='skip the CLI for clips whose LR folder is complete (run.json + every frame) and was '
                         'made by the degrader the CLI will load now (run.json names its weights\' sha256): lets a '
                         'larger pack grow from a smaller one; clips made before the colour anchor, by an earlier '
                         'VQGAN, or by a CLI that did not record the weights are made again')
    ap.add_argument('--jobs', type=int, default=1,
                    help='CLI processes degrading at once, and processes encoding the pack (give each CLI '
                         '"--threads 1" in --degrade-args; 2 on the 2-core VM halves a fresh pack\'s time)')
    ap.add_argument('--from-shards', default=None,
                    help='HR clips from make_user_clips.py shards in this folder (its heldout_*.npz held out, '
                         'first --clips training clips) instead of clipgen.py')
    args = ap.parse_args()
    scale = 4
    extra = args.degrade_args.split()
    if not args.stand_in_bicubic and not os.path.exists(os.path.join(ROOT, 'bin', 'vqdsr.mjs')):
        sys.exit('bin/vqdsr.mjs not found: the degradation CLI is needed (or --stand-in-bicubic for a test pack)')
    train_src, held_src = list_sources()
    blob = bytearray()
    offs = {'hr': [], 'lr': [], 'web': []}
    web_descs = []
    heldout, kinds, params_all = [], [], []
    vqd_seen = 0
    t0 = time.time()
    # 1. render the HR clips (kept in --work and reused when the same clip is already there)
    clips = shard_clips(args) if args.from_shards else []
    for c in range(0 if args.from_shards else args.clips):
        is_held = c % args.heldout_every == args.heldout_every - 1
        seed = args.seed * 100_000 + c + (HELDOUT_SEED_BASE if is_held else 0)
        clip_dir = os.path.join(args.work, f'clip{c:04d}_s{seed}_{args.size}')
        hr_dir, lr_dir = os.path.join(clip_dir, 'hr'), os.path.join(clip_dir, 'lr')
        kind_file = os.path.join(clip_dir, 'kind.txt')
        if not (os.path.exists(kind_file) and
                all(os.path.exists(os.path.join(hr_dir, f'{i:05d}.png')) for i in range(args.frames))):
            frames, kind = make_clip(seed, args.frames, args.size, held_src if is_held else train_src)
            os.makedirs(hr_dir, exist_ok=True)
            for i, f in enumerate(frames):
                f.save(os.path.join(hr_dir, f'{i:05d}.png'), compress_level=1)
            with open(kind_file, 'w') as f:
                f.write(kind)
        with open(kind_file) as f:
            kind = f.read().strip()
        clips.append({'c': c, 'seed': seed, 'held': is_held, 'kind': kind, 'hr': hr_dir, 'lr': lr_dir})
        if c % 20 == 0:
            print(f'rendered {c + 1}/{args.clips} clips {time.time() - t0:.0f}s', flush=True)
    if args.render_only:
        print(f'rendered {len(clips)} HR clips into {args.work}')
        return
    # 2. degrade: one CLI process for all clips (shared ORT sessions), or the TEST stand-in
    if args.stand_in_bicubic:
        for cl in clips:
            frames = [Image.open(os.path.join(cl['hr'], f'{i:05d}.png')) for i in range(args.frames)]
            degrade_stand_in(frames, cl['lr'], scale)
    else:
        weights = degrader_weights(models_dir(extra))
        todo = [cl for cl in clips if not (args.reuse_degraded and degraded_complete(cl['lr'], args.frames, weights))]
        if len(todo) < len(clips):
            print(f'reusing {len(clips) - len(todo)} degraded clips already in {args.work}', flush=True)
        if todo:
            degrade_cli_batch(todo, args.work, extra, args.node, args.jobs)
    print(f'degraded {len(clips)} clips {time.time() - t0:.0f}s', flush=True)
    # 3. pack, stopping at the size budget (held-out clips are interleaved, so the ratio holds); with --jobs the
    # WebP encoding (most of this step) runs first in worker processes, into each clip's cache
    if args.jobs > 1:
        with ProcessPoolExecutor(args.jobs) as ex:
            list(ex.map(encode_cached, [({k: cl[k] for k in ('c', 'hr', 'lr')}, args.frames, args.size // scale)
                                        for cl in clips], chunksize=8))
        print(f'encoded {len(clips)} clips in {args.jobs} processes {time.time() - t0:.0f}s', flush=True)
    for cl in clips:
        if args.stand_in_bicubic:
            params = {'stand_in': 'bicubic x1/4 (test only)'}
        else:
            with open(os.path.join(cl['lr'], 'params.json')) as f:
                params = json.load(f)
            vqd_seen += check_vqd(params)
        row = {'hr': [], 'lr': []}
        hr_b, lr_b = packed_frames(cl, args.frames, args.size // scale)
        for i in range(args.frames):
            for key, b in (('hr', hr_b[i]), ('lr', lr_b[i])):
                row[key].append((len(blob), len(b)))
                blob.extend(b)
        if cl.get('web') is not None:
            row['web'] = []
            for f in cl['web']:
                b = lossless_bytes(Image.fromarray(f))
                row['web'].append((len(blob), len(b)))
                blob.extend(b)
            web_descs.append(cl['web_desc'] or '')
        for key in offs:
            if key in row:
                offs[key].append(row[key])
        heldout.append(cl['held'])
        kinds.append(cl['kind'])
        params_all.append(json.dumps(params, sort_keys=True))
        if len(blob) > args.max_mib * 2**20:
            print(f'stopping at {len(heldout)} clips: pack reached {args.max_mib} MiB')
            break
    meta = {'frames': args.frames, 'hr_size': args.size, 'scale': scale, 'stand_in': bool(args.stand_in_bicubic),
            'degrade': 'stand-in bicubic (TEST ONLY)' if args.stand_in_bicubic else
            f'node bin/vqdsr.mjs degrade --batch (per clip: --random --seed S) {" ".join(extra)}'.strip(),
            'clips_with_vqd': vqd_seen}
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    # web LR only when every packed clip has one (shards of make_user_clips.py), else none at all
    extra_arrays = ({'web_off': np.array(offs['web'], dtype=np.int64), 'web_desc': np.array(web_descs)}
                    if offs['web'] and len(offs['web']) == len(offs['hr']) else {})
    meta['web_lr'] = bool(extra_arrays)
    np.savez(args.out, blob=np.frombuffer(bytes(blob), dtype=np.uint8), **extra_arrays,
             hr_off=np.array(offs['hr'], dtype=np.int64), lr_off=np.array(offs['lr'], dtype=np.int64),
             heldout=np.array(heldout), kind=np.array(kinds),
             params=np.array(params_all), meta=np.array(json.dumps(meta)))
    n = len(heldout)
    print(f'wrote {args.out}: {n} clips x {args.frames} frames ({sum(heldout)} held-out), '
          f'{os.path.getsize(args.out) / 2**20:.1f} MiB, VQD active in {vqd_seen}/{n} CLI runs, {time.time() - t0:.0f}s')


if __name__ == '__main__':
    main()
