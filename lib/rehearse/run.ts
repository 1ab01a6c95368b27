import { errorMessage } from '../core/errors';
import { SYSTEM_OUTPUTS } from '../contract/outputs';
import { MigrationPhase } from '../model/phase';
import { planStep } from '../plan/plan';
import { Baseline } from '../plan/sources';
import { PhaseTemplates } from '../plan/synth-phases';
import { TimelineSecond } from '../traffic/load';
import { DataCheck, DataState, dataCheckWords, dataDiffers } from './data-check';
import { TaskTimes, TimeSpan, countingWindows, outageGaps } from './outage';
import {
  PlannedOutage,
  RehearsalAction,
  RehearsalOptions,
  RehearsalScript,
  deployContext,
  verdictOf,
} from './plan';
import { RehearsalReport, StepRecord, judge } from './report';
import { Counts, RehearsalTraffic, StepCounts } from './traffic';

/** What the rehearsal asks of AWS; the tests inject their own (the toolkit's deploy cannot run here). */
export interface RehearsalAws {
  /** The templates CloudFormation holds for `stacks`, and the phase they are in. */
  deployed(stacks: readonly string[]): Promise<Baseline>;
  /** Deploys every stack of the app with `context` (one `cdk deploy --all`); the Yelb stack's outputs. */
  deploy(phase: MigrationPhase, context: Record<string, string>): Promise<Record<string, string>>;
  /** Waits until ECS reports every service stable. */
  waitStable(cluster: string, services: readonly string[]): Promise<void>;
  /** The names of the alarms in ALARM whose names start with `prefix`. */
  alarmsFiring(prefix: string): Promise<string[]>;
  /** The service's tasks, running and recently stopped (ECS keeps stopped ones for at least an hour), with their times. */
  serviceTasks(cluster: string, service: string): Promise<TaskTimes[]>;
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
  /** The system's data check, if its topology describes one (the script reads it). */
  readonly dataCheck?: DataCheck;
  /**
   * How often and how long a step waits for its deployment alarms to leave ALARM.
   *
   * @default every 15 s, up to 10 minutes
   */
  readonly alarmWait?: { readonly pollMs: number; readonly timeoutMs: number };
  /** Writes the report's files (the teardown's `report` action). */
  readonly writeReport: (dir: string, report: RehearsalReport) => Promise<void>;
  /**
   * The run's clock: the steps, the traffic's requests and ECS's times are compared on it.
   *
   * @default the system clock
   */
  readonly now?: () => Date;
}

/**
 * Runs a rehearsal's script (see {@link rehearsalScript}): the setup, the steps, then the
 * teardown whatever happened, and returns the report, judged. A failure (a blocked plan, a
 * failed deploy, lost data, an app that does not answer) ends the setup or the steps; the
 * teardown still stops the traffic, destroys the stacks if asked, and writes the report. Ctrl-C
 * (`deps.signal`) ends the run the same way but never destroys.
 */
export function runRehearsal(
  options: RehearsalOptions,
  script: RehearsalScript,
  deps: RehearsalDeps
): Promise<RehearsalReport> {
  return new Rehearsal(options, deps).run(script);
}

/** How often and how long a step waits for its deployment alarms to clear, unless the deps say otherwise. */
const ALARM_WAIT = { pollMs: 15_000, timeoutMs: 10 * 60_000 };

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
  readonly counts: StepCounts;
  /** The planned outages ECS reported for the step, each with the window its requests are counted in. */
  readonly outages: (PlannedOutage & { readonly window: TimeSpan })[];
  dataBefore?: DataState;
  dataAfter?: DataState;
}

/** One rehearsal: what it has found and done so far, and one method per kind of action. */
class Rehearsal {
  private readonly now: () => Date;
  private readonly startedAt: Date;
  private readonly steps: StepRecord[] = [];
  private open: OpenStep | undefined;
  private traffic: RehearsalTraffic | undefined;
  private timeline: readonly TimelineSecond[] = [];
  private appUrl: string | undefined;
  private trafficPath: string | undefined;
  /** The phase the stacks are in, as far as the run knows; `moving` while a deploy is under way. */
  private phase: MigrationPhase | undefined;
  private moving: { from: MigrationPhase; to: MigrationPhase } | undefined;
  private deployedSomething = false;
  private written: DataState | undefined;
  private expected: DataState | undefined;
  private failed = false;
  private setupError: string | undefined;
  private interrupted = false;
  private destroyed: boolean | undefined;

  constructor(
    private readonly options: RehearsalOptions,
    private readonly deps: RehearsalDeps
  ) {
    this.now = deps.now ?? (() => new Date());
    this.startedAt = this.now();
  }

