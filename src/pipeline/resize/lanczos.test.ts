import { describe, expect, it } from 'vitest';
import { createImage, maxAbsDiff, type ImageF32 } from '../../core/image';
import { checkResize, isResizeMethod } from './options';
import { resizeCpu } from './resize-cpu';
import { axisTaps, lanczos } from './taps';
import { tapRowReport } from './taps-testing';

/** One-channel image x[y][x] = ((5y + 3x) mod 11)/10, as float32. */
function modImage(w: number, h: number): ImageF32 {
  const img = createImage(w, h, 1);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) img.data[y * w + x] = Math.fround(((5 * y + 3 * x) % 11) / 10);
  return img;
}

function maxDiff(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  let m = 0;
  for (let i = 0; i < want.length; i++) m = Math.max(m, Math.abs(got[i] - want[i]));
  return m;
}

// Pillow 9.4.0 (Debian python3-pil) on the same images in mode 'F', printed with '%.8g':
//   Image.fromarray(x, mode='F').resize((outW, outH), Image.LANCZOS)
// PIL sums in float64 over float64 weights and stores float32 between its two passes, as
// resize-cpu.ts does; the weights here are float32: differences of a few ulps.
const PIL_LANCZOS: [number, number, number, number, number[]][] = [
  [6, 5, 4, 3, [0.32236245, 0.42321488, 0.497462, 0.48452666, 0.67730123, 0.50830108, 0.38490164, 0.45396426, 0.53778768, 0.52689946, 0.65819842, 0.56525445]],
  [9, 7, 4, 3, [0.43282947, 0.43770003, 0.48394632, 0.5638504, 0.60176516, 0.5308246, 0.4691754, 0.39823484, 0.43614957, 0.51605368, 0.56230003, 0.56717056]],
  [3, 2, 12, 8, [
    -0.14721656, -0.1279978, -0.11012594, -0.082551874, -0.022405326, 0.097331822, 0.27325353, 0.45600396, 0.60161459, 0.70418596, 0.77644289, 0.83082712,
    -0.083105259, -0.060065627, -0.034124229, 0.0040438636, 0.071026661, 0.18206076, 0.32591259, 0.46222365, 0.56348926, 0.63174152, 0.67949879, 0.71664453,
    0.0093315439, 0.037880193, 0.075456388, 0.12889914, 0.20573856, 0.30422446, 0.40183735, 0.47119129, 0.50851941, 0.52728981, 0.53972298, 0.55201405,
    0.12315308, 0.15848523, 0.21038787, 0.282639, 0.37161529, 0.45465007, 0.49532688, 0.48223355, 0.44083261, 0.39867383, 0.36761087, 0.34929726,
    0.24501589, 0.28761077, 0.35485199, 0.44724023, 0.54921091, 0.61570293, 0.59542125, 0.49405596, 0.36836386, 0.2609714, 0.18333937, 0.13225891,
    0.35883743, 0.40821579, 0.48978347, 0.6009801, 0.71508765, 0.76612854, 0.68891078, 0.50509822, 0.30067706, 0.13235539, 0.011227248, -0.070457906,
    0.45127422, 0.50616163, 0.5993641, 0.72583532, 0.84979951, 0.88829225, 0.76483554, 0.51406586, 0.24570723, 0.027903719, -0.12854853, -0.23508838,
    0.51538551, 0.57409382, 0.67536581, 0.8124311, 0.94323152, 0.97302121, 0.81749457, 0.52028555, 0.20758186, -0.044540718, -0.22549266, -0.34927097,
  ]],
];

