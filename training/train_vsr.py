"""Train the recurrent VSR nets (shipped width 32 and the paper's width 64) on .devdata/vsr_pack.npz.

Both widths are trained in one loop on the same batches (small nets leave a GPU idle otherwise).
Each sample is a clip of T LR frames (degraded by the app's pipeline; with --p-clean a clip uses the
clean bicubic LR instead) and its HR frames; the net runs recurrently over the clip (neighbours at
the ends repeat the frame) and the loss is L1 to the HR frames (optionally to an unsharp-masked HR,
--usm). Adam, cosine decay, EMA of the weights (0.999 with warm-up) which is what gets exported.

After --seconds of training: held-out evaluation (clips whose sources were never trained on) of
PSNR(Y)/SSIM(Y) at x4 against bicubic x4 of the same LR input, on pipeline-degraded inputs and on
clean bicubic-downscaled inputs; then checkpoint parts, ONNX (vsr.step.onnx, vsr64.step.onnx),
summary json and an example picture go to --export-dir.

  python3 training/train_vsr.py --device cuda --bf16 --seconds 240 --export-dir $OUT
"""
from __future__ import annotations

import argparse
import copy
import io
import json
import math
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checkpoints import save_weights_split  # noqa: E402
from common import (Budget, Log, add_threads_arg, autocast, colour_bias, cpu_has_native_bf16, dump_json,  # noqa: E402
                    loss_text, psnr, separable_blur, setup, ssim, with_colour_term)
from vqdsr_models import VSR_CONFIGS, RecurrentVSR, count_params, widen_from  # noqa: E402
import random  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BORDER = 4   # HR pixels ignored at each edge in PSNR/SSIM (= scale)


def load_pack(path: str, threads: int = 8):
    d = np.load(path)
    blob = d['blob']
    meta = json.loads(str(d['meta']))

    def dec(off):
        o, n = int(off[0]), int(off[1])
        return np.asarray(Image.open(io.BytesIO(blob[o:o + n].tobytes())).convert('RGB'))

    def decode_all(offs):
        N, T = offs.shape[:2]
        flat = offs.reshape(-1, 2)
        with ThreadPoolExecutor(threads) as ex:
            arrs = list(ex.map(dec, flat))
        a = np.stack(arrs).reshape(N, T, *arrs[0].shape)
        return torch.from_numpy(a).permute(0, 1, 4, 2, 3).contiguous()  # N,T,3,H,W uint8

    hr = decode_all(d['hr_off'])
    extra = {'lrw': decode_all(d['web_off'])} if 'web_off' in d.files else {}
    return {'hr': hr, 'lr': decode_all(d['lr_off']), 'lrc': clean_lr(hr, meta.get('scale', 4), threads), **extra,
            'heldout': torch.from_numpy(d['heldout'].astype(bool)), 'kind': list(d['kind']),
            'params': [json.loads(p) for p in d['params']], 'meta': meta}


