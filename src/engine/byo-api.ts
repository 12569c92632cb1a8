/**
 * Engine-worker methods for the models a user brings (spread into engineApi): add one from its
 * file's bytes (inspected and probed on ORT's wasm EP — the plain wasm build of ort-wasm.ts, the one
 * its CPU runs use — checked against WebGPU on the WebGPU build when the engine has it, then kept in
 * the browser's storage), remove one, list them. The VSR runners find a kept model by its id
 * (vsr-api.ts), so once added it runs wherever ours do: Upscale, Compare, the blind test.
 */
import { getBackend, ort } from '../gpu/device';
import { openSession } from '../gpu/ort';
import type { VsrModel } from '../models/kinds';
import { isByoId } from '../models/byo-id';
import { inspectByoModel, type ByoAnswers, type ByoReport } from '../pipeline/byo/byo-model';
import { ortErrorInWords } from '../pipeline/byo/ort-errors';
import { byoStorageAvailable, deleteByoModel, listByoModels, putByoModel } from '../models/byo-store-web';
import { dropByoRunners } from './vsr-api';
import { ortWasm } from './ort-wasm';

/**
 * Whether WebGPU can load the model (null) or why not: onnxruntime-web's webgpu EP hands the
 * operators it lacks to its CPU kernels, so a failure here is a real one (an operator neither has
 * for these types, a kernel that does not compile on this adapter). Where the engine left WebGPU
 * down (backend-start.ts) this brings it up: the model's first run would, to measure it (a new
 * model has no remembered plan), and the answer is kept with the model.
 */
async function webgpuProblem(bytes: Uint8Array): Promise<string | null> {
  const backend = await getBackend();
  if (backend.kind !== 'webgpu') return null;
  try {
    const s = await openSession(ort, bytes, { executionProviders: ['webgpu'], graphOptimizationLevel: 'all', logSeverityLevel: 4 });
    await s.release();
    return null;
  } catch (e) {
    return ortErrorInWords(e, 'WebGPU');
  }
}

export const byoApi = {
  /**
   * Inspect a model file and, when the app can run it and nothing needs asking, keep it. The report
   * says what was inferred (ready), what to ask the user (needs: call again with `answers`), or why
   * it cannot run (refused). The bytes are not kept unless the model is ready.
   */
  async byoAdd(bytes: Uint8Array, fileName: string, answers: ByoAnswers = {}): Promise<ByoReport> {
    if (!byoStorageAvailable()) return { status: 'refused', fileName, message: 'this browser offers no IndexedDB here (a private window?), so your models cannot be kept' };
    const report = await inspectByoModel(await ortWasm(), bytes, fileName, answers, { sessionOptions: { executionProviders: ['wasm'] }, backendName: 'the CPU (wasm)' });
    if (report.status !== 'ready') return report;
    const problem = await webgpuProblem(bytes);
    const model: VsrModel = { ...report.model, byo: { ...report.model.byo!, webgpuProblem: problem } };
    if (problem) model.byo!.notes.push(`runs on the CPU (wasm): WebGPU cannot load it (${problem})`);
    await dropByoRunners(model.id); // the same file added again: fresh runners
    await putByoModel(model, bytes);
    return { ...report, model };
  },

  /** Forget a kept model (its runners and its stored file). */
  async byoRemove(id: string): Promise<void> {
    if (!isByoId(id)) throw new Error(`'${id}' is not one of your models`);
    await dropByoRunners(id);
    await deleteByoModel(id);
  },

  /** The kept models, oldest first. */
  async byoList(): Promise<VsrModel[]> {
    return listByoModels();
  },
};
