import {
  DescribeClustersCommand,
  DescribeTaskDefinitionCommand,
  Service as EcsService,
  TaskDefinition,
  paginateListServices,
} from '@aws-sdk/client-ecs';
import {
  DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  Listener,
  LoadBalancer,
  Rule,
  TargetGroup,
  paginateDescribeListeners,
  paginateDescribeRules,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  GetHostedZoneCommand,
  ListHostedZonesByVPCCommand,
  ListResourceRecordSetsCommand,
  ListResourceRecordSetsCommandOutput,
  VPCRegion,
} from '@aws-sdk/client-route-53';
import {
  GetNamespaceCommand,
  GetServiceCommand,
  InstanceSummary,
  Namespace,
  ServiceSummary,
  paginateListInstances,
} from '@aws-sdk/client-servicediscovery';
import { AwsClients } from '../aws/clients';
import { namespaceServices } from '../aws/cloud-map';
import { chunks, describeServices, latestRevision } from '../aws/ecs';
import { mapLimit } from '../core/concurrency';
import { ValidationError } from '../core/validation';
import { readOwners } from './owners-read';
import {
  ClusterSnapshot,
  DetachedPath,
  RegistryService,
  ServiceConnectNamespace,
  ZoneRecord,
  primaryServiceConnect,
} from './snapshot';

/** DescribeTargetGroups and DescribeLoadBalancers take at most 20 ARNs per call. */
const ELB_ARNS_PER_CALL = 20;
/** How the SDK names Elastic Load Balancing's TargetGroupNotFound (the modelled exception; its code, should it not map). */
const TARGET_GROUP_NOT_FOUND = ['TargetGroupNotFoundException', 'TargetGroupNotFound'];
/** How often a long step reports its progress. */
const PROGRESS_EVERY = 25;
/**
 * Read calls in flight at once, per step. Independent reads (a task definition, a Cloud Map
 * service's instances) need not wait for each other; five stays well under the APIs' request
 * rates, and the SDK retries what is throttled.
 */
export const READ_CONCURRENCY = 5;

/** Where reading reports progress (stderr in the CLI). */
export type Progress = (line: string) => void;

/**
 * Reads a live cluster, read-only, at close to the fewest calls: its services (DescribeServices
 * 10 at a time, their answers kept whole, deployments included), their task definitions, the
 * Cloud Map namespaces they register in with every name of them (the instances only of names
 * another registered), the target groups they are attached to with their load balancers,
 * listeners and rules, and the alias records of the private hosted zones of the load balancers'
 * VPCs, and the CloudFormation stacks that own the services (owners-read.ts). Every list is read with the SDK's paginators (or the API's own paging where the SDK has
 * no paginator: Route 53's record sets and zones by VPC). No call changes anything.
 *
 * @throws ValidationError when the cluster does not exist.
 */
export async function readCluster(
  clients: AwsClients,
  region: string,
  cluster: string,
  progress: Progress
): Promise<ClusterSnapshot> {
  const { clusters } = await clients.ecs.send(new DescribeClustersCommand({ clusters: [cluster] }));
  const found = clusters?.find((c) => c.status === 'ACTIVE');
  if (!found)
    throw new ValidationError([`cluster '${cluster}' does not exist in ${region} (or is not ACTIVE)`]);

  const services = await readServices(clients, cluster, progress);
  const taskDefinitions = await readTaskDefinitions(clients, services, progress);
  const detached = await readDetachedPaths(clients, cluster, services, progress);
  const cloudMap = await readCloudMap(clients, services, detached, progress);
  const serviceConnectNamespaces = await readServiceConnectNamespaces(clients, services, progress);
  // Load balancers and Route 53 are read if allowed: a team may migrate without those rights.
  const unread: string[] = [];
  const elb = await ifAllowed(
    () => readLoadBalancers(clients, services, detached, progress),
    { targetGroups: [], loadBalancers: [], idleTimeouts: new Map(), listeners: [], rules: new Map() },
    'Elastic Load Balancing',
    unread,
    progress
  );
  const cloudMapZones = new Set(
    [...cloudMap.namespaces.values()].flatMap((ns) => ns.Properties?.DnsProperties?.HostedZoneId ?? [])
  );
  const records = await ifAllowed(
    () => readAliasRecords(clients, region, elb.loadBalancers, cloudMapZones, progress),
    [],
    'Route 53',
    unread,
    progress
  );
  const owners = await ifAllowed(
    () => readOwners(clients, services, internalTargetGroups(elb, unread), progress),
    undefined,
    'CloudFormation',
    unread,
    progress
  );
  const defaultNamespace = found.serviceConnectDefaults?.namespace
    ? await namespaceName(clients, found.serviceConnectDefaults.namespace)
    : undefined;
  return {
    region,
    cluster,
    defaultNamespace,
    services,
    taskDefinitions,
    ...cloudMap,
    ...elb,
    records,
    ...(owners && { owners }),
    unread,
    serviceConnectNamespaces,
    detached,
  };
}

