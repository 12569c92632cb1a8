// How many e2e suites run at once (e2e/run.mjs).

/**
 * The lane count from `--jobs` / E2E_JOBS (`asked`, a string or undefined) and the machine's
 * parallelism: what was asked when it is a whole number ≥ 1 (a wrong value is an error, not
 * silently replaced), else 2 where there are 2 cores or more, else 1. Two, not one per core:
 * each suite's browser runs its own GPU, renderer and worker threads, so more lanes than two
 * only trade waiting for contention.
 */
export function parseJobs(asked, cores) {
  if (asked !== undefined && asked !== '') {
    const n = Number(asked);
    if (!Number.isInteger(n) || n < 1) throw new Error(`e2e: --jobs / E2E_JOBS must be a whole number ≥ 1, not '${asked}'`);
    return n;
  }
  return cores >= 2 ? 2 : 1;
}
