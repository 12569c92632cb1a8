/**
 * An ONNX file at the protobuf wire level: its fields as byte spans, for graph surgery that copies
 * everything it does not change verbatim (pipeline/vqd/decoder-entry.ts), and the few messages
 * such surgery reads (nodes with their attributes, float initializers) or writes (a graph input).
 * Field numbers follow onnx.proto3. Nothing is re-encoded that need not be, so a weight is never
 * parsed unless asked for.
 *
 * Pure TypeScript, no protobuf dependency; Node and browser alike.
 */

/** One field of a message: where it lies in the buffer (key included), and its value. */
export interface WireField {
  no: number;
  wire: number;
  /** The whole field, key included (re-emitted verbatim). */
  start: number;
  end: number;
  /** Payload of a length-delimited field. */
  body: [number, number] | null;
  /** Value of a varint field (exact below 2^53; the fields read here are small and non-negative). */
  int: number;
}

/** The bytes are not the protobuf the reader expected. */
export class WireError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WireError';
  }
}

/**
 * `read()`'s answer, or null where the bytes are not the protobuf it expected (a WireError): the
 * graph rewriters' rule — a file they cannot read runs as it is. Any other error is a bug and throws.
 */
export function nullIfUnreadable<T>(read: () => T | null): T | null {
  try {
    return read();
  } catch (e) {
    if (e instanceof WireError) return null;
    throw e;
  }
}

/** The fields of the message in buf[start, end). */
export function wireFields(buf: Uint8Array, start: number, end: number): WireField[] {
  const out: WireField[] = [];
  let pos = start;
  const varint = (): number => {
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (pos >= end) throw new WireError('truncated varint');
      const b = buf[pos++];
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 128;
    }
    throw new WireError('malformed varint');
  };
  while (pos < end) {
    const at = pos;
    const key = varint();
    const no = Math.floor(key / 8);
    const wire = key & 7;
    let body: [number, number] | null = null;
    let int = 0;
    if (wire === 0) int = varint();
    else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      const len = varint();
      body = [pos, pos + len];
      pos += len;
    } else throw new WireError(`unsupported wire type ${wire}`);
    if (pos > end) throw new WireError('field runs past its message');
    out.push({ no, wire, start: at, end: pos, body, int });
  }
  return out;
}

/** The fields of a length-delimited field's payload. */
export const subFields = (buf: Uint8Array, f: WireField): WireField[] => (f.body ? wireFields(buf, f.body[0], f.body[1]) : []);

/** A length-delimited field as UTF-8 text. */
export const wireText = (buf: Uint8Array, f: WireField): string => new TextDecoder().decode(buf.subarray(f.body![0], f.body![1]));

/** The field's bytes, key included. */
export const wireSlice = (buf: Uint8Array, f: WireField): Uint8Array => buf.subarray(f.start, f.end);

/** Repeated varints, packed (one length-delimited field) or not (one field per value). */
function varints(buf: Uint8Array, fs: WireField[]): number[] {
  const out: number[] = [];
  for (const f of fs) {
    if (f.wire === 0) out.push(f.int);
    else if (f.body) {
      // A packed run parses as fields would not; read the varints directly.
      let pos = f.body[0];
      while (pos < f.body[1]) {
        let v = 0;
        let mul = 1;
        for (;;) {
          if (pos >= f.body[1]) throw new WireError('truncated packed varint');
          const b = buf[pos++];
          v += (b & 0x7f) * mul;
          mul *= 128;
          if (b < 0x80) break;
        }
        out.push(v);
      }
    }
  }
  return out;
}

/** A message being written: fields appended in order. */
export class WireOut {
  private parts: Uint8Array[] = [];
  private size = 0;
  raw(b: Uint8Array): this {
    this.parts.push(b);
    this.size += b.length;
    return this;
  }
  varint(v: number): this {
    const b: number[] = [];
    while (v >= 0x80) {
      b.push((v % 128) | 0x80);
      v = Math.floor(v / 128);
    }
    b.push(v);
    return this.raw(Uint8Array.from(b));
  }
  bytes(no: number, b: Uint8Array): this {
    return this.varint(no * 8 + 2).varint(b.length).raw(b);
  }
  string(no: number, s: string): this {
    return this.bytes(no, new TextEncoder().encode(s));
  }
  int(no: number, v: number): this {
    return this.varint(no * 8).varint(v);
  }
  finish(): Uint8Array {
    const r = new Uint8Array(this.size);
    let o = 0;
    for (const p of this.parts) {
      r.set(p, o);
      o += p.length;
    }
    return r;
  }
}

