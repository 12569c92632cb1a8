/**
 * Splits the VQGAN decoder's entry convolutions out of its graph, so they can run as table
 * look-ups (code-conv.ts).
 *
 * Why: each decoder input (zq_top, zq_mid, zq_bot) goes first through one Conv (nz = 256 → 4C
 * channels, 3×3). Its input is made of codebook rows only — one of N entries per position — so
 * the convolution is a sum, over the 3×3 taps, of one of N·9 precomputable vectors. On the
 * bundled sample (120×68 LR, the shipped model) these three Convs are 0.84 of the decoder's
 * 1.82 GFLOP, the bottom one alone 0.64 (measured with onnxruntime-node's profiler); as tables
 * they are ~1.5 M additions.
 *
 * How: protobuf surgery at the wire level (gpu/onnx-wire.ts), nothing re-encoded that need not
 * be: `rest` is the decoder without those Conv nodes (nor the initializers only they read), each
 * Conv's output a graph input in the place of the zq input it read; `convs` are their weights.
 * Every other node, and every weight of the rest, is the file's own bytes.
 *
 * Only the plain case is split: every graph input read by exactly one node, a Conv with float
 * weights [Cout, Cin, kh, kw] in the file, odd kh, kw, 'same' padding, stride 1, dilation 1,
 * group 1; otherwise null (the decoder then runs whole).
 */
import { floatValueInfo, nullIfUnreadable, readWireNode, readWireTensor, subFields, tensorName, valueInfoName, wireFields, WireOut, wireSlice, type WireNode, type WireTensor } from '../../gpu/onnx-wire';

/** One entry convolution: out = bias + W ⊛ in, 'same' zero padding. */
export interface EntryConv {
  /** The decoder input it read (zq_…). */
  input: string;
  /** Its output: an input of `rest`, [1, cout, h, w]. */
  output: string;
  cout: number;
  cin: number;
  kh: number;
  kw: number;
  /** [cout, cin, kh, kw] as in the file. */
  weight: Float32Array;
  /** [cout]; zeros where the Conv has none. */
  bias: Float32Array;
}

export interface SplitDecoder {
  /** The decoder without its entry Convs; its inputs are the Convs' outputs, in the order of the decoder's inputs. */
  rest: Uint8Array;
  /** One per decoder input, in the decoder's input order. */
  convs: EntryConv[];
}

/** The decoder split at its entry Convs, or null where its graph is not the plain case (see the header). */
export function splitDecoderEntry(model: Uint8Array): SplitDecoder | null {
  return nullIfUnreadable(() => split(model));
}

const all = (xs: number[] | undefined, v: number) => xs === undefined || xs.every((x) => x === v);

/** The Conv `n` reading `input` as an EntryConv, or null when it is not the plain case. */
function entryConv(n: WireNode, input: string, inits: Map<string, WireTensor>): EntryConv | null {
  if (n.op !== 'Conv' || n.domain !== '' || n.inputs[0] !== input || n.outputs.length !== 1) return null;
  const w = inits.get(n.inputs[1]);
  if (!w?.floats || w.dims.length !== 4) return null;
  const [cout, cin, kh, kw] = w.dims;
  if (kh % 2 !== 1 || kw % 2 !== 1) return null;
  const a = (k: string) => n.attrs.get(k);
  const autoPad = a('auto_pad')?.s;
  if (autoPad !== undefined && autoPad !== 'NOTSET') return null;
  if ((a('group')?.i ?? 1) !== 1 || !all(a('strides')?.ints, 1) || !all(a('dilations')?.ints, 1)) return null;
  const shape = a('kernel_shape')?.ints;
  if (shape && (shape.length !== 2 || shape[0] !== kh || shape[1] !== kw)) return null;
  const pads = a('pads')?.ints ?? [0, 0, 0, 0];
  const [ph, pw] = [(kh - 1) / 2, (kw - 1) / 2];
  if (pads.length !== 4 || pads[0] !== ph || pads[2] !== ph || pads[1] !== pw || pads[3] !== pw) return null;
  let bias: Float32Array = new Float32Array(cout);
  if (n.inputs.length > 2 && n.inputs[2] !== '') {
    const b = inits.get(n.inputs[2]);
    if (!b?.floats || b.floats.length !== cout) return null;
    bias = b.floats;
  }
  return { input, output: n.outputs[0], cout, cin, kh, kw, weight: w.floats, bias };
}

