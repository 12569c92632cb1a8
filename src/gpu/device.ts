/**
 * Backend bring-up for the engine worker.
 *
 * The engine owns exactly one GPUDevice: ORT-web's. Released ORT versions ignore a
 * device handed to them, so we do it the other way round — let ORT create its
 * device (by creating and running a one-node session on the webgpu EP), then take
 * `await ort.env.webgpu.device` and build every WGSL pipeline on it. That is what
 * lets ORT `gpu-buffer` outputs feed our kernels (and back) with no copies.
 *
 * Without WebGPU (no navigator.gpu, no adapter, or ORT's init failing) the engine
 * runs the same models on the wasm EP and the kernels' CPU references; `reason`
 * says why, and the UI shows it.
 *
 * `ort` here is onnxruntime-web's WebGPU build — ORT's native (C++) WebGPU EP in its asyncify
 * wasm, not the package default's JavaScript EP (JSEP): both give the wasm EP's results on our nets
 * (engine/ort-eps.gputest.ts, max|Δ| ≤ 3e-5) and ran a VSR step equally slowly on SwiftShader
 * (engine/ort-eps.bench.ts; a real GPU's ratio is for that bench to say) — for webgpu EP sessions only: the
 * engine's wasm EP sessions run on the plain wasm build (engine/ort-wasm.ts), so
 * this build's ~27 MB wasm is fetched and compiled only by the session below —
 * never where there is no adapter or the wasm fallback is forced. Importing it
 * loads its JS only.
 *
 * Two steps, so the engine can stop after the first: `findAdapter` asks for the
 * adapter only (its name keys the remembered backend plan; no device, no ORT
 * wasm), `getBackend` brings WebGPU up (ORT's wasm, its GPUDevice) and is called
 * on first need — at start, or later when the plan leaves every stage on the CPU
 * (engine/backend-start.ts decides).
 */
import * as ort from 'onnxruntime-web/webgpu';
import { buildOnnxModel } from './onnx-builder';
import { openSession, type Session } from './ort';
import type { WebGpuDeferral } from './backend-choice';

export type Backend =
  | { kind: 'webgpu'; device: GPUDevice; adapter: string; isFallbackAdapter: boolean; limits: DeviceLimits }
  | { kind: 'wasm'; reason: string };

export interface DeviceLimits {
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
  maxComputeWorkgroupStorageSize: number;
  maxComputeInvocationsPerWorkgroup: number;
}

/** What `findAdapter` found: a WebGPU adapter (with the adapter's limits: a device may get lower ones), or why none. */
export type AdapterFound =
  | { kind: 'webgpu'; adapter: string; isFallbackAdapter: boolean; limits: DeviceLimits }
  | { kind: 'wasm'; reason: string };

/**
 * Plain, structured-clone-safe description for the UI. `started`: WebGPU is up (ORT's device);
 * false while the engine leaves it down until first need (`deferred` says why).
 */
export type BackendInfo =
  | { kind: 'webgpu'; adapter: string; isFallbackAdapter: boolean; limits: DeviceLimits; started: boolean; deferred?: WebGpuDeferral }
  | { kind: 'wasm'; reason: string };

export function describeBackend(b: Backend): BackendInfo {
  return b.kind === 'webgpu'
    ? { kind: 'webgpu', adapter: b.adapter, isFallbackAdapter: b.isFallbackAdapter, limits: b.limits, started: true }
    : { kind: 'wasm', reason: b.reason };
}

let adapterFound: Promise<AdapterFound> | undefined;
let backend: Promise<Backend> | undefined;
let keepAlive: Session | undefined;
const lostListeners = new Set<(reason: string) => void>();

/** Called when the GPU device is lost; the engine client restarts the worker (a lost ORT device cannot be revived). */
export function onDeviceLost(fn: (reason: string) => void): () => void {
  lostListeners.add(fn);
  return () => lostListeners.delete(fn);
}

export interface BackendOptions {
  /** Force the wasm fallback (user setting, tests). */
  forceWasm?: boolean;
}

/** The WebGPU adapter, asked for once (the first call's options count): cheap, starts nothing. */
export function findAdapter(opts: BackendOptions = {}): Promise<AdapterFound> {
  adapterFound ??= lookForAdapter(opts);
  return adapterFound;
}

/** WebGPU brought up (once): ORT's WebGPU build and its device; the wasm fallback where that fails. */
export function getBackend(opts: BackendOptions = {}): Promise<Backend> {
  if (!backend) {
    backend = startBackend(opts);
    void backend.then((b) => startListeners.forEach((fn) => fn(b)));
  }
  return backend;
}

const startListeners = new Set<(b: Backend) => void>();

/** Told once when bringing WebGPU up has ended (up, or the wasm fallback and why). */
export function onBackendStarted(fn: (b: Backend) => void): () => void {
  startListeners.add(fn);
  return () => startListeners.delete(fn);
}

/** Whether WebGPU has been brought up (or is being): getBackend was called. */
export function backendStarted(): boolean {
  return backend !== undefined;
}

