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
  Service as CloudMapService,
  ServiceSummary,
  paginateListInstances,
} from '@aws-sdk/client-servicediscovery';
import { AwsClients } from '../aws/clients';
import { namespaceServices } from '../aws/cloud-map';
import { chunks, describeServices } from '../aws/ecs';
import { mapLimit } from '../core/concurrency';
import { ValidationError } from '../core/validation';
import { ClusterSnapshot, ZoneRecord } from './snapshot';

/** DescribeTargetGroups and DescribeLoadBalancers take at most 20 ARNs per call. */
const ELB_ARNS_PER_CALL = 20;
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
 * Reads a live cluster, read-only: its services (DescribeServices 10 at a time), their task
 * definitions, the Cloud Map services they register in and every name of those namespaces (with
 * who registered each instance), the target groups they are attached to with their load
 * balancers, listeners and rules, and the alias records of the private hosted zones of the load
 * balancers' VPCs. Every list is read with the SDK's paginators (or the API's own paging where
 * the SDK has no paginator: Route 53's record sets and zones by VPC). No call changes anything.
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
  const cloudMap = await readCloudMap(clients, services, progress);
  // Load balancers and Route 53 are read if allowed: a team may migrate without those rights.
  const unread: string[] = [];
  const elb = await ifAllowed(
    () => readLoadBalancers(clients, services, progress),
    { targetGroups: [], loadBalancers: [], idleTimeouts: new Map(), listeners: [], rules: new Map() },
    'Elastic Load Balancing',
    unread,
    progress
  );
  const records = await ifAllowed(
    () => readAliasRecords(clients, region, elb.loadBalancers, progress),
    [],
    'Route 53',
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
    unread,
  };
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
    services.push(...((await describeServices(clients.ecs, cluster, batch)) ?? []));
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

async function readCloudMap(
  clients: AwsClients,
  services: readonly EcsService[],
  progress: Progress
): Promise<Pick<ClusterSnapshot, 'registries' | 'namespaces' | 'namespaceServices' | 'instances'>> {
  const registries = new Map<string, CloudMapService>();
  const registryArns = unique(services.flatMap((s) => (s.serviceRegistries ?? []).map((r) => r.registryArn)));
  await mapLimit(registryArns, READ_CONCURRENCY, async (arn) => {
    const { Service } = await clients.cloudMap.send(new GetServiceCommand({ Id: resourceId(arn) }));
    if (Service) registries.set(arn, Service);
  });
  const namespaces = new Map<string, Namespace>();
  for (const id of unique([...registries.values()].map((s) => s.NamespaceId))) {
    const { Namespace } = await clients.cloudMap.send(new GetNamespaceCommand({ Id: id }));
    if (Namespace) namespaces.set(id, Namespace);
  }
  const byNamespace = new Map<string, ServiceSummary[]>();
  const instances = new Map<string, InstanceSummary[]>();
  for (const id of namespaces.keys()) {
    const summaries = await namespaceServices(clients.cloudMap, id);
    byNamespace.set(id, summaries);
    await mapLimit(summaries, READ_CONCURRENCY, async (summary) => {
      const listed: InstanceSummary[] = [];
      for await (const page of paginateListInstances(
        { client: clients.cloudMap },
        { ServiceId: summary.Id! }
      ))
        listed.push(...(page.Instances ?? []));
      instances.set(summary.Id!, listed);
      if (instances.size % PROGRESS_EVERY === 0)
        progress(`Cloud Map: read the instances of ${instances.size} names`);
    });
  }
  progress(
    `Cloud Map: ${registries.size} registr${registries.size === 1 ? 'y' : 'ies'} in ${namespaces.size} namespace(s), ${instances.size} name(s) in all`
  );
  return { registries, namespaces, namespaceServices: byNamespace, instances };
}

async function readLoadBalancers(
  clients: AwsClients,
  services: readonly EcsService[],
  progress: Progress
): Promise<Pick<ClusterSnapshot, 'targetGroups' | 'loadBalancers' | 'idleTimeouts' | 'listeners' | 'rules'>> {
  const targetGroups: TargetGroup[] = [];
  const groupArns = unique(services.flatMap((s) => (s.loadBalancers ?? []).map((lb) => lb.targetGroupArn)));
  for (const batch of chunks(groupArns, ELB_ARNS_PER_CALL)) {
    const answer = await clients.elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: batch }));
    targetGroups.push(...(answer.TargetGroups ?? []));
  }
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
 * The record sets of the private hosted zones associated with the VPCs of the internal load
 * balancers, except the zones Cloud Map manages for its DNS namespaces (their records are the
 * tasks' addresses, not names of load balancers).
 */
async function readAliasRecords(
  clients: AwsClients,
  region: string,
  loadBalancers: readonly LoadBalancer[],
  progress: Progress
): Promise<ZoneRecord[]> {
  const vpcs = unique(loadBalancers.filter((lb) => lb.Scheme === 'internal').map((lb) => lb.VpcId));
  const zones = new Map<string, string>();
  for (const vpc of vpcs) {
    let token: string | undefined;
    do {
      const page = await clients.route53.send(
        new ListHostedZonesByVPCCommand({ VPCId: vpc, VPCRegion: region as VPCRegion, NextToken: token })
      );
      for (const zone of page.HostedZoneSummaries ?? []) {
        if (zone.Owner?.OwningService === 'servicediscovery.amazonaws.com') continue;
        zones.set(zone.HostedZoneId!, zone.Name!);
      }
      token = page.NextToken;
    } while (token);
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
