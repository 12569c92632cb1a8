/**
 * A minimal reader of an ONNX file's ModelProto (protobuf wire format by hand, the mirror of
 * gpu/onnx-builder.ts): the graph's inputs and outputs with their element types and shapes, the
 * initializer names, the operators used (with their domains, subgraphs included), the opsets, and
 * whether any weight lives in an external file.
 *
 * Why by hand: a model the user brings is checked before an ORT session is made (a session of a
 * 200 MB model costs seconds and memory, and its errors are hard to read), in Node and in the
 * browser alike, without a protobuf dependency. Weights are skipped, not read: a length-delimited
 * field is passed over in O(1). Field numbers follow onnx.proto3.
 */

/** The file is not a (whole) ONNX model; the message says why in plain words. */
export class OnnxReadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OnnxReadError';
  }
}

/** TensorProto.DataType: the names used in messages. */
export const ELEM_TYPE_NAMES: Record<number, string> = {
  1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 8: 'string', 9: 'bool',
  10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64', 14: 'complex64', 15: 'complex128', 16: 'bfloat16',
};
export const ELEM_FLOAT32 = 1;

export interface OnnxTensorInfo {
  name: string;
  /** TensorProto.DataType (1 = float32), 0 when the file does not say. */
  elemType: number;
  /** Per dimension: a size, a symbolic name, or null (unknown); null when the file gives no shape. */
  dims: (number | string | null)[] | null;
  /** Not a tensor (a sequence, a map, …). */
  notTensor?: boolean;
}

export interface OnnxSummary {
  irVersion: number;
  producer: string;
  /** opset_import: domain ('' = standard ONNX) → version. */
  opsets: Record<string, number>;
  /** Graph inputs that are not initializers (what a run must feed). */
  inputs: OnnxTensorInfo[];
  outputs: OnnxTensorInfo[];
  /** Every node's operator, subgraphs included, once per (domain, op). */
  ops: { domain: string; op: string }[];
  nodeCount: number;
  initializerCount: number;
  /** Some initializer keeps its data in a separate file (TensorProto.data_location = EXTERNAL). */
  externalData: boolean;
}

interface Field {
  no: number;
  wire: number;
  /** varint value (wire 0). */
  int: bigint;
  /** bytes span (wire 2). */
  start: number;
  end: number;
}

/** One message's fields, in order; throws OnnxReadError where the bytes end mid-field. */
function* fields(buf: Uint8Array, start: number, end: number, what: string): Generator<Field> {
  let pos = start;
  const varint = (): bigint => {
    let shift = 0n;
    let v = 0n;
    for (let i = 0; i < 10; i++) {
      if (pos >= end) throw new OnnxReadError(`the file ends in the middle of ${what}`);
      const b = buf[pos++];
      v |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return v;
      shift += 7n;
    }
    throw new OnnxReadError(`${what} holds a malformed number`);
  };
  while (pos < end) {
    const key = varint();
    const no = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (no === 0) throw new OnnxReadError(`${what} holds a field numbered 0`);
    let f: Field;
    if (wire === 0) {
      f = { no, wire, int: varint(), start: 0, end: 0 };
    } else if (wire === 2) {
      const len = Number(varint());
      if (pos + len > end) throw new OnnxReadError(`the file ends in the middle of ${what}`);
      f = { no, wire, int: 0n, start: pos, end: pos + len };
      pos += len;
    } else if (wire === 1 || wire === 5) {
      const len = wire === 1 ? 8 : 4;
      if (pos + len > end) throw new OnnxReadError(`the file ends in the middle of ${what}`);
      f = { no, wire, int: 0n, start: pos, end: pos + len };
      pos += len;
    } else {
      throw new OnnxReadError(`${what} holds an unknown protobuf wire type ${wire}`);
    }
    yield f;
  }
}

const utf8 = new TextDecoder();
const text = (buf: Uint8Array, f: Field): string => utf8.decode(buf.subarray(f.start, f.end));
/** int64 fields: a negative value is written as a 10-byte two's complement. */
const int64 = (f: Field): number => Number(BigInt.asIntN(64, f.int));

function readValueInfo(buf: Uint8Array, start: number, end: number): OnnxTensorInfo {
  const out: OnnxTensorInfo = { name: '', elemType: 0, dims: null };
  for (const f of fields(buf, start, end, 'a graph input or output')) {
    if (f.no === 1 && f.wire === 2) out.name = text(buf, f);
    else if (f.no === 2 && f.wire === 2) {
      // TypeProto: 1 tensor_type; anything else (sequence, map, optional, sparse) is not an image.
      let tensor = false;
      for (const t of fields(buf, f.start, f.end, 'a type')) {
        if (t.no !== 1 || t.wire !== 2) continue;
        tensor = true;
        for (const tt of fields(buf, t.start, t.end, 'a tensor type')) {
          if (tt.no === 1 && tt.wire === 0) out.elemType = Number(tt.int);
          else if (tt.no === 2 && tt.wire === 2) {
            out.dims = [];
            for (const d of fields(buf, tt.start, tt.end, 'a shape')) {
              if (d.no !== 1 || d.wire !== 2) continue;
              let dim: number | string | null = null;
              for (const x of fields(buf, d.start, d.end, 'a dimension')) {
                if (x.no === 1 && x.wire === 0) dim = int64(x);
                else if (x.no === 2 && x.wire === 2) dim = text(buf, x) || null;
              }
              out.dims.push(dim);
            }
          }
        }
      }
      if (!tensor) out.notTensor = true;
    }
  }
  return out;
}

