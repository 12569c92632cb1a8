/**
 * The one list of stages: the params sections, the CPU walk and the timings follow it in one
 * order; a stage's skip rule only ever skips work that leaves the frame as it is (so the GPU
 * degrader, which passes a skipped stage's input through, and the CPU path agree).
 */
import { describe, expect, it } from 'vitest';
import { createImage } from '../core/image.ts';
import { makeRng } from '../core/rng.ts';
import { defaultPipelineParams, parsePipelineParams, type PipelineParams } from './params.ts';
import { degradeFrameBeforeCodec, prepareStages } from './run-cpu.ts';
import { FRAME_STAGES, STAGES } from './stages.ts';

function frame(w = 24, h = 16) {
  const img = createImage(w, h, 3);
  const rng = makeRng(3);
  for (let i = 0; i < img.data.length; i++) img.data[i] = Math.round(rng.uniform(0, 255)) / 255;
  return img;
}

describe('STAGES', () => {
  it('is the paper\'s order, and PipelineParams has one section per stage in that order', () => {
    expect(STAGES.map((s) => s.name)).toEqual(['blur', 'noise', 'down', 'vqd', 'compress']);
    expect(FRAME_STAGES.map((s) => s.name)).toEqual(['blur', 'noise', 'down', 'vqd']);
    expect(Object.keys(defaultPipelineParams())).toEqual(['version', ...STAGES.map((s) => s.name), 'seed', 'modelId']);
    // A section's reader builds its fields in the order of its defaults (the fields the validator knows).
    const d = defaultPipelineParams();
    for (const s of STAGES) expect(Object.keys(parsePipelineParams({ [s.name]: {} }).params[s.name])).toEqual(Object.keys(d[s.name]));
  });

  it('the CPU walk times the stages it ran, in list order, then the quantisation', async () => {
    const p = defaultPipelineParams();
    p.vqd.enabled = false;
    const st = prepareStages(p);
    await degradeFrameBeforeCodec(frame(), 0, st);
    expect(Object.keys(st.times)).toEqual(['blur', 'noise', 'down', 'quantize']);
  });

  it('a skipped stage is one whose CPU function would leave the frame as it is', async () => {
    const img = frame();
    const idle: PipelineParams[] = [
      parsePipelineParams({ blur: { kind: 'none' } }).params,
      parsePipelineParams({ noise: { kind: 'none' } }).params,
      parsePipelineParams({ noise: { kind: 'gaussian', sigma: 0 } }).params,
    ];
    let checked = 0;
    for (const p of idle) {
      for (const s of FRAME_STAGES) {
        if (!s.skip(p) || s.name === 'vqd') continue;
        const out = await s.cpu(img, p, 5, {});
        expect(out.data, `${s.name} with ${JSON.stringify(p[s.name])}`).toEqual(img.data);
        checked++;
      }
    }
    expect(checked).toBe(3);
    expect(FRAME_STAGES.find((s) => s.name === 'vqd')!.skip(parsePipelineParams({ vqd: { enabled: false } }).params)).toBe(true);
  });

  it('cache keys: a stage\'s key changes with its own params (and the noise with the frame), not with the others\'', () => {
    const a = defaultPipelineParams();
    const b = parsePipelineParams({ blur: { sigmaX: 2, sigmaY: 2 } }).params;
    const keys = (p: PipelineParams, f: number) => Object.fromEntries(FRAME_STAGES.map((s) => [s.name, s.key(p, f)]));
    expect(keys(a, 0).blur).not.toBe(keys(b, 0).blur);
    expect({ ...keys(a, 0), blur: '' }).toEqual({ ...keys(b, 0), blur: '' });
    expect(keys(a, 0).noise).not.toBe(keys(a, 1).noise);
    expect({ ...keys(a, 0), noise: '' }).toEqual({ ...keys(a, 1), noise: '' });
  });
});
