/**
 * What each stage's output of one frame is keyed by, for the caches of both degraders (run-gpu.ts
 * on the GPU, cpu-degrader.ts on the CPU): the key of a stage's output is its input's key plus the
 * stage's own `key(params, frame)` (stage.ts), starting from the source frame's key and size. So
 * moving a slider of stage S changes the keys of S and of every stage after it, and of no stage
 * before it: a re-run starts at S. A stage the params leave idle (`skip`) passes its input through
 * and adds nothing to the chain. stage-keys.test.ts checks this (and that a key determines the
 * output) for every stage and random params.
 */
import type { RgbaFrame } from '../core/frame';
import type { PipelineParams } from './params';
import { FRAME_STAGES } from './stages';

/** A source frame with what the stage caches key on. */
export interface DegradeFrameInput extends RgbaFrame {
  /** Identifies the source frame's pixels (e.g. "<source name>#<index>"). */
  key: string;
  /** Frame index in the clip (the noise is keyed by it). */
  index: number;
}

/** The key of the source frame itself (the chain's start). */
export function inputKey(frame: Pick<DegradeFrameInput, 'key' | 'width' | 'height'>): string {
  return `${frame.key}|${frame.width}x${frame.height}`;
}

export interface StageLink {
  stage: (typeof FRAME_STAGES)[number];
  /** The key of the stage's input (the previous link's `key`, or the source frame's). */
  inputKey: string;
  /** The key of the stage's output. */
  key: string;
}

/** The stages that run for `p` on frame `frameIndex`, in order, each with its input and output keys. */
export function stageChain(start: string, p: PipelineParams, frameIndex: number): StageLink[] {
  const links: StageLink[] = [];
  let key = start;
  for (const stage of FRAME_STAGES) {
    if (stage.skip(p)) continue;
    const next = `${key}|${stage.name}:${stage.key(p, frameIndex)}`;
    links.push({ stage, inputKey: key, key: next });
    key = next;
  }
  return links;
}
