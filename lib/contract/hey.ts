/** The load parameters shared by the local generator and hey (hey's flag in brackets). */
export interface HeyLoad {
  /** Origin and path, e.g. `http://alb.example.com/api/getvotes`. */
  readonly url: string;
  /** Concurrent connections, each with one request at a time (`-c`). */
  readonly connections: number;
  /** Total requests (`-n`); ignored when {@link durationSeconds} is set. */
  readonly requests: number;
  /** Send for this long (`-z`); requests still in flight then count as `aborted`. */
  readonly durationSeconds?: number;
  /** Cap on requests per second across all connections (hey's `-q` is per worker). */
  readonly rate?: number;
  /** Per request: the longest wait for the whole response (`-t`). */
  readonly timeoutMs: number;
}

/** The walkthrough's load test: `hey -c 100 -n 10000 -z 2m` (with -z, hey ignores -n). */
export const WALKTHROUGH_LOAD: Omit<HeyLoad, 'url'> = {
  connections: 100,
  requests: 10000,
  durationSeconds: 120,
  timeoutMs: 10000,
};

/** hey's arguments for a run like the local one: `-c`, `-n` or `-z`, `-q`, `-t`, the URL. */
export function heyArgs(options: HeyLoad): string[] {
  const args = ['-c', String(options.connections), '-n', String(options.requests)];
  if (options.durationSeconds !== undefined) args.push('-z', `${options.durationSeconds}s`);
  // hey's -q is per worker; ours is the total.
  if (options.rate !== undefined) args.push('-q', String(options.rate / options.connections));
  args.push('-t', String(Math.max(1, Math.round(options.timeoutMs / 1000))), options.url);
  return args;
}
