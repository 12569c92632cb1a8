/**
 * A VSR step graph's cubic image base (an ONNX Resize, mode cubic, ×s of a graph input) rewritten
 * as Pad(edge) → grouped 5×5 Conv → DepthToSpace, before the graph's CPU session opens.
 *
 * Why: onnxruntime's CPU cubic Resize is scalar and single-threaded, and keeps its 1-D results in
 * hash maps; measured on this project's 2-core VM (loaded) with the shipped `vsr` at 128×128, it
 * was 117 of 494 ms of a step on the wasm EP (plain build, one thread) and 109 of 218 ms on
 * onnxruntime-node. The same ×4 as a convolution runs on ORT's MLAS GEMM kernels (SIMD, threaded)
 * at a few ms: the step's CPU time fell by about a third on the wasm EP (564 → 386 ms median,
 * interleaved A/B) and halved on onnxruntime-node (201 → 94 ms).
 *
 * Why it is the same function: an integer ×s cubic upsampling with half_pixel coordinates puts
 * output pixel s·y+i at source y + (2i+1−s)/(2s): a fixed fractional offset per phase i, so every
 * output of phase (i, j) is the same 4×4 weighted sum of source pixels around (y, x) — a
 * convolution with one kernel per phase, whose s² output channels per input channel DepthToSpace
 * (mode CRD, as PixelShuffle) puts back in place. ORT clamps out-of-range source indices to the
 * edge (exclude_outside = 0); Pad mode 'edge' by 2 does the same. The 1-D weights are computed as
 * ORT computes them (GetCubicCoeffs in float32, Math.fround at every step), so they are ORT's to
 * the bit; the 2-D weight c_y·c_x is exact in float32 for the scales accepted here, ×2 and ×4
 * (offsets are multiples of 1/8, the coefficients have few significant bits). What differs is
 * only the summation order (ORT: rows of 4 then 4 rows; MLAS: 25 taps, 9 of them zero, in its
 * order), so results agree within float32 rounding: each sum has ≤ 25 terms with Σ|w| ≤ 1.827 (for
 * a = −0.75), so each side is within 25 · 2⁻²⁴ · 1.83 · max|x| ≈ 2.7e-6 · max|x| of the exact
 * value, and the two within 5.5e-6 · max|x| of each other. Measured: the shipped step's `out`
 * moved by ≤ 4.8e-7 on the bundled sample's 480×272 frames (on the wasm EP and onnxruntime-node;
 * ~1 value in 60 000 lands on the other side of a ×255 rounding), and `state_out`, which never
 * reads the base, is bit for bit the same (cubic-base-conv.test.ts checks both on real frames).
 *
 * Only what is known to be equal is rewritten (anything else: null, and the graph runs as it is):
 * a standard-domain Resize, opset ≥ 11, mode cubic, coordinate_transformation_mode half_pixel or
 * pytorch_half_pixel (the two differ only for an output of length 1), exclude_outside 0, no
 * antialias or axes, constant scales [1, 1, s, s] with s ∈ {2, 4} and no sizes input, reading a
 * float graph input [N, C, h, w] whose C the file fixes (the grouped Conv needs it).
 *
 * Pure TypeScript, no ORT import: the caller opens the session — the app's CPU runner
 * (engine/vsr-api.ts) and the Node runner of the CLI and benchmarks (vsr-node.ts), so both run
 * the same graph. The engine's split of the base onto a worker (engine/vsr-split.ts) finds no
 * cubic Resize in a rewritten graph and leaves it whole: the base now costs too little for a
 * second thread to pay.
 */
import { encodeInitializer, encodeNode } from '../../gpu/onnx-builder';
import { nullIfUnreadable, readWireNode, readWireTensor, subFields, tensorName, valueInfoName, wireFields, WireOut, wireSlice, wireText, type WireField, type WireNode } from '../../gpu/onnx-wire';

