// VSR in Node (onnxruntime-node, CPU EP, all cores): ms per frame at 64×64, 128×128, 256×144 and
// 480×270 LR (→ ×4), through the same runner as `vqdsr upscale` (vsr-cpu.ts: tile plan, per-tile
// state, accumulate). Run by `npm run bench` (bench/run.mjs imports run()); also `node bench/node/vsr.bench.mjs`.
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';

const SIZES = [[64, 64], [128, 128], [256, 144], [480, 270]];
const RUNS = 5;
const BUDGET_MS = 30_000;

function frame(w, h, t) {
  const data = new Float32Array(3 * w * h);
  for (let c = 0; c < 3; c++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[(c * h + y) * w + x] = ((((x + t) * (c + 3)) ^ (y * 7)) & 255) / 255;
  return { width: w, height: h, channels: 3, data };
}

export async function run() {
  register();
  const { createVsrNode } = await import('../../src/pipeline/vsr/vsr-node.ts');
  const vsr = await createVsrNode();
  const rows = [];
  for (const [w, h] of SIZES) {
    const seq = vsr.sequence(w, h);
    const fr = [0, 1, 2].map((t) => frame(w, h, t));
    let t0 = performance.now();
    await seq.step(fr[0], fr[1], fr[2]);
    const warmupMs = performance.now() - t0;
    const ms = [];
    const start = performance.now();
    for (let i = 0; i < RUNS; i++) {
      t0 = performance.now();
      await seq.step(fr[0], fr[1], fr[2]);
      ms.push(performance.now() - t0);
      if (performance.now() - start + ms.at(-1) > BUDGET_MS) break;
    }
    const median = [...ms].sort((a, b) => a - b)[ms.length >> 1];
    rows.push({ ep: 'onnxruntime-node cpu', lr: `${w}x${h}`, out: `${4 * w}x${4 * h}`, msPerFrame: Math.round(median * 10) / 10, warmupMs: Math.round(warmupMs), runs: ms.length, tiles: seq.plan.tiles.length });
  }
  return { name: 'vsr: ms per frame in Node (onnxruntime-node CPU EP), shipped model', model: vsr.modelId, trained: vsr.trained, stateChannels: vsr.stateChannels, threads: `ORT default (${os.cpus().length} cores)`, rows };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) console.log(JSON.stringify(await run(), null, 2));
