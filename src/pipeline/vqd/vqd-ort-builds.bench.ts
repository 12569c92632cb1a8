/**
 * The Degrade tab's CPU VQGAN (encoder and decoder of the shipped model on ORT's wasm EP, the
 * screened k-NN between them) on onnxruntime-web's two builds, in the same worker, interleaved:
 * the WebGPU build (asyncify wasm; the harness's `ctx.ort`, threads as gpu/device.ts sets them)
 * and the plain wasm build (threads as engine/ort-wasm.ts sets them: every core, at most 16). Each
 * round runs both, in alternating order, so a load that drifts (a trainer beside it) weighs on both
 * alike. The engine runs this path on the plain build (degrade-api.ts); this says at what cost.
 * Input: the app's preview size of the bundled sample after the default Down ×4 (480×270 → 120×68).
 * The two builds' outputs are compared too (the same kernels: expected equal, bit for bit or near).
 */
import type { GpuTestContext } from '../../gpu/gputest';
import type { Ort } from '../../gpu/ort';
import { resizeCpu } from '../resize/resize-cpu';
import { webModels } from '../../models/source-web';
import { createVqdCpu, type VqdCpu } from './vqd-cpu';
import { knnProjected, prepareProjectedCodebook } from './knn-projected';
import type { VqdPartTimes } from './options';

const ROUNDS = 9;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

type OrtWithEnv = Ort & { env: { wasm: { numThreads?: number } } };

export const benches = [
  {
    name: 'VQGAN on the CPU (Degrade preview, 120×68): onnxruntime-web WebGPU build vs plain wasm build, interleaved',
    async run(ctx: GpuTestContext): Promise<Record<string, unknown>> {
      const { model, encoder, decoder, codebook } = await webModels().vqgan('vqgan');
      const prep = prepareProjectedCodebook(codebook, model.nCodes, model.nz);
      const quantize = (z: Float32Array, P: number, k: number) => knnProjected(z, P, prep, k).zq;
      const files = { encoder, decoder, codebook, nCodes: model.nCodes, nz: model.nz };

      const plain = (await import('onnxruntime-web/wasm')) as unknown as OrtWithEnv;
      const cores = navigator.hardwareConcurrency;
      plain.env.wasm.numThreads = crossOriginIsolated ? Math.max(1, Math.min(16, cores)) : 1;
      const webgpuBuild = ctx.ort as unknown as OrtWithEnv;
      const builds: { name: string; threads: number | undefined; vqd: VqdCpu }[] = [
        { name: 'webgpu-build', threads: webgpuBuild.env.wasm.numThreads, vqd: await createVqdCpu(webgpuBuild, files, { executionProviders: ['wasm'] }, quantize) },
        { name: 'plain-build', threads: plain.env.wasm.numThreads, vqd: await createVqdCpu(plain, files, { executionProviders: ['wasm'] }, quantize) },
      ];

      const img = resizeCpu(await ctx.loadImage('/e2e/fixtures/frame-96x64.png'), 120, 68, 'bicubic');
      const ks = { kTop: 1, kMid: 1, kBot: 30 };
      // Warm-up: sessions' first runs (allocation, thread start) are not what a slider change costs.
      const outs = [];
      for (const b of builds) outs.push(await b.vqd.run(img, ks));
      let maxDiff = 0;
      for (let i = 0; i < outs[0].data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(outs[0].data[i] - outs[1].data[i]));

      const per: Record<string, { encoder: number[]; decoder: number[]; knn: number[] }> = {};
      for (const b of builds) per[b.name] = { encoder: [], decoder: [], knn: [] };
      for (let r = 0; r < ROUNDS; r++) {
        const order = r % 2 === 0 ? builds : [...builds].reverse();
        for (const b of order) {
          const times: VqdPartTimes = {};
          const enc = await b.vqd.encode(img, {}, times);
          await b.vqd.decode(enc, ks, times);
          per[b.name].encoder.push(+(times.encoder ?? NaN).toFixed(1));
          per[b.name].decoder.push(+(times.decoder ?? NaN).toFixed(1));
          per[b.name].knn.push(+(times.knn ?? NaN).toFixed(1));
        }
      }
      const summary = Object.fromEntries(
        builds.map((b) => {
          const p = per[b.name];
          const encDec = p.encoder.map((e, i) => e + p.decoder[i]);
          return [b.name, { threads: b.threads, medianEncoderMs: median(p.encoder), medianDecoderMs: median(p.decoder), medianEncoderPlusDecoderMs: +median(encDec).toFixed(1), ...p }];
        }),
      );
      const ratio = (summary['plain-build'] as { medianEncoderPlusDecoderMs: number }).medianEncoderPlusDecoderMs / (summary['webgpu-build'] as { medianEncoderPlusDecoderMs: number }).medianEncoderPlusDecoderMs;
      return { input: '120×68 (frame-96x64.png, bicubic), k = 1/1/30', rounds: ROUNDS, crossOriginIsolated, cores, plainOverWebgpuBuild: +ratio.toFixed(3), maxAbsDiffBetweenBuilds: maxDiff, ...summary };
    },
  },
];