/**
 * Scales rewritten: ×2 and ×4, where every source coordinate, 1-D weight and 2-D product c_y·c_x
 * is exact in float32 (at ×8 some products are not: close, but not ORT's weights to the bit).
 */
const SCALES = [2, 4];
/** Taps each side of the source pixel: the 4-tap cubic window of any phase lies in [y−2, y+2]. */
const PAD = 2;
const K = 2 * PAD + 1;

/** ORT's GetCubicCoeffs(s, a) in float32: the weights of source pixels floor−1 … floor+2. */
export function cubicCoeffs(s: number, a: number): [number, number, number, number] {
  const f = Math.fround;
  const A = f(a);
  const far = (d: number) => f(f(f(f(f(f(A * d) - f(5 * A)) * d) + f(8 * A)) * d) - f(4 * A));
  const near = (d: number) => f(f(f(f(f(f(A + 2) * d) - f(A + 3)) * d) * d) + 1);
  return [far(f(s + 1)), near(s), near(f(1 - s)), far(f(2 - s))];
}

/**
 * Per phase i of an ×s upsampling: the K weights over source offsets −PAD … +PAD (half_pixel
 * coordinates computed in float32 as ORT does, for output s·y + i; y drops out for s a power of two,
 * the division by s being exact).
 */
export function cubicPhaseTaps(scale: number, a: number): number[][] {
  const f = Math.fround;
  return Array.from({ length: scale }, (_, i) => {
    const x = f(f(f(i + 0.5) / scale) - 0.5);
    const lo = Math.floor(x);
    const c = cubicCoeffs(f(x - lo), a);
    const taps = new Array<number>(K).fill(0);
    for (let k = 0; k < 4; k++) taps[lo - 1 + k + PAD] = c[k];
    return taps;
  });
}

/** Conv weight [C·s², 1, K, K]: output channel c·s² + i·s + j holds phase (i, j) of channel c. */
export function cubicConvWeight(channels: number, scale: number, a: number): Float32Array {
  const taps = cubicPhaseTaps(scale, a);
  const w = new Float32Array(channels * scale * scale * K * K);
  for (let c = 0; c < channels; c++)
    for (let i = 0; i < scale; i++)
      for (let j = 0; j < scale; j++) {
        const o = ((c * scale + i) * scale + j) * K * K;
        for (let r = 0; r < K; r++) for (let q = 0; q < K; q++) w[o + r * K + q] = taps[i][r] * taps[j][q];
      }
  return w;
}

interface InputShape {
  elemType: number;
  dims: (number | string | null)[] | null;
}

/** A graph input's element type and dims (fixed sizes as numbers, symbols as strings). */
function inputShape(buf: Uint8Array, f: WireField): InputShape {
  const type = subFields(buf, f).find((g) => g.no === 2 && g.body);
  const tensor = type && subFields(buf, type).find((g) => g.no === 1 && g.body);
  if (!tensor) return { elemType: 0, dims: null };
  const tf = subFields(buf, tensor);
  const elemType = tf.find((g) => g.no === 1 && g.wire === 0)?.int ?? 0;
  const shape = tf.find((g) => g.no === 2 && g.body);
  if (!shape) return { elemType, dims: null };
  const dims = subFields(buf, shape)
    .filter((g) => g.no === 1 && g.body)
    .map((d) => {
      const v = subFields(buf, d);
      const val = v.find((g) => g.no === 1 && g.wire === 0);
      const sym = v.find((g) => g.no === 2 && g.body);
      return val ? val.int : sym ? wireText(buf, sym) : null;
    });
  return { elemType, dims };
}

/** The fields of attribute `name` of `node` (AttributeProto), or null. */
function attrFields(buf: Uint8Array, node: WireNode, name: string): WireField[] | null {
  for (const g of subFields(buf, node.field)) {
    if (g.no !== 5 || !g.body) continue;
    const fs = subFields(buf, g);
    const n = fs.find((x) => x.no === 1 && x.body);
    if (n && wireText(buf, n) === name) return fs;
  }
  return null;
}

