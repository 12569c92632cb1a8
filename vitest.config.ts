import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'training/**/*.test.ts', 'bench/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    // One test file per core. Vitest's default for a run is cores − 1 workers (a core kept for its
    // own process), which on CI's 2-core machine ran the files one at a time; the main process only
    // collects results. Test files that start 2-thread work (torch, the wasm kernels' helper) ask
    // for one thread where a second file may run beside them (training/*.test.ts pass --threads 1).
    maxWorkers: availableParallelism(),
  },
});