/** Whether a stage may run on WebGPU: there is an adapter, and bringing WebGPU up has not failed. */
export async function webgpuPossible(): Promise<boolean> {
  if ((await findAdapter()).kind !== 'webgpu') return false;
  return !backend || (await backend).kind === 'webgpu';
}

/** The engine's GPUDevice, bringing WebGPU up if it is not yet; throws where it cannot come up. */
export async function webgpuDevice(): Promise<GPUDevice> {
  const b = await getBackend();
  if (b.kind !== 'webgpu') throw new Error(b.reason);
  return b.device;
}

/**
 * Submit ORT's pending GPU work. ORT-web records kernels into its own command
 * encoder and submits only every 16 dispatches or when it downloads a tensor —
 * not at the end of a run with `gpu-buffer` outputs. Our kernels read those
 * outputs from our own submits, so before the first such submit we make ORT
 * flush: running the one-node warm-up session with a CPU output downloads 16
 * bytes, which submits everything ORT has queued before it (queue order does
 * the rest). Call it after every ORT run whose outputs a WGSL kernel reads.
 */
export async function flushOrt(): Promise<void> {
  if (!keepAlive) return;
  await keepAlive.run({ x: new ort.Tensor('float32', new Float32Array(4), [4]) });
}

function adapterName(info: GPUAdapterInfo | undefined): string {
  if (!info) return 'unknown adapter';
  const parts = [info.vendor, info.architecture, info.device, info.description].filter((s) => s && s.length > 0);
  return parts.length ? parts.join(' ') : 'unknown adapter';
}

function adapterLimits(l: GPUSupportedLimits): DeviceLimits {
  return {
    maxBufferSize: l.maxBufferSize,
    maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
    maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
    maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
  };
}

async function lookForAdapter(opts: BackendOptions): Promise<AdapterFound> {
  if (opts.forceWasm) return { kind: 'wasm', reason: 'WebGPU disabled by setting' };
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) return { kind: 'wasm', reason: 'WebGPU is not available in this browser' };
  let adapter: GPUAdapter | null = null;
  try {
    adapter = await gpu.requestAdapter();
  } catch (e) {
    return { kind: 'wasm', reason: `WebGPU adapter request failed: ${String(e)}` };
  }
  if (!adapter) return { kind: 'wasm', reason: 'No WebGPU adapter (GPU blocklisted or WebGPU disabled)' };
  const info = adapter.info;
  return {
    kind: 'webgpu',
    adapter: adapterName(info),
    isFallbackAdapter: Boolean((info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter),
    limits: adapterLimits(adapter.limits),
  };
}

async function startBackend(opts: BackendOptions): Promise<Backend> {
  const found = await findAdapter(opts);
  if (found.kind !== 'webgpu') return found;
  configureWasm();
  try {
    // One tiny session on the webgpu EP makes ORT create its device.
    const session = await openSession(ort, warmupModel(), { executionProviders: ['webgpu'] });
    const x = new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4]), [4]);
    const out = await session.run({ x });
    const y = out.y.data as Float32Array;
    if (y[3] !== 8) throw new Error(`ORT webgpu warm-up gave ${Array.from(y).join(', ')}`);
    // Never released: ORT destroys its GPUDevice when its last webgpu session goes,
    // and a later session would get a new device that our pipelines don't live on.
    keepAlive = session;
    const device = await ort.env.webgpu.device;
    if (!device) throw new Error('ORT did not expose its GPUDevice');
    void device.lost.then((lost) => {
      const reason = `GPU device lost (${lost.reason}): ${lost.message}`;
      for (const fn of lostListeners) fn(reason);
    });
    return { kind: 'webgpu', device, adapter: found.adapter, isFallbackAdapter: found.isFallbackAdapter, limits: adapterLimits(device.limits) };
  } catch (e) {
    return { kind: 'wasm', reason: `onnxruntime-web could not start on WebGPU: ${e instanceof Error ? e.message : String(e)}` };
  }
}

function configureWasm(): void {
  // This build's CPU kernels still run the nodes its webgpu EP leaves to the CPU (shape arithmetic,
  // an operator WebGPU lacks). Threads need crossOriginIsolated (COOP/COEP headers, set in vite.config.ts).
  const isolated = Boolean((globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated);
  const cores = (globalThis.navigator as Navigator | undefined)?.hardwareConcurrency ?? 1;
  ort.env.wasm.numThreads = isolated ? Math.max(1, Math.min(4, cores)) : 1;
}

/** y = x + x, one node: enough to bring ORT's WebGPU backend (and its device) up. */
function warmupModel(): Uint8Array {
  return buildOnnxModel({
    inputs: [{ name: 'x', type: 'float', dims: [4] }],
    outputs: [{ name: 'y', type: 'float', dims: [4] }],
    nodes: [{ op: 'Add', inputs: ['x', 'x'], outputs: ['y'] }],
  });
}

export { ort };
