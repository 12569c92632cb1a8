import { afterEach, describe, expect, it } from 'vitest';
import { DegradeSuperseded, PreviewTickets } from './preview-tickets';

describe('PreviewTickets (latest-wins preview)', () => {
  let t: PreviewTickets;
  afterEach(() => t.close());

  it('stops only the calls below the superseding ticket, at their next boundary', async () => {
    t = new PreviewTickets();
    await expect(t.boundary(1)).resolves.toBeUndefined();
    t.supersede(2);
    await expect(t.boundary(1)).rejects.toBeInstanceOf(DegradeSuperseded);
    await expect(t.boundary(2)).resolves.toBeUndefined();
    await expect(t.boundary(undefined)).resolves.toBeUndefined(); // no ticket: never stopped
    t.supersede(1); // an older supersede does not revive ticket 1
    expect([t.isStale(1), t.isStale(2)]).toEqual([true, false]);
  });

  it('lets a supersede that arrives as a message during the run take effect at the boundary', async () => {
    t = new PreviewTickets();
    // The supersede comes in as a task queued behind the running call (as the worker's message does).
    setTimeout(() => t.supersede(5), 0);
    const run = async () => {
      for (let stage = 0; stage < 50; stage++) {
        await t.boundary(4);
        await new Promise((r) => setTimeout(r, 1)); // a stage's work
      }
      return 'finished';
    };
    await expect(run()).rejects.toThrow(/superseded by a newer preview/);
  });

  it('answers concurrent boundaries each once, in order', async () => {
    t = new PreviewTickets();
    const done: number[] = [];
    await Promise.all([1, 2, 3].map((i) => t.boundary(10).then(() => done.push(i))));
    expect(done).toEqual([1, 2, 3]);
  });
});
