/**
 * PNG I/O moved to media/png.ts; re-exported here for callers outside src/ that import it from
 * this path (bench/quality).
 */
export * from '../media/png.ts';
