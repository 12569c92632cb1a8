/**
 * The model registry: the manifest's envelope, the per-kind descriptors (a new VSR net is one
 * manifest entry), and the Node source's checks — on the shipped manifest and on edited copies.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeModel, idsOfKind, listModels } from './kinds.ts';
import { parseManifest, type Manifest } from './manifest.ts';
import { DEFAULT_MODELS_DIR, nodeModels } from './source-node.ts';

const shipped = (): Manifest => parseManifest(JSON.parse(readFileSync(path.join(DEFAULT_MODELS_DIR, 'manifest.json'), 'utf8')), 'shipped');
const tmp = mkdtempSync(path.join(tmpdir(), 'vqdsr-registry-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('manifest and kinds', () => {
  it('reads the shipped manifest: one VQGAN, the VSR models vsr, vsr-restore and vsr-fast', () => {
    const m = shipped();
    expect(idsOfKind(m, 'vqgan')).toEqual(['vqgan']);
    expect(idsOfKind(m, 'vsr')).toEqual(['vsr', 'vsr-restore', 'vsr-fast']);
    const vq = describeModel(m, 'vqgan', 'vqgan', 'shipped');
    expect([vq.nCodes, vq.nz, vq.encoder.file, vq.decoder.file, vq.codebook.file]).toEqual([1024, 256, 'vqgan.encoder.onnx', 'vqgan.decoder.onnx', 'vqgan.codebook.bin']);
    const restore = describeModel(m, 'vsr', 'vsr-restore', 'shipped');
    expect([restore.step.file, restore.stateChannels, restore.scale, restore.trained]).toEqual(['vsr-restore.step.onnx', 32, 4, true]);
  });

  it('reads each model\'s label for the picker, and leaves out one that is not a non-empty string', () => {
    const m = shipped();
    for (const id of idsOfKind(m, 'vsr')) expect(describeModel(m, 'vsr', id, 'shipped').label, id).toMatch(/\S/);
    for (const bad of [7, '', '   ', null, { text: 'x' }]) {
      const edited = structuredClone(m);
      edited.models['vsr-fast'].label = bad;
      expect(describeModel(edited, 'vsr', 'vsr-fast', 'edited').label, JSON.stringify(bad)).toBeUndefined();
    }
  });

  it('reads each VSR entry\'s route for auto, and drops a malformed one (the model stays offered, unrouted)', () => {
    const m = shipped();
    expect(describeModel(m, 'vsr', 'vsr', 'shipped').route).toEqual({ bias: 0, weights: {} });
    const r = describeModel(m, 'vsr', 'vsr-restore', 'shipped').route!;
    expect(Object.keys(r.weights).sort()).toEqual(['edge', 'noise']);
    expect(Number.isFinite(r.bias)).toBe(true);
    for (const bad of [{ bias: 'x', weights: {} }, { bias: 1, weights: { blur: 1 } }, { bias: 1, weights: { edge: Number.NaN } }, { bias: 1 }, 7, null]) {
      const edited = structuredClone(m);
      edited.models['vsr-restore'].route = bad;
      const d = describeModel(edited, 'vsr', 'vsr-restore', 'edited');
      expect(d.route, JSON.stringify(bad)).toBeUndefined();
      expect(d.stateChannels).toBe(32);
    }
  });

  it('a second VSR net is one manifest entry; an entry that lacks what its kind needs is not offered', () => {
    const m = shipped();
    const extra = structuredClone(m.models.vsr);
    extra.files = [{ ...extra.files[0], file: 'vsr-wide.step.onnx' }];
    extra.config = { ...extra.config, width: 64 };
    const broken = structuredClone(m.models.vsr);
    broken.config = {};
    const edited: Manifest = { version: 1, models: { ...m.models, 'vsr-wide': extra, 'vsr-broken': broken } };
    expect(listModels(edited, 'vsr').map((x) => [x.id, x.stateChannels])).toEqual([['vsr', 32], ['vsr-restore', 32], ['vsr-fast', 32], ['vsr-wide', 64]]);
    expect(() => describeModel(edited, 'vsr', 'vsr-broken', 'm.json')).toThrow(/'vsr-broken' does not give its state width/);
    expect(() => describeModel(edited, 'vsr', 'nope', 'm.json')).toThrow(/model 'nope' is not in m\.json \(known VSR models: vsr, vsr-restore, vsr-fast, vsr-wide, vsr-broken\)/);
    expect(() => describeModel(edited, 'vqgan', 'vsr', 'm.json')).toThrow(/model 'vsr' in m\.json is not a VQGAN degrader model/);
    expect(() => describeModel(edited, 'vsr', 'constructor', 'm.json')).toThrow(/is not in/);
  });

  it('refuses manifests it cannot read', () => {
    expect(() => parseManifest([], 'x')).toThrow(/not a JSON object/);
    expect(() => parseManifest({ version: 2, models: {} }, 'x')).toThrow(/unsupported version 2/);
    expect(() => parseManifest({ version: 1 }, 'x')).toThrow(/no "models" object/);
    expect(() => parseManifest({ version: 1, models: { a: { config: {}, files: [{ file: '../a.onnx', bytes: 1, sha256: 'x' }] } } }, 'x')).toThrow(/without a plain name/);
    expect(() => parseManifest({ version: 1, models: { a: { files: [] } } }, 'x')).toThrow(/model 'a' has no "config" object/);
  });
});

describe('Node source', () => {
  it('gives checked bytes and refuses a file that does not match the manifest', async () => {
    const vsr = await nodeModels().vsr('vsr-restore');
    expect(vsr.step.byteLength).toBe(vsr.model.step.bytes);
    const dir = path.join(tmp, 'models');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    copyFileSync(path.join(DEFAULT_MODELS_DIR, 'manifest.json'), path.join(dir, 'manifest.json'));
    const bytes = readFileSync(path.join(DEFAULT_MODELS_DIR, 'vsr.step.onnx'));
    bytes[1000] ^= 1;
    writeFileSync(path.join(dir, 'vsr.step.onnx'), bytes);
    await expect(nodeModels(dir).vsr('vsr')).rejects.toThrow(/vsr\.step\.onnx does not match manifest\.json \(sha256/);
    await expect(nodeModels(dir).vsr('vsr-restore')).rejects.toThrow(/vsr-restore\.step\.onnx cannot be read/);
    await expect(nodeModels(path.join(tmp, 'none')).manifest()).rejects.toThrow(/cannot read .*manifest\.json/);
  });
});
