import { contextOptions, parseCli } from '../cli/args';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { alarmsInAlarm } from '../aws/alarms';
import { errorMessage } from '../core/errors';
import { deploymentAlarmPrefix } from '../model/deployment';

import { parseConfig } from '../app/config';
import { cdkJsonContext } from '../contract/cdk-json';
import { MIGRATION_PHASES, MigrationPhase } from '../model/phase';
import { Topology } from '../model/topology';
import { oneOf } from '../core/validation';
import { CliIo, reportBadInput } from '../cli/cli-io';
import { MIGRATION_STEPS, StepPlan, cycleNotes, planIsSafe, planStep, planSteps } from './plan';
import { assemblyBaseline, deployedBaseline } from './sources';
import { renderPlan } from './render';
import { PhaseTemplates, synthesizePhases } from './synth-phases';

export const PLAN_USAGE = `usage: npm run plan -- [--from PHASE --to PHASE] [-c key=value ...] [--json]
       npm run plan -- --deployed [--region R] [-c key=value ...] [--json]
       npm run plan -- --baseline DIR [-c key=value ...] [--json]

Without --deployed or --baseline: synthesizes every phase offline and shows, for each step of
the migration and its rollback (${MIGRATION_STEPS.map(([f, t]) => `${f} → ${t}`).join(', ')}),
what CloudFormation will do: resources added, removed, updated or replaced, the properties that
change per ECS service, and the order in which the services are updated.

With --deployed: the same for the one deployment that \`cdk deploy\` with these -c flags would
make now, against the templates CloudFormation holds (GetTemplate for each stack of the app; a
stack that does not exist counts as new), and a warning for each of the cluster's deployment
alarms in ALARM now (ECS does not watch a deployment that starts while one of its alarms is in
ALARM). With --baseline DIR: against a cloud assembly kept from an earlier synth (a cdk.out
folder). Run it before every deploy.

options:
  --from PHASE, --to PHASE   one step only (phases: ${MIGRATION_PHASES.join(', ')})
  --deployed                 compare the synth with what is deployed (reads CloudFormation)
  --region R                 with --deployed: the region (else the SDK's: AWS_REGION, the profile)
  --stage NAME               the copy of the app (-c stage=NAME): its stacks and names
  --baseline DIR             compare the synth with the cloud assembly in DIR
  -c, --context key=value    context, as for cdk deploy (cdk.json's is always read)
  --json                     one JSON object on stdout
  -h, --help                 this text

exit codes: 0 every step is safe, 1 a step deletes or replaces a service, namespace, load
balancer, target group or storage, or is not safe as one deployment, 2 bad input`;

/** What the entry point gives: the topology, and things a test may replace. */
export interface PlanDeps {
  /** The system the app builds (resolved once, in bin/). */
  readonly topology: Topology;
  readonly synthesize?: (
    context: Record<string, unknown>,
    phases: readonly MigrationPhase[]
  ) => Map<MigrationPhase, PhaseTemplates>;
  /** The CloudFormation client for --deployed. */
  readonly cloudFormation?: (region?: string) => CloudFormationClient;
  /** The CloudWatch client for --deployed (the deployment alarms' states). */
  readonly cloudWatch?: (region?: string) => CloudWatchClient;
}

/** `npm run plan`: returns the exit code. */
export async function runPlanCli(argv: readonly string[], io: CliIo, deps: PlanDeps): Promise<number> {
  try {
    return await planCli(argv, io, deps);
  } catch (err) {
    const badInput = reportBadInput(err, io);
    if (badInput) return badInput;
    throw err;
  }
}

