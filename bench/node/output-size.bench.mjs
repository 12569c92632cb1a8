// Output sizes (×2, ×3: net ×4 then a downscale, against the net on a pre-shrunk input and plain
// interpolation) and enhance at 1× (issue 14), on a few of the quality benchmark's held-out clips:
// see bench/output-size/run.ts. Run by `npm run bench output-size` (bench/run.mjs imports run(),
// the result lands in bench/results/<host>-<date>.json, the tables in
// bench/results/output-size-latest.md); also `node bench/node/output-size.bench.mjs`. Minutes.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export async function run() {
  register();
  const { optionsFromEnv, runOutputSize } = await import('../output-size/run.ts');
  return runOutputSize(optionsFromEnv(ROOT));
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) console.log(JSON.stringify(await run(), null, 2));
