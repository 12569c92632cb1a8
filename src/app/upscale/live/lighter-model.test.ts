import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { lighterModel } from './lighter-model';

describe('lighterModel (Live mode’s suggestion when it falls behind)', () => {
  const m = (id: string, params?: number) => ({ id, params });

  it('names the lightest model when it has at most 0.6 of the current one’s parameters', () => {
    const models = [m('vsr', 526_608), m('vsr-restore', 526_608), m('vsr-fast', 267_664)];
    expect(lighterModel(models, 'vsr')?.id).toBe('vsr-fast');
    expect(lighterModel(models, 'vsr-restore')?.id).toBe('vsr-fast');
    expect(lighterModel(models, 'vsr-fast')).toBeNull(); // already the lightest
  });

  it('says nothing for a small margin, an unknown model or models without a size', () => {
    expect(lighterModel([m('a', 100), m('b', 70)], 'a')).toBeNull();
    expect(lighterModel([m('a', 100), m('b', 60)], 'a')?.id).toBe('b');
    expect(lighterModel([m('a', 100), m('b', 10)], 'nope')).toBeNull();
    expect(lighterModel([m('a'), m('b', 10)], 'a')).toBeNull();
    expect(lighterModel([m('a', 100)], 'a')).toBeNull();
  });

  it('suggests vsr-fast for every other model of the shipped manifest', () => {
    const manifest = JSON.parse(readFileSync('public/models/manifest.json', 'utf8')) as { models: Record<string, { params?: number; files: { file: string }[] }> };
    const vsr = Object.entries(manifest.models).filter(([, e]) => e.files[0].file.endsWith('.step.onnx')).map(([id, e]) => m(id, e.params));
    expect(vsr.map((x) => x.id)).toContain('vsr-fast');
    for (const x of vsr) expect(lighterModel(vsr, x.id)?.id ?? null).toBe(x.id === 'vsr-fast' ? null : 'vsr-fast');
  });
});
