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
