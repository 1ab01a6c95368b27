import { DescribeServicesCommand, ECSClient, Service, UpdateServiceCommand } from '@aws-sdk/client-ecs';

/**
 * The ECS operations that the migration CLI, discovery and the teardown Lambda share: only the SDK,
 * so that the Lambda bundles them and the CLIs start fast.
 */

/** The services of a cluster whose Service Connect is turned off, and the namespace that then drains. */
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
 * The services called `names` by name, 10 per DescribeServices call (the API's limit); a name ECS
 * does not know is left out. `undefined` when the cluster does not exist.
 */
export async function servicesByName(
  ecs: ECSClient,
  cluster: string,
  names: readonly string[]
): Promise<Map<string, Service> | undefined> {
  const described = await describeServices(ecs, cluster, names);
  return described && new Map(described.map((s) => [s.serviceName!, s]));
}
