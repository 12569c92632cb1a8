import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'training/**/*.test.ts', 'bench/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    // One test file per core. Vitest's default for a run is cores − 1 workers (a core kept for its
    // own process), which on CI's 2-core machine ran the files one at a time; the main process only
    // collects results. The torch processes the tests start ask for one thread (training/*.test.ts
    // pass --threads 1, smoke.py sets it): a 2-thread torch beside a busy core stalls at its OpenMP
    // barriers. The tests of two-thread code (the wasm kernels' helper) keep their two threads.
    maxWorkers: availableParallelism(),
  },
});
