/**
 * The VQGAN on this project's wasm kernels (pipeline/vqd/lite/) against onnxruntime-web's wasm EP,
 * in Chromium, where relaxed SIMD is available: the fused multiply-add kernels (which Node 20 cannot
 * compile, so vqgan-net.test.ts checks the mul + add ones there) and the mul + add ones. The shipped
 * VQGAN, a real frame (e2e/fixtures/frame-96x64.png): the encoder whole, and the decoder as the
 * browser's CPU path runs it (its entry Convs as code tables from the k-th-nearest indices of ORT's
 * latents at k = 1, then `rest`). No GPU involved: it runs in the harness for Chromium's wasm engine.
 *
 * Tolerance as in vqgan-net.test.ts: 1e-5 × max |output| (measured there ≤ 3.5e-6 with mul + add; a
 * fused multiply-add rounds once where mul + add rounds twice).
 */
import type { GpuTest } from '../gpu/gputest';
import { relaxedSimd } from '../core/wasm-asm';
import { setModelsBase, webModels } from '../models/source-web';
import { ortWasm } from './ort-wasm';
import { splitDecoderEntry } from '../pipeline/vqd/decoder-entry';
import { codeConv, makeCodeTables } from '../pipeline/vqd/code-conv';
import { knnProjectedIndices, prepareProjectedCodebook } from '../pipeline/vqd/knn-projected';
import { readVqganDecoderRest, readVqganEncoder } from '../pipeline/vqd/lite/vqgan-graph';
import { VqganNet } from '../pipeline/vqd/lite/vqgan-net';

const TOL = 1e-5;

function relErr(a: Float32Array, b: Float32Array): number {
  let d = 0;
  let m = 0;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  // An all-zero reference would compare equal and say nothing.
  return a.length === b.length && m > 0.01 ? d / m : Infinity;
}

export const gpuTests: GpuTest[] = [
  {
    name: 'VQGAN on the wasm kernels (fused and mul + add) vs onnxruntime-web wasm EP: shipped encoder and decoder rest, real 96×64 frame',
    async run({ loadImage }) {
      setModelsBase('/models/');
      const img = await loadImage('/e2e/fixtures/frame-96x64.png');
      const { width: w, height: h } = img;
      const ort = await ortWasm();
      const { model, encoder, decoder, codebook } = await webModels().vqgan('vqgan');
      const split = splitDecoderEntry(decoder);
      const [pe, pd] = [readVqganEncoder(encoder), split && readVqganDecoderRest(split.rest)];
      const details: string[] = [`relaxed SIMD ${relaxedSimd() ? 'available' : 'missing'}`];
      if (!pe || !pd || !split) return { pass: false, detail: 'the shipped VQGAN was not recognised' };
      const so = { executionProviders: ['wasm'], graphOptimizationLevel: 'all' } as const;
      const enc = await ort.InferenceSession.create(encoder, so);
      const rest = await ort.InferenceSession.create(split.rest, so);
      const x = img.data.map((v) => 2 * v - 1);
      const z = await enc.run({ [enc.inputNames[0]]: new ort.Tensor('float32', x, [1, 3, h, w]) });
      const tables = await makeCodeTables(ort, split.convs, codebook, model.nCodes, model.nz, so);
      const prep = prepareProjectedCodebook(codebook, model.nCodes, model.nz);
      const feeds: Record<string, InstanceType<typeof ort.Tensor>> = {};
      const restIn = enc.outputNames.map((n, i) => {
        const [, , lh, lw] = z[n].dims;
        const t = codeConv(tables[i], knnProjectedIndices(z[n].data as Float32Array, lh * lw, prep, 1), lh, lw);
        feeds[split.convs[i].output] = new ort.Tensor('float32', t, [1, tables[i].cout, lh, lw]);
        return t;
      });
      const image = (await rest.run(feeds))[rest.outputNames[0]].data as Float32Array;
      // Chromium has shipped relaxed SIMD since 114: without it the fused kernels would go untested.
      let pass = relaxedSimd();
      for (const fused of relaxedSimd() ? [true, false] : [false]) {
        const zs = new VqganNet(pe, { fused }).run([x], w, h);
        const errs = enc.outputNames.map((n, i) => relErr(zs[i], z[n].data as Float32Array));
        const [out] = new VqganNet(pd, { fused }).run(restIn, w, h);
        const e = relErr(out, image);
        pass &&= Math.max(...errs, e) <= TOL;
        details.push(`${fused ? 'fused' : 'mul+add'}: latents ${errs.map((v) => v.toExponential(2)).join(' / ')}, image ${e.toExponential(2)} (of max |·|, ≤ ${TOL})`);
      }
      await Promise.all([enc.release(), rest.release()]);
      return { pass, detail: details.join('; ') };
    },
  },
];
