import { YELB_OUTPUTS } from '../app/outputs';
import { MigrationPhase } from '../model/phase';
import { Baseline } from '../plan/sources';
import { LatencyLog, LoadReport, RequestResult, runLoad } from '../traffic/load';
import { planStep } from '../plan/plan';
import { PhaseTemplates } from '../plan/synth-phases';
import { RehearsalAction, RehearsalOptions, deployContext, verdictOf } from './plan';
import { RehearsalReport, RequestCounts, StepRecord, judge } from './report';
import { Votes, addVotes, castVotes, readVotes, votesDiffer, VOTES_PATH } from './yelb-api';

/** What the rehearsal asks of AWS; the tests inject their own (the toolkit's deploy cannot run here). */
export interface RehearsalAws {
  /** The templates CloudFormation holds for `stacks`, and the phase they are in. */
  deployed(stacks: readonly string[]): Promise<Baseline>;
  /** Deploys every stack of the app with `context` (one `cdk deploy --all`); the Yelb stack's outputs. */
  deploy(phase: MigrationPhase, context: Record<string, string>): Promise<Record<string, string>>;
  /** Waits until ECS reports every service stable. */
  waitStable(cluster: string, services: readonly string[]): Promise<void>;
  /** Deletes every stack of the app (`cdk destroy --all`). */
  destroy(context: Record<string, string>): Promise<void>;
}

/** What the run needs besides the options. */
export interface RehearsalDeps {
  readonly aws: RehearsalAws;
  /** Progress lines for people. */
  readonly progress: (line: string) => void;
  /** Ctrl-C: stops the traffic and the run, leaves the stacks as they are. */
  readonly signal?: AbortSignal;
  /**
   * The synthesized templates of the start phase: the first deploy is planned against what is
   * deployed (as `npm run plan -- --deployed`) and not made when the plan blocks it.
   */
  readonly startTemplates?: PhaseTemplates;
}

/** How often the traffic's counts are printed while it runs. */
const TRAFFIC_PROGRESS_MS = 30_000;

/** The run was interrupted (Ctrl-C). */
export class Interrupted extends Error {
  constructor() {
    super('interrupted (Ctrl-C)');
    this.name = 'Interrupted';
  }
}

/** Running totals of requests, for a step or the whole run. */
class Counts {
  requests = 0;
  non2xx = 0;
  errors = 0;
  private readonly latencies = new LatencyLog();

  add(r: RequestResult): void {
    this.requests += 1;
    if (r.error) this.errors += 1;
    else if (r.statusCode! < 200 || r.statusCode! > 299) this.non2xx += 1;
    if (r.latencyMs !== undefined) this.latencies.add(r.latencyMs);
  }

  snapshot(): RequestCounts {
    const { p50, p99 } = this.latencies.summary();
    return { requests: this.requests, non2xx: this.non2xx, errors: this.errors, latencyMs: { p50, p99 } };
  }
}

/** A step while it runs. */
interface OpenStep {
  readonly from: MigrationPhase;
  readonly to: MigrationPhase;
  readonly startedAt: Date;
  readonly counts: Counts;
  votesBefore?: Votes;
  votesAfter?: Votes;
}

/**
 * Runs the actions of a rehearsal in order (see {@link rehearsalActions}) and returns its
 * report, judged. A failure (a blocked plan, a failed deploy, a lost vote, a Yelb API that does
 * not answer) ends the steps: the traffic stops, the report is written and, if asked, the stacks
 * are destroyed. Ctrl-C (`deps.signal`) ends the run the same way but never destroys.
 */
