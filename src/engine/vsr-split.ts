/**
 * Splits a VSR step graph's state-free image base out of it, so the base of frame t+1 can be
 * computed on another core while the net runs frame t (vsr-cpu-split.ts).
 *
 * Why: our 'lite' nets add their residual to a bicubic ×4 of `cur` (an ONNX Resize, mode cubic).
 * onnxruntime's cubic Resize is scalar and single-threaded: measured on the bundled sample's
 * 480×272 tile it is about a third of the whole step's CPU time on the wasm EP (0.9 of 2.7 CPU-s),
 * and the net's convolutions cannot use the second core meanwhile. The base depends only on `cur`,
 * never on the recurrent state, so it can run ahead.
 *
 * How: protobuf surgery at the wire level (field numbers of onnx.proto3), nothing re-encoded that
 * need not be: `net` is the model with the Resize node removed and its output made a graph input;
 * `base` is a model of that node alone (plus the Constant nodes and initializers it reads), with
 * `cur` as its input. Both run the very same ORT kernels on the very same values as the whole
 * graph, so `net(…, base(cur))` gives the whole graph's outputs bit for bit (vsr-split.test.ts
 * checks that with onnxruntime-node on the sample's frames).
 *
 * Pure TypeScript, no ORT import: the caller opens the sessions.
 */

/** The two halves of a split step graph. */
export interface SplitStep {
  /** The step graph without the base node; `baseName` is one more input. */
  net: Uint8Array;
  /** One input (`input`), one output (`baseName`). */
  base: Uint8Array;
  /** The graph input the base is computed from ('cur'). */
  input: string;
  /** The base's tensor name: the output of `base`, an input of `net`. */
  baseName: string;
}

interface Field {
  no: number;
  wire: number;
  /** The whole field, key included (re-emitted verbatim). */
  start: number;
  end: number;
  /** Payload of a length-delimited field. */
  body: [number, number] | null;
  /** Value of a varint field. */
  int: number;
}

class WireError extends Error {}

