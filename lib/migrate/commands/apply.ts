import { GradualDeployment, gradualDeployment } from '../../aws/deployment-strategy';
import { CliIo } from '../../cli/cli-io';
import { formatDuration } from '../../cli/duration';
import { Topology } from '../../model/topology';
import { aliasesOf } from '../compare';
import { createHttpNamespace } from '../namespace';
import { PlanTarget, PlannedWave, isDone, planApply } from '../plan';
import { ScUpdate } from '../sc-files';
import { Session, applyFacts, liveServicesOf, planTarget } from '../session';
import { runAndReport } from './output';

/**
 * `apply`: reads the live system and checks it (task definitions, log groups) before the first
 * change; creates the namespace when it is named and missing; then the waves, servers first.
 */
export async function apply(session: Session): Promise<number> {
  const { clients, target, wait, progress } = session;
  const live = await liveServicesOf(session);
  const facts = await applyFacts(session, live);
  // resolveTarget lets a missing namespace through to apply only when --namespace named it.
  const namespace =
    target.namespace.id !== undefined
      ? target.namespace
      : await createHttpNamespace(clients.cloudMap, target.namespace.name, wait, progress);
  const waves = planApply(
    session.topology,
    { ...planTarget(session), namespace: namespace.arn },
    session.overrides,
    facts
  );
  return runAndReport(session, namespace, waves, 'Service Connect is on for every service');
}

/**
 * `plan`: what `apply` would do, read-only: the namespace it would create, per wave the revision
 * it would register and the UpdateService it would send, or that a service is already there.
 */
export async function plan(session: Session, json: boolean): Promise<number> {
  const { io, target } = session;
  const live = await liveServicesOf(session);
  const facts = await applyFacts(session, live);
  const planned = planTarget(session);
  const waves = planApply(session.topology, planned, session.overrides, facts);
  const ns = target.namespace;
  const rows = waves.map((wave) => ({
    services: wave.updates.map((u) => {
      const current = live.get(u.service.name)!;
      const done = ns.arn !== undefined && isDone(u, current, { name: ns.name, arn: ns.arn });
      const gradual = gradualDeployment(current.deploymentConfiguration);
      return {
        service: u.service.name,
        action: done ? 'nothing (already on)' : 'update',
        ...(gradual && { deployment: gradual }),
        ...(!done && u.register && { registerTaskDefinition: u.register }),
        ...(!done && { updateService: u.input }),
      };
    }),
    cycles: wave.cycles,
  }));
  if (json) {
    const namespace = {
      name: ns.name,
      exists: ns.id !== undefined,
      create: ns.id === undefined && ns.create,
    };
    io.stdout(
      `${JSON.stringify({ cluster: target.cluster, region: target.region, namespace, warnings: target.warnings, waves: rows }, null, 2)}\n`
    );
    return 0;
  }
  io.stdout(`${planText(target, waves, rows).join('\n')}\n`);
  return 0;
}

/** One service of the plan: what apply sends it, or that it is there already. */
interface PlanRow {
  readonly service: string;
  readonly action: string;
  readonly deployment?: GradualDeployment;
}

/** The plan for people: the namespace, then per wave each service's requests. */
function planText(
  target: Session['target'],
  waves: readonly PlannedWave[],
  rows: readonly { readonly services: readonly PlanRow[] }[]
): string[] {
  const ns = target.namespace;
  const lines = [
    `plan for cluster ${target.cluster} in ${target.region}: ${waves.length} wave(s), servers first`,
    ns.id !== undefined
      ? `namespace ${ns.name}: exists (${ns.id})`
      : ns.create
        ? `namespace ${ns.name}: does not exist, apply creates it (Cloud Map HTTP namespace)`
        : `namespace ${ns.name}: does not exist; apply creates it only when it is named: --namespace ${ns.name}`,
    ...target.warnings.map((w) => `warning: ${w}`),
  ];
  waves.forEach((wave, i) => {
    lines.push('', `wave ${i + 1}/${waves.length}: ${wave.updates.map((u) => u.service.name).join(', ')}`);
    for (const [k, u] of wave.updates.entries()) {
      const row = rows[i].services[k];
      if (row.action !== 'update') {
        lines.push(`  ${u.service.name}: already on with this configuration, nothing to send`);
        continue;
      }
      if (u.register) {
        const mapping = `port ${u.service.port} named '${u.service.portName}'${u.service.appProtocol ? `, appProtocol ${u.service.appProtocol}` : ''}`;
        lines.push(
          `  ${u.service.name}: RegisterTaskDefinition ${u.register.family} (a new revision: ${mapping}; nothing else changes)`
        );
      }
      const aliases = aliasesOf(u.input.serviceConnectConfiguration);
      lines.push(
        `  ${u.service.name}: UpdateService Service Connect on${aliases.length > 0 ? `, client alias ${aliases.join(', ')}` : ' (client only)'}${u.register ? ', on the new revision' : ''}`
      );
      if (row.deployment) lines.push(`  ${u.service.name}: ${gradualNote(row.deployment)}`);
    }
    const updated = new Set(rows[i].services.filter((r) => r.action === 'update').map((r) => r.service));
    // Members that are already on start no tasks, so none of them needs redeploying.
    for (const cycle of wave.cycles.filter((c) => c.some((name) => updated.has(name))))
      lines.push(
        `  then: redeploy the members of ${cycle.join(' ↔ ')} whose tasks started before another member's endpoint existed`
      );
  });
  const updates = rows.flatMap((r) => r.services).filter((s) => s.action === 'update').length;
  lines.push(
    '',
    updates === 0 && ns.id !== undefined
      ? 'nothing to change: every service already runs what apply would send'
      : `nothing was changed: run apply with the same options to do this (${updates} update(s))`
  );
  return lines;
}

/** What a gradual deployment means for apply, retire and rollback, in a sentence. */
function gradualNote(gradual: GradualDeployment): string {
  const hooks =
    gradual.hooks > 0
      ? `; its ${gradual.hooks} lifecycle hook(s) can hold a deployment longer than any bound`
      : '';
  return `ECS deploys it ${gradual.how}: every update of it (apply, retire, rollback) takes ${formatDuration(gradual.minutes * 60)} more than a rolling one, and waits --timeout plus that${hooks}`;
}

/** `apply --dry-run`: the requests for a system with Service Connect off, without any AWS call. */
export function dryRunApply(
  topology: Topology,
  overrides: readonly ScUpdate[],
  target: PlanTarget,
  io: CliIo,
  clusterGiven: boolean
): number {
  printDryRun(planApply(topology, target, overrides), io, topology, clusterGiven, [
    'Ports without a name need a new task definition revision, which only a live read can tell:',
    'plan shows them (read-only).',
  ]);
  return 0;
}

/** The dry run's requests, one JSON per line, after a note on stderr of what it cannot know. */
export function printDryRun(
  waves: readonly PlannedWave[],
  io: CliIo,
  topology: Topology,
  clusterGiven: boolean,
  extra: readonly string[] = []
): void {
  io.stderr(
    [
      'dry run: no AWS call was made. These are the requests for a system in the opposite state, in order;',
      'a real run skips services already in the target state, which a dry run cannot know, and waits for',
      `each wave to be stable before the next. Cluster ${clusterGiven ? 'from --cluster' : `'${topology.clusterName}' from the topology`} (the stack is not read).`,
      ...extra,
    ].join('\n') + '\n'
  );
  for (const update of waves.flatMap((w) => w.updates))
    io.stdout(`${JSON.stringify({ command: 'UpdateService', input: update.input })}\n`);
}
