/**
 * Blur kernels (see options.ts for the formulas) and small helpers around them. Computed in
 * double precision, normalised to sum 1 in double, stored as f32 — the CPU reference and
 * the WGSL kernel read the very same Float32Array, so kernel rounding never separates them.
 */
import { BLUR_SIZE_MAX, type BlurParams } from './options';

/** The size×size kernel for `p`, row-major (row = y, column = x), summing to 1 (up to f32 rounding). */
export function blurKernel(p: BlurParams): Float32Array {
  const size = p.size;
  if (!Number.isInteger(size) || size < 1 || size % 2 !== 1 || size > BLUR_SIZE_MAX) {
    throw new RangeError(`blur kernel size must be odd and ≤ ${BLUR_SIZE_MAX} (got ${size})`);
  }
  const r = (size - 1) / 2;
  const out = new Float32Array(size * size);
  if (p.kind === 'none') {
    out[r * size + r] = 1;
    return out;
  }
  const sx = p.sigmaX;
  const sy = p.kind === 'iso' ? p.sigmaX : p.sigmaY;
  const theta = p.kind === 'iso' ? 0 : p.theta;
  if (!(sx > 0) || !(sy > 0)) throw new RangeError(`blur σ must be > 0 (got σx ${sx}, σy ${sy})`);
  if ((p.kind === 'generalized' || p.kind === 'plateau') && !(p.beta > 0)) throw new RangeError(`blur β must be > 0 (got ${p.beta})`);
  // Σ⁻¹ = R·diag(1/σx², 1/σy²)·Rᵀ in closed form (Real-ESRGAN inverts R·diag(σx², σy²)·Rᵀ numerically; same matrix).
  const c = Math.cos(theta);
  const s = Math.sin(theta);
  const dx = 1 / (sx * sx);
  const dy = 1 / (sy * sy);
  const a = c * c * dx + s * s * dy;
  const b = c * s * (dx - dy);
  const d = s * s * dx + c * c * dy;
  const w = new Float64Array(size * size);
  let sum = 0;
  for (let i = 0; i < size; i++) {
    const y = i - r;
    for (let j = 0; j < size; j++) {
      const x = j - r;
      const q = a * x * x + 2 * b * x * y + d * y * y;
      let v: number;
      switch (p.kind) {
        case 'iso':
        case 'aniso':
          v = Math.exp(-0.5 * q);
          break;
        case 'generalized':
          v = Math.exp(-0.5 * Math.pow(q, p.beta));
          break;
        case 'plateau':
          v = 1 / (Math.pow(q, p.beta) + 1);
          break;
        default:
          throw new RangeError(`unknown blur kind ${String((p as { kind: unknown }).kind)}`);
      }
      w[i * size + j] = v;
      sum += v;
    }
  }
  for (let i = 0; i < w.length; i++) {
    const tap = w[i] / sum;
    out[i] = tap < BLUR_TAP_FLOOR ? 0 : tap;
  }
  return out;
}

/**
 * Taps below 2⁻¹⁰⁰ are stored as 0. Why: a Gaussian's outer taps fall into (or near) the f32
 * subnormal range for σ ≈ 0.4–1.1 (e^(−d²/2σ²) at d ≈ 8 for σ 0.6), and arithmetic on subnormals
 * takes a slow microcode path on x86 — the blur at σ 0.8 ran 75× slower than at σ 1.5 (996 vs 13 ms
 * at 480×272, wasm SIMD). Products k·in then stay normal for every input ≥ 2⁻²⁶. What is dropped
 * is < 441 · 2⁻¹⁰⁰ ≈ 3.5e-28 of the kernel's mass: below half an ulp of any output ≥ 2⁻⁵ and
 * invisible after any 8-bit rounding. GPUs may flush subnormals anyway (WGSL allows it), so this
 * also keeps the CPU reference and the WGSL kernel on the same taps.
 */
export const BLUR_TAP_FLOOR = 2 ** -100;

/** Side of a square kernel stored in `kernel` (throws unless it is an odd square ≤ 21×21). */
export function kernelSide(kernel: Float32Array): number {
  const size = Math.round(Math.sqrt(kernel.length));
  if (size * size !== kernel.length || size % 2 !== 1 || size > BLUR_SIZE_MAX) {
    throw new RangeError(`kernel of ${kernel.length} taps is not an odd square ≤ ${BLUR_SIZE_MAX}²`);
  }
  return size;
}

/**
 * Radius of the smallest centred square holding every non-zero tap. Taps outside it are
 * exactly 0 (e.g. a σ 0.2 Gaussian underflows to 0 in f32 beyond radius 2: 5×5 of 21×21), so both the CPU and
 * the GPU convolution skip them without changing a single output bit.
 */
export function kernelSupport(kernel: Float32Array, size = kernelSide(kernel)): number {
  const r = (size - 1) / 2;
  let support = 0;
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) {
      if (kernel[i * size + j] !== 0) support = Math.max(support, Math.abs(i - r), Math.abs(j - r));
    }
  }
  return support;
}

/**
 * The kernel as a small RGBA image for the UI (size×size pixels, one per tap): grey level
 * linear in the tap value, the largest tap white. Scale it up with `image-rendering: pixelated`.
 */
export function renderKernelRgba(kernel: Float32Array, size = kernelSide(kernel)): Uint8ClampedArray<ArrayBuffer> {
  if (kernel.length !== size * size) throw new RangeError(`kernel has ${kernel.length} taps, not ${size}²`);
  let max = 0;
  for (let i = 0; i < kernel.length; i++) max = Math.max(max, kernel[i]);
  const out = new Uint8ClampedArray(new ArrayBuffer(size * size * 4));
  for (let i = 0; i < kernel.length; i++) {
    const g = max > 0 ? Math.round((Math.max(kernel[i], 0) / max) * 255) : 0;
    out[i * 4] = g;
    out[i * 4 + 1] = g;
    out[i * 4 + 2] = g;
    out[i * 4 + 3] = 255;
  }
  return out;
}
