/**
 * Bring your own model: one call from an .onnx file's bytes to a VSR descriptor the runners take
 * (models/kinds.ts VsrModel, with `byo` set), or to the questions to ask the user, or to a refusal
 * in plain words. The file is read and checked first (inspect.ts: size, ONNX, contract, image
 * shapes), then a session is made on the given ORT backend (its errors put in words:
 * ort-errors.ts) and the model probed (probe.ts: scale, tile multiple, value range).
 *
 * Used by the engine worker (onnxruntime-web, wasm EP) when a user adds a file, and by the CLI
 * (`vqdsr upscale --model-file`, onnxruntime-node): both infer the same. Pure TS over `Ort`.
 */
import type { VsrModel } from '../../models/kinds';
import { byoId } from '../../models/byo-id';
import { openSession, type Ort, type OrtSessionOptions, type Session } from '../../gpu/ort';
import { ByoRefusal, inspectOnnx, type StaticInspection } from './inspect';
import { probeModel, type ByoAnswers, type ByoQuestion, type ProbeTensor } from './probe';
import { ortErrorInWords } from './ort-errors';

export type ByoReport =
  | { status: 'ready'; fileName: string; model: VsrModel }
  | { status: 'needs'; fileName: string; questions: ByoQuestion[]; notes: string[] }
  | { status: 'refused'; fileName: string; message: string };

export { ByoRefusal, BYO_MAX_BYTES, byoSizeProblem } from './inspect';
export type { ByoAnswers, ByoQuestion } from './probe';

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const d = await globalThis.crypto.subtle.digest('SHA-256', bytes as BufferSource);
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export interface InspectOptions {
  /** The backend the probe runs on (default: ORT's choice) and its name in messages. */
  sessionOptions?: OrtSessionOptions;
  backendName?: string;
  /** When it was added (default: now). */
  addedAt?: string;
}

/** The descriptor of a model the user brought, from its inspection and inference. */
export function byoDescriptor(s: StaticInspection, sha256: string, inf: { scale: number; multiple: number; range: 1 | 255; stateChannels: number; notes: string[] }, addedAt: string): VsrModel {
  const what = s.frames === 'single' ? 'single-frame' : 'recurrent (our step contract)';
  return {
    id: byoId(s.fileName, sha256),
    kind: 'vsr',
    // Whatever its training, it is the user's model: no "untrained placeholder" note.
    trained: true,
    architecture: `your model ${s.fileName}: ${what} ×${inf.scale}, values 0–${inf.range}`,
    step: { file: s.fileName, bytes: s.bytes, sha256 },
    stateChannels: s.frames === 'recurrent' ? inf.stateChannels : 0,
    scale: inf.scale,
    frames: s.frames,
    input: s.input.name,
    output: s.output.name,
    range: inf.range,
    multiple: inf.multiple,
    ...(s.fixedSize ? { fixedTile: s.fixedSize.width } : {}),
    byo: { fileName: s.fileName, addedAt, notes: [...s.notes, ...inf.notes], webgpuProblem: null },
  };
}

/**
 * Inspect, open and probe a model file. Never throws for a bad model: a refusal is a report (the
 * UI shows it; the CLI prints it); errors of the app itself still throw.
 */
export async function inspectByoModel(ort: Ort, bytes: Uint8Array, fileName: string, answers: ByoAnswers = {}, opts: InspectOptions = {}): Promise<ByoReport> {
  const backend = opts.backendName ?? 'onnxruntime';
  let session: Session | null = null;
  try {
    const s = inspectOnnx(bytes, fileName);
    try {
      // Fatal-only logging: the probe's runs at sizes a net refuses are expected to fail.
      session = await openSession(ort, bytes, { graphOptimizationLevel: 'all', logSeverityLevel: 4, ...opts.sessionOptions });
    } catch (e) {
      throw new ByoRefusal(`${fileName} cannot be loaded: ${ortErrorInWords(e, backend)}`);
    }
    const sess = session;
    const run = async (feeds: Record<string, ProbeTensor>): Promise<Record<string, ProbeTensor>> => {
      const ortFeeds = Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, new ort.Tensor('float32', v.data, v.dims)]));
      const r = await sess.run(ortFeeds);
      const out: Record<string, ProbeTensor> = {};
      for (const [k, t] of Object.entries(r)) {
        out[k] = { data: t.type === 'float32' ? (t.data as Float32Array) : Float32Array.from(t.data as ArrayLike<number>), dims: t.dims };
      }
      return out;
    };
    const outcome = await probeModel(s, run, answers, (e) => ortErrorInWords(e, backend));
    if (!outcome.inference) return { status: 'needs', fileName, questions: outcome.questions, notes: [...s.notes, ...outcome.notes] };
    const sha = await sha256Hex(bytes);
    return { status: 'ready', fileName, model: byoDescriptor(s, sha, outcome.inference, opts.addedAt ?? new Date().toISOString()) };
  } catch (e) {
    if (e instanceof ByoRefusal) return { status: 'refused', fileName, message: e.message };
    throw e;
  } finally {
    await session?.release().catch(() => undefined);
  }
}

/** One line on what the app made of a model, e.g. "single-frame ×2, values 0–1, any frame size". */
export function byoSummary(m: VsrModel): string {
  const frames = m.frames === 'single' ? 'single-frame' : `recurrent (state width ${m.stateChannels})`;
  const size = m.fixedTile ? `fixed ${m.fixedTile}×${m.fixedTile} tiles` : m.multiple === 1 ? 'any frame size' : `sides padded to multiples of ${m.multiple}`;
  return `${frames} ×${m.scale}, NCHW RGB, values 0–${m.range}, ${size}`;
}
