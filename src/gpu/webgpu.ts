/**
 * Small, dependency-free WebGPU helpers shared by every WGSL stage.
 *
 * Every stage builds its pipelines on the *one* device the engine owns (ORT's,
 * see device.ts), so GPU buffers can pass between ORT sessions and our kernels
 * without a copy. Pipelines are cached per (device, code, entry point).
 */

const pipelineCache = new WeakMap<GPUDevice, Map<string, GPUComputePipeline>>();

export function computePipeline(device: GPUDevice, code: string, entryPoint = 'main', label = entryPoint): GPUComputePipeline {
  let perDevice = pipelineCache.get(device);
  if (!perDevice) {
    perDevice = new Map();
    pipelineCache.set(device, perDevice);
  }
  const key = `${entryPoint}\u0000${code}`;
  let p = perDevice.get(key);
  if (!p) {
    const module = device.createShaderModule({ code, label });
    p = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint }, label });
    perDevice.set(key, p);
  }
  return p;
}

export const STORAGE = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

/** A storage buffer filled from a typed array (size rounded up to 4 bytes, min 16). */
export function uploadBuffer(device: GPUDevice, data: ArrayBufferView, usage = STORAGE, label?: string): GPUBuffer {
  const size = Math.max(16, Math.ceil(data.byteLength / 4) * 4);
  const buf = device.createBuffer({ size, usage, label });
  device.queue.writeBuffer(buf, 0, data.buffer, data.byteOffset, data.byteLength);
  return buf;
}

export function storageBuffer(device: GPUDevice, byteLength: number, label?: string): GPUBuffer {
  return device.createBuffer({ size: Math.max(16, Math.ceil(byteLength / 4) * 4), usage: STORAGE, label });
}

/** A uniform buffer from 32-bit words; callers build the word array to match the WGSL struct. */
export function uniformBuffer(device: GPUDevice, words: ArrayBufferView, label?: string): GPUBuffer {
  return uploadBuffer(device, words, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, label);
}

/** Copy a GPU buffer back to the CPU. The one place a stage's output crosses to the CPU. */
export async function readBuffer(device: GPUDevice, src: GPUBuffer, byteLength = src.size, srcOffset = 0): Promise<ArrayBuffer> {
  const size = Math.ceil(byteLength / 4) * 4;
  const staging = device.createBuffer({ size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const enc = device.createCommandEncoder();
  enc.copyBufferToBuffer(src, srcOffset, staging, 0, size);
  device.queue.submit([enc.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const copy = staging.getMappedRange().slice(0, byteLength);
  staging.unmap();
  staging.destroy();
  return copy;
}

export async function readF32(device: GPUDevice, src: GPUBuffer, count: number, offsetElems = 0): Promise<Float32Array> {
  return new Float32Array(await readBuffer(device, src, count * 4, offsetElems * 4));
}

export async function readU32(device: GPUDevice, src: GPUBuffer, count: number, offsetElems = 0): Promise<Uint32Array> {
  return new Uint32Array(await readBuffer(device, src, count * 4, offsetElems * 4));
}

/** Record one compute dispatch; bind group entries are given in binding order (0, 1, 2, …). */
export function dispatch(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  pipeline: GPUComputePipeline,
  buffers: GPUBuffer[],
  groups: [number, number?, number?],
): void {
  const bindGroup = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer } })),
  });
  const pass = encoder.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(groups[0], groups[1] ?? 1, groups[2] ?? 1);
  pass.end();
}

/** Splits a large 1-D workgroup count over x and y so no dimension exceeds the device limit. */
export function groups2d(device: GPUDevice, total: number): [number, number] {
  const max = device.limits.maxComputeWorkgroupsPerDimension;
  if (total <= max) return [Math.max(1, total), 1];
  const y = Math.ceil(total / max);
  return [Math.ceil(total / y), y];
}

/** Like dispatch, but with explicit binding numbers (entry points that skip a binding under layout 'auto'). */
export function dispatchBindings(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  pipeline: GPUComputePipeline,
  entries: [number, GPUBuffer][],
  groups: [number, number?, number?],
): void {
  const bindGroup = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: entries.map(([binding, buffer]) => ({ binding, resource: { buffer } })),
  });
  const pass = encoder.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(groups[0], groups[1] ?? 1, groups[2] ?? 1);
  pass.end();
}
