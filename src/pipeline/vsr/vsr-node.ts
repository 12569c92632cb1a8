/**
 * The VSR net in Node (the `vqdsr upscale` CLI, benchmarks): finds the model in a models folder's
 * manifest.json, checks the file's sha256 (a stale or half-copied model must not silently make
 * pictures) and opens it on onnxruntime-node's CPU EP, behind vsr-cpu.ts.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_MODELS_DIR, ModelFileError } from '../vqd/vqd-node.ts';
import { createVsrCpu, type OrtLike, type VsrCpu } from './vsr-cpu.ts';
import { vsrStateChannels, vsrStepFile, type VsrModelEntry } from './vsr-common.ts';

export { DEFAULT_MODELS_DIR, ModelFileError } from '../vqd/vqd-node.ts';

export interface VsrNodeOptions {
  /** Folder with manifest.json and the model files. Default: the repo's public/models. */
  modelsDir?: string;
  /** Manifest key of the VSR model. Default 'vsr'. */
  modelId?: string;
  /** ORT intra-op threads. Default: ORT's choice (all cores). */
  threads?: number;
}

export interface VsrNode extends VsrCpu {
  readonly modelId: string;
  /** Whether the manifest marks the weights as trained (false: a random-init placeholder). */
  readonly trained: boolean;
}

export async function createVsrNode(opts: VsrNodeOptions = {}): Promise<VsrNode> {
  const dir = opts.modelsDir ?? DEFAULT_MODELS_DIR;
  const modelId = opts.modelId ?? 'vsr';
  const manifestPath = path.join(dir, 'manifest.json');
  let manifest: { models?: Record<string, Omit<VsrModelEntry, 'files'> & { trained?: boolean; files?: { file: string; sha256?: string }[] }> };
  try {
    manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
  } catch (e) {
    throw new ModelFileError(`cannot read ${manifestPath}: ${(e as Error).message}`);
  }
  const models = manifest.models ?? {};
  const entry = Object.prototype.hasOwnProperty.call(models, modelId) ? models[modelId] : undefined;
  if (!entry) throw new ModelFileError(`model '${modelId}' is not in ${manifestPath} (known: ${Object.keys(models).join(', ')})`);
  let file: string;
  let C: number;
  try {
    file = vsrStepFile(entry, modelId);
    C = vsrStateChannels(entry, modelId);
  } catch (e) {
    throw new ModelFileError((e as Error).message);
  }
  const p = path.join(dir, path.basename(file));
  let bytes: Buffer;
  try {
    bytes = await readFile(p);
  } catch (e) {
    throw new ModelFileError(`model file ${p} cannot be read: ${(e as Error).message}`);
  }
  const sha = entry.files?.find((f) => f.file === file)?.sha256;
  if (sha) {
    const got = createHash('sha256').update(bytes).digest('hex');
    if (got !== sha) throw new ModelFileError(`model file ${p} does not match manifest.json (sha256 ${got.slice(0, 12)}…, expected ${sha.slice(0, 12)}…)`);
  }
  const ort = (await import('onnxruntime-node')) as unknown as OrtLike;
  const sessionOptions: Record<string, unknown> = { executionProviders: ['cpu'], graphOptimizationLevel: 'all' };
  if (opts.threads) sessionOptions.intraOpNumThreads = opts.threads;
  const vsr = await createVsrCpu(ort, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), C, sessionOptions);
  return { ...vsr, modelId, trained: entry.trained === true };
}
