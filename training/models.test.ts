/**
 * The shipped files in public/models/ must be what manifest.json says they are, and must run.
 *
 * For every file in the manifest: byte count and sha256 match the file on disk; each ONNX graph's
 * input/output names and shapes (as onnxruntime-node reports them) equal the manifest's; a small
 * input gives outputs of the documented shapes with finite values; decoder and VSR outputs stay in
 * their documented (clamped) ranges.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { routeCandidates } from './fit_router.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const modelsDir = join(root, 'public', 'models');

interface IoSpec { name: string; type: string; shape: (number | string)[] }
interface FileSpec { file: string; bytes: number; sha256: string; inputs?: IoSpec[]; outputs?: IoSpec[]; opset?: number }
interface ModelSpec { trained: boolean; config: Record<string, unknown>; files: FileSpec[] }
interface Manifest { version: number; models: Record<string, ModelSpec> }

const manifest = JSON.parse(readFileSync(join(modelsDir, 'manifest.json'), 'utf8')) as Manifest;

function fileSpec(model: string, file: string): FileSpec {
  const f = manifest.models[model]?.files.find((x) => x.file === file);
  if (!f) throw new Error(`manifest has no ${model}/${file}`);
  return f;
}

function allFinite(a: Float32Array): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return false;
  return true;
}

function range(a: Float32Array): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < a.length; i++) {
    if (a[i] < lo) lo = a[i];
    if (a[i] > hi) hi = a[i];
  }
  return [lo, hi];
}

/** Deterministic pseudo-random fill (LCG) so the test does not depend on Math.random. */
function fill(n: number, lo: number, hi: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = lo + ((s >>> 8) / 16777216) * (hi - lo);
  }
  return out;
}

async function checkedSession(model: string, file: string): Promise<ort.InferenceSession> {
  const spec = fileSpec(model, file);
  const session = await ort.InferenceSession.create(join(modelsDir, file));
  expect(session.inputNames).toEqual(spec.inputs!.map((x) => x.name));
  expect(session.outputNames).toEqual(spec.outputs!.map((x) => x.name));
  const meta = [...session.inputMetadata, ...session.outputMetadata];
  const specs = [...spec.inputs!, ...spec.outputs!];
  meta.forEach((m, i) => {
    expect(m.name).toBe(specs[i].name);
    if (m.isTensor) {
      expect(m.type).toBe(specs[i].type);
      expect(m.shape).toEqual(specs[i].shape);
    }
  });
  return session;
}

describe('public/models matches manifest.json', () => {
  it('lists the models the app needs', () => {
    expect(Object.keys(manifest.models)).toEqual(expect.arrayContaining(['vqgan', 'vsr']));
  });

  for (const [name, model] of Object.entries(manifest.models)) {
    for (const f of model.files) {
      it(`${name}/${f.file}: bytes and sha256`, () => {
        const data = readFileSync(join(modelsDir, f.file));
        expect(data.length).toBe(f.bytes);
        expect(createHash('sha256').update(data).digest('hex')).toBe(f.sha256);
        if (f.file.endsWith('.onnx')) {
          expect(f.opset).toBe(17);
          expect(data.length).toBeLessThanOrEqual(25 * 1024 * 1024);
        }
      });
    }
  }
});

describe('the router (auto) fits the shipped nets', () => {
  // build_manifest.py copies training/summaries/router.json's routes in only while every routed
  // model's step file is the one it was fitted to; this fails when a net was shipped without refitting.
  const router = JSON.parse(readFileSync(join(root, 'training', 'summaries', 'router.json'), 'utf8')) as {
    step_sha256: Record<string, string>;
    routes: Record<string, unknown>;
  };
  it('every routed model is shipped with the file the router was fitted to, and carries its route', () => {
    const models = manifest.models as Record<string, { files: { sha256: string }[]; route?: unknown }>;
    for (const [id, sha] of Object.entries(router.step_sha256)) {
      expect(models[id]?.files[0].sha256, `${id}: refit with training/make_router_set.py + training/fit_router.ts`).toBe(sha);
      expect(models[id].route).toEqual(router.routes[id]);
    }
  });
  it('routes every VSR model but those whose summary says auto: false, which carry no route', () => {
    const models = manifest.models as Record<string, { files: { file: string }[]; route?: unknown; training?: { auto?: unknown } }>;
    const vsr = Object.keys(models).filter((id) => models[id].files[0].file.endsWith('.step.onnx'));
    const candidates = routeCandidates(vsr.map((id) => ({ id })), { models }).map((m) => m.id);
    expect(Object.keys(router.step_sha256).sort()).toEqual([...candidates].sort());
    for (const id of vsr.filter((x) => !candidates.includes(x))) expect(models[id].route, id).toBeUndefined();
  });
});

