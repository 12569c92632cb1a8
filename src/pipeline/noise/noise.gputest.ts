/**
 * shaders/rng.wgsl + noise.wgsl against core/rng.ts + noiseCpu.
 *  - raw u32 streams: bit-for-bit;
 *  - normals: |Δ| ≤ 2e-6 (sqrt and FMA contraction are the only sources of difference);
 *  - Poisson counts: identical except off-by-one at a CDF boundary, rate ≤ 1e-4;
 *  - noise on real frames: Gaussian |Δ| ≤ 1e-6; uint8-quantised outputs identical except at
 *    rounding boundaries, rate ≤ 1e-4 (measured rates are in the details).
 */
import rngCode from '../../../shaders/rng.wgsl?raw';
import { compareF32, type GpuTest, type GpuTestResult } from '../../gpu/gputest';
import { computePipeline, dispatch, readF32, readU32, storageBuffer, uniformBuffer, uploadBuffer } from '../../gpu/webgpu';
import { createImage, type ImageF32 } from '../../core/image';
import { quantize01 } from '../../core/pixels';
import { drawU32, frameKey, normalF32, pixelKey, poissonF32 } from '../../core/rng';
import { noiseCpu } from './noise-cpu';
import { createNoise } from './noise-gpu';
import type { NoiseParams } from './options';

const FRAME = '/e2e/fixtures/frame-96x64.png';
const NORMAL_TOL = 2e-6;
const GAUSS_TOL = 1e-6;
const MAX_RATE = 1e-4;

// Test-only entry points over the shared generator (compiled as rng.wgsl + this).
const DUMP_WGSL = /* wgsl */ `
struct Dump { seed: u32, frame: u32, count: u32, pixel0: u32 };
@group(0) @binding(0) var<uniform> D: Dump;
@group(0) @binding(1) var<storage, read> lambdas: array<f32>;
@group(0) @binding(2) var<storage, read_write> dumped: array<u32>;

fn flat_index(gid: vec3<u32>) -> u32 { return gid.y * 65535u * 64u + gid.x; }

// out[i] = draw (i % 2) of channel (i / 2) % 3 of pixel pixel0 + i / 6
@compute @workgroup_size(64) fn dump_u32(@builtin(global_invocation_id) gid: vec3<u32>) {
  _ = arrayLength(&lambdas);
  let i = flat_index(gid);
  if (i >= D.count) { return; }
  let pk = rng_pixel_key(rng_frame_key(D.seed, D.frame), D.pixel0 + i / 6u);
  dumped[i] = rng_draw(pk, (i / 2u) % 3u, i % 2u);
}
// out[i] = bits of the normal of channel i % 3 of pixel pixel0 + i / 3
@compute @workgroup_size(64) fn dump_normal(@builtin(global_invocation_id) gid: vec3<u32>) {
  _ = arrayLength(&lambdas);
  let i = flat_index(gid);
  if (i >= D.count) { return; }
  let pk = rng_pixel_key(rng_frame_key(D.seed, D.frame), D.pixel0 + i / 3u);
  dumped[i] = bitcast<u32>(rng_normal(pk, i % 3u, 0u));
}
// Same normal through WGSL's builtin log/cos (not used by the kernels: reported to show why).
@compute @workgroup_size(64) fn dump_normal_builtin(@builtin(global_invocation_id) gid: vec3<u32>) {
  _ = arrayLength(&lambdas);
  let i = flat_index(gid);
  if (i >= D.count) { return; }
  let pk = rng_pixel_key(rng_frame_key(D.seed, D.frame), D.pixel0 + i / 3u);
  let a = rng_draw(pk, i % 3u, 0u);
  let b = rng_draw(pk, i % 3u, 1u);
  let u1 = f32(((a >> 9u) << 1u) | 1u) * (1.0 / 16777216.0);
  let u2 = f32(b >> 8u) * (1.0 / 16777216.0);
  dumped[i] = bitcast<u32>(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
}
// out[i] = Poisson(lambdas[i]) for channel 1 of pixel pixel0 + i
@compute @workgroup_size(64) fn dump_poisson(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = flat_index(gid);
  if (i >= D.count) { return; }
  let pk = rng_pixel_key(rng_frame_key(D.seed, D.frame), D.pixel0 + i);
  dumped[i] = u32(rng_poisson(pk, 1u, lambdas[i]));
}
`;

