import {
  DeploymentConfiguration,
  DescribeServiceRevisionsCommand,
  DescribeServicesCommand,
  ECSClient,
  ListServiceDeploymentsCommand,
  LoadBalancer,
  Service,
  ServiceDeploymentBrief,
  ServiceRevision,
  ServiceField,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';

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
 * Describes any number of services, 10 per call (with their tags when `include` says `TAGS`).
 * `undefined` when the cluster does not exist.
 * Services ECS does not know are left out (DescribeServices lists them as failures).
 */
export async function describeServices(
  ecs: ECSClient,
  cluster: string,
  services: readonly string[],
  include?: ServiceField[]
): Promise<Service[] | undefined> {
  const described: Service[] = [];
  try {
    for (const batch of chunks(services, DESCRIBE_SERVICES_LIMIT)) {
      const answer = await ecs.send(new DescribeServicesCommand({ cluster, services: batch, include }));
      described.push(...(answer.services ?? []));
    }
  } catch (err) {
    if ((err as Error).name === 'ClusterNotFoundException') return undefined;
    throw err;
  }
  return described;
}

/** What {@link turnServiceConnectOff} did and found. */
export interface TurnedOff {
  /** The services it sent `enabled: false`. */
  readonly changed: string[];
  /**
   * The discovery names of the endpoints the services had in the namespace, in any deployment
   * ECS still lists (the PRIMARY and those draining): what ECS removes from the namespace next.
   */
  readonly endpoints: string[];
}

/**
 * Turns Service Connect off (`enabled: false`) on every listed service that has it on, as ECS
 * reports it (the PRIMARY deployment's configuration). Services or a cluster that no longer
 * exist are skipped, so that a retried teardown is fine.
 *
 * The system is going away, so the update runs as a plain rolling deployment without its
 * deployment alarms ({@link teardownDeployment}): under a blue/green, linear or canary
 * strategy it would take the strategy's bake and steps (a linear deployment with ECS's defaults
 * takes about an hour), and an alarm that goes off while the system is torn down would roll
 * Service Connect back on.
 */
export async function turnServiceConnectOff(ecs: ECSClient, target: DrainTarget): Promise<TurnedOff> {
  const described = (await describeServices(ecs, target.cluster, target.services)) ?? [];
  const changed: string[] = [];
  for (const service of described) {
    if (service.status !== 'ACTIVE') continue;
    const primary = service.deployments?.find((d) => d.status === 'PRIMARY');
    if (primary?.serviceConnectConfiguration?.enabled !== true) continue;
    await ecs.send(
      new UpdateServiceCommand({
        cluster: target.cluster,
        service: service.serviceName,
        serviceConnectConfiguration: { enabled: false },
        deploymentConfiguration: teardownDeployment(service),
      })
    );
    changed.push(service.serviceName!);
  }
  const endpoints = described.flatMap((s) => serviceConnectEndpoints(s, target.namespaceId));
  return { changed, endpoints: [...new Set(endpoints)].sort() };
}

/**
 * The deployment configuration of a teardown's update: `ROLLING` (stated: an absent strategy
 * means "unchanged" to ECS), and the service's deployment alarms disabled (`alarmNames` is
 * required; the service's own are kept, so that the update changes nothing else).
 */
export function teardownDeployment(service: Service): DeploymentConfiguration {
  return {
    strategy: 'ROLLING',
    alarms: {
      alarmNames: service.deploymentConfiguration?.alarms?.alarmNames ?? [],
      enable: false,
      rollback: false,
    },
  };
}

/**
 * The discovery names of the Service Connect endpoints `service` has in a namespace (by its ID,
 * the end of the ARN ECS reports), in any deployment ECS still lists: the PRIMARY one, and older
 * ones whose tasks still run. A configuration without `discoveryName` names its endpoint after
 * the port, as ECS does.
 */
export function serviceConnectEndpoints(service: Service, namespaceId: string): string[] {
  return (service.deployments ?? []).flatMap((d) => {
    const config = d.serviceConnectConfiguration;
    const namespace = config?.namespace ?? '';
    if (config?.enabled !== true || !(namespace === namespaceId || namespace.endsWith(`/${namespaceId}`)))
      return [];
    return (config.services ?? []).map((s) => s.discoveryName ?? s.portName!);
  });
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

/** Whether a load balancer attachment refers to a target group, as the production or the alternate one. */
export function refersTo(attachment: LoadBalancer, targetGroupArn: string): boolean {
  return (
    attachment.targetGroupArn === targetGroupArn ||
    attachment.advancedConfiguration?.alternateTargetGroupArn === targetGroupArn
  );
}

/** ECS `DescribeServiceRevisions` takes at most 20 revisions per call. */
const DESCRIBE_REVISIONS_LIMIT = 20;

/**
 * The latest load balancer attachment of a service that referred to `targetGroupArn`, as its
 * service revisions recorded it (with the `advancedConfiguration` a blue/green, linear or canary
 * deployment needs: the alternate target group, the listener rules and the role), from the
 * deployments ECS keeps (those of the last 90 days). Undefined when none did. Read-only.
 */
export async function latestAttachment(
  ecs: ECSClient,
  cluster: string,
  service: string,
  targetGroupArn: string
): Promise<LoadBalancer | undefined> {
  const revision = await latestRevision(ecs, cluster, service, (r) =>
    (r.loadBalancers ?? []).some((lb) => refersTo(lb, targetGroupArn))
  );
  return revision?.loadBalancers?.find((lb) => refersTo(lb, targetGroupArn));
}

/**
 * The newest of a service's revisions (what each of its deployments deployed: task definition,
 * load balancers, registries, Service Connect) that `matches`, from the deployments ECS keeps
 * (those of the last 90 days), read newest first and no further than needed. Read-only.
 */
export async function latestRevision(
  ecs: ECSClient,
  cluster: string,
  service: string,
  matches: (revision: ServiceRevision) => boolean
): Promise<ServiceRevision | undefined> {
  const deployments: ServiceDeploymentBrief[] = [];
  let nextToken: string | undefined;
  // ListServiceDeployments has no paginator in the SDK.
  do {
    const page = await ecs.send(
      new ListServiceDeploymentsCommand({ cluster, service, nextToken, maxResults: 100 })
    );
    deployments.push(...(page.serviceDeployments ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  const revisions = deployments
    .sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0))
    .map((d) => d.targetServiceRevisionArn)
    .filter((arn): arn is string => arn !== undefined);
  for (const batch of chunks([...new Set(revisions)], DESCRIBE_REVISIONS_LIMIT)) {
    const { serviceRevisions } = await ecs.send(
      new DescribeServiceRevisionsCommand({ serviceRevisionArns: batch })
    );
    const byArn = new Map((serviceRevisions ?? []).map((r) => [r.serviceRevisionArn, r]));
    const found = batch.map((arn) => byArn.get(arn)).find((r) => r !== undefined && matches(r));
    if (found) return found;
  }
  return undefined;
}
