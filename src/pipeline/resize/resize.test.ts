import { describe, expect, it } from 'vitest';
import { createImage, maxAbsDiff, type ImageF32 } from '../../core/image';
import { RESIZE_METHODS, checkResize, downscaledSize, upscaledSize, type ResizeMethod, type ResizeOptions } from './options';
import { resizeCpu } from './resize-cpu';
import { axisTaps, keysCubic, packTaps } from './taps';
import { tapRowReport } from './taps-testing';

/** One-channel image from rows of numbers. */
function gray(rows: number[][]): ImageF32 {
  const h = rows.length;
  const w = rows[0].length;
  const img = createImage(w, h, 1);
  rows.forEach((r, y) => r.forEach((v, x) => (img.data[y * w + x] = v)));
  return img;
}

/** Deterministic pseudo-random RGB image (LCG), values in [0, 1). */
function noiseImage(w: number, h: number, seed = 1): ImageF32 {
  const img = createImage(w, h, 3);
  let s = seed >>> 0;
  for (let i = 0; i < img.data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    img.data[i] = s / 2 ** 32;
  }
  return img;
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number): void {
  expect(got.length).toBe(want.length);
  let max = 0;
  for (let i = 0; i < want.length; i++) max = Math.max(max, Math.abs(got[i] - want[i]));
  expect(max).toBeLessThanOrEqual(tol);
}

// Float32 storage of sums of ≤ 20 terms in [0, 1]: a few ulps of 1.
const F32_TOL = 1e-6;

describe('output size rule', () => {
  it('is round(size / factor), halves up, at least 1', () => {
    expect(downscaledSize(1920, 4)).toBe(480);
    expect(downscaledSize(1080, 4)).toBe(270);
    expect(downscaledSize(96, 1.5)).toBe(64);
    expect(downscaledSize(97, 2)).toBe(49); // 48.5 rounds up
    expect(downscaledSize(64, 3)).toBe(21); // 21.33
    expect(downscaledSize(3, 4)).toBe(1); // 0.75 → 1
    expect(downscaledSize(1, 4)).toBe(1);
    expect(upscaledSize(270, 4)).toBe(1080);
    expect(() => downscaledSize(10, 0)).toThrow(RangeError);
    expect(() => downscaledSize(10, NaN)).toThrow(RangeError);
    expect(() => downscaledSize(0, 2)).toThrow(RangeError);
  });

  it('refuses bad requests with a message', () => {
    expect(() => checkResize(4, 4, 0, 2, 'area')).toThrow(/output width/);
    expect(() => checkResize(4, 4, 2, 2, 'lanczos')).toThrow(/unknown method/);
    expect(() => resizeCpu(createImage(4, 4), 2.5, 2, 'area')).toThrow(RangeError);
  });
});

describe('area', () => {
  // 4×4 ramp v = 4y + x: each 2×2 block mean is its centre value (4y + x at the block centre).
  const ramp = gray([0, 1, 2, 3].map((y) => [0, 1, 2, 3].map((x) => 4 * y + x)));

  it('2× of a 4×4 ramp gives the block means', () => {
    for (const areaMode of ['coverage', 'torch'] as const) {
      const out = resizeCpu(ramp, 2, 2, 'area', { areaMode });
      expectClose(out.data, [2.5, 4.5, 10.5, 12.5], 0); // small integers and /4: exact
    }
  });

  it('4× of the ramp is the mean of all 16 values', () => {
    expectClose(resizeCpu(ramp, 1, 1, 'area').data, [7.5], 1e-5);
  });

  it('non-integer 1.5×: coverage weights partly covered pixels; torch mode counts them fully', () => {
    // Input [0, 0.3, 0.9] → 2 samples, footprints [0, 1.5) and [1.5, 3).
    const row = gray([[0, 0.3, 0.9]]);
    // Coverage: (0 + 0.5·0.3) / 1.5 = 0.1, (0.5·0.3 + 0.9) / 1.5 = 0.7.
    expectClose(resizeCpu(row, 2, 1, 'area').data, [0.1, 0.7], F32_TOL);
    // PyTorch adaptive pooling: mean(0, 0.3) = 0.15, mean(0.3, 0.9) = 0.6.
    expectClose(resizeCpu(row, 2, 1, 'area', { areaMode: 'torch' }).data, [0.15, 0.6], F32_TOL);
  });

  it('coverage weights are exact fractions that sum to 1', () => {
    const t = axisTaps(5, 2, 'area'); // s = 2.5: [0, 2.5) and [2.5, 5)
    expect(t.taps).toBe(3);
    expect(Array.from(t.index)).toEqual([0, 1, 2, 2, 3, 4]);
    expectClose(t.weight, [0.4, 0.4, 0.2, 0.2, 0.4, 0.4], 1e-7);
  });
});

