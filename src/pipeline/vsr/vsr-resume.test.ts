/**
 * What a resumed Upscale run gives (engine restarted after a lost device or a crashed worker, see
 * app/upscale/upscale-run.ts): the run replays VSR_RESUME_WARMUP frames before the frame it
 * resumes at. Measured here on the bundled sample with the shipped `vsr` on onnxruntime-node:
 * the resumed frames against an uninterrupted run (issue 15.3 asks ≥ 50 dB where not byte-equal).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ImageF32 } from '../../core/image.ts';
import { getFfmpeg } from '../../media/ffmpeg-node.ts';
import { psnrY } from '../../metrics/psnr.ts';
import { DEFAULT_MODELS_DIR } from '../vqd/vqd-node.ts';
import { VSR_RESUME_WARMUP } from './vsr-common.ts';
import { createVsrNode } from './vsr-node.ts';

const SAMPLE = path.resolve(import.meta.dirname, '../../../public/samples/sample.mp4');
const haveModels = existsSync(path.join(DEFAULT_MODELS_DIR, 'manifest.json'));

/** A 96×96 window of the frame (a moving, detailed region of the sample). */
function crop(f: ImageF32, x0 = 200, y0 = 80, w = 96, h = 96): ImageF32 {
  const data = new Float32Array(3 * w * h);
  for (let c = 0; c < 3; c++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[(c * h + y) * w + x] = f.data[(c * f.height + y + y0) * f.width + x + x0];
  return { width: w, height: h, channels: 3, data };
}

describe.skipIf(!haveModels)('resuming a VSR run', () => {
  it(`with ${VSR_RESUME_WARMUP} warm-up frames matches the uninterrupted run (≥ 50 dB)`, async () => {
    const ff = await getFfmpeg();
    const { frames } = await ff.decodeFile(SAMPLE, { start: 0, end: 20 });
    const lr: ImageF32[] = [];
    for await (const f of frames) lr.push(crop(f));
    expect(lr.length).toBe(20);
    const vsr = await createVsrNode({ threads: 2 });
    const run = async (a: number, b: number) => {
      const seq = vsr.sequence(96, 96);
      const out: ImageF32[] = [];
      for (let i = a; i < b; i++) out.push(await seq.step(lr[Math.max(0, i - 1)], lr[i], lr[Math.min(lr.length - 1, i + 1)]));
      return out;
    };
    const full = await run(0, 20);
    const at = 14; // interrupted after frames 0…13
    const cold = (await run(at, 20))[0];
    const resumed = (await run(at - VSR_RESUME_WARMUP, 20)).slice(VSR_RESUME_WARMUP);
    const psnrs = resumed.map((f, j) => psnrY(f, full[at + j]));
    console.log(`resume at frame ${at}: zero state ${psnrY(cold, full[at]).toFixed(1)} dB; ${VSR_RESUME_WARMUP} warm-up frames ${psnrs.map((p) => p.toFixed(1)).join(', ')} dB`);
    // The warm-up must matter (else the test would pass for any value) and must be enough.
    expect(psnrs[0]).toBeGreaterThan(psnrY(cold, full[at]));
    for (const p of psnrs) expect(p).toBeGreaterThanOrEqual(50);
  }, 120_000);
});
