/**
 * Which side runs a stage: WebGPU or the CPU path (ORT's wasm EP and the kernels' CPU references).
 *
 * A WebGPU adapter is not always the fast side: on a software adapter (SwiftShader in VMs, CI and
 * many Linux desktops) one VSR step took 7.4 s at 64×64 against 77 ms on wasm. So the engine times
 * each heavy stage briefly on both sides the first time it is used (engine/backend-plan.ts) and runs
 * it where it is faster; the result is remembered per adapter and per model file, so the probe runs
 * once. A setting (or `?webgpu` / `?wasm` in the URL) overrides the measurement.
 *
 * An adapter the browser flags as a software fallback (GPUAdapterInfo.isFallbackAdapter: "significant
 * performance caveats"; SwiftShader) is not probed unasked: its trial runs cost the first visit tens of
 * seconds of both cores (pipeline compilation, then runs 99–182× slower than the CPU path here) to
 * learn what the flag already says. Every stage runs on the CPU there ('software-adapter'); "Measure
 * again" in the setting probes it like any other adapter, and what it measures is remembered.
 *
 * Plain data and pure functions only: the worker decides, the UI shows and stores.
 */

export type Side = 'webgpu' | 'wasm';
/** 'auto' = measured; the other two force every stage to one side. */
export type BackendPreference = 'auto' | Side;
export const BACKEND_PREFERENCES: readonly BackendPreference[] = ['auto', 'webgpu', 'wasm'];

/** The heavy stages whose side is chosen: the degradation chain (VQD's ONNX nets dominate) and the VSR net. */
export type PlannedStage = 'degrade' | 'vsr';

/** One probe: the fastest timed run on each side, in ms (warm-up runs excluded). */
export interface StageMeasurement {
  gpuMs: number;
  cpuMs: number;
  /**
   * The GPU's trial run had not finished after gpuMs (gpuTrialLimitMs): gpuMs is a lower bound, and
   * the run (warm-up, i.e. shader compilation included, or timed) was left to finish unwatched.
   */
  gpuCut?: true;
  /** LR size the probe ran at (width = height). */
  size: number;
  /** When it was measured (ISO date), for the user's eyes. */
  at: string;
}

export interface StagePlan {
  stage: PlannedStage;
  /** The model the stage runs (the plan is per model: a wider net may flip the choice). */
  model: string;
  side: Side;
  /**
   * Why this side: measured now, remembered from an earlier probe, forced, no WebGPU at all, or a
   * software adapter not measured (the CPU side without a probe; "Measure again" probes it).
   */
  why: 'measured' | 'remembered' | 'forced' | 'no-webgpu' | 'software-adapter';
  measurement?: StageMeasurement;
  /** With 'no-webgpu': why WebGPU did not come up when this stage needed it. */
  reason?: string;
  /** One line for the status bar, e.g. "VSR on CPU (wasm): 90× faster than this GPU". */
  text: string;
}

/**
 * The CPU side wins only when clearly faster (≥ 1.25×): at a tie the GPU is the better place,
 * because it leaves the cores to decoding and encoding, which run beside it.
 */
export const CPU_MARGIN = 1.25;

/**
 * How long the probe waits for one GPU run once the CPU's time is known. On a software adapter a
 * first run (pipeline compilation + the run) of the degrade probe took ~30 s and a timed one 13.6 s,
 * against 90 ms on the CPU (SwiftShader, 2 cores): the first visit showed no preview for ~45 s only
 * to learn what a few seconds already said. A real GPU's first run is mostly compilation, seconds at
 * worst (D3D12's shader compilers are the slowest), hence the floor; the factor keeps a slow CPU's
 * long probe from cutting a GPU that is merely comparable. Any cut run is ≥ 50× the CPU's, so the CPU
 * side wins it under CPU_MARGIN; "Measure again" (the UI) probes anew.
 */
export const GPU_TRIAL_FLOOR_MS = 8000;
export const GPU_TRIAL_CPU_FACTOR = 50;

export function gpuTrialLimitMs(cpuMs: number): number {
  // Without a CPU time (its side failed) the GPU is the only side left: wait for it however long.
  if (!(cpuMs > 0) || !Number.isFinite(cpuMs)) return Infinity;
  return Math.max(GPU_TRIAL_FLOOR_MS, GPU_TRIAL_CPU_FACTOR * cpuMs);
}

export function decideSide(m: Pick<StageMeasurement, 'gpuMs' | 'cpuMs'>): Side {
  if (!(m.cpuMs > 0) || !Number.isFinite(m.cpuMs)) return 'webgpu';
  if (!(m.gpuMs > 0) || !Number.isFinite(m.gpuMs)) return 'wasm';
  return m.cpuMs * CPU_MARGIN <= m.gpuMs ? 'wasm' : 'webgpu';
}

const STAGE_LABEL: Record<PlannedStage, string> = { degrade: 'Degrade', vsr: 'VSR' };
const SIDE_LABEL: Record<Side, string> = { webgpu: 'WebGPU', wasm: 'CPU (wasm)' };

