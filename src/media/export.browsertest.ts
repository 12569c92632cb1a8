/**
 * Exports in a real browser (headless Chromium; e2e/gpu-run.mjs runs this in a module worker, which
 * starts the export worker as the app's page does): frames streamed through the SharedArrayBuffer
 * pipe into ffmpeg.wasm, the file staged in OPFS, read back by the media worker (an independent
 * decoder path). Real frames: e2e/fixtures/clip-64x48 (8 frames).
 */
import type { GpuTest, GpuTestContext } from '../gpu/gputest';
import { rgbaToRgb24 } from '../core/pixels';
import { MediaClient } from './media-client';
import { psnr8 } from './frames';
import { startExport } from './export-client';
import { zipFrameName } from './export-args';

let client: MediaClient | null = null;
const media = () => (client ??= new MediaClient());

async function clipRgba(ctx: GpuTestContext): Promise<Uint8ClampedArray[]> {
  const out: Uint8ClampedArray[] = [];
  for (let i = 0; i < 8; i++) {
    const bitmap = await createImageBitmap(new Blob([(await ctx.fetchBytes(`/e2e/fixtures/clip-64x48/src-0${i}.png`)) as BlobPart]), { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
    const c = new OffscreenCanvas(64, 48);
    const g = c.getContext('2d')!;
    g.drawImage(bitmap, 0, 0);
    out.push(g.getImageData(0, 0, 64, 48).data);
  }
  return out;
}

/** 1 s of a 440 Hz tone as a 16-bit mono WAV (an audio track to keep). */
function toneWav(seconds = 1, rate = 16000): Blob {
  const n = seconds * rate;
  const buf = new ArrayBuffer(44 + n * 2);
  const v = new DataView(buf);
  const str = (o: number, s: string) => [...s].forEach((ch, i) => v.setUint8(o + i, ch.charCodeAt(0)));
  str(0, 'RIFF'); v.setUint32(4, 36 + n * 2, true); str(8, 'WAVE'); str(12, 'fmt ');
  v.setUint32(16, 16, true); v.setUint16(20, 1, true); v.setUint16(22, 1, true); v.setUint32(24, rate, true);
  v.setUint32(28, rate * 2, true); v.setUint16(32, 2, true); v.setUint16(34, 16, true); str(36, 'data'); v.setUint32(40, n * 2, true);
  for (let i = 0; i < n; i++) v.setInt16(44 + i * 2, Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)), true);
  return new Blob([buf], { type: 'audio/wav' });
}

/** Entry names from a zip's central directory. */
function zipNames(bytes: Uint8Array): string[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let eocd = bytes.length - 22;
  while (eocd >= 0 && v.getUint32(eocd, true) !== 0x06054b50) eocd--;
  const count = v.getUint16(eocd + 10, true);
  let p = v.getUint32(eocd + 16, true);
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const nameLen = v.getUint16(p + 28, true);
    names.push(new TextDecoder().decode(bytes.subarray(p + 46, p + 46 + nameLen)));
    p += 46 + nameLen + v.getUint16(p + 30, true) + v.getUint16(p + 32, true);
  }
  return names;
}

async function exportVideo(ctx: GpuTestContext, format: 'mp4' | 'webm-vp8', audio: boolean, pixelAspect?: { num: number; den: number }) {
  const frames = await clipRgba(ctx);
  const s = await startExport({
    format, width: 64, height: 48, fps: 25, crf: 18, fileName: `test.${format === 'mp4' ? 'mp4' : 'webm'}`, slots: 2, pixelAspect,
    audio: audio ? { blob: toneWav(), name: 'tone.wav', startS: 0.1, durationS: 8 / 25 } : undefined,
  });
  let maxAhead = 0;
  for (let i = 0; i < frames.length; i++) {
    await s.write(frames[i]);
    maxAhead = Math.max(maxAhead, i + 1 - s.encoded);
  }
  const done = await s.finish();
  return { frames, done, maxAhead };
}