/** A float attribute (AttributeProto.f, which readWireNode leaves out). */
function floatAttr(buf: Uint8Array, node: WireNode, name: string): number | undefined {
  const v = attrFields(buf, node, name)?.find((x) => x.no === 2 && x.wire === 5);
  // A fixed32 field: the value is the 4 bytes after its one-byte key (field 2, wire 5 = 0x15).
  return v ? new DataView(buf.buffer, buf.byteOffset + v.start + 1, 4).getFloat32(0, true) : undefined;
}

/** A Constant node's float values: its `value` tensor (as exporters write it) or `value_floats`. */
function constantFloats(buf: Uint8Array, node: WireNode): Float32Array | null {
  const t = attrFields(buf, node, 'value')?.find((x) => x.no === 5 && x.body);
  if (t) return readWireTensor(buf, t).floats;
  const fs = attrFields(buf, node, 'value_floats')?.filter((x) => x.no === 7);
  if (!fs?.length) return null;
  const vals: number[] = [];
  for (const x of fs) {
    // AttributeProto.floats (7): packed (one length-delimited field) or one fixed32 field per value.
    const [s, e] = x.body ?? [x.start + 1, x.end];
    const dv = new DataView(buf.buffer, buf.byteOffset + s, e - s);
    for (let o = 0; o + 4 <= dv.byteLength; o += 4) vals.push(dv.getFloat32(o, true));
  }
  return Float32Array.from(vals);
}

/**
 * `model` with every cubic Resize it can rewrite rewritten (see the header), or null when there is
 * none (or the file is not one we can read): then the caller runs the model as it is.
 */
export function cubicBaseAsConv(model: Uint8Array): Uint8Array | null {
  return nullIfUnreadable(() => rewrite(model));
}

/** `files` with its step graph's cubic base as a convolution where it has one (else as it is). */
export function withConvBase<T extends { step: Uint8Array }>(files: T): T {
  const step = cubicBaseAsConv(files.step);
  return step ? { ...files, step } : files;
}

