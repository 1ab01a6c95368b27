import { DescribeServicesCommand, ECSClient, Service, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import {
  DeregisterInstanceCommand,
  ServiceDiscoveryClient,
  ServiceSummary,
  paginateListInstances,
  paginateListServices,
} from '@aws-sdk/client-servicediscovery';

/**
 * Draining Cloud Map before CloudFormation deletes what holds registrations. Used by the stack's
 * teardown custom resources and by `migrate`; needs only the SDK.
 *
 * - A Service Connect namespace: the Cloud Map services that ECS creates when services join
 *   Service Connect are not CloudFormation resources, and a namespace that still holds services
 *   cannot be deleted. Turning Service Connect off on the services makes ECS remove them.
 * - A Cloud Map DNS service of the old path: it cannot be deleted while instances are registered
 *   (containers-roadmap#1746), and ECS may deregister the tasks of a service after CloudFormation
 *   has moved on to deleting it.
 */
export interface DrainTarget {
  readonly cluster: string;
  readonly services: readonly string[];
  readonly namespaceId: string;
}

/** ECS `DescribeServices` (and the waiters built on it) takes at most 10 services per call. */
export const DESCRIBE_SERVICES_LIMIT = 10;

/** `items` in consecutive batches of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const batches: T[][] = [];
  for (let i = 0; i < items.length; i += size) batches.push(items.slice(i, i + size));
  return batches;
}

/**
 * Describes any number of services, 10 per call. `undefined` when the cluster does not exist.
 * Services ECS does not know are left out (DescribeServices lists them as failures).
 */
export async function describeServices(
  ecs: ECSClient,
  cluster: string,
  services: readonly string[]
): Promise<Service[] | undefined> {
  const described: Service[] = [];
  try {
    for (const batch of chunks(services, DESCRIBE_SERVICES_LIMIT)) {
      const answer = await ecs.send(new DescribeServicesCommand({ cluster, services: batch }));
      described.push(...(answer.services ?? []));
    }
  } catch (err) {
    if ((err as Error).name === 'ClusterNotFoundException') return undefined;
    throw err;
  }
  return described;
}

/**
 * Turns Service Connect off (`enabled: false`) on every listed service that has it on, as ECS
 * reports it (the PRIMARY deployment's configuration). Services or a cluster that no longer
 * exist are skipped, so that a retried teardown is fine. Returns the services it changed.
 */
export async function turnServiceConnectOff(ecs: ECSClient, target: DrainTarget): Promise<string[]> {
  const described = await describeServices(ecs, target.cluster, target.services);
  const changed: string[] = [];
  for (const service of described ?? []) {
    if (service.status !== 'ACTIVE') continue;
    const primary = service.deployments?.find((d) => d.status === 'PRIMARY');
    if (primary?.serviceConnectConfiguration?.enabled !== true) continue;
    await ecs.send(
      new UpdateServiceCommand({
        cluster: target.cluster,
        service: service.serviceName,
        serviceConnectConfiguration: { enabled: false },
      })
    );
    changed.push(service.serviceName!);
  }
  return changed;
}

/**
 * The Cloud Map services in a namespace. Only a namespace that does not exist counts as empty;
 * every other error (access denied, throttling past the SDK's retries) is thrown, so that no
 * caller mistakes it for a drained namespace.
 */
export async function namespaceServices(
  cloudMap: ServiceDiscoveryClient,
  namespaceId: string
): Promise<ServiceSummary[]> {
  const pages = paginateListServices(
    { client: cloudMap },
    { Filters: [{ Name: 'NAMESPACE_ID', Values: [namespaceId], Condition: 'EQ' }] }
  );
  return allItems(pages, (page) => page.Services ?? [], 'NamespaceNotFound');
}

/**
 * IDs of the instances registered in a Cloud Map service. Only a service that does not exist
 * counts as empty; other errors are thrown.
 */
export async function serviceInstances(
  cloudMap: ServiceDiscoveryClient,
  serviceId: string
): Promise<string[]> {
  const pages = paginateListInstances({ client: cloudMap }, { ServiceId: serviceId });
  return allItems(pages, (page) => (page.Instances ?? []).map((i) => i.Id!), 'ServiceNotFound');
}

/** Every item of every page; none when the error named `notFound` says the container is gone. */
async function allItems<P, T>(
  pages: AsyncIterable<P>,
  items: (page: P) => T[],
  notFound: string
): Promise<T[]> {
  const all: T[] = [];
  try {
    for await (const page of pages) all.push(...items(page));
  } catch (err) {
    if ((err as Error).name === notFound) return [];
    throw err;
  }
  return all;
}

/**
 * Deregisters every instance still registered in a Cloud Map service (asynchronous in Cloud Map:
 * {@link serviceInstances} shows when they are gone). Only called once no task can still own
 * them: the ECS service that registered them has been updated without the registry, or deleted.
 * An instance that is already gone is skipped. Returns the instances it deregistered.
 */
export async function deregisterInstances(
  cloudMap: ServiceDiscoveryClient,
  serviceId: string
): Promise<string[]> {
  const deregistered: string[] = [];
  for (const instanceId of await serviceInstances(cloudMap, serviceId)) {
    try {
      await cloudMap.send(new DeregisterInstanceCommand({ ServiceId: serviceId, InstanceId: instanceId }));
      deregistered.push(instanceId);
    } catch (err) {
      if ((err as Error).name !== 'InstanceNotFound') throw err;
    }
  }
  return deregistered;
}
