/**
 * The lite net on this project's wasm kernels (lite-net.ts) against onnxruntime-web's wasm EP, in
 * Chromium, where relaxed SIMD is available: the fused multiply-add kernels (which Node 20 cannot
 * compile, so lite-net.test.ts checks the mul + add ones there), and the mul + add ones too, each
 * with the 3×3 stride-1 convolutions by Winograd (the default) and direct. Shipped
 * 'lite' nets (vsr, vsr-restore), real frames (e2e/fixtures/clip-64x48), 4 recurrent steps, each
 * side carrying its own state. No GPU involved: it runs in the harness for Chromium's wasm engine.
 *
 * Tolerances as in lite-net.test.ts (same f32 products summed in other orders; a fused
 * multiply-add rounds once where mul + add rounds twice; measured ~1e-6 on both): |out| ≤ 1e-5, |state_out| ≤ 1e-5 ·
 * (1 + max |state|).
 */
import type { GpuTest } from '../gpu/gputest';
import { maxAbsDiff, type ImageF32 } from '../core/image';
import { relaxedSimd } from '../core/wasm-asm';
import { setModelsBase, webModels } from '../models/source-web';
import { ortWasm } from './ort-wasm';
import { readLiteGraph } from '../pipeline/vsr/wasm-net/lite-graph';
import { LiteNet } from '../pipeline/vsr/wasm-net/lite-net';

const OUT_TOL = 1e-5;
const STATE_TOL = 1e-5;

export const gpuTests: GpuTest[] = [
  {
    name: 'lite net (wasm kernels, fused and mul + add, Winograd and direct) vs onnxruntime-web wasm EP: shipped vsr and vsr-restore, real 64×48 frames, 4 recurrent steps',
    async run({ loadImage }) {
      setModelsBase('/models/');
      const frames: ImageF32[] = [];
      for (let i = 0; i < 5; i++) frames.push(await loadImage(`/e2e/fixtures/clip-64x48/src-0${i}.png`));
      const { width: w, height: h } = frames[0];
      const ort = await ortWasm();
      const details: string[] = [`relaxed SIMD ${relaxedSimd() ? 'available' : 'missing'}`];
      // Chromium has shipped relaxed SIMD since 114: without it the fused kernels would go untested.
      let pass = relaxedSimd();
      for (const model of ['vsr', 'vsr-restore', 'vsr-fast']) {
        const files = await webModels().vsr(model);
        const graph = readLiteGraph(files.step);
        if (!graph) {
          pass = false;
          details.push(`${model}: graph not recognised`);
          continue;
        }
        const C = graph.width;
        const session = await ort.InferenceSession.create(files.step, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
        for (const [fused, winograd] of (relaxedSimd() ? [true, false] : [false]).flatMap((f) => [[f, true], [f, false]])) {
          const net = new LiteNet(graph, { fused, winograd });
          let sOrt: Float32Array = new Float32Array(C * w * h);
          let sOurs: Float32Array = new Float32Array(C * w * h);
          let worstOut = 0;
          let worstState = 0;
          let stateMag = 0;
          for (let t = 1; t <= 4; t++) {
            const [p, c, n] = [frames[t - 1], frames[t], frames[Math.min(t + 1, 4)]].map((f) => f.data);
            const T = (d: Float32Array, ch: number) => new ort.Tensor('float32', d, [1, ch, h, w]);
            const r = await session.run({ prev: T(p, 3), cur: T(c, 3), next: T(n, 3), state: T(sOrt, C) });
            const o = net.step(p, c, n, sOurs, w, h);
            const outOrt = r.out.data as Float32Array;
            const stOrt = r.state_out.data as Float32Array;
            let mag = 0;
            for (const v of stOrt) mag = Math.max(mag, Math.abs(v));
            worstOut = Math.max(worstOut, maxAbsDiff(o.out, outOrt));
            worstState = Math.max(worstState, maxAbsDiff(o.state, stOrt) / (1 + mag));
            stateMag = Math.max(stateMag, mag);
            sOrt = stOrt;
            sOurs = o.state;
          }
          // A state that stayed near zero would make the recurrent comparison say little.
          pass &&= worstOut <= OUT_TOL && worstState <= STATE_TOL && stateMag > 0.01;
          details.push(`${model} ${fused ? 'fused' : 'mul+add'} ${winograd ? 'Winograd' : 'direct'}: max|Δout| ${worstOut.toExponential(2)} ≤ ${OUT_TOL}, max|Δstate|/(1+|state|) ${worstState.toExponential(2)} ≤ ${STATE_TOL} (|state| up to ${stateMag.toFixed(2)})`);
        }
        await session.release();
      }
      return { pass, detail: details.join('; ') };
    },
  },
];
