/**
 * The fast decode path: MP4/MOV demuxed by mp4box.js, frames decoded by the browser's WebCodecs
 * VideoDecoder (native code, SIMD) instead of ffmpeg.wasm. Used by decode({ exact: false }) for
 * H.264 / VP9 / AV1 in ISO-BMFF; anything else (or any failure to set up) returns null and the
 * caller falls back to ffmpeg.wasm.
 *
 * Not the default: its frames are a few levels from ffmpeg's (the H.264 decode itself is exact;
 * YUV → RGB is our yuv.ts, which approximates swscale to max|Δ| ≈ 4), so they are for looking at
 * (scrubbing), not for pipeline runs that the Node CLI must reproduce bit for bit.
 *
 * Only the index (moov) is read up front; each request then reads just the byte ranges of the
 * samples it needs, from the keyframe before the first wanted frame, so a long clip never sits
 * in memory.
 */
import { DataStream, Endianness, MP4BoxBuffer, createFile, type ISOFile, type Sample } from 'mp4box';
import { yuv420ToRgba } from './yuv';

export interface Mp4Track {
  codec: string;
  description?: Uint8Array;
  width: number;
  height: number;
  /** Samples in decode order. */
  samples: Sample[];
  /** Decode-order index of the sample shown at presentation index i. */
  presentation: number[];
}

const READ_CHUNK = 1 << 20;

function isIsoBmff(head: Uint8Array): boolean {
  return head.length >= 12 && String.fromCharCode(...head.subarray(4, 8)) === 'ftyp';
}

/** Parse the file's index, feeding mp4box the byte ranges it asks for; null if it is not an MP4
 * with a video track WebCodecs might decode. */
export async function readMp4Index(blob: Blob): Promise<Mp4Track | null> {
  const head = new Uint8Array(await blob.slice(0, 12).arrayBuffer());
  if (!isIsoBmff(head)) return null;
  const file: ISOFile = createFile();
  let ready = false;
  let failed = false;
  file.onReady = () => {
    ready = true;
  };
  file.onError = () => {
    failed = true;
  };
  let pos = 0;
  while (!ready && !failed && pos < blob.size) {
    const buf = await blob.slice(pos, pos + READ_CHUNK).arrayBuffer();
    const next = file.appendBuffer(MP4BoxBuffer.fromArrayBuffer(buf, pos), pos + buf.byteLength >= blob.size);
    pos = typeof next === 'number' && next > pos ? next : pos + buf.byteLength;
  }
  file.flush();
  if (!ready || failed) return null;
  const info = file.getInfo();
  const vt = info.videoTracks?.[0];
  if (!vt) return null;
  const trak = file.getTrackById(vt.id);
  // Edit lists with several entries cut or reorder the timeline; ffmpeg applies them and we
  // would not: leave such files to ffmpeg so frame i means the same frame on both paths.
  if ((trak.edts?.elst?.entries?.length ?? 0) > 1) return null;
  // Rotated video (phone clips): ffmpeg turns it upright, WebCodecs would not.
  const m = trak.tkhd?.matrix as ArrayLike<number> | undefined;
  if (m && (m[1] !== 0 || m[3] !== 0 || m[0] <= 0 || m[4] <= 0)) return null;
  const samples = trak.samples ?? [];
  if (samples.length === 0) return null;
  const presentation = samples.map((_, i) => i).sort((a, b) => samples[a].cts - samples[b].cts);
  return {
    codec: vt.codec,
    description: codecDescription(trak),
    width: vt.video?.width ?? vt.track_width,
    height: vt.video?.height ?? vt.track_height,
    samples,
    presentation,
  };
}

/** The decoder configuration record (avcC, hvcC, vpcC, av1C) without its box header. */
function codecDescription(trak: ReturnType<ISOFile['getTrackById']>): Uint8Array | undefined {
  for (const entry of trak.mdia.minf.stbl.stsd.entries) {
    const e = entry as unknown as Record<string, { write(ds: DataStream): void } | undefined>;
    const box = e.avcC ?? e.hvcC ?? e.vpcC ?? e.av1C;
    if (box) {
      const ds = new DataStream(undefined, 0, Endianness.BIG_ENDIAN);
      box.write(ds);
      return new Uint8Array(ds.buffer, 8); // skip size + fourcc
    }
  }
  return undefined;
}

export interface FastDecodeResult {
  width: number;
  height: number;
  frames: Uint8ClampedArray<ArrayBuffer>[];
}

/**
 * Decode presentation frames [start, start+count) of an indexed MP4 with WebCodecs.
 * Returns null when the browser cannot decode this codec (caller falls back to ffmpeg.wasm).
 */
