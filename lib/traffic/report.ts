import { formatCount, formatTable } from '../cli/table';
import { ERROR_KINDS, LoadProgress, LoadReport, isSuccessStatus } from './load';

/** Share of requests that did not get a 2xx: non-2xx responses plus errors. */
export function errorRate(report: LoadReport): number {
  if (report.requests === 0) return 0;
  const ok = Object.entries(report.statusCodes)
    .filter(([code]) => isSuccessStatus(Number(code)))
    .reduce((n, [, count]) => n + count, 0);
  return (report.requests - ok) / report.requests;
}

/**
 * Why a run does not pass `--max-error-rate`, or `undefined` when it does. A run in which no
 * request completed does not pass: its error rate is unknown, not zero.
 */
export function errorRateVerdict(report: LoadReport, maxErrorRate: number): string | undefined {
  if (report.requests === 0) return 'no request completed, so the error rate is unknown';
  const rate = errorRate(report);
  if (rate > maxErrorRate) return `error rate ${rate.toFixed(4)} is above --max-error-rate ${maxErrorRate}`;
  return undefined;
}

/** The live progress line: requests so far, current rate, non-2xx and errors so far. */
export function progressLine(p: LoadProgress): string {
  const n = formatCount;
  return `${p.elapsedSeconds.toFixed(0).padStart(4)}s  requests ${n(p.requests)}  rate ${n(p.currentRate)}/s  non-2xx ${n(p.non2xx)}  errors ${n(p.errors)}`;
}

/**
 * The report for people: totals, status codes, errors by kind, latency percentiles, and a
 * timeline with one row per second, where seconds with failures are marked, so that a user sees
 * when during a migration requests failed.
 */
export function renderReport(report: LoadReport): string {
  const n = formatCount;
  const lines = [
    `Target:     ${report.url}`,
    `Requests:   ${n(report.requests)} in ${report.durationSeconds.toFixed(1)} s (${n(Math.round(report.rps))} requests/s)`,
    `Error rate: ${(100 * errorRate(report)).toFixed(2)} % (non-2xx responses and errors)`,
    '',
    'Status codes:',
    ...(Object.keys(report.statusCodes).length === 0
      ? ['  none']
      : Object.entries(report.statusCodes).map(([code, count]) => `  [${code}]  ${n(count)}`)),
    '',
    'Errors:',
    ...ERROR_KINDS.map((kind) => `  ${kind.padEnd(8)} ${n(report.errors[kind])}`),
    '',
    `Latency (ms): p50 ${report.latencyMs.p50}  p90 ${report.latencyMs.p90}  p99 ${report.latencyMs.p99}  max ${report.latencyMs.max}`,
    '',
    'Timeline (! marks seconds with non-2xx responses or errors):',
    formatTable(
      ['second', 'requests', 'non-2xx', 'errors', ''],
      report.timeline.map((s) => [
        String(s.second),
        n(s.requests),
        n(s.non2xx),
        n(s.errors),
        s.non2xx + s.errors > 0 ? '!' : '',
      ])
    ),
  ];
  return lines.join('\n');
}
