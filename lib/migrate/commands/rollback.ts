import { CliIo } from '../../cli/cli-io';
import { Topology } from '../../model/topology';
import { planAttach } from '../old-path';
import { PlanTarget, planRollback } from '../plan';
import { waitForEndpointsGone } from '../run';
import { Session, liveServicesOf, ownEndpoints, planTarget, rollbackFacts } from '../session';
import { runAndReport } from './output';
import { printDryRun } from './apply';

/**
 * `rollback`: the old paths that retire detached are attached again first; then Service Connect
 * off, clients first, each service back on the task definition it had before apply named its
 * port; then ECS must have removed the services' endpoints from the namespace (those of services
 * outside the topology, which share it, are left alone).
 */
export async function rollback(session: Session): Promise<number> {
  const { clients, target, wait, progress, topology } = session;
  const namespace = target.namespace;
  if (namespace.id === undefined) throw new Error(`namespace ${namespace.name} does not exist`);
  const live = await liveServicesOf(session);
  const facts = await rollbackFacts(session, live);
  const attach = await planAttach(clients, topology, live, target.cluster);
  const waves = planRollback(topology, planTarget(session), { ...facts, attach });
  const endpoints = ownEndpoints(session, live.values());
  return runAndReport(session, namespace, waves, 'Service Connect is off for every service', () =>
    waitForEndpointsGone(clients, namespace, endpoints, wait, progress)
  );
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
