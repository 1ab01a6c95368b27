import { spawnSync } from 'child_process';
import * as fs from 'fs';

/** The median of `values` (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Runs a command to completion and returns its wall time in seconds.
 * @throws Error with the command's output when it fails.
 */
export function wallSeconds(
  command: string,
  args: readonly string[],
  options: { readonly cwd?: string; readonly env?: NodeJS.ProcessEnv } = {}
): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, { cwd: options.cwd, env: options.env, encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (exit ${result.status}):\n${result.stdout}${result.stderr}`
    );
  }
  return seconds;
}

/**
 * CPU seconds (user + system) used so far by this process's finished, waited-for children,
 * from /proc/self/stat (Linux). Subtract two readings around a child to get its CPU time.
 */
export function childrenCpuSeconds(): number {
  // Fields after the command name: cutime and cstime are the 14th and 15th, in clock ticks.
  const fields = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  const ticksPerSecond = 100;
  return (Number(fields[13]) + Number(fields[14])) / ticksPerSecond;
}

/**
 * The `--runs N` option of a benchmark: `fallback` when absent. Bad input ends the process
 * with one line and exit code 2.
 */
export function runsOption(argv: readonly string[], fallback: number): number {
  const i = argv.indexOf('--runs');
  if (i < 0) return fallback;
  const runs = Number(argv[i + 1]);
  if (!Number.isInteger(runs) || runs < 1) {
    console.error(`error: --runs '${argv[i + 1]}' is not a positive integer`);
    process.exit(2);
  }
  return runs;
}
