/**
 * The overlapped run's queues (run-queues.ts), with fast-check driving every interleaving of loads
 * and deliveries that a scheduler can produce: order and content, the bounds (back-pressure),
 * cancel (close / stop pushing) and errors (surfaced once, to the right caller, nothing leaked,
 * no unhandled rejection — vitest fails a test that leaves one).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OrderedSink, ReadAhead } from './run-queues.ts';

interface Frame {
  i: number;
}

describe('ReadAhead', () => {
  it('gives each taken frame its own load, loads in order, never more than depth ahead, each once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 0, max: 12 }),
        fc.integer({ min: 0, max: 4 }),
        fc.array(fc.boolean(), { minLength: 13, maxLength: 13 }),
        async (s, first, span, depth, skip) => {
          const last = first + span;
          const started: number[] = [];
          let maxAhead = 0;
          let taken = first - 1;
          const ra = new ReadAhead<Frame>(
            (i) => {
              started.push(i);
              maxAhead = Math.max(maxAhead, i - taken);
              return s.schedule(Promise.resolve({ i }), `load ${i}`);
            },
            first,
            last,
            depth,
          );
          // Take an increasing subsequence (some indices skipped: a single-frame net's pattern is
          // consecutive, but the queue must not care).
          const wanted = Array.from({ length: span + 1 }, (_, k) => first + k).filter((i, k) => i === first || !skip[k]);
          const got: number[] = [];
          const consumer = (async () => {
            for (const i of wanted) {
              taken = i;
              got.push((await ra.take(i)).i);
            }
          })();
          ra.prime();
          await s.waitFor(consumer);
          ra.close();
          await s.waitAll();
          expect(got).toEqual(wanted);
          // In order, each index once, inside [first, last], and within depth of what was taken.
          expect(started).toEqual([...started].sort((a, b) => a - b));
          expect(new Set(started).size).toBe(started.length);
          expect(started.every((i) => i >= first && i <= last)).toBe(true);
          expect(maxAhead).toBeLessThanOrEqual(depth);
          for (const i of wanted) expect(started).toContain(i);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('close releases every frame fetched and never taken, exactly once, and loads nothing more', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.integer({ min: 1, max: 10 }), fc.integer({ min: 0, max: 4 }), fc.nat(10), async (s, span, depth, takeCount) => {
        const loaded: number[] = [];
        const released: number[] = [];
        const ra = new ReadAhead<Frame>(
          (i) => {
            loaded.push(i);
            return s.schedule(Promise.resolve({ i }), `load ${i}`);
          },
          0,
          span,
          depth,
          (f) => released.push(f.i),
        );
        const n = Math.min(takeCount, span + 1);
        const takenFrames: number[] = [];
        const consumer = (async () => {
          for (let i = 0; i < n; i++) takenFrames.push((await ra.take(i)).i);
        })();
        await s.waitFor(consumer);
        ra.close();
        const loadedAtClose = loaded.length;
        await s.waitAll();
        expect(loaded.length).toBe(loadedAtClose);
        await expect(ra.take(n <= span ? n : span)).rejects.toThrow(/closed/);
        // Every load ends either taken or released, never both, never twice.
        expect([...takenFrames, ...released].sort((a, b) => a - b)).toEqual([...loaded].sort((a, b) => a - b));
      }),
      { numRuns: 300 },
    );
  });

  it("a failed load rejects only the take of that frame, with the load's error", async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 3 }), fc.nat(8), async (s, span, depth, bad) => {
        const badIndex = bad % (span + 1);
        const ra = new ReadAhead<Frame>(
          (i) => s.schedule(Promise.resolve(i), `load ${i}`).then((v) => {
            if (v === badIndex) throw new Error(`frame ${v} could not be decoded`);
            return { i: v };
          }),
          0,
          span,
          depth,
        );
        const outcome: (number | string)[] = [];
        const consumer = (async () => {
          for (let i = 0; i <= span; i++) {
            try {
              outcome.push((await ra.take(i)).i);
            } catch (e) {
              outcome.push((e as Error).message);
              break;
            }
          }
        })();
        await s.waitFor(consumer);
        ra.close();
        await s.waitAll();
        expect(outcome).toEqual([...Array.from({ length: badIndex }, (_, i) => i), `frame ${badIndex} could not be decoded`]);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses frames out of order or outside its range, and a bad depth', async () => {
    const ra = new ReadAhead<Frame>(async (i) => ({ i }), 2, 5, 1);
    await expect(ra.take(1)).rejects.toThrow(RangeError);
    await expect(ra.take(6)).rejects.toThrow(RangeError);
    expect((await ra.take(3)).i).toBe(3);
    await expect(ra.take(3)).rejects.toThrow(/already taken/);
    ra.close();
    expect(() => new ReadAhead<Frame>(async (i) => ({ i }), 0, 1, -1)).toThrow(RangeError);
  });
});

describe('OrderedSink', () => {
  it('delivers in push order, one at a time, with never more than depth waiting; drain ends with all delivered', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 12 }), async (s, depth, count) => {
        const delivered: number[] = [];
        let active = 0;
        let maxActive = 0;
        let maxWaiting = 0;
        const sink = new OrderedSink<number>(async (k) => {
          active++;
          maxActive = Math.max(maxActive, active);
          await s.schedule(Promise.resolve(), `deliver ${k}`);
          delivered.push(k);
          active--;
        }, depth);
        const producer = (async () => {
          for (let k = 0; k < count; k++) {
            await sink.push(k);
            maxWaiting = Math.max(maxWaiting, sink.pending);
          }
          await sink.drain();
        })();
        await s.waitFor(producer);
        expect(delivered).toEqual(Array.from({ length: count }, (_, k) => k));
        expect(sink.delivered).toBe(count);
        expect(maxActive).toBeLessThanOrEqual(1);
        // After push returns there is room: the producer never runs with depth items waiting.
        expect(maxWaiting).toBeLessThan(depth);
        expect(sink.pending).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('a failed delivery stops the ones after it and surfaces its error to the producer, once it looks', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 10 }), fc.nat(10), async (s, depth, count, bad) => {
        const badItem = bad % count;
        const delivered: number[] = [];
        const sink = new OrderedSink<number>(async (k) => {
          await s.schedule(Promise.resolve(), `deliver ${k}`);
          if (k === badItem) throw new Error(`the export worker stopped at ${k}`);
          delivered.push(k);
        }, depth);
        let caught: unknown = null;
        let pushed = 0;
        const producer = (async () => {
          try {
            for (let k = 0; k < count; k++) {
              await sink.push(k);
              pushed++;
            }
            await sink.drain();
          } catch (e) {
            caught = e;
          }
        })();
        await s.waitFor(producer);
        await s.waitAll();
        expect(delivered).toEqual(Array.from({ length: badItem }, (_, k) => k));
        expect((caught as Error | null)?.message).toBe(`the export worker stopped at ${badItem}`);
        expect(sink.failed).toBe(true);
        // The producer learnt of it without waiting for room that could never come, and no later
        // item went past the failure (at most depth − 1 were queued behind it).
        expect(pushed).toBeLessThanOrEqual(badItem + depth);
        await expect(sink.push(99)).rejects.toThrow(/stopped/);
        await expect(sink.drain()).rejects.toThrow(/stopped/);
      }),
      { numRuns: 300 },
    );
  });

  it('a producer that stops early (cancel) still sees every pushed item delivered by drain', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 10 }), fc.nat(10), async (s, depth, count, stopAt) => {
        const delivered: number[] = [];
        const sink = new OrderedSink<number>(async (k) => {
          await s.schedule(Promise.resolve(), `deliver ${k}`);
          delivered.push(k);
        }, depth);
        const stop = Math.min(stopAt, count);
        const producer = (async () => {
          for (let k = 0; k < stop; k++) await sink.push(k);
          await sink.drain();
        })();
        await s.waitFor(producer);
        expect(delivered).toEqual(Array.from({ length: stop }, (_, k) => k));
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a depth below one', () => {
    expect(() => new OrderedSink<number>(async () => undefined, 0)).toThrow(RangeError);
  });
});
