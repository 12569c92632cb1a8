/**
 * The FFmpeg stage's command lines in one place. Every ffmpeg that runs the stage builds its
 * arguments here — ffmpeg.wasm in the media worker, Debian's native ffmpeg in the Node CLI
 * (src/media/ffmpeg-node.ts), and scripts/make-sample.py, which asks this module for the args when
 * it writes the native reference decodes the browser tests compare against — so the app and the
 * training data factory encode with exactly the same settings.
 *
 * Pure TS with no runtime imports: it runs in the browser, in workers and in Node. It also holds the
 * types of a streaming round trip (RoundTripStream), the FFmpeg stage's interface in Node.
 *
 * Choices, and why:
 * - rawvideo rgb24 in, `-pix_fmt yuv420p` before the encoder: the paper's pipeline feeds RGB frames
 *   to ffmpeg and lets it convert, so the chroma subsampling is part of the degradation. yuv420p
 *   planes out of the decoder, converted to RGB by yuv.ts (see decodeArgs).
 * - Bit-exact everywhere, so the Node CLI (native ffmpeg) reproduces the app's pixels (ffmpeg.wasm):
 *   - `-threads 1`: x264's decisions depend on its thread count, and ffmpeg.wasm is single-threaded.
 *   - `-x264-params cpu-independent=1`: without it x264's SIMD (native) and C (wasm) paths take
 *     different rate-control decisions; measured here: same yuv in, different streams out, and the
 *     two decodes only 38.7 dB apart at crf 18. With it the coded video is identical.
 *   - `-sws_flags bicubic+accurate_rnd+bitexact` on the rgb24 → yuv420p conversion: swscale's x86
 *     SIMD rounds differently from its C code (≤ 1 level); with these flags both give the same
 *     bytes. bicubic is ffmpeg's default; the other two flags only change rounding.
 *   - Decoding back gives the raw yuv420p planes (`-pix_fmt yuv420p`, the decoder's own format,
 *     so no swscale runs) and every caller converts them with src/media/yuv.ts: the exact,
 *     unbiased YUV → RGB that the app's decoders use too (swscale's is 1–2 levels dark).
 *   - mpeg4 / mpeg2video: `-flags:v +bitexact -dct int -idct simple` pins the encoder's DCT and its
 *     reconstruction IDCT to the C integer versions (the SIMD ones differ; measured 38–41 dB
 *     between native and wasm decodes without, identical streams with).
 *   - `-bsf:v filter_units=remove_types=6` (H.264 only): drops SEI units, i.e. x264's version
 *     banner, whose length differs between builds, so the reported size is the coded video alone.
 * - An elementary stream (`-f h264` / `m4v` / `mpeg2video`), not MP4: the encoded size is the
 *   codec's own bitstream (no container overhead), and it can be written to and read from a pipe.
 * - Decoding with `-fps_mode passthrough`: frames out = frames in, never duplicated or dropped.
 */
import type { ImageF32 } from '../core/image.ts';

export type VideoCodec = 'libx264' | 'mpeg4' | 'mpeg2video';
export type X264Profile = 'baseline' | 'main' | 'high';

export const VIDEO_CODECS: readonly VideoCodec[] = ['libx264', 'mpeg4', 'mpeg2video'];
export const X264_PROFILES: readonly X264Profile[] = ['baseline', 'main', 'high'];

/** The compress stage's settings (PipelineParams.compress without 'none'). */
export interface CodecOptions {
  codec: VideoCodec;
  /** libx264 only: constant rate factor 0..51 (0 = lossless). */
  crf: number;
  /** mpeg4 / mpeg2video only: ffmpeg's -q:v, 1..31 (1 = best). */
  qscale: number;
  /** libx264 only. */
  profile: X264Profile;
  /** Frame rate of the stream; the paper uses 25. mpeg2video accepts only the standard rates. */
  fps: number;
}

export const DEFAULT_CODEC_OPTIONS: CodecOptions = { codec: 'libx264', crf: 23, qscale: 4, profile: 'high', fps: 25 };

/** Raw elementary-stream muxer per codec. */
export const ELEMENTARY_FORMAT: Record<VideoCodec, string> = {
  libx264: 'h264',
  mpeg4: 'm4v',
  mpeg2video: 'mpeg2video',
};

/** …and the demuxer that reads it back (MPEG-1/2 streams share ffmpeg's 'mpegvideo' demuxer). */
export const ELEMENTARY_DEMUXER: Record<VideoCodec, string> = {
  libx264: 'h264',
  mpeg4: 'm4v',
  mpeg2video: 'mpegvideo',
};

/** Scaler flags for every pixel-format conversion of the stage (see the header). */
export const SWS_FLAGS = 'bicubic+accurate_rnd+bitexact';

/**
 * How interlaced video is decoded (DVD and broadcast sources, common for older anime): ffmpeg's
 * bwdif, one frame out per frame in (the frame count and timing stay), only on frames the stream
 * flags interlaced (a progressive frame passes untouched), field order from the stream. Upscaling
 * the fields' comb teeth as detail is what the user would otherwise get. bwdif reads the frames
 * before and after each one, so a range decode starts a frame early and drops it (media worker).
 * Bit-exact between native (SIMD) and ffmpeg.wasm (C): its SIMD is written to match the C.
 */
