import { Service } from '@aws-sdk/client-ecs';
import {
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { formatTable } from '../cli/table';
import { MigrationPhase, keepsLegacyPath, usesServiceConnect } from '../model/phase';
import { ServiceSpec, Topology } from '../model/topology';
import { AwsClients } from '../aws/clients';
import { aliasesOf, isOn, liveServiceConnect, primaryDeployment } from './compare';
import { namespaceServices } from '../aws/cloud-map';
import { chunks, servicesByName } from '../aws/ecs';
import { isAttached, oldPathOf } from './old-path';
import { MigrationTarget } from './target';

/** One service as ECS reports it. */
export interface ServiceStatus {
  readonly service: string;
  readonly serviceConnect: 'on' | 'off';
  readonly namespace?: string;
  readonly aliases: readonly string[];
  /** Cloud Map registries attached. */
  readonly registries: readonly string[];
  /** Target groups attached (the public entry's included). */
  readonly targetGroups: readonly string[];
  /**
   * The old path still attached: the registry or the internal load balancer's target group the
   * topology records (or, where it records no ARN, those of its kind), never the public entry's.
   */
  readonly oldPath: { readonly registries: readonly string[]; readonly targetGroups: readonly string[] };
  readonly running: number;
  readonly desired: number;
  readonly deployments: number;
  readonly deploymentInProgress: boolean;
  readonly rolloutState?: string;
}

/** The whole picture that `status` prints. */
export interface StatusReport {
  readonly region: string;
  readonly cluster: string;
  readonly namespace: { readonly name: string; readonly arn: string };
  /** Phase of the last deployed template, when the stack could be read. */
  readonly deployedPhase?: MigrationPhase;
  /** The CDK stack whose template the drift is measured against; none for a topology file. */
  readonly stack?: string;
  readonly services: readonly ServiceStatus[];
  /** The services registered in the Service Connect namespace. */
  readonly namespaceServices: readonly { readonly name: string; readonly instances?: number }[];
  /** Where the live services differ from what the last deployed template declares. */
  readonly drift: readonly string[];
}

/** Reads the live state of every model service and of the namespace. Read-only. */
export async function gatherStatus(
  clients: AwsClients,
  target: MigrationTarget,
  topology: Topology
): Promise<StatusReport> {
  const live =
    (await servicesByName(
      clients.ecs,
      target.cluster,
      topology.services.map((s) => s.name)
    )) ?? new Map<string, Service>();
  const internal = await internalTargetGroups(clients.elb, topology, live);
  const services = topology.services.flatMap((spec) => {
    const svc = live.get(spec.name);
    return svc ? [serviceStatus(spec, svc, internal)] : [];
  });
  const registered = target.namespace.id
    ? await namespaceServices(clients.cloudMap, target.namespace.id)
    : [];
  return {
    region: target.region,
    cluster: target.cluster,
    namespace: { name: target.namespace.name, arn: target.namespace.arn ?? '(does not exist)' },
    deployedPhase: target.deployedPhase,
    stack: target.stack,
    services,
    namespaceServices: registered.map((s) => ({ name: s.Name!, instances: s.InstanceCount })),
    drift: target.deployedPhase ? driftFrom(target.deployedPhase, topology, services) : [],
  };
}

/**
 * The target groups of an internal load balancer among those attached to services that have both
 * the public entry and an internal load balancer's old path whose target group the topology does
 * not record (only there is the load balancer's scheme needed to tell them apart). Read-only.
 */
async function internalTargetGroups(
  elb: ElasticLoadBalancingV2Client,
  topology: Topology,
  live: ReadonlyMap<string, Service>
): Promise<Set<string>> {
  const arns = topology.services
    .filter((s) => s.publicEntry && s.legacyDiscovery.kind === 'internalAlb' && !oldPathOf(s))
    .flatMap((s) => (live.get(s.name)?.loadBalancers ?? []).map((lb) => lb.targetGroupArn))
    .filter((arn): arn is string => arn !== undefined);
  const loadBalancerOf = new Map<string, string[]>();
  for (const batch of chunks([...new Set(arns)], ELB_DESCRIBE_LIMIT)) {
    const { TargetGroups } = await elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: batch }));
    for (const tg of TargetGroups ?? []) loadBalancerOf.set(tg.TargetGroupArn!, tg.LoadBalancerArns ?? []);
  }
  const internal = new Set<string>();
  for (const batch of chunks([...new Set([...loadBalancerOf.values()].flat())], ELB_DESCRIBE_LIMIT)) {
    const { LoadBalancers } = await elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: batch }));
    for (const lb of LoadBalancers ?? []) if (lb.Scheme === 'internal') internal.add(lb.LoadBalancerArn!);
  }
  return new Set(
    [...loadBalancerOf].filter(([, lbs]) => lbs.some((lb) => internal.has(lb))).map(([tg]) => tg)
  );
}

/** Elastic Load Balancing describes at most 20 target groups or load balancers by ARN per call. */
const ELB_DESCRIBE_LIMIT = 20;

