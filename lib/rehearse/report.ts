import { z } from 'zod';
import { jsonSchemaOf } from '../core/schema';
import { formatCount } from '../cli/table';
import { MIGRATION_PHASES, MigrationPhase } from '../model/phase';
import { dataDiffers } from './data-check';

/** The error rate a step may have unless `--max-error-rate` says otherwise. */
export const DEFAULT_MAX_ERROR_RATE = 0.001;

const count = z.number().int().min(0);
const milliseconds = z.number().min(0);
const phase = z.enum(MIGRATION_PHASES);
const isoTime = z.iso.datetime({ offset: true }).describe('an ISO 8601 date and time');
const dataState = z
  .record(z.string(), z.union([z.number(), z.string()]))
  .describe("what a read of the data check found: Yelb's votes per restaurant, or what a read path returned");
const DATA_CHECKS = ['yelbVotes', 'http', 'none'] as const;

/** Requests, by outcome: what a step or the whole run sent. */
const requestCounts = z.object({
  requests: count,
  non2xx: count.describe('responses with a status outside 200-299'),
  errors: count.describe('requests without a response: timeouts, refused or reset connections, DNS'),
  latencyMs: z
    .object({ p50: milliseconds, p99: milliseconds })
    .describe('of the requests that got a response; 0 when none did'),
});
export type RequestCounts = z.infer<typeof requestCounts>;

/** One deployment from a phase to the next, under traffic. */
const stepRecord = requestCounts.extend({
  from: phase,
  to: phase,
  startedAt: isoTime,
  endedAt: isoTime,
  startSecond: z
    .number()
    .min(0)
    .describe('seconds from the start of the run (the first second of the timeline)'),
  endSecond: z.number().min(0),
  outcome: z
    .enum(['done', 'failed', 'interrupted'])
    .describe('how the step ended; failed and interrupted say why in error'),
  error: z.string().optional(),
  dataBefore: dataState.optional().describe('the data check read before the deploy; absent when not read'),
  dataAfter: dataState.optional().describe('the data check read once ECS was stable; absent when not read'),
});
export type StepRecord = z.infer<typeof stepRecord>;

/** What `report.json` holds: everything the gate, `report.md` and the chart are made from. */
export const rehearsalReportSchema = z.object({
  startedAt: isoTime.describe('when the run started (the traffic starts with it)'),
  endedAt: isoTime,
  stage: z.string().optional(),
  region: z.string().optional(),
  context: z
    .record(z.string(), z.string())
    .describe('the -c context the deploys used (the phase flags apart)'),
  traffic: z
    .object({ url: z.string().optional(), rate: z.number().positive() })
    .describe('where the traffic went, and at what rate (requests per second)'),
  data: z
    .object({
      check: z
        .enum(DATA_CHECKS)
        .describe("the topology's data check: Yelb's votes, an HTTP write and read, or none"),
      description: z.string(),
      written: dataState.optional().describe('what the setup wrote'),
      expected: dataState
        .optional()
        .describe(
          'what every read must return: the counts before the votes plus the votes cast, or the written text'
        ),
    })
    .describe('how the run checked that no data was lost'),
  setupError: z.string().optional().describe('why the setup (first deploy, data write) did not complete'),
  steps: z.array(stepRecord),
  timeline: z
    .array(z.object({ second: count, requests: count, non2xx: count, errors: count }))
    .describe('requests per second of the whole run'),
  total: requestCounts.describe('the whole run, steps and the moments between them'),
  finalPhase: z
    .union([phase, z.object({ from: phase, to: phase })])
    .optional()
    .describe('the phase the stacks were in at the end, or the step they were in when it stopped'),
  interrupted: z.boolean().optional(),
  destroyed: z.boolean().optional(),
  gate: z.object({ maxErrorRate: z.number().min(0).max(1) }),
  verdict: z.object({ ok: z.boolean(), reasons: z.array(z.string()) }),
});
/** A rehearsal's report, as `report.json` holds it. */
export type RehearsalReport = z.infer<typeof rehearsalReportSchema>;
export type Verdict = RehearsalReport['verdict'];

/** The JSON Schema of `report.json`, committed as `docs/rehearsal-report.schema.json`. */
export function rehearsalReportJsonSchema() {
  return jsonSchemaOf(rehearsalReportSchema, {
    title: 'Rehearsal report (report.json)',
    description: 'What npm run rehearse writes and npm run rehearse -- report DIR reads again.',
  });
}

/** Failed requests (non-2xx and errors) per request; 0 without requests. */
export function errorRateOf(counts: RequestCounts): number {
  return counts.requests === 0 ? 0 : (counts.non2xx + counts.errors) / counts.requests;
}

/** `a → b`: how a step is named in reasons, the report and the chart. */
export function stepName(step: { from: MigrationPhase; to: MigrationPhase }): string {
  return `${step.from} → ${step.to}`;
}

/** What the data check's reads are called in reasons and the report: votes for Yelb's. */
export function dataLabel(check: RehearsalReport['data']['check']): string {
  return check === 'yelbVotes' ? 'votes' : 'data';
}

/**
 * The gate: every reason the run does not pass, each naming the step. A step passes when it
 * completed, sent requests, failed at most `maxErrorRate` of them, and (unless the topology has
 * no data check) the data read after it is exactly what was expected. The whole run's error rate (the moments between steps included) is held to
 * the same bound. Pure: `rehearse report DIR` judges a recorded run again.
 */
export function judge(report: Omit<RehearsalReport, 'verdict' | 'gate'>, maxErrorRate: number): Verdict {
  const reasons: string[] = [];
  if (report.setupError) reasons.push(`setup: ${report.setupError}`);
  for (const step of report.steps) {
    const name = stepName(step);
    if (step.outcome !== 'done')
      reasons.push(`${name}: ${step.outcome}: ${step.error ?? 'no reason recorded'}`);
    if (step.outcome === 'done' && step.requests === 0) {
      reasons.push(`${name}: no request completed during the step, so its error rate is unknown`);
    }
    const rate = errorRateOf(step);
    if (rate > maxErrorRate)
      reasons.push(`${name}: ${describeErrorRate(step)}, over the gate ${percent(maxErrorRate)}`);
    if (report.data.check === 'none') continue;
    const label = dataLabel(report.data.check);
    if (step.dataAfter && report.data.expected) {
      const differ = dataDiffers(step.dataAfter, report.data.expected);
      if (differ.length > 0) reasons.push(`${name}: ${label} changed: ${differ.join(', ')}`);
    } else if (step.outcome === 'done') {
      reasons.push(`${name}: the ${label} were not read after the step`);
    }
  }
  if (!report.setupError && report.steps.length === 0) reasons.push('no step ran');
  if (errorRateOf(report.total) > maxErrorRate) {
    reasons.push(`whole run: ${describeErrorRate(report.total)}, over the gate ${percent(maxErrorRate)}`);
  }
  return { ok: reasons.length === 0, reasons };
}

/** `error rate 1.20 % (12 of 1,000 requests: 10 non-2xx, 2 errors)`. */
export function describeErrorRate(counts: RequestCounts): string {
  const n = formatCount;
  return `error rate ${percent(errorRateOf(counts))} (${n(counts.non2xx + counts.errors)} of ${n(counts.requests)} requests: ${n(counts.non2xx)} non-2xx, ${n(counts.errors)} errors)`;
}

/** A rate as a percentage with enough digits for the default gate (0.1 %). */
export function percent(rate: number): string {
  return `${(rate * 100).toFixed(rate > 0 && rate < 0.001 ? 3 : 2)} %`;
}
