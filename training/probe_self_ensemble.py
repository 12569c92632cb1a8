"""How much geometric self-ensembling would give a VSR net (issue 11 probe).

Self-ensembling (EDSR's "+" models) runs the net on the 8 flips/rotations of the input, undoes each on the
output and averages: no retraining, 8x the compute (x2 with the identity and one rotation). It is the
cheapest lever left for a net that has plateaued, so this measures it before anyone builds it into the
app: the pack's held-out clips on its three inputs (pipeline-degraded, clean bicubic x1/4, web), through
train_vsr.evaluate — the trainer's own held-out numbers (PSNR-Y, 4 px border), so the rows compare with
its logs.

usage: python3 training/probe_self_ensemble.py CKPT CONFIG PACK [--out JSON] [--threads N]
(CKPT: a train_vsr.py checkpoint or compact resume point; its EMA weights are scored)
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train_vsr as V  # noqa: E402
from checkpoints import load_vsr_ema  # noqa: E402


def dihedral(x: torch.Tensor, t: int) -> torch.Tensor:
    """The t-th of the 8 symmetries of the square on the last two dims (t >= 4: transposed first)."""
    x = x.transpose(-1, -2) if t >= 4 else x
    return torch.rot90(x, t % 4, dims=(-2, -1))


def undo_dihedral(x: torch.Tensor, t: int) -> torch.Tensor:
    x = torch.rot90(x, -(t % 4), dims=(-2, -1))
    return x.transpose(-1, -2) if t >= 4 else x


class SelfEnsemble(torch.nn.Module):
    """Mean of net(T(x)) mapped back by T^-1 over the first n symmetries (n = 2: identity and a quarter turn)."""

    def __init__(self, net: torch.nn.Module, n: int = 8):
        super().__init__()
        self.net, self.n = net, n

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return sum(undo_dihedral(self.net(dihedral(x, t)), t) for t in range(self.n)) / self.n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('ckpt')
    ap.add_argument('config')
    ap.add_argument('pack')
    ap.add_argument('--out', help='write the result here as JSON')
    ap.add_argument('--threads', type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    net = load_vsr_ema(args.ckpt, args.config)
    data = V.load_pack(args.pack, threads=args.threads)
    idx = torch.nonzero(data['heldout']).flatten()
    t0 = time.time()
    res = V.evaluate({'plain': net, 'ensemble8': SelfEnsemble(net, 8), 'ensemble2': SelfEnsemble(net, 2)},
                     data, idx, torch.device('cpu'))
    res['seconds'] = round(time.time() - t0, 1)
    res['ckpt'], res['config'], res['pack'] = os.path.basename(args.ckpt), args.config, os.path.basename(args.pack)
    text = json.dumps(res, indent=1, sort_keys=True)
    if args.out:
        with open(args.out, 'w') as f:
            f.write(text + '\n')
    print(text)


if __name__ == '__main__':
    main()
