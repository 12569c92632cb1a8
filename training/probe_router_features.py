"""Would other LR features route clips between the VSR nets better? An offline check for fit_router.ts (issue 11).

    npx tsx training/fit_router.ts --out /tmp/router.json --rows-out .devdata/router_rows.json
    /usr/bin/python3 training/probe_router_features.py [--rows .devdata/router_rows.json] [--set .devdata/router_set]

Reads every clip's PSNR-Y per model and its noise/edge features from fit_router.ts's --rows-out (two models: the
reference and one other), computes candidate features from the clip's LR frames in the router set, and prints the
leave-one-clip-out PSNR-Y per condition of the same weighted logistic regression (l2 0.01, labels weighted by
|difference| + 0.05 dB) on noise and edge alone (it reproduces fit_router.ts's figures) and with each candidate
added, beside the oracle.

Measured 2026-12-06 (the 4-condition set, vsr / vsr-restore): average 30.437 dB with noise and edge, 30.427 to
30.446 with blockiness, chroma noise, mean gradient, frame-to-frame change or all-pixel noise added (singly or all
five), oracle 30.524: none worth a probe change.
"""
import argparse
import glob
import json
import os

import numpy as np
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def luma(a: np.ndarray) -> np.ndarray:
    a = a.astype(np.float64)
    return 0.299 * a[..., 0] + 0.587 * a[..., 1] + 0.114 * a[..., 2]


def chroma(a: np.ndarray) -> tuple:
    a = a.astype(np.float64)
    cb = -0.168736 * a[..., 0] - 0.331264 * a[..., 1] + 0.5 * a[..., 2]
    cr = 0.5 * a[..., 0] - 0.418688 * a[..., 1] - 0.081312 * a[..., 2]
    return cb, cr


def immerkaer(y: np.ndarray) -> float:
    """Immerkaer's noise sigma over all interior pixels (input-probe.ts takes the flatter half only)."""
    k = (y[:-2, :-2] - 2 * y[:-2, 1:-1] + y[:-2, 2:] - 2 * y[1:-1, :-2] + 4 * y[1:-1, 1:-1] - 2 * y[1:-1, 2:]
         + y[2:, :-2] - 2 * y[2:, 1:-1] + y[2:, 2:])
    return float(np.sqrt(np.pi / 2) / 6 * np.abs(k).mean())


def candidate_features(set_dir: str, cond: str, clip: str) -> dict:
    frames = [np.asarray(Image.open(p).convert('RGB'))
              for p in sorted(glob.glob(os.path.join(set_dir, cond, clip, 'lr', '*.png')))]
    ys = [luma(a) for a in frames]
    # blockiness: |dY| across the 8-px grid's boundaries against elsewhere (codec transform blocks)
    on, off = [], []
    for y in ys:
        dx, dy = np.abs(np.diff(y, axis=1)), np.abs(np.diff(y, axis=0))
        bx, by = (np.arange(dx.shape[1]) % 8) == 7, (np.arange(dy.shape[0]) % 8) == 7
        on += [dx[:, bx].mean(), dy[by].mean()]
        off += [dx[:, ~bx].mean(), dy[~by].mean()]
    return {
        'block': np.mean(on) / (np.mean(off) + 1e-3),
        'chroma_noise': np.mean([immerkaer(cb) + immerkaer(cr) for cb, cr in map(chroma, frames)]),
        'grad': np.mean([np.abs(np.diff(y, axis=1)).mean() + np.abs(np.diff(y, axis=0)).mean() for y in ys]),
        'temporal': np.mean([np.abs(ys[i] - ys[i - 1]).mean() for i in range(1, len(ys))]) if len(ys) > 1 else 0.0,
        'noise_all': np.mean([immerkaer(y) for y in ys]),
    }


def fit(X: np.ndarray, y: np.ndarray, w: np.ndarray, l2: float = 0.01, iters: int = 4000):
    """Weighted binary logistic regression on standardised features (fit_router.ts's, for two models)."""
    mu, sd = X.mean(0), X.std(0) + 1e-9
    Z = np.c_[(X - mu) / sd, np.ones(len(X))]
    W = np.zeros(Z.shape[1])
    ws = w / w.sum()
    for _ in range(iters):
        p = 1 / (1 + np.exp(-Z @ W))
        G = Z.T @ (ws * (p - y))
        G[:-1] += l2 * W[:-1]
        W -= 2 * G
    return mu, sd, W


def picks_other(model, X: np.ndarray) -> np.ndarray:
    mu, sd, W = model
    return (np.c_[(X - mu) / sd, np.ones(len(X))] @ W) > 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--rows', default=os.path.join(ROOT, '.devdata', 'router_rows.json'))
    ap.add_argument('--set', default=os.path.join(ROOT, '.devdata', 'router_set'))
    args = ap.parse_args()
    rows = json.load(open(args.rows))['rows']
    P = np.array([r['psnr'] for r in rows])
    if P.shape[1] != 2:
        raise SystemExit(f'{args.rows}: {P.shape[1]} models; this check handles two')
    y = (P[:, 1] > P[:, 0]).astype(float)
    w = np.abs(P[:, 1] - P[:, 0]) + 0.05
    conds = np.array([r['cond'] for r in rows])
    clips = np.array([r['clip'] for r in rows])
    base = np.array([r['x'] for r in rows])
    extra = [candidate_features(args.set, r['cond'], r['clip']) for r in rows]
    names = list(extra[0])
    E = np.log(np.array([[e[n] for n in names] for e in extra]) + 1e-3)

    def leave_one_clip_out(X):
        pick = np.zeros(len(X), bool)
        for c in np.unique(clips):
            pick[clips == c] = picks_other(fit(X[clips != c], y[clips != c], w[clips != c]), X[clips == c])
        got = np.where(pick, P[:, 1], P[:, 0])
        return {cd: round(got[conds == cd].mean(), 3) for cd in np.unique(conds)}, round(got.mean(), 4)

    print('oracle       ', {cd: round(P[conds == cd].max(1).mean(), 3) for cd in np.unique(conds)}, round(P.max(1).mean(), 4))
    print('noise + edge ', leave_one_clip_out(base))
    for j, n in enumerate(names):
        print(f'+ {n:<11}', leave_one_clip_out(np.c_[base, E[:, j]]))
    print('+ all five   ', leave_one_clip_out(np.c_[base, E]))


if __name__ == '__main__':
    main()