export async function runRehearsal(
  options: RehearsalOptions,
  actions: readonly RehearsalAction[],
  deps: RehearsalDeps
): Promise<RehearsalReport> {
  const { aws, progress, signal } = deps;
  const total = new Counts();
  const steps: StepRecord[] = [];
  let open: OpenStep | undefined;
  let appUrl: string | undefined;
  let phase: MigrationPhase | undefined;
  let moving: { from: MigrationPhase; to: MigrationPhase } | undefined;
  let votesCast: Votes | undefined;
  let votesExpected: Votes | undefined;
  let setupError: string | undefined;
  let failed = false;
  let interrupted = false;
  let destroyed: boolean | undefined;
  let deployedSomething = false;
  const runStart = new Date();
  let trafficStart: Date | undefined;
  let traffic: { stop: AbortController; done: Promise<LoadReport> } | undefined;

  const seconds = (at: Date) => Math.max(0, (at.getTime() - (trafficStart ?? runStart).getTime()) / 1000);
  /** `work`, or Interrupted as soon as Ctrl-C comes (the work itself carries on, unwatched). */
  const interruptible = async <T>(work: Promise<T>): Promise<T> => {
    if (!signal) return work;
    let onAbort = () => undefined as void;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(new Interrupted());
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([work, aborted]);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  };
  const closeStep = (outcome: StepRecord['outcome'], error?: string) => {
    if (!open) return;
    const endedAt = new Date();
    steps.push({
      from: open.from,
      to: open.to,
      startedAt: open.startedAt.toISOString(),
      endedAt: endedAt.toISOString(),
      startSecond: round(seconds(open.startedAt)),
      endSecond: round(seconds(endedAt)),
      ...open.counts.snapshot(),
      outcome,
      ...(error !== undefined && { error }),
      ...(open.votesBefore && { votesBefore: open.votesBefore }),
      ...(open.votesAfter && { votesAfter: open.votesAfter }),
    });
    progress(`step ${open.from} → ${open.to}: ${outcome}${error ? `: ${error}` : ''}`);
    open = undefined;
  };
  const requireUrl = () => {
    if (!appUrl) throw new Error(`the Yelb stack has no ${YELB_OUTPUTS.appUrl} output`);
    return appUrl;
  };

  const run = async (action: RehearsalAction): Promise<void> => {
    switch (action.action) {
      case 'check-deployed': {
        progress(`reading what is deployed (${action.stacks.join(', ')})…`);
        const deployed = await interruptible(aws.deployed(action.stacks));
        if (deployed.phase && deployed.phase !== action.expect) {
          throw new StopRun(
            `the stacks are deployed in phase ${deployed.phase}, not ${action.expect}: run with --start ${deployed.phase} to rehearse from there, or remove them first`
          );
        }
        if (deps.startTemplates) {
          const plan = verdictOf(
            planStep(deployed.phase ?? action.expect, action.expect, deployed.templates, deps.startTemplates)
          );
          if (!plan.safe) {
            throw new StopRun(
              `the plan from what is deployed blocks the first deploy: ${plan.blockers.join('; ')}`
            );
          }
        }
        phase = deployed.phase;
        progress(
          deployed.phase ? `deployed: phase ${deployed.phase}` : 'deployed: nothing (a first deployment)'
        );
        return;
      }
      case 'plan':
        if (!action.safe) throw new StopRun(`the plan blocks it: ${action.blockers.join('; ')}`);
        progress(`plan ${action.from} → ${action.to}: safe`);
        return;
      case 'deploy': {
        progress(`deploying phase ${action.phase}…`);
        moving = { from: phase ?? action.phase, to: action.phase };
        deployedSomething = true;
        const outputs = await interruptible(aws.deploy(action.phase, action.context));
        appUrl = outputs[YELB_OUTPUTS.appUrl] ?? appUrl;
        // The stack says which phase it deployed: a deploy that did not apply the flags is caught here.
        const deployedPhase = outputs[YELB_OUTPUTS.migrationPhase];
        if (deployedPhase !== action.phase) {
          throw new StopRun(
            `the deploy of ${action.phase} left the Yelb stack in phase ${deployedPhase ?? '(no MigrationPhase output)'}`
          );
        }
        phase = action.phase;
        moving = undefined;
        return;
      }
      case 'wait-stable':
        progress(`waiting until ECS reports ${action.services.join(', ')} stable…`);
        await interruptible(aws.waitStable(action.cluster, action.services));
        return;
      case 'votes': {
        const url = requireUrl();
        const before = await interruptible(readVotes(url, options.timeoutMs));
        await interruptible(castVotes(url, action.cast, options.timeoutMs));
        votesCast = action.cast;
        votesExpected = addVotes(before, action.cast);
        const after = await interruptible(readVotes(url, options.timeoutMs));
        const differ = votesDiffer(after, votesExpected);
        if (differ.length > 0) throw new StopRun(`the votes just cast do not add up: ${differ.join(', ')}`);
        progress(
          `cast ${Object.values(action.cast).reduce((a, b) => a + b, 0)} votes; counts ${JSON.stringify(after)}`
        );
        return;
      }
      case 'traffic':
        if (action.state === 'start') {
          const stop = new AbortController();
          trafficStart = new Date();
          const url = new URL(action.path ?? VOTES_PATH, requireUrl()).href;
          progress(`traffic: ${action.rate} requests/s to ${url}`);
          // A line every 30 s: a deploy takes minutes, and the traffic is what the user watches.
          const ticker = setInterval(() => {
            const step = open
              ? `; this step ${open.counts.requests} requests, ${open.counts.non2xx + open.counts.errors} failed`
              : '';
            progress(`traffic: ${total.requests} requests, ${total.non2xx + total.errors} failed${step}`);
          }, TRAFFIC_PROGRESS_MS);
          ticker.unref();
          stop.signal.addEventListener('abort', () => clearInterval(ticker), { once: true });
          const done = runLoad({
            url,
            connections: connectionsFor(options.rate),
            requests: Infinity,
            rate: options.rate,
            timeoutMs: options.timeoutMs,
            signal: stop.signal,
            onResult: (r) => {
              total.add(r);
              open?.counts.add(r);
            },
          });
          // Handled now, read when the traffic stops: a failing generator must not crash the run.
          done.catch(() => undefined);
          traffic = { stop, done };
        } else {
          await stopTraffic();
        }
        return;
      case 'step':
        open = { from: action.from, to: action.to, startedAt: new Date(), counts: new Counts() };
        progress(`step ${action.from} → ${action.to}`);
        return;
      case 'read-votes': {
        const votes = await interruptible(readVotes(requireUrl(), options.timeoutMs));
        if (open && !open.votesBefore) open.votesBefore = votes;
        else if (open) {
          open.votesAfter = votes;
          const differ = votesExpected ? votesDiffer(votes, votesExpected) : [];
          closeStep('done', differ.length > 0 ? `votes changed: ${differ.join(', ')}` : undefined);
          // A lost vote is lost data: the steps end here (the gate names the step).
          if (differ.length > 0) throw new StopRun('votes changed', { recorded: true });
        }
        return;
      }
      case 'report':
      case 'destroy':
        return; // the caller writes the report; destroy runs below, after the report is made
    }
  };

  let timeline: LoadReport['timeline'] = [];
  const stopTraffic = async () => {
    if (!traffic) return;
    const current = traffic;
    traffic = undefined;
    current.stop.abort();
    progress('stopping the traffic (requests in flight complete)…');
    try {
      timeline = (await current.done).timeline;
    } catch (err) {
      // The generator counts request failures itself; this is the generator failing.
      setupError = [setupError, `the traffic generator failed: ${describe(err)}`].filter(Boolean).join('; ');
    }
  };

  const end = actions.findIndex((a) => a.action === 'traffic' && a.state === 'stop');
  for (const action of actions.slice(0, end)) {
    try {
      if (signal?.aborted) throw new Interrupted();
      await run(action);
    } catch (err) {
      failed = true;
      if (err instanceof StopRun && err.options.recorded) break;
      interrupted = err instanceof Interrupted;
      const message = err instanceof StopRun || err instanceof Interrupted ? err.message : describe(err);
      if (open) closeStep(interrupted ? 'interrupted' : 'failed', message);
      else setupError = message;
      break;
    }
  }
  await stopTraffic();

  const destroy = actions.find((a) => a.action === 'destroy');
  if (destroy && !interrupted && deployedSomething) {
    progress(
      `destroying ${destroy.stacks.join(', ')}${failed ? ' (after a failed run, as --destroy asks)' : ''}…`
    );
    try {
      await aws.destroy(deployContext(options, phase ?? options.start));
      destroyed = true;
    } catch (err) {
      destroyed = false;
      setupError = [setupError, `destroy failed: ${describe(err)}`].filter(Boolean).join('; ');
    }
  }

  const report = {
    startedAt: (trafficStart ?? runStart).toISOString(),
    endedAt: new Date().toISOString(),
    ...(options.stage !== undefined && { stage: options.stage }),
    ...(options.region !== undefined && { region: options.region }),
    context: options.context,
    traffic: {
      ...(appUrl !== undefined && { url: new URL(VOTES_PATH, appUrl).href }),
      rate: options.rate,
    },
    ...(votesCast && { votesCast }),
    ...(votesExpected && { votesExpected }),
    ...(setupError !== undefined && { setupError }),
    steps,
    timeline,
    total: total.snapshot(),
    ...((moving ?? phase) && { finalPhase: moving ?? phase }),
    ...(interrupted && { interrupted }),
    ...(destroyed !== undefined && { destroyed }),
  };
  return {
    ...report,
    gate: { maxErrorRate: options.maxErrorRate },
    verdict: judge(report, options.maxErrorRate),
  };
}

/** A reason to end the steps that is already a sentence for people; `recorded` when the step says it. */
class StopRun extends Error {
  constructor(
    message: string,
    readonly options: { recorded?: boolean } = {}
  ) {
    super(message);
  }
}

/** Connections for a rate: one per request per second (so requests that take a second keep the rate), 2 to 200. */
export function connectionsFor(rate: number): number {
  return Math.min(200, Math.max(2, Math.ceil(rate)));
}

function describe(err: unknown): string {
  const e = err as { name?: string; message?: string };
  return e.name && e.name !== 'Error' ? `${e.name}: ${e.message}` : (e.message ?? String(err));
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
