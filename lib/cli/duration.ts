const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };
const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$|^\d+(?:\.\d+)?$/;

/**
 * Parses a duration: a number of seconds (`900`, `0.5`), or numbers with units, hey-style and
 * Go-style (`15m`, `30s`, `1h30m`, `250ms`). Returns seconds, or `undefined` when `text` is
 * not a duration.
 */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (!DURATION.test(trimmed)) return undefined;
  if (/^\d+(?:\.\d+)?$/.test(trimmed)) return Number(trimmed);
  let seconds = 0;
  for (const [, value, unit] of trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    seconds += Number(value) * UNIT_SECONDS[unit];
  }
  return seconds;
}

/** `75.4` → `1m15s`; under a minute with one decimal (`4.2s`). */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const whole = Math.round(seconds);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  return `${h > 0 ? `${h}h` : ''}${m > 0 || h > 0 ? `${m}m` : ''}${s}s`;
}