describe('bilinear (PyTorch align_corners=False)', () => {
  it('2× down samples halfway between pixel pairs', () => {
    // src = 2(i + 0.5) − 0.5 = 0.5, 2.5 → (0 + 0.2)/2, (0.6 + 1)/2
    expectClose(resizeCpu(gray([[0, 0.2, 0.6, 1]]), 2, 1, 'bilinear').data, [0.1, 0.8], F32_TOL);
  });

  it('2× up clamps the source at 0 and replicates the last pixel', () => {
    // src = (i + 0.5)/2 − 0.5 = −0.25→0, 0.25, 0.75, 1.25 (last pixel only)
    expectClose(resizeCpu(gray([[0, 1]]), 4, 1, 'bilinear').data, [0, 0.25, 0.75, 1], F32_TOL);
  });
});

describe('bicubic (Keys a = −0.75, PyTorch/OpenCV)', () => {
  it('kernel values by hand', () => {
    expect(keysCubic(0, -0.75)).toBe(1);
    expect(keysCubic(1, -0.75)).toBe(0);
    expect(keysCubic(2, -0.75)).toBe(0);
    expect(keysCubic(0.25, -0.75)).toBe(0.87890625); // ((1.25·0.25 − 2.25)·0.0625 + 1)
    expect(keysCubic(0.75, -0.75)).toBe(0.26171875);
    expect(keysCubic(1.25, -0.75)).toBe(-0.10546875);
    expect(keysCubic(1.75, -0.75)).toBe(-0.03515625);
  });

  it('2× up of an impulse is the sampled kernel', () => {
    // Output j samples src = j/2 − 0.25; the impulse at 2 contributes W(|src − 2|).
    const want = [0, -0.03515625, -0.10546875, 0.26171875, 0.87890625, 0.87890625, 0.26171875, -0.10546875, -0.03515625, 0];
    expectClose(resizeCpu(gray([[0, 0, 1, 0, 0]]), 10, 1, 'bicubic').data, want, F32_TOL);
  });

  it('replicates the border: taps left of pixel 0 read pixel 0', () => {
    // Output 0: src = −0.25, taps −2, −1, 0, 1 → pixel 0 gets W(1.75) + W(0.75) + W(0.25) = 1 − W(1.25).
    const out = resizeCpu(gray([[1, 0, 0, 0, 0]]), 10, 1, 'bicubic');
    expect(out.data[0]).toBeCloseTo(1.10546875, 6);
    expect(out.data[1]).toBeCloseTo(0.7734375, 6); // src 0.25: W(1.25) + W(0.25)
  });
});