describe('shipped ONNX graphs run', () => {
  it('vqgan encoder -> nearest codes -> decoder on a 32x48 image', async () => {
    const cfg = manifest.models.vqgan.config as { n_z: number; n_codes: number };
    const enc = await checkedSession('vqgan', 'vqgan.encoder.onnx');
    const dec = await checkedSession('vqgan', 'vqgan.decoder.onnx');
    const H = 32;
    const W = 48;
    const image = new ort.Tensor('float32', fill(3 * H * W, -1, 1, 7), [1, 3, H, W]);
    const z = await enc.run({ image });
    const expectDims: Record<string, number[]> = {
      z_top: [1, cfg.n_z, H / 8, W / 8], z_mid: [1, cfg.n_z, H / 4, W / 4], z_bot: [1, cfg.n_z, H / 2, W / 2],
    };
    for (const [k, dims] of Object.entries(expectDims)) {
      expect(z[k].dims).toEqual(dims);
      expect(allFinite(z[k].data as Float32Array)).toBe(true);
    }
    // Codebook: n_codes x n_z float32 LE. Quantise each latent to its nearest row (plain JS, k = 1).
    const cbBuf = readFileSync(join(modelsDir, 'vqgan.codebook.bin'));
    expect(cbBuf.length).toBe(cfg.n_codes * cfg.n_z * 4);
    const cb = new Float32Array(cbBuf.buffer.slice(cbBuf.byteOffset, cbBuf.byteOffset + cbBuf.length));
    expect(allFinite(cb)).toBe(true);
    const quantise = (t: ort.Tensor): ort.Tensor => {
      const [, c, h, w] = t.dims as number[];
      const src = t.data as Float32Array;
      const dst = new Float32Array(src.length);
      for (let p = 0; p < h * w; p++) {
        let best = 0;
        let bestD = Infinity;
        for (let e = 0; e < cfg.n_codes; e++) {
          let d = 0;
          for (let ch = 0; ch < c; ch++) {
            const diff = src[ch * h * w + p] - cb[e * c + ch];
            d += diff * diff;
          }
          if (d < bestD) { bestD = d; best = e; }
        }
        for (let ch = 0; ch < c; ch++) dst[ch * h * w + p] = cb[best * c + ch];
      }
      return new ort.Tensor('float32', dst, t.dims as number[]);
    };
    const out = await dec.run({ zq_top: quantise(z.z_top), zq_mid: quantise(z.z_mid), zq_bot: quantise(z.z_bot) });
    expect(out.image.dims).toEqual([1, 3, H, W]);
    const img = out.image.data as Float32Array;
    expect(allFinite(img)).toBe(true);
    const [lo, hi] = range(img);
    expect(lo).toBeGreaterThanOrEqual(-1);
    expect(hi).toBeLessThanOrEqual(1);
  });

  for (const [name, file] of [['vsr', 'vsr.step.onnx'], ['vsr64', 'vsr64.step.onnx']] as const) {
    it(`${name}: two recurrent steps on 12x16 frames`, async () => {
      if (!manifest.models[name]) return; // vsr64 ships only once trained on the GPU machine
      const C = (manifest.models[name].config as { width: number }).width;
      const s = await checkedSession(name, file);
      const h = 12;
      const w = 16;
      const frame = (seed: number) => new ort.Tensor('float32', fill(3 * h * w, 0, 1, seed), [1, 3, h, w]);
      let state = new ort.Tensor('float32', new Float32Array(C * h * w), [1, C, h, w]);
      for (let t = 0; t < 2; t++) {
        const r = await s.run({ prev: frame(t), cur: frame(t + 1), next: frame(t + 2), state });
        expect(r.out.dims).toEqual([1, 3, 4 * h, 4 * w]);
        expect(r.state_out.dims).toEqual([1, C, h, w]);
        const o = r.out.data as Float32Array;
        expect(allFinite(o)).toBe(true);
        expect(allFinite(r.state_out.data as Float32Array)).toBe(true);
        const [lo, hi] = range(o);
        expect(lo).toBeGreaterThanOrEqual(0);
        expect(hi).toBeLessThanOrEqual(1);
        state = r.state_out;
      }
    });
  }
});
