/**
 * Errors the CLI shows as one clear message and exit code 2 (the user can fix them: a bad
 * argument, input, params file or environment), as opposed to bugs (exit 1).
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const EXIT_OK = 0;
export const EXIT_INTERNAL = 1;
export const EXIT_USAGE = 2;
