/**
 * What the app does with a manifest entry: one descriptor per kind of model, naming the files it
 * needs (by role and file-name suffix) and the numbers read from its config. A model of a known
 * kind is therefore one manifest entry: a second VSR net is `<id>.step.onnx` plus its entry with
 * `config.width`, and every reader (engine, CLI, model pickers) offers it.
 *
 *   vqgan  encoder (*.encoder.onnx), decoder (*.decoder.onnx), codebook (*.codebook.bin: rows × cols f32)
 *   vsr    step (*.step.onnx), state width C = config.width, ×4 (config.scale)
 *
 * A VSR descriptor also says how its net is fed (frames, feed names, value range, tile multiple),
 * so the same runners take a model the user brought (src/pipeline/byo: a single-frame ×1–×4 net
 * or one of our step contract), described from its file instead of the manifest.
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
  /** A few words on what the model is for (the manifest's `label`), shown beside its id in the Upscale tab's picker. */
  label?: string;
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
  /** C of the recurrent state [1,C,h,w] (0 for a single-frame net). */
  stateChannels: number;
  /** Output side ÷ input side: 4 for ours, 1–4 for a model the user brought. */
  scale: number;
  /**
   * How frames go through the net: 'recurrent' is our step contract (prev, cur, next, state →
   * out, state_out); 'single' is one frame in, one frame out (most SR models, e.g. Real-ESRGAN).
   */
  frames: 'recurrent' | 'single';
  /** The current frame's feed ('cur' for our contract) and the image output ('out'). */
  input: string;
  output: string;
  /** What the net's pixel values span: 1 (0–1) or 255 (0–255). Frames are scaled in and out. */
  range: 1 | 255;
  /** Tile sides are multiples of this (the net's total stride). */
  multiple: number;
  /** A net with a fixed square input size: tiles are exactly this side. */
  fixedTile?: number;
  /** Set for a model the user brought (src/pipeline/byo): not in the manifest, kept by the browser. */
  byo?: ByoInfo;
  /**
   * Its weights in the "auto" choice between VSR nets (src/pipeline/vsr/input-probe.ts), from the
   * manifest's `route`: only models that carry one are chosen by auto.
   */
  route?: ModelRoute;
}

/** The LR input features a route weighs (src/pipeline/vsr/input-probe.ts measures them). */
export const ROUTE_FEATURES = ['noise', 'edge'] as const;
export type RouteFeature = (typeof ROUTE_FEATURES)[number];

/** A VSR model's routing weights: score = bias + Σ weights[f] · log(feature + 1e-3); the highest score wins. */
export interface ModelRoute {
  bias: number;
  weights: Partial<Record<RouteFeature, number>>;
}

/** The entry's `route` checked (finite numbers, known features only), or undefined where it has none or a malformed one. */
function readRoute(raw: unknown): ModelRoute | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const { bias, weights } = raw as { bias?: unknown; weights?: unknown };
  if (typeof bias !== 'number' || !Number.isFinite(bias) || typeof weights !== 'object' || weights === null) return undefined;
  const out: ModelRoute['weights'] = {};
  for (const [k, v] of Object.entries(weights)) {
    if (!(ROUTE_FEATURES as readonly string[]).includes(k) || typeof v !== 'number' || !Number.isFinite(v)) return undefined;
    out[k as RouteFeature] = v;
  }
  return { bias, weights: out };
}

/** What the app knows of a model the user brought beyond the contract above. */
export interface ByoInfo {
  /** The file's name as the user gave it. */
  fileName: string;
  /** When it was added (ISO 8601). */
  addedAt: string;
  /** How each property was found (shown beside the model): e.g. "×2: a 32×32 probe gave 64×64". */
  notes: string[];
  /** Why the WebGPU backend cannot run it (then it runs on the CPU path), or null. */
  webgpuProblem: string | null;
}

/** Tile sides of our VSR nets are multiples of this: their total stride. */
export const VSR_MODEL_MULTIPLE = 4;

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
  if (typeof entry.label === 'string' && entry.label.trim()) out.label = entry.label.trim();
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
      const route = readRoute(entry.route);
      return {
        ...base(id, entry), kind: 'vsr', step: file('step'), stateChannels: cfg.width, scale,
        frames: 'recurrent', input: 'cur', output: 'out', range: 1, multiple: VSR_MODEL_MULTIPLE,
        ...(route ? { route } : {}),
      };
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
