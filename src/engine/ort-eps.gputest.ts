/**
 * onnxruntime-web's two WebGPU execution providers on our nets (issue 13.6: "ORT's native WebGPU EP
 * tried against the default for correctness"):
 * - native: ORT's C++ WebGPU EP compiled into the asyncify wasm, the `onnxruntime-web/webgpu` build
 *   the engine runs (gpu/device.ts; the harness's ctx.ort);
 * - JSEP: the JavaScript WebGPU EP of the package's default build (`onnxruntime-web`, its jsep wasm),
 *   loaded here beside it (its own wasm instance and its own GPUDevice).
 * Each runs the same ONNX with CPU tensors in and out (pipeline/vsr/vsr-cpu.ts and vqd-cpu.ts take
 * any ORT module and EP), against the CPU reference (the wasm EP of the native build), on real
 * frames: the VQGAN's encoder (latents) and decoder (from the reference's latents, so a k-NN tie
 * cannot hide or fake a difference) on both EPs, and the recurrent VSR over the 3-frame 32×32 clip
 * with its state carried on JSEP (the native EP's is vsr.gputest.ts's, see gpuTests below). The narrow test models (same topologies and ops as the shipped ones): SwiftShader
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
    name: `ort EPs: ${ep} vs the wasm EP, VQGAN encoder latents and decoder output on a 32×32 frame`,
    async run(ctx) {
      setModelsBase(TEST_MODELS);
      const { model, encoder, decoder, codebook } = await webModels().vqgan('vqgan');
      const files = { encoder, decoder, codebook, nCodes: model.nCodes, nz: model.nz };
      // The clip's first frame (real; 32×32, 48×48 with the VQD's margin: latents 6×6, 12×12, 24×24):
      // the same graph and ops as a bigger frame. A 64×64 frame (latents 10², 20², 40²: 2.8× the
      // positions) cost JSEP ~55 s on SwiftShader, in its convolutions rather than its shader
      // compiles (a second encode took half the first's time); its largest differences were ~8e-6,
      // this frame's ~2e-6 — both far inside EP_TOL.
      const img = (await clip32(ctx))[0];
      const ref = await createVqdCpu(ctx.ort, files, { executionProviders: ['wasm'] });
      const gpu = await createVqdCpu(await epBuild(ctx, ep), files, { executionProviders: ['webgpu'] });
      const ks = { kTop: 1, kMid: 2, kBot: 10 };
      const encRef = await ref.encode(img);
      const encGot = await gpu.encode(img);
      const parts = encRef.tiles.flatMap((t, i) => t.z.map((z, s) => compareF32(`${ep} latents tile ${i} scale ${s} (${z.dims.join('×')})`, encGot.tiles[i].z[s].data, z.data, EP_TOL)));
      // Both decoders from the reference's latents: the same codes, so only the decoder is compared.
      const decRef = await ref.decode(encRef, ks);
      const decGot = await gpu.decode(encRef, ks);
      parts.push(compareF32(`${ep} decoder output (32×32, k ${ks.kTop}/${ks.kMid}/${ks.kBot})`, decGot.data, decRef.data, EP_TOL));
      return allPass(parts);
    },
  };
}

/**
 * No vsrTest('native'): the native EP's recurrent VSR against the wasm EP on this clip is
 * pipeline/vsr/vsr.gputest.ts's "WebGPU step vs CPU" (the engine's GPU path, state carried on the
 * GPU; same bound, same values to the last digit when both ran), so here it only repeated ~15 s of
 * SwiftShader work per CI run. The VQGAN's native test stays: vqd.gputest.ts compares final images
 * (PSNR), this one the latents and the decoder output value by value.
 */
export const gpuTests: GpuTest[] = [vsrTest('jsep'), vqganTest('native'), vqganTest('jsep')];
