/**
 * The layer order (README "Layout"), enforced on every import of every file under src/ — static,
 * type-only, dynamic, re-exports, `new URL(…, import.meta.url)` workers — tests included:
 *
 *   core ← models ← gpu ← media ← pipeline ← engine ← app
 *
 * metrics uses core only; state (plain data) uses pipeline and below, never engine or app; cli uses
 * pipeline and below, never engine, state or app. A new folder under src/ must be given its place
 * here before anything may import it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = import.meta.dirname;

/** What each layer may import (besides npm packages, shaders/ and itself). */
export const MAY_IMPORT: Record<string, readonly string[]> = {
  core: [],
  models: ['core'],
  metrics: ['core'],
  gpu: ['core', 'models'],
  media: ['core', 'models', 'gpu'],
  pipeline: ['core', 'models', 'gpu', 'media', 'metrics'],
  engine: ['core', 'models', 'gpu', 'media', 'metrics', 'pipeline'],
  state: ['core', 'models', 'gpu', 'pipeline'],
  cli: ['core', 'models', 'gpu', 'media', 'metrics', 'pipeline'],
  app: ['core', 'models', 'gpu', 'media', 'metrics', 'pipeline', 'engine', 'state'],
};

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|new URL\(\s*)(['"])([^'"\n]+)\1/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : /\.(ts|tsx|mjs)$/.test(e.name) ? [p] : [];
  });
}

/** The layer of a file under src/ (its top folder), or null for src/ itself. */
function layerOf(file: string): string | null {
  const rel = path.relative(SRC, file).split(path.sep);
  return rel.length > 1 ? rel[0] : null;
}

/** Every import of `file` that breaks the order, as "from → to". */
export function violations(file: string, text: string): string[] {
  const from = layerOf(file);
  if (from === null) return [];
  const out: string[] = [];
  for (const m of text.matchAll(SPECIFIER)) {
    const spec = m[2];
    if (!spec.startsWith('.')) continue; // npm packages
    const target = path.resolve(path.dirname(file), spec.split('?')[0]);
    const rel = path.relative(SRC, target);
    if (rel.startsWith('..')) {
      if (!path.relative(path.join(SRC, '..', 'shaders'), target).startsWith('..')) continue; // WGSL
      out.push(`${path.relative(SRC, file)} → ${spec} (outside src/)`);
      continue;
    }
    const to = layerOf(target);
    if (to === null || to === from) continue;
    if (!(MAY_IMPORT[from] ?? []).includes(to)) out.push(`${path.relative(SRC, file)} → ${rel}`);
  }
  return out;
}

describe('layer order', () => {
  const files = sourceFiles(SRC);

  it('every folder under src/ has its place', () => {
    const layers = new Set(files.map(layerOf).filter((l): l is string => l !== null));
    expect([...layers].filter((l) => !(l in MAY_IMPORT))).toEqual([]);
  });

  it('no import points the wrong way (tests and benches included)', () => {
    const bad = files.flatMap((f) => violations(f, readFileSync(f, 'utf8')));
    expect(bad).toEqual([]);
  });

  it('catches what it is for', () => {
    const at = (rel: string) => path.join(SRC, rel);
    expect(violations(at('pipeline/x.ts'), "import { getBackend } from '../engine/engine-client';")).toHaveLength(1);
    expect(violations(at('gpu/x.ts'), "export { a } from '../pipeline/params';")).toHaveLength(1);
    expect(violations(at('cli/x.ts'), "const m = await import('../app/variants');")).toHaveLength(1);
    expect(violations(at('state/x.ts'), "import type { VariantId } from '../app/variants';")).toHaveLength(1);
    expect(violations(at('core/x.ts'), "import code from '../../shaders/blur.wgsl?raw';")).toEqual([]);
    expect(violations(at('engine/x.ts'), "new Worker(new URL('../media/media.worker.ts', import.meta.url));")).toEqual([]);
    expect(violations(at('app/x.ts'), "import { main } from '../cli/main';")).toHaveLength(1);
  });
});
