import { errorMessage } from '../core/errors';
import { SYSTEM_OUTPUTS } from '../app/outputs';
import { MigrationPhase } from '../model/phase';
import { planStep } from '../plan/plan';
import { Baseline } from '../plan/sources';
import { PhaseTemplates } from '../plan/synth-phases';
import { TimelineSecond } from '../traffic/load';
import { RehearsalAction, RehearsalOptions, deployContext, verdictOf } from './plan';
import { RehearsalReport, StepRecord, judge } from './report';
import { Counts, RehearsalTraffic } from './traffic';
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

/**
 * Runs the actions of a rehearsal in order (see {@link rehearsalActions}) and returns its
 * report, judged. A failure (a blocked plan, a failed deploy, a lost vote, a Yelb API that does
 * not answer) ends the steps: the traffic stops, the report is made and, if asked, the stacks
 * are destroyed. Ctrl-C (`deps.signal`) ends the run the same way but never destroys.
 */
export function runRehearsal(
  options: RehearsalOptions,
  actions: readonly RehearsalAction[],
  deps: RehearsalDeps
): Promise<RehearsalReport> {
  return new Rehearsal(options, deps).run(actions);
}

/** The run was interrupted (Ctrl-C). */
export class Interrupted extends Error {
  constructor() {
    super('interrupted (Ctrl-C)');
    this.name = 'Interrupted';
  }
}

/** A reason to end the steps, already a sentence for people; `recorded` when the step says it. */
class StopRun extends Error {
  constructor(
    message: string,
    readonly recorded = false
  ) {
    super(message);
  }
}

/** A step while it runs. */
interface OpenStep {
  readonly from: MigrationPhase;
  readonly to: MigrationPhase;
  readonly startedAt: Date;
  readonly counts: Counts;
  votesBefore?: Votes;
}

/** One rehearsal: what it has found and done so far, and one method per kind of action. */
class Rehearsal {
  private readonly startedAt = new Date();
  private readonly steps: StepRecord[] = [];
  private open: OpenStep | undefined;
  private traffic: RehearsalTraffic | undefined;
  private timeline: readonly TimelineSecond[] = [];
  private appUrl: string | undefined;
  /** The phase the stacks are in, as far as the run knows; `moving` while a deploy is under way. */
  private phase: MigrationPhase | undefined;
  private moving: { from: MigrationPhase; to: MigrationPhase } | undefined;
  private deployedSomething = false;
  private votesCast: Votes | undefined;
  private votesExpected: Votes | undefined;
  private setupError: string | undefined;
  private interrupted = false;
  private destroyed: boolean | undefined;

  constructor(
    private readonly options: RehearsalOptions,
    private readonly deps: RehearsalDeps
  ) {}

  /** The actions up to the traffic's stop, until one fails; then the end: traffic off, destroy, report. */
  async run(actions: readonly RehearsalAction[]): Promise<RehearsalReport> {
    const end = actions.findIndex((a) => a.action === 'traffic' && a.state === 'stop');
    let failed = false;
    for (const action of actions.slice(0, end)) {
      try {
        if (this.deps.signal?.aborted) throw new Interrupted();
        await this.perform(action);
      } catch (err) {
        failed = true;
        this.recordFailure(err);
        break;
      }
    }
    await this.stopTraffic();
    const destroy = actions.find((a) => a.action === 'destroy');
    if (destroy && !this.interrupted && this.deployedSomething) await this.destroy(destroy.stacks, failed);
    return this.report();
  }

  private perform(action: RehearsalAction): Promise<void> {
    switch (action.action) {
      case 'check-deployed':
        return this.checkDeployed(action.expect, action.stacks);
      case 'plan':
        return this.checkPlan(action);
      case 'deploy':
        return this.deploy(action.phase, action.context);
      case 'wait-stable':
        this.deps.progress(`waiting until ECS reports ${action.services.join(', ')} stable…`);
        return this.interruptible(this.deps.aws.waitStable(action.cluster, action.services));
      case 'votes':
        return this.castVotes(action.cast);
      case 'traffic':
        return action.state === 'start' ? this.startTraffic(action.rate, action.path) : this.stopTraffic();
      case 'step':
        this.openStep(action.from, action.to);
        return Promise.resolve();
      case 'read-votes':
        return this.readStepVotes();
      case 'report':
      case 'destroy':
        return Promise.resolve(); // the caller writes the report; destroy comes after the traffic stops
    }
  }

