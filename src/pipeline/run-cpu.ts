/**
 * The whole degradation pipeline on the CPU references, in the paper's order:
 *
 *   x = FFmpeg(Quantise(VQD(Down(Noise(Blur(y))))))
 *
 * with one PipelineParams for every frame of the clip (the blur kernel, the VQD k's and the codec
 * settings are the clip's; only the noise changes per frame, keyed by (params.seed, frame index)).
 * Used by the Node CLI and the training data factory; the app's GPU path must give the same pixels
 * (up to the stages' documented float tolerances) for the same params.
 *
 * The stages and their order are stages.ts's one list (the GPU path walks the same list).
 *
 * Streaming: frames are pulled from the source one at a time and each leaves the pre-codec stages
 * before the next is read. The codec round trip holds what the encoder and decoder buffer (x264's
 * lookahead, pipes); with codec 'none' exactly one frame is in flight.
 */
import type { ImageF32 } from '../core/image.ts';
import { quantizeImage } from '../core/pixels.ts';
import { assertValidParams, type PipelineParams } from './params.ts';
import { DegradeSetupError } from './stage.ts';
import { FRAME_STAGES, type StageTimes } from './stages.ts';
import type { CodecOptions, RoundTripStats, RoundTripStream } from '../media/codec-args.ts';
import type { VqdRunner } from './vqd/options.ts';

export type { VqdRunner } from './vqd/options.ts';
export type { StageTimes } from './stages.ts';
export { DegradeSetupError } from './stage.ts';

/** The FFmpeg stage: ffmpeg-node.ts's `FfmpegNode.roundTrip` (bound), or any equivalent. */
export type RoundTrip = (frames: AsyncIterable<ImageF32>, settings: CodecOptions) => RoundTripStream;

export interface DegradeDeps {
  /** Required when params.vqd.enabled. */
  vqd?: VqdRunner;
  /** Required when params.compress.codec is not 'none'. */
  roundTrip?: RoundTrip;
}

export interface DegradeStats {
  frames: number;
  /** Codec bitstream bytes; null when compress.codec is 'none'. */
  encodedBytes: number | null;
  /** Milliseconds spent in each pre-codec stage that ran, summed over frames. */
  stageMs: StageTimes;
  /** Wall time from the first pull to the last frame out, codec included. */
  totalMs: number;
}

export interface DegradeStream {
  frames: AsyncIterable<ImageF32>;
  /** Resolves once `frames` has been consumed to the end. */
  stats: Promise<DegradeStats>;
}

/** A clip's validated params and the stage times summed over its frames. */
export interface PreparedStages {
  params: PipelineParams;
  times: StageTimes;
}

export function prepareStages(params: PipelineParams): PreparedStages {
  return { params, times: {} };
}

/** The per-frame stages (stages.ts, skipping those the params leave idle), then Quantise, for frame `index` of a clip. */
export async function degradeFrameBeforeCodec(img: ImageF32, index: number, st: PreparedStages, vqd?: VqdRunner): Promise<ImageF32> {
  const { params, times } = st;
  let t = performance.now();
  const tick = (stage: keyof StageTimes) => {
    const now = performance.now();
    times[stage] = (times[stage] ?? 0) + (now - t);
    t = now;
  };
  let x = img;
  for (const stage of FRAME_STAGES) {
    if (stage.skip(params)) continue;
    x = await stage.cpu(x, params, index, { vqd });
    tick(stage.name);
  }
  x = quantizeImage(x);
  tick('quantize');
  return x;
}

/**
 * Degrade a clip. `params` is validated first (ParamsError on anything wrong); the frames come out
 * in order, at size round(W / factor) × round(H / factor).
 */
export function degradeFramesCpu(
  frames: Iterable<ImageF32> | AsyncIterable<ImageF32>,
  params: PipelineParams,
  deps: DegradeDeps = {},
): DegradeStream {
  const p = assertValidParams(params);
  if (p.vqd.enabled) {
    if (!deps.vqd) throw new DegradeSetupError('VQD is enabled (params.vqd.enabled) but no VQD runner was given');
    if (deps.vqd.modelId !== p.modelId) throw new DegradeSetupError(`params.modelId is '${p.modelId}' but the VQD runner has '${deps.vqd.modelId}' loaded`);
    for (const k of [p.vqd.kTop, p.vqd.kMid, p.vqd.kBot]) {
      if (k > deps.vqd.nCodes) throw new DegradeSetupError(`vqd k = ${k} exceeds the model's ${deps.vqd.nCodes} codebook entries`);
    }
  }
  const codec = p.compress.codec;
  if (codec !== 'none' && !deps.roundTrip) throw new DegradeSetupError(`compress.codec is '${codec}' but no FFmpeg round trip was given`);

  const st = prepareStages(p);
  let count = 0;
  let start = 0;
  async function* beforeCodec(): AsyncGenerator<ImageF32> {
    start = performance.now();
    let index = 0;
    for await (const f of frames) {
      yield await degradeFrameBeforeCodec(f, index, st, deps.vqd);
      index++;
    }
  }

  let settle!: { resolve: (s: DegradeStats) => void; reject: (e: unknown) => void };
  const stats = new Promise<DegradeStats>((resolve, reject) => (settle = { resolve, reject }));
  stats.catch(() => {});

  async function* out(): AsyncGenerator<ImageF32> {
    let encoded: Promise<RoundTripStats> | null = null;
    let source: AsyncIterable<ImageF32> = beforeCodec();
    if (codec !== 'none') {
      const rt = deps.roundTrip!(source, { codec, crf: p.compress.crf, qscale: p.compress.qscale, profile: p.compress.profile, fps: p.compress.fps });
      source = rt.frames;
      encoded = rt.stats;
    }
    let finished = false;
    try {
      for await (const f of source) {
        count++;
        yield f;
      }
      const encodedBytes = encoded ? (await encoded).encodedBytes : null;
      finished = true;
      settle.resolve({ frames: count, encodedBytes, stageMs: { ...st.times }, totalMs: performance.now() - start });
    } catch (e) {
      settle.reject(e);
      throw e;
    } finally {
      // A consumer that stops early (break) still gets an answer from `stats`.
      if (!finished) settle.reject(new Error(`degradation stopped after ${count} frames`));
    }
  }
  return { frames: out(), stats };
}

/** Convenience for whole clips in memory (tests, short training clips). */
export async function degradeClipCpu(
  frames: Iterable<ImageF32> | AsyncIterable<ImageF32>,
  params: PipelineParams,
  deps: DegradeDeps = {},
): Promise<{ frames: ImageF32[]; stats: DegradeStats }> {
  const run = degradeFramesCpu(frames, params, deps);
  const out: ImageF32[] = [];
  for await (const f of run.frames) out.push(f);
  return { frames: out, stats: await run.stats };
}
