// Upscaling quality on held-out clips (issue 11): bicubic, Lanczos, every shipped VSR model,
// candidate ONNX files (QUALITY_CANDIDATES) and the peer realesr-animevideov3, in three input
// conditions (clean, web, paper); and the VQGAN degrader's k = 1 fidelity and k sweep on the same
// clips (QUALITY_VSR=0: that part alone, in minutes; QUALITY_VQGAN=0: without it). Run by
// `npm run bench quality` (bench/run.mjs imports run(), the result lands in
// bench/results/<host>-<date>.json, the tables in bench/results/quality-latest.md and
// bench/results/quality-vqgan-latest.md);
// also `node bench/node/quality.bench.mjs`. Options by environment: see bench/quality/run.ts.
// Takes minutes (the peer runs on SwiftShader: its outputs are cached in ~/.cache/vqdsr-peers).
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export async function run() {
  register();
  const { optionsFromEnv, runQuality } = await import('../quality/run.ts');
  return runQuality(optionsFromEnv(ROOT));
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) console.log(JSON.stringify(await run(), null, 2));
