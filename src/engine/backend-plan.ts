/**
 * The engine's choice of side per heavy stage (gpu/backend-choice.ts says why it exists).
 *
 * The first time a stage runs a model, the planner times it on both sides with a small probe
 * (each side once to warm up — shader compilation, session creation — then timed runs) and keeps
 * the faster. Measurements come in and go out through the UI, which stores them per adapter
 * (workers have no localStorage); a plan is made once per stage and model and shared by
 * concurrent callers. The preference ('auto' | 'webgpu' | 'wasm') overrides the measurement.
 */
import {
  decideSide,
  gpuTrialLimitMs,
  isMeasurement,
  makePlan,
  measurementKey,
  type BackendPreference,
  type PlannedStage,
  type StageMeasurement,
  type StagePlan,
} from '../gpu/backend-choice';

/** Runs of one stage on each side at the probe size; dispose frees what the probe allocated. */
export interface StageProbe {
  size: number;
  gpu(): Promise<void>;
  cpu(): Promise<void>;
  dispose(): void;
}

export interface PlanSubject {
  stage: PlannedStage;
  model: string;
  /** sha256 of the model's files: a new file is a new measurement. */
  files: readonly string[];
  probe(): Promise<StageProbe>;
}

export interface PlannerHooks {
  /** A new measurement, for the UI to remember under `key`. */
  onMeasured?(key: string, m: StageMeasurement): void;
  /** A plan was made (or is being made: side undefined while the probe runs). */
  onPlan?(plan: StagePlan | { stage: PlannedStage; model: string; measuring: true }): void;
  /** The probe's clock (ms) and timer; tests pass virtual ones so a loaded machine cannot change their answer. */
  now?: Clock;
  timer?: Timer;
  /**
   * Brings WebGPU up where the engine left it down at start (engine/backend-start.ts): called when a
   * plan needs it — a stage planned or forced onto WebGPU, a probe. Resolves to null once it is up,
   * else to why it could not come up (the stage then runs on the CPU). Absent: WebGPU is up.
   */
  startWebGpu?(): Promise<string | null>;
}

/** A millisecond clock: performance.now in the engine. */
export type Clock = () => number;

/** A one-shot timer: `done` resolves after ms unless cancelled (setTimeout in the engine). */
export type Timer = (ms: number) => { done: Promise<void>; cancel(): void };

const realTimer: Timer = (ms) => {
  let id: ReturnType<typeof setTimeout> | undefined;
  const done = new Promise<void>((resolve) => (id = setTimeout(resolve, ms)));
  return { done, cancel: () => clearTimeout(id) };
};

/**
 * A probe's input frame, RGBA8 n×n: ramps and edges (the values do not change the cost; real,
 * NaN-free ones keep the timing honest).
 */
export function probePattern(n: number): Uint8ClampedArray<ArrayBuffer> {
  const d = new Uint8ClampedArray(4 * n * n);
  for (let i = 0; i < n * n; i++) {
    const x = i % n;
    const y = Math.floor(i / n);
    const v = (x * 5 + y * 3) & 255;
    d.set([v, (x ^ y) & 255, 255 - v, 255], 4 * i);
  }
  return d;
}

/** Fastest of `n` timed runs, after one warm-up run. */
async function timeRuns(run: () => Promise<void>, n: number, now: Clock): Promise<number> {
  await run();
  let best = Infinity;
  for (let i = 0; i < n; i++) {
    const t0 = now();
    await run();
    best = Math.min(best, now() - t0);
  }
  return best;
}

/** A side that fails its probe is infinitely slow: the other side runs, and the error is kept for the log. */
async function orInfinity(f: () => Promise<number>, errors: string[], side: string): Promise<number> {
  try {
    return await f();
  } catch (e) {
    errors.push(`${side}: ${e instanceof Error ? e.message : String(e)}`);
    return Infinity;
  }
}

export interface ProbeResult {
  measurement: StageMeasurement;
  /**
   * A GPU run cut short (gpuTrialLimitMs) goes on unwatched: this resolves once it has ended, and the
   * probe may be disposed then. Null: no run is pending.
   */
  pending: Promise<void> | null;
}

/**
 * CPU first (cheap), then the GPU: a warm-up run, one timed run, and a second where the GPU is not
 * far off (a software adapter takes seconds per run, and another would not change the answer). Each
 * GPU run is watched for at most gpuTrialLimitMs(the CPU's time): one that outlasts it already lost,
 * and the probe answers then (gpuCut: gpuMs is the limit it waited) instead of keeping the stage — and
 * the first preview — waiting. Throws only when both sides fail.
 */
