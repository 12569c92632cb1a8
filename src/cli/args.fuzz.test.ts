/**
 * Property tests (fast-check) of the CLI's argument handling: random command lines built from the
 * real flags, stray flags, odd values and paths that do not exist / are not media.
 *
 * Asserts: `main` never throws, never exits with the internal-error code 1 (every problem with an
 * argument is a usage error, code 2, with a message on stderr), and `--help` anywhere answers 0.
 * No run reaches real work: every input path is missing, empty, or text with a media extension.
 */
import fc from 'fast-check';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT_INTERNAL, EXIT_OK, EXIT_USAGE } from './errors.ts';
import { main, type CliIo } from './main.ts';

const dir = mkdtempSync(join(tmpdir(), 'vqdsr-fuzz-'));
const empty = join(dir, 'empty.png');
const text = join(dir, 'notes.mp4');
writeFileSync(empty, '');
writeFileSync(text, 'this is not a video\n'.repeat(20));

const flag = fc.constantFrom(
  '--params', '--random', '--seed', '--frames', '--models', '--threads', '--quiet', '--batch', '--model',
  '--scale', '--tile', '--format', '--crf', '--no-vqd', '--bogus', '-x', '--', '--seed=', '--frames=3:1',
);
const value = fc.oneof(
  fc.constantFrom('0', '-1', '1e9', 'NaN', '4294967296', '3:', ':2', '2:1', 'a:b', '', ' ', '../..', '__proto__', '{}', '[]'),
  fc.string({ maxLength: 12 }).filter((s) => !s.startsWith('-')),
  fc.constantFrom(empty, text, join(dir, 'missing.png'), join(dir, 'missing-dir'), join(dir, 'out')),
);
const argv = fc
  .tuple(fc.constantFrom('degrade', 'upscale', 'help', 'nonsense', ''), fc.array(fc.oneof(flag, value), { maxLength: 7 }))
  .map(([cmd, rest]) => (cmd ? [cmd, ...rest] : rest));

function captureIo(): CliIo & { text: () => string } {
  const all: string[] = [];
  return { out: (t) => all.push(t), err: (t) => all.push(t), text: () => all.join('\n') };
}

describe('CLI arguments under fuzzing', () => {
  it('random command lines: a usage error (2) with a message, or 0; never a throw or an internal error', async () => {
    await fc.assert(
      fc.asyncProperty(argv, async (args) => {
        const io = captureIo();
        const code = await main(args, io);
        expect(code).not.toBe(EXIT_INTERNAL);
        expect([EXIT_OK, EXIT_USAGE]).toContain(code);
        // a usage error always explains itself (no arguments at all: the usage text, on stdout)
        if (code === EXIT_USAGE) expect(io.text().trim().length).toBeGreaterThan(0);
      }),
      { numRuns: 400 },
    );
  }, 300_000);

  it('--help after any positionals of a known command answers 0', async () => {
    // (an unknown option before --help, e.g. "-1", is a usage error first: strict parsing)
    const positional = value.filter((v) => !v.startsWith('-'));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('degrade', 'upscale'), fc.array(positional, { maxLength: 3 }), async (cmd, rest) => {
        const io = captureIo();
        expect(await main([cmd, ...rest, '--help'], io)).toBe(EXIT_OK);
      }),
      { numRuns: 100 },
    );
  });
});
