/**
 * The two bounded queues of an overlapped VSR run (vsr-api.ts), plain logic so the unit tests
 * reach it without the engine's imports:
 *
 *   decode ─► ReadAhead ─► VSR step ─► OrderedSink ─► page (preview, export pipe ─► encoder)
 *
 * ReadAhead asks for the frames the step will need next while it runs (the page decodes them in
 * the media worker meanwhile); OrderedSink hands finished frames over one at a time, in order,
 * while the next step already runs. Each holds at most `depth` frames, so a slow consumer (the
 * encoder behind, a paused run) stops the producer instead of piling frames up: back-pressure.
 * Cancel: the run stops asking (ReadAhead.close drops what was fetched ahead); frames already made
 * are still delivered (OrderedSink.drain). A failure anywhere surfaces as the run's error, once,
 * with no unhandled rejection left behind.
 */

/** Sequential prefetch of frames [first, last] (inclusive), at most `depth` beyond the last taken. */
export class ReadAhead<F> {
  private readonly pending = new Map<number, Promise<F>>();
  /** Next index to start loading. */
  private nextLoad: number;
  /** Highest index taken so far (loads go up to taken + depth). */
  private taken: number;
  private closed = false;

  constructor(
    private readonly load: (i: number) => Promise<F>,
    private readonly first: number,
    private readonly last: number,
    private readonly depth: number,
    /** Frees a frame that was fetched but never taken (after close). */
    private readonly release: (f: F) => void = () => undefined,
  ) {
    if (!(Number.isInteger(depth) && depth >= 0)) throw new RangeError(`read-ahead depth must be a non-negative integer, not ${depth}`);
    this.nextLoad = first;
    this.taken = first - 1;
  }

  /** Frames fetched or being fetched and not yet taken. */
  get inFlight(): number {
    return this.pending.size;
  }

  private fill(): void {
    while (!this.closed && this.nextLoad <= this.last && this.nextLoad <= this.taken + this.depth) {
      const i = this.nextLoad++;
      const p = this.load(i);
      // Rejections surface when frame i is taken; one never taken must not go unhandled.
      p.catch(() => undefined);
      this.pending.set(i, p);
    }
  }

  /**
   * Frame i (in increasing order, each at most once): from the queue, or loaded now; then the
   * queue is topped up to `depth` frames past i.
   */
  async take(i: number): Promise<F> {
    if (this.closed) throw new Error('read-ahead is closed');
    if (!(Number.isInteger(i) && i >= this.first && i <= this.last)) throw new RangeError(`frame ${i} is outside [${this.first}, ${this.last}]`);
    if (i <= this.taken) throw new RangeError(`frame ${i} was already taken (frames are read in order)`);
    // Skipped indices (not asked for) are dropped.
    for (const [j, p] of this.pending) {
      if (j < i) {
        this.pending.delete(j);
        void p.then(this.release, () => undefined);
      }
    }
    if (this.nextLoad <= i) this.nextLoad = i;
    this.taken = i;
    const own = this.pending.get(i) ?? this.load(i);
    this.pending.delete(i);
    if (this.nextLoad === i) this.nextLoad = i + 1;
    this.fill();
    return own;
  }

  /** Start loading without taking (the first frames, before the first step). */
  prime(): void {
    this.fill();
  }

  /** Stop: nothing more is loaded; frames fetched ahead are released when they arrive. */
  close(): void {
    this.closed = true;
    for (const p of this.pending.values()) void p.then(this.release, () => undefined);
    this.pending.clear();
  }
}

/** Delivers items one at a time in push order, with at most `depth` waiting or under way. */
export class OrderedSink<T> {
  private tail: Promise<void> = Promise.resolve();
  private waiting = 0;
  private failure: { error: unknown } | null = null;
  private room: (() => void)[] = [];
  /** Items whose delivery resolved. */
  delivered = 0;

  constructor(
    private readonly deliver: (item: T) => Promise<void>,
    private readonly depth: number,
  ) {
    if (!(Number.isInteger(depth) && depth >= 1)) throw new RangeError(`sink depth must be a positive integer, not ${depth}`);
  }

  /** Items pushed and not yet delivered. */
  get pending(): number {
    return this.waiting;
  }

  /** The first delivery error, if any (later pushes and drain() reject with it). */
  get error(): unknown {
    return this.failure?.error;
  }

  get failed(): boolean {
    return this.failure !== null;
  }

  /**
   * Queue `item`; resolves once fewer than `depth` items are waiting (it may still be under way).
   * Rejects with the first delivery error, without queueing `item`.
   */
  async push(item: T): Promise<void> {
    if (this.failure) throw this.failure.error;
    this.waiting++;
    this.tail = this.tail.then(async () => {
      try {
        if (!this.failure) {
          await this.deliver(item);
          this.delivered++;
        }
      } catch (e) {
        this.failure ??= { error: e };
      } finally {
        this.waiting--;
        // Wakes the producer waiting for room (after a failure too: it then rejects).
        this.room.shift()?.();
      }
    });
    while (this.waiting >= this.depth && !this.failed) await new Promise<void>((r) => this.room.push(r));
    if (this.failed) throw this.error;
  }

  /** Wait until everything pushed is delivered; rejects with the first delivery error. */
  async drain(): Promise<void> {
    await this.tail;
    if (this.failure) throw this.failure.error;
  }
}
