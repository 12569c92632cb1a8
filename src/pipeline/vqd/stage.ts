/**
 * The VQD stage: the multi-scale VQGAN (params.modelId in the model registry) with the k-th
 * nearest code per branch. CPU: a VqdRunner (vqd-node.ts in Node, vqd-cpu-web.ts on ORT's wasm
 * EP); GPU: vqd-gpu.ts (ORT webgpu + shaders/knn.wgsl), one per model.
 */
import { bool, num, oneOf, u32, type NumSpec } from '../schema';
import { DegradeSetupError, frameStage, ownedFrame, type FrameStage } from '../stage';
import { paperVqdKs, VQD_K_MAX, type VqdKs, type VqdParams } from './options';
import type { VqdGpu } from './vqd-gpu';

const ks = (p: VqdParams): VqdKs => ({ kTop: p.kTop, kMid: p.kMid, kBot: p.kBot });

export const vqdStage: FrameStage<'vqd', VqdParams> = frameStage('vqd', 'VQD', {
  // On, with the nearest code on every branch: the LR frame re-synthesised by the degradation
  // model; raising k (the sliders, the explorer) moves it further into the learned degradations.
  defaults: (): VqdParams => ({ enabled: true, mode: 'fixed', kTop: 1, kMid: 1, kBot: 1, seed: 0 }),
  read(v, d, ctx) {
    const kSpec: NumSpec = { min: 1, max: VQD_K_MAX, integer: true };
    const vqd: VqdParams = {
      enabled: bool(v, 'enabled', 'vqd', d.enabled, ctx),
      mode: oneOf(v, 'mode', 'vqd', ['fixed', 'paper'] as const, d.mode, ctx),
      kTop: num(v, 'kTop', 'vqd', kSpec, d.kTop, ctx),
      kMid: num(v, 'kMid', 'vqd', kSpec, d.kMid, ctx),
      kBot: num(v, 'kBot', 'vqd', kSpec, d.kBot, ctx),
      seed: u32(v, 'seed', 'vqd', d.seed, ctx),
    };
    // In paper mode the k's are a function of the seed; write the drawn ones in so they show.
    return vqd.mode === 'paper' ? { ...vqd, ...paperVqdKs(vqd.seed) } : vqd;
  },
}, {
  skip: (p) => !p.vqd.enabled,
  key: (p) => `${p.modelId}:${p.vqd.kTop},${p.vqd.kMid},${p.vqd.kBot}`,
  async cpu(img, p, _frame, { vqd, memo, vqdTimes }) {
    if (!vqd) throw new DegradeSetupError('params.vqd.enabled but no VQD runner was given');
    if (!vqd.encode || !vqd.decode) return vqd.run(img, ks(p.vqd));
    // The encoder's latents depend on the input image and the model, not on the k's: keep them,
    // so a k slider re-runs only the search and the decoder.
    const encode = () => vqd.encode!(img, vqdTimes);
    const enc = memo ? await memo.get(`vqd-latents|${vqd.modelId}|${memo.inputKey}`, encode, (e) => e.bytes) : await encode();
    return vqd.decode(enc, ks(p.vqd), vqdTimes);
  },
  async gpu({ device, ort, models }) {
    const { createVqdGpu } = await import('./vqd-gpu');
    // One degrader per model id, loaded on first use (progress reports its download).
    const loaded = new Map<string, Promise<VqdGpu>>();
    return {
      async run(x, p, _frame, onProgress) {
        let model = loaded.get(p.modelId);
        if (!model) {
          model = createVqdGpu(device, ort, models, p.modelId, onProgress);
          model.catch(() => loaded.delete(p.modelId));
          loaded.set(p.modelId, model);
        }
        return ownedFrame(await (await model).run(x.buf, x.w, x.h, ks(p.vqd)), x.w, x.h);
      },
    };
  },
});