/** The scalar and list attributes a graph rewrite reads (AttributeProto i, ints, s). */
export interface WireAttr {
  i?: number;
  /** A FLOAT attribute (AttributeProto.f). */
  f?: number;
  ints?: number[];
  s?: string;
  /** A TENSOR attribute (AttributeProto.t, a Constant's value): its field, for readWireTensor / readWireInts. */
  t?: WireField;
}

/** A NodeProto: its field, operator (with domain), inputs, outputs and attributes. */
export interface WireNode {
  field: WireField;
  /** NodeProto.name ('' when the file has none): torch.onnx writes the module scope, e.g. '/enc_d1/enc_d1.1/enc_d1.1.0/norm1/Mul'. */
  name: string;
  op: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attrs: Map<string, WireAttr>;
}

export function readWireNode(buf: Uint8Array, f: WireField): WireNode {
  const n: WireNode = { field: f, name: '', op: '', domain: '', inputs: [], outputs: [], attrs: new Map() };
  for (const g of subFields(buf, f)) {
    if (g.no === 1 && g.body) n.inputs.push(wireText(buf, g));
    else if (g.no === 2 && g.body) n.outputs.push(wireText(buf, g));
    else if (g.no === 3 && g.body) n.name = wireText(buf, g);
    else if (g.no === 4 && g.body) n.op = wireText(buf, g);
    else if (g.no === 7 && g.body) n.domain = wireText(buf, g);
    else if (g.no === 5 && g.body) {
      let name = '';
      const a: WireAttr = {};
      const fs = subFields(buf, g);
      for (const x of fs) {
        if (x.no === 1 && x.body) name = wireText(buf, x);
        else if (x.no === 3 && x.wire === 0) a.i = x.int;
        else if (x.no === 2 && x.wire === 5) a.f = new DataView(buf.buffer, buf.byteOffset + x.end - 4, 4).getFloat32(0, true);
        else if (x.no === 4 && x.body) a.s = wireText(buf, x);
        else if (x.no === 5 && x.body) a.t = x;
      }
      const ints = fs.filter((x) => x.no === 8);
      if (ints.length) a.ints = varints(buf, ints);
      n.attrs.set(name, a);
    }
  }
  return n;
}

/** A TensorProto's name, dims, element type and float values (null for another type, or data kept outside the file). */
export interface WireTensor {
  field: WireField;
  name: string;
  dims: number[];
  elemType: number;
  /** float32 values (TensorProto.DataType 1) from raw_data or float_data; null otherwise. */
  floats: Float32Array | null;
}

export function readWireTensor(buf: Uint8Array, f: WireField): WireTensor {
  const fs = subFields(buf, f);
  let name = '';
  let elemType = 0;
  let external = false;
  let raw: WireField | undefined;
  const floatData: WireField[] = [];
  for (const x of fs) {
    if (x.no === 8 && x.body) name = wireText(buf, x);
    else if (x.no === 2 && x.wire === 0) elemType = x.int;
    else if (x.no === 9 && x.body) raw = x;
    else if (x.no === 4) floatData.push(x);
    else if (x.no === 14 && x.wire === 0 && x.int === 1) external = true;
  }
  const dims = varints(buf, fs.filter((x) => x.no === 1));
  let floats: Float32Array | null = null;
  if (elemType === 1 && !external) {
    const count = dims.reduce((a, b) => a * b, 1);
    if (raw) {
      const [s, e] = raw.body!;
      if (e - s !== 4 * count) throw new WireError(`tensor '${name}': ${e - s} raw bytes for ${count} floats`);
      floats = new Float32Array(count);
      const dv = new DataView(buf.buffer, buf.byteOffset + s, e - s);
      for (let i = 0; i < count; i++) floats[i] = dv.getFloat32(4 * i, true);
    } else {
      // float_data: packed (one field of 4-byte values) or one fixed32 field per value.
      const vals: number[] = [];
      for (const x of floatData) {
        if (x.wire === 5) vals.push(new DataView(buf.buffer, buf.byteOffset + x.start + 1, 4).getFloat32(0, true));
        else if (x.body) {
          const dv = new DataView(buf.buffer, buf.byteOffset + x.body[0], x.body[1] - x.body[0]);
          for (let o = 0; o + 4 <= dv.byteLength; o += 4) vals.push(dv.getFloat32(o, true));
        }
      }
      if (vals.length !== count) throw new WireError(`tensor '${name}': ${vals.length} float_data values for ${count}`);
      floats = Float32Array.from(vals);
    }
  }
  return { field: f, name, dims, elemType, floats };
}

