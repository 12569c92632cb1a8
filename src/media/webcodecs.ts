/**
 * The WebCodecs decode path: MP4/MOV demuxed by mp4box.js, frames decoded by the browser's
 * VideoDecoder (native code, SIMD, threads) instead of ffmpeg.wasm. The media worker tries it first
 * for every MP4/MOV whose codec the browser says it decodes (H.264, VP9, AV1 …), per file; anything
 * it cannot do exactly as ffmpeg would comes back as a reason, and the worker falls back to
 * ffmpeg.wasm.
 *
 * Same pixels as ffmpeg (the CLI and ffmpeg.wasm): H.264/VP9/AV1 decoding is bit-exact in any
 * conformant decoder, so only YUV → RGB could differ; the 8-bit 4:2:0 planes (VideoFrame.copyTo,
 * I420 or NV12) go through yuv.ts, as ffmpeg's planes do on the other two paths, with the colour
 * matrix and range ffmpeg reads for the stream (from its probe).
 *
 * Same frames: frame i is the i-th in presentation order (sample cts), as ffmpeg numbers them.
 * Files where the two could disagree are left to ffmpeg: edit lists that cut frames, rotation,
 * sample counts that differ from the probe's, and (for a range not starting at 0) variable frame
 * rate or a video track starting later than the file, where ffmpeg's time-based seek
 * (-ss (start − ½)/fps) would pick by timestamp.
 *
 * Only the index (moov) is read up front; each request reads just the byte ranges of the samples
 * it needs, from the keyframe before the first wanted frame, so a long clip never sits in memory.
 *
 * Speed: decoded frames are converted in the frame-conversion worker (frame-converter.ts), so the
 * decoder — which is fed only as its owning thread handles each finished decode — keeps decoding
 * while frames are converted, with the wasm SIMD form of yuv.ts (yuv-simd.ts), one reused copy
 * buffer and the pixels transferred, never cloned.
 */
import { DataStream, Endianness, MP4BoxBuffer, createFile, type ISOFile, type Sample } from 'mp4box';
import { frameConverter, type FrameConverter } from './frame-converter';
import type { FrameTarget } from './frame-rgba';

export interface Mp4Track {
  codec: string;
  description?: Uint8Array;
  width: number;
  height: number;
  /** Samples in decode order. */
  samples: Sample[];
  /** Decode-order index of the sample shown at presentation index i. */
  presentation: number[];
  /** Every sample (but the last) lasts the same: frame i starts at i / fps exactly. */
  constantRate: boolean;
}

/**
 * readMp4Index's answer: the track, or why this file is left to ffmpeg.wasm. `editCutsFrames`:
 * the track's edit list hides some of its samples, so the sample count (ffprobe's nb_frames) is
 * more than the frames ffmpeg gives; the media worker then counts them as ffmpeg does.
 */
export type Mp4Index = { track: Mp4Track } | { reason: string; editCutsFrames?: boolean };

const READ_CHUNK = 1 << 20;

function isIsoBmff(head: Uint8Array): boolean {
  return head.length >= 12 && String.fromCharCode(...head.subarray(4, 8)) === 'ftyp';
}

/** Parse the file's index, feeding mp4box the byte ranges it asks for. */
export async function readMp4Index(blob: Blob): Promise<Mp4Index> {
  const head = new Uint8Array(await blob.slice(0, 12).arrayBuffer());
  if (!isIsoBmff(head)) return { reason: 'not an MP4/MOV file' };
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
  try {
    while (!ready && !failed && pos < blob.size) {
      const buf = await blob.slice(pos, pos + READ_CHUNK).arrayBuffer();
      const next = file.appendBuffer(MP4BoxBuffer.fromArrayBuffer(buf, pos), pos + buf.byteLength >= blob.size);
      pos = typeof next === 'number' && next > pos ? next : pos + buf.byteLength;
    }
    file.flush();
  } catch (e) {
    return { reason: `mp4box could not read the index (${e instanceof Error ? e.message : String(e)})` };
  }
  if (!ready || failed) return { reason: 'mp4box could not read the index (incomplete or damaged file?)' };
  const info = file.getInfo();
  const vt = info.videoTracks?.[0];
  if (!vt) return { reason: 'no video track in the MP4 index' };
  const trak = file.getTrackById(vt.id);
  const samples = trak.samples ?? [];
  if (samples.length === 0) return { reason: 'the video track has no samples' };
  const presentation = samples.map((_, i) => i).sort((a, b) => samples[a].cts - samples[b].cts);
  const edit = editListProblem(trak, samples, presentation, file.moov?.mvhd?.timescale ?? info.timescale);
  const refuse = (reason: string): Mp4Index => ({ reason, ...(edit?.cutsFrames ? { editCutsFrames: true } : {}) });
  // Rotated video (phone clips): ffmpeg turns it upright, WebCodecs would not.
  const m = trak.tkhd?.matrix as ArrayLike<number> | undefined;
  if (m && (m[1] !== 0 || m[3] !== 0 || m[0] <= 0 || m[4] <= 0)) return refuse('the video is rotated (display matrix)');
  for (let i = 1; i < presentation.length; i++) {
    if (samples[presentation[i]].cts === samples[presentation[i - 1]].cts) return refuse('two samples share a timestamp');
  }
  if (edit) return refuse(edit.reason);
  const d0 = samples[0].duration;
  const constantRate = samples.every((s, i) => s.duration === d0 || i === samples.length - 1);
  return {
    track: {
      codec: vt.codec,
      description: codecDescription(trak),
      width: vt.video?.width ?? vt.track_width,
      height: vt.video?.height ?? vt.track_height,
      samples,
      presentation,
      constantRate,
    },
  };
}

