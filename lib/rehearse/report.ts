import { formatCount } from '../cli/table';
import { MigrationPhase } from '../model/phase';
import { TimelineSecond } from '../traffic/load';
import { Votes, votesDiffer } from './yelb-api';

/** The error rate a step may have unless `--max-error-rate` says otherwise. */
export const DEFAULT_MAX_ERROR_RATE = 0.001;

/** Requests, by outcome: what a step or the whole run sent. */
export interface RequestCounts {
  readonly requests: number;
  readonly non2xx: number;
  readonly errors: number;
  /** Of the requests that got a response; 0 when none did. */
  readonly latencyMs: { readonly p50: number; readonly p99: number };
}

/** One deployment from a phase to the next, under traffic. */
export interface StepRecord extends RequestCounts {
  readonly from: MigrationPhase;
  readonly to: MigrationPhase;
  readonly startedAt: string;
  readonly endedAt: string;
  /** Seconds from the start of the run (the first second of the timeline). */
  readonly startSecond: number;
  readonly endSecond: number;
  /** How the step ended; `failed` and `interrupted` carry the reason in `error`. */
  readonly outcome: 'done' | 'failed' | 'interrupted';
  readonly error?: string;
  /** The counts read before the deploy and after ECS was stable; absent when not read. */
  readonly votesBefore?: Votes;
  readonly votesAfter?: Votes;
}

/** What `report.json` holds: everything the gate, `report.md` and the chart are made from. */
export interface RehearsalReport {
  /** When the run started (the traffic starts with it) and ended, ISO. */
  readonly startedAt: string;
  readonly endedAt: string;
  readonly stage?: string;
  readonly region?: string;
  /** The `-c` context the deploys used (the phase flags apart). */
  readonly context: Readonly<Record<string, string>>;
  /** Where the traffic went, and at what rate (requests per second). */
  readonly traffic: { readonly url?: string; readonly rate: number };
  /** The counts before the votes were cast, the votes cast, and so the counts every step must keep. */
  readonly votesCast?: Votes;
  readonly votesExpected?: Votes;
  /** The setup (first deploy, votes) when it did not complete, with the reason. */
  readonly setupError?: string;
  readonly steps: readonly StepRecord[];
  /** Requests per second of the whole run. */
  readonly timeline: readonly TimelineSecond[];
  /** The whole run, steps and the moments between them. */
  readonly total: RequestCounts;
  /** The phase the stacks were in at the end, or the step they were in when it stopped. */
  readonly finalPhase?: MigrationPhase | { readonly from: MigrationPhase; readonly to: MigrationPhase };
  readonly interrupted?: boolean;
  readonly destroyed?: boolean;
  readonly gate: { readonly maxErrorRate: number };
  readonly verdict: Verdict;
}

export interface Verdict {
  readonly ok: boolean;
  readonly reasons: readonly string[];
}

/** Failed requests (non-2xx and errors) per request; 0 without requests. */
export function errorRateOf(counts: RequestCounts): number {
  return counts.requests === 0 ? 0 : (counts.non2xx + counts.errors) / counts.requests;
}

/** `a → b`: how a step is named in reasons, the report and the chart. */
export function stepName(step: { from: MigrationPhase; to: MigrationPhase }): string {
  return `${step.from} → ${step.to}`;
}

/**
 * The gate: every reason the run does not pass, each naming the step. A step passes when it
 * completed, sent requests, failed at most `maxErrorRate` of them, and the votes after it are
 * exactly those cast. The whole run's error rate (the moments between steps included) is held to
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
    if (step.votesAfter && report.votesExpected) {
      const differ = votesDiffer(step.votesAfter, report.votesExpected);
      if (differ.length > 0) reasons.push(`${name}: votes changed: ${differ.join(', ')}`);
    } else if (step.outcome === 'done') {
      reasons.push(`${name}: the votes were not read after the step`);
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