def clean_lr(hr: torch.Tensor, scale: int, threads: int) -> torch.Tensor:
    """Clean inputs: PIL bicubic x1/scale of every HR frame (N,T,3,H,W uint8 -> N,T,3,H/s,W/s)."""
    N, T, _, H, W = hr.shape

    def down(a):
        return np.asarray(Image.fromarray(a).resize((W // scale, H // scale), Image.BICUBIC))

    flat = hr.permute(0, 1, 3, 4, 2).reshape(-1, H, W, 3).numpy()
    with ThreadPoolExecutor(threads) as ex:
        arrs = list(ex.map(down, flat))
    a = np.stack(arrs).reshape(N, T, H // scale, W // scale, 3)
    return torch.from_numpy(a).permute(0, 1, 4, 2, 3).contiguous()


class EMA:
    def __init__(self, model, decay: float):
        self.model = copy.deepcopy(model).eval()
        for p in self.model.parameters():
            p.requires_grad_(False)
        self.decay = decay
        self.n = 0

    @torch.no_grad()
    def update(self, model):
        self.n += 1
        d = min(self.decay, (1 + self.n) / (10 + self.n))
        for e, p in zip(self.model.parameters(), model.parameters()):
            e.mul_(d).add_(p.detach(), alpha=1 - d)


def usm(x: torch.Tensor, amount: float = 0.5, radius_sigma: float = 1.5) -> torch.Tensor:
    """Unsharp mask (as AnimeSR/Real-ESRGAN sharpen GT): x + amount * (x - blur(x)), clamped."""
    k = int(2 * round(3 * radius_sigma) + 1)
    ax = torch.arange(k, device=x.device, dtype=x.dtype) - k // 2
    g = torch.exp(-ax ** 2 / (2 * radius_sigma ** 2))
    g = g / g.sum()
    return (x + amount * (x - separable_blur(x, g))).clamp(0, 1)


def conds_ev(ev: dict) -> list:
    """The input conditions an evaluate() result holds, in a fixed order."""
    return [k for k in ('degraded', 'clean_bicubic_down', 'web') if k in ev]


def sample_batch(data: dict, idx_pool: torch.Tensor, batch: int, lr_crop: int, p_clean: float,
                 gen: torch.Generator, device, p_web: float = 0.0, dihedral: bool = False):
    """Random crops of random training clips; each clip's input is its clean bicubic LR (p_clean),
    its web-quality LR (p_web, packs with web LR only) or its paper-degraded LR (the rest). Each crop
    is mirrored in x and played backwards at random; with `dihedral` also mirrored in y and
    transposed (all 8 symmetries of the square: the pack's degraded LR is precomputed, one draw of the
    degradation per clip, so the net otherwise sees the same few noise and codec patterns every epoch;
    it also makes the net's errors the same under the symmetries the self-ensemble averages over)."""
    hr_all, lr_all, lrc_all = data['hr'], data['lr'], data['lrc']
    _, T, _, h, w = lr_all.shape
    s = hr_all.shape[-1] // w
    pick = idx_pool[torch.randint(0, idx_pool.numel(), (batch,), generator=gen)]
    lrs, hrs = [], []
    for i in pick.tolist():
        y = int(torch.randint(0, h - lr_crop + 1, (1,), generator=gen))
        x = int(torch.randint(0, w - lr_crop + 1, (1,), generator=gen))
        r = float(torch.rand(1, generator=gen))
        src = lrc_all if r < p_clean else data['lrw'] if r < p_clean + p_web else lr_all
        lr = src[i, :, :, y:y + lr_crop, x:x + lr_crop]
        hr = hr_all[i, :, :, y * s:(y + lr_crop) * s, x * s:(x + lr_crop) * s]
        if float(torch.rand(1, generator=gen)) < 0.5:
            lr, hr = lr.flip(-1), hr.flip(-1)
        if float(torch.rand(1, generator=gen)) < 0.5:
            lr, hr = lr.flip(0), hr.flip(0)      # play the clip backwards
        if dihedral:                             # drawn after the above: runs without it draw as before
            if float(torch.rand(1, generator=gen)) < 0.5:
                lr, hr = lr.flip(-2), hr.flip(-2)
            if float(torch.rand(1, generator=gen)) < 0.5:
                lr, hr = lr.transpose(-1, -2), hr.transpose(-1, -2)
        lrs.append(lr)
        hrs.append(hr)
    lr = torch.stack(lrs).to(device, non_blocking=True).float() / 255
    hr = torch.stack(hrs).to(device, non_blocking=True).float() / 255
    return lr, hr


def lr_at(frac: float, base: float) -> float:
    if frac < 0.03:
        return base * (0.1 + 0.9 * frac / 0.03)
    return base * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * min(1.0, (frac - 0.03) / 0.97))))


def bicubic_up(lr: torch.Tensor, s: int = 4) -> torch.Tensor:
    return F.interpolate(lr, scale_factor=s, mode='bicubic', align_corners=False).clamp(0, 1)


@torch.no_grad()
def evaluate(models: dict, data: dict, idx: torch.Tensor, device) -> dict:
    """Pack mode: the given clips on pipeline-degraded ('degraded') and clean bicubic ('clean_bicubic_down')
    inputs, through the one evaluation (evaluate_user)."""
    held = {'hr': data['hr'][idx], 'degraded': data['lr'][idx], 'clean_bicubic_down': data['lrc'][idx]}
    conds = ('degraded', 'clean_bicubic_down')
    if 'lrw' in data:
        held['web'] = data['lrw'][idx]
        conds += ('web',)
    res = evaluate_user(models, held, device, conds)
    res['frames'] = int(idx.numel() * data['lr'].shape[1])
    return res


@torch.no_grad()
def evaluate_user(models: dict, held: dict, device, conds: tuple = ('clean', 'web')) -> dict:
    """Held-out clips, per input condition (held[cond], LR of held['hr']): mean PSNR(Y)/SSIM(Y) for each
    model and bicubic, the worst clip's gain over bicubic, and the mean colour shift (model minus HR, in
    8-bit levels, per RGB channel, the largest |shift| over clips)."""
    res = {}
    for cond in conds:
        acc = {name: {'psnr': [], 'ssim': [], 'gain': [], 'shift': []} for name in list(models) + ['bicubic']}
        for i in range(held['hr'].shape[0]):
            lr = held[cond][i:i + 1].to(device).float() / 255
            hr = held['hr'][i].to(device).float() / 255
            outs = {'bicubic': bicubic_up(lr[0])}
            for name, m in models.items():
                outs[name] = m(lr)[0].float().clamp(0, 1)
            pb = None
            for name, out in outs.items():
                p = psnr(out, hr, border=BORDER).cpu()
                acc[name]['psnr'].append(p)
                acc[name]['ssim'].append(ssim(out, hr, border=BORDER).cpu())
                if name == 'bicubic':
                    pb = p.mean()
                acc[name]['gain'].append(float(p.mean() - pb))
                q = (out * 255).round()
                acc[name]['shift'].append((q.mean((0, 2, 3)) - (hr * 255).round().mean((0, 2, 3))).cpu())
        res[cond] = {}
        for name, v in acc.items():
            shifts = torch.stack(v['shift'])
            res[cond][name] = {'psnr_y': round(float(torch.cat(v['psnr']).mean()), 3),
                               'ssim_y': round(float(torch.cat(v['ssim']).mean()), 4),
                               'worst_gain_db': round(min(v['gain']), 3),
                               'worst_clip': int(np.argmin(v['gain'])),
                               'max_abs_colour_shift': round(float(shifts.abs().max()), 2)}
        for name in models:
            res[cond][name]['gain_db_over_bicubic'] = round(res[cond][name]['psnr_y'] - res[cond]['bicubic']['psnr_y'], 3)
    res['clips'] = int(held['hr'].shape[0])
    res['border'] = BORDER
    return res


@torch.no_grad()
def example_picture(models: dict, data: dict, i: int, device, path: str) -> None:
    """Held-out frame: LR (nearest x4) | bicubic | each model | HR."""
    lr = data['lr'][i:i + 1].to(device).float() / 255
    hr = data['hr'][i].to(device).float() / 255
    t = lr.shape[1] // 2
    tiles = [F.interpolate(lr[0, t:t + 1], scale_factor=4, mode='nearest'), bicubic_up(lr[0, t:t + 1])]
    tiles += [m(lr)[0, t:t + 1].float().clamp(0, 1) for m in models.values()]
    tiles.append(hr[t:t + 1])
    g = (torch.cat(tiles, dim=3)[0] * 255).round().byte().permute(1, 2, 0).cpu().numpy()
    Image.fromarray(g).save(path)


def charbonnier(sr: torch.Tensor, hr: torch.Tensor) -> torch.Tensor:
    """Smooth L1 (the general model's loss)."""
    return torch.sqrt((sr - hr) ** 2 + 1e-6).mean()


PIXEL_LOSSES = {
    'l1': lambda sr, t: (sr.float() - t).abs().mean(),
    'l2': lambda sr, t: ((sr.float() - t) ** 2).mean(),
}
# --shards (the general model): 'l1' is Charbonnier, as it always was there.
SHARDS_LOSSES = {'l1': charbonnier, 'l2': PIXEL_LOSSES['l2']}
SHARDS_LOSS_TEXT = {'l1': 'Charbonnier to HR', 'l2': 'L2 to HR'}


def optimize_step(models: dict, opts: dict, emas: dict, losses: dict, lr_in, target, lr: float, loss_fn,
                  bf16: bool = False) -> None:
    """One Adam step of every net on the same batch, then its EMA; the loss goes to losses[name]."""
    for n, m in models.items():
        for g in opts[n].param_groups:
            g['lr'] = lr
        with autocast(bf16, lr_in.device.type):
            sr = m(lr_in)
        loss = loss_fn(sr, target)
        opts[n].zero_grad(set_to_none=True)
        loss.backward()
        opts[n].step()
        emas[n].update(m)
        losses[n].append(float(loss))


def prepare_bf16(models: dict, bf16: bool, device, log) -> bool:
    """--bf16: training steps under bf16 autocast (optimize_step). On the CPU the nets go channels_last:
    oneDNN's bf16 convolutions want NHWC and reorder every input otherwise (measured on this VM's
    AMX-BF16 Xeon, lite-deep8, batch 4 x 5 frames x 48 px, 2 threads: fp32 352 ms/step, bf16 263,
    bf16 + channels_last 184; fp32 + channels_last 337). Weights stay fp32 (autocast casts per op); the
    EMA, held-out scores and exports stay plain fp32. Returns whether bf16 is used: not on a CPU without
    native bf16, where it would be emulated many times slower (said in the log)."""
    if bf16 and device.type == 'cpu' and not cpu_has_native_bf16():
        log('--bf16 ignored: this CPU has no native bf16 (no avx512_bf16 / amx_bf16 flag), oneDNN would emulate '
            'it many times slower; training in fp32')
        return False
    if bf16 and device.type == 'cpu':
        for m in models.values():
            m.to(memory_format=torch.channels_last)
        log('bf16 autocast on the CPU, nets in channels_last (oneDNN bf16 convolutions)')
    return bf16


def general_summary(step: int, seconds: float, device, run: dict, heldout: dict | None, data: dict, **extra) -> dict:
    """What the weight files of the general model carry (manifest.json and the model card read it)."""
    return {'trained': True, 'steps': step, 'train_seconds': round(seconds, 1),
            'device': torch.cuda.get_device_name(0) if torch.device(device).type == 'cuda' else 'cpu',
            'torch': torch.__version__, 'batch': run.get('batch'), 'lr_crop': run.get('lr_crop'), 'lr': run.get('lr'),
            'bf16': bool(run.get('bf16')), 'loss': loss_text(SHARDS_LOSS_TEXT[run.get('loss') or 'l1'], run.get('colour_weight') or 0), 'ema': run.get('ema'), 'p_web': run.get('p_web'),
            'data': {**data, 'maker': 'make_user_clips.py'}, 'heldout': heldout, **extra}


def general_file_base(i: int, name: str) -> str:
    """File stem of the i-th net of a general export: the first is 'vsr', the others 'vsr_<config>'."""
    return 'vsr' if i == 0 else f'vsr_{name}'


def export_general(ema_models: dict, summary: dict, out_dir: str) -> None:
    """Weight parts + step ONNX per net (named by general_file_base) and the summary."""
    from export_onnx import export_vsr
    os.makedirs(out_dir, exist_ok=True)
    for i, (n, m) in enumerate(ema_models.items()):
        base = general_file_base(i, n)
        save_weights_split(m, 'vsr', os.path.join(out_dir, base), summary)
        export_vsr(m, os.path.join(out_dir, f'{base}.step.onnx'))
    dump_json(os.path.join(out_dir, 'vsr_summary.json'), summary)


@torch.no_grad()
def log_progress(log, step: int, elapsed: float, opts: dict, losses: dict, models: dict, lr_in, hr) -> None:
    """One training log line: loss (mean of the last 50 steps) and PSNR-Y of two batch clips' last frame."""
    names = list(models)
    p = {n: float(psnr(models[n](lr_in[:2]).float()[:, -1], hr[:2, -1]).mean()) for n in names}
    pb = float(psnr(bicubic_up(lr_in[:2, -1]), hr[:2, -1]).mean())
    log(f'step {step:6d} t {elapsed:5.0f}s lr {opts[names[0]].param_groups[0]["lr"]:.1e} ' +
        ' '.join(f'{n}: loss {np.mean(losses[n][-50:]):.4f} psnrY {p[n]:.2f}' for n in names) + f' | bicubic {pb:.2f}')


def build_or_resume(names: list, args, device, log) -> tuple:
    """The nets of --configs with Adam and EMA, resumed from run_dir/last.pt with --resume:
    (models, opts, emas, step, seconds already trained)."""
    models, opts, emas = {}, {}, {}
    for n in names:
        torch.manual_seed(args.seed + len(models))
        m = RecurrentVSR(VSR_CONFIGS[n]).to(device)
        models[n] = m
        opts[n] = torch.optim.Adam(m.parameters(), lr=args.lr, betas=(0.9, 0.99))
        emas[n] = EMA(m, args.ema)
        log(f'vsr {n}: width {m.cfg.width}, blocks {m.cfg.blocks}, {count_params(m)} params')
    step, elapsed_before = 0, 0.0
    ckpt_path = os.path.join(args.run_dir, 'last.pt')
    if args.resume and os.path.exists(ckpt_path):
        # weights_only=False: our own files; torch >= 2.6 (the GPU machine) defaults to True, which
        # refuses a full checkpoint's optimizer state
        ck = torch.load(ckpt_path, map_location=device, weights_only=False)
        for n in names:
            models[n].load_state_dict(ck['models'][n])       # fp16 in a compact copy: loaded as fp32
            if ck.get('opts'):
                opts[n].load_state_dict(ck['opts'][n])
            else:
                log(f'{n}: checkpoint without optimizer state (a compact resume copy): Adam starts afresh')
            emas[n].model.load_state_dict(ck['emas'][n])
            emas[n].n = ck['step']
        step, elapsed_before = ck['step'], ck['elapsed']
        log(f'resumed at step {step}, {elapsed_before:.0f}s already trained')
    elif args.init_from:
        # A fine-tune: start from another run's EMA weights (what that run exported) with a fresh
        # optimizer and a fresh learning-rate schedule; the EMA starts at full decay so the first
        # steps do not average with an untrained copy.
        # --init-config names the source's net when it differs (a deeper net grown from it).
        ck = torch.load(args.init_from, map_location=device, weights_only=False)
        for n in names:
            src_name = args.init_config or n
            src = ck['emas'][src_name] if 'emas' in ck else ck['models'][src_name]
            grown = widen_from(models[n], src)     # deepen_from when the widths agree
            if grown['new_blocks'] or grown['from_width'] != grown['to_width']:
                log(f'{n} grown from {src_name}: width {grown["from_width"]} -> {grown["to_width"]}, '
                    f'{len(grown["new_blocks"])} residual blocks appended as identity (computes what {src_name} did)')
            emas[n].model.load_state_dict(models[n].state_dict())
            emas[n].n = 10 ** 6
        log(f'initialised from {args.init_from} (its step {ck.get("step")}); fresh optimizer and schedule')
    return models, opts, emas, step, elapsed_before


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--pack', default=os.path.join(ROOT, '.devdata', 'vsr_pack.npz'))
    ap.add_argument('--configs', default='ship,paper', help='comma list of VSR_CONFIGS names to train together')
    ap.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    ap.add_argument('--seconds', type=float, default=240)
    ap.add_argument('--batch', type=int, default=16)
    ap.add_argument('--lr-crop', type=int, default=48, help='LR crop side (HR = 4x)')
    ap.add_argument('--frames', type=int, default=0, help='frames per training clip (0: all in the pack)')
    ap.add_argument('--lr', type=float, default=4e-4)
    ap.add_argument('--p-clean', type=float, default=0.15, help='share of clips trained on clean bicubic LR')
    ap.add_argument('--usm', type=float, default=0.0, help='unsharp-mask amount for the GT (0: plain GT)')
    ap.add_argument('--loss', choices=('l1', 'l2'), default='l1',
                    help='L1 predicts the median of what an input may have been (sharp edges where the input is '
                         'ambiguous); L2 the mean, which is what PSNR rewards (--shards: l1 is Charbonnier)')
    ap.add_argument('--colour-weight', type=float, default=0.0,
                    help='add this times the colour bias (|crop-mean error| per channel) to the pixel loss, '
                         'so the net does not keep an input\'s colour cast (0: off; 1 makes it decide)')
    ap.add_argument('--ema', type=float, default=0.999)
    ap.add_argument('--bf16', action='store_true',
                    help='bf16 autocast for training steps (CUDA; on a CPU with AMX/AVX512-BF16 too, with channels_last)')
    ap.add_argument('--run-dir', default=os.path.join(HERE, 'runs', 'vsr'))
    ap.add_argument('--export-dir', default=None)
    ap.add_argument('--resume', action='store_true')
    ap.add_argument('--init-from', default=None,
                    help='fine-tune: weights from this checkpoint (its EMA), fresh optimizer and schedule; '
                         'ignored when --resume finds run_dir/last.pt')
    ap.add_argument('--init-config', default=None,
                    help='with --init-from: the source checkpoint\'s config name when it differs from '
                         '--configs (a deeper or wider net grown from a trained one, see widen_from)')
    ap.add_argument('--ckpt-every', type=float, default=60)
    ap.add_argument('--log-every', type=float, default=15)
    ap.add_argument('--eval-clips', type=int, default=0, help='0: all held-out clips')
    ap.add_argument('--allow-stand-in', action='store_true', help='accept a TEST stand-in pack (never for shipping)')
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--shards', default=None, help='make_user_clips.py shard folder (general model) instead of --pack')
    ap.add_argument('--p-web', type=float, default=None,
                    help='share of clips in the web condition (--shards: default 0.55; pack mode: the pack\'s '
                         'web LR, default 0)')
    ap.add_argument('--eval-every', type=float, default=900, help='with --shards: held-out evaluation period (s)')
    ap.add_argument('--campaign-log', default=None, help='jsonl file: one line per periodic held-out evaluation')
    ap.add_argument('--dihedral', action='store_true',
                    help='pack mode: augment with all 8 symmetries of the square (default: x mirror only)')
    add_threads_arg(ap)
    ap.add_argument('--snapshot-every', type=float, default=0,
                    help='pack mode: every S seconds save the EMA weights (snap_<step>.pt) and score them on the '
                         'held-out clips, so a long run can be picked at its best point (0: off)')
    ap.add_argument('--snapshot-dir', default=None, help='where the snapshots go (default: --run-dir)')
    args = ap.parse_args()
    if args.shards:
        if args.p_web is None:
            args.p_web = 0.55
        return main_shards(args)
    p_web = args.p_web or 0.0

    device = setup(args.device, threads=args.threads, seed=args.seed)
    os.makedirs(args.run_dir, exist_ok=True)
    log = Log(os.path.join(args.run_dir, 'log.txt'))
    log(f'torch threads {torch.get_num_threads()}')
    t0 = time.time()
    data = load_pack(args.pack)
    meta = data['meta']
    if meta.get('stand_in') and not args.allow_stand_in:
        sys.exit('this pack was made with the TEST stand-in degradation; refusing (use --allow-stand-in for tests)')
    if p_web > 0 and 'lrw' not in data:
        sys.exit(f'--p-web {p_web}: {args.pack} has no web-quality LR (make it with make_vsr_pairs.py --from-shards)')
    N, T = data['lr'].shape[:2]
    held = data['heldout']
    train_idx = (~held).nonzero().flatten()
    held_idx = held.nonzero().flatten()
    if args.eval_clips:
        held_idx = held_idx[:args.eval_clips]
    log(f'pack {args.pack}: {N} clips x {T} frames ({train_idx.numel()} train, {held.sum()} held-out), '
        f'LR {tuple(data["lr"].shape[-2:])} -> HR {tuple(data["hr"].shape[-2:])}, degrade: {meta.get("degrade")}, '
        f'decoded in {time.time() - t0:.1f}s')
    names = args.configs.split(',')
    models, opts, emas, step, elapsed_before = build_or_resume(names, args, device, log)
    ckpt_path = os.path.join(args.run_dir, 'last.pt')

    def save_ckpt(elapsed):
        torch.save({'models': {n: m.state_dict() for n, m in models.items()},
                    'opts': {n: o.state_dict() for n, o in opts.items()},
                    'emas': {n: e.model.state_dict() for n, e in emas.items()},
                    'step': step, 'elapsed': elapsed, 'configs': names}, ckpt_path)

    if device.type == 'cuda':
        # the whole pack fits on the GPU (~1 MB a clip as uint8): crops are cut there, not copied per step
        for key in ('hr', 'lr', 'lrc', 'lrw'):
            if key in data:
                data[key] = data[key].to(device)
    snap_dir = args.snapshot_dir or args.run_dir

    def snapshot(elapsed):
        """EMA weights now + their held-out scores (the log and the campaign log carry them)."""
        os.makedirs(snap_dir, exist_ok=True)
        path = os.path.join(snap_dir, f'snap_{step:06d}.pt')
        torch.save({'emas': {n: e.model.state_dict() for n, e in emas.items()}, 'step': step,
                    'elapsed': elapsed, 'configs': names}, path)
        ev_s = evaluate({n: emas[n].model for n in names}, data, held_idx, device)
        line = {'snapshot': os.path.basename(path), 'step': step, 'elapsed': round(elapsed, 1),
                **{k: {n: ev_s[k][n]['psnr_y'] for n in names + ['bicubic']} for k in conds_ev(ev_s)},
                'worst_gain_db': {k: {n: ev_s[k][n]['worst_gain_db'] for n in names} for k in conds_ev(ev_s)}}
        log(f'snapshot {line}')
        if args.campaign_log:
            with open(args.campaign_log, 'a') as f:
                f.write(json.dumps(line) + '\n')

    gen = torch.Generator().manual_seed(args.seed + 1)
    args.bf16 = prepare_bf16(models, args.bf16, device, log)
    budget = Budget(max(0.0, args.seconds - elapsed_before))
    t_log = t_ckpt = t_snap = time.time()
    losses = {n: [] for n in names}
    Tt = args.frames if args.frames else T
    while not budget.done():
        frac = (elapsed_before + budget.elapsed()) / max(args.seconds, 1e-9)
        lr_in, hr = sample_batch(data, train_idx, args.batch, args.lr_crop, args.p_clean, gen, device, p_web,
                                 args.dihedral)
        if Tt < T:
            t0_ = int(torch.randint(0, T - Tt + 1, (1,), generator=gen))
            lr_in, hr = lr_in[:, t0_:t0_ + Tt], hr[:, t0_:t0_ + Tt]
        target = hr
        if args.usm > 0:
            target = usm(hr.flatten(0, 1), args.usm).view_as(hr)
        optimize_step(models, opts, emas, losses, lr_in, target, lr_at(frac, args.lr),
                      with_colour_term(PIXEL_LOSSES[args.loss], args.colour_weight), args.bf16)
        step += 1
        now = time.time()
        if now - t_log >= args.log_every:
            log_progress(log, step, elapsed_before + budget.elapsed(), opts, losses, models, lr_in, hr)
            t_log = now
        if now - t_ckpt >= args.ckpt_every:
            save_ckpt(elapsed_before + budget.elapsed())
            t_ckpt = now
        if args.snapshot_every and now - t_snap >= args.snapshot_every:
            snapshot(elapsed_before + budget.elapsed())
            t_snap = time.time()
    trained_s = elapsed_before + budget.elapsed()
    save_ckpt(trained_s)
    log(f'trained {step} steps in {trained_s:.0f}s; evaluating {held_idx.numel()} held-out clips')
    ema_models = {n: emas[n].model for n in names}
    torch.backends.cudnn.allow_tf32 = False        # held-out numbers in plain fp32, as the ONNX runs
    torch.backends.cuda.matmul.allow_tf32 = False
    ev = evaluate(ema_models, data, held_idx, device)
    for key in conds_ev(ev):
        log(f'held-out {key}: ' + ', '.join(f'{n} {v["psnr_y"]:.2f} dB / {v["ssim_y"]:.4f}' for n, v in ev[key].items()))
    summary_common = {
        'trained': True, 'steps': step, 'train_seconds': round(trained_s, 1),
        'device': torch.cuda.get_device_name(0) if device.type == 'cuda' else 'cpu', 'torch': torch.__version__,
        'batch': args.batch, 'lr_crop': args.lr_crop, 'frames_per_clip': Tt, 'lr': args.lr, 'bf16': args.bf16,
        'augment': 'dihedral (8 symmetries), time reversal' if args.dihedral else 'x mirror, time reversal',
        'loss': loss_text(args.loss.upper() + (f' to USM-sharpened GT (amount {args.usm})' if args.usm > 0 else ' to HR'),
                          args.colour_weight),
        'ema': args.ema, 'p_clean_inputs': args.p_clean, 'p_web_inputs': p_web,
        'data': {'pack': os.path.basename(args.pack), 'clips': int(N), 'frames': int(T),
                 'train_clips': int(train_idx.numel()), 'heldout_clips': int(held.sum()),
                 'hr_size': int(data['hr'].shape[-1]), 'degrade': meta.get('degrade'),
                 'stand_in': bool(meta.get('stand_in')), 'clips_with_vqd': meta.get('clips_with_vqd')},
    }
    summaries = {}
    for n in names:
        s = dict(summary_common)
        s['heldout'] = {k: ({'model': v[n], 'bicubic': v['bicubic']} if isinstance(v, dict) else v)
                        for k, v in ev.items()}
        summaries[n] = s
    dump_json(os.path.join(args.run_dir, 'summary.json'), {'eval': ev, **summary_common})
    if args.export_dir:
        os.makedirs(args.export_dir, exist_ok=True)
        from export_onnx import export_vsr
        if held_idx.numel():   # before export: export moves the models to the CPU
            try:
                example_picture(ema_models, data, int(held_idx[0]), device,
                                os.path.join(args.export_dir, 'vsr_example.png'))
            except Exception as e:
                log(f'example picture failed: {e!r}')
        file_of = {'ship': 'vsr', 'paper': 'vsr64', 'tiny': 'vsr_tiny'}
        for n in names:
            base = file_of.get(n, f'vsr_{n}')
            save_weights_split(emas[n].model, 'vsr', os.path.join(args.export_dir, base), summaries[n])
            try:
                export_vsr(emas[n].model, os.path.join(args.export_dir, f'{base}.step.onnx'))
            except Exception as e:
                log(f'ONNX export of {n} failed here ({e!r}); export from the .pt with export_models.py')
        dump_json(os.path.join(args.export_dir, 'vsr_summary.json'), {'eval': ev, **summary_common,
                                                                     'log': log.lines[-60:]})
    log('done')


def main_shards(args) -> None:
    """The general model: user-like clips (make_user_clips.py shards), clean and web conditions.

    Runs until --seconds of training in total (across resumes); every --eval-every seconds the EMA
    weights are scored on the held-out shard and a line goes to --campaign-log, so a campaign that
    spans sessions has its curve in one file."""
    from user_data import ShardData, load_heldout
    device = setup(args.device, threads=args.threads, seed=args.seed)
    os.makedirs(args.run_dir, exist_ok=True)
    log = Log(os.path.join(args.run_dir, 'log.txt'))
    log(f'torch threads {torch.get_num_threads()}')
    data = ShardData(args.shards, log=log)
    if not data.clips:
        sys.exit(f'no shard_*.npz in {args.shards} (make them with training/make_user_clips.py)')
    held = load_heldout(args.shards, args.eval_clips)
    log(f'held-out: {0 if held is None else held["hr"].shape[0]} clips')
    names = args.configs.split(',')
    models, opts, emas, step, elapsed_before = build_or_resume(names, args, device, log)
    ckpt_path = os.path.join(args.run_dir, 'last.pt')

    def save_ckpt(elapsed):
        tmp = ckpt_path + '.tmp'
        torch.save({'models': {n: m.state_dict() for n, m in models.items()},
                    'opts': {n: o.state_dict() for n, o in opts.items()},
                    'emas': {n: e.model.state_dict() for n, e in emas.items()},
                    'step': step, 'elapsed': elapsed, 'configs': names, 'args': vars(args)}, tmp)
        os.replace(tmp, ckpt_path)

    def held_eval(elapsed) -> dict | None:
        if held is None:
            return None
        ev = evaluate_user({n: emas[n].model for n in names}, held, device)
        line = {'time': time.strftime('%Y-%m-%dT%H:%M:%S'), 'step': step, 'train_seconds': round(elapsed),
                'clips_seen': data.clips, **{c: ev[c] for c in ('clean', 'web')}}
        log('held-out ' + ' | '.join(
            f"{c}: bicubic {ev[c]['bicubic']['psnr_y']:.2f} " +
            ' '.join(f"{n} {ev[c][n]['psnr_y']:.2f} ({ev[c][n]['gain_db_over_bicubic']:+.2f}, worst "
                     f"{ev[c][n]['worst_gain_db']:+.2f}, colour {ev[c][n]['max_abs_colour_shift']:.1f})" for n in names)
            for c in ('clean', 'web')))
        if args.campaign_log:
            with open(args.campaign_log, 'a') as f:
                f.write(json.dumps(line) + '\n')
        return ev

    rng = random.Random(args.seed * 7 + step)
    args.bf16 = prepare_bf16(models, args.bf16, device, log)
    budget = Budget(max(0.0, args.seconds - elapsed_before))
    t_log = t_ckpt = t_refresh = t_eval = time.time()
    losses = {n: [] for n in names}
    while not budget.done():
        elapsed = elapsed_before + budget.elapsed()
        frac = elapsed / max(args.seconds, 1e-9)
        lr_in, hr = data.sample(args.batch, args.lr_crop, args.p_web, rng, device)
        if args.frames and args.frames < lr_in.shape[1]:
            t0_ = rng.randrange(lr_in.shape[1] - args.frames + 1)
            lr_in, hr = lr_in[:, t0_:t0_ + args.frames], hr[:, t0_:t0_ + args.frames]
        optimize_step(models, opts, emas, losses, lr_in, hr, lr_at(frac, args.lr),
                      with_colour_term(SHARDS_LOSSES[args.loss], args.colour_weight), args.bf16)
        step += 1
        now = time.time()
        if now - t_log >= args.log_every:
            log_progress(log, step, elapsed, opts, losses, models, lr_in, hr)
            t_log = now
        if now - t_ckpt >= args.ckpt_every:
            save_ckpt(elapsed_before + budget.elapsed())
            t_ckpt = now
        if now - t_refresh >= 300:
            data.refresh()
            t_refresh = now
        if now - t_eval >= args.eval_every:
            held_eval(elapsed_before + budget.elapsed())
            t_eval = time.time()
    trained_s = elapsed_before + budget.elapsed()
    save_ckpt(trained_s)
    log(f'trained {step} steps in {trained_s:.0f}s')
    ev = held_eval(trained_s)
    if args.export_dir:
        summary = general_summary(step, trained_s, device, vars(args), ev,
                                  {'shards': len(data.paths), 'clips': data.clips})
        export_general({n: emas[n].model for n in names}, summary, args.export_dir)
    log('done')


if __name__ == '__main__':
    main()
