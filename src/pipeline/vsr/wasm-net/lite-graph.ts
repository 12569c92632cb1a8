/**
 * Recognises a step graph of our 'lite' recurrent VSR nets (training/vqdsr_models.py RecurrentVSR,
 * fuse 'lite', base 'bicubic', ×4, as torch.onnx exports it) and reads its weights, so lite-net.ts
 * can run it on its own kernels. Anything else — another architecture, a model the user brought, a
 * graph with one op more or one attribute different — gives null, and the caller keeps ORT.
 *
 * What is checked: the inputs and outputs by name; every Conv's weight and bias by name and shape,
 * with its kernel, stride and padding; the count of every other op the architecture has and no op
 * it has not; LeakyReLU slopes; the Resize modes (two bilinear, one cubic of `cur`, all
 * half-pixel, cubic a = −0.75); DepthToSpace ×4 CRD. The exact dataflow is what the names imply;
 * the tests compare the whole step with onnxruntime on the shipped models.
 */
import { nullIfUnreadable, readWireGraph, type WireNode } from '../../../gpu/onnx-wire';

export interface LiteConv {
  weight: Float32Array; // OIHW
  bias: Float32Array;
  co: number;
  ci: number;
  k: 1 | 3;
  stride: 1 | 2;
}

export interface LiteGraph {
  /** State channels C (= feature width). */
  width: number;
  blocks: [number, number, number];
  /** LeakyReLU's slope (every one in the graph). */
  alpha: number;
  headS1: LiteConv;
  headS2: LiteConv;
  headS4: LiteConv;
  /** Per scale, per residual block: [conv1, conv2]. */
  body: [LiteConv, LiteConv][][];
  fuse0: LiteConv;
  fuse2: LiteConv;
}

const SCALE = 4;
const IMG = 3 * SCALE * SCALE; // 48 channels to PixelShuffle

export function readLiteGraph(model: Uint8Array): LiteGraph | null {
  return nullIfUnreadable(() => read(model));
}

function read(buf: Uint8Array): LiteGraph | null {
  const g = readWireGraph(buf);
  if (!g) return null;
  const { inits, nodes } = g;
  if (g.inputs.join() !== 'prev,cur,next,state' || g.outputs.join() !== 'out,state_out') return null;

  const head = inits.get('m.head_s1.0.weight');
  if (!head || head.dims.length !== 4) return null;
  const C = head.dims[0];
  const count = (s: number) => {
    let n = 0;
    while (inits.has(`m.body_s${s}.${n}.conv1.weight`)) n++;
    return n;
  };
  const blocks: [number, number, number] = [count(1), count(2), count(4)];
  const convByWeight = new Map(nodes.filter((n) => n.op === 'Conv').map((n) => [n.inputs[1], n]));
  const conv = (prefix: string, co: number, ci: number, k: 1 | 3, stride: 1 | 2): LiteConv => {
    const w = inits.get(`${prefix}.weight`);
    const b = inits.get(`${prefix}.bias`);
    const node = convByWeight.get(`${prefix}.weight`);
    const ints = (n: WireNode, a: string) => n.attrs.get(a)?.ints?.join() ?? '';
    const pad = k === 3 ? 1 : 0;
    if (!w?.floats || !b?.floats || !node || node.inputs[2] !== `${prefix}.bias`) throw new NotLite(`${prefix}: missing`);
    if (w.dims.join() !== [co, ci, k, k].join() || b.dims.join() !== String(co)) throw new NotLite(`${prefix}: shape ${w.dims.join('×')}`);
    if (ints(node, 'strides') !== `${stride},${stride}` || ints(node, 'pads') !== [pad, pad, pad, pad].join() || (node.attrs.get('group')?.i ?? 1) !== 1 || ![undefined, '1,1'].includes(node.attrs.get('dilations')?.ints?.join())) {
      throw new NotLite(`${prefix}: attributes`);
    }
    return { weight: w.floats, bias: b.floats, co, ci, k, stride };
  };
  try {
    const lite: LiteGraph = {
      width: C,
      blocks,
      alpha: 0.1,
      headS1: conv('m.head_s1.0', C, 9 + C, 3, 1),
      headS2: conv('m.head_s2.0', C, C, 3, 2),
      headS4: conv('m.head_s4.0', C, C, 3, 2),
      body: ([1, 2, 4] as const).map((s, i) => Array.from({ length: blocks[i] }, (_, j) => [conv(`m.body_s${s}.${j}.conv1`, C, C, 3, 1), conv(`m.body_s${s}.${j}.conv2`, C, C, 3, 1)] as [LiteConv, LiteConv])),
      fuse0: conv('m.fuse.0', 2 * C, 3 * C, 1, 1),
      fuse2: conv('m.fuse.2', C + IMG, 2 * C, 3, 1),
    };
    const nBlocks = blocks[0] + blocks[1] + blocks[2];
    const expected: Record<string, number> = { Conv: 5 + 2 * nBlocks, Relu: nBlocks, Add: nBlocks + 1, LeakyRelu: 5, Concat: 2, Resize: 3, Slice: 2, DepthToSpace: 1, Clip: 1 };
    const seen: Record<string, number> = {};
    for (const n of nodes) if (n.op !== 'Constant') seen[n.op] = (seen[n.op] ?? 0) + 1;
    if (Object.keys(seen).length !== Object.keys(expected).length || Object.entries(expected).some(([op, c]) => seen[op] !== c)) return null;
    if (nodes.some((n) => n.domain !== '' && n.domain !== 'ai.onnx')) return null;
    const slopes = nodes.filter((n) => n.op === 'LeakyRelu').map((n) => n.attrs.get('alpha')?.f);
    if (slopes.some((a) => a === undefined || Math.abs(a - slopes[0]!) > 0)) return null;
    lite.alpha = slopes[0]!;
    const resizes = nodes.filter((n) => n.op === 'Resize');
    const mode = (n: WireNode) => n.attrs.get('mode')?.s;
    if (resizes.some((n) => n.attrs.get('coordinate_transformation_mode')?.s !== 'half_pixel')) return null;
    const cubic = resizes.filter((n) => mode(n) === 'cubic');
    if (cubic.length !== 1 || cubic[0].inputs[0] !== 'cur' || resizes.filter((n) => mode(n) === 'linear').length !== 2) return null;
    const a = cubic[0].attrs.get('cubic_coeff_a')?.f;
    if (a !== undefined && a !== -0.75) return null;
    if ((cubic[0].attrs.get('exclude_outside')?.i ?? 0) !== 0) return null;
    const d2s = nodes.find((n) => n.op === 'DepthToSpace')!;
    if (d2s.attrs.get('blocksize')?.i !== SCALE || (d2s.attrs.get('mode')?.s ?? 'DCR') !== 'CRD') return null;
    return lite;
  } catch (e) {
    if (e instanceof NotLite) return null;
    throw e;
  }
}

class NotLite extends Error {}
