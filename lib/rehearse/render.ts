import { formatDuration } from '../cli/duration';
import { formatCount, formatTable } from '../cli/table';
import { dataCheckWords, dataDiffers } from './data-check';
import {
  RehearsalReport,
  StepRecord,
  describeErrorRate,
  errorRateOf,
  outageSeconds,
  outsidePlannedOutages,
  percent,
  stepName,
} from './report';

/** The chart's file names in the report folder. */
export const CHART_SVG = 'chart.svg';
export const CHART_PNG = 'chart.png';

/**
 * `report.md`: the verdict and its reasons first, then a table of the steps (time, requests,
 * failures, latency, votes), the planned outages, the chart, and the votes. Made from
 * `report.json` alone.
 */
export function renderMarkdown(report: RehearsalReport, options: { png: boolean } = { png: true }): string {
  const lines = [...summaryLines(report), ''];
  if (report.verdict.ok) lines.push('Every step passed the gate.');
  else lines.push('Why it failed:', '', ...report.verdict.reasons.map((r) => `- ${r}`));
  lines.push(
    '',
    '## Steps',
    '',
    stepsTable(report.steps, report.data),
    '',
    ...outagesSection(report),
    `![requests and failed requests per second](${options.png ? CHART_PNG : CHART_SVG})`,
    '',
    ...dataSection(report),
    ...failingSecondsSection(report)
  );
  return lines.join('\n');
}

/** The run, the traffic, the gate, the data check, the whole run's counts, the stacks and context. */
function summaryLines(report: RehearsalReport): string[] {
  const words = dataCheckWords(report.data.check);
  const outages = report.steps.flatMap((s) => s.plannedOutages);
  const lines = [
    `# Rehearsal of the migration to Service Connect: ${report.verdict.ok ? 'PASSED' : 'FAILED'}`,
    '',
    `- Run: ${report.startedAt} to ${report.endedAt}${report.stage ? `, stage \`${report.stage}\`` : ''}${report.region ? `, region ${report.region}` : ''}`,
    `- Traffic: ${report.traffic.rate} requests/s${report.traffic.url ? ` to ${report.traffic.url}` : ''}, all the time`,
    `- Gate: every step's error rate (non-2xx responses and errors) outside planned outages at most ${percent(report.gate.maxErrorRate)}, each planned outage at most ${report.gate.maxPlannedOutageSeconds} s${report.data.check === 'none' ? '' : `, and ${words.gate}`}`,
    report.data.check === 'none'
      ? '- Data check: NONE. The topology describes no dataCheck, so this run did not check that data survives the steps (see docs/rehearsal.md)'
      : `- Data check: ${report.data.description}`,
    `- Whole run: ${describeErrorRate(outsidePlannedOutages(report.total, outages), outages.length > 0)}${outages.length > 0 ? `; ${plannedOutageCounts(outages)}` : ''}`,
    `- Stacks at the end: ${finalPhase(report)}${report.destroyed === true ? ', then destroyed' : report.destroyed === false ? ', destroy FAILED' : ''}`,
  ];
  if (Object.keys(report.context).length > 0) {
    lines.push(
      `- Context: ${Object.entries(report.context)
        .map(([k, v]) => `\`-c ${k}=${v}\``)
        .join(' ')}`
    );
  }
  return lines;
}

/** What the data check expected and read after each step (Yelb: votes per restaurant). */
function dataSection(report: RehearsalReport): string[] {
  const expected = report.data.expected;
  if (!expected) return [];
  const { table } = dataCheckWords(report.data.check);
  return [
    `## ${table.title}`,
    '',
    markdownTable(
      [
        table.key,
        ...(table.written ? [table.written] : []),
        'expected',
        ...report.steps.map((s) => `after ${s.to}`),
      ],
      Object.keys(expected).map((key) => [
        key,
        ...(table.written ? [String(report.data.written?.[key] ?? '')] : []),
        String(expected[key]),
        ...report.steps.map((s) => (s.dataAfter ? String(s.dataAfter[key] ?? '–') : '–')),
      ])
    ),
    '',
  ];
}

