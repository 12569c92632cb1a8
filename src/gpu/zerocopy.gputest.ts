/**
 * Proves the zero-copy path the whole engine relies on: an ONNX model's
 * `gpu-buffer` output feeds a WGSL kernel on ORT's own device, and a WGSL
 * output feeds ORT back through Tensor.fromGpuBuffer — no CPU copy between.
 */
import { compareF32, type GpuTest } from './gputest';
import { buildOnnxModel } from './onnx-builder';
import { affineCpu } from './convert-cpu';
import { packRgba8, quantize01, quantizeValues } from '../core/pixels';
import { runConvert } from './convert-gpu';
import { readF32, readU32, uploadBuffer } from './webgpu';
import { flushOrt } from './device';
import { openSession } from './ort';

const scaleModel = () =>
  buildOnnxModel({
    inputs: [{ name: 'x', type: 'float', dims: [1, 3, 'h', 'w'] }],
    outputs: [{ name: 'y', type: 'float', dims: [1, 3, 'h', 'w'] }],
    initializers: [{ name: 'two', type: 'float', dims: [1], data: [2] }],
    nodes: [{ op: 'Mul', inputs: ['x', 'two'], outputs: ['y'] }],
  });

export const gpuTests: GpuTest[] = [
  {
    name: 'zero-copy: ORT gpu-buffer output → WGSL affine → ORT fromGpuBuffer input (real frame)',
    async run({ ort, device, loadImage }) {
      const img = await loadImage('/e2e/fixtures/frame-64x64.png');
      const session = await openSession(ort, scaleModel(), {
        executionProviders: ['webgpu'],
        preferredOutputLocation: 'gpu-buffer',
      });
      const x = new ort.Tensor('float32', img.data, [1, 3, img.height, img.width]);
      const first = await session.run({ x });
      const y = first.y;
      if (y.location !== 'gpu-buffer') return { pass: false, detail: `output location ${y.location}` };
      const n = img.data.length;
      await flushOrt(); // ORT submits lazily; our kernel must run after its Mul
      // y = 2x in [0,2] → (y*1 − 1) in [−1,1]: the VQGAN input mapping, on ORT's buffer.
      const mapped = runConvert(device, { op: 'affine', input: y.gpuBuffer, count: n, a: 1, b: -1 });
      const back = await session.run({ x: ort.Tensor.fromGpuBuffer(mapped, { dataType: 'float32', dims: [1, 3, img.height, img.width] }) });
      const got = await readF32(device, back.y.gpuBuffer, n);
      const want = new Float32Array(n);
      for (let i = 0; i < n; i++) want[i] = Math.fround(2 * Math.fround(Math.fround(2 * img.data[i]) - 1));
      y.dispose();
      back.y.dispose();
      mapped.destroy();
      await session.release();
      return compareF32('2·(2x−1) through ORT→WGSL→ORT', got, want, 1e-6);
    },
  },
  {
    name: 'convert.wgsl affine/quantize/pack_rgba8 vs CPU reference (real frame)',
    async run({ device, loadImage }) {
      const img = await loadImage('/e2e/fixtures/frame-96x64.png');
      const n = img.data.length;
      const pixels = img.width * img.height;
      // Perturb off the uint8 grid so quantize actually rounds (incl. exact .5 cases on some pixels).
      const src = new Float32Array(n);
      for (let i = 0; i < n; i++) src[i] = Math.fround(img.data[i] * 1.1 - 0.05 + ((i % 7) - 3) / 1020);
      const input = uploadBuffer(device, src);
      const aff = await readF32(device, runConvert(device, { op: 'affine', input, count: n, a: 2, b: -1, lo: -1, hi: 1 }), n);
      const q = await readF32(device, runConvert(device, { op: 'quantize', input, count: n }), n);
      const packed = await readU32(device, runConvert(device, { op: 'pack_rgba8', input, count: pixels }), pixels);
      const r1 = compareF32('affine', aff, affineCpu(src, 2, -1, -1, 1), 2.4e-7);
      // WGSL's f32 division (level / 255) may be up to 2.5 ulp off the correctly rounded JS value,
      // so values get 2 ulp at 1.0 (1.2e-7); the uint8 levels themselves must match exactly.
      const wantQ = quantizeValues(src);
      const r2 = compareF32('quantize', q, wantQ, 1.2e-7);
      let levelMism = 0;
      for (let i = 0; i < n; i++) if (Math.round(q[i] * 255) !== Math.round(wantQ[i] * 255)) levelMism++;
      r2.pass &&= levelMism === 0;
      r2.detail += `, uint8 level mismatches ${levelMism} (tolerance 0)`;
      const wantPacked = packRgba8(src, pixels);
      let mism = 0;
      for (let i = 0; i < pixels; i++) if (packed[i] !== wantPacked[i]) mism++;
      input.destroy();
      return {
        pass: r1.pass && r2.pass && mism === 0,
        detail: `${r1.detail}; ${r2.detail}; pack_rgba8 mismatches ${mism}/${pixels} (tolerance 0)`,
      };
    },
  },
  {
    name: 'convert.wgsl quantize/pack_rgba8 = core/pixels.ts on the rounding edges: every level\'s half-way point and its f32 neighbours (exact)',
    async run({ device }) {
      // For each level k: f32((k + ½)/255) and the 4 f32 values either side, whose products with 255
      // fall just under, on or just over k + ½ — where a rounded f32 multiply or half-to-even differ.
      const f = new Float32Array(1);
      const bits = new Uint32Array(f.buffer);
      const vals: number[] = [-0.25, 0, 1, 1.5, 2 ** -9, 2 ** -10, Math.fround(1 / 510)];
      for (let k = 0; k < 255; k++) {
        f[0] = (k + 0.5) / 255;
        const mid = bits[0];
        for (let d = -4; d <= 4; d++) {
          bits[0] = mid + d;
          vals.push(f[0]);
        }
        vals.push(Math.fround(k / 255));
      }
      const pixels = Math.ceil(vals.length / 3);
      const src = new Float32Array(3 * pixels);
      src.set(vals);
      const input = uploadBuffer(device, src);
      const q = await readF32(device, runConvert(device, { op: 'quantize', input, count: src.length }), src.length);
      const packed = await readU32(device, runConvert(device, { op: 'pack_rgba8', input, count: pixels }), pixels);
      input.destroy();
      let qMism = 0;
      let halves = 0;
      for (let i = 0; i < src.length; i++) {
        if (Math.round(q[i] * 255) !== quantize01(src[i])) qMism++;
        // Where the f32-ROUNDED product lands on a half (round(f32(v·255)) half-to-even, the old
        // shader rule, could differ from the exact product's rounding): the cases this test is for.
        if (Math.fround(src[i] * 255) % 1 === 0.5) halves++;
      }
      const want = packRgba8(src, pixels);
      let pMism = 0;
      for (let i = 0; i < pixels; i++) if (packed[i] !== want[i]) pMism++;
      return { pass: qMism === 0 && pMism === 0, detail: `${src.length} edge values (${halves} whose f32-rounded product is a half): quantize level mismatches ${qMism}, pack_rgba8 mismatches ${pMism}/${pixels} (tolerance 0)` };
    },
  },
];