function rewrite(buf: Uint8Array): Uint8Array | null {
  const top = wireFields(buf, 0, buf.length);
  const graphField = top.find((f) => f.no === 7 && f.body);
  if (!graphField) return null;
  const opset = top
    .filter((f) => f.no === 8 && f.body)
    .map((f) => subFields(buf, f))
    .find((o) => {
      const d = o.find((x) => x.no === 1 && x.body);
      return !d || ['', 'ai.onnx'].includes(wireText(buf, d));
    })
    ?.find((x) => x.no === 2 && x.wire === 0)?.int;
  if (!opset || opset < 11) return null;

  const graph = subFields(buf, graphField);
  const nodes = graph.filter((f) => f.no === 1 && f.body).map((f) => readWireNode(buf, f));
  const inputs = new Map(graph.filter((f) => f.no === 11 && f.body).map((f) => [valueInfoName(buf, f), inputShape(buf, f)]));
  const inits = new Map(graph.filter((f) => f.no === 5 && f.body).map((f) => [tensorName(buf, f), f]));
  const graphOutputs = new Set(graph.filter((f) => f.no === 12 && f.body).map((f) => valueInfoName(buf, f)));
  const taken = new Set([...inputs.keys(), ...inits.keys(), ...nodes.flatMap((n) => n.outputs)]);
  const constants = new Map(nodes.filter((n) => n.op === 'Constant').flatMap((n) => n.outputs.map((o) => [o, n] as const)));

  /** The constant float values of tensor `name` (an initializer or a Constant node's value), or null. */
  const constFloats = (name: string): Float32Array | null => {
    const init = inits.get(name);
    if (init) return readWireTensor(buf, init).floats;
    const c = constants.get(name);
    return c ? constantFloats(buf, c) : null;
  };

  const replaced = new Map<WireNode, Uint8Array[]>();
  const newInits: Uint8Array[] = [];
  for (const n of nodes) {
    if (n.op !== 'Resize' || !['', 'ai.onnx'].includes(n.domain) || n.outputs.length !== 1) continue;
    const at = (k: string) => n.attrs.get(k);
    if (at('mode')?.s !== 'cubic') continue;
    if (!['half_pixel', 'pytorch_half_pixel', undefined].includes(at('coordinate_transformation_mode')?.s)) continue;
    if ((at('exclude_outside')?.i ?? 0) !== 0 || (at('antialias')?.i ?? 0) !== 0 || at('axes')) continue;
    const [x, , scalesName, sizes] = n.inputs;
    if (sizes || !scalesName) continue;
    const shape = inputs.get(x);
    const C = shape?.dims?.[1];
    if (!shape || shape.elemType !== 1 || shape.dims?.length !== 4 || typeof C !== 'number' || C < 1) continue;
    const scales = constFloats(scalesName);
    if (!scales || scales.length !== 4 || scales[0] !== 1 || scales[1] !== 1 || scales[2] !== scales[3] || !SCALES.includes(scales[2])) continue;
    const s = scales[2];
    const a = floatAttr(buf, n, 'cubic_coeff_a') ?? -0.75;
    const out = n.outputs[0];
    const name = (k: string) => `${out}/cubic_as_conv/${k}`;
    if (['pads', 'weight', 'padded', 'phases'].some((k) => taken.has(name(k)))) continue;
    replaced.set(n, [
      encodeNode({ op: 'Pad', inputs: [x, name('pads')], outputs: [name('padded')], attrs: { mode: 'edge' } }, name('pad')),
      encodeNode({ op: 'Conv', inputs: [name('padded'), name('weight')], outputs: [name('phases')], attrs: { group: C, kernel_shape: [K, K] } }, name('conv')),
      encodeNode({ op: 'DepthToSpace', inputs: [name('phases')], outputs: [out], attrs: { blocksize: s, mode: 'CRD' } }, name('depth_to_space')),
    ]);
    newInits.push(
      encodeInitializer({ name: name('pads'), type: 'int64', dims: [8], data: [0, 0, PAD, PAD, 0, 0, PAD, PAD] }),
      encodeInitializer({ name: name('weight'), type: 'float', dims: [C * s * s, 1, K, K], data: cubicConvWeight(C, s, a) }),
    );
  }
  if (replaced.size === 0) return null;

  // Constant nodes and initializers only the rewritten Resizes read go too (ORT would warn about them, unused).
  const readByRewritten = (o: string) => [...replaced.keys()].some((r) => r.inputs.includes(o));
  const unused = (o: string) => !graphOutputs.has(o) && !nodes.some((m) => !replaced.has(m) && m.inputs.includes(o));
  const onlyForReplaced = (outs: string[]) => outs.every(unused) && outs.some(readByRewritten);
  const dropped = new Set([
    ...nodes.filter((m) => m.op === 'Constant' && onlyForReplaced(m.outputs)).map((m) => m.field),
    ...[...inits].filter(([name]) => !inputs.has(name) && onlyForReplaced([name])).map(([, f]) => f),
  ]);
  const byField = new Map(nodes.map((m) => [m.field, m]));
  const g = new WireOut();
  for (const f of graph) {
    const node = byField.get(f);
    const repl = node && replaced.get(node);
    if (repl) for (const b of repl) g.bytes(1, b);
    else if (!dropped.has(f)) g.raw(wireSlice(buf, f));
  }
  for (const b of newInits) g.bytes(5, b);
  const m = new WireOut();
  for (const f of top) m.raw(f === graphField ? new WireOut().bytes(7, g.finish()).finish() : wireSlice(buf, f));
  return m.finish();
}