  /** The setup and the steps, until one fails; then the teardown, whatever happened. */
  async run(script: RehearsalScript): Promise<RehearsalReport> {
    try {
      for (const action of [...script.setup, ...script.steps.flat()]) {
        if (this.deps.signal?.aborted) throw new Interrupted();
        await this.perform(action);
      }
    } catch (err) {
      this.failed = true;
      this.recordFailure(err);
    }
    let report = this.report();
    for (const action of script.teardown) {
      switch (action.action) {
        case 'traffic':
          await this.stopTraffic();
          break;
        case 'destroy':
          // Never after Ctrl-C (the user stopped it to look), nor when this run deployed nothing.
          if (!this.interrupted && this.deployedSomething) await this.destroy(action.stacks, this.failed);
          break;
        case 'report':
          report = this.report();
          await this.deps.writeReport(action.out, report);
          break;
        default:
          throw new Error(`${action.action} is not a teardown action`);
      }
    }
    return report;
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
      case 'write-data':
        return this.writeData();
      case 'traffic':
        return action.state === 'start' ? this.startTraffic(action.rate, action.path) : this.stopTraffic();
      case 'step':
        this.openStep(action.from, action.to);
        return Promise.resolve();
      case 'read-data':
        return this.readStepData();
      case 'wait-alarms':
        return this.waitAlarms(action.prefix);
      case 'planned-outages':
        return this.findPlannedOutages(action.cluster, action.services);
      case 'end-step':
        return Promise.resolve(this.endStep());
      case 'report':
      case 'destroy':
        throw new Error(`${action.action} belongs to the teardown`);
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
        `the deploy of ${phase} left the system's stack in phase ${deployedPhase ?? '(no MigrationPhase output)'}`
      );
    }
    this.phase = phase;
    this.moving = undefined;
  }

  /** Writes the data check's data, and reads it back: it must read as expected before any step. */
  private async writeData(): Promise<void> {
    const check = this.requireCheck();
    const url = this.requireUrl();
    const { written, expected } = await this.interruptible(check.write(url, this.options.timeoutMs));
    this.written = written;
    this.expected = expected;
    const after = await this.interruptible(check.read(url, this.options.timeoutMs));
    const differ = dataDiffers(after, expected);
    if (differ.length > 0) {
      throw new StopRun(
        `the ${dataCheckWords(check.kind).noun} just written do not read back: ${differ.join(', ')}`
      );
    }
    this.deps.progress(
      `wrote the data check's data (${check.description}); read back ${JSON.stringify(after)}`
    );
  }

  private startTraffic(rate: number, path: string): Promise<void> {
    this.trafficPath = path;
    const url = new URL(path, this.requireUrl()).href;
    this.deps.progress(`traffic: ${rate} requests/s to ${url}`);
    this.traffic = new RehearsalTraffic(url, rate, this.options.timeoutMs, this.deps.progress, this.now);
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
    const counts = new StepCounts();
    this.open = { from, to, startedAt: this.now(), counts, outages: [] };
    if (this.traffic) this.traffic.step = counts;
    this.deps.progress(`step ${from} → ${to}`);
  }

  /**
   * Waits until none of the services' deployment alarms is in ALARM before a deploy: ECS does not
   * watch a deployment that starts while one of its alarms is in ALARM at all (no rollback on
   * alarm for its whole run), and one left by the previous step's errors would leave this step's
   * deployments unguarded. Warns while it waits; bounded: the step fails, naming the alarms, when
   * they do not clear.
   */
  private async waitAlarms(prefix: string): Promise<void> {
    const { pollMs, timeoutMs } = this.deps.alarmWait ?? ALARM_WAIT;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const firing = await this.interruptible(this.deps.aws.alarmsFiring(prefix));
      if (firing.length === 0) return;
      if (Date.now() >= deadline) {
        throw new StopRun(
          `deployment alarms still in ALARM after ${Math.round(timeoutMs / 1000)} s: ${firing.join(', ')}; ECS would not watch a deployment started now (see the dashboard)`
        );
      }
      this.deps.progress(
        `warning: deployment alarms in ALARM: ${firing.join(', ')}; ECS would not watch a deployment started now, so the deploy waits until they leave ALARM…`
      );
      await this.interruptible(new Promise((resolve) => setTimeout(resolve, pollMs).unref()));
    }
  }

  /**
   * The planned outages of the step's deploy, from what ECS says of each service's tasks (when
   * the old one began stopping, when a new one served): each span in which nothing served
   * becomes a window whose requests the window's bound judges instead of the error-rate gate.
   */
  private async findPlannedOutages(cluster: string, services: readonly PlannedOutage[]): Promise<void> {
    const open = this.open;
    if (!open) return;
    const to = this.now().getTime();
    for (const planned of services) {
      const tasks = await this.interruptible(this.deps.aws.serviceTasks(cluster, planned.service));
      const gaps = outageGaps(tasks, open.startedAt.getTime(), to);
      for (const window of countingWindows(gaps)) {
        open.outages.push({ ...planned, window });
        this.deps.progress(
          `planned outage of ${planned.service}: ${Math.round((window.end - window.start) / 1000)} s, from ${new Date(window.start).toISOString()} (as ECS reports it)`
        );
      }
    }
  }

  /** The data before a step's deploy, or once ECS is stable after it. */
  private async readStepData(): Promise<void> {
    const data = await this.interruptible(
      this.requireCheck().read(this.requireUrl(), this.options.timeoutMs)
    );
    const open = this.open;
    if (!open) return;
    if (open.dataBefore) open.dataAfter = data;
    else open.dataBefore = data;
  }

  /** The step is done: lost data (what was read after it is not what was expected) ends the run. */
  private endStep(): void {
    const open = this.open;
    if (!open) return;
    const check = this.deps.dataCheck;
    const differ = check && open.dataAfter && this.expected ? dataDiffers(open.dataAfter, this.expected) : [];
    const label = dataCheckWords(check?.kind ?? 'none').noun;
    this.closeStep(
      'done',
      differ.length > 0 ? `${label} changed: ${differ.join(', ')}` : undefined,
      open.dataAfter
    );
    // Lost data: the steps end here (the gate names the step).
    if (differ.length > 0) throw new StopRun(`${label} changed`, true);
  }

  private closeStep(outcome: StepRecord['outcome'], error?: string, dataAfter?: DataState): void {
    const open = this.open;
    if (!open) return;
    const endedAt = this.now();
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
      ...(open.dataBefore && { dataBefore: open.dataBefore }),
      ...(dataAfter && { dataAfter }),
      plannedOutages: this.outageRecords(open, endedAt),
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

  /**
   * The step's planned outages as the report records them, each within the step, with the
   * requests in flight during it.
   */
  private outageRecords(open: OpenStep, endedAt: Date): StepRecord['plannedOutages'] {
    const windows = open.outages.map(({ window }) => ({
      start: Math.max(window.start, open.startedAt.getTime()),
      end: Math.min(window.end, endedAt.getTime()),
    }));
    const counts = open.counts.inWindows(windows);
    return open.outages.map(({ service, reason }, i) => ({
      service,
      reason,
      startedAt: new Date(windows[i].start).toISOString(),
      endedAt: new Date(windows[i].end).toISOString(),
      startSecond: round(this.secondsAt(new Date(windows[i].start))),
      endSecond: round(this.secondsAt(new Date(windows[i].end))),
      ...counts[i],
    }));
  }

  private report(): RehearsalReport {
    const finalPhase = this.moving ?? this.phase;
    const report = {
      startedAt: (this.traffic?.startedAt ?? this.startedAt).toISOString(),
      endedAt: this.now().toISOString(),
      ...(this.options.stage !== undefined && { stage: this.options.stage }),
      ...(this.options.region !== undefined && { region: this.options.region }),
      context: this.options.context,
      traffic: {
        ...(this.appUrl !== undefined &&
          this.trafficPath !== undefined && {
            url: new URL(this.trafficPath, this.appUrl).href,
          }),
        rate: this.options.rate,
      },
      data: {
        check: this.deps.dataCheck?.kind ?? ('none' as const),
        description:
          this.deps.dataCheck?.description ??
          'none: the topology describes no dataCheck, so nothing checked that data survives the steps',
        ...(this.written && { written: this.written }),
        ...(this.expected && { expected: this.expected }),
      },
      ...(this.setupError !== undefined && { setupError: this.setupError }),
      steps: this.steps,
      timeline: [...this.timeline],
      total: (this.traffic?.total ?? new Counts()).snapshot(),
      ...(finalPhase && { finalPhase }),
      ...(this.interrupted && { interrupted: true }),
      ...(this.destroyed !== undefined && { destroyed: this.destroyed }),
    };
    const gate = {
      maxErrorRate: this.options.maxErrorRate,
      maxPlannedOutageSeconds: this.options.maxPlannedOutageSeconds,
    };
    return { ...report, gate, verdict: judge(report, gate) };
  }

  /** Seconds from the start of the run (the traffic's start) to `at`. */
  private secondsAt(at: Date): number {
    return this.traffic?.secondsAt(at) ?? 0;
  }

  private requireUrl(): string {
    if (!this.appUrl) throw new Error(`the system's stack has no ${SYSTEM_OUTPUTS.appUrl} output`);
    return this.appUrl;
  }

  private requireCheck(): DataCheck {
    if (!this.deps.dataCheck) throw new Error('the script reads data, but the topology has no data check');
    return this.deps.dataCheck;
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
