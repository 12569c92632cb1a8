/**
 * Recognises the VQGAN's encoder graph and its decoder without the entry Convs (decoder-entry.ts's
 * `rest`) as torch.onnx exports training/vqdsr_models.py's MultiScaleVQGAN, and turns each into a
 * program for vqgan-net.ts: a list of convolutions (this project's wasm kernels), GroupNorm(+SiLU),
 * the non-local block's attention and PixelShuffle over padded NHWC maps. Anything else — another
 * architecture, a model the user brought, one op more or one attribute different — gives null, and
 * the caller keeps ORT.
 *
 * How the weights are found: every Conv by its initializer's name (`m.<module>.weight`), checked
 * against its node (kernel, stride, padding, group, dilation); every GroupNorm by its module scope
 * in the node names torch writes ('/enc_d1/enc_d1.1/enc_d1.1.0/norm1/Mul' is `enc_d1.1.0.norm1`):
 * the Reshape's group count, the InstanceNormalization's epsilon, the Mul's and Add's affine
 * vectors. What is checked beyond that: the graph's inputs and outputs, the count of every op the
 * program implies (Conv, InstanceNormalization, Sigmoid, Mul, Add, MatMul, Softmax, DepthToSpace,
 * Clip) and no op outside the export's set; DepthToSpace ×2 CRD; the Clip's bounds; the attention's
 * scale and Softmax axis; which scope reads each decoder input. The dataflow between modules is the
 * architecture's; vqgan-net.test.ts compares both programs with onnxruntime on the shipped files.
 */
import { nullIfUnreadable, readWireGraph, readWireInts, readWireTensor, type WireGraph, type WireNode, type WireTensor } from '../../../gpu/onnx-wire';

/** One convolution, as lite-graph.ts's LiteConv: OIHW weight, bias, pad (k − 1)/2. */
export interface VqConv {
  weight: Float32Array;
  bias: Float32Array;
  co: number;
  ci: number;
  k: 1 | 3;
  stride: 1 | 2;
}

export interface VqNorm {
  gamma: Float32Array;
  beta: Float32Array;
  groups: number;
  eps: number;
}

/** A feature map of the program: its channels and its size as the frame's size divided by `div`. */
export interface VqBuffer {
  ch: number;
  div: number;
}

export type VqOp =
  | { kind: 'conv'; conv: VqConv; src: number; dst: number; res?: number }
  | { kind: 'norm'; norm: VqNorm; silu: boolean; src: number; dst: number }
  /** Softmax(qᵀk · scale) applied to v, per position: q, k, v, dst are maps of one size and width. */
  | { kind: 'attn'; q: number; k: number; v: number; dst: number; scale: number }
  /** PixelShuffle(2) (DepthToSpace CRD): src 4c channels → dst c channels at twice the size. */
  | { kind: 'shuffle'; src: number; dst: number }
  | { kind: 'clamp'; buf: number; lo: number; hi: number };

export interface VqProgram {
  buffers: VqBuffer[];
  ops: VqOp[];
  /** Graph inputs in the file's order, each the buffer it fills (NCHW in, padded NHWC inside). */
  inputs: { name: string; buf: number }[];
  outputs: { name: string; buf: number }[];
  /** The frame's sides must be multiples of this (the deepest map's divisor). */
  multiple: number;
}

const OPS_OF_EXPORT = new Set(['Identity', 'Conv', 'Constant', 'Reshape', 'InstanceNormalization', 'Shape', 'Mul', 'Add', 'Sigmoid', 'Gather', 'Slice', 'Concat', 'Transpose', 'MatMul', 'Softmax', 'Unsqueeze', 'DepthToSpace', 'Clip']);

class NotVqgan extends Error {}
const need = (ok: unknown, why: string): void => {
  if (!ok) throw new NotVqgan(why);
};

