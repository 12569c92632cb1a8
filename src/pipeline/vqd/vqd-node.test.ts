import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPng } from '../../media/png.ts';
import { createImage } from '../../core/image.ts';
import { createVqdCpu } from './vqd-cpu.ts';
import { DEFAULT_MODELS_DIR, createVqdNode } from './vqd-node.ts';
import { readFile } from 'node:fs/promises';

const FIX = path.resolve(import.meta.dirname, '../../../e2e/fixtures');
const haveModels = existsSync(path.join(DEFAULT_MODELS_DIR, 'manifest.json'));

describe.skipIf(!haveModels)('VQD in Node (onnxruntime-node + screened exact kNN)', () => {
  it('gives the same pixels as createVqdCpu (knnCpu) on a real frame, odd-sized, tiled, several k', async () => {
    const node = await createVqdNode({ threads: 1 });
    const tiled = await createVqdNode({ threads: 1, maxTile: 32, overlap: 16 });
    const ort = await import('onnxruntime-node');
    const cb = await readFile(path.join(DEFAULT_MODELS_DIR, 'vqgan.codebook.bin'));
    const ref = await createVqdCpu(
      ort,
      {
        encoder: await readFile(path.join(DEFAULT_MODELS_DIR, 'vqgan.encoder.onnx')),
        decoder: await readFile(path.join(DEFAULT_MODELS_DIR, 'vqgan.decoder.onnx')),
        codebook: new Float32Array(cb.buffer.slice(cb.byteOffset, cb.byteOffset + cb.byteLength)),
        nCodes: 1024,
        nz: 256,
      },
      { executionProviders: ['cpu'], graphOptimizationLevel: 'all', intraOpNumThreads: 1 },
    );
    const frame = readPng(path.join(FIX, 'frame-48x32.png'));
    // An odd size exercises the replicate padding to multiples of 8 and the crop back.
    const odd = createImage(45, 29, 3);
    for (let c = 0; c < 3; c++) for (let y = 0; y < 29; y++) for (let x = 0; x < 45; x++) odd.data[(c * 29 + y) * 45 + x] = frame.data[(c * 32 + y) * 48 + x];
    for (const [img, ks] of [
      [frame, { kTop: 1, kMid: 1, kBot: 1 }],
      [frame, { kTop: 1, kMid: 7, kBot: 50 }],
      [odd, { kTop: 2, kMid: 10, kBot: 128 }],
    ] as const) {
      const got = await node.run(img, ks);
      const want = await ref.run(img, ks);
      expect([got.width, got.height]).toEqual([img.width, img.height]);
      // Same models, same tile plan, same k-th entries: identical floats expected (tolerance 0).
      expect(Buffer.from(got.data.buffer).equals(Buffer.from(want.data.buffer))).toBe(true);
      for (const v of got.data) expect(v >= 0 && v <= 1).toBe(true);
    }
    // Several overlapping tiles (32 px, overlap 16) on the 48×32 frame: the same plan on both sides.
    const ks = { kTop: 1, kMid: 3, kBot: 20 };
    const got = await tiled.run(frame, ks);
    const want = await ref.run(frame, ks, { maxTile: 32, overlap: 16 });
    expect(Buffer.from(got.data.buffer).equals(Buffer.from(want.data.buffer))).toBe(true);
  });

  it('refuses k outside the codebook, a model not in the manifest, and a corrupted file', async () => {
    const node = await createVqdNode();
    await expect(async () => node.run(createImage(8, 8), { kTop: 1, kMid: 0, kBot: 1 })).rejects.toThrow(/k = 0 outside 1…1024/);
    await expect(createVqdNode({ modelId: 'nope' })).rejects.toThrow(/model 'nope' is not in .*manifest\.json \(known VQGAN degrader models: vqgan\)/);
    await expect(createVqdNode({ modelId: 'vsr' })).rejects.toThrow(/model 'vsr' in .*manifest\.json is not a VQGAN degrader model/);
    // A models folder whose codebook differs by one byte from what the manifest promises.
    const dir = mkdtempSync(path.join(tmpdir(), 'vqdsr-models-'));
    try {
      copyFileSync(path.join(DEFAULT_MODELS_DIR, 'manifest.json'), path.join(dir, 'manifest.json'));
      for (const f of ['vqgan.encoder.onnx', 'vqgan.decoder.onnx']) symlinkSync(path.join(DEFAULT_MODELS_DIR, f), path.join(dir, f));
      const cb = readFileSync(path.join(DEFAULT_MODELS_DIR, 'vqgan.codebook.bin'));
      cb[100] ^= 1;
      writeFileSync(path.join(dir, 'vqgan.codebook.bin'), cb);
      await expect(createVqdNode({ modelsDir: dir })).rejects.toThrow(/vqgan\.codebook\.bin does not match manifest\.json \(sha256/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
