/**
 * The Upscale tab's run, outside React: one recurrent VSR pass over a frame range of the open clip
 * (as it is, or after the degradation pipeline), frames pulled from the frame cache / the degrade
 * client as the engine asks for them, each ×4 frame shown, measured (PSNR/SSIM against the original
 * when the source is the degraded clip) and streamed into the export worker — never collected.
 * Pause holds the engine between frames; cancel stops it after the frame in flight and still saves
 * the frames finished so far.
 */
import * as Comlink from 'comlink';
import { create } from 'zustand';
import { EngineLostError, engineLostWithin, getEngine, isFatalEngineError, restartEngine } from '../../engine/engine-client';
import type { VsrFrameInfo, VsrRunResult, VsrRunTiming } from '../../engine/vsr-api';
import { BROWSER_FORMATS, FORMAT_INFO, QUALITY, exportFileName, partialFileName, type ExportFormat, type VideoFormat, type X264Preset } from '../../media/export-args';
import { startExport, type ExportSession } from '../../media/export-client';
import { useApp } from '../../state/store';
import { usePipeline } from '../../state/params-store';
import { useView } from '../../state/view-state';
import { currentBlob, getFrame } from '../frame-source';
import { degradeFrame } from '../degrade/degrade-client';
import { autoActive, resolveAutoModel } from './auto-model';
import { measureFrame } from '../compare/metrics-client';
import type { RgbaFrame } from '../../core/frame';
import { upscaleSizeProblem, VSR_RESUME_WARMUP } from '../../pipeline/vsr/vsr-common';
import { DEFAULT_OUTPUT_SIZE, OutputSizeError, type OutputPlan, type OutputSizeId } from '../../pipeline/vsr/output-size';
import type { EnsembleSize } from '../../pipeline/vsr/self-ensemble';
import { netScaleOf, planChoice, refusalMessage, sizedFileName } from './output-size';

/** Engine restarts one run survives; past that the fault is not a passing one. */
const MAX_RESUMES = 3;


export type UpscaleSource = 'clip' | 'degraded';
export type OutputChoice = ExportFormat | 'none';

/** A centred LR window (for a quick look at one region of a large clip), or the whole frame. */
export type Region = 'whole' | '256x144' | '128x128' | '64x64' | '32x32';
export const REGIONS: Region[] = ['whole', '256x144', '128x128', '64x64', '32x32'];

export interface UpscaleSettings {
  source: UpscaleSource;
  /** First frame (0-based) and the end (exclusive). */
  from: number;
  to: number;
  region: Region;
  output: OutputChoice;
  crf: number;
  preset: X264Preset;
  /** LR tile side; null = the engine's default for this device. */
  tile: number | null;
  /** Output size (output-size.ts): ×4 (the net's own), ×3, ×2, a fit box, or enhance at 1×. */
  size: OutputSizeId;
  /** Self-ensemble passes (pipeline/vsr/self-ensemble.ts): 1 = one pass; 2, 4, 8 = that many times the time. */
  ensemble: EnsembleSize;
}

export type UpscaleStatus = 'idle' | 'loading' | 'running' | 'paused' | 'finishing' | 'done' | 'cancelled' | 'error';

export interface UpscaleResult {
  file: Blob;
  name: string;
  format: ExportFormat | 'png';
  bytes: number;
  frames: number;
  storage: 'opfs' | 'memory';
}

export interface MetricsSummary {
  /** Frames measured (a busy metrics worker skips some). */
  frames: number;
  meanPsnr: number;
  meanSsim: number;
  last: { index: number; psnr: number; ssim: number } | null;
}

interface UpscaleStore {
  settings: UpscaleSettings;
  status: UpscaleStatus;
  done: number;
  total: number;
  /** Frames per second over the running (not paused) time. */
  fps: number;
  etaS: number | null;
  index: number | null;
  input: RgbaFrame | null;
  output: RgbaFrame | null;
  backend: string | null;
  /** On the CPU: what ran the net (the engine's VsrRunResult.kernels). */
  kernels: string | null;
  tiles: number;
  /** Where the finished run's time went in the engine (the last attempt's, after a resume). */
  timing: VsrRunTiming | null;
  metrics: MetricsSummary | null;
  result: UpscaleResult | null;
  message: string | null;
  load: { file: string; loaded: number; total: number } | null;
  /** The source the settings were made for (frame-source's currentSourceId). */
  sourceId: string | null;
  /** The model made ready before a run (prepareUpscale), or being made ready. */
  prepared: PreparedModel | null;
  setSettings: (patch: Partial<UpscaleSettings>) => void;
}

