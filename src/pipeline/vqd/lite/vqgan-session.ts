/**
 * The VQGAN on the project's wasm kernels (vqgan-net.ts) behind the Session interface the CPU VQ
 * degrader runs its graphs through (vqd-cpu.ts's `open`): the same input and output names, shapes
 * and values (up to float rounding) as the ONNX graph it stands in for. A graph vqgan-graph.ts does
 * not recognise, or an engine without wasm SIMD, gives null and the caller keeps ORT.
 */
import type { Ort, OrtTensor, Session } from '../../../gpu/ort';
import { readVqganDecoderRest, readVqganEncoder } from './vqgan-graph';
import { VqganNet } from './vqgan-net';
import type { LiteHelperSpawn } from '../../vsr/wasm-net/lite-helper';

/** `helper`: a second thread for the convolutions (lite-helper-web.ts where the page is cross-origin isolated). */
export async function openLiteVqgan(ort: Ort, model: Uint8Array, role: 'encoder' | 'decoder' | 'decoder-rest', helper?: LiteHelperSpawn): Promise<Session | null> {
  // The whole decoder starts with the entry Convs the code tables replace: only its split is run here.
  const program = role === 'encoder' ? readVqganEncoder(model) : role === 'decoder-rest' ? readVqganDecoderRest(model) : null;
  if (!program) return null;
  let net: VqganNet;
  try {
    net = await VqganNet.create(program, { helper });
    net.warmUp();
  } catch (e) {
    console.warn(`VQGAN on ORT: the wasm kernels did not build (${e instanceof Error ? e.message : String(e)})`);
    return null;
  }
  const inputNames = program.inputs.map((i) => i.name);
  const outputNames = program.outputs.map((o) => o.name);
  return {
    inputNames,
    outputNames,
    async run(feeds) {
      // Every input's [1, C, h, w] names the frame's size through its divisor; they must agree.
      let size: [number, number] | null = null;
      const data = program.inputs.map(({ name, buf }) => {
        const t = feeds[name];
        if (!t) throw new Error(`lite VQGAN: no feed '${name}'`);
        const [n, c, h, w] = t.dims;
        const div = program.buffers[buf].div;
        if (n !== 1 || c !== program.buffers[buf].ch || t.type !== 'float32') throw new Error(`lite VQGAN: '${name}' is ${t.type} [${t.dims.join(', ')}], float32 [1, ${program.buffers[buf].ch}, h, w] expected`);
        if (size && (size[0] !== w * div || size[1] !== h * div)) throw new Error(`lite VQGAN: '${name}' is ${w}×${h}, not 1/${div} of ${size[0]}×${size[1]}`);
        size = [w * div, h * div];
        return t.data as Float32Array;
      });
      const [W, H] = size!;
      const outs = net.run(data, W, H);
      const result: Record<string, OrtTensor> = {};
      program.outputs.forEach(({ name, buf }, i) => {
        const { ch, div } = program.buffers[buf];
        result[name] = new ort.Tensor('float32', outs[i], [1, ch, H / div, W / div]);
      });
      return result;
    },
    async release() {
      net.release();
    },
  };
}
