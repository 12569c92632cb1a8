/**
 * The media worker in a real browser (headless Chromium, run by e2e/gpu-run.mjs in a module
 * worker; the media worker is started from there, as the app's page starts it).
 *
 * References are independent of the code under test: native Debian ffmpeg's decodes and x264
 * round trips, made by scripts/make-sample.py with the same command lines (codec-args.ts), their
 * yuv420p planes converted to RGB by numpy (exact rationals, the formula of yuv.ts) and committed
 * as PNG under e2e/fixtures/.
 */
import type { GpuTest, GpuTestContext, GpuTestResult } from '../gpu/gputest';
import { MediaClient, MediaError, type DecodedFrames } from './media-client';
import type { RgbaFrame } from '../core/frame';
import { rgbaToRgb24 } from '../core/pixels';
import { psnr8 } from './frames';
import { InlineConverter, frameConverter, type FrameConverter } from './frame-converter';
import { decodeMp4Range, readMp4Index } from './webcodecs';
import { yuvSimdAvailable } from './yuv-simd';

let client: MediaClient | null = null;
const media = () => (client ??= new MediaClient());

async function blobOf(ctx: GpuTestContext, path: string): Promise<Blob> {
  return new Blob([(await ctx.fetchBytes(path)) as BlobPart]);
}