/** What prepareUpscale did for one model: its side once planned, and how long it took. */
export interface PreparedModel {
  model: string;
  state: 'preparing' | 'ready' | 'failed';
  side?: 'webgpu' | 'wasm';
  ms?: number;
}

export const useUpscale = create<UpscaleStore>((set, get) => ({
  settings: { source: 'clip', from: 0, to: 1, region: 'whole', output: 'mp4', crf: QUALITY.mp4.default, preset: 'veryfast', tile: null, size: DEFAULT_OUTPUT_SIZE, ensemble: 1 },
  status: 'idle',
  done: 0,
  total: 0,
  fps: 0,
  etaS: null,
  index: null,
  input: null,
  output: null,
  backend: null,
  kernels: null,
  tiles: 0,
  timing: null,
  metrics: null,
  result: null,
  message: null,
  load: null,
  sourceId: null,
  prepared: null,
  setSettings: (patch) => {
    const next = { ...get().settings, ...patch };
    // A new format brings its own CRF scale.
    if (patch.output && patch.output !== get().settings.output && patch.crf === undefined && patch.output in QUALITY) next.crf = QUALITY[patch.output as VideoFormat].default;
    set({ settings: next });
  },
}));

export const OUTPUT_LABELS: Record<OutputChoice, string> = {
  mp4: FORMAT_INFO.mp4.label,
  'webm-vp9': FORMAT_INFO['webm-vp9'].label,
  'webm-vp8': FORMAT_INFO['webm-vp8'].label,
  'png-zip': FORMAT_INFO['png-zip'].label,
  none: 'Nothing (preview only)',
};
export const OUTPUT_CHOICES: OutputChoice[] = [...BROWSER_FORMATS, 'none'];

/** The state of the run in flight. */
interface Control {
  jobId: number;
  cancel: Int32Array | undefined;
  cancelled: boolean;
  paused: boolean;
  resume: (() => void) | null;
  gate: Promise<void>;
  pausedMs: number;
  pauseStart: number;
}

let control: Control | null = null;
let nextJob = 1;
/** The app-level error the last failed run showed: a new run takes it down (it is about that run). */
let shownError: string | null = null;

export function pauseUpscale(): void {
  if (!control || control.paused || control.cancelled) return;
  control.paused = true;
  control.pauseStart = performance.now();
  control.gate = new Promise((r) => (control!.resume = r));
  useUpscale.setState({ status: 'paused' });
}

export function resumeUpscale(): void {
  if (!control?.paused) return;
  control.paused = false;
  control.pausedMs += performance.now() - control.pauseStart;
  control.resume?.();
  useUpscale.setState({ status: 'running' });
}

export function cancelUpscale(): void {
  const c = control;
  if (!c || c.cancelled) return;
  c.cancelled = true;
  if (c.cancel) Atomics.store(c.cancel, 0, 1);
  void getEngine().then((e) => e.api.vsrCancel(c.jobId));
  if (c.paused) {
    c.paused = false;
    c.resume?.();
  }
  useUpscale.setState({ message: 'Cancelling after the frame in flight…' });
}

export function isBusy(s: UpscaleStatus): boolean {
  return s === 'loading' || s === 'running' || s === 'paused' || s === 'finishing';
}

export function regionBox(region: Region, w: number, h: number): { x: number; y: number; w: number; h: number } {
  if (region === 'whole') return { x: 0, y: 0, w, h };
  const [rw, rh] = region.split('x').map(Number);
  const cw = Math.min(w, rw);
  const ch = Math.min(h, rh);
  return { x: Math.floor((w - cw) / 2), y: Math.floor((h - ch) / 2), w: cw, h: ch };
}

export function cropRgba(f: RgbaFrame, b: { x: number; y: number; w: number; h: number }): RgbaFrame {
  if (b.x === 0 && b.y === 0 && b.w === f.width && b.h === f.height) return f;
  const out = new Uint8ClampedArray(b.w * b.h * 4);
  for (let y = 0; y < b.h; y++) out.set(f.data.subarray(((b.y + y) * f.width + b.x) * 4, ((b.y + y) * f.width + b.x + b.w) * 4), y * b.w * 4);
  return { width: b.w, height: b.h, data: out };
}

