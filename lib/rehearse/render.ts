import { formatDuration } from '../cli/duration';
import { formatCount, formatTable } from '../cli/table';
import { dataDiffers } from './data-check';
import {
  RehearsalReport,
  StepRecord,
  dataLabel,
  describeErrorRate,
  errorRateOf,
  percent,
  stepName,
} from './report';

/** The chart's file names in the report folder. */
export const CHART_SVG = 'chart.svg';
export const CHART_PNG = 'chart.png';

/**
 * `report.md`: the verdict and its reasons first, then a table of the steps (time, requests,
 * failures, latency, votes), the chart, and the votes. Made from `report.json` alone.
 */
export function renderMarkdown(report: RehearsalReport, options: { png: boolean } = { png: true }): string {
  const n = formatCount;
  const label = report.data.check === 'none' ? 'data' : dataLabel(report.data.check);
  const lines = [
    `# Rehearsal of the migration to Service Connect: ${report.verdict.ok ? 'PASSED' : 'FAILED'}`,
    '',
    `- Run: ${report.startedAt} to ${report.endedAt}${report.stage ? `, stage \`${report.stage}\`` : ''}${report.region ? `, region ${report.region}` : ''}`,
    `- Traffic: ${report.traffic.rate} requests/s${report.traffic.url ? ` to ${report.traffic.url}` : ''}, all the time`,
    `- Gate: every step's error rate (non-2xx responses and errors) at most ${percent(report.gate.maxErrorRate)}${report.data.check === 'none' ? '' : `, and no ${report.data.check === 'yelbVotes' ? 'vote' : 'data'} lost`}`,
    report.data.check === 'none'
      ? '- Data check: NONE. The topology describes no dataCheck, so this run did not check that data survives the steps (see docs/rehearsal.md)'
      : `- Data check: ${report.data.description}`,
    `- Whole run: ${describeErrorRate(report.total)}`,
    `- Stacks at the end: ${finalPhase(report)}${report.destroyed === true ? ', then destroyed' : report.destroyed === false ? ', destroy FAILED' : ''}`,
  ];
  if (Object.keys(report.context).length > 0) {
    lines.push(
      `- Context: ${Object.entries(report.context)
        .map(([k, v]) => `\`-c ${k}=${v}\``)
        .join(' ')}`
    );
  }
  lines.push('');
  if (report.verdict.ok) lines.push('Every step passed the gate.');
  else lines.push('Why it failed:', '', ...report.verdict.reasons.map((r) => `- ${r}`));
  lines.push(
    '',
    '## Steps',
    '',
    markdownTable(
      [
        'step',
        'outcome',
        'time',
        'requests',
        'non-2xx',
        'errors',
        'error rate',
        'p50 ms',
        'p99 ms',
        `${label} kept`,
      ],
      report.steps.map((s) => [
        stepName(s),
        s.outcome,
        `${formatDuration(s.endSecond - s.startSecond)} (${Math.round(s.startSecond)} s–${Math.round(s.endSecond)} s)`,
        n(s.requests),
        n(s.non2xx),
        n(s.errors),
        percent(errorRateOf(s)),
        String(s.latencyMs.p50),
        String(s.latencyMs.p99),
        dataKept(s, report.data),
      ])
    ),
    '',
    `![requests and failed requests per second](${options.png ? CHART_PNG : CHART_SVG})`,
    ''
  );
  const expected = report.data.expected;
  if (expected) {
    const yelb = report.data.check === 'yelbVotes';
    lines.push(
      yelb ? '## Votes' : '## Data',
      '',
      markdownTable(
        [
          yelb ? 'restaurant' : 'read',
          ...(yelb ? ['cast'] : []),
          'expected',
          ...report.steps.map((s) => `after ${s.to}`),
        ],
        Object.keys(expected).map((key) => [
          key,
          ...(yelb ? [String(report.data.written?.[key] ?? '')] : []),
          String(expected[key]),
          ...report.steps.map((s) => (s.dataAfter ? String(s.dataAfter[key] ?? '–') : '–')),
        ])
      ),
      ''
    );
  }
  const failing = report.timeline.filter((s) => s.non2xx + s.errors > 0);
  lines.push(
    '## Seconds with failed requests',
    '',
    failing.length === 0
      ? 'None.'
      : '```\n' +
          formatTable(
            ['second', 'requests', 'non-2xx', 'errors'],
            failing.slice(0, 50).map((s) => [String(s.second), n(s.requests), n(s.non2xx), n(s.errors)])
          ) +
          (failing.length > 50 ? `\n… and ${failing.length - 50} more (report.json has every second)` : '') +
          '\n```',
    ''
  );
  return lines.join('\n');
}

function dataKept(step: StepRecord, data: RehearsalReport['data']): string {
  if (data.check === 'none') return 'not checked';
  if (!step.dataAfter || !data.expected) return '–';
  const lost = dataDiffers(step.dataAfter, data.expected).map((d) => d.split(' ')[0]);
  return lost.length === 0 ? 'yes' : `NO (${lost.join(', ')})`;
}

function finalPhase(report: RehearsalReport): string {
  const phase = report.finalPhase;
  if (!phase) return 'not deployed by this run';
  return typeof phase === 'string'
    ? `phase ${phase}`
    : `between ${phase.from} and ${phase.to} (a deploy was under way)`;
}

function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}
