/**
 * Pruning the browser's model cache: after a manifest update, the copies of replaced files go and
 * nothing else does — checked on the shipped manifest and on an edited copy, then as a property
 * over arbitrary cache contents.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseManifest, type Manifest } from './manifest.ts';
import { DEFAULT_MODELS_DIR } from './source-node.ts';
import { staleModelCacheUrls } from './source-web.ts';

const BASE = 'https://app.example/models/';
const shipped = (): Manifest => parseManifest(JSON.parse(readFileSync(path.join(DEFAULT_MODELS_DIR, 'manifest.json'), 'utf8')), 'shipped');
const keysOf = (m: Manifest, base = BASE): string[] => Object.values(m.models).flatMap((mm) => mm.files.map((f) => `${base}${f.file}?sha256=${f.sha256}`));

describe('staleModelCacheUrls', () => {
  it('keeps every file of the current manifest', () => {
    const m = shipped();
    expect(keysOf(m).length).toBeGreaterThanOrEqual(5);
    expect(staleModelCacheUrls(keysOf(m), BASE, m)).toEqual([]);
  });

  it('drops the old copy of a file whose hash changed, and a dropped model’s files', () => {
    const old = shipped();
    const next = structuredClone(old);
    next.models.vsr.files[0].sha256 = 'f'.repeat(64);
    delete next.models['vsr-restore'];
    const cached = keysOf(old);
    const stale = staleModelCacheUrls([...cached, ...keysOf(next)], BASE, next);
    const oldVsr = `${BASE}${old.models.vsr.files[0].file}?sha256=${old.models.vsr.files[0].sha256}`;
    const restore = old.models['vsr-restore'].files.map((f) => `${BASE}${f.file}?sha256=${f.sha256}`);
    expect(stale.sort()).toEqual([oldVsr, ...restore].sort());
  });

  it('leaves what it did not write: other model sets, deeper folders, other origins, other queries', () => {
    const m = shipped();
    const other = [
      `https://app.example/e2e/fixtures/models/vsr.step.onnx?sha256=${'0'.repeat(64)}`,
      `${BASE}test/vsr.step.onnx?sha256=${'0'.repeat(64)}`,
      `https://elsewhere.example/models/vsr.step.onnx?sha256=${'0'.repeat(64)}`,
      `${BASE}vsr.step.onnx`,
      `${BASE}vsr.step.onnx?v=2`,
      `${BASE}manifest.json`,
    ];
    expect(staleModelCacheUrls(other, BASE, m)).toEqual([]);
  });

  it('property: a key is dropped exactly when it is ours and the manifest does not name it', () => {
    const m = shipped();
    const current = keysOf(m);
    const hex = fc.stringMatching(/^[0-9a-f]{64}$/);
    const name = fc.constantFrom('vsr.step.onnx', 'vqgan.encoder.onnx', 'new.onnx', 'vqgan.codebook.bin');
    const ours = fc.tuple(name, hex).map(([n, h]) => `${BASE}${n}?sha256=${h}`);
    const foreign = fc.tuple(fc.constantFrom('https://app.example/other/', `${BASE}deep/`, 'https://x.example/models/'), name, hex).map(([b, n, h]) => `${b}${n}?sha256=${h}`);
    fc.assert(
      fc.property(fc.array(fc.oneof(ours, foreign, fc.constantFrom(...current))), (cached) => {
        const stale = new Set(staleModelCacheUrls(cached, BASE, m));
        for (const k of cached) {
          const isOurs = k.startsWith(BASE) && !k.slice(BASE.length).split('?')[0].includes('/');
          expect(stale.has(k)).toBe(isOurs && !current.includes(k));
        }
      }),
    );
  });
});
