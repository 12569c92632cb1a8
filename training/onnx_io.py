"""Read an ONNX file's graph inputs/outputs (names, element types, shapes) and opset without the
`onnx` package (Debian's torch exports fine without it, and CI does not install it).

Only the few protobuf fields needed are decoded; everything else, initialisers included, is skipped
by its length prefix. Field numbers are those of onnx.proto3:
  ModelProto: 7 graph, 8 opset_import (OperatorSetIdProto: 1 domain, 2 version)
  GraphProto: 11 input, 12 output (ValueInfoProto: 1 name, 2 type)
  TypeProto: 1 tensor_type (1 elem_type, 2 shape); TensorShapeProto: 1 dim (1 dim_value, 2 dim_param)
"""
from __future__ import annotations

ELEM_TYPES = {1: 'float32', 6: 'int32', 7: 'int64', 10: 'float16', 16: 'bfloat16'}


def _varint(buf: bytes, i: int):
    shift = 0
    val = 0
    while True:
        b = buf[i]
        i += 1
        val |= (b & 0x7F) << shift
        if b < 0x80:
            return val, i
        shift += 7


def _fields(buf: bytes):
    """Yield (field_number, wire_type, value) where value is int (varint) or bytes (length-delimited)."""
    i = 0
    n = len(buf)
    while i < n:
        key, i = _varint(buf, i)
        field, wire = key >> 3, key & 7
        if wire == 0:
            val, i = _varint(buf, i)
        elif wire == 1:
            val, i = buf[i:i + 8], i + 8
        elif wire == 2:
            ln, i = _varint(buf, i)
            val, i = buf[i:i + ln], i + ln
        elif wire == 5:
            val, i = buf[i:i + 4], i + 4
        else:
            raise ValueError(f'unsupported wire type {wire}')
        yield field, wire, val


def _value_info(buf: bytes) -> dict:
    name, dtype, shape = None, None, []
    for f, _, v in _fields(buf):
        if f == 1:
            name = v.decode()
        elif f == 2:
            for tf, _, tv in _fields(v):
                if tf != 1:
                    continue
                for ttf, _, ttv in _fields(tv):
                    if ttf == 1:
                        dtype = ELEM_TYPES.get(ttv, str(ttv))
                    elif ttf == 2:
                        for sf, _, sv in _fields(ttv):
                            if sf != 1:
                                continue
                            dim = None
                            for df, _, dv in _fields(sv):
                                if df == 1:
                                    dim = dv
                                elif df == 2:
                                    dim = dv.decode()
                            shape.append(dim)
    return {'name': name, 'type': dtype, 'shape': shape}


def read_io(path: str) -> dict:
    with open(path, 'rb') as f:
        buf = f.read()
    graph = None
    opset = None
    for f, _, v in _fields(buf):
        if f == 7:
            graph = v
        elif f == 8:
            domain, version = '', None
            for of, _, ov in _fields(v):
                if of == 1:
                    domain = ov.decode()
                elif of == 2:
                    version = ov
            if domain in ('', 'ai.onnx'):
                opset = version
    if graph is None:
        raise ValueError(f'{path}: no graph')
    inputs, outputs = [], []
    for f, _, v in _fields(graph):
        if f == 11:
            inputs.append(_value_info(v))
        elif f == 12:
            outputs.append(_value_info(v))
    return {'opset': opset, 'inputs': inputs, 'outputs': outputs}
