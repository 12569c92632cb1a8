/**
 * What the app does with a manifest entry: one descriptor per kind of model, naming the files it
 * needs (by role and file-name suffix) and the numbers read from its config. A model of a known
 * kind is therefore one manifest entry: a second VSR net is `<id>.step.onnx` plus its entry with
 * `config.width`, and every reader (engine, CLI, model pickers) offers it.
 *
 *   vqgan  encoder (*.encoder.onnx), decoder (*.decoder.onnx), codebook (*.codebook.bin: rows × cols f32)
 *   vsr    step (*.step.onnx), state width C = config.width, ×4 (config.scale)
 *
 * Pure TS, plain data out (structured-clone safe, so the engine can hand descriptors to the UI).
 */
import { fileWithSuffix, findModel, ModelFileError, type Manifest, type ManifestFile, type ManifestModel } from './manifest.ts';

interface ModelBase {
  id: string;
  trained: boolean;
  /** The manifest's human description of the architecture. */
  architecture: string;
  params?: number;
  /** The training summary's word on the weights' quality, where it gives one. */
  qualityNote?: string;
}

export interface VqganModel extends ModelBase {
  kind: 'vqgan';
  encoder: ManifestFile;
  decoder: ManifestFile;
  codebook: ManifestFile;
  /** Codebook rows (entries) and columns (latent channels). */
  nCodes: number;
  nz: number;
}

export interface VsrModel extends ModelBase {
  kind: 'vsr';
  step: ManifestFile;
  /** C of the recurrent state [1,C,h,w]. */
  stateChannels: number;
  scale: number;
}

export type ModelKind = 'vqgan' | 'vsr';
export type ModelOf<K extends ModelKind> = K extends 'vqgan' ? VqganModel : VsrModel;

interface KindSpec<K extends ModelKind> {
  /** Shown in messages. */
  label: string;
  /** The files the model needs: role → file-name suffix. */
  files: Record<string, string>;
  /** Build the descriptor; throws ModelFileError when the entry does not give what the kind needs. */
  read(id: string, entry: ManifestModel, file: (role: string) => ManifestFile): ModelOf<K>;
}

function positiveInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0;
}

function base(id: string, entry: ManifestModel): ModelBase {
  // Only a string is a description (String() of an object without toString throws: found by fuzzing).
  const out: ModelBase = { id, trained: entry.trained === true, architecture: typeof entry.kind === 'string' ? entry.kind : '' };
  if (typeof entry.params === 'number') out.params = entry.params;
  const note = (entry.training as { quality_note?: unknown } | undefined)?.quality_note;
  if (typeof note === 'string') out.qualityNote = note;
  return out;
}

/** The ×4 of every VSR runner (vsr-common.ts plans tiles for it). */
export const VSR_MODEL_SCALE = 4;

export const MODEL_KINDS: { [K in ModelKind]: KindSpec<K> } = {
  vqgan: {
    label: 'VQGAN degrader',
    files: { encoder: '.encoder.onnx', decoder: '.decoder.onnx', codebook: '.codebook.bin' },
    read(id, entry, file) {
      const codebook = file('codebook');
      const cfg = entry.config as { n_codes?: unknown; n_z?: unknown };
      const nCodes = codebook.layout?.rows ?? cfg.n_codes;
      const nz = codebook.layout?.cols ?? cfg.n_z;
      if (!positiveInt(nCodes) || !positiveInt(nz)) throw new ModelFileError(`manifest model '${id}' does not give the codebook's rows and columns`);
      if (codebook.bytes !== nCodes * nz * 4) throw new ModelFileError(`manifest model '${id}': codebook is ${codebook.bytes} bytes, expected ${nCodes}×${nz} float32`);
      return { ...base(id, entry), kind: 'vqgan', encoder: file('encoder'), decoder: file('decoder'), codebook, nCodes, nz };
    },
  },
  vsr: {
    label: 'VSR',
    files: { step: '.step.onnx' },
    read(id, entry, file) {
      const cfg = entry.config as { width?: unknown; scale?: unknown };
      if (!positiveInt(cfg.width)) throw new ModelFileError(`manifest model '${id}' does not give its state width (config.width)`);
      const scale = cfg.scale ?? VSR_MODEL_SCALE;
      if (scale !== VSR_MODEL_SCALE) throw new ModelFileError(`manifest model '${id}' is not a ×${VSR_MODEL_SCALE} model`);
      return { ...base(id, entry), kind: 'vsr', step: file('step'), stateChannels: cfg.width, scale };
    },
  },
};

/** Whether the entry has every file the kind needs. */
export function isModelOfKind(entry: ManifestModel, kind: ModelKind): boolean {
  return Object.values(MODEL_KINDS[kind].files).every((suffix) => fileWithSuffix(entry, suffix) !== undefined);
}

function read<K extends ModelKind>(kind: K, id: string, entry: ManifestModel): ModelOf<K> {
  const spec = MODEL_KINDS[kind] as KindSpec<K>;
  return spec.read(id, entry, (role) => {
    const f = fileWithSuffix(entry, spec.files[role]);
    if (!f) throw new ModelFileError(`manifest model '${id}' has no *${spec.files[role]} file`);
    return f;
  });
}

/** Ids of the entries that have the files of `kind`, in manifest order. */
export function idsOfKind(m: Manifest, kind: ModelKind): string[] {
  return Object.keys(m.models).filter((id) => isModelOfKind(m.models[id], kind));
}

/** The descriptor of model `id` as a `kind`; ModelFileError when it is missing or of another kind. */
export function describeModel<K extends ModelKind>(m: Manifest, kind: K, id: string, where: string): ModelOf<K> {
  const entry = findModel(m, id);
  const label = MODEL_KINDS[kind].label;
  if (!entry) throw new ModelFileError(`model '${id}' is not in ${where} (known ${label} models: ${idsOfKind(m, kind).join(', ') || 'none'})`);
  if (!isModelOfKind(entry, kind)) throw new ModelFileError(`model '${id}' in ${where} is not a ${label} model (${label} models: ${idsOfKind(m, kind).join(', ') || 'none'})`);
  return read(kind, id, entry);
}

/** Every usable model of `kind` (entries whose descriptor cannot be read are left out). */
export function listModels<K extends ModelKind>(m: Manifest, kind: K): ModelOf<K>[] {
  const out: ModelOf<K>[] = [];
  for (const id of idsOfKind(m, kind)) {
    try {
      out.push(read(kind, id, m.models[id]));
    } catch {
      // An entry that does not give what its kind needs is not offered.
    }
  }
  return out;
}