/** '/enc_d1/enc_d1.1/enc_d1.1.0/norm1' → 'enc_d1.1.0.norm1' (a Sequential's child scope repeats its parent's path). */
export function scopePath(scope: string): string {
  let path = '';
  for (const c of scope.split('/').filter(Boolean)) path = !path ? c : c.startsWith(`${path}.`) ? c : `${path}.${c}`;
  return path;
}

/** The parsed file: its graph (nodes, initializers, inputs, outputs), and indices into it. */
interface Graph extends WireGraph {
  buf: Uint8Array;
  /** Nodes by module path and the op's own name ('enc_d1.1.0.norm1#Mul'). */
  byScope: Map<string, WireNode>;
  constOf: Map<string, WireNode>;
  /** Identity nodes' outputs → their inputs: torch writes equal weights once and aliases the rest (an untrained net's GroupNorm affines). */
  alias: Map<string, string>;
}

function parse(buf: Uint8Array): Graph | null {
  const g = readWireGraph(buf);
  if (!g) return null;
  const { nodes } = g;
  const byScope = new Map<string, WireNode>();
  for (const n of nodes) if (n.name) byScope.set(`${scopePath(n.name.slice(0, n.name.lastIndexOf('/')))}#${n.name.slice(n.name.lastIndexOf('/') + 1)}`, n);
  const constOf = new Map<string, WireNode>();
  for (const n of nodes) if (n.op === 'Constant') constOf.set(n.outputs[0], n);
  const alias = new Map<string, string>();
  for (const n of nodes) if (n.op === 'Identity') alias.set(n.outputs[0], n.inputs[0]);
  return { ...g, buf, byScope, constOf, alias };
}

/** Builds a program module by module, reading each module's weights as it goes. */
class Builder {
  readonly buffers: VqBuffer[] = [];
  readonly ops: VqOp[] = [];
  readonly used = { Conv: 0, InstanceNormalization: 0, Sigmoid: 0, Mul: 0, Add: 0, MatMul: 0, Softmax: 0, DepthToSpace: 0, Clip: 0 };
  readonly convByWeight: Map<string, WireNode>;

  constructor(private readonly g: Graph) {
    this.convByWeight = new Map(g.nodes.filter((n) => n.op === 'Conv').map((n) => [n.inputs[1], n]));
  }

  buffer(ch: number, div: number): number {
    this.buffers.push({ ch, div });
    return this.buffers.length - 1;
  }

  private floats(name: string): Float32Array {
    name = this.g.alias.get(name) ?? name;
    const t = this.g.inits.get(name) ?? this.constTensor(name);
    need(t?.floats, `${name}: no float tensor`);
    return t!.floats!;
  }

  constTensor(name: string): WireTensor | undefined {
    const c = this.g.constOf.get(name);
    const t = c?.attrs.get('value')?.t;
    return t ? readWireTensor(this.g.buf, t) : undefined;
  }

  private constInts(name: string): number[] | null {
    const t = this.g.constOf.get(name)?.attrs.get('value')?.t;
    return t ? readWireInts(this.g.buf, t) : null;
  }

  private node(scope: string, op: string): WireNode {
    const n = this.g.byScope.get(`${scope}#${op}`);
    need(n, `${scope}: no ${op} node`);
    return n!;
  }

