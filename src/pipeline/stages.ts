/**
 * The degradation pipeline, in the paper's order — x = FFmpeg(Quantise(VQD(Down(Noise(Blur(y)))))) —
 * as one list every reader walks: the params schema (params.ts), the CPU path (run-cpu.ts), the
 * GPU path (run-gpu.ts) and the timings. Adding a stage is a folder with its stage.ts (a `Stage`,
 * see stage.ts) and its entry here.
 */
import { blurStage } from './blur/stage.ts';
import { compressStage } from './compress/stage.ts';
import { noiseStage } from './noise/stage.ts';
import { downStage } from './resize/stage.ts';
import type { FrameStage, Stage, StageTimes as Times } from './stage.ts';
import { vqdStage } from './vqd/stage.ts';

export const STAGES = [blurStage, noiseStage, downStage, vqdStage, compressStage] as const;

export type PipelineStage = (typeof STAGES)[number];
export type StageName = PipelineStage['name'];
/** Milliseconds per stage, summed over frames (plus upload and quantise). */
export type StageTimes = Times<StageName>;

/** The per-frame stages, in order (the GPU degrader and degradeFrameBeforeCodec walk these). */
export const FRAME_STAGES: readonly (FrameStage & PipelineStage)[] = STAGES.filter((s): s is Extract<PipelineStage, { kind: 'frame' }> => s.kind === 'frame');

/** The params of every stage, by its name (the stage sections of PipelineParams). */
export type StageParams = { [S in PipelineStage as S['name']]: S extends Stage<string, infer T> ? T : never };
