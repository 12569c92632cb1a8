"""Train the multi-scale VQGAN on the low-quality prior pack (.devdata/vqgan_pack.npz).

Two stages, as in the paper: the top branch alone (encoder trunk -> H/8 -> decoder), then all three
branches together. Loss: L1 reconstruction + codebook ||sg[z] - e||^2 + beta ||z - sg[e]||^2
(beta 0.25), straight-through gradients. The shared codebook is kept alive, because the app's
k-th-nearest degradation (k up to 70) only means something if many codes are in use:
  * codes are initialised from encoder outputs on the first batch,
  * codes whose running usage falls under a threshold are restarted on random current latents
    (from all active branches) every few dozen steps,
and the log reports, per branch, how many distinct codes the last window used.

Training stops after --seconds of wall clock (checkpoints every --ckpt-every seconds, --resume
continues), then evaluates on the held-out frames (reconstruction PSNR, and PSNR vs k on the bottom
branch for k = 1, 10, 30, 50, 70) and writes checkpoint parts, ONNX, codebook and a summary.

  python3 training/train_vqgan.py --device cuda --seconds 300 --export-dir $OUT
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checkpoints import save_weights_split  # noqa: E402
from common import Budget, Log, add_threads_arg, autocast, dump_json, loss_text, psnr, setup, with_colour_term  # noqa: E402
from vqdsr_models import VQGAN_CONFIGS, MultiScaleVQGAN, count_params, deepen_vqgan_from  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
K_SWEEP = [1, 10, 30, 50, 70]


def pack_groups(pack) -> np.ndarray:
    """Each frame's group; packs from before make_vqgan_mix.py are all 'prior'."""
    return pack['group'] if 'group' in pack.files else np.array(['prior'] * len(pack['heldout']))


def load_pack(path: str, device):
    """Training frames (on device), held-out frames by group ('prior', and 'clean' in mixed packs)."""
    d = np.load(path)
    frames = torch.from_numpy(d['frames']).permute(0, 3, 1, 2).contiguous()  # N,3,S,S uint8
    held = torch.from_numpy(d['heldout'].astype(bool))
    group = pack_groups(d)
    held_groups = {}
    for g in sorted(set(group.tolist())):
        m = torch.from_numpy(group == g) & held
        if int(m.sum()):
            held_groups[g] = frames[m]
    return frames[~held].to(device), held_groups, d


GROUP_SOURCES = {
    'prior': 'synthetic low-quality prior (prep_prior.py): HR clip art / procedural cel clips through ffmpeg chains '
             '(downscale, 1-3 generations of x264/mpeg2/mpeg4, yuv420p, sharpening, upscaling from SD); NOT real '
             'low-quality animation',
    'clean': 'clean line art (make_vqgan_mix.py from make_user_clips.py shards): one frame per clip, HR 256 px -> '
             'the frame size with a random kernel',
    'clean_lr': 'clean line art at the scale the pipeline meets it (make_vqgan_mix.py --lr-mosaics): mosaics of '
                'x1/4 LR tiles of the shards\' clips',
}


def data_summary(pack_path: str, pack, train: torch.Tensor, held: dict) -> dict:
    """What the run trained on: frame counts per group and where each group comes from."""
    group = pack_groups(pack)
    is_held = pack['heldout'].astype(bool)
    groups = {g: {'train': int(((group == g) & ~is_held).sum()), 'heldout': int(((group == g) & is_held).sum()),
                  'source': GROUP_SOURCES.get(g, g)} for g in sorted(set(group.tolist()))}
    return {'pack': os.path.basename(pack_path), 'train_frames': int(train.shape[0]),
            'heldout_frames': int(sum(h.shape[0] for h in held.values())), 'frame_size': int(train.shape[-1]),
            'groups': groups,
            'source': '; '.join(f'{g} ({v["train"]} frames): {v["source"]}' for g, v in groups.items())}


TINT_LOW = 0.75   # white -> 191..255 per channel: the pale backgrounds of cel art and vector clips


