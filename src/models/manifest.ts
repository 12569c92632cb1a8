/**
 * public/models/manifest.json: its types and the one reader every side uses (the engine worker's
 * browser source, the Node source of the CLI and the training data factory, the tests).
 *
 *   { version: 1, models: { <id>: { kind, trained, config, params?, files: [{ file, bytes, sha256, … }], … } } }
 *
 * The manifest is written by training/build_manifest.py from the files on disk. What a model *is*
 * (a VQGAN degrader, a VSR step) is decided by kinds.ts from its files and config; this module only
 * checks the envelope. Pure TS: no browser, no Node specifics.
 */

export interface ManifestIo {
  name: string;
  type: string;
  shape: (number | string)[];
}

export interface ManifestFile {
  file: string;
  bytes: number;
  sha256: string;
  opset?: number;
  inputs?: ManifestIo[];
  outputs?: ManifestIo[];
  /** Raw tensors (the VQGAN codebook): rows × cols of dtype. */
  layout?: { rows?: number; cols?: number; dtype?: string; endianness?: string; order?: string };
}

export interface ManifestModel {
  /** Human description of the architecture. */
  kind: string;
  /** false: random-init placeholder weights (the app says so). */
  trained: boolean;
  config: Record<string, unknown>;
  params?: number;
  files: ManifestFile[];
  [k: string]: unknown;
}

export interface Manifest {
  version: 1;
  models: Record<string, ManifestModel>;
}

/** A model file's download (browser) or read (Node), for progress bars. */
export type LoadProgress = (p: { file: string; loaded: number; total: number }) => void;

/** A model or its files are missing, unreadable or not what the manifest says: fixable by the user. */
export class ModelFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelFileError';
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Check the manifest's envelope: version 1, `models` an object, every model with a `config` object
 * and a `files` list of { file (a plain name), bytes, sha256 }. `where` names the manifest in messages.
 */
export function parseManifest(raw: unknown, where: string): Manifest {
  if (!isRecord(raw)) throw new ModelFileError(`${where}: not a JSON object`);
  if (raw.version !== 1) throw new ModelFileError(`${where}: unsupported version ${JSON.stringify(raw.version)} (this app reads 1)`);
  if (!isRecord(raw.models)) throw new ModelFileError(`${where}: no "models" object`);
  for (const [id, m] of Object.entries(raw.models)) {
    if (!isRecord(m) || !Array.isArray(m.files)) throw new ModelFileError(`${where}: model '${id}' has no "files" list`);
    // The kinds read their numbers (state width, codebook size) from here: found by fuzzing.
    if (!isRecord(m.config)) throw new ModelFileError(`${where}: model '${id}' has no "config" object`);
    for (const f of m.files as unknown[]) {
      const ok = isRecord(f) && typeof f.file === 'string' && /^[\w.-]+$/.test(f.file) && typeof f.bytes === 'number' && typeof f.sha256 === 'string';
      if (!ok) throw new ModelFileError(`${where}: model '${id}' lists a file without a plain name, byte count and sha256`);
    }
  }
  return raw as unknown as Manifest;
}

/** The model `id` (an own key, never an inherited one such as 'constructor'), or undefined. */
export function findModel(m: Manifest, id: string): ManifestModel | undefined {
  return Object.hasOwn(m.models, id) ? m.models[id] : undefined;
}

/** The entry of the file whose name ends with `suffix`. */
export function fileWithSuffix(model: ManifestModel, suffix: string): ManifestFile | undefined {
  return model.files.find((f) => f.file.endsWith(suffix));
}
