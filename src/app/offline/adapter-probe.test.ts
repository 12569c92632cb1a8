import { describe, expect, it } from 'vitest';
import { probeAdapter } from './adapter-probe';

/** A navigator.gpu stand-in whose requestAdapter does what each case needs. */
function gpuThat(requestAdapter: () => Promise<unknown>): GPU {
  return { requestAdapter } as unknown as GPU;
}

describe('probeAdapter (the offline install\'s bounded "is there a WebGPU adapter?")', () => {
  it('is undefined without navigator.gpu', async () => {
    expect(await probeAdapter(undefined)).toBeUndefined();
  });
  it('is true for an adapter and false for null', async () => {
    expect(await probeAdapter(gpuThat(async () => ({ features: new Set() })))).toBe(true);
    expect(await probeAdapter(gpuThat(async () => null))).toBe(false);
  });
  it('is false where requestAdapter rejects', async () => {
    expect(await probeAdapter(gpuThat(() => Promise.reject(new Error('GPU process gone'))))).toBe(false);
  });
  it('is undefined ("unknown") where requestAdapter never answers, after the wait', async () => {
    const t0 = performance.now();
    const answer = await probeAdapter(gpuThat(() => new Promise(() => undefined)), 50);
    expect(answer).toBeUndefined();
    expect(performance.now() - t0).toBeGreaterThanOrEqual(45);
  });
  it('a late answer after the wait does not change it', async () => {
    let resolveLate: (a: unknown) => void = () => undefined;
    const answer = probeAdapter(gpuThat(() => new Promise((r) => (resolveLate = r))), 20);
    expect(await answer).toBeUndefined();
    resolveLate({});
    expect(await answer).toBeUndefined();
  });
});
