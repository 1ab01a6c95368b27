import { AppConfig, parseConfig } from '../app/config';
import { cdkJsonContext } from '../contract/cdk-json';
import { MIGRATION_PHASES, MigrationPhase, phaseContext } from '../model/phase';
import { Topology, trafficPathOf } from '../model/topology';
import { StepPlan, planIsSafe, planStep } from '../plan/plan';
import { blockedBecause } from '../plan/render';
import { DataCheck, dataCheckOf } from './data-check';
import { deploymentAlarmPrefix, taskReplacement } from '../model/deployment';
import { PhaseTemplates } from '../plan/synth-phases';

/** What the user asked for (`npm run rehearse -- …`), validated. */
export interface RehearsalOptions {
  readonly stage?: string;
  readonly region?: string;
  /** The phase to deploy first and step on from (default discovery). */
  readonly start: MigrationPhase;
  /** After the migration, step back to discovery. */
  readonly rollback: boolean;
  /** Delete the stacks at the end (also after a failed gate). */
  readonly destroy: boolean;
  /** Requests per second of the traffic, for the whole run. */
  readonly rate: number;
  /** Yelb's data check: votes cast after the first deploy, spread over the restaurants. */
  readonly votes: number;
  /** Per request of the traffic and of the votes. */
  readonly timeoutMs: number;
  readonly maxErrorRate: number;
  /** How long each planned outage (a service's restart that the model plans) may last, in seconds. */
  readonly maxPlannedOutageSeconds: number;
  readonly out: string;
  /** The user's `-c` context (the phase flags are the rehearsal's). */
  readonly context: Readonly<Record<string, string>>;
}

/** The stack names, cluster and ECS services the rehearsal works on, from the model. */
export interface RehearsalTarget {
  readonly stacks: AppConfig['stackNames'];
  readonly cluster: string;
  readonly services: readonly string[];
  /** Where the traffic goes through the public entry: its trafficPath. */
  readonly trafficPath: string;
  /** The system's data check, if its topology describes one. */
  readonly dataCheck?: DataCheck;
  /** The prefix of the services' deployment alarms (`yelb-cluster-deploy-`). */
  readonly alarmPrefix: string;
  /** The services whose tasks are replaced with a planned outage, and why (the model's `taskReplacement`). */
  readonly plannedOutages: readonly PlannedOutage[];
}

/** A service whose deployments are a planned outage of its callers. */
export interface PlannedOutage {
  readonly service: string;
  readonly reason: string;
}

/** One thing the rehearsal does; the dry run prints each as a JSON line. */
export type RehearsalAction =
  | { readonly action: 'check-deployed'; readonly expect: MigrationPhase; readonly stacks: readonly string[] }
  | { readonly action: 'deploy'; readonly phase: MigrationPhase; readonly context: Record<string, string> }
  | { readonly action: 'wait-stable'; readonly cluster: string; readonly services: readonly string[] }
  | {
      readonly action: 'write-data';
      readonly check: DataCheck['kind'];
      readonly description: string;
    }
  | { readonly action: 'traffic'; readonly state: 'start'; readonly rate: number; readonly path: string }
  | { readonly action: 'traffic'; readonly state: 'stop' }
  | { readonly action: 'step'; readonly from: MigrationPhase; readonly to: MigrationPhase }
  | {
      readonly action: 'plan';
      readonly from: MigrationPhase;
      readonly to: MigrationPhase;
      readonly safe: boolean;
      readonly blockers: readonly string[];
    }
  | { readonly action: 'read-data' }
  | { readonly action: 'wait-alarms'; readonly prefix: string }
  | {
      readonly action: 'planned-outages';
      readonly cluster: string;
      readonly services: readonly PlannedOutage[];
    }
  | { readonly action: 'end-step' }
  | { readonly action: 'report'; readonly out: string }
  | { readonly action: 'destroy'; readonly stacks: readonly string[] };

/**
 * A rehearsal, as it runs and as its dry run prints it: the setup, the steps, and the teardown,
 * which runs whatever happened before (the traffic stops; with --destroy the stacks go, unless
 * Ctrl-C stopped the run or nothing was deployed; the report is written).
 */
export interface RehearsalScript {
  readonly setup: readonly RehearsalAction[];
  readonly steps: readonly (readonly RehearsalAction[])[];
  readonly teardown: readonly RehearsalAction[];
}

/** The script's actions in the order they run, each with its part: what the dry run prints. */
export function scriptLines(
  script: RehearsalScript
): ({ part: 'setup' | 'step' | 'teardown' } & RehearsalAction)[] {
  return [
    ...script.setup.map((a) => ({ part: 'setup' as const, ...a })),
    ...script.steps.flatMap((step) => step.map((a) => ({ part: 'step' as const, ...a }))),
    ...script.teardown.map((a) => ({ part: 'teardown' as const, ...a })),
  ];
}

