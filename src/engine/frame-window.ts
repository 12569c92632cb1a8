/**
 * The frames a live VSR session holds between steps (vsr-live-api.ts): plain logic, no GPU, so the
 * unit tests reach it without the engine's imports.
 */

/**
 * The frames of the latest step, by index. A new step keeps those it needs again (an unbroken run
 * of indices: two of three) and frees the rest before loading what is missing.
 */
export class FrameWindow<F> {
  private readonly held = new Map<number, F>();

  constructor(
    private readonly load: (i: number) => Promise<F>,
    private readonly release: (f: F) => void,
  ) {}

  async frames(indices: readonly number[]): Promise<F[]> {
    for (const [i, f] of this.held) {
      if (!indices.includes(i)) {
        this.held.delete(i);
        this.release(f);
      }
    }
    for (const i of indices) if (!this.held.has(i)) this.held.set(i, await this.load(i));
    return indices.map((i) => this.held.get(i)!);
  }

  clear(): void {
    for (const f of this.held.values()) this.release(f);
    this.held.clear();
  }
}

/** The indices step `i` reads: its neighbours, the clip's ends standing in for what lies beyond. */
export function neighbours(i: number, length: number, recurrent: boolean): number[] {
  if (!recurrent) return [i];
  return [Math.max(0, i - 1), i, Math.min(length - 1, i + 1)];
}
