/**
 * The VQD stage: the multi-scale VQGAN (params.modelId in the model registry) with the k-th
 * nearest code per branch. CPU: a VqdRunner (vqd-node.ts in Node, vqd-cpu-web.ts on ORT's wasm
 * EP); GPU: vqd-gpu.ts (ORT webgpu + shaders/knn.wgsl), one per model. Then, unless
 * vqd.anchorSigma is 0, the colour anchor (anchor-cpu.ts / anchor-gpu.ts, shaders/anchor.wgsl):
 * the VQGAN's high band on its input's low band.
 */
import type { ImageF32 } from '../../core/image';
import { bool, num, oneOf, u32, type NumSpec } from '../schema';
import { DegradeSetupError, frameStage, ownedFrame, type FrameStage } from '../stage';
import { ANCHOR_SIGMA_MAX, anchorCpu } from './anchor-cpu';
import { paperVqdKs, VQD_ANCHOR_DEFAULT_SIGMA, VQD_K_MAX, type VqdKs, type VqdParams } from './options';
import type { VqdGpu } from './vqd-gpu';

const ks = (p: VqdParams): VqdKs => ({ kTop: p.kTop, kMid: p.kMid, kBot: p.kBot });

export const vqdStage: FrameStage<'vqd', VqdParams> = frameStage('vqd', 'VQD', {
  // On, with the nearest code on every branch: the LR frame re-synthesised by the degradation
  // model; raising k (the sliders, the explorer) moves it further into the learned degradations.
  // The colour anchor on by default: the shipped VQGAN's own colour drift is not a degradation (options.ts).
  defaults: (): VqdParams => ({ enabled: true, mode: 'fixed', kTop: 1, kMid: 1, kBot: 1, seed: 0, anchorSigma: VQD_ANCHOR_DEFAULT_SIGMA }),
  read(v, d, ctx) {
    const kSpec: NumSpec = { min: 1, max: VQD_K_MAX, integer: true };
    const vqd: VqdParams = {
      enabled: bool(v, 'enabled', 'vqd', d.enabled, ctx),
      mode: oneOf(v, 'mode', 'vqd', ['fixed', 'paper'] as const, d.mode, ctx),
      kTop: num(v, 'kTop', 'vqd', kSpec, d.kTop, ctx),
      kMid: num(v, 'kMid', 'vqd', kSpec, d.kMid, ctx),
      kBot: num(v, 'kBot', 'vqd', kSpec, d.kBot, ctx),
      seed: u32(v, 'seed', 'vqd', d.seed, ctx),
      anchorSigma: num(v, 'anchorSigma', 'vqd', { min: 0, max: ANCHOR_SIGMA_MAX }, d.anchorSigma, ctx),
    };
    // In paper mode the k's are a function of the seed; write the drawn ones in so they show.
    return vqd.mode === 'paper' ? { ...vqd, ...paperVqdKs(vqd.seed) } : vqd;
  },
}, {
  skip: (p) => !p.vqd.enabled,
  key: (p) => `${p.modelId}:${p.vqd.kTop},${p.vqd.kMid},${p.vqd.kBot}:anchor ${p.vqd.anchorSigma}`,
  async cpu(img, p, _frame, { vqd, memo, vqdTimes }) {
    if (!vqd) throw new DegradeSetupError('params.vqd.enabled but no VQD runner was given');
    const anchored = (out: ImageF32) => (p.vqd.anchorSigma > 0 ? anchorCpu(img, out, p.vqd.anchorSigma) : out);
    if (!vqd.encode || !vqd.decode) return anchored(await vqd.run(img, ks(p.vqd)));
    // The encoder's latents depend on the input image and the model, not on the k's: keep them,
    // so a k slider re-runs only the search and the decoder.
    const encode = () => vqd.encode!(img, vqdTimes);
    const enc = memo ? await memo.get(`vqd-latents|${vqd.modelId}|${memo.inputKey}`, encode, (e) => e.bytes) : await encode();
    return anchored(await vqd.decode(enc, ks(p.vqd), vqdTimes));
  },
  async gpu({ device, ort, models }) {
    const { createVqdGpu } = await import('./vqd-gpu');
    const { createAnchor } = await import('./anchor-gpu');
    const anchor = createAnchor(device);
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
        const out = await (await model).run(x.buf, x.w, x.h, ks(p.vqd));
        if (p.vqd.anchorSigma === 0) return ownedFrame(out, x.w, x.h);
        const anchoredBuf = anchor.run(x.buf, out, x.w, x.h, p.vqd.anchorSigma);
        out.destroy();
        return ownedFrame(anchoredBuf, x.w, x.h);
      },
    };
  },
});
