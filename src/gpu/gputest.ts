/**
 * Contract for GPU-vs-CPU-reference tests. Each feature adds a `*.gputest.ts`
 * next to its kernel, exporting `gpuTests: GpuTest[]`. The browser harness
 * (e2e/gpu) imports them all inside a module worker — where the app's engine
 * runs — on ORT's own GPUDevice, and Playwright asserts every result passed.
 */
import type * as ortTypes from 'onnxruntime-web';
import { maxAbsDiff } from '../core/image';

export interface GpuTestContext {
  device: GPUDevice;
  ort: typeof ortTypes;
  /** Fetch a repo file served by the dev server, e.g. '/public/samples/frame0.png'. */
  fetchBytes: (path: string) => Promise<Uint8Array>;
  /** Decode a served PNG/JPEG (e.g. '/e2e/fixtures/frame-64x64.png') to a planar float image. */
  loadImage: (path: string) => Promise<import('../core/image').ImageF32>;
  log: (msg: string) => void;
}

export interface GpuTestResult {
  pass: boolean;
  /** What was compared, with the observed error and the tolerance, e.g. "max|Δ| 2.1e-7 ≤ 1e-5". */
  detail: string;
}

export interface GpuTest {
  name: string;
  run(ctx: GpuTestContext): Promise<GpuTestResult>;
}

/** Helper: compare two float arrays against an absolute tolerance. */
export function compareF32(label: string, got: Float32Array, want: Float32Array, tol: number): GpuTestResult {
  if (got.length !== want.length) return { pass: false, detail: `${label}: length ${got.length} ≠ ${want.length}` };
  let max = 0;
  let at = -1;
  for (let i = 0; i < got.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    if (!(d <= max)) {
      max = Number.isNaN(d) ? Infinity : d;
      at = i;
    }
  }
  return { pass: max <= tol, detail: `${label}: max|Δ| ${max.toExponential(2)} (at ${at}) tolerance ${tol.toExponential(1)} over ${got.length} values` };
}

/** Helper: one result from several comparisons (passes only if there is at least one and every one passed). */
export function allPass(parts: GpuTestResult[]): GpuTestResult {
  return { pass: parts.length > 0 && parts.every((p) => p.pass), detail: parts.map((p) => p.detail).join('; ') };
}

/**
 * Helper: the largest |a − b| over two runs' frames (RGBA levels for RgbaFrame outputs); Infinity when
 * the frame counts or sizes differ, so a bound on it fails rather than the comparison throwing (the
 * tests check and report the sizes themselves).
 */
export function maxFramesDiff(a: readonly { data: ArrayLike<number> }[], b: readonly { data: ArrayLike<number> }[]): number {
  if (a.length !== b.length || a.some((f, i) => f.data.length !== b[i].data.length)) return Infinity;
  return a.reduce((m, f, i) => Math.max(m, maxAbsDiff(f.data, b[i].data)), 0);
}
