/**
 * The Blur stage: y = k ⊛ x with the kernel of options.ts (kernel.ts builds it), reflect borders.
 * CPU blur-cpu.ts (run as blur-simd.ts, the same bits), GPU blur-gpu.ts (shaders/blur.wgsl).
 */
import { num, oneOf } from '../schema';
import { frameStage, ownedFrame, type FrameStage } from '../stage';
import { blurFast } from './blur-simd';
import { blurKernel } from './kernel';
import { BLUR_KINDS, BLUR_LIMITS, BLUR_SIZE_MAX, DEFAULT_BLUR, blurParamErrors, type BlurParams } from './options';

export const blurStage: FrameStage<'blur', BlurParams> = frameStage('blur', 'blur', {
  defaults: () => ({ ...DEFAULT_BLUR }),
  read: (b, d, ctx) => ({
    kind: oneOf(b, 'kind', 'blur', BLUR_KINDS, d.kind, ctx),
    sigmaX: num(b, 'sigmaX', 'blur', { min: BLUR_LIMITS.sigmaX[0], max: BLUR_LIMITS.sigmaX[1] }, d.sigmaX, ctx),
    sigmaY: num(b, 'sigmaY', 'blur', { min: BLUR_LIMITS.sigmaY[0], max: BLUR_LIMITS.sigmaY[1] }, d.sigmaY, ctx),
    theta: num(b, 'theta', 'blur', { min: BLUR_LIMITS.theta[0], max: BLUR_LIMITS.theta[1] }, d.theta, ctx),
    beta: num(b, 'beta', 'blur', { min: BLUR_LIMITS.beta[0], max: BLUR_LIMITS.beta[1] }, d.beta, ctx),
    size: num(b, 'size', 'blur', { min: 1, max: BLUR_SIZE_MAX, integer: true, odd: true }, d.size, ctx),
  }),
  errors: blurParamErrors,
}, {
  // 'none' is the identity kernel: the frame passes through.
  skip: (p) => p.blur.kind === 'none',
  key: (p) => JSON.stringify(p.blur),
  // blurCpu's bits, four pixels per wasm SIMD instruction where available (blur-simd.ts).
  cpu: (img, p) => blurFast(img, blurKernel(p.blur), p.blur.size),
  async gpu({ device }) {
    const { createBlur } = await import('./blur-gpu');
    const blur = createBlur(device);
    return { run: (x, p) => ownedFrame(blur.run(x.buf, x.w, x.h, blurKernel(p.blur)), x.w, x.h) };
  },
});