  /** Refuses stacks in another phase, and a first deploy that the plan against them blocks. */
  private async checkDeployed(expect: MigrationPhase, stacks: readonly string[]): Promise<void> {
    this.deps.progress(`reading what is deployed (${stacks.join(', ')})…`);
    const deployed = await this.interruptible(this.deps.aws.deployed(stacks));
    if (deployed.phase && deployed.phase !== expect) {
      throw new StopRun(
        `the stacks are deployed in phase ${deployed.phase}, not ${expect}: run with --start ${deployed.phase} to rehearse from there, or remove them first`
      );
    }
    if (this.deps.startTemplates) {
      const plan = verdictOf(
        planStep(deployed.phase ?? expect, expect, deployed.templates, this.deps.startTemplates)
      );
      if (!plan.safe) {
        throw new StopRun(
          `the plan from what is deployed blocks the first deploy: ${plan.blockers.join('; ')}`
        );
      }
    }
    this.phase = deployed.phase;
    this.deps.progress(
      deployed.phase ? `deployed: phase ${deployed.phase}` : 'deployed: nothing (a first deployment)'
    );
  }

  private checkPlan(action: Extract<RehearsalAction, { action: 'plan' }>): Promise<void> {
    if (!action.safe) throw new StopRun(`the plan blocks it: ${action.blockers.join('; ')}`);
    this.deps.progress(`plan ${action.from} → ${action.to}: safe`);
    return Promise.resolve();
  }

  /** One `cdk deploy --all`; the stack must then say it is in `phase` (its MigrationPhase output). */
  private async deploy(phase: MigrationPhase, context: Record<string, string>): Promise<void> {
    this.deps.progress(`deploying phase ${phase}…`);
    this.moving = { from: this.phase ?? phase, to: phase };
    this.deployedSomething = true;
    const outputs = await this.interruptible(this.deps.aws.deploy(phase, context));
    this.appUrl = outputs[SYSTEM_OUTPUTS.appUrl] ?? this.appUrl;
    const deployedPhase = outputs[SYSTEM_OUTPUTS.migrationPhase];
    if (deployedPhase !== phase) {
      throw new StopRun(
        `the deploy of ${phase} left the Yelb stack in phase ${deployedPhase ?? '(no MigrationPhase output)'}`
      );
    }
    this.phase = phase;
    this.moving = undefined;
  }

  /** Reads the counts, casts the votes, and checks that the counts grew by exactly those. */
  private async castVotes(cast: Votes): Promise<void> {
    const url = this.requireUrl();
    const before = await this.interruptible(readVotes(url, this.options.timeoutMs));
    await this.interruptible(castVotes(url, cast, this.options.timeoutMs));
    this.votesCast = cast;
    this.votesExpected = addVotes(before, cast);
    const after = await this.interruptible(readVotes(url, this.options.timeoutMs));
    const differ = votesDiffer(after, this.votesExpected);
    if (differ.length > 0) throw new StopRun(`the votes just cast do not add up: ${differ.join(', ')}`);
    const total = Object.values(cast).reduce((a, b) => a + b, 0);
    this.deps.progress(`cast ${total} votes; counts ${JSON.stringify(after)}`);
  }

  private startTraffic(rate: number, path: string): Promise<void> {
    const url = new URL(path, this.requireUrl()).href;
    this.deps.progress(`traffic: ${rate} requests/s to ${url}`);
    this.traffic = new RehearsalTraffic(url, rate, this.options.timeoutMs, this.deps.progress);
    return Promise.resolve();
  }

  private async stopTraffic(): Promise<void> {
    if (!this.traffic || this.traffic.stopped) return;
    this.deps.progress('stopping the traffic (requests in flight complete)…');
    try {
      this.timeline = await this.traffic.stop();
    } catch (err) {
      // The generator counts request failures itself; this is the generator failing.
      this.addSetupError(`the traffic generator failed: ${errorMessage(err)}`);
    }
  }

  private openStep(from: MigrationPhase, to: MigrationPhase): void {
    const counts = new Counts();
    this.open = { from, to, startedAt: new Date(), counts };
    if (this.traffic) this.traffic.step = counts;
    this.deps.progress(`step ${from} → ${to}`);
  }