/** The target groups of internal load balancers; undefined when the load balancers could not be read. */
function internalTargetGroups(
  elb: Pick<ClusterSnapshot, 'targetGroups' | 'loadBalancers'>,
  unread: readonly string[]
): Set<string> | undefined {
  if (unread.some((u) => u.startsWith('Elastic Load Balancing'))) return undefined;
  const internal = new Set(
    elb.loadBalancers.filter((lb) => lb.Scheme === 'internal').map((lb) => lb.LoadBalancerArn)
  );
  return new Set(
    elb.targetGroups
      .filter((tg) => (tg.LoadBalancerArns ?? []).some((a) => internal.has(a)))
      .map((tg) => tg.TargetGroupArn!)
  );
}

/** Access denied, as the SDK names it for the APIs read here. */
const DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation']);

/**
 * `read()`, or `none` when the caller may not read it (access denied): what was not read is
 * recorded (with the error) and becomes a finding. Other errors are thrown.
 */
async function ifAllowed<T>(
  read: () => Promise<T>,
  none: T,
  what: string,
  unread: string[],
  progress: Progress
): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (!DENIED.has((err as Error).name)) throw err;
    unread.push(`${what}: ${(err as Error).message}`);
    progress(`${what}: not read (access denied)`);
    return none;
  }
}

async function readServices(clients: AwsClients, cluster: string, progress: Progress): Promise<EcsService[]> {
  const arns: string[] = [];
  for await (const page of paginateListServices({ client: clients.ecs }, { cluster, maxResults: 100 }))
    arns.push(...(page.serviceArns ?? []));
  progress(`ECS: ${arns.length} service(s) in ${cluster}`);
  const services: EcsService[] = [];
  for (const batch of chunks(arns, PROGRESS_EVERY * 2)) {
    services.push(...((await describeServices(clients.ecs, cluster, batch, ['TAGS'])) ?? []));
    if (arns.length > PROGRESS_EVERY) progress(`ECS: described ${services.length}/${arns.length} services`);
  }
  return services.filter((s) => s.status === 'ACTIVE');
}

async function readTaskDefinitions(
  clients: AwsClients,
  services: readonly EcsService[],
  progress: Progress
): Promise<Map<string, TaskDefinition>> {
  const arns = unique(services.map((s) => s.taskDefinition));
  const taskDefinitions = new Map<string, TaskDefinition>();
  await mapLimit(arns, READ_CONCURRENCY, async (arn) => {
    const { taskDefinition } = await clients.ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: arn })
    );
    if (taskDefinition) taskDefinitions.set(arn, taskDefinition);
    if (taskDefinitions.size % PROGRESS_EVERY === 0)
      progress(`ECS: read ${taskDefinitions.size}/${arns.length} task definitions`);
  });
  progress(`ECS: ${taskDefinitions.size} task definition(s)`);
  return taskDefinitions;
}

/**
 * The Cloud Map side, at the fewest calls: `GetService` of one registry per namespace (to learn
 * the namespace), `GetNamespace`, and the namespace's `ListServices`, whose summaries say the
 * name of every other registry in it and how many instances each has. Instances are listed only
 * for the names no service of the cluster registers and that have some (who registered them).
 */