// PyTorch 1.13 on x[y][x] = ((5y + 3x) mod 11)/10 (one channel), printed with '%.8g':
//   F.interpolate(x, size=(3, 4), mode=m, align_corners=False, antialias=aa)   (area: mode='area')
//   F.interpolate(x, size=(8, 12), mode='bicubic', align_corners=False)
const TORCH_6x5_TO_4x3: [ResizeMethod, ResizeOptions, number[]][] = [
  ['area', { areaMode: 'torch' }, [0.40000001, 0.42500001, 0.47499999, 0.5, 0.60000002, 0.53333336, 0.40000001, 0.51666665, 0.52499998, 0.55000001, 0.60000002, 0.625]],
  ['bilinear', {}, [0.24166666, 0.41666669, 0.59166664, 0.49166664, 0.79999995, 0.42499998, 0.59999996, 0.22500004, 0.625, 0.52500004, 0.60833329, 0.50833338]],
  ['bicubic', {}, [0.21522009, 0.38872257, 0.61548042, 0.5089699, 0.8082031, 0.37226564, 0.63984376, 0.20390627, 0.60976529, 0.54622394, 0.59569561, 0.5321542]],
  ['bilinear', { antialias: true }, [0.32678571, 0.4333334, 0.5, 0.5017857, 0.6388889, 0.48765436, 0.44567898, 0.43194443, 0.5625, 0.5380953, 0.60476184, 0.58035719]],
  ['bicubic', { antialias: true }, [0.32072684, 0.42469549, 0.50460118, 0.49341801, 0.66521716, 0.49261224, 0.41596496, 0.43939564, 0.55632311, 0.53424424, 0.62508649, 0.57741851]],
];
const TORCH_BICUBIC_3x2_TO_12x8 = [
  -0.087890625, -0.076464847, -0.027899336, 0.025432287, 0.090726987, 0.18351325, 0.31057709, 0.42968118, 0.53403956, 0.62501872, 0.69612551, 0.71215391,
  -0.068847656, -0.057421878, -0.0084267873, 0.047236864, 0.11437263, 0.20556331, 0.3252424, 0.4336274, 0.52628475, 0.60654479, 0.67026687, 0.68469965,
  0.019287109, 0.030712893, 0.081696175, 0.14815289, 0.2238095, 0.30761546, 0.39311653, 0.45189124, 0.49039397, 0.52104378, 0.55058777, 0.5576359,
  0.1472168, 0.15864259, 0.21251178, 0.29463488, 0.38265967, 0.45574653, 0.49163735, 0.47840166, 0.43829757, 0.39693695, 0.37687075, 0.37319973,
  0.28686523, 0.29829103, 0.3553105, 0.45453507, 0.55606103, 0.6174469, 0.59918302, 0.50734055, 0.38142902, 0.26146156, 0.18724069, 0.17186868,
  0.41479492, 0.42622072, 0.48612607, 0.60101706, 0.71491122, 0.76557797, 0.6977039, 0.53385097, 0.32933265, 0.13735476, 0.013523633, -0.012567475,
  0.50292969, 0.51435548, 0.57624906, 0.70193309, 0.82434809, 0.86763012, 0.76557797, 0.55211484, 0.29344186, 0.051853698, -0.10615547, -0.1396313,
  0.52197266, 0.53339845, 0.5957216, 0.72373766, 0.84799373, 0.88968015, 0.78024328, 0.55606103, 0.28568703, 0.033379786, -0.13201411, -0.16708553,
];
const modImage = (w: number, h: number) => gray(Array.from({ length: h }, (_, y) => Array.from({ length: w }, (_, x) => Math.fround(((5 * y + 3 * x) % 11) / 10))));

describe('against PyTorch F.interpolate', () => {
  // Torch computes weights in float32, we in float64 then round: differences of a few ulps.
  const TORCH_TOL = 1e-6;
  for (const [method, opts, want] of TORCH_6x5_TO_4x3) {
    it(`6×5 → 4×3 ${method}${opts.antialias ? ' antialias' : ''}`, () => {
      expectClose(resizeCpu(modImage(6, 5), 4, 3, method, opts).data, want, TORCH_TOL);
    });
  }
  it('bicubic ×4 up 3×2 → 12×8', () => {
    expectClose(resizeCpu(modImage(3, 2), 12, 8, 'bicubic').data, TORCH_BICUBIC_3x2_TO_12x8, TORCH_TOL);
  });
});

const ALL: [ResizeMethod, ResizeOptions][] = [
  ['area', {}],
  ['area', { areaMode: 'torch' }],
  ['bilinear', {}],
  ['bilinear', { antialias: true }],
  ['bicubic', {}],
  ['bicubic', { antialias: true }],
];
const SIZE_PAIRS: [number, number, number, number][] = [
  [37, 29, 37, 29], // ×1
  [37, 29, 25, 19], // ÷1.5
  [37, 29, 19, 15], // ÷2 (rounded)
  [37, 29, 12, 10], // ÷3
  [37, 29, 9, 7], // ÷4
  [10, 7, 40, 28], // ×4 up
  [5, 1, 2, 1], // one row
];

