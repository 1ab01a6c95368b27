import { CliIo } from '../../cli/cli-io';
import { formatDuration } from '../../cli/duration';
import { Topology } from '../../model/topology';
import { planAttach } from '../old-path';
import { PlanTarget, planRollback } from '../plan';
import { MigrationFailure, runWaves, waitForEmptyNamespace } from '../run';
import { Session, liveServicesOf, planTarget, rollbackFacts } from '../session';
import { outcomeTable } from './output';
import { reportFailure } from '../cli';
import { printDryRun } from './apply';

/**
 * `rollback`: the old paths that retire detached are attached again first; then Service Connect
 * off, clients first, each service back on the task definition it had before apply named its
 * port; then the namespace must empty (ECS removes the endpoints it created).
 */
export async function rollback(session: Session): Promise<number> {
  const { clients, io, target, wait, progress, topology } = session;
  const namespace = target.namespace;
  if (namespace.id === undefined) throw new Error(`namespace ${namespace.name} does not exist`);
  const live = await liveServicesOf(session);
  const facts = await rollbackFacts(session, live);
  const attach = await planAttach(clients.cloudMap, topology, live, target.cluster);
  const waves = planRollback(topology, planTarget(session), { ...facts, attach });
  const start = Date.now();
  try {
    const outcomes = await runWaves(clients, namespace, waves, wait, progress);
    await waitForEmptyNamespace(clients, namespace, wait, progress);
    io.stdout(`${outcomeTable(outcomes)}\n`);
    io.stdout(`Service Connect is off for every service (${formatDuration((Date.now() - start) / 1000)})\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof MigrationFailure)) throw err;
    return reportFailure(
      err,
      io,
      () => err.outcomes.length > 0 && io.stdout(`${outcomeTable(err.outcomes)}\n`)
    );
  }
}

/** `rollback --dry-run`: clients first, `enabled: false`, without any AWS call. */
export function dryRunRollback(
  topology: Topology,
  target: PlanTarget,
  io: CliIo,
  clusterGiven: boolean
): number {
  printDryRun(planRollback(topology, target), io, topology, clusterGiven, [
    'Old paths to attach again and task definitions to return to need a live read: a real run finds them.',
  ]);
  return 0;
}