function ratio(a: number, b: number): string {
  const r = a / b;
  return r >= 10 ? r.toFixed(0) : r.toFixed(1);
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

/** The status-bar line while a stage's probe runs. */
export function describeMeasuring(stage: PlannedStage, model: string): string {
  return `${STAGE_LABEL[stage]} (${model}): measuring WebGPU against the CPU…`;
}

/** The status-bar line of a plan. */
export function describePlan(p: Omit<StagePlan, 'text'>): string {
  const head = `${STAGE_LABEL[p.stage]} on ${SIDE_LABEL[p.side]}`;
  if (p.why === 'no-webgpu') return `${head}: ${p.reason ?? 'no WebGPU'}`;
  if (p.why === 'forced') return `${head} (set by you)`;
  if (p.why === 'software-adapter') return `${head}: software adapter, not measured`;
  const m = p.measurement;
  if (!m) return head;
  const remembered = p.why === 'remembered' ? ', measured earlier' : '';
  if (m.gpuCut) return `${head}: WebGPU's trial run had not finished after ${formatMs(m.gpuMs)}, the CPU's took ${formatMs(m.cpuMs)}${remembered}`;
  return p.side === 'wasm'
    ? `${head}: ${ratio(m.gpuMs, m.cpuMs)}× faster than this GPU${remembered}`
    : m.gpuMs <= m.cpuMs
      ? `${head}: ${ratio(m.cpuMs, m.gpuMs)}× faster than the CPU${remembered}`
      : `${head}: about as fast as the CPU, which it leaves free${remembered}`;
}

export function makePlan(p: Omit<StagePlan, 'text'>): StagePlan {
  return { ...p, text: describePlan(p) };
}

/**
 * What a remembered measurement is valid for: the adapter, the stage, and the exact model files
 * (their sha256). ORT or the browser changing speeds things up or down, so the version goes in too.
 */
export function measurementKey(parts: { adapter: string; stage: PlannedStage; model: string; files: readonly string[]; runtime: string }): string {
  return [parts.adapter, parts.stage, parts.model, ...parts.files, parts.runtime].join('|');
}

/** Whether a remembered measurement's key (measurementKey) is one taken on `adapter` under `runtime`. */
export function measuredOn(key: string, adapter: string, runtime: string): boolean {
  return key.startsWith(`${adapter}|`) && key.endsWith(`|${runtime}`);
}

/**
 * Why the engine leaves WebGPU down at start (it comes up on first need: a stage planned or forced
 * onto WebGPU, a probe), or null to bring it up now. On a software adapter bringing it up costs
 * onnxruntime-web's WebGPU build (a 27 MB wasm, fetched and compiled) and a GPUDevice, for nothing
 * when every stage runs on the CPU anyway:
 * - 'set-to-cpu': the setting sends every stage to the CPU;
 * - 'remembered-cpu': every measurement remembered for this adapter and runtime chose the CPU (at
 *   least one; a stage or model never measured here is probed, so brings WebGPU up, when it first
 *   runs — except on a software adapter, where it runs on the CPU unmeasured);
 * - 'software-adapter': nothing remembered, and the adapter is a software fallback: no stage is
 *   probed unasked there, so none needs WebGPU until "Measure again" or the setting asks for it.
 * Forced WebGPU (the setting, `?webgpu`) and no remembered measurement on a hardware adapter (the
 * first visit measures, as the probe needs WebGPU anyway) start it now, as does any remembered
 * measurement that chose it.
 */
export type WebGpuDeferral = 'set-to-cpu' | 'remembered-cpu' | 'software-adapter';

export function deferWebGpu(p: {
  adapter: string;
  preference: BackendPreference;
  measurements: Iterable<[string, StageMeasurement]>;
  runtime: string;
  /** The adapter is a software fallback (GPUAdapterInfo.isFallbackAdapter). */
  softwareAdapter?: boolean;
}): WebGpuDeferral | null {
  if (p.preference === 'webgpu') return null;
  if (p.preference === 'wasm') return 'set-to-cpu';
  let any = false;
  for (const [key, m] of p.measurements) {
    if (!measuredOn(key, p.adapter, p.runtime)) continue;
    if (decideSide(m) !== 'wasm') return null;
    any = true;
  }
  return any ? 'remembered-cpu' : p.softwareAdapter ? 'software-adapter' : null;
}

/** The status-bar words for WebGPU left down at start. */
export function describeDeferral(d: WebGpuDeferral): string {
  if (d === 'set-to-cpu') return 'WebGPU not started: set to run on the CPU';
  if (d === 'software-adapter') return 'WebGPU not started: everything runs on the CPU ("Measure again" times WebGPU)';
  return 'WebGPU not started: the CPU was faster for every stage measured on this adapter (remembered for this adapter)';
}

/** A remembered measurement read back from storage: only well-formed ones count. */
export function isMeasurement(v: unknown): v is StageMeasurement {
  if (typeof v !== 'object' || v === null) return false;
  const m = v as Record<string, unknown>;
  const pos = (x: unknown) => typeof x === 'number' && Number.isFinite(x) && x > 0;
  return pos(m.gpuMs) && pos(m.cpuMs) && pos(m.size) && typeof m.at === 'string' && (m.gpuCut === undefined || m.gpuCut === true);
}