async function readCloudMap(
  clients: AwsClients,
  services: readonly EcsService[],
  detached: ReadonlyMap<string, DetachedPath>,
  progress: Progress
): Promise<Pick<ClusterSnapshot, 'registries' | 'namespaces' | 'namespaceServices' | 'instances'>> {
  const registryArns = unique([
    ...services.flatMap((s) => (s.serviceRegistries ?? []).map((r) => r.registryArn)),
    ...[...detached.values()].flatMap((d) => d.registryArns),
  ]);
  const registries = new Map<string, RegistryService>();
  const namespaces = new Map<string, Namespace>();
  const byNamespace = new Map<string, ServiceSummary[]>();
  for (const arn of registryArns) {
    if (registries.has(arn)) continue;
    // A detached old path may have been deleted since: it is then not found, and not guessed.
    const Service = await unlessGone(
      async () => (await clients.cloudMap.send(new GetServiceCommand({ Id: resourceId(arn) }))).Service,
      'ServiceNotFound'
    );
    if (!Service?.NamespaceId) continue;
    if (!byNamespace.has(Service.NamespaceId)) {
      const { namespace, summaries } = await readNamespace(clients, Service.NamespaceId);
      if (namespace) namespaces.set(Service.NamespaceId, namespace);
      byNamespace.set(Service.NamespaceId, summaries);
      for (const summary of summaries) {
        const registry = registryArns.find((a) => a === summary.Arn || resourceId(a) === summary.Id);
        if (registry) registries.set(registry, { ...summary, NamespaceId: Service.NamespaceId });
      }
    }
    // Created since the namespace was listed: GetService has said what it is.
    if (!registries.has(arn)) registries.set(arn, Service);
  }
  const instances = await readForeignInstances(clients, registries, byNamespace, progress);
  const names = [...byNamespace.values()].reduce((n, summaries) => n + summaries.length, 0);
  progress(
    `Cloud Map: ${registries.size} registr${registries.size === 1 ? 'y' : 'ies'} in ${namespaces.size} namespace(s), ${names} name(s) in all`
  );
  return { registries, namespaces, namespaceServices: byNamespace, instances };
}

/** A namespace and every Cloud Map service in it (`ListServices`, paged). */
async function readNamespace(
  clients: AwsClients,
  id: string
): Promise<{ namespace?: Namespace; summaries: ServiceSummary[] }> {
  const { Namespace } = await clients.cloudMap.send(new GetNamespaceCommand({ Id: id }));
  return { namespace: Namespace, summaries: await namespaceServices(clients.cloudMap, id) };
}

/**
 * The instances of the names that no service of the cluster registers and that have some: who
 * registered them (`ECS_CLUSTER_NAME`). The cluster's own names need no such call.
 */
async function readForeignInstances(
  clients: AwsClients,
  registries: ReadonlyMap<string, RegistryService>,
  byNamespace: ReadonlyMap<string, readonly ServiceSummary[]>,
  progress: Progress
): Promise<Map<string, InstanceSummary[]>> {
  const ours = new Set([...registries.values()].map((r) => r.Id));
  const foreign = [...byNamespace.values()]
    .flat()
    .filter((s) => !ours.has(s.Id) && (s.InstanceCount === undefined || s.InstanceCount > 0));
  const instances = new Map<string, InstanceSummary[]>();
  await mapLimit(foreign, READ_CONCURRENCY, async (summary) => {
    const listed: InstanceSummary[] = [];
    for await (const page of paginateListInstances({ client: clients.cloudMap }, { ServiceId: summary.Id! }))
      listed.push(...(page.Instances ?? []));
    instances.set(summary.Id!, listed);
    if (instances.size % PROGRESS_EVERY === 0)
      progress(`Cloud Map: read the instances of ${instances.size} names`);
  });
  return instances;
}

async function readLoadBalancers(
  clients: AwsClients,
  services: readonly EcsService[],
  detached: ReadonlyMap<string, DetachedPath>,
  progress: Progress
): Promise<Pick<ClusterSnapshot, 'targetGroups' | 'loadBalancers' | 'idleTimeouts' | 'listeners' | 'rules'>> {
  const targetGroups: TargetGroup[] = [];
  const groupArns = unique(services.flatMap((s) => (s.loadBalancers ?? []).map((lb) => lb.targetGroupArn)));
  for (const batch of chunks(groupArns, ELB_ARNS_PER_CALL)) {
    const answer = await clients.elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: batch }));
    targetGroups.push(...(answer.TargetGroups ?? []));
  }
  const formerArns = unique([...detached.values()].flatMap((d) => d.targetGroupArns)).filter(
    (arn) => !groupArns.includes(arn)
  );
  targetGroups.push(...(await existingTargetGroups(clients, formerArns)));
  const loadBalancers: LoadBalancer[] = [];
  for (const batch of chunks(
    unique(targetGroups.flatMap((tg) => tg.LoadBalancerArns ?? [])),
    ELB_ARNS_PER_CALL
  )) {
    const answer = await clients.elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: batch }));
    loadBalancers.push(...(answer.LoadBalancers ?? []));
  }
  const idleTimeouts = new Map<string, number>();
  const listeners: Listener[] = [];
  const rules = new Map<string, Rule[]>();
  for (const lb of loadBalancers) {
    if (lb.Type === 'application') {
      const { Attributes } = await clients.elb.send(
        new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: lb.LoadBalancerArn })
      );
      const idle = Attributes?.find((a) => a.Key === 'idle_timeout.timeout_seconds')?.Value;
      if (idle !== undefined) idleTimeouts.set(lb.LoadBalancerArn!, Number(idle));
    }
    for await (const page of paginateDescribeListeners(
      { client: clients.elb },
      { LoadBalancerArn: lb.LoadBalancerArn }
    )) {
      listeners.push(...(page.Listeners ?? []));
    }
  }
  for (const listener of listeners) {
    if (listener.Protocol !== 'HTTP' && listener.Protocol !== 'HTTPS') continue;
    const all: Rule[] = [];
    for await (const page of paginateDescribeRules(
      { client: clients.elb },
      { ListenerArn: listener.ListenerArn }
    ))
      all.push(...(page.Rules ?? []));
    rules.set(listener.ListenerArn!, all);
  }
  progress(
    `Elastic Load Balancing: ${targetGroups.length} target group(s), ${loadBalancers.length} load balancer(s), ${listeners.length} listener(s)`
  );
  return { targetGroups, loadBalancers, idleTimeouts, listeners, rules };
}

