"""ONNX export of the shipped graphs (opset 17, dynamic H/W) and of the shared codebook.

Works on Debian's torch 1.13 (CPU) and on torch 2.x, where the TorchScript exporter must be asked
for explicitly (dynamo=False) because the dynamo exporter is the default there and needs extra
packages. Losses and the quantiser stay out of the graphs: the app quantises between encoder and
decoder with its own k-th-nearest kernel.
"""
from __future__ import annotations

import inspect
import os

import numpy as np
import torch

from vqdsr_models import (MultiScaleVQGAN, RecurrentVSR, VQGANDecoderExport, VQGANEncoderExport,
                          VSRStepExport)

OPSET = 17


def _onnx_export(module, args, path, input_names, output_names, dynamic_axes):
    kwargs = dict(opset_version=OPSET, input_names=input_names, output_names=output_names,
                  dynamic_axes=dynamic_axes, do_constant_folding=True)
    if 'dynamo' in inspect.signature(torch.onnx.export).parameters:
        kwargs['dynamo'] = False
    module.eval()
    with torch.no_grad():
        torch.onnx.export(module, args, path, **kwargs)


def export_vqgan(model: MultiScaleVQGAN, out_dir: str, probe: int = 64) -> dict:
    """Writes vqgan.encoder.onnx, vqgan.decoder.onnx, vqgan.codebook.bin; returns their paths."""
    model = model.float().cpu().eval()
    os.makedirs(out_dir, exist_ok=True)
    nz = model.cfg.n_z
    enc_path = os.path.join(out_dir, 'vqgan.encoder.onnx')
    dec_path = os.path.join(out_dir, 'vqgan.decoder.onnx')
    cb_path = os.path.join(out_dir, 'vqgan.codebook.bin')
    img = torch.zeros(1, 3, probe, probe)
    _onnx_export(VQGANEncoderExport(model), (img,), enc_path, ['image'], ['z_top', 'z_mid', 'z_bot'],
                 {'image': {2: 'H', 3: 'W'}, 'z_top': {2: 'H8', 3: 'W8'},
                  'z_mid': {2: 'H4', 3: 'W4'}, 'z_bot': {2: 'H2', 3: 'W2'}})
    zs = (torch.zeros(1, nz, probe // 8, probe // 8), torch.zeros(1, nz, probe // 4, probe // 4),
          torch.zeros(1, nz, probe // 2, probe // 2))
    _onnx_export(VQGANDecoderExport(model), zs, dec_path, ['zq_top', 'zq_mid', 'zq_bot'], ['image'],
                 {'zq_top': {2: 'H8', 3: 'W8'}, 'zq_mid': {2: 'H4', 3: 'W4'}, 'zq_bot': {2: 'H2', 3: 'W2'},
                  'image': {2: 'H', 3: 'W'}})
    write_codebook(model, cb_path)
    return {'encoder': enc_path, 'decoder': dec_path, 'codebook': cb_path}


def write_codebook(model: MultiScaleVQGAN, path: str) -> None:
    """n_codes x n_z float32, row-major, little-endian (code i at bytes [i*n_z*4, (i+1)*n_z*4))."""
    w = model.codebook.weight.detach().float().cpu().numpy().astype('<f4')
    with open(path, 'wb') as f:
        f.write(np.ascontiguousarray(w).tobytes())


def export_vsr(model: RecurrentVSR, path: str, probe: int = 16) -> str:
    model = model.float().cpu().eval()
    os.makedirs(os.path.dirname(path) or '.', exist_ok=True)
    lr = torch.zeros(1, 3, probe, probe)
    state = torch.zeros(1, model.cfg.width, probe, probe)
    dyn = {2: 'h', 3: 'w'}
    _onnx_export(VSRStepExport(model), (lr, lr, lr, state), path, ['prev', 'cur', 'next', 'state'],
                 ['out', 'state_out'],
                 {'prev': dyn, 'cur': dyn, 'next': dyn, 'state': dyn, 'out': {2: 'H', 3: 'W'}, 'state_out': dyn})
    return path
