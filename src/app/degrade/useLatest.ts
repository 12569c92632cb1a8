import { useEffect, useRef, useState } from 'react';

export interface LatestState<O> {
  output: O | null;
  busy: boolean;
  error: string | null;
  /** performance.now() when the input that produced `output` arrived (for "shown N ms after the change"). */
  changedAt: number;
}

/**
 * Runs `job(input)` whenever `input` changes, one at a time: while a job runs,
 * only the newest pending input is kept (slider drags produce many), so the
 * preview always converges on the current settings without queueing stale work.
 * `onNewer` is called when an input arrives while a job runs, so the caller can
 * stop that job early (the Degrade tab supersedes the engine call); its result,
 * or its error, is dropped either way.
 */
export function useLatest<I, O>(input: I | null, job: (input: I) => Promise<O>, deps: unknown[], onNewer?: () => void): LatestState<O> {
  const [state, setState] = useState<LatestState<O>>({ output: null, busy: false, error: null, changedAt: 0 });
  const running = useRef(false);
  const pending = useRef<{ input: I; at: number } | null>(null);
  const alive = useRef(true);
  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
    };
  }, []);
  useEffect(() => {
    if (input === null) return;
    pending.current = { input, at: performance.now() };
    if (running.current) {
      onNewer?.();
      return;
    }
    const pump = async () => {
      running.current = true;
      while (pending.current && alive.current) {
        const { input: next, at } = pending.current;
        pending.current = null;
        setState((s) => ({ ...s, busy: true }));
        try {
          const output = await job(next);
          if (alive.current && !pending.current) setState({ output, busy: false, error: null, changedAt: at });
        } catch (e) {
          if (alive.current && !pending.current) setState((s) => ({ ...s, busy: false, error: e instanceof Error ? e.message : String(e) }));
        }
      }
      running.current = false;
    };
    void pump();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  return state;
}