function fields(buf: Uint8Array, start: number, end: number): Field[] {
  const out: Field[] = [];
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

const text = (buf: Uint8Array, f: Field): string => new TextDecoder().decode(buf.subarray(f.body![0], f.body![1]));

class Out {
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

/** ValueInfoProto of a float tensor [1, 3, sym, sym]. */
function floatImageInfo(name: string, h: string, w: string): Uint8Array {
  const dim = (d: number | string) => (typeof d === 'number' ? new Out().int(1, d) : new Out().string(2, d)).finish();
  const shape = new Out();
  for (const d of [1, 3, h, w]) shape.bytes(1, dim(d));
  const tensor = new Out().int(1, 1).bytes(2, shape.finish()).finish();
  const type = new Out().bytes(1, tensor).finish();
  return new Out().string(1, name).bytes(2, type).finish();
}

interface NodeInfo {
  field: Field;
  op: string;
  inputs: string[];
  outputs: string[];
  attrs: Map<string, { s?: string }>;
}

function readNode(buf: Uint8Array, f: Field): NodeInfo {
  const n: NodeInfo = { field: f, op: '', inputs: [], outputs: [], attrs: new Map() };
  for (const g of fields(buf, f.body![0], f.body![1])) {
    if (g.no === 1 && g.body) n.inputs.push(text(buf, g));
    else if (g.no === 2 && g.body) n.outputs.push(text(buf, g));
    else if (g.no === 4 && g.body) n.op = text(buf, g);
    else if (g.no === 5 && g.body) {
      let name = '';
      let s: string | undefined;
      for (const a of fields(buf, g.body[0], g.body[1])) {
        if (a.no === 1 && a.body) name = text(buf, a);
        else if (a.no === 4 && a.body) s = text(buf, a);
      }
      n.attrs.set(name, { s });
    }
  }
  return n;
}

/**
 * Split `model` at its cubic Resize of graph input `input` (default 'cur'), or null when the graph
 * has no such node (a bilinear-base net, a model the user brought, a file we cannot read): then it
 * simply runs whole. Only a cubic base is split: a bilinear Resize costs ~0.06 CPU-s, not worth a
 * second session.
 */
export function splitCubicBase(model: Uint8Array, input = 'cur'): SplitStep | null {
  try {
    return split(model, input);
  } catch (e) {
    if (e instanceof WireError) return null;
    throw e;
  }
}

function split(buf: Uint8Array, input: string): SplitStep | null {
  const top = fields(buf, 0, buf.length);
  const graphField = top.find((f) => f.no === 7 && f.body);
  if (!graphField) return null;
  const graph = fields(buf, graphField.body![0], graphField.body![1]);
  const nodes = graph.filter((f) => f.no === 1 && f.body).map((f) => readNode(buf, f));
  const graphInputs = graph.filter((f) => f.no === 11 && f.body).map((f) => ({ f, name: text(buf, fields(buf, f.body![0], f.body![1]).find((g) => g.no === 1 && g.body)!) }));
  if (!graphInputs.some((i) => i.name === input)) return null;
  const candidates = nodes.filter((n) => n.op === 'Resize' && n.inputs[0] === input && n.attrs.get('mode')?.s === 'cubic' && n.outputs.length === 1);
  if (candidates.length !== 1) return null;
  const resize = candidates[0];
  const baseName = resize.outputs[0];
  // What the Resize reads besides `input` (roi, scales or sizes): Constant nodes or initializers.
  const needed = resize.inputs.slice(1).filter((s) => s !== '');
  const constNodes = nodes.filter((n) => n.op === 'Constant' && n.outputs.some((o) => needed.includes(o)));
  const initializers = graph.filter((f) => f.no === 5 && f.body).filter((f) => {
    const name = fields(buf, f.body![0], f.body![1]).find((g) => g.no === 8 && g.body);
    return name !== undefined && needed.includes(text(buf, name));
  });
  const found = new Set([...constNodes.flatMap((n) => n.outputs), ...initializers.map((f) => text(buf, fields(buf, f.body![0], f.body![1]).find((g) => g.no === 8)!))]);
  if (!needed.every((n) => found.has(n))) return null; // computed from another node: not state-free as far as we can tell
  const slice = (f: Field) => buf.subarray(f.start, f.end);

  // net: the graph without the Resize node (nor the Constants only it read), its output a graph input.
  const readElsewhere = new Set(nodes.filter((n) => n !== resize).flatMap((n) => n.inputs));
  const dropped = new Set([resize.field, ...constNodes.filter((n) => !n.outputs.some((o) => readElsewhere.has(o))).map((n) => n.field)]);
  const netGraph = new Out();
  for (const f of graph) if (!dropped.has(f)) netGraph.raw(slice(f));
  netGraph.bytes(11, floatImageInfo(baseName, 'H4', 'W4'));
  const net = new Out();
  for (const f of top) net.raw(f === graphField ? new Out().bytes(7, netGraph.finish()).finish() : slice(f));

  // base: the Resize alone, with what it reads.
  const inputInfo = graphInputs.find((i) => i.name === input)!.f;
  const baseGraph = new Out();
  for (const n of constNodes) baseGraph.raw(slice(n.field));
  baseGraph.raw(slice(resize.field));
  baseGraph.string(2, 'vsr-base');
  for (const f of initializers) baseGraph.raw(slice(f));
  baseGraph.raw(slice(inputInfo));
  baseGraph.bytes(12, floatImageInfo(baseName, 'H4', 'W4'));
  const base = new Out();
  // Same ir_version, opset imports and producer; the new graph.
  for (const f of top) base.raw(f === graphField ? new Out().bytes(7, baseGraph.finish()).finish() : slice(f));
  return { net: net.finish(), base: base.finish(), input, baseName };
}