async function dump(device: GPUDevice, entry: string, seed: number, frame: number, count: number, pixel0: number, lambdas?: Float32Array): Promise<Uint32Array> {
  const pipeline = computePipeline(device, `${rngCode}\n${DUMP_WGSL}`, entry, `rng.${entry}`);
  const params = uniformBuffer(device, new Uint32Array([seed >>> 0, frame >>> 0, count, pixel0 >>> 0]));
  const lam = uploadBuffer(device, lambdas ?? new Float32Array(4));
  const out = storageBuffer(device, count * 4);
  const enc = device.createCommandEncoder();
  dispatch(device, enc, pipeline, [params, lam, out], [Math.ceil(count / 64)]);
  device.queue.submit([enc.finish()]);
  const got = await readU32(device, out, count);
  [params, lam, out].forEach((b) => b.destroy());
  return got;
}

function tile(img: ImageF32, nx: number, ny: number): ImageF32 {
  const W = img.width * nx, H = img.height * ny;
  const out = createImage(W, H, 3);
  for (let c = 0; c < 3; c++)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        // mirror alternate tiles so the frame stays continuous
        const sx = Math.floor(x / img.width) % 2 ? img.width - 1 - (x % img.width) : x % img.width;
        const sy = Math.floor(y / img.height) % 2 ? img.height - 1 - (y % img.height) : y % img.height;
        out.data[(c * H + y) * W + x] = img.data[(c * img.height + sy) * img.width + sx];
      }
  return out;
}

interface Agreement {
  maxAbs: number;
  /** samples whose floats differ by more than `tol` */
  floatOff: number;
  /** samples whose uint8 quantisation differs */
  u8Off: number;
  n: number;
}

function agreement(got: Float32Array, want: Float32Array, tol: number): Agreement {
  let maxAbs = 0, floatOff = 0, u8Off = 0;
  for (let i = 0; i < got.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    if (!(d <= maxAbs)) maxAbs = Number.isNaN(d) ? Infinity : d;
    if (!(d <= tol)) floatOff++;
    if (quantize01(got[i]) !== quantize01(want[i])) u8Off++;
  }
  return { maxAbs, floatOff, u8Off, n: got.length };
}

const fmt = (a: Agreement) =>
  `max|Δ| ${a.maxAbs.toExponential(2)}, floats off ${a.floatOff}/${a.n}, uint8 off ${a.u8Off}/${a.n} (rate ${(a.u8Off / a.n).toExponential(1)})`;

async function gpuNoise(device: GPUDevice, img: ImageF32, p: NoiseParams, seed: number, frame: number): Promise<Float32Array> {
  const input = uploadBuffer(device, img.data);
  const out = createNoise(device).run(input, img.width, img.height, p, seed, frame);
  const got = await readF32(device, out, img.data.length);
  input.destroy();
  out.destroy();
  return got;
}