  /** Conv `m.<path>` on `src`; its output, or `res` + its output. */
  conv(path: string, src: number, res?: number): number {
    const w = this.g.inits.get(`m.${path}.weight`);
    const node = this.convByWeight.get(`m.${path}.weight`);
    need(w?.floats && node && w.dims.length === 4, `${path}: no conv`);
    const [co, ci, kh, kw] = w!.dims;
    const ints = (a: string) => node!.attrs.get(a)?.ints?.join() ?? '';
    const stride = node!.attrs.get('strides')?.ints?.[0] ?? 1;
    const k = kh as 1 | 3;
    need((k === 1 || k === 3) && kw === kh && (stride === 1 || (stride === 2 && k === 3)), `${path}: kernel ${kh}×${kw} stride ${stride}`);
    const pad = (k - 1) / 2;
    need(ints('strides') === `${stride},${stride}` && ints('pads') === [pad, pad, pad, pad].join() && (node!.attrs.get('group')?.i ?? 1) === 1 && [undefined, '1,1'].includes(node!.attrs.get('dilations')?.ints?.join()), `${path}: attributes`);
    need(node!.inputs[2] === `m.${path}.bias`, `${path}: bias`);
    const bias = this.floats(`m.${path}.bias`);
    need(bias.length === co && this.buffers[src].ch === ci, `${path}: ${ci} in, ${this.buffers[src].ch} given`);
    this.used.Conv++;
    if (res !== undefined) {
      need(this.buffers[res].ch === co, `${path}: residual width`);
      this.used.Add++;
    }
    const dst = this.buffer(co, this.buffers[src].div * stride);
    if (res !== undefined) need(this.buffers[res].div === this.buffers[dst].div, `${path}: residual size`);
    this.ops.push({ kind: 'conv', conv: { weight: w!.floats!, bias, co, ci, k, stride: stride as 1 | 2 }, src, dst, res });
    return dst;
  }

  /** GroupNorm `<path>` on `src` (torch's export: Reshape [0, G, −1], InstanceNormalization, Reshape, Mul, Add), then SiLU if `silu`. */
  norm(path: string, src: number, silu: boolean): number {
    const ch = this.buffers[src].ch;
    const reshape = this.node(path, 'Reshape');
    const shape = this.constInts(reshape.inputs[1]);
    need(shape && shape.length === 3 && shape[0] === 0 && shape[2] === -1 && shape[1] > 0 && ch % shape[1] === 0, `${path}: group reshape`);
    const inorm = this.node(path, 'InstanceNormalization');
    const eps = inorm.attrs.get('epsilon')?.f ?? 1e-5;
    const [ones, zeros] = [this.floats(inorm.inputs[1]), this.floats(inorm.inputs[2])];
    need(ones.every((v) => v === 1) && zeros.every((v) => v === 0) && ones.length === shape![1], `${path}: instance-norm affine`);
    const gamma = this.floats(this.node(path, 'Mul').inputs[1]);
    const beta = this.floats(this.node(path, 'Add').inputs[1]);
    need(gamma.length === ch && beta.length === ch, `${path}: affine width`);
    this.used.InstanceNormalization++;
    this.used.Mul++;
    this.used.Add++;
    if (silu) {
      this.used.Sigmoid++;
      this.used.Mul++;
    }
    const dst = this.buffer(ch, this.buffers[src].div);
    this.ops.push({ kind: 'norm', norm: { gamma, beta, groups: shape![1], eps }, silu, src, dst });
    return dst;
  }

  /** ResBlock: skip(x) + conv2(silu(norm2(conv1(silu(norm1(x)))))), skip a 1×1 conv where the width changes. */
  res(path: string, x: number): number {
    const h = this.conv(`${path}.conv1`, this.norm(`${path}.norm1`, x, true));
    const n2 = this.norm(`${path}.norm2`, h, true);
    const skip = this.g.inits.has(`m.${path}.skip.weight`) ? this.conv(`${path}.skip`, x) : x;
    return this.conv(`${path}.conv2`, n2, skip);
  }

  stack(path: string, x: number): number {
    for (let i = 0; this.g.inits.has(`m.${path}.${i}.conv1.weight`); i++) x = this.res(`${path}.${i}`, x);
    return x;
  }

