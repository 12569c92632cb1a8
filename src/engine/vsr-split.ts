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
import { floatValueInfo, nullIfUnreadable, readWireNode, wireFields, WireOut, wireSlice, wireText, type WireField } from '../gpu/onnx-wire';

/** ValueInfoProto of a float tensor [1, 3, sym, sym]. */
const floatImageInfo = (name: string, h: string, w: string): Uint8Array => floatValueInfo(name, [1, 3, h, w]);

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

/**
 * Split `model` at its cubic Resize of graph input `input` (default 'cur'), or null when the graph
 * has no such node (a bilinear-base net, a model the user brought, a file we cannot read): then it
 * simply runs whole. Only a cubic base is split: a bilinear Resize costs ~0.06 CPU-s, not worth a
 * second session.
 */
export function splitCubicBase(model: Uint8Array, input = 'cur'): SplitStep | null {
  return nullIfUnreadable(() => split(model, input));
}

function split(buf: Uint8Array, input: string): SplitStep | null {
  const top = wireFields(buf, 0, buf.length);
  const graphField = top.find((f) => f.no === 7 && f.body);
  if (!graphField) return null;
  const graph = wireFields(buf, graphField.body![0], graphField.body![1]);
  const nodes = graph.filter((f) => f.no === 1 && f.body).map((f) => readWireNode(buf, f));
  const graphInputs = graph.filter((f) => f.no === 11 && f.body).map((f) => ({ f, name: wireText(buf, wireFields(buf, f.body![0], f.body![1]).find((g) => g.no === 1 && g.body)!) }));
  if (!graphInputs.some((i) => i.name === input)) return null;
  const candidates = nodes.filter((n) => n.op === 'Resize' && n.inputs[0] === input && n.attrs.get('mode')?.s === 'cubic' && n.outputs.length === 1);
  if (candidates.length !== 1) return null;
  const resize = candidates[0];
  const baseName = resize.outputs[0];
  // What the Resize reads besides `input` (roi, scales or sizes): Constant nodes or initializers.
  const needed = resize.inputs.slice(1).filter((s) => s !== '');
  const constNodes = nodes.filter((n) => n.op === 'Constant' && n.outputs.some((o) => needed.includes(o)));
  const initializers = graph.filter((f) => f.no === 5 && f.body).filter((f) => {
    const name = wireFields(buf, f.body![0], f.body![1]).find((g) => g.no === 8 && g.body);
    return name !== undefined && needed.includes(wireText(buf, name));
  });
  const found = new Set([...constNodes.flatMap((n) => n.outputs), ...initializers.map((f) => wireText(buf, wireFields(buf, f.body![0], f.body![1]).find((g) => g.no === 8)!))]);
  if (!needed.every((n) => found.has(n))) return null; // computed from another node: not state-free as far as we can tell
  const slice = (f: WireField) => wireSlice(buf, f);

  // net: the graph without the Resize node (nor the Constants only it read), its output a graph input.
  const readElsewhere = new Set(nodes.filter((n) => n !== resize).flatMap((n) => n.inputs));
  const dropped = new Set([resize.field, ...constNodes.filter((n) => !n.outputs.some((o) => readElsewhere.has(o))).map((n) => n.field)]);
  const netGraph = new WireOut();
  for (const f of graph) if (!dropped.has(f)) netGraph.raw(slice(f));
  netGraph.bytes(11, floatImageInfo(baseName, 'H4', 'W4'));
  const net = new WireOut();
  for (const f of top) net.raw(f === graphField ? new WireOut().bytes(7, netGraph.finish()).finish() : slice(f));

  // base: the Resize alone, with what it reads.
  const inputInfo = graphInputs.find((i) => i.name === input)!.f;
  const baseGraph = new WireOut();
  for (const n of constNodes) baseGraph.raw(slice(n.field));
  baseGraph.raw(slice(resize.field));
  baseGraph.string(2, 'vsr-base');
  for (const f of initializers) baseGraph.raw(slice(f));
  baseGraph.raw(slice(inputInfo));
  baseGraph.bytes(12, floatImageInfo(baseName, 'H4', 'W4'));
  const base = new WireOut();
  // Same ir_version, opset imports and producer; the new graph.
  for (const f of top) base.raw(f === graphField ? new WireOut().bytes(7, baseGraph.finish()).finish() : slice(f));
  return { net: net.finish(), base: base.finish(), input, baseName };
}
