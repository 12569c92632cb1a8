/**
 * The browser CPU path's VQD (vqd-cpu-web.ts: createVqdCpu with the projected k-NN screen) on the
 * shipped VQGAN through onnxruntime-node: its encoder/decoder halves give run()'s pixels, the
 * screened search gives knnCpu's, and the part timings are filled. With the decoder's entry Convs
 * as table look-ups (codeTables, what the browser runs): the whole decoder's pixels up to float
 * rounding (see that test for the tolerance), and the halves and timings as without.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPng } from '../../media/png.ts';
import { resizeCpu } from '../resize/resize-cpu.ts';
import { createImage } from '../../core/image.ts';
import { createVqdCpu, type VqdModelBytes } from './vqd-cpu.ts';
import { knnProjected, prepareProjectedCodebook } from './knn-projected.ts';
import { DEFAULT_MODELS_DIR } from './vqd-node.ts';
import type { VqdPartTimes } from './options.ts';
import { openLiteVqgan } from './lite/vqgan-session.ts';

const FIX = path.resolve(import.meta.dirname, '../../../e2e/fixtures');
const haveModels = existsSync(path.join(DEFAULT_MODELS_DIR, 'manifest.json'));
const opts = { executionProviders: ['cpu'], graphOptimizationLevel: 'all', intraOpNumThreads: 1 } as const;

/** onnxruntime-node and the shipped VQGAN's three files. */
async function shippedVqgan() {
  const ort = await import('onnxruntime-node');
  const cb = await readFile(path.join(DEFAULT_MODELS_DIR, 'vqgan.codebook.bin'));
  const files: VqdModelBytes = {
    encoder: await readFile(path.join(DEFAULT_MODELS_DIR, 'vqgan.encoder.onnx')),
    decoder: await readFile(path.join(DEFAULT_MODELS_DIR, 'vqgan.decoder.onnx')),
    codebook: new Float32Array(cb.buffer.slice(cb.byteOffset, cb.byteOffset + cb.byteLength)),
    nCodes: 1024,
    nz: 256,
  };
  return { ort, files };
}