export async function measureProbe(p: StageProbe, time: { now?: Clock; timer?: Timer } = {}): Promise<ProbeResult> {
  const now = time.now ?? (() => performance.now());
  const timer = time.timer ?? realTimer;
  const errors: string[] = [];
  const cpuMs = await orInfinity(() => timeRuns(() => p.cpu(), 2, now), errors, 'CPU');
  const limit = gpuTrialLimitMs(cpuMs);
  let pending: Promise<void> | null = null;
  /** One GPU run's time, or null when it outlasted the limit (it goes on: `pending`). */
  const gpuRun = async (): Promise<number | null> => {
    const t0 = now();
    const run = p.gpu();
    if (!Number.isFinite(limit)) return run.then(() => now() - t0);
    const deadline = timer(limit);
    try {
      const ms = await Promise.race([run.then(() => now() - t0), deadline.done.then(() => null)]);
      if (ms === null) {
        pending = run.then(
          () => undefined,
          () => undefined, // its error no longer matters: the stage runs on the CPU
        );
      }
      return ms;
    } finally {
      deadline.cancel();
    }
  };
  let gpuMs = Infinity;
  try {
    for (let i = 0; i < 3 && pending === null; i++) {
      if (i === 2 && !(gpuMs < 4 * cpuMs)) break;
      const ms = await gpuRun();
      if (ms !== null && i > 0) gpuMs = Math.min(gpuMs, ms); // run 0 warms up (shader compilation)
    }
  } catch (e) {
    // A failed warm-up or first timed run leaves the GPU at Infinity; a failed second keeps the first.
    errors.push(`WebGPU: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!Number.isFinite(cpuMs) && !Number.isFinite(gpuMs)) throw new Error(`the stage failed on both sides: ${errors.join('; ')}`);
  if (errors.length) console.warn(`backend probe: ${errors.join('; ')}`);
  const base = { cpuMs, size: p.size, at: new Date().toISOString() };
  // A timed run that finished stands; only a GPU that never finished one is reported as cut.
  const measurement: StageMeasurement = pending && !Number.isFinite(gpuMs) ? { ...base, gpuMs: limit, gpuCut: true } : { ...base, gpuMs };
  return { measurement, pending };
}

let current: BackendPlanner | undefined;

/** The engine's planner (set by the worker's init); before init every stage keeps its default side. */
export function getPlanner(): BackendPlanner | undefined {
  return current;
}

export function setPlanner(p: BackendPlanner): void {
  current = p;
}

export class BackendPlanner {
  private plans = new Map<string, Promise<StagePlan>>();
  /** Whether a stage never measured here is probed: not on a software adapter until "Measure again". */
  private probeUnmeasured: boolean;

  /**
   * `softwareAdapter`: the adapter is a software fallback, whose stages run on the CPU unmeasured
   * unless a measurement is remembered or "Measure again" asks for one (gpu/backend-choice.ts).
   */
  constructor(
    private readonly adapter: string | null,
    private preference: BackendPreference,
    private readonly remembered: Map<string, StageMeasurement>,
    private readonly runtime: string,
    private readonly hooks: PlannerHooks = {},
    softwareAdapter = false,
  ) {
    this.probeUnmeasured = !softwareAdapter;
  }

  static fromStored(adapter: string | null, preference: BackendPreference, stored: Record<string, unknown>, runtime: string, hooks?: PlannerHooks): BackendPlanner {
    const m = new Map<string, StageMeasurement>();
    for (const [k, v] of Object.entries(stored)) if (isMeasurement(v)) m.set(k, v);
    return new BackendPlanner(adapter, preference, m, runtime, hooks);
  }

  setPreference(p: BackendPreference): void {
    if (p === this.preference) return;
    this.preference = p;
    this.plans.clear();
  }

  /** Forget every measurement (the UI's "measure again"); the next run of each stage probes, on a software adapter too. */
  forget(): void {
    this.remembered.clear();
    this.plans.clear();
    this.probeUnmeasured = true;
  }

  /**
   * The side for `subject`; probes on first use when the preference is 'auto'. WebGPU is brought up
   * (startWebGpu) only for a probe or a WebGPU side: a stage remembered or set on the CPU never does.
   */
  plan(subject: PlanSubject): Promise<StagePlan> {
    const id = `${subject.stage}#${subject.model}`;
    let p = this.plans.get(id);
    if (!p) {
      p = this.make(subject);
      p.catch(() => this.plans.delete(id));
      this.plans.set(id, p);
    }
    return p;
  }

  /** Null once WebGPU is up (brought up now if it was left down), else why it cannot come up. */
  private webgpuDown(): Promise<string | null> {
    return this.hooks.startWebGpu?.() ?? Promise.resolve(null);
  }

  private async make(s: PlanSubject): Promise<StagePlan> {
    const base = { stage: s.stage, model: s.model };
    const noWebGpu = (reason: string) => makePlan({ ...base, side: 'wasm', why: 'no-webgpu', reason });
    let plan: StagePlan;
    if (this.adapter === null) plan = makePlan({ ...base, side: 'wasm', why: 'no-webgpu' });
    else if (this.preference !== 'auto') plan = makePlan({ ...base, side: this.preference, why: 'forced' });
    else {
      const key = measurementKey({ adapter: this.adapter, stage: s.stage, model: s.model, files: s.files, runtime: this.runtime });
      const known = this.remembered.get(key);
      if (known) plan = makePlan({ ...base, side: decideSide(known), why: 'remembered', measurement: known });
      else if (!this.probeUnmeasured) plan = makePlan({ ...base, side: 'wasm', why: 'software-adapter' });
      else {
        this.hooks.onPlan?.({ ...base, measuring: true });
        // The probe times both sides, so WebGPU comes up first; where it cannot, there is nothing to measure.
        const down = await this.webgpuDown();
        if (down) return this.tell(noWebGpu(down));
        const probe = await s.probe();
        let r: ProbeResult;
        try {
          r = await measureProbe(probe, this.hooks);
        } catch (e) {
          probe.dispose(); // both sides failed: nothing is pending
          throw e;
        }
        if (r.pending) void r.pending.then(() => probe.dispose());
        else probe.dispose();
        const m = r.measurement;
        // A side that failed is not remembered: it may work after a browser or driver update.
        if (isMeasurement(m)) {
          this.remembered.set(key, m);
          this.hooks.onMeasured?.(key, m);
        }
        plan = makePlan({ ...base, side: decideSide(m), why: 'measured', measurement: m });
      }
    }
    // First need: a stage that runs on WebGPU brings it up (at once where it is up already).
    if (plan.side === 'webgpu') {
      const down = await this.webgpuDown();
      if (down) plan = noWebGpu(down);
    }
    return this.tell(plan);
  }

  private tell(plan: StagePlan): StagePlan {
    this.hooks.onPlan?.(plan);
    return plan;
  }
}