  /** NonLocalBlock: x + proj(attention(q, k, v of norm(x))). */
  nonLocal(path: string, x: number): number {
    const n = this.norm(`${path}.norm`, x, false);
    const [q, k, v] = ['q', 'k', 'v'].map((p) => this.conv(`${path}.${p}`, n));
    const mul = this.node(path, 'Mul');
    const scale = this.floats(mul.inputs[1]);
    need(scale.length === 1, `${path}: scale`);
    const softmax = this.node(path, 'Softmax');
    // The last axis of [1, n, n]: 2, or −1, which a varint carries as 2^64 − 1 (a float reads it as 2^64).
    need([-1, 2, 2 ** 64].includes(softmax.attrs.get('axis')?.i ?? -1), `${path}: softmax axis`);
    this.used.MatMul += 2;
    this.used.Softmax++;
    this.used.Mul++;
    const o = this.buffer(this.buffers[q].ch, this.buffers[q].div);
    this.ops.push({ kind: 'attn', q, k, v, dst: o, scale: scale[0] });
    return this.conv(`${path}.proj`, o, x);
  }

  /** Upsample: conv to 4c, PixelShuffle(2). */
  upsample(path: string, x: number): number {
    const c = this.conv(`${path}.conv`, x);
    const d2s = this.node(`${path}.shuffle`, 'DepthToSpace');
    need(d2s.attrs.get('blocksize')?.i === 2 && (d2s.attrs.get('mode')?.s ?? 'DCR') === 'CRD' && this.buffers[c].ch % 4 === 0 && this.buffers[c].div % 2 === 0, `${path}: shuffle`);
    this.used.DepthToSpace++;
    const dst = this.buffer(this.buffers[c].ch / 4, this.buffers[c].div / 2);
    this.ops.push({ kind: 'shuffle', src: c, dst });
    return dst;
  }

  /** The op counts the program implies equal the file's, and the file has no op outside the export's set. */
  checkCounts(): void {
    const seen = new Map<string, number>();
    for (const n of this.g.nodes) {
      need(OPS_OF_EXPORT.has(n.op) && (n.domain === '' || n.domain === 'ai.onnx'), `op ${n.op}`);
      // An Identity may only alias a weight (see Graph.alias), never pass a feature map on.
      need(n.op !== 'Identity' || this.g.inits.has(n.inputs[0]), `Identity of ${n.inputs[0]}`);
      seen.set(n.op, (seen.get(n.op) ?? 0) + 1);
    }
    for (const [op, c] of Object.entries(this.used)) need((seen.get(op) ?? 0) === c, `${op}: ${seen.get(op) ?? 0} in the file, ${c} in the program`);
  }

  program(inputs: { name: string; buf: number }[], outputs: { name: string; buf: number }[]): VqProgram {
    return { buffers: this.buffers, ops: this.ops, inputs, outputs, multiple: Math.max(...this.buffers.map((b) => b.div)) };
  }
}

function attempt(model: Uint8Array, build: (g: Graph) => VqProgram | null): VqProgram | null {
  return nullIfUnreadable(() => {
    const g = parse(model);
    if (!g) return null;
    try {
      return build(g);
    } catch (e) {
      if (e instanceof NotVqgan) return null;
      throw e;
    }
  });
}

/** vqgan.encoder.onnx: image [1, 3, H, W] → z_top (H/8), z_mid (H/4), z_bot (H/2), each nz channels. */
export function readVqganEncoder(model: Uint8Array): VqProgram | null {
  return attempt(model, (g) => {
    if (g.inputs.length !== 1 || g.outputs.length !== 3) return null;
    const b = new Builder(g);
    const image = b.buffer(3, 1);
    const h = b.conv('enc_in', image);
    const xb = b.stack('enc_d1.1', b.conv('enc_d1.0.conv', h));
    const xm = b.stack('enc_d2.1', b.conv('enc_d2.0.conv', xb));
    const d3 = b.stack('enc_d3.1', b.conv('enc_d3.0.conv', xm));
    const top = b.conv('enc_top.5', b.norm('enc_top.3', b.nonLocal('enc_top.2', b.stack('enc_top.1', b.conv('enc_top.0', d3))), true));
    const mid = b.conv('enc_mid.6', b.norm('enc_mid.4', b.stack('enc_mid.3', b.conv('enc_mid.2', b.stack('enc_mid.1', b.conv('enc_mid.0', xm)))), true));
    let bot = b.stack('enc_bot.1', b.conv('enc_bot.0', xb));
    bot = b.stack('enc_bot.3', b.conv('enc_bot.2', bot));
    bot = b.conv('enc_bot.8', b.norm('enc_bot.6', b.stack('enc_bot.5', b.conv('enc_bot.4', bot)), true));
    // Each branch's last conv writes its graph output.
    const outOf = (path: string) => b.convByWeight.get(`m.${path}.weight`)?.outputs[0];
    if (outOf('enc_top.5') !== g.outputs[0] || outOf('enc_mid.6') !== g.outputs[1] || outOf('enc_bot.8') !== g.outputs[2]) return null;
    b.checkCounts();
    return b.program([{ name: g.inputs[0], buf: image }], [
      { name: g.outputs[0], buf: top },
      { name: g.outputs[1], buf: mid },
      { name: g.outputs[2], buf: bot },
    ]);
  });
}

