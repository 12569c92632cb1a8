/**
 * The VSR net in Node (the `vqdsr upscale` CLI, benchmarks): the model registry finds the model in
 * a models folder's manifest.json and checks the file's sha256 (a stale or half-copied model must
 * not silently make pictures); onnxruntime-node's CPU EP runs it behind vsr-cpu.ts, with a cubic
 * ×2/×4 base rewritten as a convolution as the app's CPU path does (cubic-base-conv.ts: the same
 * graph on both, and ORT's scalar cubic Resize was half of a step here). A user's own .onnx file
 * (`--model-file`) is inspected and probed as the app does (src/pipeline/byo).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { VsrModel } from '../../models/kinds.ts';
import { ModelFileError } from '../../models/manifest.ts';
import { nodeModels } from '../../models/source-node.ts';
import type { OrtSessionOptions } from '../../gpu/ort.ts';
import { inspectByoModel, type ByoAnswers, type ByoQuestion } from '../byo/byo-model.ts';
import { createVsrCpu, type VsrCpu } from './vsr-cpu.ts';
import { withConvBase } from './cubic-base-conv.ts';

export { DEFAULT_MODELS_DIR } from '../../models/source-node.ts';
export { ModelFileError } from '../../models/manifest.ts';

export interface VsrNodeOptions {
  /** Folder with manifest.json and the model files. Default: the repo's public/models. */
  modelsDir?: string;
  /** Manifest key of the VSR model (any model of kind 'vsr'). Default 'vsr'. */
  modelId?: string;
  /** ORT intra-op threads. Default: ORT's choice (all cores). */
  threads?: number;
  /**
   * A model of the user's own (an .onnx file) instead of the manifest's: inspected and probed as the
   * app does (src/pipeline/byo), with `answers` for what it cannot infer.
   */
  modelFile?: string;
  answers?: ByoAnswers;
}

/** How the CLI asks what the file does not tell: the option that answers each question. */
export const BYO_ANSWER_FLAGS: Record<ByoQuestion['id'], string> = { range: '--model-range 1|255', stateChannels: '--model-state-width <C>' };

export interface VsrNode extends VsrCpu {
  readonly modelId: string;
  /** Whether the manifest marks the weights as trained (false: a random-init placeholder). */
  readonly trained: boolean;
}

export async function createVsrNode(opts: VsrNodeOptions = {}): Promise<VsrNode> {
  const ort = await import('onnxruntime-node');
  const sessionOptions: OrtSessionOptions = { executionProviders: ['cpu'], graphOptimizationLevel: 'all', ...(opts.threads ? { intraOpNumThreads: opts.threads } : {}) };
  const files = opts.modelFile ? await byoFiles(ort, opts.modelFile, opts.answers ?? {}, sessionOptions) : await nodeModels(opts.modelsDir).vsr(opts.modelId ?? 'vsr');
  const vsr = await createVsrCpu(ort, withConvBase(files), sessionOptions);
  return { ...vsr, modelId: files.model.id, trained: files.model.trained };
}

/** A user's .onnx file as the runner's files, or ModelFileError with the refusal or the questions in words. */
async function byoFiles(ort: typeof import('onnxruntime-node'), file: string, answers: ByoAnswers, sessionOptions: OrtSessionOptions): Promise<{ model: VsrModel; step: Uint8Array }> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(file));
  } catch (e) {
    throw new ModelFileError(`cannot read the model file ${file}: ${(e as Error).message}`);
  }
  const report = await inspectByoModel(ort, bytes, path.basename(file), answers, { sessionOptions, backendName: 'onnxruntime-node (CPU)' });
  if (report.status === 'refused') throw new ModelFileError(report.message);
  if (report.status === 'needs') {
    const asks = report.questions.map((q) => `${q.why} (answer with ${BYO_ANSWER_FLAGS[q.id]}${q.id === 'range' ? `; the closer reading was 0–${q.suggested}` : ''})`);
    throw new ModelFileError(asks.join('\n'));
  }
  return { model: report.model, step: bytes };
}

/** The VSR models of a models folder, in manifest order (the CLI's --model choices). */
export async function listVsrModels(modelsDir?: string): Promise<VsrModel[]> {
  return nodeModels(modelsDir).list('vsr');
}
