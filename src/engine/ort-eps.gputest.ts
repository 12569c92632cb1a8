/**
 * onnxruntime-web's two WebGPU execution providers on our nets (issue 13.6: "ORT's native WebGPU EP
 * tried against the default for correctness"):
 * - native: ORT's C++ WebGPU EP compiled into the asyncify wasm, the `onnxruntime-web/webgpu` build
 *   the engine runs (gpu/device.ts; the harness's ctx.ort);
 * - JSEP: the JavaScript WebGPU EP of the package's default build (`onnxruntime-web`, its jsep wasm),
 *   loaded here beside it (its own wasm instance and its own GPUDevice).
 * Each runs the same ONNX with CPU tensors in and out (pipeline/vsr/vsr-cpu.ts and vqd-cpu.ts take
 * any ORT module and EP), against the CPU reference (the wasm EP of the native build), on real
 * frames: the recurrent VSR over the 3-frame 32×32 clip with its state carried, and the VQGAN's
 * encoder (latents) and decoder (from the reference's latents, so a k-NN tie cannot hide or fake a
 * difference). The narrow test models (same topologies and ops as the shipped ones): SwiftShader
 * runs the shipped widths far too slowly for a test; ort-eps.bench.ts times the shipped ones.
 */
import type { GpuTest, GpuTestContext } from '../gpu/gputest';
import { allPass, compareF32 } from '../gpu/gputest';
import type { Ort } from '../gpu/ort';
import { setModelsBase, webModels } from '../models/source-web';
import type { ImageF32 } from '../core/image';
import { createVsrCpu, upscaleClipCpu } from '../pipeline/vsr/vsr-cpu';
import { clip as clip32 } from '../pipeline/vsr/vsr.gputest';
import { createVqdCpu } from '../pipeline/vqd/vqd-cpu';

const TEST_MODELS = '/e2e/fixtures/models/';
/**
 * An EP against the wasm EP, same graph (vsr.gputest.ts's bound for the native EP: measured ~1e-6
 * over three recurrent steps); the same bound for both EPs, on every output value.
 */
const EP_TOL = 1e-4;

type EpName = 'native' | 'jsep';

let jsep: Promise<Ort> | undefined;

/** The package's default build (JSEP), loaded once, single-threaded like the harness's native build. */
function jsepBuild(): Promise<Ort> {
  jsep ??= import('onnxruntime-web').then((m) => {
    const mod = m as unknown as Ort & { env: { wasm: { numThreads?: number } } };
    mod.env.wasm.numThreads = 1;
    return mod;
  });
  return jsep;
}

/** The ORT module that runs `ep`'s WebGPU sessions. */
export async function epBuild(ctx: GpuTestContext, ep: EpName): Promise<Ort> {
  return ep === 'native' ? ctx.ort : jsepBuild();
}

/** The VSR model's outputs over the clip (state carried), on `ort` with `executionProviders`. */
async function vsrClip(ort: Ort, model: string, frames: ImageF32[], executionProviders: string[]): Promise<Float32Array[]> {
  const vsr = await createVsrCpu(ort, await webModels().vsr(model), { executionProviders });
  try {
    const outs: Float32Array[] = [];
    for await (const out of upscaleClipCpu(vsr.sequence(frames[0].width, frames[0].height), frames)) outs.push(out.data);
    return outs;
  } finally {
    await vsr.release();
  }
}

function vsrTest(ep: EpName): GpuTest {
  return {
    name: `ort EPs: ${ep === 'native' ? 'native WebGPU EP (the engine’s)' : 'JSEP (onnxruntime-web’s default build)'} vs the wasm EP, recurrent VSR on the 3-frame 32×32 clip`,
    async run(ctx) {
      setModelsBase(TEST_MODELS);
      const frames = await clip32(ctx);
      const want = await vsrClip(ctx.ort, 'vsr', frames, ['wasm']);
      const got = await vsrClip(await epBuild(ctx, ep), 'vsr', frames, ['webgpu']);
      return allPass(got.map((g, t) => compareF32(`${ep} frame ${t} (128×128)`, g, want[t], EP_TOL)));
    },
  };
}

function vqganTest(ep: EpName): GpuTest {
  return {
    name: `ort EPs: ${ep} vs the wasm EP, VQGAN encoder latents and decoder output on a 64×64 frame`,
    async run(ctx) {
      setModelsBase(TEST_MODELS);
      const { model, encoder, decoder, codebook } = await webModels().vqgan('vqgan');
      const files = { encoder, decoder, codebook, nCodes: model.nCodes, nz: model.nz };
      const img = await ctx.loadImage('/e2e/fixtures/frame-64x64.png');
      const ref = await createVqdCpu(ctx.ort, files, { executionProviders: ['wasm'] });
      const gpu = await createVqdCpu(await epBuild(ctx, ep), files, { executionProviders: ['webgpu'] });
      const ks = { kTop: 1, kMid: 2, kBot: 10 };
      const encRef = await ref.encode(img);
      const encGot = await gpu.encode(img);
      const parts = encRef.tiles.flatMap((t, i) => t.z.map((z, s) => compareF32(`${ep} latents tile ${i} scale ${s} (${z.dims.join('×')})`, encGot.tiles[i].z[s].data, z.data, EP_TOL)));
      // Both decoders from the reference's latents: the same codes, so only the decoder is compared.
      const decRef = await ref.decode(encRef, ks);
      const decGot = await gpu.decode(encRef, ks);
      parts.push(compareF32(`${ep} decoder output (64×64, k ${ks.kTop}/${ks.kMid}/${ks.kBot})`, decGot.data, decRef.data, EP_TOL));
      return allPass(parts);
    },
  };
}

export const gpuTests: GpuTest[] = [vsrTest('native'), vsrTest('jsep'), vqganTest('native'), vqganTest('jsep')];
