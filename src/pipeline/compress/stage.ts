/**
 * The FFmpeg stage: a codec round trip over the whole clip (encode the quantised frames, decode
 * them back), after the per-frame stages. It runs in ffmpeg: the media worker's ffmpeg.wasm in
 * the app, native ffmpeg (or ffmpeg.wasm) in Node (media/ffmpeg-node.ts). Its command lines and
 * their rules are media/codec-args.ts'.
 */
import { VIDEO_CODECS, X264_PROFILES, codecOptionsProblem, type VideoCodec, type X264Profile } from '../../media/codec-args.ts';
import { num, oneOf } from '../schema.ts';
import type { ClipStage } from '../stage.ts';

export type CompressCodec = VideoCodec | 'none';

export interface CompressParams {
  codec: CompressCodec;
  /** libx264: 0..51 (the paper draws 18..35). */
  crf: number;
  /** mpeg4 / mpeg2video: 1..31. */
  qscale: number;
  /** libx264 only. */
  profile: X264Profile;
  fps: number;
}

export const CRF_RANGE = [0, 51] as const;
export const QSCALE_RANGE = [1, 31] as const;
export const FPS_RANGE = [1, 240] as const;
const CODECS: readonly CompressCodec[] = [...VIDEO_CODECS, 'none'];

export const compressStage: ClipStage<'compress', CompressParams> = {
  kind: 'clip',
  name: 'compress',
  label: 'codec',
  params: {
    defaults: (): CompressParams => ({ codec: 'libx264', crf: 23, qscale: 4, profile: 'high', fps: 25 }),
    read(c, d, ctx) {
      const compress: CompressParams = {
        codec: oneOf(c, 'codec', 'compress', CODECS, d.codec, ctx),
        crf: num(c, 'crf', 'compress', { min: CRF_RANGE[0], max: CRF_RANGE[1], integer: true }, d.crf, ctx),
        qscale: num(c, 'qscale', 'compress', { min: QSCALE_RANGE[0], max: QSCALE_RANGE[1], integer: true }, d.qscale, ctx),
        profile: oneOf(c, 'profile', 'compress', X264_PROFILES, d.profile, ctx),
        fps: num(c, 'fps', 'compress', { min: FPS_RANGE[0], max: FPS_RANGE[1] }, d.fps, ctx),
      };
      if (compress.codec !== 'none') {
        const problem = codecOptionsProblem({ ...compress, codec: compress.codec });
        if (problem) {
          // Only cross-field rules can be left here (e.g. mpeg2video's fixed frame rates).
          ctx.bad('compress.fps', `(${problem})`, d.fps);
          if (ctx.lenient) compress.fps = d.fps;
        }
      }
      return compress;
    },
  },
  skip: (p) => p.compress.codec === 'none',
};
