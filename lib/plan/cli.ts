import { parseArgs } from 'util';
import { cdkJsonContext } from '../cdk-json';
import { MIGRATION_PHASES, MigrationPhase } from '../model/phase';
import { oneOf } from '../validation';
import { CliIo, reportBadInput } from '../cli-io';
import { MIGRATION_STEPS, planIsSafe, planSteps } from './plan';
import { renderPlan } from './render';
import { PhaseTemplates, synthesizePhases } from './synth-phases';

export const PLAN_USAGE = `usage: npm run plan -- [--from PHASE --to PHASE] [-c key=value ...] [--json]

Synthesizes every phase offline and shows, for each step of the migration and its rollback
(${MIGRATION_STEPS.map(([f, t]) => `${f} → ${t}`).join(', ')}),
what CloudFormation will do: resources added, removed, updated or replaced, the properties that
change per ECS service, and the order in which the services are updated.

options:
  --from PHASE, --to PHASE   one step only (phases: ${MIGRATION_PHASES.join(', ')})
  -c, --context key=value    context, as for cdk deploy (cdk.json's is always read)
  --json                     one JSON object on stdout
  -h, --help                 this text

exit codes: 0 every step is safe, 1 a step replaces a service, namespace, load balancer,
target group or storage, or is not safe as one deployment, 2 bad input`;

/** Things a test may replace. */
export interface PlanDeps {
  readonly synthesize?: (
    context: Record<string, unknown>,
    phases: readonly MigrationPhase[]
  ) => Map<MigrationPhase, PhaseTemplates>;
}

/** `npm run plan`: returns the exit code. Synchronous work, behind the same signature as the other CLIs. */
export function runPlanCli(argv: readonly string[], io: CliIo, deps: PlanDeps = {}): Promise<number> {
  return Promise.resolve(planCli(argv, io, deps));
}

function planCli(argv: readonly string[], io: CliIo, deps: PlanDeps): number {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        context: { type: 'string', short: 'c', multiple: true, default: [] },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    io.stderr(`error: ${(err as Error).message.split('\n')[0]} (see --help)\n`);
    return 2;
  }
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
  const userContext: Record<string, string> = {};
  for (const pair of values.context) {
    const eq = pair.indexOf('=');
    if (eq <= 0) problems.push(`-c '${pair}' is not key=value`);
    else userContext[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  for (const key of ['serviceConnect', 'retireLegacy']) {
    if (key in userContext) problems.push(`-c ${key} is set by the plan for each phase; use --from and --to`);
  }
  if (problems.length > 0) {
    for (const p of problems) io.stderr(`error: ${p}\n`);
    return 2;
  }

  const steps = from && to ? [[from, to] as [MigrationPhase, MigrationPhase]] : MIGRATION_STEPS;
  const phases = MIGRATION_PHASES.filter((p) => steps.some((s) => s.includes(p)));
  let templates: Map<MigrationPhase, PhaseTemplates>;
  try {
    io.stderr(`synthesizing ${phases.join(', ')} offline…\n`);
    templates = (deps.synthesize ?? synthesizePhases)({ ...cdkJsonContext(), ...userContext }, phases);
  } catch (err) {
    const badInput = reportBadInput(err, io);
    if (badInput) return badInput;
    throw err;
  }
  const plans = planSteps(steps, templates);
  io.stdout(
    values.json
      ? `${JSON.stringify({ safe: planIsSafe(plans), steps: plans }, null, 2)}\n`
      : `${renderPlan(plans)}\n`
  );
  return planIsSafe(plans) ? 0 : 1;
}