describe('properties of every method', () => {
  it('a constant image stays constant', () => {
    for (const [method, opts] of ALL) {
      for (const [w, h, ow, oh] of SIZE_PAIRS) {
        const img = createImage(w, h, 3);
        img.data.fill(0.3);
        for (let c = 0; c < 3; c++) img.data.fill(0.1 * (c + 1), c * w * h, (c + 1) * w * h);
        const out = resizeCpu(img, ow, oh, method, opts);
        const want = new Float32Array(out.data.length);
        for (let c = 0; c < 3; c++) want.fill(0.1 * (c + 1), c * ow * oh, (c + 1) * ow * oh);
        expect(maxAbsDiff(out.data, want), `${method} ${JSON.stringify(opts)} ${w}×${h}→${ow}×${oh}`).toBeLessThanOrEqual(F32_TOL);
      }
    }
  });

  it('every weight row sums to 1 and indexes inside the image', () => {
    for (const [method, opts] of ALL) {
      for (const [inSize, outSize] of [[1920, 480], [1080, 270], [97, 49], [96, 64], [64, 21], [5, 17], [270, 1080], [7, 7], [1, 3]]) {
        const r = tapRowReport(axisTaps(inSize, outSize, method, opts));
        expect(r.worstSumError, `${method} ${JSON.stringify(opts)} ${inSize}→${outSize}`).toBeLessThanOrEqual(1e-6);
        expect(r.maxIndex).toBeLessThan(inSize);
      }
    }
  });

  it('×1 is the identity', () => {
    const img = noiseImage(13, 9);
    for (const [method, opts] of ALL) expect(maxAbsDiff(resizeCpu(img, 13, 9, method, opts).data, img.data)).toBe(0);
  });

  it('antialiased downscale widens the kernel by the factor', () => {
    expect(axisTaps(1920, 480, 'bilinear').taps).toBe(2);
    expect(axisTaps(1920, 480, 'bilinear', { antialias: true }).taps).toBe(8); // triangle of half-width 4
    expect(axisTaps(1920, 480, 'bicubic', { antialias: true }).taps).toBe(16); // Keys of half-width 8
    expect(axisTaps(1920, 480, 'area').taps).toBe(4);
  });

  it('packs tables as interleaved (u32 index, f32 weight) words', () => {
    const t = axisTaps(5, 2, 'area');
    const words = packTaps(t);
    const f = new Float32Array(words.buffer);
    expect(words[2]).toBe(1);
    expect(f[3]).toBe(t.weight[1]);
  });
});

// Independent direct 2-D formulas (no tables, no separation), written from the definitions.
const at = (img: ImageF32, c: number, y: number, x: number) => {
  const cx = Math.min(Math.max(x, 0), img.width - 1);
  const cy = Math.min(Math.max(y, 0), img.height - 1);
  return img.data[(c * img.height + cy) * img.width + cx];
};

function direct2d(img: ImageF32, outW: number, outH: number, method: ResizeMethod): ImageF32 {
  const out = createImage(outW, outH, img.channels);
  const sx = img.width / outW;
  const sy = img.height / outH;
  for (let c = 0; c < img.channels; c++) {
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        let v = 0;
        if (method === 'area') {
          // ∬ over the footprint [ox·sx, (ox+1)·sx) × [oy·sy, (oy+1)·sy), divided by its area.
          const x0 = ox * sx, x1 = (ox + 1) * sx, y0 = oy * sy, y1 = (oy + 1) * sy;
          for (let y = Math.floor(y0); y < y1; y++) {
            for (let x = Math.floor(x0); x < x1; x++) {
              const cover = (Math.min(x1, x + 1) - Math.max(x0, x)) * (Math.min(y1, y + 1) - Math.max(y0, y));
              if (cover > 0) v += cover * at(img, c, y, x);
            }
          }
          v /= sx * sy;
        } else if (method === 'bilinear') {
          const fx = Math.max((ox + 0.5) * sx - 0.5, 0);
          const fy = Math.max((oy + 0.5) * sy - 0.5, 0);
          const x0 = Math.floor(fx), y0 = Math.floor(fy);
          const ax = fx - x0, ay = fy - y0;
          v =
            (1 - ay) * ((1 - ax) * at(img, c, y0, x0) + ax * at(img, c, y0, x0 + 1)) +
            ay * ((1 - ax) * at(img, c, y0 + 1, x0) + ax * at(img, c, y0 + 1, x0 + 1));
        } else {
          const fx = (ox + 0.5) * sx - 0.5;
          const fy = (oy + 0.5) * sy - 0.5;
          const x0 = Math.floor(fx), y0 = Math.floor(fy);
          for (let j = -1; j <= 2; j++) {
            for (let i = -1; i <= 2; i++) {
              v += keysCubic(fx - (x0 + i), -0.75) * keysCubic(fy - (y0 + j), -0.75) * at(img, c, y0 + j, x0 + i);
            }
          }
        }
        out.data[(c * outH + oy) * outW + ox] = v;
      }
    }
  }
  return out;
}

describe('separable passes agree with the direct 2-D definition', () => {
  const img = noiseImage(37, 29, 7);
  for (const method of RESIZE_METHODS) {
    it(method, () => {
      for (const [, , ow, oh] of SIZE_PAIRS.slice(0, 5)) {
        expectClose(resizeCpu(img, ow, oh, method).data, direct2d(img, ow, oh, method).data, F32_TOL);
      }
      const small = noiseImage(10, 7, 3);
      expectClose(resizeCpu(small, 40, 28, method).data, direct2d(small, 40, 28, method).data, F32_TOL);
    });
  }
});
