/**
 * A minimal ONNX ModelProto writer (protobuf wire format by hand).
 *
 * Why: tests and benchmarks need small graphs built on the fly (the engine's
 * WebGPU warm-up model, the MatMul+TopK codebook search used as the second GPU
 * formulation) without a Python round trip or a protobuf dependency. Only the
 * fields those graphs need are written; field numbers follow onnx.proto3.
 */

export type OnnxElemType = 'float' | 'int64' | 'int32' | 'uint8' | 'float16';
const ELEM: Record<OnnxElemType, number> = { float: 1, uint8: 2, int32: 6, int64: 7, float16: 10 };

export interface OnnxValueInfo {
  name: string;
  type: OnnxElemType;
  /** Numbers are fixed sizes, strings are symbolic (dynamic) dimensions. */
  dims: (number | string)[];
}

export interface OnnxInitializer {
  name: string;
  type: 'float' | 'int64';
  dims: number[];
  data: Float32Array | BigInt64Array | number[];
}

export type OnnxAttr = number | number[] | string | { float: number } | { floats: number[] };

export interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  attrs?: Record<string, OnnxAttr>;
  /** Operator set domain ('' = the standard ONNX operators). */
  domain?: string;
}

export interface OnnxModelSpec {
  opset?: number;
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  initializers?: OnnxInitializer[];
  nodes: OnnxNode[];
  name?: string;
  /** Operator sets besides the standard one (custom domains). */
  extraOpsets?: { domain: string; version: number }[];
}

class Writer {
  private chunks: number[] = [];
  varint(v: number | bigint): void {
    let x = BigInt.asUintN(64, BigInt(v));
    while (x >= 0x80n) {
      this.chunks.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.chunks.push(Number(x));
  }
  tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }
  int(field: number, v: number | bigint): void {
    this.tag(field, 0);
    this.varint(v);
  }
  bytes(field: number, b: Uint8Array): void {
    this.tag(field, 2);
    this.varint(b.length);
    for (const x of b) this.chunks.push(x);
  }
  string(field: number, s: string): void {
    this.bytes(field, new TextEncoder().encode(s));
  }
  message(field: number, build: (w: Writer) => void): void {
    const inner = new Writer();
    build(inner);
    this.bytes(field, inner.finish());
  }
  float32(field: number, v: number): void {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    for (const x of b) this.chunks.push(x);
  }
  finish(): Uint8Array {
    return Uint8Array.from(this.chunks);
  }
}

function writeValueInfo(w: Writer, v: OnnxValueInfo): void {
  w.string(1, v.name);
  w.message(2, (t) =>
    t.message(1, (tt) => {
      tt.int(1, ELEM[v.type]);
      tt.message(2, (shape) => {
        for (const d of v.dims) shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
      });
    }),
  );
}

function writeAttr(w: Writer, name: string, a: OnnxAttr): void {
  w.string(1, name);
  if (typeof a === 'number') {
    w.int(3, a);
    w.int(20, 2);
  } else if (typeof a === 'string') {
    w.string(4, a);
    w.int(20, 3);
  } else if (Array.isArray(a)) {
    for (const x of a) w.int(8, x);
    w.int(20, 7);
  } else if ('float' in a) {
    w.float32(2, a.float);
    w.int(20, 1);
  } else {
    for (const x of a.floats) w.float32(7, x);
    w.int(20, 6);
  }
}

function writeInitializer(w: Writer, init: OnnxInitializer): void {
  for (const d of init.dims) w.int(1, d);
  w.int(2, ELEM[init.type]);
  w.string(8, init.name);
  // raw_data (little-endian), the compact form ORT reads fastest.
  let raw: Uint8Array;
  if (init.type === 'float') {
    const f = init.data instanceof Float32Array ? init.data : Float32Array.from(init.data as number[]);
    raw = new Uint8Array(f.buffer.slice(f.byteOffset, f.byteOffset + f.byteLength));
  } else {
    const i = init.data instanceof BigInt64Array ? init.data : BigInt64Array.from((init.data as number[]).map((x) => BigInt(x)));
    raw = new Uint8Array(i.buffer.slice(i.byteOffset, i.byteOffset + i.byteLength));
  }
  w.bytes(9, raw);
}

/**
 * One NodeProto's bytes (graph field 1's payload), for surgery that splices new nodes into an
 * existing graph (pipeline/vsr/cubic-base-conv.ts) with the same encoding a whole model gets here.
 */
export function encodeNode(n: OnnxNode, name = n.name ?? n.op): Uint8Array {
  const nw = new Writer();
  for (const x of n.inputs) nw.string(1, x);
  for (const x of n.outputs) nw.string(2, x);
  nw.string(3, name);
  nw.string(4, n.op);
  if (n.domain) nw.string(7, n.domain);
  for (const [k, v] of Object.entries(n.attrs ?? {})) nw.message(5, (aw) => writeAttr(aw, k, v));
  return nw.finish();
}

/** One initializer's TensorProto bytes (graph field 5's payload), as encodeNode for nodes. */
export function encodeInitializer(init: OnnxInitializer): Uint8Array {
  const w = new Writer();
  writeInitializer(w, init);
  return w.finish();
}

export function buildOnnxModel(spec: OnnxModelSpec): Uint8Array {
  const opset = spec.opset ?? 17;
  const w = new Writer();
  w.int(1, 8); // ir_version 8 pairs with opset 17
  w.string(2, 'vqdsr-web onnx-builder');
  w.message(7, (g) => {
    spec.nodes.forEach((n, i) => g.bytes(1, encodeNode(n, n.name ?? `${n.op}_${i}`)));
    g.string(2, spec.name ?? 'graph');
    for (const init of spec.initializers ?? []) g.bytes(5, encodeInitializer(init));
    for (const v of spec.inputs) g.message(11, (vw) => writeValueInfo(vw, v));
    for (const v of spec.outputs) g.message(12, (vw) => writeValueInfo(vw, v));
  });
  w.message(8, (o) => {
    o.string(1, '');
    o.int(2, opset);
  });
  for (const x of spec.extraOpsets ?? []) {
    w.message(8, (o) => {
      o.string(1, x.domain);
      o.int(2, x.version);
    });
  }
  return w.finish();
}