async function pngBlob(f: RgbaFrame): Promise<Blob> {
  const c = new OffscreenCanvas(f.width, f.height);
  c.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(f.data), f.width, f.height), 0, 0);
  return c.convertToBlob({ type: 'image/png' });
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Start a run with the current settings (no-op while one runs). */
export async function startUpscale(): Promise<void> {
  const st = useUpscale.getState();
  if (isBusy(st.status)) return;
  const app = useApp.getState();
  const source = app.source;
  if (!source) return;
  const settings = { ...st.settings };
  const params = structuredClone(usePipeline.getState().params);
  let model = useView.getState().vsrModel;
  const from = Math.max(0, Math.min(source.frameCount - 1, Math.floor(settings.from)));
  const to = source.isImage ? 1 : Math.max(from + 1, Math.min(source.frameCount, Math.floor(settings.to)));
  const total = to - from;
  const jobId = nextJob++;
  const c: Control = {
    jobId,
    cancel: globalThis.crossOriginIsolated ? new Int32Array(new SharedArrayBuffer(4)) : undefined,
    cancelled: false,
    paused: false,
    resume: null,
    gate: Promise.resolve(),
    pausedMs: 0,
    pauseStart: 0,
  };
  control = c;
  if (shownError !== null && useApp.getState().error === shownError) useApp.getState().setError(null);
  shownError = null;
  useUpscale.setState({ status: 'loading', done: 0, total, fps: 0, etaS: null, index: null, input: null, output: null, metrics: null, result: null, message: null, load: null, backend: null, kernels: null, tiles: 0, timing: null });
  let session: ExportSession | null = null;
  const blobInfo = currentBlob();
  try {
    const engine = await getEngine();
    // auto: the model picked for this clip and input (measured now if the tab had not yet).
    if (autoActive()) model = (await resolveAutoModel(settings.source)) ?? model;
    // The LR frames: the clip as it is, or after the pipeline (its ×4 lands back near the source size).
    const lrOf = async (i: number): Promise<RgbaFrame> => (settings.source === 'clip' ? getFrame(i) : (await degradeFrame(i, params)).frame);
    const first = await lrOf(from);
    const box = regionBox(settings.region, first.width, first.height);
    // The output size's plan (output-size.ts), checked before anything runs: even sides for a video.
    const even = !source.isImage && settings.output in QUALITY;
    const netScale = netScaleOf(model);
    let plan: OutputPlan;
    try {
      plan = planChoice({ width: box.w, height: box.h }, settings.size, even, netScale);
    } catch (e) {
      if (!(e instanceof OutputSizeError)) throw e;
      const tooBig = upscaleSizeProblem(box.w, box.h, netScale);
      const reason = tooBig && settings.size === 'x4'
        ? `${tooBig.message}. Choose a smaller region above, or open a copy of the clip downscaled to at most ${tooBig.fit.width}×${tooBig.fit.height}`
        : e.message;
      throw new Error(`Cannot upscale: ${refusalMessage({ width: box.w, height: box.h }, settings.size, even, reason, netScale)}.`);
    }
    // 'x4' is the net's own output: the engine's default, no size sent.
    const size = settings.size === 'x4' ? undefined : settings.size;
    const lr = async (i: number): Promise<RgbaFrame> => cropRgba(await lrOf(i), box);
    const W = plan.output.width;
    const H = plan.output.height;
    const onLoad = Comlink.proxy((p: { file: string; loaded: number; total: number }) => useUpscale.setState({ load: p.loaded < p.total ? p : null }));

    if (source.isImage) {
      const out = await engine.api.vsrImage(await lr(0), { model, maxTile: settings.tile ?? undefined, size, ensemble: settings.ensemble }, onLoad);
      const file = await pngBlob(out);
      useUpscale.setState({
        status: 'done', done: 1, output: out, input: await lr(0), index: 0,
        result: { file, name: sizedFileName(exportFileName(source.name, 'png-zip').replace(/\.zip$/, '.png'), settings.size), format: 'png', bytes: file.size, frames: 1, storage: 'memory' },
      });
      return;
    }

    if (settings.output !== 'none') {
      session = await startExport({
        format: settings.output, width: W, height: H, fps: source.fps, crf: settings.crf, preset: settings.preset, pixelAspect: source.pixelAspect,
        fileName: sizedFileName(exportFileName(source.name, settings.output), settings.size),
        audio: blobInfo && !source.isImage ? { blob: blobInfo.blob, name: blobInfo.info.name, startS: from / source.fps, durationS: total / source.fps } : undefined,
      });
    }

    let done = 0;
    let started = 0;
    let lastDraw = 0;
    let pendingMetrics = 0;
    let sumPsnr = 0;
    let sumSsim = 0;
    let measured = 0;
    // The engine asks for LR frames ahead of the step that needs them (decode-ahead): each is shown
    // beside its ×4 frame when that arrives, not when it is fetched.
    const fetched = new Map<number, RgbaFrame>();
    const getLr = Comlink.proxy(async (i: number): Promise<RgbaFrame> => {
      await c.gate;
      const f = await lr(i);
      if (i >= from && i < to) fetched.set(i, f);
      return f;
    });
    // Where the frames are made (the engine says with each one): what a run whose engine went
    // away after its last frame reports without a rerun.
    let madeOn: VsrFrameInfo | null = null;
    // One per call of the engine: frames of an attempt already given up (an engine that crashed
    // keeps handing over what it had made until it is ended) are dropped, and the one being written
    // when it was given up is waited for — so `done` is final, and the resumed run neither skips nor
    // repeats a frame.
    interface Attempt {
      dead: boolean;
      writing: Promise<void> | null;
    }
    const onFrameFor = (attempt: Attempt) => Comlink.proxy(async (i: number, out: RgbaFrame, info: VsrFrameInfo) => {
      if (attempt.dead) return;
      if (i !== from + done) throw new Error(`the engine handed over frame ${i + 1} out of turn (frame ${from + done + 1} was due)`);
      madeOn = info;
      if (done === 0) {
        started = performance.now();
        useUpscale.setState({ status: c.paused ? 'paused' : 'running' });
      }
      attempt.writing = (async () => {
        if (session) await session.write(out.data);
        done++;
      })();
      try {
        await attempt.writing;
      } finally {
        attempt.writing = null;
      }
      const now = performance.now();
      const activeS = (now - started - c.pausedMs) / 1000;
      // The first frame includes model loading and shader compiling: rate from the second on.
      const fps = done > 1 && activeS > 0 ? (done - 1) / activeS : 0;
      const patch: Partial<UpscaleStore> = { done, fps, etaS: fps > 0 ? (total - done) / fps : null, index: i };
      const input = fetched.get(i);
      for (const k of fetched.keys()) if (k <= i) fetched.delete(k);
      if (now - lastDraw > 100 || done === total) {
        lastDraw = now;
        patch.output = out;
        if (input) patch.input = input;
      }
      useUpscale.setState(patch);
      // Against the original only at ×4, where the degraded LR's output lands on it.
      if (settings.source === 'degraded' && settings.size === 'x4' && pendingMetrics < 2) {
        pendingMetrics++;
        void (async () => {
          try {
            const hr = await getFrame(i);
            const b = { x: 4 * box.x, y: 4 * box.y, w: Math.min(out.width, hr.width - 4 * box.x), h: Math.min(out.height, hr.height - 4 * box.y) };
            const r = await measureFrame(cropRgba(out, { x: 0, y: 0, w: b.w, h: b.h }), cropRgba(hr, b));
            if (r.kind === 'full-reference' && control === c) {
              measured++;
              sumPsnr += r.psnr;
              sumSsim += r.ssim;
              useUpscale.setState({ metrics: { frames: measured, meanPsnr: sumPsnr / measured, meanSsim: sumSsim / measured, last: { index: i, psnr: r.psnr, ssim: r.ssim } } });
            }
          } finally {
            pendingMetrics--;
          }
        })();
      }
      await c.gate;
    });
    // The engine may go away mid-run (a lost GPU device, a crashed worker): wait for the restarted
    // one and resume at the first frame not yet delivered, replaying VSR_RESUME_WARMUP frames before
    // it to rebuild the recurrent state (all of them when fewer were done: identical frames).
    // The export session lives in its own worker and just goes on.
    let r: VsrRunResult | null = null;
    let resumes = 0;
    let stoppedAfterLast: string | null = null;
    let eng = engine;
    const runStart = performance.now();
    while (!r) {
      const resumeAt = from + done;
      const attempt: Attempt = { dead: false, writing: null };
      try {
        const part = await eng.api.vsrRun(
          { jobId, model, width: box.w, height: box.h, from: Math.max(from, resumeAt - VSR_RESUME_WARMUP), emitFrom: resumeAt, to, length: source.frameCount, maxTile: settings.tile ?? undefined, size, even, ensemble: settings.ensemble },
          getLr,
          onFrameFor(attempt),
          c.cancel,
          onLoad,
        );
        r = { ...part, done, ms: performance.now() - runStart };
      } catch (e) {
        attempt.dead = true;
        await attempt.writing?.catch(() => undefined);
        // A GPU error can arrive just before the device-lost event that explains it: wait a moment.
        const lost = e instanceof EngineLostError ? e : await engineLostWithin(eng, 2000);
        if ((!lost && !isFatalEngineError(e)) || resumes >= MAX_RESUMES) throw e;
        const reason = lost ? lost.reason : message(e);
        if (!lost) restartEngine(`the engine failed: ${reason}`);
        // Every frame had reached the page (frames are handed over while the next is made, so the
        // engine can go between the last hand-over and its answer): nothing to redo.
        const info = madeOn as VsrFrameInfo | null;
        if (from + done >= to && info) {
          r = { done, cancelled: c.cancelled, ms: performance.now() - runStart, backend: info.backend, tiles: info.tiles, modelId: model, trained: info.trained };
          stoppedAfterLast = reason;
          break;
        }
        resumes++;
        if (c.cancelled) {
          r = { done, cancelled: true, ms: performance.now() - runStart, backend: 'wasm', tiles: 0, modelId: model, trained: true };
          break;
        }
        useUpscale.setState({ message: `${reason} — the engine restarted; resuming at frame ${from + done}.` });
        eng = await getEngine();
      }
    }
    if (r.tiles > 0) useUpscale.setState({ backend: r.backend === 'webgpu' ? 'WebGPU' : 'CPU (wasm)', kernels: r.kernels ?? null, tiles: r.tiles, timing: r.timing ?? null }); // 0: cancelled while the engine restarted
    let result: UpscaleResult | null = null;
    if (session) {
      const s = session;
      session = null;
      if (r.done > 0) {
        useUpscale.setState({ status: 'finishing', message: `Writing the ${OUTPUT_LABELS[settings.output]}…` });
        const d = await s.finish();
        const name = r.cancelled ? partialFileName(s.options.fileName, r.done, total) : s.options.fileName;
        if (d.file) result = { file: d.file, name, format: settings.output as ExportFormat, bytes: d.bytes, frames: d.frames, storage: d.storage };
      } else {
        await s.abort();
      }
    }
    const trainedNote = r.trained ? '' : ' (model weights are a random-init placeholder: the output shows the pipeline, not the paper’s quality)';
    useUpscale.setState({
      status: r.cancelled ? 'cancelled' : 'done',
      result,
      message: r.cancelled
        ? `Cancelled after ${r.done} of ${total} frames${result ? '; those frames are saved below' : ''}.`
        : `Upscaled ${r.done} frames with ${r.modelId} in ${(r.ms / 1000).toFixed(1)} s on ${r.backend === 'webgpu' ? 'WebGPU' : 'the CPU (wasm)'}${trainedNote}` +
          (resumes ? `; resumed ${resumes === 1 ? 'once' : `${resumes} times`} after the engine restarted` : '') +
          (stoppedAfterLast ? `; the engine stopped after the last frame (${stoppedAfterLast}), nothing to redo.` : '.'),
    });
  } catch (e) {
    await session?.abort().catch(() => undefined);
    useUpscale.setState({ status: 'error', message: message(e), load: null });
    shownError = `Upscaling failed: ${message(e)}`;
    useApp.getState().setError(shownError);
  } finally {
    if (control === c) control = null;
    useUpscale.setState({ load: null });
  }
}

/**
 * Makes `model` ready before the user starts a run (the engine's vsrPrepare: its side planned, its
 * runner loaded and warmed), so the click goes straight to the first frame. Called by the Upscale
 * tab when it shows a clip and when the model changes; a model prepared or being prepared is not
 * asked for again. A failure is only noted: the run reports its own error where it matters.
 */
export async function prepareUpscale(model: string): Promise<void> {
  const cur = useUpscale.getState().prepared;
  if (cur?.model === model && cur.state !== 'failed') return;
  useUpscale.setState({ prepared: { model, state: 'preparing' } });
  const mine = () => useUpscale.getState().prepared?.model === model;
  try {
    const engine = await getEngine();
    const onLoad = Comlink.proxy((p: { file: string; loaded: number; total: number }) => mine() && useUpscale.setState({ load: p.loaded < p.total ? p : null }));
    const { side, ms } = await engine.api.vsrPrepare(model, false, onLoad);
    if (mine()) useUpscale.setState({ prepared: { model, state: 'ready', side, ms }, load: null });
  } catch (e) {
    console.warn(`preparing ${model}: ${e instanceof Error ? e.message : String(e)}`);
    if (mine()) useUpscale.setState({ prepared: { model, state: 'failed' }, load: null });
  }
}
