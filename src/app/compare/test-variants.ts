/**
 * Stand-in variants for end-to-end tests of the compare and blind views, made
 * on the CPU from the decoded frame: 'lr' = bicubic ×1/4 with antialiasing,
 * 'bicubic' = that LR bicubic-upscaled back to the original size. Installed
 * only when the page URL has `?testvariants`, and only for ids no feature has
 * registered, so the real engine-backed variants always win.
 */
import { fromRgba8, toRgba8 } from '../../core/pixels';
import { resizeCpu } from '../../pipeline/resize/resize-cpu';
import { downscaledSize } from '../../pipeline/resize/options';
import { registerVariant, renderVariant } from '../variants';
import type { RgbaFrame } from '../../core/frame';

const lrCache = new WeakMap<RgbaFrame, RgbaFrame>();

function lrOf(hr: RgbaFrame): RgbaFrame {
  let lr = lrCache.get(hr);
  if (!lr) {
    const w = downscaledSize(hr.width, 4);
    const h = downscaledSize(hr.height, 4);
    const img = resizeCpu(fromRgba8(hr.data, hr.width, hr.height), w, h, 'bicubic', { antialias: true });
    lr = { width: w, height: h, data: toRgba8(img) };
    lrCache.set(hr, lr);
  }
  return lr;
}

const upCache = new WeakMap<RgbaFrame, RgbaFrame>();

export function installTestVariants(): void {
  // Stand-ins win over the engine-backed variants in test mode, whatever the module load order:
  // the compare e2e needs fast, deterministic frames, not the full pipeline on SwiftShader.
  registerVariant('lr', async (i, signal) => lrOf(await renderVariant('original', i, signal)), { standIn: true });
  registerVariant(
    'bicubic',
    async (i, signal) => {
      const hr = await renderVariant('original', i, signal);
      let up = upCache.get(hr);
      if (!up) {
        const lr = lrOf(hr);
        up = { width: hr.width, height: hr.height, data: toRgba8(resizeCpu(fromRgba8(lr.data, lr.width, lr.height), hr.width, hr.height, 'bicubic')) };
        upCache.set(hr, up);
      }
      return up;
    },
    { standIn: true },
  );
}

export function maybeInstallTestVariants(): void {
  if (__VQDSR_TEST_BUILD__ && typeof location !== 'undefined' && new URLSearchParams(location.search).has('testvariants')) installTestVariants();
}