describe.skipIf(!haveModels)('VQD on the CPU path: encoder/decoder split and projected k-NN (shipped VQGAN)', () => {
  it('decode(encode(x)) = run(x) and the projected search = knnCpu, bit for bit, whole and tiled, several k', async () => {
    const { ort, files } = await shippedVqgan();
    const ref = await createVqdCpu(ort, files, opts);
    const prep = prepareProjectedCodebook(files.codebook, 1024, 256);
    const fast = await createVqdCpu(ort, files, opts, (z, P, k) => knnProjected(z, P, prep, k).zq);
    const frame = readPng(path.join(FIX, 'frame-48x32.png'));
    const odd = createImage(45, 29, 3);
    for (let c = 0; c < 3; c++) for (let y = 0; y < 29; y++) for (let x = 0; x < 45; x++) odd.data[(c * 29 + y) * 45 + x] = frame.data[(c * 32 + y) * 48 + x];
    for (const [img, ks, tiles] of [
      [frame, { kTop: 1, kMid: 1, kBot: 1 }, {}],
      [frame, { kTop: 1, kMid: 7, kBot: 50 }, { maxTile: 32, overlap: 16 }],
      [odd, { kTop: 2, kMid: 10, kBot: 128 }, {}],
    ] as const) {
      const want = await ref.run(img, ks, tiles);
      expect(same(await fast.run(img, ks, tiles), want)).toBe(true);
      const times: VqdPartTimes = {};
      const enc = await fast.encode(img, tiles, times);
      expect(enc.bytes).toBeGreaterThan(0);
      expect(same(await fast.decode(enc, ks, times), want)).toBe(true);
      // The latents are reusable: a second decode with other k's is that k's run.
      const other = { kTop: 1, kMid: 2, kBot: 3 };
      expect(same(await fast.decode(enc, other), await ref.run(img, other, tiles))).toBe(true);
      expect(Object.keys(times).sort()).toEqual(['decoder', 'encoder', 'knn']);
    }
  }, 120_000);

  it("code tables: the whole decoder's pixels up to float rounding, whole and tiled, several k; halves and timings as without", async () => {
    const { ort, files } = await shippedVqgan();
    const prep = prepareProjectedCodebook(files.codebook, 1024, 256);
    const whole = await createVqdCpu(ort, files, opts, (z, P, k) => knnProjected(z, P, prep, k).zq);
    // A decode that fell back to the whole decoder would pass on pixels too: the searches counted say the tables ran.
    let searches = 0;
    const search = (z: Float32Array, P: number, k: number) => (searches++, knnProjected(z, P, prep, k).indices);
    const tab = await createVqdCpu(ort, files, opts, undefined, { codeTables: { search } });
    // Tolerance: the entry Convs' sums in another order (code-conv.ts) move the decoder's output by float rounding:
    // measured ≤ 1.2e-6 on [0, 1] and at most one sample in 18,432 a level apart on these frames (shipped and e2e
    // test models). Allowed: 1e-5, one level, one sample in 2,000.
    const frame = readPng(path.join(FIX, 'frame-96x64.png'));
    const sample = resizeCpu(frame, 120, 68, 'bicubic');
    for (const [img, ks, tiles] of [
      [sample, { kTop: 1, kMid: 1, kBot: 1 }, {}],
      [frame, { kTop: 1, kMid: 7, kBot: 50 }, { maxTile: 32, overlap: 16 }],
      [sample, { kTop: 3, kMid: 10, kBot: 128 }, {}],
    ] as const) {
      const want = await whole.run(img, ks, tiles);
      searches = 0;
      const got = await tab.run(img, ks, tiles);
      // Three branches per tile.
      expect(searches % 3 === 0 && searches > 0).toBe(true);
      expect([got.width, got.height]).toEqual([img.width, img.height]);
      expect(close(got, want)).toBe(true);
      const times: VqdPartTimes = {};
      const enc = await tab.encode(img, tiles, times);
      // The halves are the same computation: decode(encode(x)) = run(x) bit for bit.
      expect(same(await tab.decode(enc, ks, times), got)).toBe(true);
      expect(Object.keys(times).sort()).toEqual(['decoder', 'encoder', 'knn']);
    }
  }, 120_000);

  it("the encoder and the decoder's rest on the wasm kernels (lite/vqgan-session.ts, what the browser runs): ORT's pixels up to float rounding, whole and tiled, several k", async () => {
    const { ort, files } = await shippedVqgan();
    const prep = prepareProjectedCodebook(files.codebook, 1024, 256);
    const search = (z: Float32Array, P: number, k: number) => knnProjected(z, P, prep, k).indices;
    const onOrt = await createVqdCpu(ort, files, opts, undefined, { codeTables: { search } });
    // A stand-in that was refused would leave ORT running and pass on pixels too: the roles it took are counted.
    const took: string[] = [];
    const open = async (model: Uint8Array, role: 'encoder' | 'decoder' | 'decoder-rest') => {
      const s = await openLiteVqgan(ort, model, role);
      if (s) took.push(role);
      return s;
    };
    const lite = await createVqdCpu(ort, files, opts, undefined, { codeTables: { search }, open });
    expect(took).toEqual(['encoder', 'decoder-rest']);
    // Without code tables the whole decoder is asked for, and refused (its entry Convs are the tables' job).
    took.length = 0;
    await createVqdCpu(ort, files, opts, undefined, { open });
    expect(took).toEqual(['encoder']);
    // Tolerance. The programs' outputs are within 1e-5 × max of ORT's (lite/vqgan-net.test.ts: measured ≤ 3.5e-6 on
    // the latents, ≤ 1e-6 on the image). The two halves are checked apart, because the k-th-nearest search between
    // them turns a rounding-sized move of a latent into another code wherever the k-th and (k+1)-th nearest codes
    // of a position are within rounding of each other: an equally valid degradation, not an error (measured: at
    // k_bot = 50 on the tiled frame 182 of 18,432 samples moved, by up to 0.022; with the lr3 VQGAN even k = 1 has
    // such a tie on the sample).
    // - Decoder: the same latents (ORT's encoder's) through both decoders, so the same codes: allowed 1e-5 and one
    //   level in one sample of 2,000, as the code tables' test.
    // - Encoder: each search's indices from both encoders' latents; every position where they differ must be a
    //   near-tie under ORT's own latent (the two codes' squared distances within 1e-4 of each other, relative), and
    //   such positions rare. Measured (shipped lr3 VQGAN, k = 1, 7, 50, 128, all branches): 3 positions on the
    //   sample, 1 on the tiled frame, all in the bottom branch, their two distances ≤ 1.2e-5 apart.
    const dist = (z: Float32Array, P: number, p: number, code: number) => {
      let d = 0;
      for (let c = 0; c < 256; c++) d += (z[c * P + p] - files.codebook[code * 256 + c]) ** 2;
      return d;
    };
    const frame = readPng(path.join(FIX, 'frame-96x64.png'));
    const sample = resizeCpu(frame, 120, 68, 'bicubic');
    for (const [img, tiles] of [
      [sample, {}],
      [frame, { maxTile: 32, overlap: 16 }],
    ] as const) {
      const [zOrt, zLite] = [await onOrt.encode(img, tiles), await lite.encode(img, tiles)];
      for (const ks of [{ kTop: 1, kMid: 1, kBot: 1 }, { kTop: 1, kMid: 7, kBot: 50 }, { kTop: 3, kMid: 10, kBot: 128 }]) {
        const got = await lite.decode(zOrt, ks);
        expect([got.width, got.height]).toEqual([img.width, img.height]);
        expect(close(got, await onOrt.decode(zOrt, ks)), JSON.stringify(ks)).toBe(true);
      }
      const k1 = { kTop: 1, kMid: 1, kBot: 1 };
      expect(same(await lite.run(img, k1, tiles), await lite.decode(zLite, k1))).toBe(true);
      let ties = 0;
      for (const k of [1, 7, 50, 128]) {
        zOrt.tiles.forEach((t, ti) => {
          t.z.forEach((z, b) => {
            const P = z.dims[2] * z.dims[3];
            const [a, l] = [search(z.data, P, k), search(zLite.tiles[ti].z[b].data, P, k)];
            for (let p = 0; p < P; p++) {
              if (a[p] === l[p]) continue;
              ties++;
              const [da, dl] = [dist(z.data, P, p, a[p]), dist(z.data, P, p, l[p])];
              expect(Math.abs(da - dl) / da, `k ${k} tile ${ti} branch ${b} position ${p}`).toBeLessThanOrEqual(1e-4);
            }
          });
        });
      }
      // Near-ties are rare: a handful of positions, not a search gone wrong everywhere.
      expect(ties).toBeLessThan(0.02 * 4 * zOrt.tiles.reduce((s, t) => s + t.z.reduce((q, z) => q + z.dims[2] * z.dims[3], 0), 0));
    }
  }, 120_000);
});

/** Within 1e-5 everywhere and one 8-bit level apart in at most one sample of 2,000 (the tolerance the tests above explain). */
function close(a: { data: Float32Array }, b: { data: Float32Array }): boolean {
  let max = 0;
  let flips = 0;
  for (let i = 0; i < a.data.length; i++) {
    max = Math.max(max, Math.abs(a.data[i] - b.data[i]));
    if (Math.round(a.data[i] * 255) !== Math.round(b.data[i] * 255)) flips++;
  }
  return max <= 1e-5 && flips <= a.data.length / 2000;
}

const same = (a: { data: Float32Array }, b: { data: Float32Array }) => Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).equals(Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength));