export const browserTests: GpuTest[] = [
  {
    name: 'export: 8 real frames streamed into an MP4 (H.264 + AAC from a WAV, an anamorphic source\'s SAR) in OPFS; media worker reads it back',
    async run(ctx) {
      const { frames, done, maxAhead } = await exportVideo(ctx, 'mp4', true, { num: 32, den: 27 });
      if (!done.file) return { pass: false, detail: 'no file' };
      const info = await media().probe(done.file, 'test.mp4');
      const dec = await media().decode(done.file, 'test.mp4', { count: 20 });
      const ps = dec.frames.map((f, i) => psnr8(rgbaToRgb24(f), rgbaToRgb24(frames[i])));
      // 4:2:0 alone costs this small saturated clip ~29 dB (Node test: lossless yuv420p round trip).
      const sar = info.pixelAspect ? `${info.pixelAspect.num}:${info.pixelAspect.den}` : '1:1';
      const ok = done.storage === 'opfs' && info.codec === 'h264' && info.hasAudio && sar === '32:27' && dec.frames.length === 8 && dec.width === 64 && dec.height === 48 && ps.every((p) => p > 26) && maxAhead <= 2;
      return {
        pass: ok,
        detail: `${done.bytes} bytes in ${done.storage}, ${info.codec} ${dec.width}×${dec.height} SAR ${sar} (32:27 asked), audio ${info.hasAudio}, ${dec.frames.length} frames, PSNR min ${Math.min(...ps).toFixed(1)} dB (> 26), frames written ahead of the encoder ≤ ${maxAhead} (pipe of 2)`,
      };
    },
  },
  {
    name: 'export: WebM (VP8) of 8 real frames; media worker reads it back',
    async run(ctx) {
      const { frames, done } = await exportVideo(ctx, 'webm-vp8', false);
      if (!done.file) return { pass: false, detail: 'no file' };
      const info = await media().probe(done.file, 'test.webm');
      const dec = await media().decode(done.file, 'test.webm', { count: 20 });
      const ps = dec.frames.map((f, i) => psnr8(rgbaToRgb24(f), rgbaToRgb24(frames[i])));
      const ok = info.codec === 'vp8' && dec.frames.length === 8 && ps.every((p) => p > 24);
      return { pass: ok, detail: `${done.bytes} bytes, ${info.codec}, ${dec.frames.length} frames, PSNR min ${Math.min(...ps).toFixed(1)} dB (> 24)` };
    },
  },
  {
    name: 'export: PNG zip of 3 frames (client-zip streamed into OPFS): names and lossless pixels',
    async run(ctx) {
      const frames = (await clipRgba(ctx)).slice(0, 3);
      const s = await startExport({ format: 'png-zip', width: 64, height: 48, fps: 25, fileName: 'frames.zip' });
      for (const f of frames) await s.write(f);
      const done = await s.finish();
      const bytes = new Uint8Array(await done.file!.arrayBuffer());
      const names = zipNames(bytes);
      // Stored (not deflated) entries: find frame 2's PNG by its local header and decode it.
      const want = zipFrameName(2);
      let at = -1;
      for (let i = 0; i + 30 < bytes.length && at < 0; i++) {
        if (bytes[i] === 0x50 && bytes[i + 1] === 0x4b && bytes[i + 2] === 3 && bytes[i + 3] === 4) {
          const v = new DataView(bytes.buffer, i);
          const nl = v.getUint16(26, true);
          if (new TextDecoder().decode(bytes.subarray(i + 30, i + 30 + nl)) === want) at = i + 30 + nl + v.getUint16(28, true);
        }
      }
      const png = bytes.subarray(at, bytes.length);
      const bitmap = await createImageBitmap(new Blob([png]), { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
      const c = new OffscreenCanvas(64, 48);
      c.getContext('2d')!.drawImage(bitmap, 0, 0);
      const px = c.getContext('2d')!.getImageData(0, 0, 64, 48).data;
      const same = px.every((v, i) => v === frames[2][i]);
      const ok = names.join() === ['frame-00000.png', 'frame-00001.png', 'frame-00002.png'].join() && same;
      return { pass: ok, detail: `entries ${names.join(', ')}; frame 2 pixels identical: ${same}` };
    },
  },
  {
    name: 'export: abort mid-stream deletes the partial file; the next export works',
    async run(ctx) {
      const frames = await clipRgba(ctx);
      const s = await startExport({ format: 'mp4', width: 64, height: 48, fps: 25, crf: 23, fileName: 'aborted.mp4', slots: 2 });
      for (const f of frames.slice(0, 3)) await s.write(f);
      await s.abort();
      let rejected = false;
      await s.write(frames[3]).catch(() => (rejected = true));
      const again = await exportVideo(ctx, 'mp4', false);
      const ok = rejected && again.done.frames === 8 && !!again.done.file && again.done.file.size > 0;
      return { pass: ok, detail: `writes after abort rejected: ${rejected}; next export: ${again.done.frames} frames, ${again.done.bytes} bytes` };
    },
  },
];