interface GraphAcc {
  ops: Map<string, { domain: string; op: string }>;
  nodeCount: number;
  externalData: boolean;
}

/** Nodes (their op types and subgraphs) and initializers of a graph; inputs/outputs only for the main graph. */
function readGraph(buf: Uint8Array, start: number, end: number, acc: GraphAcc, depth: number): { inputs: OnnxTensorInfo[]; outputs: OnnxTensorInfo[]; initializers: Set<string> } {
  if (depth > 16) throw new OnnxReadError('subgraphs are nested too deeply');
  const inputs: OnnxTensorInfo[] = [];
  const outputs: OnnxTensorInfo[] = [];
  const initializers = new Set<string>();
  for (const f of fields(buf, start, end, 'the graph')) {
    if (f.wire !== 2) continue;
    if (f.no === 1) {
      acc.nodeCount++;
      let op = '';
      let domain = '';
      for (const n of fields(buf, f.start, f.end, 'a node')) {
        if (n.no === 4 && n.wire === 2) op = text(buf, n);
        else if (n.no === 7 && n.wire === 2) domain = text(buf, n);
        else if (n.no === 5 && n.wire === 2) {
          // AttributeProto: 6 g (a subgraph), 11 graphs (If, Loop, Scan bodies).
          for (const a of fields(buf, n.start, n.end, 'a node attribute')) {
            if ((a.no === 6 || a.no === 11) && a.wire === 2) readGraph(buf, a.start, a.end, acc, depth + 1);
          }
        }
      }
      if (domain === 'ai.onnx') domain = '';
      acc.ops.set(`${domain}:${op}`, { domain, op });
    } else if (f.no === 5 || f.no === 15) {
      // TensorProto (15: SparseTensorProto, whose field 1 is its values TensorProto).
      let tensor = f;
      if (f.no === 15) {
        for (const s of fields(buf, f.start, f.end, 'a sparse initializer')) if (s.no === 1 && s.wire === 2) tensor = s;
      }
      for (const t of fields(buf, tensor.start, tensor.end, 'an initializer')) {
        if (t.no === 8 && t.wire === 2) initializers.add(text(buf, t));
        else if (t.no === 14 && t.wire === 0 && t.int === 1n) acc.externalData = true;
      }
    } else if (f.no === 11) inputs.push(readValueInfo(buf, f.start, f.end));
    else if (f.no === 12) outputs.push(readValueInfo(buf, f.start, f.end));
  }
  return { inputs, outputs, initializers };
}

/** Read the parts of an ONNX ModelProto the app needs; OnnxReadError for a file that is not one. */
export function readOnnx(buf: Uint8Array): OnnxSummary {
  if (buf.length === 0) throw new OnnxReadError('the file is empty');
  let irVersion = 0;
  let producer = '';
  const opsets: Record<string, number> = {};
  let graph: Field | null = null;
  for (const f of fields(buf, 0, buf.length, 'the model')) {
    if (f.no === 1 && f.wire === 0) irVersion = Number(f.int);
    else if (f.no === 2 && f.wire === 2) producer = text(buf, f);
    else if (f.no === 7 && f.wire === 2) graph = f;
    else if (f.no === 8 && f.wire === 2) {
      let domain = '';
      let version = 0;
      for (const o of fields(buf, f.start, f.end, 'an opset import')) {
        if (o.no === 1 && o.wire === 2) domain = text(buf, o);
        else if (o.no === 2 && o.wire === 0) version = Number(o.int);
      }
      opsets[domain === 'ai.onnx' ? '' : domain] = version;
    }
  }
  if (!graph || irVersion <= 0) throw new OnnxReadError('it has no ONNX graph (not an ONNX model)');
  if (!('' in opsets)) throw new OnnxReadError('it names no ONNX opset (the file is cut short or not an ONNX model)');
  const acc: GraphAcc = { ops: new Map(), nodeCount: 0, externalData: false };
  const g = readGraph(buf, graph.start, graph.end, acc, 0);
  return {
    irVersion,
    producer,
    opsets,
    // Before IR 4 every initializer was also listed as a graph input: those are not feeds.
    inputs: g.inputs.filter((i) => !g.initializers.has(i.name)),
    outputs: g.outputs,
    ops: [...acc.ops.values()],
    nodeCount: acc.nodeCount,
    initializerCount: g.initializers.size,
    externalData: acc.externalData,
  };
}

/** "[1, 3, H, W]" for messages. */
export function formatDims(dims: OnnxTensorInfo['dims']): string {
  return dims === null ? '[?]' : `[${dims.map((d) => d ?? '?').join(', ')}]`;
}
