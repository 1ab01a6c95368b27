import { ParseArgsConfig, parseArgs } from 'util';
import { parseDuration } from './duration';
import { UsageError } from './cli-io';
import { STAGE, STAGE_ALLOWED } from '../contract/stage';

/** `--stage NAME`: the copy of the app (`-c stage=NAME`) a CLI works on. @throws UsageError for a bad name. */
export function stageOption(value: string | undefined): string | undefined {
  if (value !== undefined && !STAGE.test(value)) {
    throw new UsageError(`--stage '${value}' is not a stage name; allowed: ${STAGE_ALLOWED}`);
  }
  return value;
}

/**
 * The command-line parsing every CLI here shares: Node's `parseArgs` (strict), with its error
 * turned into a {@link UsageError} of one line that points at `--help`.
 */
export function parseCli<T extends ParseArgsConfig & { strict?: true }>(
  config: T
): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs<T>({ ...config, strict: true });
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split('\n')[0]} (see --help)`);
  }
}

/** `text` as a whole number from 1 to `max`. @throws UsageError naming the option and the range. */
export function wholeNumber(name: string, text: string, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > max) {
    throw new UsageError(`${name} '${text}' is not a whole number from 1 to ${max}`);
  }
  return Number(text);
}

/**
 * `--max-error-rate`: a fraction of the requests, from 0 to 1 (0.001 is 0.1 %).
 * @throws UsageError naming the value and what is allowed.
 */
export function errorRateOption(text: string): number {
  if (!/^\d+(\.\d+)?$/.test(text) || Number(text) > 1) {
    throw new UsageError(`--max-error-rate '${text}' is not a fraction from 0 to 1, e.g. 0.01 (1 %)`);
  }
  return Number(text);
}

/** `text` as a positive number. @throws UsageError naming the option. */
export function positiveNumber(name: string, text: string): number {
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !(value > 0))
    throw new UsageError(`${name} '${text}' is not a positive number`);
  return value;
}

/**
 * `text` as a positive duration in seconds (`30`, `0.5`, `250ms`, `15m`, `1h30m`).
 * @throws UsageError naming the option and giving `examples` of what is allowed.
 */
export function positiveDuration(
  name: string,
  text: string,
  examples = 'seconds (30) or with a unit (250ms, 30s, 2m, 1h)'
): number {
  const seconds = parseDuration(text);
  if (seconds === undefined || seconds <= 0) {
    throw new UsageError(`${name} '${text}' is not a positive duration; allowed: ${examples}`);
  }
  return seconds;
}

/**
 * `-c key=value` options, as `cdk deploy -c` takes them, into context (strings, later ones win).
 * @returns the context and a problem for each option that is not key=value.
 */
export function contextOptions(pairs: readonly string[]): {
  context: Record<string, string>;
  problems: string[];
} {
  const context: Record<string, string> = {};
  const problems: string[] = [];
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) problems.push(`-c '${pair}' is not key=value`);
    else context[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return { context, problems };
}