/** The seconds with failed requests (the first 50), each marked when it lies in a planned outage. */
function failingSecondsSection(report: RehearsalReport): string[] {
  const n = formatCount;
  const outages = report.steps.flatMap((s) => s.plannedOutages);
  const planned = (second: number) =>
    outages.some((o) => second + 1 > o.startSecond && second < o.endSecond) ? 'planned outage' : '';
  const failing = report.timeline.filter((s) => s.non2xx + s.errors > 0);
  return [
    '## Seconds with failed requests',
    '',
    failing.length === 0
      ? 'None.'
      : '```\n' +
        formatTable(
          ['second', 'requests', 'non-2xx', 'errors', ''],
          failing
            .slice(0, 50)
            .map((s) => [String(s.second), n(s.requests), n(s.non2xx), n(s.errors), planned(s.second)])
        ) +
        (failing.length > 50 ? `\n… and ${failing.length - 50} more (report.json has every second)` : '') +
        '\n```',
    '',
  ];
}

/** One row per step: its time, its requests, those in planned outages, the gated error rate, latency, data. */
function stepsTable(steps: readonly StepRecord[], data: RehearsalReport['data']): string {
  const n = formatCount;
  return markdownTable(
    [
      'step',
      'outcome',
      'time',
      'requests',
      'non-2xx',
      'errors',
      'in planned outages',
      'error rate (outside them)',
      'p50 ms',
      'p99 ms',
      `${dataCheckWords(data.check).noun} kept`,
    ],
    steps.map((s) => [
      stepName(s),
      s.outcome,
      `${formatDuration(s.endSecond - s.startSecond)} (${Math.round(s.startSecond)} s–${Math.round(s.endSecond)} s)`,
      n(s.requests),
      n(s.non2xx),
      n(s.errors),
      s.plannedOutages.length === 0 ? '–' : plannedOutageCounts(s.plannedOutages),
      percent(errorRateOf(outsidePlannedOutages(s, s.plannedOutages))),
      String(s.latencyMs.p50),
      String(s.latencyMs.p99),
      dataKept(s, data),
    ])
  );
}

/** The planned outages, one row each, with their bound: or nothing when there were none. */
function outagesSection(report: RehearsalReport): string[] {
  const rows = report.steps.flatMap((step) => step.plannedOutages.map((o) => ({ step, o })));
  if (rows.length === 0) return [];
  const n = formatCount;
  const bound = report.gate.maxPlannedOutageSeconds;
  return [
    '## Planned outages',
    '',
    `Each window runs from 1 s before ECS began stopping the service's old task to 10 s after a new one served, as ECS reports the tasks; the requests in flight during it are counted there (and in their step), judged by the bound of ${bound} s instead of the error-rate gate.`,
    '',
    markdownTable(
      ['step', 'service', 'window', 'length', 'requests', 'failed', 'within the bound', 'why planned'],
      rows.map(({ step, o }) => [
        stepName(step),
        o.service,
        `${Math.round(o.startSecond)} s–${Math.round(o.endSecond)} s (${o.startedAt} to ${o.endedAt})`,
        `${Math.round(outageSeconds(o))} s`,
        n(o.requests),
        n(o.non2xx + o.errors),
        outageSeconds(o) <= bound ? 'yes' : 'NO',
        o.reason,
      ])
    ),
    '',
  ];
}

/** `40 requests in planned outages, 38 failed`. */
function plannedOutageCounts(
  outages: readonly { requests: number; non2xx: number; errors: number }[]
): string {
  const requests = outages.reduce((sum, o) => sum + o.requests, 0);
  const failed = outages.reduce((sum, o) => sum + o.non2xx + o.errors, 0);
  return `${formatCount(requests)} requests in planned outages, ${formatCount(failed)} failed`;
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