def random_batch(frames: torch.Tensor, batch: int, crop: int, gen: torch.Generator, tint_p: float = 0.0) -> torch.Tensor:
    """Random crops + horizontal flips, returned in [-1, 1] float. tint_p: the share of crops multiplied
    by a random per-channel factor in [TINT_LOW, 1] and rounded to 8 bits — white paper becomes a pale
    flat colour of any hue and the lines stay dark. Our clean line art is nearly all on white, and the
    VQGAN kept taking a 1.5-4-level cast on the one held-out clip with a pale cyan background (scenlr,
    mixlr2, mixcol); with tint_p 0 the batches are the same as before (no draws from gen)."""
    n, _, H, W = frames.shape
    dev = frames.device
    idx = torch.randint(0, n, (batch,), generator=gen).to(dev)
    ys = torch.randint(0, H - crop + 1, (batch,), generator=gen)
    xs = torch.randint(0, W - crop + 1, (batch,), generator=gen)
    flips = torch.rand(batch, generator=gen) < 0.5
    out = []
    for b in range(batch):
        c = frames[idx[b], :, ys[b]:ys[b] + crop, xs[b]:xs[b] + crop]
        out.append(c.flip(-1) if flips[b] else c)
    x = torch.stack(out).float()
    if tint_p > 0:
        tinted = (torch.rand(batch, generator=gen) < tint_p).to(dev)
        factor = (TINT_LOW + (1 - TINT_LOW) * torch.rand(batch, 3, generator=gen)).to(dev)
        factor = torch.where(tinted[:, None], factor, torch.ones_like(factor))
        x = torch.round(x * factor[:, :, None, None])
    return x / 127.5 - 1.0


