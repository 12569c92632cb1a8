/**
 * The page's side of "bring your own model", outside React: a file the user picked or dropped goes
 * to the engine (which inspects, probes and keeps it: engine/byo-api.ts); a model that needs an
 * answer waits here with its questions until the user gives them; an added model is selected in the
 * Upscale tab and the model list is read again, so every picker (Upscale, Compare, the blind test)
 * offers it. A refused file is named with the reason; nothing already kept is touched.
 */
import * as Comlink from 'comlink';
import { create } from 'zustand';
import { getEngine } from '../../engine/engine-client';
import type { VsrModel } from '../../models/kinds';
import { byoSizeProblem, type ByoAnswers, type ByoQuestion } from '../../pipeline/byo/byo-model';
import { useView } from '../../state/view-state';
import { useModels } from '../../state/models-store';
import { loadModelList } from '../model-list';

export type ByoPhase = 'idle' | 'reading' | 'asking' | 'added' | 'refused';

interface ByoState {
  phase: ByoPhase;
  /** The file in hand (kept while the user answers). */
  file: File | null;
  questions: ByoQuestion[];
  /** What the app found so far (shown with the questions). */
  notes: string[];
  /** The refusal or the outcome, for the user. */
  message: string | null;
  /** The model just added. */
  added: VsrModel | null;
}

export const useByo = create<ByoState>(() => ({ phase: 'idle', file: null, questions: [], notes: [], message: null, added: null }));

export const BYO_ACCEPT = '.onnx,application/octet-stream';

export function isOnnxFile(f: { name: string }): boolean {
  return /\.onnx$/i.test(f.name);
}

/** The models the user brought, from the engine's list. */
export function useYourModels(): VsrModel[] {
  return useModels((s) => s.vsr).filter((m) => m.byo);
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Add a model file (or answer its questions: `answers`); one at a time. */
export async function addModelFile(file: File, answers: ByoAnswers = {}): Promise<void> {
  if (useByo.getState().phase === 'reading') return;
  const tooBig = byoSizeProblem(file.size, file.name);
  if (tooBig) {
    useByo.setState({ phase: 'refused', file: null, questions: [], notes: [], message: tooBig, added: null });
    return;
  }
  useByo.setState({ phase: 'reading', file, message: `Reading ${file.name}…`, added: null });
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const engine = await getEngine();
    const report = await engine.api.byoAdd(Comlink.transfer(bytes, [bytes.buffer]), file.name, answers);
    if (report.status === 'refused') {
      useByo.setState({ phase: 'refused', file: null, questions: [], notes: [], message: report.message });
    } else if (report.status === 'needs') {
      useByo.setState({ phase: 'asking', file, questions: report.questions, notes: report.notes, message: null });
    } else {
      useByo.setState({ phase: 'added', file: null, questions: [], notes: [], added: report.model, message: null });
      await loadModelList(engine);
      useView.getState().chooseVsrModel(report.model.id);
      // Ask the browser not to evict what the user chose to keep (best effort; no prompt in Chromium).
      void navigator.storage?.persist?.().catch(() => undefined);
    }
  } catch (e) {
    useByo.setState({ phase: 'refused', file: null, questions: [], notes: [], message: `Could not add ${file.name}: ${message(e)}` });
  }
}

/** The user gave up on the questions. */
export function cancelQuestions(): void {
  useByo.setState({ phase: 'idle', file: null, questions: [], notes: [], message: null });
}

export async function removeModel(id: string): Promise<void> {
  try {
    const engine = await getEngine();
    await engine.api.byoRemove(id);
    if (useView.getState().vsrModel === id) useView.getState().setVsrModel('vsr');
    if (useByo.getState().added?.id === id) useByo.setState({ phase: 'idle', added: null, message: null });
    await loadModelList(engine);
  } catch (e) {
    useByo.setState({ phase: 'refused', message: `Could not remove the model: ${message(e)}` });
  }
}
