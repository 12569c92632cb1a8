import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { toRgb24 } from '../core/pixels';
import { SWS_FLAGS } from './codec-args';
import { getFfmpeg } from './ffmpeg-node';
import { probeHints } from './probe';
import { colourOf, planesOf, yuv420ToRgba, type YuvColour, type YuvMatrix, type YuvPlanes } from './yuv';

const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;
const fixture = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));

function ff(args: string[], input?: Uint8Array): Buffer {
  const r = spawnSync('ffmpeg', ['-v', 'error', ...args], { input, maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(r.stderr.toString());
  return r.stdout;
}

/** ffprobe's JSON, as the media worker asks ffmpeg.wasm for it. */
function ffprobe(path: string): unknown {
  return JSON.parse(spawnSync('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_streams', '-show_format', path]).stdout.toString());
}

/** Seeded generator (LCG): the same planes every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Packed yuv420p (ffmpeg's rawvideo layout: chroma ceil(w/2) × ceil(h/2)) and planes over it. */
function packed(w: number, h: number, fill: (i: number) => number): { raw: Uint8Array; planes: YuvPlanes } {
  const cw = (w + 1) >> 1;
  const ch = (h + 1) >> 1;
  const raw = new Uint8Array(w * h + 2 * cw * ch).map((_, i) => fill(i));
  return {
    raw,
    planes: { width: w, height: h, y: raw.subarray(0, w * h), u: raw.subarray(w * h, w * h + cw * ch), v: raw.subarray(w * h + cw * ch), yStride: w, uvStride: cw },
  };
}

const SPACE: Record<YuvMatrix, string> = { bt601: 'bt470bg', bt709: 'bt709', fcc: 'fcc', smpte240m: 'smpte240m', bt2020: 'bt2020nc' };

/** Debian ffmpeg's yuv420p → rgba of raw planes, tagged with a matrix and range, with SWS_FLAGS. */
function nativeRgba(raw: Uint8Array, w: number, h: number, c: YuvColour): Buffer {
  return ff([
    '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-s', `${w}x${h}`, '-i', 'pipe:0',
    '-vf', `setparams=range=${c.fullRange ? 'pc' : 'tv'}:colorspace=${SPACE[c.matrix]}`,
    '-sws_flags', SWS_FLAGS, '-f', 'rawvideo', '-pix_fmt', 'rgba', 'pipe:1',
  ], raw);
}

function differing(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

const BT601_TV: YuvColour = { matrix: 'bt601', fullRange: false };
const BT601_PC: YuvColour = { matrix: 'bt601', fullRange: true };

describe('yuv420ToRgba: swscale 5.1 (SWS_FLAGS) bit for bit', () => {
  const pixel = (y: number, u: number, v: number, c: YuvColour) => [...yuv420ToRgba({ width: 2, height: 2, yStride: 2, uvStride: 1, y: new Uint8Array(4).fill(y), u: Uint8Array.of(u), v: Uint8Array.of(v) }, c).slice(0, 4)];

  // Values read off Debian ffmpeg 5.1 (see the native comparisons below): swscale's tables map
  // limited-range white (Y 235) to 253, not 255, and pure primaries a level or three short.
  it.each([
    [16, 128, 128, BT601_TV, [0, 0, 0]],
    [126, 128, 128, BT601_TV, [126, 126, 126]],
    [235, 128, 128, BT601_TV, [253, 253, 253]],
    [255, 128, 128, BT601_TV, [255, 255, 255]],
    [81, 90, 240, BT601_TV, [252, 0, 0]],
    [145, 54, 34, BT601_TV, [0, 254, 0]],
    [41, 240, 110, BT601_TV, [0, 0, 253]],
    [16, 128, 128, BT601_PC, [16, 16, 16]],
    [235, 128, 128, BT601_PC, [235, 235, 235]],
    [81, 90, 240, BT601_PC, [238, 15, 14]],
    [41, 240, 110, BT601_PC, [16, 16, 240]],
  ] as const)('Y %i U %i V %i (%o) → %o', (y, u, v, c, rgb) => {
    expect(pixel(y, u, v, c)).toEqual([...rgb, 255]);
  });

  it('strided planes and an unaligned output give the same bytes as packed planes', () => {
    for (const [w, h] of [[10, 6], [7, 5]]) {
      const r = rng(w * 100 + h);
      const { planes } = packed(w, h, () => Math.floor(r() * 256));
      const want = yuv420ToRgba(planes);
      const cw = (w + 1) >> 1;
      const pad = (src: Uint8Array, rw: number, rows: number, stride: number) => {
        const out = new Uint8Array(stride * rows).fill(0xee);
        for (let k = 0; k < rows; k++) out.set(src.subarray(k * rw, k * rw + rw), k * stride);
        return out;
      };
      const strided: YuvPlanes = { width: w, height: h, yStride: w + 5, uvStride: cw + 3, y: pad(planes.y, w, h, w + 5), u: pad(planes.u, cw, (h + 1) >> 1, cw + 3), v: pad(planes.v, cw, (h + 1) >> 1, cw + 3) };
      expect(differing(yuv420ToRgba(strided), want)).toBe(0);
      const unaligned = new Uint8ClampedArray(w * h * 4 + 1).subarray(1);
      expect(differing(yuv420ToRgba(planes, undefined, unaligned), want)).toBe(0);
    }
  });

  it('refuses planes too small for the size', () => {
    const { planes } = packed(8, 8, () => 128);
    expect(() => yuv420ToRgba({ ...planes, u: planes.u.subarray(0, 3) })).toThrow(/planes too small/);
    expect(() => yuv420ToRgba({ ...planes, width: 0 })).toThrow(/bad size/);
  });

  // Random planes stress every path: chroma filter lengths 1, 2 (swscale's 2-tap shortcut) and 4,
  // the border taps, odd heights (uneven chroma step), odd widths (full chroma interpolation, the
  // 30-bit arithmetic), values clipping past 0 and 255.
  const SIZES = [[64, 48], [2, 2], [1, 1], [3, 3], [4, 4], [6, 6], [8, 8], [2, 7], [5, 4], [10, 14], [16, 3], [12, 9], [33, 17], [64, 47], [63, 48], [97, 65], [480, 270]];
  it.skipIf(!hasFfmpeg)('equals Debian ffmpeg on random planes, 17 sizes from 1×1 to 480×270 (BT.601, limited)', () => {
    for (const [w, h] of SIZES) {
      for (const kind of ['noise', 'smooth'] as const) {
        const r = rng(w * 1000 + h);
        const { raw, planes } = packed(w, h, (i) => (kind === 'noise' || r() < 0.1 ? Math.floor(r() * 256) : 60 + ((i * 7) % 140)));
        expect(differing(yuv420ToRgba(planes, BT601_TV), nativeRgba(raw, w, h, BT601_TV)), `${w}×${h} ${kind}`).toBe(0);
      }
    }
  });

  it.skipIf(!hasFfmpeg)('equals Debian ffmpeg for every matrix and range, even and odd widths', () => {
    for (const matrix of ['bt601', 'bt709', 'fcc', 'smpte240m', 'bt2020'] as const) {
      for (const fullRange of [false, true]) {
        for (const [w, h] of [[64, 48], [63, 47]]) {
          const r = rng(7 + w);
          const { raw, planes } = packed(w, h, () => Math.floor(r() * 256));
          const c = { matrix, fullRange };
          expect(differing(yuv420ToRgba(planes, c), nativeRgba(raw, w, h, c)), `${matrix} ${fullRange ? 'pc' : 'tv'} ${w}×${h}`).toBe(0);
        }
      }
    }
  });

  // Real decodes: native ffmpeg's planes through yuv.ts, with the colour the probe gives (as the
  // media worker does for WebCodecs frames), against native ffmpeg's own rgba for the same file.
  it.skipIf(!hasFfmpeg).each([
    ['public/samples/sample.mp4', 480, 270],
    ['e2e/fixtures/clip-64x48.mp4', 64, 48],
    ['e2e/fixtures/formats/vp9-63x47-bt709-full.mp4', 63, 47],
  ])('decoding %s: planes + yuv.ts = ffmpeg rgba, every frame', (path, w, h) => {
    const file = fixture(path);
    const hints = probeHints(ffprobe(file));
    const yuv = ff(['-i', file, '-f', 'rawvideo', '-pix_fmt', 'yuv420p', 'pipe:1']);
    const rgba = ff(['-i', file, '-sws_flags', SWS_FLAGS, '-f', 'rawvideo', '-pix_fmt', 'rgba', 'pipe:1']);
    const cw = (w + 1) >> 1;
    const ch = (h + 1) >> 1;
    const fy = w * h + 2 * cw * ch;
    const fr = w * h * 4;
    const n = yuv.length / fy;
    expect(n).toBe(rgba.length / fr);
    const out = new Uint8ClampedArray(fr);
    for (let k = 0; k < n; k++) {
      const b = yuv.subarray(k * fy, (k + 1) * fy);
      yuv420ToRgba({ width: w, height: h, y: b.subarray(0, w * h), u: b.subarray(w * h, w * h + cw * ch), v: b.subarray(w * h + cw * ch), yStride: w, uvStride: cw }, hints.colour, out);
      expect(differing(out, rgba.subarray(k * fr, (k + 1) * fr)), `frame ${k}`).toBe(0);
    }
  });

  // The CLI's decode (ffmpeg-node: rgb24 with SWS_FLAGS) is the same conversion: native and
  // @ffmpeg/core agree with yuv.ts byte for byte, so CLI, ffmpeg.wasm and WebCodecs frames match.
  it.skipIf(!hasFfmpeg)("the CLI's decodeFile (native and wasm ffmpeg) gives yuv.ts's pixels", async () => {
    const file = fixture('public/samples/sample.mp4');
    const [w, h] = [480, 270];
    const yuv = ff(['-i', file, '-frames:v', '4', '-f', 'rawvideo', '-pix_fmt', 'yuv420p', 'pipe:1']);
    const fy = (w * h * 3) / 2;
    const want = Array.from({ length: 4 }, (_, k) => {
      const b = yuv.subarray(k * fy, (k + 1) * fy);
      const rgba = yuv420ToRgba({ width: w, height: h, y: b.subarray(0, w * h), u: b.subarray(w * h, (w * h * 5) / 4), v: b.subarray((w * h * 5) / 4), yStride: w, uvStride: w / 2 });
      return rgba.filter((_, i) => i % 4 !== 3);
    });
    for (const backend of ['native', 'wasm'] as const) {
      const { frames } = await (await getFfmpeg(backend)).decodeFile(file, { start: 0, end: 4 });
      let k = 0;
      for await (const f of frames) {
        expect(differing(toRgb24(f), want[k]), `${backend} frame ${k}`).toBe(0);
        k++;
      }
      expect(k).toBe(4);
    }
  });
});

describe('colourOf: ffmpeg scale filter\'s reading of the stream tags', () => {
  it.each([
    [undefined, undefined, 'yuv420p', 'bt601', false],
    ['unknown', 'unknown', 'yuv420p', 'bt601', false],
    ['bt709', 'tv', 'yuv420p', 'bt709', false],
    ['bt709', 'pc', 'yuv420p', 'bt709', true],
    ['smpte170m', undefined, 'yuv420p', 'bt601', false],
    ['bt470bg', undefined, 'yuvj420p', 'bt601', true],
    ['bt2020nc', 'tv', 'yuv420p', 'bt2020', false],
    ['bt2020c', undefined, 'yuv420p', 'bt2020', false],
    ['fcc', undefined, 'yuv420p', 'fcc', false],
    ['smpte240m', undefined, 'yuv420p', 'smpte240m', false],
    ['ycgco', undefined, 'yuv420p', 'bt601', false],
    ['gbr', undefined, 'yuv420p', 'bt601', false],
  ] as const)('color_space %s, color_range %s, %s → %s, full %s', (space, range, fmt, matrix, fullRange) => {
    expect(colourOf(space, range, fmt)).toEqual({ matrix, fullRange });
  });

  it.skipIf(!hasFfmpeg)('probeHints reads them (and the pixel format) from ffprobe JSON', () => {
    expect(probeHints(ffprobe(fixture('public/samples/sample.mp4')))).toEqual({ pixFmt: 'yuv420p', colour: BT601_TV, startOffsetS: 0 });
    expect(probeHints(ffprobe(fixture('e2e/fixtures/formats/vp9-63x47-bt709-full.mp4')))).toEqual({ pixFmt: 'yuv420p', colour: { matrix: 'bt709', fullRange: true }, startOffsetS: 0 });
  });
});

describe('planesOf: VideoFrame.copyTo layouts → planes', () => {
  const w = 5;
  const h = 3; // chroma 3 × 2
  it('I420 (and I420A, alpha ignored) in place, with the layout strides', () => {
    const buf = new Uint8Array(64).map((_, i) => i);
    const layout = [{ offset: 0, stride: 8 }, { offset: 24, stride: 4 }, { offset: 32, stride: 4 }, { offset: 40, stride: 8 }];
    for (const fmt of ['I420', 'I420A']) {
      const p = planesOf(fmt, buf, layout, w, h);
      if (typeof p === 'string') throw new Error(p);
      expect([p.yStride, p.uvStride, p.y[0], p.u[0], p.v[0], p.u[4], p.v[5]]).toEqual([8, 4, 0, 24, 32, 28, 37]);
    }
  });
  it('NV12: interleaved chroma split into U and V', () => {
    const buf = new Uint8Array(40);
    const layout = [{ offset: 0, stride: 6 }, { offset: 18, stride: 8 }];
    for (let r = 0; r < 2; r++) for (let c = 0; c < 3; c++) {
      buf[18 + r * 8 + 2 * c] = 10 * r + c;
      buf[18 + r * 8 + 2 * c + 1] = 100 + 10 * r + c;
    }
    const p = planesOf('NV12', buf, layout, w, h);
    if (typeof p === 'string') throw new Error(p);
    expect([...p.u]).toEqual([0, 1, 2, 10, 11, 12]);
    expect([...p.v]).toEqual([100, 101, 102, 110, 111, 112]);
    expect(p.uvStride).toBe(3);
  });
  it('other formats and short buffers are reasons, not planes', () => {
    expect(planesOf('I420P10', new Uint8Array(64), [], w, h)).toMatch(/I420P10, not 8-bit 4:2:0/);
    expect(planesOf(null, new Uint8Array(64), [], w, h)).toMatch(/opaque/);
    expect(planesOf('I420', new Uint8Array(20), [{ offset: 0, stride: 5 }, { offset: 15, stride: 3 }, { offset: 18, stride: 3 }], w, h)).toMatch(/do not hold 5×3/);
    expect(planesOf('I420', new Uint8Array(64), [{ offset: 0, stride: 5 }, { offset: 15, stride: 3 }, { offset: 21, stride: 4 }], w, h)).toMatch(/different strides/);
  });
});