/** The steps from `start`: forward to the last phase, and with `rollback` back to the first. */
export function rehearsalSteps(start: MigrationPhase, rollback: boolean): [MigrationPhase, MigrationPhase][] {
  const forward = MIGRATION_PHASES.slice(MIGRATION_PHASES.indexOf(start));
  const path = rollback ? [...forward, ...[...MIGRATION_PHASES].reverse().slice(1)] : forward;
  return path.slice(1).map((to, i) => [path[i], to]);
}

/** The phases whose templates the plan checks need (the start phase is the first step's). */
export function phasesOf(steps: readonly [MigrationPhase, MigrationPhase][]): MigrationPhase[] {
  return MIGRATION_PHASES.filter((p) => steps.some((s) => s.includes(p)));
}

/** The context that `cdk deploy` of `phase` gets: the user's, the stage, the phase flags. */
export function deployContext(options: RehearsalOptions, phase: MigrationPhase): Record<string, string> {
  return {
    ...options.context,
    ...(options.stage !== undefined && { stage: options.stage }),
    ...phaseContext(phase),
  };
}

/** The stacks, cluster, services and data check of the app with the user's context (bad context is refused here). */
export function rehearsalTarget(
  options: RehearsalOptions,
  topology: Topology,
  token = 'rehearsal'
): RehearsalTarget {
  const config = parseConfig({ ...cdkJsonContext(), ...deployContext(options, options.start) }, topology);
  const dataCheck = dataCheckOf(config.topology, { votes: options.votes, token });
  return {
    stacks: config.stackNames,
    cluster: config.topology.clusterName,
    services: config.topology.services.map((s) => s.name),
    trafficPath: trafficPathOf(config.topology),
    alarmPrefix: deploymentAlarmPrefix(config.topology.clusterName),
    plannedOutages: config.topology.services.flatMap((s) => {
      const reason = taskReplacement(s).plannedOutage;
      return reason ? [{ service: s.name, reason }] : [];
    }),
    ...(dataCheck && { dataCheck }),
  };
}

/** Each step's plan, from the phases' templates (the same verdict as `npm run plan`). */
export function stepPlans(
  steps: readonly [MigrationPhase, MigrationPhase][],
  templates: ReadonlyMap<MigrationPhase, PhaseTemplates>
): StepPlan[] {
  return steps.map(([from, to]) => planStep(from, to, templates.get(from)!, templates.get(to)!));
}

/** The plan's verdict as the rehearsal records it: safe, or what blocks the step. */
export function verdictOf(plan: StepPlan): { safe: boolean; blockers: string[] } {
  const blockers = plan.blockers.map((b) => `${b.stack} ${b.logicalId} (${b.type}) ${blockedBecause(b)}`);
  if (plan.unsafe) blockers.push(plan.unsafe.reason);
  return { safe: planIsSafe([plan]), blockers };
}

/**
 * Every action of a rehearsal, in order: what the run does and what the dry run prints. The
 * setup (check what is deployed, wait for the deployment alarms, deploy the start phase, wait,
 * write the data check's data, the traffic on), per step its plan, the wait for the alarms, data
 * read, deploy, wait, the planned outages ECS reports, data read again, and the teardown (traffic
 * off, destroy if asked, the report).
 */
export function rehearsalScript(
  options: RehearsalOptions,
  target: RehearsalTarget,
  plans: readonly StepPlan[]
): RehearsalScript {
  const stacks = [target.stacks.network, target.stacks.system, target.stacks.loadTest];
  const wait: RehearsalAction = { action: 'wait-stable', cluster: target.cluster, services: target.services };
  const check = target.dataCheck;
  const read: RehearsalAction[] = check ? [{ action: 'read-data' }] : [];
  // A deployment that starts while one of its alarms is in ALARM is not watched by ECS at all.
  const alarms: RehearsalAction = { action: 'wait-alarms', prefix: target.alarmPrefix };
  const outages: RehearsalAction[] =
    target.plannedOutages.length > 0
      ? [{ action: 'planned-outages', cluster: target.cluster, services: target.plannedOutages }]
      : [];
  return {
    setup: [
      { action: 'check-deployed', expect: options.start, stacks },
      alarms,
      { action: 'deploy', phase: options.start, context: deployContext(options, options.start) },
      wait,
      ...(check
        ? [{ action: 'write-data', check: check.kind, description: check.description } as const]
        : []),
      { action: 'traffic', state: 'start', rate: options.rate, path: target.trafficPath },
    ],
    steps: plans.map((plan): RehearsalAction[] => [
      { action: 'step', from: plan.from, to: plan.to },
      { action: 'plan', from: plan.from, to: plan.to, ...verdictOf(plan) },
      // The previous step's errors may still hold an alarm in ALARM: this step's deployments would go unwatched.
      alarms,
      ...read,
      { action: 'deploy', phase: plan.to, context: deployContext(options, plan.to) },
      wait,
      ...outages,
      ...read,
      { action: 'end-step' },
    ]),
    teardown: [
      { action: 'traffic', state: 'stop' },
      ...(options.destroy ? [{ action: 'destroy', stacks } as const] : []),
      { action: 'report', out: options.out },
    ],
  };
}