function split(buf: Uint8Array): SplitDecoder | null {
  const top = wireFields(buf, 0, buf.length);
  const graphField = top.find((f) => f.no === 7 && f.body);
  if (!graphField) return null;
  const graph = subFields(buf, graphField);
  const nodes = graph.filter((f) => f.no === 1 && f.body).map((f) => readWireNode(buf, f));
  const inputs = graph.filter((f) => f.no === 11 && f.body).map((f) => ({ f, name: valueInfoName(buf, f) }));
  const initFields = graph.filter((f) => f.no === 5 && f.body);
  const initNames = new Set(initFields.map((f) => tensorName(buf, f)));
  // Graph inputs that are initializers too (old exporters list weights as inputs) are not fed.
  const fed = inputs.filter((i) => !initNames.has(i.name));
  const outputs = new Set(graph.filter((f) => f.no === 12 && f.body).map((f) => valueInfoName(buf, f)));
  if (fed.length === 0) return null;

  // Only the weights of candidate Convs are parsed (floats read from the file).
  const readers = new Map<string, WireNode[]>();
  for (const n of nodes) for (const i of n.inputs) readers.set(i, [...(readers.get(i) ?? []), n]);
  const wanted = new Set<string>();
  for (const i of fed) for (const n of readers.get(i.name) ?? []) if (n.op === 'Conv') for (const x of n.inputs.slice(1)) wanted.add(x);
  const inits = new Map<string, WireTensor>();
  for (const f of initFields) {
    const name = tensorName(buf, f);
    if (wanted.has(name)) inits.set(name, readWireTensor(buf, f));
  }

  const convs: EntryConv[] = [];
  const convNodes = new Set<WireNode>();
  for (const i of fed) {
    const rs = readers.get(i.name) ?? [];
    if (rs.length !== 1 || outputs.has(i.name)) return null;
    const c = entryConv(rs[0], i.name, inits);
    if (!c || outputs.has(c.output)) return null;
    convs.push(c);
    convNodes.add(rs[0]);
  }

  // Initializers only the removed Convs read go with them.
  const stillRead = new Set(nodes.filter((n) => !convNodes.has(n)).flatMap((n) => n.inputs));
  const dropInit = new Set([...convNodes].flatMap((n) => n.inputs.slice(1)).filter((x) => !stillRead.has(x)));
  const convOut = new Map(convs.map((c, i) => [c.input, { c, i }]));
  const newNames = new Set(convs.map((c) => c.output));
  const convFields = new Set([...convNodes].map((n) => n.field));
  const rest = new WireOut();
  for (const f of graph) {
    if (convFields.has(f)) continue;
    if (f.no === 5 && dropInit.has(tensorName(buf, f))) continue;
    // value_info of a tensor that is now a graph input would describe it twice.
    if (f.no === 13 && newNames.has(valueInfoName(buf, f))) continue;
    if (f.no === 11) {
      const hit = convOut.get(valueInfoName(buf, f));
      if (hit) {
        rest.bytes(11, floatValueInfo(hit.c.output, [1, hit.c.cout, `h${hit.i}`, `w${hit.i}`]));
        continue;
      }
    }
    rest.raw(wireSlice(buf, f));
  }
  const model = new WireOut();
  for (const f of top) model.raw(f === graphField ? new WireOut().bytes(7, rest.finish()).finish() : wireSlice(buf, f));
  return { rest: model.finish(), convs };
}
