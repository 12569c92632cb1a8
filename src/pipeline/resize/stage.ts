/**
 * The Down stage: ×1/factor to round(size / factor) with the resize of options.ts (no antialias,
 * as the paper's torch interpolate). CPU resize-cpu.ts, GPU resize-gpu.ts (shaders/resize.wgsl).
 */
import { num, oneOf } from '../schema';
import { frameStage, type FrameStage } from '../stage';
import { resizeCpu } from './resize-cpu';
import { DOWN_FACTOR_MAX, DOWN_FACTOR_MIN, RESIZE_METHODS, downscaledSize, type ResizeMethod } from './options';

export interface DownParams {
  /** Downscale factor, 1..4 (the paper: 4). Output size round(size / factor). */
  factor: number;
  method: ResizeMethod;
}

export const downStage: FrameStage<'down', DownParams> = frameStage('down', 'down', {
  defaults: (): DownParams => ({ factor: 4, method: 'bicubic' }),
  read: (dn, d, ctx) => ({
    factor: num(dn, 'factor', 'down', { min: DOWN_FACTOR_MIN, max: DOWN_FACTOR_MAX }, d.factor, ctx),
    method: oneOf(dn, 'method', 'down', RESIZE_METHODS, d.method, ctx),
  }),
}, {
  skip: () => false,
  key: (p) => `${p.down.factor}:${p.down.method}`,
  cpu: (img, p) => resizeCpu(img, downscaledSize(img.width, p.down.factor), downscaledSize(img.height, p.down.factor), p.down.method),
  async gpu({ device }) {
    const { createResizer } = await import('./resize-gpu');
    const resizer = createResizer(device);
    return {
      run(x, p) {
        const w = downscaledSize(x.w, p.down.factor);
        const h = downscaledSize(x.h, p.down.factor);
        const buf = resizer.resize(x.buf, x.w, x.h, w, h, p.down.method);
        // Outputs come from the resizer's pool and go back to it.
        return { buf, w, h, release: () => resizer.release(buf) };
      },
    };
  },
});
