// Worker thread for export.test.ts: plays the export worker's part in Node — reads frames from the
// SharedArrayBuffer pipe *blocking* inside an ffmpeg.wasm run (or just drains the pipe), the way
// export.worker.ts does in the browser.
import { parentPort, workerData } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';

register();
const { FramePipeReader, PipeCancelled } = await import('./export-pipe.ts');
const { ExportCore, MemoryTarget, VIDEO_IN, VIDEO_OUT } = await import('./export-core.ts');

const { sab, mode, args } = workerData;
const reader = new FramePipeReader(sab);
if (mode === 'drain') {
  // Sum of every frame's bytes and the frame count, or the cancel.
  const sums = [];
  try {
    for (let f = reader.readFrame(); f; f = reader.readFrame()) sums.push(f.reduce((a, b) => a + b, 0));
    parentPort.postMessage({ sums });
  } catch (e) {
    parentPort.postMessage({ sums, error: e instanceof PipeCancelled ? 'cancelled' : String(e) });
  }
} else {
  const require = createRequire(import.meta.url);
  const esm = path.join(path.dirname(path.dirname(require.resolve('@ffmpeg/core'))), 'esm', 'ffmpeg-core.js');
  const wasmBinary = await readFile(esm.replace(/\.js$/, '.wasm'));
  globalThis.self = { location: { href: pathToFileURL(esm).href } };
  const mod = await import(pathToFileURL(esm).href);
  const core = await mod.default({ wasmBinary, locateFile: (p) => p });
  const out = new MemoryTarget();
  const r = new ExportCore(core).run(args.map((a) => (a === '$IN' ? VIDEO_IN : a === '$OUT' ? VIDEO_OUT : a)), { input: (into) => reader.read(into), output: out });
  const bytes = out.bytes();
  parentPort.postMessage({ code: r.code, log: r.log.slice(-5), bytes, inputError: r.inputError ? String(r.inputError) : undefined }, [bytes.buffer]);
}