/**
 * An int64 TensorProto's values (a Constant's shape or axes) from its raw_data; null for another
 * element type or values kept in int64_data. Values beyond ±2^53 lose precision (shapes never get there).
 */
export function readWireInts(buf: Uint8Array, f: WireField): number[] | null {
  const fs = subFields(buf, f);
  if ((fs.find((x) => x.no === 2 && x.wire === 0)?.int ?? 0) !== 7) return null;
  const raw = fs.find((x) => x.no === 9 && x.body);
  if (raw) {
    const [s, e] = raw.body!;
    if ((e - s) % 8) throw new WireError(`int64 tensor: ${e - s} raw bytes`);
    const dv = new DataView(buf.buffer, buf.byteOffset + s, e - s);
    return Array.from({ length: (e - s) / 8 }, (_, i) => Number(dv.getBigInt64(8 * i, true)));
  }
  // int64_data (field 7) is not read: a negative value is a ten-byte varint that float arithmetic
  // cannot take apart exactly, and torch.onnx writes raw_data. The caller treats null as unknown.
  return null;
}

/** A model's graph read for recognition (lite-graph.ts, vqgan-graph.ts): nothing of it re-encoded. */
export interface WireGraph {
  nodes: WireNode[];
  /** Initializers by name, their float data read. */
  inits: Map<string, WireTensor>;
  /** Graph inputs that are not initializers, and graph outputs, by name in the file's order. */
  inputs: string[];
  outputs: string[];
}

/** The ModelProto's graph (field 7), or null where the file has none. */
export function readWireGraph(buf: Uint8Array): WireGraph | null {
  const g = wireFields(buf, 0, buf.length).find((f) => f.no === 7 && f.body);
  if (!g) return null;
  const graph = subFields(buf, g);
  const names = (no: number) => graph.filter((f) => f.no === no && f.body).map((f) => wireText(buf, subFields(buf, f).find((x) => x.no === 1 && x.body)!));
  const inits = new Map(graph.filter((f) => f.no === 5 && f.body).map((f) => readWireTensor(buf, f)).map((t) => [t.name, t]));
  return { nodes: graph.filter((f) => f.no === 1 && f.body).map((f) => readWireNode(buf, f)), inits, inputs: names(11).filter((n) => !inits.has(n)), outputs: names(12) };
}

/** The name of a TensorProto (an initializer), without reading its data. */
export function tensorName(buf: Uint8Array, f: WireField): string {
  const n = subFields(buf, f).find((g) => g.no === 8 && g.body);
  return n ? wireText(buf, n) : '';
}

/** The name of a ValueInfoProto (a graph input, output or value_info entry). */
export function valueInfoName(buf: Uint8Array, f: WireField): string {
  const n = subFields(buf, f).find((g) => g.no === 1 && g.body);
  return n ? wireText(buf, n) : '';
}

/** ValueInfoProto of a float tensor with the given dims (numbers fixed, strings symbolic). */
export function floatValueInfo(name: string, dims: readonly (number | string)[]): Uint8Array {
  const dim = (d: number | string) => (typeof d === 'number' ? new WireOut().int(1, d) : new WireOut().string(2, d)).finish();
  const shape = new WireOut();
  for (const d of dims) shape.bytes(1, dim(d));
  const tensor = new WireOut().int(1, 1).bytes(2, shape.finish()).finish();
  const type = new WireOut().bytes(1, tensor).finish();
  return new WireOut().string(1, name).bytes(2, type).finish();
}