class CodebookKeeper:
    """Running per-code usage and dead-code restarts for the shared codebook."""

    def __init__(self, n_codes: int, device, decay: float = 0.99, threshold: float = 0.03):
        self.usage = torch.full((n_codes,), 1.0 / n_codes, device=device)
        self.decay = decay
        self.threshold = threshold / n_codes   # a code is dead below 3% of uniform usage
        self.window = {}                       # branch -> bool mask of codes used since last log
        self.restarted = 0

    def observe(self, branch: str, idx: torch.Tensor) -> None:
        counts = torch.bincount(idx.flatten(), minlength=self.usage.numel()).float()
        self.usage.mul_(self.decay).add_(counts / counts.sum(), alpha=(1 - self.decay))
        m = counts > 0
        self.window[branch] = m if branch not in self.window else (self.window[branch] | m)

    @torch.no_grad()
    def restart(self, codebook: torch.nn.Embedding, latents: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        dead = (self.usage < self.threshold).nonzero().flatten()
        if dead.numel() == 0:
            return dead
        pick = torch.randint(0, latents.shape[0], (dead.numel(),), generator=gen).to(latents.device)
        new = latents[pick]
        new = new + 0.01 * new.std() * torch.randn_like(new)
        codebook.weight.data[dead] = new.to(codebook.weight.dtype)
        self.usage[dead] = 1.0 / self.usage.numel()
        self.restarted += dead.numel()
        return dead

    def window_report(self) -> dict:
        rep = {b: int(m.sum()) for b, m in self.window.items()}
        if self.window:
            allm = torch.stack(list(self.window.values())).any(0)
            rep['all'] = int(allm.sum())
        self.window = {}
        return rep


class EmaCodebook:
    """Exponential-moving-average codebook updates (VQ-VAE-2 / Jukebox) instead of the codebook loss.

    Why: with gradient updates a code moves only when it is picked, at Adam's learning rate, so in a
    short CPU run most of the 1024 codes never leave their initial place and the set in use collapses
    (31 codes in the first CPU run). EMA moves each picked code to the running mean of the latents it
    won, every step, and with dead-code restarts keeps the whole book near the latent distribution:
    what the k-th-nearest degradation needs (the k-th neighbour has to be a real, nearby latent).
    """

    def __init__(self, codebook: torch.nn.Embedding, decay: float = 0.99, eps: float = 1e-5):
        self.decay, self.eps = decay, eps
        w = codebook.weight.data
        self.size = torch.ones(w.shape[0], device=w.device)
        self.sum = w.clone().float()

    def reset_codes(self, codebook: torch.nn.Embedding, which: torch.Tensor) -> None:
        """After an init/restart: the running sums follow the new code vectors."""
        self.size[which] = 1.0
        self.sum[which] = codebook.weight.data[which].float()

    @torch.no_grad()
    def update(self, codebook: torch.nn.Embedding, latents: torch.Tensor, idx: torch.Tensor) -> None:
        n = codebook.weight.shape[0]
        counts = torch.bincount(idx, minlength=n).float()
        sums = torch.zeros_like(self.sum).index_add_(0, idx, latents.float())
        self.size.mul_(self.decay).add_(counts, alpha=1 - self.decay)
        self.sum.mul_(self.decay).add_(sums, alpha=1 - self.decay)
        total = self.size.sum()
        size = (self.size + self.eps) / (total + n * self.eps) * total   # Laplace smoothing
        codebook.weight.data.copy_((self.sum / size[:, None]).to(codebook.weight.dtype))


@torch.no_grad()
def seed_branch_codes(model: MultiScaleVQGAN, zs, ema, keeper: CodebookKeeper, gen: torch.Generator) -> None:
    """At the start of stage 2, give the new branches their own codes.

    After stage 1 every code sits among top-branch latents; the fresh middle and bottom encoders
    put out latents elsewhere, which then all fall on the same dozen codes (seen: 13 and 12 codes
    in use), so those branches carry next to nothing, the decoder learns to ignore them, and the
    bottom-branch k has no effect. The least-used third of the codebook is re-seeded from middle
    latents and the next third from bottom latents; EMA and restarts take it from there.
    """
    n = model.cfg.n_codes
    order = torch.argsort(ema.size if ema else keeper.usage)       # least used first
    share = n // 3
    for i, z in enumerate(zs[1:]):
        lat = flat_latents([z])
        pick = torch.randint(0, lat.shape[0], (share,), generator=gen).to(lat.device)
        which = order[i * share:(i + 1) * share]
        new = lat[pick]
        model.codebook.weight.data[which] = (new + 0.01 * new.std() * torch.randn_like(new)).to(model.codebook.weight.dtype)
        keeper.usage[which] = 1.0 / n
        if ema:
            ema.reset_codes(model.codebook, which)


def quantise(model: MultiScaleVQGAN, z: torch.Tensor):
    """Nearest code (fp32 distances), straight-through output, codebook/commitment terms, indices."""
    zf = z.float()
    idx = model.kth_nearest(zf, 1)
    zq = model.lookup(idx)
    cb = F.mse_loss(zq, zf.detach())
    commit = F.mse_loss(zf, zq.detach())
    zq_st = zf + (zq - zf).detach()
    return zq_st.to(z.dtype), cb, commit, idx


def flat_latents(zs) -> torch.Tensor:
    return torch.cat([z.detach().float().permute(0, 2, 3, 1).reshape(-1, z.shape[1]) for z in zs])


def lr_at(frac: float, base: float) -> float:
    # short warm-up, flat, cosine to 10% over the last 30% of the budget
    if frac < 0.02:
        return base * (0.1 + 0.9 * frac / 0.02)
    if frac < 0.7:
        return base
    t = (frac - 0.7) / 0.3
    return base * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * t)))


@torch.no_grad()
def reconstruct(model, x, k_bot: int = 1, k_mid: int = 1, branches: int = 3, zs=None):
    """x through the VQGAN with the k-th nearest code per branch; zs: x's encoding, when the caller
    sweeps k over one batch (the encoder is half of a pass, and its output does not depend on k)."""
    zs = model.encode(x, branches=branches) if zs is None else zs
    qs = [model.lookup(model.kth_nearest(zs[0].float(), 1))]
    if branches == 3:
        qs.append(model.lookup(model.kth_nearest(zs[1].float(), k_mid)))
        qs.append(model.lookup(model.kth_nearest(zs[2].float(), k_bot)))
    return model.decode(*qs).clamp(-1, 1)