async function planCli(argv: readonly string[], io: CliIo, deps: PlanDeps): Promise<number> {
  const { values } = parseCli({
    args: [...argv],
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      deployed: { type: 'boolean', default: false },
      baseline: { type: 'string' },
      region: { type: 'string' },
      stage: { type: 'string' },
      context: { type: 'string', short: 'c', multiple: true, default: [] },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout(`${PLAN_USAGE}\n`);
    return 0;
  }
  const problems: string[] = [];
  const phaseArg = (name: 'from' | 'to') => {
    const value = values[name];
    if (value !== undefined && !(MIGRATION_PHASES as readonly string[]).includes(value)) {
      problems.push(`--${name} '${value}' is not a phase; allowed: ${oneOf(MIGRATION_PHASES)}`);
    }
    return value as MigrationPhase | undefined;
  };
  const from = phaseArg('from');
  const to = phaseArg('to');
  if ((from === undefined) !== (to === undefined)) problems.push('--from and --to go together');
  if (from !== undefined && from === to)
    problems.push(`--from and --to are both '${from}': a step goes from one phase to another`);
  const { context: userContext, problems: badPairs } = contextOptions(values.context);
  problems.push(...badPairs);
  const againstBaseline = values.deployed || values.baseline !== undefined;
  if (values.deployed && values.baseline !== undefined)
    problems.push('--deployed and --baseline: choose one');
  if (againstBaseline && from !== undefined)
    problems.push(
      '--from/--to plan the steps between phases; with --deployed or --baseline the phase comes from -c'
    );
  if (values.region !== undefined && !values.deployed) problems.push('--region goes with --deployed');
  if (!againstBaseline) {
    for (const key of ['serviceConnect', 'retireLegacy']) {
      if (key in userContext)
        problems.push(`-c ${key} is set by the plan for each phase; use --from and --to`);
    }
  }
  if (values.stage !== undefined) {
    if ('stage' in userContext) problems.push('--stage and -c stage: choose one');
    else userContext.stage = values.stage;
  }
  if (problems.length > 0) {
    for (const p of problems) io.stderr(`error: ${p}\n`);
    return 2;
  }
  const context = { ...cdkJsonContext(), ...userContext };
  // Bad context is refused before anything is synthesized; with --deployed or --baseline this is
  // also the phase that `cdk deploy` with these flags deploys.
  const config = parseConfig(context, deps.topology);
  const phase = config.phase;
  const withNotes = (plan: StepPlan): StepPlan => {
    const notes = [...(plan.notes ?? []), ...cycleNotes(config.topology, plan.from, plan.to)];
    return notes.length > 0 ? { ...plan, notes } : plan;
  };
  const synthesize =
    deps.synthesize ??
    ((c: Record<string, unknown>, phases: readonly MigrationPhase[]) =>
      synthesizePhases(deps.topology, c, phases));
  if (againstBaseline) {
    // A folder that is not a cloud assembly is refused before anything is synthesized.
    const kept = values.baseline !== undefined ? assemblyBaseline(values.baseline) : undefined;
    io.stderr(`synthesizing ${phase} offline…\n`);
    const current = synthesize(context, [phase]).get(phase)!;
    const baseline =
      kept ??
      (await deployedBaseline(
        (deps.cloudFormation ?? defaultCloudFormation)(values.region),
        Object.keys(current)
      ));
    const step = withNotes(planStep(baseline.phase ?? phase, phase, baseline.templates, current));
    const alarms = values.deployed
      ? await deploymentAlarmsNow(
          (deps.cloudWatch ?? defaultCloudWatch)(values.region),
          deploymentAlarmPrefix(config.topology.clusterName)
        )
      : undefined;
    const summary = `${baseline.source}: ${baseline.phase ? `phase ${baseline.phase}` : 'nothing deployed of the system (a first deployment)'}; this synth: phase ${phase}`;
    io.stdout(
      values.json
        ? `${JSON.stringify({ safe: planIsSafe([step]), deployedPhase: baseline.phase ?? null, synthPhase: phase, source: baseline.source, ...(alarms && { deploymentAlarms: alarms }), steps: [step] }, null, 2)}\n`
        : `${summary}\n${alarms?.warning ? `${alarms.warning}\n` : ''}${renderPlan([step])}\n`
    );
    return planIsSafe([step]) ? 0 : 1;
  }

  const steps = from && to ? [[from, to] as [MigrationPhase, MigrationPhase]] : MIGRATION_STEPS;
  const phases = MIGRATION_PHASES.filter((p) => steps.some((s) => s.includes(p)));
  io.stderr(`synthesizing ${phases.join(', ')} offline…\n`);
  const templates = synthesize(context, phases);
  const plans = planSteps(steps, templates).map(withNotes);
  io.stdout(
    values.json
      ? `${JSON.stringify({ safe: planIsSafe(plans), steps: plans }, null, 2)}\n`
      : `${renderPlan(plans)}\n`
  );
  return planIsSafe(plans) ? 0 : 1;
}

function defaultCloudFormation(region?: string): CloudFormationClient {
  return new CloudFormationClient(region ? { region } : {});
}

function defaultCloudWatch(region?: string): CloudWatchClient {
  return new CloudWatchClient(region ? { region } : {});
}

/** The deployment alarms in ALARM now, and the warning they call for (none when all are clear). */
interface AlarmsNow {
  readonly inAlarm: string[];
  /** Why they could not be read, if they could not. */
  readonly unread?: string;
  readonly warning?: string;
}

/**
 * The cluster's deployment alarms in ALARM: ECS does not watch a deployment that starts while
 * one of its alarms is in ALARM at all (no rollback on alarm for its whole run). A plan does not
 * fail on it: the alarms may clear before the deploy, and a read that is refused is said, not
 * taken for "all clear".
 */
async function deploymentAlarmsNow(cloudWatch: CloudWatchClient, prefix: string): Promise<AlarmsNow> {
  try {
    const inAlarm = await alarmsInAlarm(cloudWatch, prefix);
    if (inAlarm.length === 0) return { inAlarm };
    return {
      inAlarm,
      warning: `warning: deployment alarms in ALARM now: ${inAlarm.join(', ')}. ECS does not watch a deployment that starts while one of its alarms is in ALARM (no rollback on alarm for its whole run): deploy once they are OK.`,
    };
  } catch (err) {
    const unread = errorMessage(err);
    return {
      inAlarm: [],
      unread,
      warning: `warning: the deployment alarms (${prefix}*) could not be read (${unread}): check that none is in ALARM before you deploy; ECS does not watch a deployment that starts with one in ALARM.`,
    };
  }
}
