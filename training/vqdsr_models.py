"""Model definitions shared by training, export and the smoke test.

Two networks, both written from the numbers in ANCHORS.md and the supplementary's Table 4:

* MultiScaleVQGAN — the VQ degradation model. One encoder trunk goes down to H/8 (top branch);
  the middle branch taps the H/4 trunk features, the bottom branch the H/2 features. All three
  branches quantise against ONE shared codebook (1024 x n_z). The top decoder adds the middle
  decoder's output back at H/4 and the bottom decoder's at H/2. Upsampling is conv + PixelShuffle(2)
  (the paper's choice; also the fast path in Debian's CPU torch, which lacks oneDNN ConvTranspose).
  The quantiser itself is NOT part of the exported graphs: the app runs encoder -> k-th-nearest
  (WGSL) -> decoder, so forward() here is split into encode()/decode() with quantisation between.

* RecurrentVSR — AnimeSR's multi-scale recurrent cell without SR feedback. Each step sees
  (prev, cur, next) LR frames + a hidden state, runs three scales with [5, 3, 2] residual blocks,
  fuses them and emits C + 48 channels: PixelShuffle(4) of 48 channels plus a bilinear x4 of the
  current frame is the output image, LeakyReLU(0.1) of the other C channels is the next state.
  At width 64 this has exactly 1,467,728 parameters (checked in smoke.py).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, asdict

import torch
import torch.nn as nn
import torch.nn.functional as F


# ----------------------------------------------------------------------------------------------
# VQGAN
# ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class VQGANConfig:
    width: int = 32          # C; the paper uses 128
    n_z: int = 256           # embedding dimension
    n_codes: int = 1024      # shared codebook size
    res_blocks: int = 2      # residual blocks per stage (Table 4)

    @property
    def groups(self) -> int:
        # The paper: GroupNorm(32) at C=128, i.e. 4 channels per group at the narrowest stage.
        # Keep 4 channels per group when narrowing instead of collapsing into instance norm.
        return max(1, min(32, self.width // 4))

    def to_dict(self) -> dict:
        return asdict(self)


VQGAN_CONFIGS = {
    'tiny': VQGANConfig(width=8, n_z=16, n_codes=64, res_blocks=1),  # smoke tests only
    'ship': VQGANConfig(width=32),                                    # 32/32/64/64/128
    # What a CPU-only session can train in ~30 min (2 cores): same topology, half width, one
    # residual block per stage, the real latent width and codebook (n_z 256, 1024 entries).
    'cpu': VQGANConfig(width=16, res_blocks=1),                       # 16/16/32/32/64
    # 'cpu' with two residual blocks per stage, grown from a trained 'cpu' net by deepen_vqgan_from()
    # (the second block of every stack starts as the identity): the 'cpu' net trains at a plateau
    # where its batch PSNR is no higher than its held-out PSNR (capacity, not data, is short), and a
    # second block costs ~20 % per step, where doubling the width would cost ~3x.
    'cpu-deep': VQGANConfig(width=16, res_blocks=2),
    # 'cpu-deep' grown once more the same way (three blocks per stage): deep1's held-out PSNR rose
    # +0.74 dB on the quality bench from the second block while its batch PSNR stayed below its
    # held-out PSNR, i.e. still short of capacity; a third block costs ~20 % more per step again.
    'cpu-deep3': VQGANConfig(width=16, res_blocks=3),
    'paper': VQGANConfig(width=128),                                  # 128/128/256/256/512
}


def _norm(ch: int, groups: int) -> nn.GroupNorm:
    return nn.GroupNorm(num_groups=groups, num_channels=ch, eps=1e-6, affine=True)


class ResBlock(nn.Module):
    """GroupNorm + swish + conv, twice, with a 1x1 shortcut when the width changes."""

    def __init__(self, cin: int, cout: int, groups: int):
        super().__init__()
        self.norm1 = _norm(cin, groups)
        self.conv1 = nn.Conv2d(cin, cout, 3, 1, 1)
        self.norm2 = _norm(cout, groups)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        h = self.conv2(F.silu(self.norm2(h)))
        return self.skip(x) + h


class NonLocalBlock(nn.Module):
    """Single-head spatial self-attention with a residual (the 'Non-Local Block' of Table 4)."""

    def __init__(self, ch: int, groups: int):
        super().__init__()
        self.norm = _norm(ch, groups)
        self.q = nn.Conv2d(ch, ch, 1)
        self.k = nn.Conv2d(ch, ch, 1)
        self.v = nn.Conv2d(ch, ch, 1)
        self.proj = nn.Conv2d(ch, ch, 1)
        self.scale = 1.0 / math.sqrt(ch)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        n = self.norm(x)
        q = self.q(n).flatten(2).transpose(1, 2)          # b, hw, c
        k = self.k(n).flatten(2)                          # b, c, hw
        v = self.v(n).flatten(2).transpose(1, 2)          # b, hw, c
        attn = torch.softmax(torch.bmm(q, k) * self.scale, dim=-1)
        out = torch.bmm(attn, v).transpose(1, 2).reshape(b, c, h, w)
        return x + self.proj(out)


def _res_stack(cin: int, cout: int, n: int, groups: int) -> nn.Sequential:
    return nn.Sequential(*[ResBlock(cin if i == 0 else cout, cout, groups) for i in range(n)])


class Downsample(nn.Module):
    """3x3 conv, stride 2 (Table 4). Inputs are multiples of 8, so symmetric padding halves exactly."""

    def __init__(self, ch: int):
        super().__init__()
        self.conv = nn.Conv2d(ch, ch, 3, 2, 1)

    def forward(self, x):
        return self.conv(x)


class Upsample(nn.Module):
    """3x3 conv to 4x channels + PixelShuffle(2) (Table 4)."""

    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout * 4, 3, 1, 1)
        self.shuffle = nn.PixelShuffle(2)

    def forward(self, x):
        return self.shuffle(self.conv(x))


class MultiScaleVQGAN(nn.Module):
    BRANCHES = ('top', 'mid', 'bot')

    def __init__(self, cfg: VQGANConfig):
        super().__init__()
        self.cfg = cfg
        C, g, r, nz = cfg.width, cfg.groups, cfg.res_blocks, cfg.n_z

        # ---- encoder trunk (top branch) ----
        self.enc_in = nn.Conv2d(3, C, 3, 1, 1)
        self.enc_d1 = nn.Sequential(Downsample(C), _res_stack(C, C, r, g))              # H/2, C  -> x_b
        self.enc_d2 = nn.Sequential(Downsample(C), _res_stack(C, 2 * C, r, g))          # H/4, 2C -> x_m
        self.enc_d3 = nn.Sequential(Downsample(2 * C), _res_stack(2 * C, 2 * C, r, g))  # H/8, 2C
        self.enc_top = nn.Sequential(
            nn.Conv2d(2 * C, 4 * C, 3, 1, 1), _res_stack(4 * C, 4 * C, r, g),
            NonLocalBlock(4 * C, g), _norm(4 * C, g), nn.SiLU(), nn.Conv2d(4 * C, nz, 3, 1, 1))
        # ---- middle branch encoder (from x_m) ----
        self.enc_mid = nn.Sequential(
            nn.Conv2d(2 * C, 2 * C, 3, 1, 1), _res_stack(2 * C, 2 * C, r, g),
            nn.Conv2d(2 * C, 4 * C, 3, 1, 1), _res_stack(4 * C, 4 * C, r, g),
            _norm(4 * C, g), nn.SiLU(), nn.Conv2d(4 * C, nz, 3, 1, 1))
        # ---- bottom branch encoder (from x_b) ----
        self.enc_bot = nn.Sequential(
            nn.Conv2d(C, 2 * C, 3, 1, 1), _res_stack(2 * C, 2 * C, r, g),
            nn.Conv2d(2 * C, 2 * C, 3, 1, 1), _res_stack(2 * C, 2 * C, r, g),
            nn.Conv2d(2 * C, 4 * C, 3, 1, 1), _res_stack(4 * C, 4 * C, r, g),
            _norm(4 * C, g), nn.SiLU(), nn.Conv2d(4 * C, nz, 3, 1, 1))

        # ---- shared codebook ----
        self.codebook = nn.Embedding(cfg.n_codes, nz)
        nn.init.uniform_(self.codebook.weight, -1.0 / cfg.n_codes, 1.0 / cfg.n_codes)

        # ---- top decoder ----
        self.dec_top_in = nn.Sequential(nn.Conv2d(nz, 4 * C, 3, 1, 1), NonLocalBlock(4 * C, g))
        self.dec_top_8 = nn.Sequential(_res_stack(4 * C, 4 * C, r, g), nn.Conv2d(4 * C, 2 * C, 3, 1, 1),
                                       Upsample(2 * C, 2 * C))                             # -> H/4, 2C
        self.dec_top_4 = nn.Sequential(_res_stack(2 * C, 2 * C, r, g), Upsample(2 * C, C))  # -> H/2, C
        self.dec_top_2 = nn.Sequential(_res_stack(C, C, r, g), Upsample(C, C))              # -> H, C
        self.dec_out = nn.Sequential(_res_stack(C, C, r, g), _norm(C, g), nn.SiLU(), nn.Conv2d(C, 3, 3, 1, 1))
        # ---- middle decoder -> x^_m (H/4, 2C) ----
        self.dec_mid = nn.Sequential(
            nn.Conv2d(nz, 4 * C, 3, 1, 1),
            _res_stack(4 * C, 4 * C, r, g), nn.Conv2d(4 * C, 2 * C, 3, 1, 1),
            _res_stack(2 * C, 2 * C, r, g), nn.Conv2d(2 * C, 2 * C, 3, 1, 1))
        # ---- bottom decoder -> x^_b (H/2, C) ----
        self.dec_bot = nn.Sequential(
            nn.Conv2d(nz, 4 * C, 3, 1, 1),
            _res_stack(4 * C, 4 * C, r, g), nn.Conv2d(4 * C, 2 * C, 3, 1, 1),
            _res_stack(2 * C, 2 * C, r, g), nn.Conv2d(2 * C, 2 * C, 3, 1, 1),
            _res_stack(2 * C, 2 * C, r, g), nn.Conv2d(2 * C, C, 3, 1, 1))

    # -- encoder / decoder, the two exported graphs --
    def encode(self, x: torch.Tensor, branches: int = 3):
        h = self.enc_in(x)
        x_b = self.enc_d1(h)
        x_m = self.enc_d2(x_b)
        z_top = self.enc_top(self.enc_d3(x_m))
        if branches == 1:
            return (z_top,)
        return z_top, self.enc_mid(x_m), self.enc_bot(x_b)

    def decode(self, zq_top, zq_mid=None, zq_bot=None):
        h = self.dec_top_8(self.dec_top_in(zq_top))
        if zq_mid is not None:
            h = h + self.dec_mid(zq_mid)
        h = self.dec_top_4(h)
        if zq_bot is not None:
            h = h + self.dec_bot(zq_bot)
        h = self.dec_top_2(h)
        return self.dec_out(h)

    # -- quantisation (training and the python reference of the app's k-th-nearest) --
    def distances(self, z: torch.Tensor) -> torch.Tensor:
        """Squared L2 from every latent vector to every code: (B*H*W, n_codes), the ANCHORS formula."""
        flat = z.permute(0, 2, 3, 1).reshape(-1, z.shape[1])
        e = self.codebook.weight
        return (flat * flat).sum(1, keepdim=True) + (e * e).sum(1)[None, :] - 2.0 * flat @ e.t()

    def kth_nearest(self, z: torch.Tensor, k: int = 1) -> torch.Tensor:
        """Indices of the k-th nearest code (k=1: nearest). Ties: smaller index first (stable sort)."""
        d = self.distances(z)
        k = min(k, d.shape[1])
        if k == 1:
            idx = d.argmin(1)
        else:
            idx = torch.sort(d, dim=1, stable=True).indices[:, k - 1]
        return idx.view(z.shape[0], z.shape[2], z.shape[3])

    def lookup(self, idx: torch.Tensor) -> torch.Tensor:
        return self.codebook(idx).permute(0, 3, 1, 2).contiguous()


class VQGANEncoderExport(nn.Module):
    """vqgan.encoder.onnx: image [1,3,H,W] in [-1,1] -> z_top, z_mid, z_bot (unquantised)."""

    def __init__(self, m: MultiScaleVQGAN):
        super().__init__()
        self.m = m

    def forward(self, image):
        return self.m.encode(image, branches=3)


class VQGANDecoderExport(nn.Module):
    """vqgan.decoder.onnx: quantised zq_top, zq_mid, zq_bot -> image [1,3,H,W] clamped to [-1,1]."""

    def __init__(self, m: MultiScaleVQGAN):
        super().__init__()
        self.m = m

    def forward(self, zq_top, zq_mid, zq_bot):
        return self.m.decode(zq_top, zq_mid, zq_bot).clamp(-1.0, 1.0)


# ----------------------------------------------------------------------------------------------
# VSR
# ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class VSRConfig:
    width: int = 32                 # hidden-state / feature channels C
    blocks: tuple = (5, 3, 2)       # residual blocks at scales 1, 1/2, 1/4
    scale: int = 4
    # 'wide': 3x3 conv 3C -> 2(C+48) -> C+48 (the first nets); 'lite': 1x1 3C -> 2C, 3x3 2C -> C+48,
    # about a third of the multiply-adds of 'wide' (which were two thirds of the whole net's)
    fuse: str = 'wide'
    # the image the net's residual is added to: 'bilinear' (the first nets) or 'bicubic' (a = -0.75,
    # ONNX Resize cubic); with 'bicubic' the last conv starts at zero so the untrained net IS bicubic
    # and training can only move it from there, never start below it
    base: str = 'bilinear'

    def to_dict(self) -> dict:
        d = asdict(self)
        d['blocks'] = list(self.blocks)
        return d


VSR_CONFIGS = {
    'tiny': VSRConfig(width=8, blocks=(2, 1, 1)),
    'tiny-lite': VSRConfig(width=8, blocks=(2, 1, 1), fuse='lite', base='bicubic'),   # smoke test of 'lite'
    'ship': VSRConfig(width=32),
    'lite': VSRConfig(width=32, fuse='lite', base='bicubic'),    # the general model's CPU campaign (issue 11)
    'lite64': VSRConfig(width=64, fuse='lite', base='bicubic'),  # the same, paper width (GPU runs)
    # vsr-restore's CPU campaign from v5: 'lite' with more residual blocks at 1/2 and 1/4 scale
    # (+21 % multiply-adds, most of the added depth where it widens the receptive field cheaply), grown from a trained 'lite' by
    # deepen_from() so training starts exactly where the 'lite' net stood
    'lite-deep': VSRConfig(width=32, blocks=(6, 6, 6), fuse='lite', base='bicubic'),
    # vsr-restore from 2026-12-06: 'lite-deep' grown by two more blocks per scale (+23 % multiply-adds): the
    # width-32 net had plateaued on the paper condition, and width 64 (the GPU probe's lever) is too slow to train here
    'lite-deep8': VSRConfig(width=32, blocks=(8, 8, 8), fuse='lite', base='bicubic'),
    # 'lite-deep8' grown by four more blocks per scale (1.5x the multiply-adds): training/probe_vsr_time.py found the
    # recurrent state worth ~0.25 dB on paper as a warm start (a second pass over the same frame's features) and
    # only ~0.08 dB as information carried across frames, so per-frame depth looked like the lever; 8,722 CPU steps
    # from restore18 (restore28deep12) left it at restore18's level (summaries/vsr_restore28deep12_train_log.txt)
    'lite-deep12': VSRConfig(width=32, blocks=(12, 12, 12), fuse='lite', base='bicubic'),
    # the same grown wider by widen_from (new channels never read by the old ones, so step 0 is the
    # trained 32-wide net): 48 for a CPU run (~2.2x the multiply-adds), 64 = the paper width (GPU runs)
    'lite48-deep8': VSRConfig(width=48, blocks=(8, 8, 8), fuse='lite', base='bicubic'),
    'lite64-deep8': VSRConfig(width=64, blocks=(8, 8, 8), fuse='lite', base='bicubic'),
    'paper': VSRConfig(width=64),
}


class PlainResBlock(nn.Module):
    """conv-ReLU-conv with identity skip, no normalisation (the EDSR/BasicVSR block)."""

    def __init__(self, ch: int):
        super().__init__()
        self.conv1 = nn.Conv2d(ch, ch, 3, 1, 1)
        self.conv2 = nn.Conv2d(ch, ch, 3, 1, 1)

    def forward(self, x):
        return x + self.conv2(F.relu(self.conv1(x)))


def bilinear_up_transposed(x: torch.Tensor, sf: int) -> torch.Tensor:
    """F.interpolate(x, scale_factor=sf, mode='bilinear', align_corners=False) for an integer sf, as a
    depthwise transposed convolution with the bilinear (triangle) kernel over the edge-replicated
    input: output pixel j reads input (j + 0.5) / sf - 0.5, clamped at the edges, which the replicated
    border gives. The same function (values and gradients within 1e-6 in fp32, training/train-vsr-bf16.test.ts)."""
    C, k = x.shape[1], 2 * sf
    w1 = torch.tensor([1 - abs((i - (k - 1) / 2) / sf) for i in range(k)], dtype=x.dtype, device=x.device)
    w = (w1[:, None] * w1[None, :]).expand(C, 1, k, k)
    xp = torch.cat([x[..., :1, :], x, x[..., -1:, :]], dim=-2)     # replicate pad (no bf16 kernel for it here)
    xp = torch.cat([xp[..., :1], xp, xp[..., -1:]], dim=-1)
    y = F.conv_transpose2d(xp, w, stride=sf, groups=C)
    off = sf + (k - sf) // 2
    return y[..., off:off + x.shape[-2] * sf, off:off + x.shape[-1] * sf]


def bilinear_up(x: torch.Tensor, sf: int) -> torch.Tensor:
    """Bilinear x sf (align_corners=False). Under CPU bf16 autocast (train_vsr.py --bf16) the x4 goes
    through bilinear_up_transposed: upsample_bilinear2d's backward took 16 % of a training step there
    (one x4 of a 20 x 32 x 12 x 12 batch: 9.9 ms forward + backward vs 1.1 ms transposed; the x2 is
    as fast either way). Everywhere else (fp32 training and evaluation, the ONNX export's Resize)
    F.interpolate itself."""
    if sf == 4 and x.dtype == torch.bfloat16 and x.device.type == 'cpu':
        return bilinear_up_transposed(x, sf)
    return F.interpolate(x, scale_factor=float(sf), mode='bilinear', align_corners=False)


class RecurrentVSR(nn.Module):
    def __init__(self, cfg: VSRConfig):
        super().__init__()
        self.cfg = cfg
        C = cfg.width
        n_img = 3 * cfg.scale * cfg.scale          # 48 channels for PixelShuffle(4)
        self.n_img = n_img
        act = lambda: nn.LeakyReLU(0.1, inplace=True)
        self.head_s1 = nn.Sequential(nn.Conv2d(9 + C, C, 3, 1, 1), act())
        self.head_s2 = nn.Sequential(nn.Conv2d(C, C, 3, 2, 1), act())
        self.head_s4 = nn.Sequential(nn.Conv2d(C, C, 3, 2, 1), act())
        self.body_s1 = nn.Sequential(*[PlainResBlock(C) for _ in range(cfg.blocks[0])])
        self.body_s2 = nn.Sequential(*[PlainResBlock(C) for _ in range(cfg.blocks[1])])
        self.body_s4 = nn.Sequential(*[PlainResBlock(C) for _ in range(cfg.blocks[2])])
        n_out = C + n_img
        if cfg.fuse == 'lite':
            self.fuse = nn.Sequential(nn.Conv2d(3 * C, 2 * C, 1), act(), nn.Conv2d(2 * C, n_out, 3, 1, 1))
        else:
            self.fuse = nn.Sequential(nn.Conv2d(3 * C, 2 * n_out, 3, 1, 1), act(), nn.Conv2d(2 * n_out, n_out, 3, 1, 1))
        self.shuffle = nn.PixelShuffle(cfg.scale)
        if cfg.base == 'bicubic':
            nn.init.zeros_(self.fuse[-1].weight)
            nn.init.zeros_(self.fuse[-1].bias)

    def step(self, prev, cur, nxt, state):
        """One recurrent step. Frames in [0,1], (B,3,h,w), h and w multiples of 4."""
        f1 = self.head_s1(torch.cat([prev, cur, nxt, state], dim=1))
        f2 = self.head_s2(f1)
        f4 = self.head_s4(f2)
        f1 = self.body_s1(f1)
        f2 = self.body_s2(f2)
        f4 = self.body_s4(f4)
        up2 = bilinear_up(f2, 2)
        up4 = bilinear_up(f4, 4)
        o = self.fuse(torch.cat([f1, up2, up4], dim=1))
        base = F.interpolate(cur, scale_factor=float(self.cfg.scale), mode=self.cfg.base, align_corners=False)
        img = self.shuffle(o[:, :self.n_img]) + base
        new_state = F.leaky_relu(o[:, self.n_img:], 0.1)
        return img, new_state

    def init_state(self, lr: torch.Tensor) -> torch.Tensor:
        b, _, h, w = lr.shape
        return lr.new_zeros(b, self.cfg.width, h, w)

    def forward(self, clip: torch.Tensor) -> torch.Tensor:
        """clip (B,T,3,h,w) -> (B,T,3,4h,4w); neighbours at the ends repeat the frame itself."""
        T = clip.shape[1]
        state = self.init_state(clip[:, 0])
        outs = []
        for t in range(T):
            prev = clip[:, max(t - 1, 0)]
            nxt = clip[:, min(t + 1, T - 1)]
            img, state = self.step(prev, clip[:, t], nxt, state)
            outs.append(img)
        return torch.stack(outs, dim=1)


class VSRStepExport(nn.Module):
    """vsr.step.onnx: prev, cur, next, state -> out (clamped to [0,1]), state_out."""

    def __init__(self, m: RecurrentVSR):
        super().__init__()
        self.m = m

    def forward(self, prev, cur, next, state):  # noqa: A002 - names are the ONNX input names
        img, new_state = self.m.step(prev, cur, next, state)
        return img.clamp(0.0, 1.0), new_state


def _load_grown(m: nn.Module, src: dict, new_block_of) -> list:
    """Load src into m where m has residual blocks that src lacks (a function-preserving deepening,
    as in Net2DeeperNet): every parameter of src must be in m with its shape; every parameter only m
    has must belong to an appended block (new_block_of(name) gives the block's name or raises); those
    blocks get conv2 zeroed, so each starts as the identity. Returns the new blocks' names."""
    own = m.state_dict()
    missing = [k for k in own if k not in src]
    extra = [k for k in src if k not in own]
    if extra:
        raise ValueError(f'source has parameters the target lacks: {extra[:4]}')
    for k, v in src.items():
        if own[k].shape != v.shape:
            raise ValueError(f'{k}: shape {tuple(v.shape)} in the source, {tuple(own[k].shape)} here')
    new_blocks = {new_block_of(k) for k in missing}
    merged = dict(own)
    merged.update({k: v.float() if v.is_floating_point() else v for k, v in src.items()})
    for k in missing:
        if '.conv2.' in k:
            merged[k] = torch.zeros_like(own[k])
    m.load_state_dict(merged)
    return sorted(new_blocks)


def deepen_from(m: RecurrentVSR, src: dict) -> list:
    """Load a shallower net's weights into m, which has the same width and fuse and at least as many
    residual blocks at each scale. Blocks m has beyond the source's are appended to the end of each
    body with conv2 zeroed, so they start as the identity and m computes exactly what the source
    did. With no blocks to add it is a plain strict load. Returns the appended blocks' names (e.g.
    'body_s2.3'). Raises if anything other than appended blocks differs."""
    def block_of(k: str) -> str:
        if not re.match(r'body_s[124]\.\d+\.conv[12]\.(weight|bias)$', k):
            raise ValueError(f'only appended residual blocks may be new: {k}')
        return k.rsplit('.', 2)[0]
    return _load_grown(m, src, block_of)


def deepen_vqgan_from(m: MultiScaleVQGAN, src: dict) -> list:
    """Load a VQGAN with fewer residual blocks per stack into m (same width, n_z and codebook). Every
    residual stack of m keeps the source's blocks first; the blocks beyond them get conv2 zeroed, so
    each is the identity (their in and out widths are equal) and m computes exactly what the source
    did. Returns the new blocks' names (e.g. 'enc_d1.1.1'). Raises if anything other than appended
    blocks differs."""
    own = m.state_dict()
    pattern = re.compile(r'^(.*)\.([1-9]\d*)\.(norm1|conv1|norm2|conv2)\.(weight|bias)$')

    def block_of(k: str) -> str:
        hit = pattern.match(k)
        block = m.get_submodule(f'{hit[1]}.{hit[2]}') if hit else None
        if not isinstance(block, ResBlock):
            raise ValueError(f'only appended residual blocks may be new: {k}')
        if f'{hit[1]}.{int(hit[2]) - 1}.conv1.weight' not in own:
            raise ValueError(f'{k}: not appended to a residual stack')
        if not isinstance(block.skip, nn.Identity):
            raise ValueError(f'{k}: an appended block must keep its width to start as the identity')
        return f'{hit[1]}.{hit[2]}'
    return _load_grown(m, src, block_of)


def _vsr_channel_map(name: str, axis: int, old_c: int, new_c: int, n_img: int) -> torch.Tensor:
    """Where each of a narrow net's channels sits in the wide net, for one axis of one parameter (an
    index into the new axis). Every channel group keeps its old channels first; only fuse.0's input is
    three groups of C (f1, up2, up4) that each widen."""
    if name.startswith('fuse.0.') and axis == 1:
        return torch.cat([torch.arange(old_c) + g * new_c for g in range(3)])
    if name.startswith('fuse.0.') or (name.startswith('fuse.2.') and axis == 1):
        return torch.arange(2 * old_c)
    if name.startswith('fuse.2.'):
        return torch.arange(n_img + old_c)       # [48 image channels, C state]
    if name.startswith('head_s1.') and axis == 1:
        return torch.arange(9 + old_c)           # [prev, cur, next, state C]
    return torch.arange(old_c)


@torch.no_grad()
def widen_from(m: RecurrentVSR, src: dict) -> dict:
    """Load a narrower (and possibly shallower) VSR's weights into m so that m computes what the
    source did (Net2WiderNet-style, zero fan-in from new channels): the source is first deepened to
    m's blocks (deepen_from), then each of its weights goes to the old channels' rows and columns of
    m's, every weight from a NEW input channel to an OLD output channel is zeroed, and the new output
    channels keep m's fresh initialisation, so they carry signal (and so gradient) from the start
    without changing a single old output. The new state channels get the default conv init (the
    'bicubic' base zeroes the whole last conv; a zero row would leave them dead).
    Returns {'from_width', 'to_width', 'new_blocks'}. Raises if the configs differ in anything but
    width and depth, or if m is narrower."""
    old_c, new_c = int(src['head_s2.0.weight'].shape[0]), m.cfg.width
    if new_c < old_c:
        raise ValueError(f'widen_from: target width {new_c} < source width {old_c}')
    narrow = RecurrentVSR(VSRConfig(**{**m.cfg.to_dict(), 'width': old_c, 'blocks': m.cfg.blocks}))
    new_blocks = deepen_from(narrow, src)
    if new_c == old_c:
        m.load_state_dict(narrow.state_dict())
        return {'from_width': old_c, 'to_width': new_c, 'new_blocks': new_blocks}
    own = m.state_dict()
    n_img = m.n_img
    fresh_state_rows = nn.Conv2d(2 * new_c, n_img + new_c, 3, 1, 1)   # the default init, for the new state rows
    for name, w_old in narrow.state_dict().items():
        w = own[name].clone()
        if name == 'fuse.2.weight' or name == 'fuse.2.bias':
            fresh = fresh_state_rows.weight if name.endswith('weight') else fresh_state_rows.bias
            w[n_img + old_c:] = fresh[n_img + old_c:]
        out_idx = _vsr_channel_map(name, 0, old_c, new_c, n_img)
        if w_old.dim() == 1:                                             # bias
            w[out_idx] = w_old
        else:
            in_idx = _vsr_channel_map(name, 1, old_c, new_c, n_img)
            new_in = torch.ones(w.shape[1], dtype=torch.bool)
            new_in[in_idx] = False
            rows = w[out_idx]
            rows[:, new_in] = 0.0                                        # old outputs never see new channels
            rows[:, in_idx] = w_old
            w[out_idx] = rows
        own[name] = w
    m.load_state_dict(own)
    return {'from_width': old_c, 'to_width': new_c, 'new_blocks': new_blocks}


def count_params(m: nn.Module) -> int:
    return sum(p.numel() for p in m.parameters())
