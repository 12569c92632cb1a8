/**
 * Browser test + benchmark harness worker. Collects every `*.gputest.ts`,
 * `*.browsertest.ts` and `*.bench.ts` under src/ and runs them in this module
 * worker on the engine's backend (ORT's GPUDevice), the way the app runs them.
 */
import * as Comlink from 'comlink';
import { getBackend, ort } from '../../src/gpu/device';
import type { GpuTest, GpuTestContext, GpuTestResult } from '../../src/gpu/gputest';
import { type ImageF32 } from '../../src/core/image';
import { fromRgba8 } from '../../src/core/pixels';

type Mod = { gpuTests?: GpuTest[]; browserTests?: GpuTest[]; benches?: Bench[] };
interface Bench {
  name: string;
  run(ctx: GpuTestContext): Promise<Record<string, unknown>>;
}

const gpuMods = import.meta.glob<Mod>('/src/**/*.gputest.ts');
const browserMods = import.meta.glob<Mod>('/src/**/*.browsertest.ts');
const benchMods = import.meta.glob<Mod>('/src/**/*.bench.ts');

export interface TestOutcome extends GpuTestResult {
  file: string;
  name: string;
  ms: number;
}

const TEST_TIMEOUT_MS = 240_000;

async function fetchBytes(path: string): Promise<Uint8Array> {
  const res = await fetch(path);
  if (!res.ok) throw new Error(`fetch ${path}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

async function loadImage(path: string): Promise<ImageF32> {
  const bytes = await fetchBytes(path);
  const bitmap = await createImageBitmap(new Blob([bytes as BlobPart]));
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx2d = canvas.getContext('2d')!;
  ctx2d.drawImage(bitmap, 0, 0);
  const data = ctx2d.getImageData(0, 0, bitmap.width, bitmap.height).data;
  return fromRgba8(data, bitmap.width, bitmap.height);
}

async function context(needGpu: boolean, log: (s: string) => void): Promise<GpuTestContext> {
  const backend = await getBackend();
  if (needGpu && backend.kind !== 'webgpu') throw new Error(`WebGPU unavailable: ${backend.reason}`);
  return {
    device: backend.kind === 'webgpu' ? backend.device : (undefined as unknown as GPUDevice),
    ort,
    fetchBytes,
    loadImage,
    log,
  };
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

const api = {
  async list(kind: 'test' | 'bench'): Promise<string[]> {
    return Object.keys(kind === 'test' ? { ...gpuMods, ...browserMods } : benchMods);
  },

  async run(kind: 'test' | 'bench', filter: string, log: (line: string) => void): Promise<TestOutcome[] | Record<string, unknown>[]> {
    if (kind === 'bench') {
      const out: Record<string, unknown>[] = [];
      const ctx = await context(false, log);
      for (const [file, load] of Object.entries(benchMods)) {
        if (filter && !file.includes(filter)) continue;
        const mod = await load();
        for (const b of mod.benches ?? []) {
          log(`bench ${b.name} …`);
          try {
            out.push({ file, name: b.name, ...(await b.run(ctx)) });
          } catch (e) {
            out.push({ file, name: b.name, error: e instanceof Error ? e.message : String(e) });
          }
        }
      }
      return out;
    }
    const outcomes: TestOutcome[] = [];
    const groups: [Record<string, () => Promise<Mod>>, boolean][] = [
      [gpuMods, true],
      [browserMods, false],
    ];
    for (const [mods, needGpu] of groups) {
      for (const [file, load] of Object.entries(mods)) {
        const mod = await load();
        const tests = (needGpu ? mod.gpuTests : mod.browserTests) ?? [];
        for (const t of tests) {
          if (filter && !file.includes(filter) && !t.name.includes(filter)) continue;
          const t0 = performance.now();
          let r: GpuTestResult;
          try {
            const ctx = await context(needGpu, log);
            r = await withTimeout(t.run(ctx), TEST_TIMEOUT_MS, t.name);
          } catch (e) {
            r = { pass: false, detail: `threw: ${e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e)}` };
          }
          const o = { file, name: t.name, ms: Math.round(performance.now() - t0), ...r };
          log(`${o.pass ? 'PASS' : 'FAIL'} ${o.name} (${o.ms} ms) — ${o.detail}`);
          outcomes.push(o);
        }
      }
    }
    return outcomes;
  },

  async backend() {
    const b = await getBackend();
    return b.kind === 'webgpu' ? { kind: b.kind, adapter: b.adapter } : { kind: b.kind, reason: b.reason };
  },
};

export type HarnessApi = typeof api;
Comlink.expose(api);
