/**
 * Node's model source (the CLI, the training data factory, tests, benchmarks): a models folder
 * with manifest.json, each file's sha256 checked on read — a stale or half-copied model must not
 * silently make training data or pictures.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ModelFileError, type LoadProgress, type ManifestFile } from './manifest.ts';
import { ModelRegistry, type ModelSource } from './registry.ts';

/** The repo's shipped models. */
export const DEFAULT_MODELS_DIR = path.resolve(import.meta.dirname, '../../public/models');

export function nodeModelSource(dir: string): ModelSource {
  const manifestPath = path.join(dir, 'manifest.json');
  return {
    where: manifestPath,

    async readManifest() {
      try {
        return JSON.parse(await readFile(manifestPath, 'utf8')) as unknown;
      } catch (e) {
        throw new ModelFileError(`cannot read ${manifestPath}: ${(e as Error).message}`);
      }
    },

    async readFile(entry: ManifestFile, onProgress?: LoadProgress) {
      const p = path.join(dir, path.basename(entry.file));
      let bytes: Buffer;
      try {
        bytes = await readFile(p);
      } catch (e) {
        throw new ModelFileError(`model file ${p} cannot be read: ${(e as Error).message}`);
      }
      const got = createHash('sha256').update(bytes).digest('hex');
      if (got !== entry.sha256) throw new ModelFileError(`model file ${p} does not match manifest.json (sha256 ${got.slice(0, 12)}…, expected ${entry.sha256.slice(0, 12)}…)`);
      onProgress?.({ file: entry.file, loaded: bytes.byteLength, total: bytes.byteLength });
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },
  };
}

/** The registry of a models folder (default: public/models). */
export function nodeModels(dir: string = DEFAULT_MODELS_DIR): ModelRegistry {
  return new ModelRegistry(nodeModelSource(dir));
}
