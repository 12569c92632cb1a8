import { useEffect, useRef, useState } from 'react';

/**
 * Runs `job(input)` whenever `input` changes, one at a time: while a job runs,
 * only the newest pending input is kept (slider drags produce many), so the
 * preview always converges on the current settings without queueing stale work.
 */
export function useLatest<I, O>(input: I | null, job: (input: I) => Promise<O>, deps: unknown[]): { output: O | null; busy: boolean; error: string | null } {
  const [state, setState] = useState<{ output: O | null; busy: boolean; error: string | null }>({ output: null, busy: false, error: null });
  const running = useRef(false);
  const pending = useRef<{ input: I } | null>(null);
  const alive = useRef(true);
  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
    };
  }, []);
  useEffect(() => {
    if (input === null) return;
    pending.current = { input };
    if (running.current) return;
    const pump = async () => {
      running.current = true;
      while (pending.current && alive.current) {
        const { input: next } = pending.current;
        pending.current = null;
        setState((s) => ({ ...s, busy: true }));
        try {
          const output = await job(next);
          if (alive.current && !pending.current) setState({ output, busy: false, error: null });
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
