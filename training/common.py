"""Small shared pieces: device/threads set-up, wall-clock budget, PSNR/SSIM on the Y channel, logging."""
from __future__ import annotations

import json
import os
import time

import torch
import torch.nn.functional as F


# glibc's malloc serves blocks above its (dynamic) mmap threshold with fresh mmaps and hands freed memory back to
# the OS above its trim threshold, so full-frame inference (the trainers' held-out evaluations: 48 clips of 256 px
# frames) got its large tensors as new, zero-filled pages every time: a 4-clip evaluation took 38 s, 17 of them
# system time; with both thresholds at 1 GiB, 16 s (1.2 s system). The two trainers of 2026-12-06 (AVX2 EPYC VM)
# spent 456-733 s of each 4,800 s budget in such evaluations. A training step alone (48 px crops) was not
# measurably faster (1.44-1.69 s vs 1.47-1.72 s, two runs each, quiet). Either threshold alone changed nothing.
# Memory is not returned to the OS during the run (the peak is unchanged).
MALLOC_KEEP_BYTES = 1 << 30
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3   # glibc malloc.h


def keep_freed_memory() -> bool:
    """Raise glibc malloc's mmap and trim thresholds (see MALLOC_KEEP_BYTES); False where there is no glibc."""
    try:
        import ctypes
        libc = ctypes.CDLL('libc.so.6')
        return bool(libc.mallopt(M_MMAP_THRESHOLD, MALLOC_KEEP_BYTES)) and bool(libc.mallopt(M_TRIM_THRESHOLD, MALLOC_KEEP_BYTES))
    except (OSError, AttributeError):
        return False


def setup(device: str, *, threads: int, seed: int = 0) -> torch.device:
    """The torch device, seeded; on the CPU `threads` torch (OpenMP/oneDNN) threads. No default for
    `threads`: a caller that left it out ran 2 threads whatever its --threads said (train_vsr.py's pack
    mode did, and the VM's runs collapsed beside any other busy process)."""
    torch.manual_seed(seed)
    if device == 'cuda':
        if not torch.cuda.is_available():
            raise SystemExit('--device cuda but CUDA is not available')
        torch.backends.cudnn.benchmark = True
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    else:
        torch.set_num_threads(threads)
        torch.set_flush_denormal(True)   # decaying weights/activations must not hit the slow denormal path
    keep_freed_memory()
    return torch.device(device)


def add_threads_arg(ap) -> None:
    """--threads for a trainer's argparse (pass it on to setup)."""
    ap.add_argument('--threads', type=int, default=2,
                    help='torch (OpenMP/oneDNN) threads; 1 leaves the other core of a 2-core machine free: a busy '
                         'process beside a 2-thread run stalls its OpenMP barriers (measured 10x slower)')


def cpu_has_native_bf16() -> bool:
    """Whether this CPU computes bf16 in hardware (AVX512-BF16 or AMX-BF16). Elsewhere oneDNN emulates it:
    on an AVX2-only AMD EPYC VM a lite-deep8 step (batch 4 x 5 frames x 48 px, 1 thread) took 30-60 s under
    bf16 autocast against ~3 s in fp32, and CPU bf16 conv_transpose2d has no kernel there at all."""
    try:
        with open('/proc/cpuinfo') as f:
            flags = next((line for line in f if line.startswith('flags')), '').split()
    except OSError:
        return False
    return 'avx512_bf16' in flags or 'amx_bf16' in flags


def autocast(enabled: bool, device_type: str = 'cuda'):
    """bf16 autocast on `device_type` when asked; a no-op context otherwise (not built when off: CPU torch
    1.13 checks CUDA eagerly in torch.autocast('cuda')). On this VM's CPU (AMX-BF16) the convolutions
    then run in oneDNN's bf16 kernels: 1.8x the training steps per second with channels_last (train_vsr.py
    prepare_bf16)."""
    import contextlib
    if not enabled:
        return contextlib.nullcontext()
    return torch.autocast(device_type, dtype=torch.bfloat16)


class Budget:
    """Wall-clock budget for the training loop (evaluation and export come after it)."""

    def __init__(self, seconds: float):
        self.t0 = time.time()
        self.seconds = seconds

    def elapsed(self) -> float:
        return time.time() - self.t0

    def frac(self) -> float:
        return min(1.0, self.elapsed() / max(self.seconds, 1e-9))

    def done(self) -> bool:
        return self.elapsed() >= self.seconds


def rgb_to_y(x: torch.Tensor) -> torch.Tensor:
    """BT.601 luma in [0,1] from RGB in [0,1] (the 16..235 convention of the SR literature)."""
    w = x.new_tensor([65.481, 128.553, 24.966]).view(1, 3, 1, 1)
    return ((x * w).sum(1, keepdim=True) + 16.0) / 255.0