@torch.no_grad()
def evaluate(model, held: torch.Tensor, device, max_frames: int = 64):
    """Held-out reconstruction PSNR (RGB and Y) at k=1 and the bottom-branch k sweep."""
    model.eval()
    n = min(max_frames, held.shape[0])
    res = {f'k{k}': [] for k in K_SWEEP}
    res_rgb = []
    res_top = []
    shifts = []
    usage = torch.zeros(model.cfg.n_codes, dtype=torch.bool, device=device)
    for i in range(0, n, 8):
        x = held[i:i + 8].to(device).float() / 127.5 - 1
        zs = model.encode(x)
        for k in K_SWEEP:
            y = reconstruct(model, x, k_bot=k, zs=zs)
            res[f'k{k}'].append(psnr((y + 1) / 2, (x + 1) / 2).cpu())
            if k == 1:
                res_rgb.append(psnr((y + 1) / 2, (x + 1) / 2, y_only=False).cpu())
                # mean colour shift per channel in 8-bit levels (issue 11: k = 1 keeps colours)
                shifts.append(((y - x) * 127.5).mean(dim=(2, 3)).cpu())
        res_top.append(psnr((reconstruct(model, x, branches=1, zs=zs[:1]) + 1) / 2, (x + 1) / 2).cpu())
        for z in zs:
            usage[model.kth_nearest(z.float(), 1).flatten()] = True
    model.train()
    rgb = torch.cat(res_rgb)
    out = {'frames': n, 'psnr_y_k1': float(torch.cat(res['k1']).mean()),
           'psnr_rgb_k1': float(rgb.mean()), 'psnr_rgb_k1_worst': float(rgb.min()),
           'max_abs_colour_shift_k1': round(float(torch.cat(shifts).abs().max()), 2),
           'psnr_y_top_only': float(torch.cat(res_top).mean()),
           'psnr_y_vs_k_bottom': {str(k): round(float(torch.cat(res[f'k{k}']).mean()), 3) for k in K_SWEEP},
           'codes_used_heldout': int(usage.sum())}
    ks = [out['psnr_y_vs_k_bottom'][str(k)] for k in K_SWEEP]
    out['monotone_in_k'] = all(a > b for a, b in zip(ks, ks[1:]))
    return out


