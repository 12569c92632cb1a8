/**
 * "Is there a WebGPU adapter?" with a bounded wait, for the offline install (service worker) and the page
 * that asks it to store the models. requestAdapter normally answers in well under a second, but it can
 * stall while the browser's GPU process is busy or restarting, and both callers hold something up
 * until it answers (the worker's install, the page's "prepare offline"); past the limit the answer is
 * `undefined`, "unknown", and each caller keeps its cautious default.
 */
export const ADAPTER_WAIT_MS = 5000;

/** true / false where `gpu` answered in time (false also where it threw), undefined where there is no `gpu` or no answer. */
export async function probeAdapter(gpu: GPU | undefined, waitMs = ADAPTER_WAIT_MS): Promise<boolean | undefined> {
  if (!gpu) return undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const unknown = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), waitMs);
  });
  try {
    return await Promise.race([gpu.requestAdapter().then((a) => a !== null), unknown]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
