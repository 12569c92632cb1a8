// Which WebGPU calls the engine worker made, seen from outside the app: the preview server puts a
// few lines before the built engine worker's script (startPreviewServer's `prepend`) that wrap
// GPU.requestAdapter and GPUAdapter.requestDevice to count their calls. They run before the engine
// can make any (it asks for an adapter only when its `init` message comes, handled after its script
// has run); ORT asks for its device from its own adapter, through the same prototypes. Wrapping
// from Playwright's 'worker' event instead lost the race on a reload (the cached worker had asked
// for its adapter already).

/** For startPreviewServer({ prepend: [ENGINE_WEBGPU_COUNTER] }): the engine worker's entry chunk. */
export const ENGINE_WEBGPU_COUNTER = {
  match: /^\/assets\/engine\.worker-[\w-]+\.js$/,
  code: `(() => {
  const c = (self.__e2eWebGpu = { adapters: 0, devices: 0 });
  if (typeof GPU === 'undefined' || typeof GPUAdapter === 'undefined') return;
  const requestAdapter = GPU.prototype.requestAdapter;
  GPU.prototype.requestAdapter = function (...a) { c.adapters++; return requestAdapter.apply(this, a); };
  const requestDevice = GPUAdapter.prototype.requestDevice;
  GPUAdapter.prototype.requestDevice = function (...a) { c.devices++; return requestDevice.apply(this, a); };
})();`,
};

/**
 * The engine worker's counts ({ adapters, devices }) since it started; null where the page has no
 * engine worker or its script came without the counter.
 */
export async function engineWebGpuCalls(page) {
  for (const w of page.workers()) {
    const r = await w.evaluate(() => (self.name === 'engine' ? (self.__e2eWebGpu ?? null) : undefined)).catch(() => undefined);
    if (r !== undefined) return r;
  }
  return null;
}
