/**
 * The VSR net in Node (the `vqdsr upscale` CLI, benchmarks): the model registry finds the model in
 * a models folder's manifest.json and checks the file's sha256 (a stale or half-copied model must
 * not silently make pictures); onnxruntime-node's CPU EP runs it behind vsr-cpu.ts.
 */
import type { VsrModel } from '../../models/kinds.ts';
import { nodeModels } from '../../models/source-node.ts';
import type { OrtSessionOptions } from '../../gpu/ort.ts';
import { createVsrCpu, type VsrCpu } from './vsr-cpu.ts';

export { DEFAULT_MODELS_DIR } from '../../models/source-node.ts';
export { ModelFileError } from '../../models/manifest.ts';

export interface VsrNodeOptions {
  /** Folder with manifest.json and the model files. Default: the repo's public/models. */
  modelsDir?: string;
  /** Manifest key of the VSR model (any model of kind 'vsr'). Default 'vsr'. */
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
  const files = await nodeModels(opts.modelsDir).vsr(opts.modelId ?? 'vsr');
  const ort = await import('onnxruntime-node');
  const sessionOptions: OrtSessionOptions = { executionProviders: ['cpu'], graphOptimizationLevel: 'all', ...(opts.threads ? { intraOpNumThreads: opts.threads } : {}) };
  const vsr = await createVsrCpu(ort, files, sessionOptions);
  return { ...vsr, modelId: files.model.id, trained: files.model.trained };
}

/** The VSR models of a models folder, in manifest order (the CLI's --model choices). */
export async function listVsrModels(modelsDir?: string): Promise<VsrModel[]> {
  return nodeModels(modelsDir).list('vsr');
}
