import { z } from 'zod';
import { jsonSchemaOf } from '../core/schema';
import { formatCount } from '../cli/table';
import { MIGRATION_PHASES, MigrationPhase } from '../model/phase';
import { DATA_CHECK_NAMES, dataCheckWords, dataDiffers } from './data-check';

/** The error rate a step may have unless `--max-error-rate` says otherwise. */
export const DEFAULT_MAX_ERROR_RATE = 0.001;

/**
 * How long a planned outage may last unless `--max-planned-outage` says otherwise: a database
 * task's replacement takes one to two minutes (docs/data.md), counted from ECS's stop of the old
 * task to the new one serving, plus the allowances of lib/rehearse/outage.ts.
 */
export const DEFAULT_MAX_PLANNED_OUTAGE_SECONDS = 180;

const count = z.number().int().min(0);
const milliseconds = z.number().min(0);
const phase = z.enum(MIGRATION_PHASES);
const isoTime = z.iso.datetime({ offset: true }).describe('an ISO 8601 date and time');
const secondOfRun = z
  .number()
  .min(0)
  .describe('seconds from the start of the run (the first second of the timeline)');
const dataState = z
  .record(z.string(), z.union([z.number(), z.string()]))
  .describe("what a read of the data check found: Yelb's votes per restaurant, or what a read path returned");

/** Requests by outcome, without latency. */
const outcomeCounts = z.object({
  requests: count,
  non2xx: count.describe('responses with a status outside 200-299'),
  errors: count.describe('requests without a response: timeouts, refused or reset connections, DNS'),
});
export type OutcomeCounts = z.infer<typeof outcomeCounts>;

/** Requests, by outcome: what a step or the whole run sent. */
const requestCounts = outcomeCounts.extend({
  latencyMs: z
    .object({ p50: milliseconds, p99: milliseconds })
    .describe('of the requests that got a response; 0 when none did'),
});
export type RequestCounts = z.infer<typeof requestCounts>;

/** One restart of a service that plans an outage, as ECS reported it, and the requests in flight during it. */
const plannedOutage = outcomeCounts
  .extend({
    service: z.string().describe('the ECS service whose task was replaced'),
    reason: z.string().describe("why its replacement is a planned outage, in the model's words"),
    startedAt: isoTime.describe('1 s before ECS began stopping the old task (stoppingAt), for the clocks'),
    endedAt: isoTime.describe(
      "10 s after a new task served (RUNNING, and the old one's volume free), for callers to find it"
    ),
    startSecond: secondOfRun,
    endSecond: z.number().min(0),
  })
  .describe(
    "the requests in flight during it (each in one window only, and in its step's counts) are judged by the window's bound on time, not by the error-rate gate"
  );
export type PlannedOutageRecord = z.infer<typeof plannedOutage>;

/** One deployment from a phase to the next, under traffic. */
const stepRecord = requestCounts.extend({
  from: phase,
  to: phase,
  startedAt: isoTime,
  endedAt: isoTime,
  startSecond: secondOfRun,
  endSecond: z.number().min(0),
  outcome: z
    .enum(['done', 'failed', 'interrupted'])
    .describe('how the step ended; failed and interrupted say why in error'),
  error: z.string().optional(),
  dataBefore: dataState.optional().describe('the data check read before the deploy; absent when not read'),
  dataAfter: dataState.optional().describe('the data check read once ECS was stable; absent when not read'),
  plannedOutages: z
    .array(plannedOutage)
    .default([])
    .describe(
      "the windows ECS reported for the services that plan an outage; the step's counts include theirs"
    ),
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
        .enum(DATA_CHECK_NAMES)
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
  gate: z.object({
    maxErrorRate: z
      .number()
      .min(0)
      .max(1)
      .describe("each step's and the whole run's error rate, planned outages apart"),
    maxPlannedOutageSeconds: z
      .number()
      .positive()
      .default(DEFAULT_MAX_PLANNED_OUTAGE_SECONDS)
      .describe('how long each planned outage may last'),
  }),
  verdict: z.object({ ok: z.boolean(), reasons: z.array(z.string()) }),
});
/** A rehearsal's report, as `report.json` holds it. */
export type RehearsalReport = z.infer<typeof rehearsalReportSchema>;
export type Verdict = RehearsalReport['verdict'];
/** What the gate holds a run to. */
export type Gate = RehearsalReport['gate'];

/** The JSON Schema of `report.json`, committed as `docs/rehearsal-report.schema.json`. */
export function rehearsalReportJsonSchema() {
  return jsonSchemaOf(rehearsalReportSchema, {
    title: 'Rehearsal report (report.json)',
    description: 'What npm run rehearse writes and npm run rehearse -- report DIR reads again.',
  });
}