/**
 * The target groups of `arns` that still exist: a batch at a time, and one at a time in a batch
 * that names a deleted one (Elastic Load Balancing then refuses the whole batch).
 */
async function existingTargetGroups(clients: AwsClients, arns: readonly string[]): Promise<TargetGroup[]> {
  const found: TargetGroup[] = [];
  const describe = async (batch: string[]) =>
    (await clients.elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: batch }))).TargetGroups ?? [];
  for (const batch of chunks(arns, ELB_ARNS_PER_CALL)) {
    const whole = await unlessGone(() => describe(batch), ...TARGET_GROUP_NOT_FOUND);
    if (whole) {
      found.push(...whole);
      continue;
    }
    for (const arn of batch)
      found.push(...((await unlessGone(() => describe([arn]), ...TARGET_GROUP_NOT_FOUND)) ?? []));
  }
  return found;
}

/**
 * The old path of each service that runs Service Connect with an endpoint and has no registry or
 * target group attached: the registries and target groups of its newest revision that had any,
 * as ECS recorded them (`ListServiceDeployments`, `DescribeServiceRevisions`: the deployments of
 * the last 90 days, newest first, read no further than needed). None for a cluster that has not
 * started its migration: no call then.
 */
async function readDetachedPaths(
  clients: AwsClients,
  cluster: string,
  services: readonly EcsService[],
  progress: Progress
): Promise<Map<string, DetachedPath>> {
  const candidates = services.filter(
    (s) =>
      (primaryServiceConnect(s)?.services ?? []).length > 0 &&
      (s.serviceRegistries ?? []).length === 0 &&
      (s.loadBalancers ?? []).length === 0
  );
  const detached = new Map<string, DetachedPath>();
  await mapLimit(candidates, READ_CONCURRENCY, async (service) => {
    const revision = await latestRevision(
      clients.ecs,
      cluster,
      service.serviceName!,
      (r) => (r.serviceRegistries ?? []).length > 0 || (r.loadBalancers ?? []).some((lb) => lb.targetGroupArn)
    );
    if (!revision) return;
    detached.set(service.serviceName!, {
      registryArns: unique((revision.serviceRegistries ?? []).map((r) => r.registryArn)),
      targetGroupArns: unique((revision.loadBalancers ?? []).map((lb) => lb.targetGroupArn)),
    });
  });
  if (candidates.length > 0)
    progress(
      `ECS: ${candidates.length} service(s) on Service Connect without an old path attached, ${detached.size} with one in their history`
    );
  return detached;
}

/**
 * The Service Connect namespaces the services' PRIMARY deployments run in, each with its
 * endpoints (`GetNamespace`, `ListServices`): names taken in it, this cluster's and others'.
 */
async function readServiceConnectNamespaces(
  clients: AwsClients,
  services: readonly EcsService[],
  progress: Progress
): Promise<Map<string, ServiceConnectNamespace>> {
  const arns = unique(services.map((s) => primaryServiceConnect(s)?.namespace));
  const found = new Map<string, ServiceConnectNamespace>();
  for (const arn of arns) {
    const namespace = await unlessGone(
      async () => (await clients.cloudMap.send(new GetNamespaceCommand({ Id: resourceId(arn) }))).Namespace,
      'NamespaceNotFound'
    );
    if (!namespace) continue;
    found.set(arn, { namespace, endpoints: await namespaceServices(clients.cloudMap, namespace.Id!) });
  }
  if (found.size > 0)
    progress(
      `Service Connect: ${[...found.values()].map((n) => `${n.namespace.Name} (${n.endpoints.length} endpoint(s))`).join(', ')}`
    );
  return found;
}

