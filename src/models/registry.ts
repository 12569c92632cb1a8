/**
 * The model registry: one manifest reader over a source of files — the browser's
 * (source-web.ts: fetch from our own origin, Cache Storage, sha256) or Node's (source-node.ts:
 * a models folder, sha256) — and the per-kind descriptors of kinds.ts. Everything that loads a
 * model (the engine's GPU and wasm paths, the CLI, the tests, the benchmarks) goes through here, so
 * a model is found, checked and described in one way.
 */
import { describeModel, listModels, type ModelKind, type ModelOf, type VqganModel, type VsrModel } from './kinds.ts';
import { ModelFileError, parseManifest, type LoadProgress, type Manifest, type ManifestFile } from './manifest.ts';

export interface ModelSource {
  /** Names the manifest in messages (a folder's manifest.json, a URL). */
  readonly where: string;
  /** The manifest's JSON value (parsed, not yet checked). */
  readManifest(): Promise<unknown>;
  /** A file's bytes, checked against the manifest's size and sha256 (ModelFileError otherwise). */
  readFile(file: ManifestFile, onProgress?: LoadProgress): Promise<Uint8Array>;
}

export class ModelRegistry {
  private manifestPromise: Promise<Manifest> | undefined;

  constructor(readonly source: ModelSource) {}

  /** The manifest, read once (a failed read is retried on the next call). */
  manifest(): Promise<Manifest> {
    if (!this.manifestPromise) {
      const p = this.source.readManifest().then((raw) => parseManifest(raw, this.source.where));
      p.catch(() => {
        if (this.manifestPromise === p) this.manifestPromise = undefined;
      });
      this.manifestPromise = p;
    }
    return this.manifestPromise;
  }

  /** The descriptor of model `id` as a `kind` (ModelFileError when missing or of another kind). */
  async model<K extends ModelKind>(kind: K, id: string): Promise<ModelOf<K>> {
    return describeModel(await this.manifest(), kind, id, this.source.where);
  }

  /** Every usable model of `kind`, in manifest order. */
  async list<K extends ModelKind>(kind: K): Promise<ModelOf<K>[]> {
    return listModels(await this.manifest(), kind);
  }

  bytes(file: ManifestFile, onProgress?: LoadProgress): Promise<Uint8Array> {
    return this.source.readFile(file, onProgress);
  }

  /** A raw little-endian float32 file (the codebook), as an aligned Float32Array. */
  async float32(file: ManifestFile, onProgress?: LoadProgress): Promise<Float32Array> {
    const bytes = await this.bytes(file, onProgress);
    if (bytes.byteLength % 4) throw new ModelFileError(`model file ${file.file} is not a whole number of float32 values`);
    const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
    return new Float32Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 4);
  }

  /** A VQGAN degrader's descriptor and file contents. */
  async vqgan(id: string, onProgress?: LoadProgress): Promise<VqganFiles> {
    const model = await this.model('vqgan', id);
    const [encoder, decoder, codebook] = await Promise.all([this.bytes(model.encoder, onProgress), this.bytes(model.decoder, onProgress), this.float32(model.codebook, onProgress)]);
    return { model, encoder, decoder, codebook };
  }

  /** A VSR net's descriptor and its step graph. */
  async vsr(id: string, onProgress?: LoadProgress): Promise<VsrFiles> {
    const model = await this.model('vsr', id);
    return { model, step: await this.bytes(model.step, onProgress) };
  }
}

export interface VqganFiles {
  model: VqganModel;
  encoder: Uint8Array;
  decoder: Uint8Array;
  /** nCodes × nz, row-major. */
  codebook: Float32Array;
}

export interface VsrFiles {
  model: VsrModel;
  step: Uint8Array;
}
