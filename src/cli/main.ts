/**
 * The `vqdsr` command line: a small registry of subcommands (degrade today; upscale joins by
 * adding its Command to COMMANDS), one place that turns errors into messages and exit codes.
 *
 * Errors a user can fix (bad arguments, input, params file, missing ffmpeg or model files) print
 * one message and exit with 2, without a stack trace; anything else is a bug: exit 1, the message,
 * and the stack only with VQDSR_DEBUG=1.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FfmpegError, FfmpegUnavailableError } from '../media/ffmpeg-node.ts';
import { ParamsError } from '../pipeline/params.ts';
import { DegradeSetupError } from '../pipeline/run-cpu.ts';
import { ModelFileError } from '../models/manifest.ts';
import { degradeCommand } from './degrade.ts';
import { upscaleCommand } from './upscale.ts';
import { enhanceCommand } from './enhance.ts';
import { EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, UsageError } from './errors.ts';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Returns the exit code; throws UsageError (and friends) for user-fixable problems. */
  run(argv: string[], io: CliIo): Promise<number>;
}

/** Subcommands, in the order `vqdsr help` lists them. */
export const COMMANDS: Command[] = [degradeCommand, upscaleCommand, enhanceCommand];

const stdio: CliIo = {
  out: (t) => process.stdout.write(`${t}\n`),
  err: (t) => process.stderr.write(`${t}\n`),
};

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export function helpText(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length), 4);
  return [
    'vqdsr — the VQD-SR playground on the command line',
    '',
    'Usage: vqdsr <command> [arguments]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    `  ${'help'.padEnd(width)}  this text; \`vqdsr help <command>\` for a command's options`,
    '',
    'Docs: docs/cli.md',
  ].join('\n');
}

/** Errors whose message is the whole story for the user. */
function isUserError(e: unknown): e is Error {
  return (
    e instanceof UsageError ||
    e instanceof ParamsError ||
    e instanceof FfmpegError ||
    e instanceof FfmpegUnavailableError ||
    e instanceof ModelFileError ||
    e instanceof DegradeSetupError
  );
}

export async function main(argv: string[], io: CliIo = stdio): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
      const topic = name === 'help' ? rest[0] : undefined;
      const cmd = topic ? COMMANDS.find((c) => c.name === topic) : undefined;
      if (topic && !cmd) throw new UsageError(`no command '${topic}'\n\n${helpText()}`);
      io.out(cmd ? cmd.usage : helpText());
      return name === undefined ? EXIT_USAGE : EXIT_OK;
    }
    if (name === '--version' || name === 'version') {
      io.out(version());
      return EXIT_OK;
    }
    const cmd = COMMANDS.find((c) => c.name === name);
    if (!cmd) throw new UsageError(`unknown command '${name}'\n\n${helpText()}`);
    return await cmd.run(rest, io);
  } catch (e) {
    if (isUserError(e)) {
      io.err(`vqdsr: ${e.message}`);
      return EXIT_USAGE;
    }
    const err = e instanceof Error ? e : new Error(String(e));
    io.err(`vqdsr: internal error: ${err.message}`);
    if (process.env.VQDSR_DEBUG) io.err(err.stack ?? '');
    else io.err('(set VQDSR_DEBUG=1 to see the stack trace)');
    return EXIT_INTERNAL;
  }
}