/** A PNG's RGBA8 pixels, decoded by the browser (lossless, so exact). */
async function pngRgba(ctx: GpuTestContext, path: string): Promise<{ width: number; height: number; data: Uint8ClampedArray }> {
  const bitmap = await createImageBitmap(await blobOf(ctx, path), { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
  const c = new OffscreenCanvas(bitmap.width, bitmap.height);
  const g = c.getContext('2d')!;
  g.drawImage(bitmap, 0, 0);
  return { width: bitmap.width, height: bitmap.height, data: g.getImageData(0, 0, bitmap.width, bitmap.height).data };
}

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = a.length === b.length ? 0 : Infinity;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const pad2 = (k: number) => String(k).padStart(2, '0');

/** Expect `p` to reject with a MediaError of `code`; returns its message. */
async function expectMediaError(p: Promise<unknown>, code: MediaError['code']): Promise<{ ok: boolean; msg: string }> {
  try {
    await p;
    return { ok: false, msg: `resolved, expected MediaError '${code}'` };
  } catch (e) {
    if (!(e instanceof MediaError)) return { ok: false, msg: `threw ${String(e)}, not a MediaError` };
    return { ok: e.code === code, msg: `${e.code}: ${e.message}` };
  }
}

function result(checks: [boolean, string][]): GpuTestResult {
  const failed = checks.filter(([ok]) => !ok);
  return { pass: failed.length === 0, detail: (failed.length ? failed : checks).map(([ok, s]) => `${ok ? '' : 'FAILED '}${s}`).join('; ') };
}

const srcFrames = async (ctx: GpuTestContext): Promise<RgbaFrame[]> => Promise.all(Array.from({ length: 8 }, (_, k) => pngRgba(ctx, `/e2e/fixtures/clip-64x48/src-${pad2(k)}.png`)));

const nativeRoundTrip = async (ctx: GpuTestContext, crf: number): Promise<Uint8Array[]> =>
  Promise.all(Array.from({ length: 8 }, async (_, k) => rgbaToRgb24((await pngRgba(ctx, `/e2e/fixtures/roundtrip/x264-crf${crf}-${pad2(k)}.png`)).data)));

const concat = (frames: Uint8Array[]) => {
  const out = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
  let o = 0;
  for (const f of frames) {
    out.set(f, o);
    o += f.length;
  }
  return out;
};

export const browserTests: GpuTest[] = [
  {
    name: 'media: probe the bundled sample (480×270, 75 frames, 25 fps, h264) and a still',
    async run(ctx) {
      const t0 = performance.now();
      const load = await media().warmUp();
      const info = await media().probe(await blobOf(ctx, '/samples/sample.mp4'), 'sample.mp4');
      const ms = performance.now() - t0;
      const png = await media().probe(await blobOf(ctx, '/e2e/fixtures/frame-96x64.png'), 'f.png');
      return result([
        [info.width === 480 && info.height === 270, `size ${info.width}×${info.height}`],
        [info.frameCount === 75 && info.fps === 25 && Math.abs(info.durationS - 3) < 0.05, `${info.frameCount} frames @ ${info.fps} fps, ${info.durationS} s`],
        [info.codec === 'h264' && !info.hasAudio && info.kind === 'video', `codec ${info.codec}, audio ${info.hasAudio}`],
        [png.kind === 'image' && png.width === 96 && png.height === 64 && png.frameCount === 1, `png ${png.kind} ${png.width}×${png.height}`],
        [true, `ffmpeg.wasm load ${load.toFixed(0)} ms, load+probe ${ms.toFixed(0)} ms`],
      ]);
    },
  },
  {
    name: 'media: decode clip-64x48.mp4 → 8 frames identical to Debian ffmpeg’s planes converted by numpy',
    async run(ctx) {
      const t0 = performance.now();
      const progress: number[] = [];
      const d = await media().decode(await blobOf(ctx, '/e2e/fixtures/clip-64x48.mp4'), 'clip-64x48.mp4', { onProgress: (n) => progress.push(n) });
      const ms = performance.now() - t0;
      let worst = 0;
      for (let k = 0; k < d.frames.length; k++) {
        const ref = await pngRgba(ctx, `/e2e/fixtures/clip-64x48/ref-${pad2(k)}.png`);
        worst = Math.max(worst, maxAbs(d.frames[k], ref.data));
      }
      return result([
        [d.frames.length === 8 && d.width === 64 && d.height === 48, `${d.frames.length} frames ${d.width}×${d.height}`],
        [d.frames.every((f) => f.length === 64 * 48 * 4), 'RGBA8 buffers of 64×48×4'],
        [worst === 0, `max|Δ| vs native decode ${worst} (must be 0: the same planes, the same exact conversion)`],
        [progress.at(-1) === 8, `progress reached ${progress.at(-1)}/8`],
        [true, `decode ${ms.toFixed(0)} ms`],
      ]);
    },
  },
  {
    name: 'media: WebCodecs converts in the frame-conversion worker (wasm SIMD) with the same bytes as in its own thread; reasons come back from it',
    async run(ctx) {
      const blob = await blobOf(ctx, '/samples/sample.mp4');
      const index = await readMp4Index(blob);
      if ('reason' in index) return { pass: false, detail: `no MP4 index: ${index.reason}` };
      const { track } = index;
      const range = (converter: FrameConverter, width = track.width) =>
        decodeMp4Range(blob, track, 10, 20, { exact: true, width, height: track.height, onFrame: () => undefined, cancelled: () => false, deadline: Infinity, converter });
      const shared = frameConverter();
      const inWorker = await range(shared);
      const here = await range(new InlineConverter());
      const same = 'frames' in inWorker && 'frames' in here && inWorker.frames.length === 20 && inWorker.frames.every((f, k) => maxAbs(f, here.frames[k]) === 0);
      const wrongSize = await range(shared, track.width + 2);
      return result([
        [yuvSimdAvailable(), `wasm SIMD here: ${yuvSimdAvailable()}`],
        [shared.kind === 'worker', `the media worker's converter: ${shared.kind}`],
        [same, `20 frames from 10, converted in the worker and in this thread: identical ${same}`],
        ['reason' in wrongSize && /decoded frame is 480×270, the stream 482×270/.test(wrongSize.reason), `a size mismatch found in the worker → ${JSON.stringify(wrongSize)}`],
      ]);
    },
  },
  {
    name: 'media: frame ranges (ffmpeg -ss seek, WebCodecs from the keyframe) give the same pixels as one full decode',
    async run(ctx) {
      const blob = await blobOf(ctx, '/samples/sample.mp4');
      const t0 = performance.now();
      const all = await media().decode(blob, 'sample.mp4', { start: 0, count: 75, decoder: 'ffmpeg.wasm' });
      const tAll = performance.now() - t0;
      const checks: [boolean, string][] = [[all.frames.length === 75, `full ffmpeg.wasm decode ${all.frames.length} frames in ${tAll.toFixed(0)} ms`]];
      // The sample has B-frames and a keyframe only at 0: seeking must still land on exactly frame i.
      for (const decoder of ['ffmpeg.wasm', 'webcodecs'] as const) {
        for (const [start, count] of [[1, 2], [40, 3], [73, 5]] as const) {
          const t1 = performance.now();
          const part = await media().decode(blob, 'sample.mp4', { start, count, decoder });
          const want = Math.min(count, 75 - start);
          const same = part.decoder === decoder && part.frames.length === want && part.frames.every((f, j) => maxAbs(f, all.frames[start + j]) === 0);
          checks.push([same, `${decoder} [${start}, +${count}) → ${part.frames.length} frames by ${part.decoder}, identical to full decode: ${same} (${(performance.now() - t1).toFixed(0)} ms)`]);
        }
      }
      const past = await media().decode(blob, 'sample.mp4', { start: 80, count: 4 });
      checks.push([past.frames.length === 0, `past the end → ${past.frames.length} frames`]);
      return result(checks);
    },
  },
  {
    name: 'media: corrupt, empty and truncated files give MediaErrors; the worker keeps working',
    async run(ctx) {
      const corrupt = await expectMediaError(media().decode(await blobOf(ctx, '/e2e/fixtures/corrupt.mp4'), 'corrupt.mp4'), 'unsupported');
      const corruptProbe = await expectMediaError(media().probe(await blobOf(ctx, '/e2e/fixtures/corrupt.mp4'), 'corrupt.mp4'), 'unsupported');
      const empty = await expectMediaError(media().decode(new Blob([]), 'empty.mov'), 'unsupported');
      // named for what it is, not for its extension (issue 15): text called .mp4 is not "incomplete"
      const text = await expectMediaError(media().probe(new Blob(['just notes, not a video\n'.repeat(50)]), 'notes.mp4'), 'unsupported');
      const badPng = new Uint8Array(await ctx.fetchBytes('/e2e/fixtures/frame-64x64.png')).slice(0, 60);
      const png = await expectMediaError(media().decode(new Blob([badPng]), 'cut.png'), 'corrupt');
      // Truncated MP4: index present (faststart), media data cut: either some frames with a
      // warning, or a 'corrupt' error — never a hang or a silent full-length result.
      const sample = await ctx.fetchBytes('/samples/sample.mp4');
      let truncated: string;
      let truncatedOk: boolean;
      try {
        const t = await media().decode(new Blob([sample.slice(0, Math.floor(sample.length * 0.4))]), 'cut.mp4', { count: 75 });
        truncatedOk = t.frames.length < 75;
        truncated = `${t.frames.length} frames, warning: ${t.warning ?? 'none'}`;
      } catch (e) {
        truncatedOk = e instanceof MediaError && (e.code === 'corrupt' || e.code === 'unsupported');
        truncated = String(e);
      }
      const good = await media().decode(await blobOf(ctx, '/e2e/fixtures/clip-64x48.mp4'), 'clip-64x48.mp4');
      return result([
        [corrupt.ok && corrupt.msg.includes("'corrupt.mp4'"), `decode corrupt → ${corrupt.msg}`],
        [corruptProbe.ok, `probe corrupt → ${corruptProbe.msg}`],
        [empty.ok && empty.msg === "unsupported: 'empty.mov' is empty (0 bytes)", `empty → ${empty.msg}`],
        [text.ok && text.msg === "unsupported: 'notes.mp4' is not a video or image file (it holds text)", `text called .mp4 → ${text.msg}`],
        [png.ok, `cut PNG → ${png.msg}`],
        [truncatedOk, `truncated mp4 → ${truncated}`],
        [good.frames.length === 8, `then a good file: ${good.frames.length} frames`],
      ]);
    },
  },
  {
    name: 'media: stills (png/webp/bmp exact, jpeg close) and an animated gif via ffmpeg',
    async run(ctx) {
      const ref = await pngRgba(ctx, '/e2e/fixtures/frame-48x32.png');
      const dec = async (f: string) => (await media().decode(await blobOf(ctx, `/e2e/fixtures/${f}`), f)).frames[0];
      const png = await dec('frame-48x32.png');
      const webp = await dec('formats/still-48x32.webp');
      const bmp = await dec('formats/still-48x32.bmp');
      const jpg = await dec('formats/still-48x32.jpg');
      const gif = await media().decode(await blobOf(ctx, '/e2e/fixtures/formats/anim-32x32.gif'), 'anim.gif');
      const gifInfo = await media().probe(await blobOf(ctx, '/e2e/fixtures/formats/anim-32x32.gif'), 'anim.gif');
      let gifPsnr = Infinity;
      for (let k = 0; k < 3; k++) {
        const r = await pngRgba(ctx, `/e2e/fixtures/clip-32x32/frame-${k}.png`);
        gifPsnr = Math.min(gifPsnr, psnr8(rgbaToRgb24(gif.frames[k] ?? new Uint8ClampedArray(r.data.length)), rgbaToRgb24(r.data)));
      }
      const jpgRef = await pngRgba(ctx, '/e2e/fixtures/formats/still-48x32.jpg.ref.png');
      const jpgDiff = maxAbs(jpg, jpgRef.data);
      return result([
        [maxAbs(png, ref.data) === 0, 'png exact'],
        [maxAbs(webp, ref.data) === 0, 'lossless webp exact'],
        [maxAbs(bmp, ref.data) === 0, 'bmp exact'],
        [jpgDiff <= 3, `jpeg vs Pillow/libjpeg-turbo decode max|Δ| ${jpgDiff} ≤ 3 (IDCT/upsampling rounding)`],
        [gif.frames.length === 3 && gifInfo.frameCount === 3 && gifInfo.codec === 'gif', `gif ${gif.frames.length} frames (probe ${gifInfo.frameCount}, ${gifInfo.fps} fps)`],
        [gifPsnr >= 28, `gif (256-colour palette) min PSNR ${gifPsnr.toFixed(1)} dB ≥ 28`],
      ]);
    },
  },
  {
    name: 'media: oversized frames are refused before decoding',
    async run(ctx) {
      const png = new Uint8Array(await ctx.fetchBytes('/e2e/fixtures/frame-96x64.png'));
      const dv = new DataView(png.buffer, png.byteOffset);
      dv.setUint32(16, 30000);
      dv.setUint32(20, 20000);
      const t0 = performance.now();
      const big = await expectMediaError(media().decode(new Blob([png]), 'huge.png'), 'too-large');
      const ms = performance.now() - t0;
      const vid = await expectMediaError(media().decode(await blobOf(ctx, '/e2e/fixtures/clip-64x48.mp4'), 'clip.mp4', { maxPixels: 1000 }), 'too-large');
      return result([
        [big.ok && big.msg.includes('30000×20000') && ms < 2000, `30000×20000 png → ${big.msg} (${ms.toFixed(0)} ms)`],
        [vid.ok, `video over maxPixels → ${vid.msg}`],
      ]);
    },
  },
  {
    name: 'media: x264 round trip in ffmpeg.wasm matches Debian ffmpeg (PSNR ≥ 40 dB), crf 35 clearly worse than crf 18',
    async run(ctx) {
      const src = await srcFrames(ctx);
      const srcAll = concat(src.map((f) => rgbaToRgb24(f.data)));
      const checks: [boolean, string][] = [];
      const vsSrc: Record<number, number> = {};
      for (const crf of [18, 35]) {
        const t0 = performance.now();
        const rt = await media().roundTrip(src, { codec: 'libx264', crf, profile: 'high', fps: 25 });
        const ms = performance.now() - t0;
        const native = await nativeRoundTrip(ctx, crf);
        const perFrame = rt.frames.map((f, k) => psnr8(f, native[k]));
        const minFrame = Math.min(...perFrame);
        vsSrc[crf] = psnr8(concat(rt.frames), srcAll);
        checks.push([rt.frames.length === 8 && rt.width === 64 && rt.height === 48, `crf ${crf}: ${rt.frames.length} frames ${rt.width}×${rt.height}`]);
        checks.push([minFrame >= 40, `crf ${crf}: wasm vs native decode min per-frame PSNR ${minFrame === Infinity ? '∞ (bit-identical)' : minFrame.toFixed(1) + ' dB'} ≥ 40`]);
        checks.push([rt.bytes > 0, `crf ${crf}: ${rt.bytes} bytes (native ${crf === 18 ? 'see native.json' : ''}), encode ${rt.encodeMs.toFixed(0)} ms + decode ${rt.decodeMs.toFixed(0)} ms, call ${ms.toFixed(0)} ms`]);
      }
      checks.push([vsSrc[35] <= vsSrc[18] - 3, `PSNR vs source: crf 18 ${vsSrc[18].toFixed(2)} dB, crf 35 ${vsSrc[35].toFixed(2)} dB (≥ 3 dB worse)`]);
      return result(checks);
    },
  },
  {
    name: 'media: mpeg4, mpeg2video, x264 baseline/lossless and odd sizes round-trip; bad settings refused',
    async run(ctx) {
      const src = await srcFrames(ctx);
      // 63×47: odd both ways, so the stage must pad for yuv420p and crop back.
      const odd: RgbaFrame[] = src.slice(0, 3).map((f) => {
        const rgba = new Uint8ClampedArray(63 * 47 * 4);
        for (let y = 0; y < 47; y++) rgba.set(f.data.subarray(y * 64 * 4, y * 64 * 4 + 63 * 4), y * 63 * 4);
        return { width: 63, height: 47, data: rgba };
      });
      const oddAll = concat(odd.map((f) => rgbaToRgb24(f.data)));
      const checks: [boolean, string][] = [];
      // Floors: yuv420p alone (crf 0, lossless x264) keeps only ~30 dB of these small, detailed
      // frames (chroma at half resolution), so every codec must reach 25 dB, and crf 0 must beat crf 23.
      const psnrOf: Record<string, number> = {};
      for (const o of [
        { codec: 'mpeg4', qscale: 3 },
        { codec: 'mpeg2video', qscale: 3 },
        { codec: 'libx264', crf: 23, profile: 'baseline' },
        { codec: 'libx264', crf: 0 },
      ] as const) {
        const rt = await media().roundTrip(odd, o);
        const p = psnr8(concat(rt.frames), oddAll);
        psnrOf[JSON.stringify(o)] = p;
        checks.push([rt.frames.length === 3 && rt.width === 63 && rt.height === 47 && p >= 25, `${JSON.stringify(o)}: ${rt.frames.length}×${rt.width}×${rt.height}, ${rt.bytes} B, PSNR ${p.toFixed(1)} dB ≥ 25`]);
      }
      const lossless = psnrOf['{"codec":"libx264","crf":0}'];
      const crf23 = psnrOf['{"codec":"libx264","crf":23,"profile":"baseline"}'];
      checks.push([lossless > crf23, `crf 0 ${lossless.toFixed(2)} dB > crf 23 ${crf23.toFixed(2)} dB`]);
      const crf99 = await expectMediaError(media().roundTrip(odd, { crf: 99 }), 'bad-input');
      const hevc = await expectMediaError(media().roundTrip(odd, { codec: 'hevc' as never }), 'bad-input');
      const mixed = await expectMediaError(media().roundTrip([src[0], odd[0]]), 'bad-input');
      checks.push([crf99.ok, `crf 99 → ${crf99.msg}`], [hevc.ok, `hevc → ${hevc.msg}`], [mixed.ok, `mixed sizes → ${mixed.msg}`]);
      return result(checks);
    },
  },
  {
    // WebCodecs first, per file, with ffmpeg's pixels: H.264/VP9 decoding is bit-exact in any
    // conformant decoder and both paths convert the decoder's 8-bit 4:2:0 planes with yuv.ts, so
    // the default decode (WebCodecs here) and a forced ffmpeg.wasm decode must give identical RGBA
    // bytes, and native Debian ffmpeg's (the CLI's, the same planes and conversion) too.
    name: 'media: WebCodecs by default, identical bytes to ffmpeg.wasm and native ffmpeg; other codecs fall back to ffmpeg.wasm',
    async run(ctx) {
      const checks: [boolean, string][] = [];
      const same = (a: DecodedFrames, b: DecodedFrames) =>
        a.frames.length === b.frames.length && a.width === b.width && a.height === b.height && a.frames.every((f, k) => maxAbs(f, b.frames[k]) === 0);
      const sample = await blobOf(ctx, '/samples/sample.mp4');
      const t0 = performance.now();
      const wc = await media().decode(sample, 'sample.mp4', { count: 75 });
      const tWc = performance.now() - t0;
      const t1 = performance.now();
      const ffw = await media().decode(sample, 'sample.mp4', { count: 75, decoder: 'ffmpeg.wasm' });
      const tFf = performance.now() - t1;
      checks.push([wc.decoder === 'webcodecs' && wc.frames.length === 75, `sample: default decoder ${wc.decoder}, ${wc.frames.length} frames of 480×270 in ${tWc.toFixed(0)} ms; ffmpeg.wasm ${tFf.toFixed(0)} ms`]);
      checks.push([ffw.decoder === 'ffmpeg.wasm' && same(wc, ffw), `sample: WebCodecs and ffmpeg.wasm RGBA identical over 75 frames: ${same(wc, ffw)}`]);

      // Tagged BT.709 full range at an odd size (63×47: the last chroma column half outside), VP9.
      const vp9 = await blobOf(ctx, '/e2e/fixtures/formats/vp9-63x47-bt709-full.mp4');
      const vWc = await media().decode(vp9, 'vp9.mp4');
      const vFf = await media().decode(vp9, 'vp9.mp4', { decoder: 'ffmpeg.wasm' });
      checks.push([vWc.decoder === 'webcodecs' && vWc.frames.length === 8 && vWc.width === 63 && same(vWc, vFf), `vp9 63×47 bt709 pc: ${vWc.decoder} ${vWc.frames.length} frames, identical to ffmpeg.wasm: ${same(vWc, vFf)}${vWc.fallback ? ` (fallback: ${vWc.fallback})` : ''}`]);

      // Native Debian ffmpeg's planes converted by numpy (scripts/make-sample.py), committed as PNG.
      const clip = await media().decode(await blobOf(ctx, '/e2e/fixtures/clip-64x48.mp4'), 'clip.mp4');
      let clipWorst = 0;
      for (let k = 0; k < clip.frames.length; k++) {
        clipWorst = Math.max(clipWorst, maxAbs(clip.frames[k], (await pngRgba(ctx, `/e2e/fixtures/clip-64x48/ref-${pad2(k)}.png`)).data));
      }
      checks.push([clip.decoder === 'webcodecs' && clip.frames.length === 8 && clipWorst === 0, `clip-64x48 by ${clip.decoder} vs native ffmpeg's decode: ${clip.frames.length} frames, max|Δ| ${clipWorst} (must be 0)`]);

      // A codec the browser's VideoDecoder lacks (MPEG-4 part 2 in MP4): ffmpeg.wasm, with the reason.
      const mp4v = await blobOf(ctx, '/e2e/fixtures/formats/mpeg4-64x48.mp4');
      const m = await media().decode(mp4v, 'mpeg4.mp4');
      let mPsnr = Infinity;
      for (let k = 0; k < 8; k++) {
        const src = await pngRgba(ctx, `/e2e/fixtures/clip-64x48/src-${pad2(k)}.png`);
        mPsnr = Math.min(mPsnr, psnr8(rgbaToRgb24(m.frames[k] ?? new Uint8ClampedArray(src.data.length)), rgbaToRgb24(src.data)));
      }
      checks.push([m.decoder === 'ffmpeg.wasm' && /mp4v/.test(m.fallback ?? '') && m.frames.length === 8 && mPsnr >= 25, `mpeg4 part 2: ${m.decoder} (${m.fallback}), ${m.frames.length} frames, min PSNR vs source ${mPsnr.toFixed(1)} dB ≥ 25 (q 4 and 4:2:0 on 64×48)`]);
      const forced = await expectMediaError(media().decode(mp4v, 'mpeg4.mp4', { decoder: 'webcodecs' }), 'unsupported');
      checks.push([forced.ok, `decoder: 'webcodecs' on it → ${forced.msg}`]);

      // Not an MP4 at all: ffmpeg.wasm.
      const gif = await media().decode(await blobOf(ctx, '/e2e/fixtures/formats/anim-32x32.gif'), 'a.gif');
      checks.push([gif.decoder === 'ffmpeg.wasm' && gif.frames.length === 3, `gif: ${gif.decoder} (${gif.fallback}), ${gif.frames.length} frames`]);
      return result(checks);
    },
  },
  {
    // Files whose frames differ from a plain MP4's (scripts/make-sample.py decoder_fixtures): the
    // app must give native Debian ffmpeg's frames (the CLI's), committed as PNG, byte for byte.
    name: 'media: AV1 (WebCodecs alone), a quarter-turned phone clip, a trimmed MP4 and interlaced video give native ffmpeg’s frames exactly',
    async run(ctx) {
      const checks: [boolean, string][] = [];
      const worstVsRefs = async (d: DecodedFrames, name: string, first = 0): Promise<number> => {
        let worst = 0;
        for (let k = 0; k < d.frames.length; k++) worst = Math.max(worst, maxAbs(d.frames[k], (await pngRgba(ctx, `/e2e/fixtures/decoders/${name}-${pad2(first + k)}.png`)).data));
        return worst;
      };
      // AV1: ffmpeg.wasm has no decoder for it (ffprobe gives no pixel format), the browser has.
      for (const name of ['av1-64x48', 'av1-64x48-bt709-full']) {
        const blob = await blobOf(ctx, `/e2e/fixtures/decoders/${name}.mp4`);
        const info = await media().probe(blob, `${name}.mp4`);
        const d = await media().decode(blob, `${name}.mp4`);
        const worst = await worstVsRefs(d, name);
        checks.push([info.codec === 'av1' && d.decoder === 'webcodecs' && d.frames.length === 8 && d.width === 64 && worst === 0, `${name}: ${info.codec}, ${d.decoder} ${d.frames.length} frames ${d.width}×${d.height}, max|Δ| vs native ${worst} (must be 0)${d.fallback ? ` (fallback: ${d.fallback})` : ''}`]);
      }
      const av1 = await blobOf(ctx, '/e2e/fixtures/decoders/av1-64x48.mp4');
      const noAv1 = await expectMediaError(media().decode(av1, 'av1.mp4', { decoder: 'ffmpeg.wasm' }), 'unsupported');
      checks.push([noAv1.ok && noAv1.msg.includes('(av1)'), `forced ffmpeg.wasm on AV1 → ${noAv1.msg}`]);

      // A phone clip stored 64×48 with a quarter-turn display matrix: upright, 48×64, as ffmpeg gives it.
      const rot = await blobOf(ctx, '/e2e/fixtures/decoders/rot90-64x48.mp4');
      const rotInfo = await media().probe(rot, 'rot90.mp4');
      const r = await media().decode(rot, 'rot90.mp4');
      const rWorst = await worstVsRefs(r, 'rot90-64x48');
      checks.push([rotInfo.width === 48 && rotInfo.height === 64 && r.width === 48 && r.height === 64 && r.frames.length === 8 && rWorst === 0, `rot90: probe ${rotInfo.width}×${rotInfo.height}, ${r.decoder} (${r.fallback}) ${r.frames.length} frames ${r.width}×${r.height}, max|Δ| vs native ${rWorst} (must be 0)`]);

      // Trimmed by stream copy: 8 samples, the edit list hides 3 (the decoder needs them, ffmpeg
      // shows 5). The count must be ffmpeg's, with no "ended early" warning, and a range must
      // give the same frames as the full decode.
      const trim = await blobOf(ctx, '/e2e/fixtures/decoders/trimmed-64x48.mp4');
      const tInfo = await media().probe(trim, 'trimmed.mp4');
      const t = await media().decode(trim, 'trimmed.mp4');
      const tWorst = await worstVsRefs(t, 'trimmed-64x48');
      checks.push([tInfo.frameCount === 5 && t.frames.length === 5 && t.warning === undefined && tWorst === 0, `trimmed: probe ${tInfo.frameCount} frames, ${t.decoder} (${t.fallback}) ${t.frames.length} frames, warning: ${t.warning ?? 'none'}, max|Δ| vs native ${tWorst} (must be 0)`]);
      const part = await media().decode(trim, 'trimmed.mp4', { start: 2, count: 2 });
      const pWorst = await worstVsRefs(part, 'trimmed-64x48', 2);
      checks.push([part.frames.length === 2 && pWorst === 0, `trimmed [2, +2): ${part.frames.length} frames, max|Δ| vs native frames 2–3 ${pWorst} (must be 0)`]);

      // Interlaced (top field first): deinterlaced by ffmpeg.wasm as the CLI does; a range (here
      // as the app's chunks ask) has the full decode's frames; off gives the stored, combed ones.
      const il = await blobOf(ctx, '/e2e/fixtures/decoders/interlaced-64x48.mp4');
      const ilInfo = await media().probe(il, 'interlaced.mp4');
      const full = await media().decode(il, 'interlaced.mp4');
      const fWorst = await worstVsRefs(full, 'interlaced-64x48');
      checks.push([ilInfo.interlaced === true && full.frames.length === 14 && fWorst === 0 && /interlaced/.test(full.fallback ?? ''), `interlaced: probe says ${ilInfo.interlaced ?? 'progressive'}, ${full.decoder} (${full.fallback}) ${full.frames.length} frames, max|Δ| vs native deinterlaced ${fWorst} (must be 0)`]);
      const mid = await media().decode(il, 'interlaced.mp4', { start: 5, count: 3 });
      const mWorst = await worstVsRefs(mid, 'interlaced-64x48', 5);
      checks.push([mid.frames.length === 3 && mWorst === 0, `interlaced [5, +3): ${mid.frames.length} frames, max|Δ| vs native frames 5–7 ${mWorst} (must be 0)`]);
      const stored = await media().decode(il, 'interlaced.mp4', { deinterlace: false });
      const sWorst = await worstVsRefs(stored, 'interlaced-64x48');
      checks.push([stored.frames.length === 14 && sWorst > 0, `deinterlace: false → ${stored.frames.length} frames by ${stored.decoder}, max|Δ| vs deinterlaced ${sWorst} (> 0: the stored fields)`]);
      return result(checks);
    },
  },
  {
    name: 'media: cancelling a decode rejects with aborted, the next decode works',
    async run(ctx) {
      const blob = await blobOf(ctx, '/samples/sample.mp4');
      const ac = new AbortController();
      let seen = 0;
      const t0 = performance.now();
      const p = media().decode(blob, 'sample.mp4', {
        count: 75,
        signal: ac.signal,
        onProgress: (n) => {
          seen = n;
          ac.abort();
        },
      });
      const r = await expectMediaError(p, 'aborted');
      const ms = performance.now() - t0;
      const after = await media().decode(blob, 'sample.mp4', { start: 10, count: 2 });
      // ffmpeg's own time limit: a 75-frame decode cannot finish in 20 ms.
      const t1 = performance.now();
      const slow = await expectMediaError(media().decode(blob, 'sample.mp4', { count: 75, timeoutMs: 20 }), 'timeout');
      const slowMs = performance.now() - t1;
      // Replacing the worker under a running call: the call fails, the fresh worker serves the next.
      const restartsBefore = media().restarts;
      const pending = media().decode(blob, 'sample.mp4', { count: 75 });
      media().restart();
      const killed = await expectMediaError(pending, 'aborted');
      const fresh = await media().decode(await blobOf(ctx, '/e2e/fixtures/clip-64x48.mp4'), 'clip.mp4');
      return result([
        [r.ok, `cancel after ${seen} frames → ${r.msg} in ${ms.toFixed(0)} ms (restarts ${restartsBefore})`],
        [after.frames.length === 2, `next decode: ${after.frames.length} frames`],
        [slow.ok, `timeoutMs 20 → ${slow.msg} after ${slowMs.toFixed(0)} ms`],
        [killed.ok && media().restarts === restartsBefore + 1, `restart() mid-call → ${killed.msg}`],
        [fresh.frames.length === 8, `fresh worker decodes: ${fresh.frames.length} frames`],
      ]);
    },
  },
];