/**
 * The decoder without its entry Convs (decoder-entry.ts's `rest`): the entry Convs' outputs at
 * H/8, H/4, H/2 (4C channels each) → the image [1, 3, H, W] clamped as the file says.
 */
export function readVqganDecoderRest(model: Uint8Array): VqProgram | null {
  return attempt(model, (g) => {
    if (g.inputs.length !== 3 || g.outputs.length !== 1) return null;
    // Which module reads each input: the top's non-local block, the middle's and the bottom's first residual blocks.
    const readers = g.inputs.map((name) => new Set(g.nodes.filter((n) => n.inputs.includes(name)).map((n) => scopePath(n.name.slice(0, n.name.lastIndexOf('/'))).split('.').slice(0, 2).join('.'))));
    const expect = ['dec_top_in.1', 'dec_mid.1', 'dec_bot.1'];
    if (readers.some((r, i) => r.size !== 1 || !r.has(expect[i]))) return null;
    const b = new Builder(g);
    const width = (path: string) => g.inits.get(`m.${path}.conv1.weight`)?.dims[1] ?? 0;
    const [zt, zm, zb] = [b.buffer(width('dec_top_8.0.0'), 8), b.buffer(width('dec_mid.1.0'), 4), b.buffer(width('dec_bot.1.0'), 2)];
    let h = b.upsample('dec_top_8.2', b.conv('dec_top_8.1', b.stack('dec_top_8.0', b.nonLocal('dec_top_in.1', zt))));
    const mid = b.conv('dec_mid.2', b.stack('dec_mid.1', zm));
    h = b.conv('dec_mid.4', b.stack('dec_mid.3', mid), h);
    h = b.upsample('dec_top_4.1', b.stack('dec_top_4.0', h));
    let bot = b.conv('dec_bot.2', b.stack('dec_bot.1', zb));
    bot = b.conv('dec_bot.4', b.stack('dec_bot.3', bot));
    h = b.conv('dec_bot.6', b.stack('dec_bot.5', bot), h);
    h = b.upsample('dec_top_2.1', b.stack('dec_top_2.0', h));
    const out = b.conv('dec_out.3', b.norm('dec_out.1', b.stack('dec_out.0', h), true));
    const clip = g.nodes.find((n) => n.op === 'Clip');
    if (!clip || clip.outputs[0] !== g.outputs[0] || clip.inputs[0] !== b.convByWeight.get('m.dec_out.3.weight')?.outputs[0]) return null;
    const bound = (name: string | undefined) => {
      const t = name ? b.constTensor(name) : undefined;
      return t?.floats?.length === 1 ? t.floats[0] : null;
    };
    const [lo, hi] = [bound(clip.inputs[1]), bound(clip.inputs[2])];
    if (lo === null || hi === null) return null;
    b.used.Clip++;
    b.ops.push({ kind: 'clamp', buf: out, lo, hi });
    b.checkCounts();
    return b.program(g.inputs.map((name, i) => ({ name, buf: [zt, zm, zb][i] })), [{ name: g.outputs[0], buf: out }]);
  });
}