export const gpuTests: GpuTest[] = [
  {
    name: 'rng.wgsl: raw u32 streams identical bit for bit to core/rng.ts',
    async run({ device }) {
      const cases = [
        { seed: 0, frame: 0, pixel0: 0 },
        { seed: 42, frame: 7, pixel0: 1_000_000 },
        { seed: 0xdeadbeef, frame: 123456, pixel0: 0xfff00000 },
      ];
      const count = 6 * 8192;
      const lines: string[] = [];
      let ok = true;
      for (const c of cases) {
        const got = await dump(device, 'dump_u32', c.seed, c.frame, count, c.pixel0);
        const fk = frameKey(c.seed, c.frame);
        let diff = 0;
        for (let i = 0; i < count; i++) if (got[i] !== drawU32(pixelKey(fk, (c.pixel0 + Math.floor(i / 6)) >>> 0), Math.floor(i / 2) % 3, i % 2)) diff++;
        ok &&= diff === 0;
        lines.push(`seed ${c.seed} frame ${c.frame} pixels ${c.pixel0}+: ${diff}/${count} u32 differ`);
      }
      return { pass: ok, detail: lines.join('; ') };
    },
  },
  {
    name: 'rng.wgsl: normals within 2e-6 of the TS ones; Poisson counts identical except rare CDF-boundary ties (≤ 1e-4)',
    async run({ device }) {
      const count = 3 * 65536;
      const bits = await dump(device, 'dump_normal', 2024, 3, count, 0);
      const got = new Float32Array(bits.buffer);
      const want = new Float32Array(count);
      const fk = frameKey(2024, 3);
      let exact = 0;
      for (let i = 0; i < count; i++) {
        want[i] = normalF32(pixelKey(fk, Math.floor(i / 3)), i % 3);
        if (got[i] === want[i]) exact++;
      }
      const normals = compareF32('normals', got, want, NORMAL_TOL);
      // For the record: the builtin-transcendental variant against an f64 Box–Muller of the same draws.
      const builtin = new Float32Array((await dump(device, 'dump_normal_builtin', 2024, 3, count, 0)).buffer);
      let builtinErr = 0, oursErr = 0;
      for (let i = 0; i < count; i++) {
        const pk = pixelKey(fk, Math.floor(i / 3));
        const a = drawU32(pk, i % 3, 0), b = drawU32(pk, i % 3, 1);
        const exact = Math.sqrt(-2 * Math.log(((a >>> 9) * 2 + 1) / 2 ** 24)) * Math.cos((2 * Math.PI * (b >>> 8)) / 2 ** 24);
        builtinErr = Math.max(builtinErr, Math.abs(builtin[i] - exact));
        oursErr = Math.max(oursErr, Math.abs(got[i] - exact));
      }
      // λ spans both branches densely: 0…20 fine (exact branch and its edge), then up to 256.
      const n = 65536;
      const lambdas = new Float32Array(n);
      for (let i = 0; i < n; i++) lambdas[i] = i < 32768 ? (i / 32768) * 20 : 20 + ((i - 32768) / 32768) * 236;
      const counts = await dump(device, 'dump_poisson', 77, 1, n, 5000, lambdas);
      const fk2 = frameKey(77, 1);
      let off = 0, offBig = 0;
      for (let i = 0; i < n; i++) {
        const w = poissonF32(pixelKey(fk2, 5000 + i), 1, lambdas[i]);
        if (counts[i] !== w) {
          off++;
          if (Math.abs(counts[i] - w) > 1) offBig++;
        }
      }
      const pass = normals.pass && off / n <= MAX_RATE && offBig === 0;
      return {
        pass,
        detail:
          `${normals.detail}; bit-identical ${exact}/${count}; Poisson counts differing ${off}/${n} (by more than 1: ${offBig}); ` +
          `vs f64 Box–Muller: polynomial max|Δ| ${oursErr.toExponential(2)}, WGSL builtin log/cos max|Δ| ${builtinErr.toExponential(2)}`,
      };
    },
  },
  {
    name: 'noise.wgsl vs noiseCpu on a real frame: Gaussian colour/gray, Poisson colour/gray',
    async run({ device, loadImage }) {
      const img = await loadImage(FRAME);
      const cases: [NoiseParams, number, number][] = [
        [{ kind: 'gaussian', sigma: 10, gray: false, scale: 1 }, 1, 0],
        [{ kind: 'gaussian', sigma: 50, gray: true, scale: 1 }, 2, 5],
        [{ kind: 'poisson', sigma: 0, gray: false, scale: 1 }, 3, 0],
        [{ kind: 'poisson', sigma: 0, gray: true, scale: 3 }, 4, 9],
        [{ kind: 'none', sigma: 10, gray: false, scale: 1 }, 5, 0],
      ];
      const results: GpuTestResult[] = [];
      for (const [p, seed, frame] of cases) {
        const got = await gpuNoise(device, img, p, seed, frame);
        const want = noiseCpu(img, p, seed, frame).data;
        const a = agreement(got, want, GAUSS_TOL);
        // Gaussian: every float within tolerance. Poisson: a tie at a CDF boundary moves one count (Δ = scale/256), allowed at the rate bound.
        const pass = (p.kind === 'poisson' ? a.floatOff / a.n <= MAX_RATE : a.floatOff === 0) && a.u8Off / a.n <= MAX_RATE;
        results.push({ pass, detail: `${p.kind}${p.gray ? ' gray' : ''} σ ${p.sigma} scale ${p.scale}: ${fmt(a)}` });
      }
      return { pass: results.every((r) => r.pass), detail: results.map((r) => r.detail).join('\n') };
    },
  },
  {
    name: 'noise.wgsl vs noiseCpu: uint8 mismatch rate on 384×256 of real frames (Gaussian σ 10 colour, Poisson)',
    async run({ device, loadImage }) {
      const img = tile(await loadImage(FRAME), 4, 4);
      const lines: string[] = [];
      let pass = true;
      for (const [p, seed] of [
        [{ kind: 'gaussian', sigma: 10, gray: false, scale: 1 }, 31],
        [{ kind: 'poisson', sigma: 0, gray: false, scale: 1 }, 32],
      ] as [NoiseParams, number][]) {
        const a = agreement(await gpuNoise(device, img, p, seed, 0), noiseCpu(img, p, seed, 0).data, GAUSS_TOL);
        pass &&= a.u8Off / a.n <= MAX_RATE && (p.kind === 'poisson' || a.floatOff === 0);
        lines.push(`${p.kind}: ${fmt(a)}`);
      }
      return { pass, detail: lines.join('\n') };
    },
  },
];
