import { CliIo } from '../../lib/cli/cli-io';

/** What a CLI run printed and returned. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a CLI entry point in-process with `env` set in process.env for its duration (the SDK
 * reads endpoints and credentials from there), capturing its output.
 */
export async function runCli(
  main: (argv: string[], io: CliIo) => Promise<number>,
  argv: string[],
  env: Record<string, string>
): Promise<CliRun> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  let stdout = '';
  let stderr = '';
  try {
    const code = await main(argv, {
      stdout: (t) => (stdout += t),
      stderr: (t) => (stderr += t),
      env: process.env,
    });
    return { code, stdout, stderr };
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
}
