import { turnServiceConnectOff } from '../../aws/ecs';
import { formatDuration } from '../../cli/duration';
import { waitForEndpointsGone } from '../run';
import { Session, ownEndpoints } from '../session';

/**
 * `cleanup`: what the stack's teardown custom resource does, for people who delete the stacks
 * (or the services) by other means. Every service with Service Connect on gets `enabled: false`
 * at once (the system is going away, so no order is needed: a rolling update without the
 * deployment alarms, whatever the strategy), then ECS must have removed their endpoints from the
 * namespace (those of services outside the topology are left alone).
 */
export async function cleanup(session: Session): Promise<number> {
  const { clients, target, topology, wait, progress, io } = session;
  const namespace = target.namespace;
  if (namespace.id === undefined) throw new Error(`namespace ${namespace.name} does not exist`);
  const start = Date.now();
  const { changed, endpoints } = await turnServiceConnectOff(clients.ecs, {
    cluster: target.cluster,
    services: topology.services.map((s) => s.name),
    namespaceId: namespace.id,
  });
  progress(
    changed.length > 0
      ? `Service Connect turned off: ${changed.join(', ')}`
      : 'Service Connect was already off everywhere'
  );
  const ours = new Set([...ownEndpoints(session, []), ...endpoints]);
  await waitForEndpointsGone(clients, namespace, ours, wait, progress);
  io.stdout(
    `namespace ${namespace.name} holds none of the services' endpoints: the stacks can be deleted (${formatDuration((Date.now() - start) / 1000)})\n`
  );
  return 0;
}