  /** The counts before a step's deploy, or after it: then the step ends, and a lost vote ends the run. */
  private async readStepVotes(): Promise<void> {
    const open = this.open;
    const votes = await this.interruptible(readVotes(this.requireUrl(), this.options.timeoutMs));
    if (!open) return;
    if (!open.votesBefore) {
      open.votesBefore = votes;
      return;
    }
    const differ = this.votesExpected ? votesDiffer(votes, this.votesExpected) : [];
    this.closeStep('done', differ.length > 0 ? `votes changed: ${differ.join(', ')}` : undefined, votes);
    // A lost vote is lost data: the steps end here (the gate names the step).
    if (differ.length > 0) throw new StopRun('votes changed', true);
  }

  private closeStep(outcome: StepRecord['outcome'], error?: string, votesAfter?: Votes): void {
    const open = this.open;
    if (!open) return;
    const endedAt = new Date();
    this.steps.push({
      from: open.from,
      to: open.to,
      startedAt: open.startedAt.toISOString(),
      endedAt: endedAt.toISOString(),
      startSecond: round(this.secondsAt(open.startedAt)),
      endSecond: round(this.secondsAt(endedAt)),
      ...open.counts.snapshot(),
      outcome,
      ...(error !== undefined && { error }),
      ...(open.votesBefore && { votesBefore: open.votesBefore }),
      ...(votesAfter && { votesAfter }),
    });
    this.deps.progress(`step ${open.from} → ${open.to}: ${outcome}${error ? `: ${error}` : ''}`);
    this.open = undefined;
    if (this.traffic) this.traffic.step = undefined;
  }

  /** A failure ends the steps: the open step records it, or else the setup does. */
  private recordFailure(err: unknown): void {
    if (err instanceof StopRun && err.recorded) return;
    this.interrupted = err instanceof Interrupted;
    const message = err instanceof StopRun || err instanceof Interrupted ? err.message : errorMessage(err);
    if (this.open) this.closeStep(this.interrupted ? 'interrupted' : 'failed', message);
    else this.addSetupError(message);
  }

  private async destroy(stacks: readonly string[], afterFailure: boolean): Promise<void> {
    this.deps.progress(
      `destroying ${stacks.join(', ')}${afterFailure ? ' (after a failed run, as --destroy asks)' : ''}…`
    );
    try {
      await this.deps.aws.destroy(deployContext(this.options, this.phase ?? this.options.start));
      this.destroyed = true;
    } catch (err) {
      this.destroyed = false;
      this.addSetupError(`destroy failed: ${errorMessage(err)}`);
    }
  }

  private report(): RehearsalReport {
    const finalPhase = this.moving ?? this.phase;
    const report = {
      startedAt: (this.traffic?.startedAt ?? this.startedAt).toISOString(),
      endedAt: new Date().toISOString(),
      ...(this.options.stage !== undefined && { stage: this.options.stage }),
      ...(this.options.region !== undefined && { region: this.options.region }),
      context: this.options.context,
      traffic: {
        ...(this.appUrl !== undefined && { url: new URL(VOTES_PATH, this.appUrl).href }),
        rate: this.options.rate,
      },
      ...(this.votesCast && { votesCast: this.votesCast }),
      ...(this.votesExpected && { votesExpected: this.votesExpected }),
      ...(this.setupError !== undefined && { setupError: this.setupError }),
      steps: this.steps,
      timeline: [...this.timeline],
      total: (this.traffic?.total ?? new Counts()).snapshot(),
      ...(finalPhase && { finalPhase }),
      ...(this.interrupted && { interrupted: true }),
      ...(this.destroyed !== undefined && { destroyed: this.destroyed }),
    };
    return {
      ...report,
      gate: { maxErrorRate: this.options.maxErrorRate },
      verdict: judge(report, this.options.maxErrorRate),
    };
  }

  /** Seconds from the start of the run (the traffic's start) to `at`. */
  private secondsAt(at: Date): number {
    return this.traffic?.secondsAt(at) ?? 0;
  }

  private requireUrl(): string {
    if (!this.appUrl) throw new Error(`the Yelb stack has no ${SYSTEM_OUTPUTS.appUrl} output`);
    return this.appUrl;
  }

  private addSetupError(message: string): void {
    this.setupError = [this.setupError, message].filter(Boolean).join('; ');
  }

  /** `work`, or Interrupted as soon as Ctrl-C comes (the work itself carries on, unwatched). */
  private async interruptible<T>(work: Promise<T>): Promise<T> {
    const signal = this.deps.signal;
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
  }
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