export const DEINTERLACE_FILTER = 'bwdif=mode=send_frame:parity=auto:deint=interlaced';

/** mpeg2video refuses any other frame rate. */
const MPEG2_RATES = [24000 / 1001, 24, 25, 30000 / 1001, 30, 50, 60000 / 1001, 60];

/**
 * Checks options and says what is wrong in words; returns null when they are fine.
 * (PipelineParams has its own validator; this one guards the ffmpeg boundary itself.)
 */
export function codecOptionsProblem(o: CodecOptions): string | null {
  if (!VIDEO_CODECS.includes(o.codec)) return `unknown codec '${String(o.codec)}' (use ${VIDEO_CODECS.join(', ')})`;
  if (!(Number.isFinite(o.fps) && o.fps > 0 && o.fps <= 240)) return `fps must be a number in (0, 240], got ${o.fps}`;
  if (o.codec === 'libx264') {
    if (!(Number.isInteger(o.crf) && o.crf >= 0 && o.crf <= 51)) return `crf must be an integer 0–51, got ${o.crf}`;
    if (!X264_PROFILES.includes(o.profile)) return `unknown x264 profile '${String(o.profile)}' (use ${X264_PROFILES.join(', ')})`;
  } else {
    if (!(Number.isInteger(o.qscale) && o.qscale >= 1 && o.qscale <= 31)) return `qscale must be an integer 1–31, got ${o.qscale}`;
    if (o.codec === 'mpeg2video' && !MPEG2_RATES.some((r) => Math.abs(r - o.fps) < 1e-3)) {
      return `mpeg2video allows only the standard frame rates (23.976, 24, 25, 29.97, 30, 50, 59.94, 60), got ${o.fps}`;
    }
  }
  return null;
}

/**
 * The codec part of the encoder command line: `-c:v … -pix_fmt yuv420p -threads 1`, the rate
 * control, and for x264 the reproducibility switches explained in the header. crf 0 is lossless, which only x264's High 4:4:4 Predictive profile can carry, so at crf 0
 * the profile is left for x264 to choose (asking for baseline/main/high would make it refuse).
 */
export function codecArgs(o: CodecOptions): string[] {
  const args = ['-c:v', o.codec, '-pix_fmt', 'yuv420p', '-threads', '1'];
  if (o.codec === 'libx264') {
    args.push('-crf', String(o.crf));
    if (o.crf > 0) args.push('-profile:v', o.profile);
    args.push('-x264-params', 'cpu-independent=1', '-bsf:v', 'filter_units=remove_types=6');
  } else {
    args.push('-q:v', String(o.qscale), '-flags:v', '+bitexact', '-dct', 'int', '-idct', 'simple');
  }
  return args;
}

/** Full encoder arguments: rgb24 frames of width×height from `input`, elementary stream to `output`
 * (paths, or 'pipe:0' / 'pipe:1'). Width and height must be even (yuv420p); see evenSize. */
export function encodeArgs(o: CodecOptions, width: number, height: number, input: string, output: string): string[] {
  return [
    '-hide_banner', '-loglevel', 'error', '-nostdin',
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-r', String(o.fps),
    '-i', input,
    '-an', '-sws_flags', SWS_FLAGS, ...codecArgs(o),
    '-f', ELEMENTARY_FORMAT[o.codec], '-y', output,
  ];
}

/**
 * Decoder arguments: the elementary stream back to its yuv420p planes (ffmpeg's rawvideo layout:
 * Y, U, V, no padding; the frame size is the encoder's even one), one output frame per coded frame.
 * Convert them with yuv.ts (untagged BT.601 limited range, as the encoder's swscale wrote them).
 */
export function decodeArgs(o: Pick<CodecOptions, 'codec' | 'fps'>, input: string, output: string): string[] {
  return [
    '-hide_banner', '-loglevel', 'error', '-nostdin',
    '-f', ELEMENTARY_DEMUXER[o.codec], '-r', String(o.fps), '-i', input,
    '-fps_mode', 'passthrough',
    '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-y', output,
  ];
}

/** yuv420p needs even sizes: odd frames are padded (replicating the edge) and cropped back after. */
export function evenSize(width: number, height: number): { width: number; height: number } {
  return { width: width + (width & 1), height: height + (height & 1) };
}

/** Which ffmpeg ran a Node round trip (media/ffmpeg-node.ts). */
export type FfmpegBackendName = 'native' | 'wasm';

export interface RoundTripStats {
  /** Bytes of the codec's elementary stream (no container). */
  encodedBytes: number;
  frames: number;
  backend: FfmpegBackendName;
}

/** A streaming round trip's decoded frames as they come, and the stats once the last frame is out. */
export interface RoundTripStream {
  frames: AsyncIterable<ImageF32>;
  /** Resolves after `frames` is exhausted; rejects if the round trip failed. */
  stats: Promise<RoundTripStats>;
}
