#!/usr/bin/env python3
"""Writes blur-reference.json: an independent numpy reference for the vitest suite.

Kernels follow Real-ESRGAN's formulas as published (sigma matrix R·diag(σx²,σy²)·Rᵀ inverted
numerically with np.linalg.inv, exp(-q/2), exp(-q^β/2), 1/(1+q^β), normalised), and the blur
is numpy's pad(mode='reflect') (= torch F.pad 'reflect') followed by a plain correlation —
an implementation path that shares nothing with kernel.ts / blur-cpu.ts.
Run: python3 src/pipeline/blur/make-reference.py
"""
import json, math, os
import numpy as np

SIZE = 21
W, H = 23, 17

def grid(k):
    ax = np.arange(-(k // 2), k // 2 + 1, dtype=np.float64)
    xx, yy = np.meshgrid(ax, ax)          # xx varies along columns (x), yy along rows (y)
    return np.stack([xx, yy], axis=-1)

def sigma_matrix(sx, sy, theta):
    d = np.diag([sx * sx, sy * sy])
    u = np.array([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]])
    return u @ d @ u.T

def quad(sx, sy, theta):
    g = grid(SIZE)
    inv = np.linalg.inv(sigma_matrix(sx, sy, theta))
    return np.sum((g @ inv) * g, axis=-1)

def kernel(kind, sx, sy, theta, beta):
    if kind == 'iso':
        q = quad(sx, sx, 0.0)
        k = np.exp(-0.5 * q)
    elif kind == 'aniso':
        k = np.exp(-0.5 * quad(sx, sy, theta))
    elif kind == 'generalized':
        k = np.exp(-0.5 * np.power(quad(sx, sy, theta), beta))
    elif kind == 'plateau':
        k = 1.0 / (np.power(quad(sx, sy, theta), beta) + 1.0)
    return k / k.sum()

def image():
    y, x = np.mgrid[0:H, 0:W]
    return ((x * 37 + y * 91 + (x * y) % 13) % 101) / 100.0

def blur(img, k):
    r = k.shape[0] // 2
    p = np.pad(img, r, mode='reflect')
    out = np.zeros_like(img)
    for i in range(k.shape[0]):
        for j in range(k.shape[1]):
            out += k[i, j] * p[i:i + img.shape[0], j:j + img.shape[1]]
    return out

cases = [
    dict(kind='iso', sigmaX=1.3, sigmaY=1.3, theta=0.0, beta=1.0),
    dict(kind='aniso', sigmaX=2.5, sigmaY=0.9, theta=0.6, beta=1.0),
    dict(kind='generalized', sigmaX=2.0, sigmaY=1.2, theta=-1.1, beta=0.7),
    dict(kind='plateau', sigmaX=1.8, sigmaY=1.1, theta=2.0, beta=1.5),
]
img = image()
out = {'width': W, 'height': H, 'size': SIZE, 'image': 'v(x,y) = ((37x + 91y + (x·y mod 13)) mod 101) / 100', 'cases': []}
for c in cases:
    k = kernel(c['kind'], c['sigmaX'], c['sigmaY'], c['theta'], c['beta'])
    out['cases'].append({'params': {**c, 'size': SIZE}, 'kernel': [float(v) for v in k.ravel()],
                         'blurred': [float(v) for v in blur(img, k).ravel()]})
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'blur-reference.json')
with open(path, 'w') as f:
    json.dump(out, f, separators=(',', ':'))
print('wrote', path)