/** `read()`, or undefined when the thing read does not exist (an error named in `notFound`). */
async function unlessGone<T>(read: () => Promise<T>, ...notFound: string[]): Promise<T | undefined> {
  try {
    return await read();
  } catch (err) {
    if (notFound.includes((err as Error).name)) return undefined;
    throw err;
  }
}

/** The service principal that Route 53 names as a hosted zone's `LinkedService` when Cloud Map created it. */
const CLOUD_MAP_PRINCIPAL = 'servicediscovery.amazonaws.com';

/**
 * The record sets of the private hosted zones associated with the VPCs of the internal load
 * balancers, except the zones Cloud Map manages for its DNS namespaces (their records are the
 * tasks' addresses, not names of load balancers). Route 53 lists those as the account's own
 * (`Owner.OwningAccount`); what tells them apart is the zone's `LinkedService`: the namespaces
 * already read name their zones, any other zone is asked (`GetHostedZone`). A zone another
 * service owns from an account of its own (`Owner.OwningService`) is not this team's either.
 */
async function readAliasRecords(
  clients: AwsClients,
  region: string,
  loadBalancers: readonly LoadBalancer[],
  cloudMapZones: ReadonlySet<string>,
  progress: Progress
): Promise<ZoneRecord[]> {
  const zones = new Map<string, string>();
  for (const [id, name] of await zonesOfVpcs(clients, region, loadBalancers)) {
    if (cloudMapZones.has(id)) continue;
    const { HostedZone } = await clients.route53.send(new GetHostedZoneCommand({ Id: id }));
    if (HostedZone?.LinkedService?.ServicePrincipal !== CLOUD_MAP_PRINCIPAL) zones.set(id, name);
  }
  const records: ZoneRecord[] = [];
  for (const [id, name] of zones) {
    let next: Pick<
      ListResourceRecordSetsCommandOutput,
      'NextRecordName' | 'NextRecordType' | 'NextRecordIdentifier'
    > = {};
    let truncated = true;
    while (truncated) {
      const page = await clients.route53.send(
        new ListResourceRecordSetsCommand({
          HostedZoneId: id,
          StartRecordName: next.NextRecordName,
          StartRecordType: next.NextRecordType,
          StartRecordIdentifier: next.NextRecordIdentifier,
        })
      );
      records.push(...(page.ResourceRecordSets ?? []).map((record) => ({ zone: name, record })));
      truncated = page.IsTruncated === true;
      next = page;
    }
  }
  progress(`Route 53: ${zones.size} private hosted zone(s), ${records.length} record set(s)`);
  return records;
}

/** The private hosted zones (ID to name) associated with the VPCs of the internal load balancers, the account's own. */
async function zonesOfVpcs(
  clients: AwsClients,
  region: string,
  loadBalancers: readonly LoadBalancer[]
): Promise<Map<string, string>> {
  const vpcs = unique(loadBalancers.filter((lb) => lb.Scheme === 'internal').map((lb) => lb.VpcId));
  const zones = new Map<string, string>();
  for (const vpc of vpcs) {
    let token: string | undefined;
    do {
      const page = await clients.route53.send(
        new ListHostedZonesByVPCCommand({ VPCId: vpc, VPCRegion: region as VPCRegion, NextToken: token })
      );
      for (const zone of page.HostedZoneSummaries ?? []) {
        if (zone.Owner?.OwningService === undefined) zones.set(zone.HostedZoneId!, zone.Name!);
      }
      token = page.NextToken;
    } while (token);
  }
  return zones;
}

async function namespaceName(clients: AwsClients, arn: string): Promise<string | undefined> {
  try {
    const { Namespace } = await clients.cloudMap.send(new GetNamespaceCommand({ Id: resourceId(arn) }));
    return Namespace?.Name;
  } catch (err) {
    if ((err as Error).name === 'NamespaceNotFound') return undefined;
    throw err;
  }
}

/** `srv-abc` of `arn:aws:servicediscovery:…:service/srv-abc`: the ID the Cloud Map API takes. */
export function resourceId(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}

function unique(values: readonly (string | undefined)[]): string[] {
  return [...new Set(values.filter((v): v is string => v !== undefined && v !== ''))];
}