def psnr(a: torch.Tensor, b: torch.Tensor, y_only: bool = True, border: int = 0) -> torch.Tensor:
    """Per-image PSNR in dB of images in [0,1], (B,3,H,W); quantised to uint8 levels first."""
    a = (a.clamp(0, 1) * 255).round() / 255
    b = (b.clamp(0, 1) * 255).round() / 255
    if y_only:
        a, b = rgb_to_y(a), rgb_to_y(b)
    if border:
        a = a[..., border:-border, border:-border]
        b = b[..., border:-border, border:-border]
    mse = ((a - b) ** 2).flatten(1).mean(1).clamp_min(1e-12)
    return 10 * torch.log10(1.0 / mse)


def separable_blur(x: torch.Tensor, taps: torch.Tensor) -> torch.Tensor:
    """x (N, C, H, W) convolved with the 1-D kernel `taps` (odd length) along W, then along H, borders reflected.

    Callers build their own taps: train_vsr's unsharp mask and check_vqgan_bench's copy of anchor-cpu.ts differ in
    radius and in the precision of the normalising sum, and each must match its own reference bit for bit."""
    r = taps.numel() // 2
    c = x.shape[1]
    xb = F.conv2d(F.pad(x, (r, r, r, r), mode='reflect'), taps.view(1, 1, 1, -1).repeat(c, 1, 1, 1), groups=c)
    return F.conv2d(xb, taps.view(1, 1, -1, 1).repeat(c, 1, 1, 1), groups=c)


def _gauss_window(size: int = 11, sigma: float = 1.5, device=None) -> torch.Tensor:
    ax = torch.arange(size, dtype=torch.float64, device=device) - (size - 1) / 2
    g = torch.exp(-(ax ** 2) / (2 * sigma ** 2))
    g = g / g.sum()
    return (g[:, None] * g[None, :]).float()


def ssim(a: torch.Tensor, b: torch.Tensor, border: int = 0) -> torch.Tensor:
    """Per-image SSIM on Y (Wang et al. 2004: 11x11 Gaussian sigma 1.5, K1 .01, K2 .03, valid window)."""
    a = rgb_to_y((a.clamp(0, 1) * 255).round() / 255) * 255
    b = rgb_to_y((b.clamp(0, 1) * 255).round() / 255) * 255
    if border:
        a = a[..., border:-border, border:-border]
        b = b[..., border:-border, border:-border]
    a, b = a.double(), b.double()
    w = _gauss_window(device=a.device).double()[None, None]
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    mu_a, mu_b = F.conv2d(a, w), F.conv2d(b, w)
    saa = F.conv2d(a * a, w) - mu_a ** 2
    sbb = F.conv2d(b * b, w) - mu_b ** 2
    sab = F.conv2d(a * b, w) - mu_a * mu_b
    m = ((2 * mu_a * mu_b + c1) * (2 * sab + c2)) / ((mu_a ** 2 + mu_b ** 2 + c1) * (saa + sbb + c2))
    return m.flatten(1).mean(1).float()


class Log:
    def __init__(self, path: str | None):
        self.path = path
        self.lines: list[str] = []
        if path:
            os.makedirs(os.path.dirname(path) or '.', exist_ok=True)

    def __call__(self, msg: str) -> None:
        print(msg, flush=True)
        self.lines.append(msg)
        if self.path:
            with open(self.path, 'a') as f:
                f.write(msg + '\n')


def dump_json(path: str, obj) -> None:
    os.makedirs(os.path.dirname(path) or '.', exist_ok=True)
    with open(path, 'w') as f:
        json.dump(obj, f, indent=2, sort_keys=True)
        f.write('\n')


def colour_bias(sr: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean over (clip, frame, channel) of |mean over the crop of (sr - target)|: a colour cast. Used as a
    loss term by train_vsr.py and train_vqgan.py (--colour-weight).

    L1 and Charbonnier fit the median of what an input may have been, and where that distribution is
    skewed the median is biased: x264's 4:2:0 chroma bleeds into black outlines and clips at 0, and
    a net trained with L1 alone added casts of its own (up to 1.07 levels per channel on the quality
    bench's web inputs, 3.5 on its paper inputs for the restore net; the bench asks for <= 1). Per
    pixel, this term's gradient has the same scale as L1's (both are means over all pixels), so at
    weight >= 1 it decides the sign of a crop's bias and the optimum is mean-unbiased; the edges are
    still fitted by the pixel loss. A cast the input carries where nothing in it tells how large it
    was (x264's clipped chroma filter on fine coloured patterns) stays: the net cannot see it."""
    return (sr.float() - target).mean(dim=(-2, -1)).abs().mean()


def with_colour_term(pixel_loss, weight: float):
    """pixel_loss + weight * colour_bias (weight 0: pixel_loss itself, the same object)."""
    if weight <= 0:
        return pixel_loss
    return lambda sr, t: pixel_loss(sr, t) + weight * colour_bias(sr, t)


def loss_text(base: str, colour_weight: float) -> str:
    """The summary's words for a loss with or without the colour term."""
    return base + (f' + {colour_weight:g} x colour bias (|crop mean error| per channel)' if colour_weight > 0 else '')