/** What of `svc`'s attachments is its old path (see {@link ServiceStatus.oldPath}). */
function oldPathAttached(
  spec: ServiceSpec,
  svc: Service,
  internal: ReadonlySet<string>
): ServiceStatus['oldPath'] {
  const recorded = oldPathOf(spec);
  const registries = (svc.serviceRegistries ?? []).map((r) => r.registryArn ?? '?');
  const groups = (svc.loadBalancers ?? []).filter((lb) => lb.targetGroupArn !== undefined);
  switch (spec.legacyDiscovery.kind) {
    case 'cloudMapDns':
      return {
        registries: recorded ? registries.filter((arn) => arn === recorded.arn) : registries,
        targetGroups: [],
      };
    case 'internalAlb':
      return {
        registries: [],
        targetGroups: groups
          .filter((lb) =>
            recorded
              ? isAttached(recorded, { loadBalancers: [lb] })
              : !spec.publicEntry || internal.has(lb.targetGroupArn!)
          )
          .map((lb) => lb.targetGroupArn!),
      };
    case 'none':
      return { registries: [], targetGroups: [] };
  }
}

function serviceStatus(spec: ServiceSpec, svc: Service, internal: ReadonlySet<string>): ServiceStatus {
  const config = liveServiceConnect(svc);
  const primary = primaryDeployment(svc);
  const deployments = svc.deployments?.length ?? 0;
  return {
    service: svc.serviceName!,
    serviceConnect: isOn(config) ? 'on' : 'off',
    namespace: isOn(config) ? config!.namespace : undefined,
    aliases: isOn(config) ? aliasesOf(config) : [],
    registries: (svc.serviceRegistries ?? []).map((r) => r.registryArn ?? '?'),
    targetGroups: (svc.loadBalancers ?? []).map((lb) => lb.targetGroupArn ?? lb.loadBalancerName ?? '?'),
    oldPath: oldPathAttached(spec, svc, internal),
    running: svc.runningCount ?? 0,
    desired: svc.desiredCount ?? 0,
    deployments,
    deploymentInProgress: deployments > 1 || primary?.rolloutState === 'IN_PROGRESS',
    rolloutState: primary?.rolloutState,
  };
}

/**
 * What differs between the live services and the phase of the last deployed template:
 * CloudFormation compares templates, not live state, so a change made with the SDK (such as
 * `migrate apply`) stays until a deployment says otherwise.
 */
export function driftFrom(
  phase: MigrationPhase,
  topology: Topology,
  services: readonly ServiceStatus[]
): string[] {
  const drift: string[] = [];
  const expectedSc = usesServiceConnect(phase) ? 'on' : 'off';
  for (const spec of topology.services) {
    const live = services.find((s) => s.service === spec.name);
    if (!live) continue;
    if (live.serviceConnect !== expectedSc) {
      drift.push(
        `${spec.name}: Service Connect is ${live.serviceConnect}, the deployed template (phase '${phase}') says ${expectedSc}`
      );
    }
    const legacy = keepsLegacyPath(phase);
    const { registries, targetGroups } = live.oldPath;
    if (spec.legacyDiscovery.kind === 'cloudMapDns' && registries.length > 0 !== legacy) {
      drift.push(
        `${spec.name}: ${registries.length > 0 ? 'still registered' : 'not registered'} in Cloud Map DNS, the deployed template (phase '${phase}') says ${legacy ? 'registered' : 'not registered'}`
      );
    }
    if (spec.legacyDiscovery.kind === 'internalAlb' && targetGroups.length > 0 !== legacy) {
      drift.push(
        `${spec.name}: ${targetGroups.length > 0 ? 'still attached to' : 'detached from'} the internal load balancer, the deployed template (phase '${phase}') says ${legacy ? 'attached' : 'detached'}`
      );
    }
  }
  return drift;
}

/** The report for people: a table per part. */
export function renderStatus(report: StatusReport): string {
  const lines = [
    `cluster ${report.cluster} in ${report.region}; deployed template: ${report.deployedPhase ? `phase '${report.deployedPhase}'` : report.stack ? 'unknown (stack not read)' : 'none (a topology file: no stack to compare with)'}`,
    '',
    formatTable(
      ['service', 'service connect', 'client aliases', 'old path', 'tasks', 'deployment'],
      report.services.map((s) => [
        s.service,
        s.serviceConnect,
        s.aliases.join(' ') || '-',
        [
          s.oldPath.registries.length ? `${s.oldPath.registries.length} registry` : '',
          s.oldPath.targetGroups.length ? `${s.oldPath.targetGroups.length} target group` : '',
        ]
          .filter(Boolean)
          .join(', ') || '-',
        `${s.running}/${s.desired}`,
        s.deploymentInProgress
          ? `in progress (${s.deployments} deployments)`
          : (s.rolloutState ?? 'stable').toLowerCase(),
      ])
    ),
    '',
    `namespace ${report.namespace.name}: ${
      report.namespaceServices.length === 0
        ? 'no services'
        : report.namespaceServices
            .map((s) => `${s.name}${s.instances !== undefined ? ` (${s.instances} instances)` : ''}`)
            .join(', ')
    }`,
  ];
  if (report.drift.length > 0) {
    lines.push('', 'drift from the deployed template:', ...report.drift.map((d) => `  ${d}`));
  } else if (report.deployedPhase) {
    lines.push(
      '',
      `no drift: the live services match the deployed template (phase '${report.deployedPhase}')`
    );
  }
  return lines.join('\n');
}