/** Failed requests (non-2xx and errors) per request; 0 without requests. */
export function errorRateOf(counts: OutcomeCounts): number {
  return counts.requests === 0 ? 0 : (counts.non2xx + counts.errors) / counts.requests;
}

/** `a → b`: how a step is named in reasons, the report and the chart. */
export function stepName(step: { from: MigrationPhase; to: MigrationPhase }): string {
  return `${step.from} → ${step.to}`;
}

/**
 * `counts` without the requests of `outages` (which are among them): what the error-rate gate
 * judges. Every request is in exactly one of them.
 */
export function outsidePlannedOutages(
  counts: OutcomeCounts,
  outages: readonly OutcomeCounts[]
): OutcomeCounts {
  const sum = (key: keyof OutcomeCounts) => counts[key] - outages.reduce((n, o) => n + o[key], 0);
  return { requests: sum('requests'), non2xx: sum('non2xx'), errors: sum('errors') };
}

/** A planned outage's length in seconds. */
export function outageSeconds(outage: PlannedOutageRecord): number {
  return (Date.parse(outage.endedAt) - Date.parse(outage.startedAt)) / 1000;
}

/**
 * The gate: every reason the run does not pass, each naming the step. A step passes when it
 * completed, sent requests, failed at most `maxErrorRate` of those outside its planned outages,
 * each planned outage lasted at most `maxPlannedOutageSeconds`, and (unless the topology has no
 * data check) the data read after it is exactly what was expected. The whole run's error rate
 * (the moments between steps included, the planned outages apart) is held to the same bound.
 * Pure: `rehearse report DIR` judges a recorded run again.
 */
export function judge(report: Omit<RehearsalReport, 'verdict' | 'gate'>, gate: Gate): Verdict {
  const reasons: string[] = [];
  if (report.setupError) reasons.push(`setup: ${report.setupError}`);
  for (const step of report.steps) reasons.push(...stepReasons(step, report.data, gate));
  if (!report.setupError && report.steps.length === 0) reasons.push('no step ran');
  const outages = report.steps.flatMap((s) => s.plannedOutages);
  const rest = outsidePlannedOutages(report.total, outages);
  if (errorRateOf(rest) > gate.maxErrorRate) {
    reasons.push(
      `whole run: ${describeErrorRate(rest, outages.length > 0)}, over the gate ${percent(gate.maxErrorRate)}`
    );
  }
  return { ok: reasons.length === 0, reasons };
}

function stepReasons(step: StepRecord, data: RehearsalReport['data'], gate: Gate): string[] {
  const name = stepName(step);
  const reasons: string[] = [];
  if (step.outcome !== 'done')
    reasons.push(`${name}: ${step.outcome}: ${step.error ?? 'no reason recorded'}`);
  if (step.outcome === 'done' && step.requests === 0) {
    reasons.push(`${name}: no request completed during the step, so its error rate is unknown`);
  }
  const rest = outsidePlannedOutages(step, step.plannedOutages);
  if (errorRateOf(rest) > gate.maxErrorRate) {
    reasons.push(
      `${name}: ${describeErrorRate(rest, step.plannedOutages.length > 0)}, over the gate ${percent(gate.maxErrorRate)}`
    );
  }
  for (const outage of step.plannedOutages) {
    const seconds = outageSeconds(outage);
    if (seconds > gate.maxPlannedOutageSeconds) {
      reasons.push(
        `${name}: ${outage.service}'s planned outage lasted ${Math.round(seconds)} s (${Math.round(outage.startSecond)} s–${Math.round(outage.endSecond)} s of the run), over its bound of ${gate.maxPlannedOutageSeconds} s`
      );
    }
  }
  if (data.check === 'none') return reasons;
  const { noun } = dataCheckWords(data.check);
  if (step.dataAfter && data.expected) {
    const differ = dataDiffers(step.dataAfter, data.expected);
    if (differ.length > 0) reasons.push(`${name}: ${noun} changed: ${differ.join(', ')}`);
  } else if (step.outcome === 'done') {
    reasons.push(`${name}: the ${noun} were not read after the step`);
  }
  return reasons;
}

/**
 * `error rate 1.20 % (12 of 1,000 requests: 10 non-2xx, 2 errors)`; with `outsideOutages`, of
 * the `requests outside planned outages`.
 */
export function describeErrorRate(counts: OutcomeCounts, outsideOutages = false): string {
  const n = formatCount;
  const requests = outsideOutages ? 'requests outside planned outages' : 'requests';
  return `error rate ${percent(errorRateOf(counts))} (${n(counts.non2xx + counts.errors)} of ${n(counts.requests)} ${requests}: ${n(counts.non2xx)} non-2xx, ${n(counts.errors)} errors)`;
}

/** A rate as a percentage with enough digits for the default gate (0.1 %). */
export function percent(rate: number): string {
  return `${(rate * 100).toFixed(rate > 0 && rate < 0.001 ? 3 : 2)} %`;
}