describe('Lanczos-3 resampler (the output-size filter)', () => {
  it('kernel values by hand', () => {
    expect(lanczos(0, 3)).toBe(1);
    for (const x of [1, 2, -1, -2]) expect(Math.abs(lanczos(x, 3))).toBeLessThan(1e-16); // zeros of sinc(x)
    expect(lanczos(3, 3)).toBe(0);
    expect(lanczos(-3.5, 3)).toBe(0);
    // sinc(1/2)·sinc(1/6) = (2/π)·(3/π) = 6/π²
    expect(lanczos(0.5, 3)).toBeCloseTo(6 / Math.PI ** 2, 15);
    // sinc(3/2)·sinc(1/2) = (−2/(3π))·(2/π) = −4/(3π²)
    expect(lanczos(1.5, 3)).toBeCloseTo(-4 / (3 * Math.PI ** 2), 15);
  });

  for (const [w, h, ow, oh, want] of PIL_LANCZOS) {
    it(`matches Pillow's Image.LANCZOS ${w}×${h} → ${ow}×${oh}`, () => {
      expect(maxDiff(resizeCpu(modImage(w, h), ow, oh, 'lanczos3').data, want)).toBeLessThanOrEqual(1e-6);
    });
  }

  it('is a filter of the resampler, not a Down stage method', () => {
    expect(() => checkResize(4, 4, 2, 2, 'lanczos3')).not.toThrow();
    expect(isResizeMethod('lanczos3')).toBe(false);
  });

  it('widens with the shrink factor (antialias), 6 taps up', () => {
    expect(axisTaps(1920, 480, 'lanczos3').taps).toBe(24); // support 3·4 on each side
    expect(axisTaps(960, 480, 'lanczos3').taps).toBe(12);
    expect(axisTaps(270, 1080, 'lanczos3').taps).toBeLessThanOrEqual(6);
  });

  it('a constant stays constant for every output size the app makes (down, up, non-integer)', () => {
    const sizes: [number, number, number, number][] = [
      [384, 216, 192, 108], // net ×4 of 96×54 → ×2
      [384, 216, 288, 162], // → ×3
      [256, 256, 720, 720], // ×4 → fit 720p: past ×4, an enlargement
      [164, 164, 162, 162], // pre-shrink rounding fix
      [384, 216, 96, 54], // enhance's ×1/4
      [37, 29, 13, 11],
      [5, 3, 17, 9],
      [7, 1, 3, 1],
    ];
    for (const [w, h, ow, oh] of sizes) {
      const img = createImage(w, h, 3);
      for (let c = 0; c < 3; c++) img.data.fill(0.2 + 0.3 * c, c * w * h, (c + 1) * w * h);
      const out = resizeCpu(img, ow, oh, 'lanczos3');
      const want = new Float32Array(out.data.length);
      for (let c = 0; c < 3; c++) want.fill(0.2 + 0.3 * c, c * ow * oh, (c + 1) * ow * oh);
      expect(maxAbsDiff(out.data, want), `${w}×${h} → ${ow}×${oh}`).toBeLessThanOrEqual(1e-6);
    }
  });

  it('×1 is the identity (every tap but the centre one sits on a zero of sinc)', () => {
    const img = modImage(13, 9);
    expect(maxAbsDiff(resizeCpu(img, 13, 9, 'lanczos3').data, img.data)).toBeLessThanOrEqual(1e-7);
  });

  it('every weight row sums to 1 and indexes inside the image', () => {
    for (const [inSize, outSize] of [[1920, 480], [1536, 768], [384, 288], [97, 49], [5, 17], [270, 1080], [1, 3], [3, 1]]) {
      const r = tapRowReport(axisTaps(inSize, outSize, 'lanczos3'));
      expect(r.worstSumError, `${inSize}→${outSize}`).toBeLessThanOrEqual(1e-6);
      expect(r.maxIndex).toBeLessThan(inSize);
    }
  });

  it('shrinking a pattern above the new Nyquist limit leaves (almost) only its mean: the antialias works', () => {
    // A 1-px checkerboard shrunk ×1/4: a point sampler (or a filter not widened) would alias it into
    // a strong pattern; the widened Lanczos leaves ~ the mean 0.5 away from the borders.
    const w = 64;
    const img = createImage(w, w, 1);
    for (let y = 0; y < w; y++) for (let x = 0; x < w; x++) img.data[y * w + x] = (x + y) % 2;
    const out = resizeCpu(img, 16, 16, 'lanczos3');
    let worst = 0;
    for (let y = 3; y < 13; y++) for (let x = 3; x < 13; x++) worst = Math.max(worst, Math.abs(out.data[y * 16 + x] - 0.5));
    expect(worst).toBeLessThan(0.01);
  });
});
