import {
  DeregisterInstanceCommand,
  ServiceDiscoveryClient,
  ServiceSummary,
  paginateListInstances,
  paginateListServices,
} from '@aws-sdk/client-servicediscovery';

/**
 * The Cloud Map operations that the migration CLI, discovery and the teardown Lambda share:
 * draining a namespace or a DNS service before CloudFormation deletes it. A Service Connect
 * namespace holds Cloud Map services that ECS creates (not CloudFormation resources), and cannot
 * be deleted while it does; a Cloud Map DNS service of the old path cannot be deleted while
 * instances are registered (containers-roadmap#1746).
 */

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
