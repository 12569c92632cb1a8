/**
 * Argument parsing shared by the CLI commands: node:util parseArgs in strict mode with the options
 * every command has (--frames, --models, --threads, --quiet, --help), unknown flags turned into a
 * UsageError that points at the command's help, and --help answered here.
 */
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { UsageError } from './errors.ts';
import type { CliIo } from './main.ts';

export type ArgValues = Record<string, string | boolean | undefined>;

const COMMON: ParseArgsOptionsConfig = {
  frames: { type: 'string' },
  models: { type: 'string' },
  threads: { type: 'string' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

/** `vqdsr help <command>` pointer appended to usage errors. */
export const seeHelp = (command: string): string => `Run \`vqdsr help ${command}\` for the options.`;

/**
 * Parse `argv` for `command` with its own options plus the common ones. Returns null when --help
 * was given (the usage has been printed; the command exits 0).
 */
export function parseCommandArgs(
  command: string,
  argv: string[],
  own: ParseArgsOptionsConfig,
  usage: string,
  io: CliIo,
): { values: ArgValues; positionals: string[] } | null {
  let parsed: { values: ArgValues; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { ...own, ...COMMON } }) as typeof parsed;
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\n${seeHelp(command)}`);
  }
  if (parsed.values.help) {
    io.out(usage);
    return null;
  }
  return parsed;
}