/**
 * Edit lists: ffmpeg applies them and the WebCodecs path would not, so only the harmless single
 * edit (the usual B-frame delay: media_time = the first frame's cts, covering the whole track) is
 * accepted. Anything else is a reason to leave the file to ffmpeg; `cutsFrames` when the edits may
 * hide samples (a trimmed clip: `ffmpeg -ss … -c copy` writes such a list), so the sample count is
 * not ffmpeg's frame count.
 */
function editListProblem(
  trak: ReturnType<ISOFile['getTrackById']>,
  samples: Sample[],
  presentation: number[],
  movieTs: number,
): { reason: string; cutsFrames: boolean } | null {
  const edits = trak.edts?.elst?.entries ?? [];
  if (edits.length > 1) return { reason: `an edit list of ${edits.length} entries`, cutsFrames: true };
  if (edits.length === 0) return null;
  const e = edits[0] as { segment_duration: number; media_time: number; media_rate_integer?: number };
  const ts = trak.mdia.mdhd.timescale;
  const firstCts = samples[presentation[0]].cts;
  const lastSample = samples[presentation[presentation.length - 1]];
  if (e.media_time < 0) return { reason: 'its edit list starts with an empty edit', cutsFrames: false };
  if (e.media_time > firstCts) return { reason: 'its edit list cuts frames off the start', cutsFrames: true };
  if ((e.media_rate_integer ?? 1) !== 1) return { reason: 'its edit list changes the playback rate', cutsFrames: true };
  // (media time units; half a frame of slack for rounding in the movie's coarser timescale)
  const segmentEnd = e.media_time + (e.segment_duration / movieTs) * ts;
  if (e.segment_duration > 0 && segmentEnd < lastSample.cts + lastSample.duration - samples[0].duration / 2) {
    return { reason: 'its edit list cuts frames off the end', cutsFrames: true };
  }
  return null;
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

export interface RangeOptions extends FrameTarget {
  onFrame(done: number): void;
  cancelled(): boolean;
  /** performance.now() past which the call stops with 'timeout'. */
  deadline: number;
  /** Where frames are converted (default: frameConverter(), the frame-conversion worker). */
  converter?: FrameConverter;
}

export type RangeResult =
  | { frames: Uint8ClampedArray<ArrayBuffer>[] }
  /** Not decodable here (unsupported config, decoder error, unexpected frames): use ffmpeg.wasm. */
  | { reason: string }
  | { stopped: 'cancelled' | 'timeout' };

/** The VideoDecoderConfig for a track. */
export function decoderConfig(track: Mp4Track): VideoDecoderConfig {
  return {
    codec: track.codec,
    codedWidth: track.width,
    codedHeight: track.height,
    ...(track.description ? { description: track.description } : {}),
    hardwareAcceleration: 'prefer-software', // planes in CPU memory, and what headless machines have
  };
}

/**
 * Decode presentation frames [start, start+count) of an indexed MP4 with WebCodecs, converted to
 * RGBA8. Every decoded frame of the range or a reason / a stop: never a partial result.
 */
export async function decodeMp4Range(blob: Blob, track: Mp4Track, start: number, count: number, o: RangeOptions): Promise<RangeResult> {
  if (typeof VideoDecoder === 'undefined') return { reason: 'this browser has no WebCodecs VideoDecoder' };
  const config = decoderConfig(track);
  const support = await VideoDecoder.isConfigSupported(config).catch((e: unknown) => ({ supported: false, error: e }));
  if (!support.supported) return { reason: `this browser's VideoDecoder does not take ${track.codec}` };

  const end = Math.min(start + count, track.presentation.length);
  if (end <= start) return { frames: [] };
  // Decode-order span of the wanted frames (no spread: a long clip has too many samples for it).
  let first = Infinity;
  let last = -1;
  for (let p = start; p < end; p++) {
    first = Math.min(first, track.presentation[p]);
    last = Math.max(last, track.presentation[p]);
  }
  let key = first;
  while (key > 0 && !track.samples[key].is_sync) key--;
  const micros = (s: Sample) => Math.round((s.cts * 1e6) / s.timescale);
  // µs timestamp → slot, for the frames we keep.
  const want = new Map<number, number>();
  for (let p = start; p < end; p++) want.set(micros(track.samples[track.presentation[p]]), p - start);
  if (want.size !== end - start) return { reason: 'frame timestamps collide at µs precision' };

  const frames = new Array<Uint8ClampedArray<ArrayBuffer>>(end - start);
  let done = 0;
  let failure: string | null = null;
  const fail = (why: string) => {
    failure ??= why;
  };
  const stop = (): 'cancelled' | 'timeout' | null => (o.cancelled() ? 'cancelled' : performance.now() > o.deadline ? 'timeout' : null);

  // Each wanted frame goes to the converter as it comes out of the decoder (frame-converter.ts:
  // another worker, so this thread stays free to keep the decoder fed); at most
  // MAX_FRAMES_CONVERTING are out at once (plus the decoder's queue), so memory stays bounded.
  const converter = o.converter ?? frameConverter();
  const target: FrameTarget = { exact: o.exact, colour: o.colour, width: o.width, height: o.height };
  const conversions: Promise<void>[] = [];
  const converted = new Signal();
  let converting = 0;
  const decoder = new VideoDecoder({
    output: (frame) => {
      const slot = want.get(frame.timestamp);
      if (slot === undefined || failure || stop()) {
        frame.close();
        return;
      }
      converting++;
      conversions.push(
        converter
          .convert(frame, target)
          .then((rgba) => {
            if (typeof rgba === 'string') fail(rgba);
            else if (!failure) {
              frames[slot] = rgba;
              o.onFrame(++done);
            }
          })
          .catch((e: unknown) => fail(`reading a decoded frame failed (${e instanceof Error ? e.message : String(e)})`))
          .finally(() => {
            converting--;
            converted.fire();
          }),
      );
    },
    error: (e) => fail(`the decoder failed (${e.message})`),
  });
  try {
    decoder.configure(config);
    // One read for the whole run of samples when it is reasonably small, else one per sample.
    let lo = Infinity;
    let hi = 0;
    for (let i = key; i <= last; i++) {
      lo = Math.min(lo, track.samples[i].offset);
      hi = Math.max(hi, track.samples[i].offset + track.samples[i].size);
    }
    const span = hi - lo <= 64 * 2 ** 20 ? new Uint8Array(await blob.slice(lo, hi).arrayBuffer()) : null;
    for (let i = key; i <= last; i++) {
      if (failure || stop()) break;
      const s = track.samples[i];
      const data = span ? span.subarray(s.offset - lo, s.offset - lo + s.size) : new Uint8Array(await blob.slice(s.offset, s.offset + s.size).arrayBuffer());
      if (data.length < s.size) {
        fail('the file ends inside its video data (cut short?)');
        break;
      }
      decoder.decode(
        new EncodedVideoChunk({
          type: s.is_sync ? 'key' : 'delta',
          timestamp: micros(s),
          duration: Math.round((s.duration * 1e6) / s.timescale),
          data,
        }),
      );
      // Keep the decoder's queue and the frames waiting for conversion short, so memory stays
      // bounded. (The timer guards against a decoder that stops dequeuing after an error.)
      while ((decoder.decodeQueueSize > MAX_QUEUED_CHUNKS || converting > MAX_FRAMES_CONVERTING) && !failure && !stop()) {
        await Promise.race([
          converted.wait(),
          new Promise((r) => {
            decoder.addEventListener('dequeue', r, { once: true });
            setTimeout(r, 50);
          }),
        ]);
      }
    }
    if (!failure && !stop()) await decoder.flush();
  } catch (e) {
    fail(`the decoder failed (${e instanceof Error ? e.message : String(e)})`);
  } finally {
    if (decoder.state !== 'closed') decoder.close();
    await Promise.all(conversions);
  }
  const stopped = stop();
  if (stopped) return { stopped };
  if (failure) return { reason: failure };
  if (done !== end - start) return { reason: `the decoder gave ${done} of the ${end - start} frames asked for` };
  return { frames };
}

/** Chunks the decoder may hold not yet decoded, and decoded frames that may be converting at once. */
const MAX_QUEUED_CHUNKS = 8;
const MAX_FRAMES_CONVERTING = 4;

/** Wakes every waiter at once (one-shot promises; a waiter checks its own condition again). */
class Signal {
  private waiters: (() => void)[] = [];
  wait(): Promise<void> {
    return new Promise((r) => this.waiters.push(r));
  }
  fire(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}
