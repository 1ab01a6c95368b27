import { ValidationError } from '../core/validation';

/** Where a CLI writes, and the environment it reads: the process's, or a test's. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
  /** Whether stderr is a terminal (live progress rewrites one line there). */
  readonly stderrIsTTY?: boolean;
}

/** The process's own streams and environment. */
export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    stderrIsTTY: process.stderr.isTTY === true,
  };
}

/** Runs a CLI's main function as the process: its exit code, or 1 on an unexpected error. */
export function runAsProcess(main: (argv: string[], io: CliIo) => Promise<number>): void {
  main(process.argv.slice(2), processIo()).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    }
  );
}

/** Bad command-line input: one line, exit code 2. */
export class UsageError extends Error {}

/**
 * Prints bad input (a {@link UsageError}, or a {@link ValidationError} with one line per
 * problem, then `epilogue` if given) and returns exit code 2; other errors are not handled here.
 */
export function reportBadInput(err: unknown, io: CliIo, epilogue?: string): 2 | undefined {
  if (err instanceof UsageError) {
    io.stderr(`error: ${err.message}\n`);
    return 2;
  }
  if (err instanceof ValidationError) {
    for (const problem of err.problems) io.stderr(`error: ${problem}\n`);
    if (epilogue) io.stderr(`${epilogue}\n`);
    return 2;
  }
  return undefined;
}
