import { DescribeServicesCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import {
  ServiceDiscoveryClient,
  ServiceSummary,
  paginateListServices,
} from '@aws-sdk/client-servicediscovery';

/**
 * Draining a Service Connect namespace before it is deleted: the Cloud Map services that ECS
 * creates when services join Service Connect are not CloudFormation resources, and a namespace
 * that still holds services cannot be deleted. Turning Service Connect off on the services makes
 * ECS remove them. Used by the stack's teardown custom resource and by `migrate cleanup`; needs
 * only the SDK.
 */
export interface DrainTarget {
  readonly cluster: string;
  readonly services: readonly string[];
  readonly namespaceId: string;
}

/**
 * Turns Service Connect off (`enabled: false`) on every listed service that has it on, as ECS
 * reports it (the PRIMARY deployment's configuration). Services or a cluster that no longer
 * exist are skipped, so that a retried teardown is fine. Returns the services it changed.
 */
export async function turnServiceConnectOff(ecs: ECSClient, target: DrainTarget): Promise<string[]> {
  if (target.services.length === 0) return [];
  let described;
  try {
    described = await ecs.send(
      new DescribeServicesCommand({ cluster: target.cluster, services: [...target.services] })
    );
  } catch (err) {
    if ((err as Error).name === 'ClusterNotFoundException') return [];
    throw err;
  }
  const changed: string[] = [];
  for (const service of described.services ?? []) {
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

/** The Cloud Map services in a namespace; none when the namespace is gone. */
export async function namespaceServices(
  cloudMap: ServiceDiscoveryClient,
  namespaceId: string
): Promise<ServiceSummary[]> {
  const services: ServiceSummary[] = [];
  const pages = paginateListServices(
    { client: cloudMap },
    { Filters: [{ Name: 'NAMESPACE_ID', Values: [namespaceId], Condition: 'EQ' }] }
  );
  try {
    for await (const page of pages) services.push(...(page.Services ?? []));
  } catch (err) {
    if ((err as Error).name === 'NamespaceNotFound') return [];
    throw err;
  }
  return services;
}