export async function decodeMp4Range(
  blob: Blob,
  track: Mp4Track,
  start: number,
  count: number,
  onFrame: (done: number) => void,
  cancelled: () => boolean,
): Promise<FastDecodeResult | null> {
  if (typeof VideoDecoder === 'undefined') return null;
  const config: VideoDecoderConfig = {
    codec: track.codec,
    codedWidth: track.width,
    codedHeight: track.height,
    ...(track.description ? { description: track.description } : {}),
    hardwareAcceleration: 'prefer-software', // deterministic, and what headless machines have
  };
  const support = await VideoDecoder.isConfigSupported(config).catch(() => ({ supported: false }));
  if (!support.supported) return null;

  const end = Math.min(start + count, track.presentation.length);
  if (end <= start) return { width: track.width, height: track.height, frames: [] };
  const wanted = track.presentation.slice(start, end);
  const first = Math.min(...wanted);
  const last = Math.max(...wanted);
  let key = first;
  while (key > 0 && !track.samples[key].is_sync) key--;
  // cts → presentation index, for the frames we keep.
  const want = new Map<number, number>();
  for (let p = start; p < end; p++) {
    const s = track.samples[track.presentation[p]];
    want.set(Math.round((s.cts * 1e6) / s.timescale), p - start);
  }

  const frames: Uint8ClampedArray<ArrayBuffer>[] = new Array(end - start);
  let done = 0;
  let error: unknown = null;
  const conversions: Promise<void>[] = [];
  const decoder = new VideoDecoder({
    output: (frame) => {
      const slot = want.get(frame.timestamp);
      if (slot === undefined) {
        frame.close();
        return;
      }
      conversions.push(
        toRgba(frame)
          .then((rgba) => {
            frames[slot] = rgba;
            onFrame(++done);
          })
          .finally(() => frame.close()),
      );
    },
    error: (e) => {
      error = e;
    },
  });
  try {
    decoder.configure(config);
    // One read for the whole run of samples when it is reasonably small, else one per sample.
    const lo = track.samples[key].offset;
    const hi = Math.max(...track.samples.slice(key, last + 1).map((s) => s.offset + s.size));
    const span = hi - lo <= 64 * 2 ** 20 ? new Uint8Array(await blob.slice(lo, hi).arrayBuffer()) : null;
    for (let i = key; i <= last; i++) {
      if (cancelled() || error) break;
      const s = track.samples[i];
      const data = span ? span.subarray(s.offset - lo, s.offset - lo + s.size) : new Uint8Array(await blob.slice(s.offset, s.offset + s.size).arrayBuffer());
      decoder.decode(
        new EncodedVideoChunk({
          type: s.is_sync ? 'key' : 'delta',
          timestamp: Math.round((s.cts * 1e6) / s.timescale),
          duration: Math.round((s.duration * 1e6) / s.timescale),
          data,
        }),
      );
      // Keep the queue short so decoded frames do not pile up unconverted. (The timer guards
      // against a decoder that stops dequeuing after an error.)
      while (decoder.decodeQueueSize > 8 && !error) {
        await new Promise((r) => {
          decoder.addEventListener('dequeue', r, { once: true });
          setTimeout(r, 50);
        });
      }
    }
    if (!cancelled() && !error) await decoder.flush();
    await Promise.all(conversions);
  } catch (e) {
    error ??= e;
  } finally {
    if (decoder.state !== 'closed') decoder.close();
  }
  if (error || cancelled()) return error ? null : { width: track.width, height: track.height, frames: [] };
  const got = frames.filter((f) => f !== undefined);
  if (got.length === 0) return null;
  return { width: track.width, height: track.height, frames: got };
}

/**
 * A VideoFrame's visible pixels as RGBA8. 8-bit 4:2:0 frames (I420, NV12: what H.264/VP9/AV1
 * software decoders give) are converted by yuv.ts exactly as ffmpeg would; anything else is
 * drawn by the browser.
 */
async function toRgba(frame: VideoFrame): Promise<Uint8ClampedArray<ArrayBuffer>> {
  const rect = frame.visibleRect!;
  const w = rect.width;
  const h = rect.height;
  if ((frame.format === 'I420' || frame.format === 'NV12') && w === frame.displayWidth && h === frame.displayHeight) {
    const buf = new Uint8Array(frame.allocationSize({ rect }));
    const layout = await frame.copyTo(buf, { rect });
    const cw = (w + 1) >> 1;
    const ch = (h + 1) >> 1;
    const y = buf.subarray(layout[0].offset);
    let u: Uint8Array;
    let v: Uint8Array;
    let uvStride: number;
    if (frame.format === 'I420') {
      u = buf.subarray(layout[1].offset);
      v = buf.subarray(layout[2].offset);
      uvStride = layout[1].stride;
    } else {
      // NV12: interleaved UV → two planes.
      const uv = buf.subarray(layout[1].offset);
      u = new Uint8Array(cw * ch);
      v = new Uint8Array(cw * ch);
      for (let r = 0; r < ch; r++) {
        for (let c = 0; c < cw; c++) {
          u[r * cw + c] = uv[r * layout[1].stride + 2 * c];
          v[r * cw + c] = uv[r * layout[1].stride + 2 * c + 1];
        }
      }
      uvStride = cw;
    }
    return yuv420ToRgba({ width: w, height: h, y, u, v, yStride: layout[0].stride, uvStride }) as Uint8ClampedArray<ArrayBuffer>;
  }
  const canvas = new OffscreenCanvas(frame.displayWidth, frame.displayHeight);
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(frame, 0, 0);
  return ctx.getImageData(0, 0, canvas.width, canvas.height).data;
}