@torch.no_grad()
def k_grid(model, held: torch.Tensor, device, path: str, n: int = 3) -> None:
    from PIL import Image
    model.eval()
    rows = []
    for i in range(min(n, held.shape[0])):
        x = held[i * max(1, held.shape[0] // n):][:1].to(device).float() / 127.5 - 1
        tiles = [x] + [reconstruct(model, x, k_bot=k) for k in K_SWEEP]
        rows.append(torch.cat(tiles, dim=3))
    g = ((torch.cat(rows, dim=2)[0] + 1) * 127.5).round().clamp(0, 255).byte().permute(1, 2, 0).cpu().numpy()
    Image.fromarray(g).save(path)
    model.train()


def log_evaluation(model, held: dict, device, args, log, step: int, seconds: float, stage: int) -> dict:
    """Evaluate every held-out group, log it, append it to the campaign log; returns {group: result}."""
    evs = {}
    for g, frames in held.items():
        ev = evaluate(model, frames, device, args.eval_frames)
        evs[g] = ev
        log(f'held-out {g} ({ev["frames"]} frames): k=1 RGB {ev["psnr_rgb_k1"]:.2f} dB (worst '
            f'{ev["psnr_rgb_k1_worst"]:.2f}), Y {ev["psnr_y_k1"]:.2f}, |colour shift| <= '
            f'{ev["max_abs_colour_shift_k1"]:.2f}, top only {ev["psnr_y_top_only"]:.2f}, codes used '
            f'{ev["codes_used_heldout"]}; Y vs bottom k {ev["psnr_y_vs_k_bottom"]} monotone={ev["monotone_in_k"]}')
    if args.campaign_log:
        with open(args.campaign_log, 'a') as f:
            f.write(json.dumps({'time': time.strftime('%Y-%m-%dT%H:%M:%S'), 'run': os.path.basename(args.run_dir), 'config': args.config, 'step': step,
                                'train_seconds': round(seconds), 'stage': stage, 'heldout': evs}) + '\n')
    return evs


def load_trained_state(ck: dict, model, keeper, ema, device, log=None) -> None:
    """What --resume and --init-from both take from a checkpoint: weights (fp32; compact copies hold fp16),
    code usage counters and the EMA codebook statistics. A checkpoint of the same net with fewer
    residual blocks per stage (--config cpu-deep from a 'cpu' net) is grown by deepen_vqgan_from, so
    step 0 computes exactly what the checkpoint did; any other difference (width, codebook, more
    blocks) raises there."""
    new = deepen_vqgan_from(model, ck['model'])   # with nothing to append: a plain strict load
    if new and log:
        log(f'deepened {ck["config"]["res_blocks"]} -> {model.cfg.res_blocks} residual blocks per stage: '
            f'{len(new)} blocks appended as the identity')
    keeper.usage = ck['usage'].to(device)
    if ema and ck.get('ema'):
        ema.size, ema.sum = ck['ema']['size'].float().to(device), ck['ema']['sum'].float().to(device)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--pack', default=os.path.join(ROOT, '.devdata', 'vqgan_pack.npz'))
    ap.add_argument('--config', default='ship', choices=list(VQGAN_CONFIGS))
    ap.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    ap.add_argument('--seconds', type=float, default=300)
    ap.add_argument('--stage1-frac', type=float, default=0.3, help='share of the budget for the top branch alone')
    ap.add_argument('--batch', type=int, default=16)
    ap.add_argument('--crop', type=int, default=128)
    ap.add_argument('--lr', type=float, default=3e-4)
    ap.add_argument('--colour-weight', type=float, default=0.0,
                    help='add this times the colour bias (|crop-mean error| per channel, common.colour_bias) to the loss: '
                         'L1 fits the median, and on rare content (pale flat backgrounds) the VQGAN learned casts of 1.5-4 '
                         'levels; at 1 it did not keep them off (vqgan_mixcol, summaries/vqgan_mixcol_train_log.txt); 0: off')
    ap.add_argument('--tint-p', type=float, default=0.0,
                    help='share of training crops tinted by a random pale per-channel factor (random_batch); 0: off')
    ap.add_argument('--beta', type=float, default=0.25)
    ap.add_argument('--bf16', action='store_true', help='bf16 autocast for the convolutions (CUDA)')
    ap.add_argument('--restart-every', type=int, default=50)
    ap.add_argument('--ema', type=float, default=0.99,
                    help='EMA decay for codebook updates (0: learn the codebook by its loss instead)')
    ap.add_argument('--run-dir', default=os.path.join(HERE, 'runs', 'vqgan'))
    ap.add_argument('--export-dir', default=None, help='write ckpt parts, ONNX, codebook, summary here')
    ap.add_argument('--onnx-dir', default=None, help='ONNX + codebook go here (default: --export-dir)')
    ap.add_argument('--resume', action='store_true')
    ap.add_argument('--init-from', default=None,
                    help='start from this checkpoint\'s weights and EMA codebook (a fine-tune: fresh Adam, '
                         'fresh schedule, its stage and codebook seeding kept); --resume of run-dir wins')
    ap.add_argument('--ckpt-every', type=float, default=60)
    ap.add_argument('--log-every', type=float, default=15)
    ap.add_argument('--eval-frames', type=int, default=64, help='held-out frames per group')
    ap.add_argument('--eval-every', type=float, default=0, help='seconds between held-out evaluations (0: end only)')
    ap.add_argument('--eval-at-start', action='store_true', help='evaluate once before the first step (a fine-tune\'s baseline)')
    ap.add_argument('--campaign-log', default=None, help='append each evaluation here as a JSON line')
    ap.add_argument('--seed', type=int, default=0)
    add_threads_arg(ap)
    args = ap.parse_args()

    device = setup(args.device, threads=args.threads, seed=args.seed)
    os.makedirs(args.run_dir, exist_ok=True)
    log = Log(os.path.join(args.run_dir, 'log.txt'))
    log(f'torch threads {torch.get_num_threads()}')
    train, held, pack = load_pack(args.pack, device)
    log(f'pack {args.pack}: {train.shape[0]} train frames, held-out '
        f'{ {g: int(h.shape[0]) for g, h in held.items()} }, size {tuple(train.shape[2:])}')
    model = MultiScaleVQGAN(VQGAN_CONFIGS[args.config]).to(device)
    log(f'vqgan {args.config}: width {model.cfg.width}, {count_params(model)} params, device {device}')
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, betas=(0.9, 0.99))
    l1_loss = lambda rec, x: (rec.float() - x).abs().mean()   # noqa: E731
    pixel_loss = with_colour_term(l1_loss, args.colour_weight)
    gen = torch.Generator().manual_seed(args.seed)
    keeper = CodebookKeeper(model.cfg.n_codes, device)
    ema = EmaCodebook(model.codebook, args.ema) if args.ema > 0 else None
    if ema:
        model.codebook.weight.requires_grad_(False)   # moved by EMA only, not by Adam
    step, stage, elapsed_before, initialised, seeded = 0, 1, 0.0, False, False
    ckpt_path = os.path.join(args.run_dir, 'last.pt')
    if args.resume and os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path, map_location=device)
        load_trained_state(ck, model, keeper, ema, device)
        if ck.get('opt'):
            opt.load_state_dict(ck['opt'])
        else:
            log('checkpoint without optimizer state (a compact resume copy): Adam starts afresh')
        step, stage, elapsed_before, initialised = ck['step'], ck['stage'], ck['elapsed'], True
        seeded = ck.get('seeded', False)
        log(f'resumed at step {step}, stage {stage}, {elapsed_before:.0f}s already trained')
    elif args.init_from:
        ck = torch.load(args.init_from, map_location=device)
        load_trained_state(ck, model, keeper, ema, device, log)
        stage, initialised, seeded = ck['stage'], True, ck.get('seeded', False)
        log(f'fine-tune from {args.init_from} (its step {ck["step"]}, stage {stage}): fresh Adam and schedule')
    budget = Budget(max(0.0, args.seconds - elapsed_before))
    use_bf16 = args.bf16 and device.type == 'cuda'
    if args.eval_at_start:
        log_evaluation(model, held, device, args, log, step, elapsed_before, stage)
    t_log = t_ckpt = t_eval = time.time()
    hist = {'l1': [], 'psnr': []}
    while not budget.done():
        frac = (elapsed_before + budget.elapsed()) / max(args.seconds, 1e-9)
        if stage == 1 and frac >= args.stage1_frac:
            stage = 2
            log(f'step {step}: stage 2 (all three branches)')
        branches = 1 if stage == 1 else 3
        for g in opt.param_groups:
            g['lr'] = lr_at(frac, args.lr)
        x = random_batch(train, args.batch, args.crop, gen, args.tint_p)
        with autocast(use_bf16):
            zs = model.encode(x, branches=branches)
        if not initialised:
            lat = flat_latents(zs)
            pick = torch.randperm(lat.shape[0], generator=gen)[:model.cfg.n_codes].to(device)
            if pick.numel() < model.cfg.n_codes:
                pick = pick.repeat(model.cfg.n_codes // pick.numel() + 1)[:model.cfg.n_codes]
            model.codebook.weight.data.copy_(lat[pick] + 0.01 * lat.std() * torch.randn_like(lat[pick]))
            if ema:
                ema.reset_codes(model.codebook, torch.arange(model.cfg.n_codes, device=device))
            initialised = True
            log(f'codebook initialised from {lat.shape[0]} encoder outputs')
        if branches == 3 and not seeded:
            seed_branch_codes(model, zs, ema, keeper, gen)
            seeded = True
            log(f'step {step}: re-seeded 2/3 of the codebook (least used) from middle and bottom latents')
        qs, vq_loss, picked = [], 0.0, []
        for name, z in zip(MultiScaleVQGAN.BRANCHES, zs):
            zq, cb, commit, idx = quantise(model, z)
            vq_loss = vq_loss + (0.0 if ema else cb) + args.beta * commit
            keeper.observe(name, idx)
            qs.append(zq)
            picked.append(idx.flatten())
        with autocast(use_bf16):
            rec = model.decode(*qs)
        loss = pixel_loss(rec, x) + vq_loss
        with torch.no_grad():
            l1 = l1_loss(rec, x)   # logged plain: the colour term (if any) steers, the log stays comparable
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        restart_now = (step + 1) % args.restart_every == 0 and step + 1 >= 100
        lat = flat_latents(zs) if ema or restart_now else None   # one copy per step, shared below
        if ema:
            ema.update(model.codebook, lat, torch.cat(picked))
        step += 1
        if restart_now:
            dead = keeper.restart(model.codebook, lat, gen)
            if ema and dead.numel():
                ema.reset_codes(model.codebook, dead)
        hist['l1'].append(float(l1))
        now = time.time()
        if now - t_log >= args.log_every:
            with torch.no_grad():
                p = float(psnr((rec.float().clamp(-1, 1) + 1) / 2, (x + 1) / 2).mean())
            hist['psnr'].append(p)
            use = keeper.window_report()
            log(f'step {step:6d} t {elapsed_before + budget.elapsed():6.0f}s stage {stage} lr {opt.param_groups[0]["lr"]:.1e} '
                f'l1 {np.mean(hist["l1"][-50:]):.4f} vq {float(vq_loss):.4f} psnrY(batch) {p:.2f} '
                f'codes used {use} restarted {keeper.restarted}')
            t_log = now
        if args.eval_every and now - t_eval >= args.eval_every:
            log_evaluation(model, held, device, args, log, step, elapsed_before + budget.elapsed(), stage)
            t_eval = time.time()
        if now - t_ckpt >= args.ckpt_every:
            torch.save({'model': model.state_dict(), 'opt': opt.state_dict(), 'step': step, 'stage': stage,
                        'elapsed': elapsed_before + budget.elapsed(), 'usage': keeper.usage,
                        'ema': {'size': ema.size, 'sum': ema.sum} if ema else None, 'seeded': seeded,
                        'config': model.cfg.to_dict()}, ckpt_path)
            t_ckpt = now
    trained_s = elapsed_before + budget.elapsed()
    torch.save({'model': model.state_dict(), 'opt': opt.state_dict(), 'step': step, 'stage': stage,
                'elapsed': trained_s, 'usage': keeper.usage,
                'ema': {'size': ema.size, 'sum': ema.sum} if ema else None, 'seeded': seeded,
                'config': model.cfg.to_dict()}, ckpt_path)
    log(f'trained {step} steps in {trained_s:.0f}s; evaluating on held-out frames')
    torch.backends.cudnn.allow_tf32 = False        # held-out numbers in plain fp32, as the ONNX runs
    torch.backends.cuda.matmul.allow_tf32 = False
    evs = log_evaluation(model, held, device, args, log, step, trained_s, stage)
    ev = evs.get('prior') or next(iter(evs.values()))
    summary = {
        'trained': True, 'steps': step, 'train_seconds': round(trained_s, 1),
        # build_manifest.py reads the codebook's rows and columns from 'config'
        'config': model.cfg.to_dict(), 'params': count_params(model),
        'device': torch.cuda.get_device_name(0) if device.type == 'cuda' else 'cpu',
        'torch': torch.__version__, 'batch': args.batch, 'crop': args.crop, 'lr': args.lr, 'beta': args.beta,
        'bf16': use_bf16, 'stage1_fraction': args.stage1_frac, 'tint_p': args.tint_p, 'colour_weight': args.colour_weight,
        'loss': loss_text('L1' + ('' if ema else ' + codebook') + f' + {args.beta:g} commitment (straight-through)',
                          args.colour_weight) +
                (f'; EMA codebook (decay {args.ema:g})' if ema else '') + '; codebook init from encoder outputs, dead-code restarts',
        'data': data_summary(args.pack, pack, train, held),
        'init_from': os.path.basename(args.init_from) if args.init_from else None,
        'codes_restarted': keeper.restarted, 'ema_decay': args.ema, 'heldout': ev,
        'heldout_by_group': evs,
    }
    dump_json(os.path.join(args.run_dir, 'summary.json'), summary)
    if args.export_dir:
        os.makedirs(args.export_dir, exist_ok=True)
        save_weights_split(model, 'vqgan', os.path.join(args.export_dir, 'vqgan'), summary)
        dump_json(os.path.join(args.export_dir, 'vqgan_summary.json'), {**summary, 'log': log.lines[-80:]})
        try:
            k_grid(model, torch.cat(list(held.values())), device, os.path.join(args.export_dir, 'vqgan_kgrid.png'))
        except Exception as e:  # a picture is nice to have, never worth losing the run
            log(f'k grid failed: {e!r}')
        try:
            from export_onnx import export_vqgan
            export_vqgan(model, args.onnx_dir or args.export_dir)
            log(f'exported vqgan ONNX + codebook to {args.onnx_dir or args.export_dir}')
        except Exception as e:
            log(f'ONNX export failed here ({e!r}); export from the checkpoint parts with export_models.py')
    log('done')


if __name__ == '__main__':
    main()
