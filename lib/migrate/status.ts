import { Service } from '@aws-sdk/client-ecs';
import { formatTable } from '../cli/table';
import { MigrationPhase, keepsLegacyPath, usesServiceConnect } from '../model/phase';
import { Topology } from '../model/topology';
import { AwsClients } from '../aws/clients';
import { aliasesOf, isOn, liveServiceConnect, primaryDeployment } from './compare';
import { namespaceServices } from '../aws/cloud-map';
import { servicesByName } from '../aws/ecs';
import { MigrationTarget } from './target';

/** One service as ECS reports it. */
export interface ServiceStatus {
  readonly service: string;
  readonly serviceConnect: 'on' | 'off';
  readonly namespace?: string;
  readonly aliases: readonly string[];
  /** Cloud Map registries still attached (the old DNS path). */
  readonly registries: readonly string[];
  /** Target groups still attached. */
  readonly targetGroups: readonly string[];
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
  const services = topology.services.flatMap((spec) => {
    const svc = live.get(spec.name);
    return svc ? [serviceStatus(svc)] : [];
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

function serviceStatus(svc: Service): ServiceStatus {
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
    if (spec.legacyDiscovery.kind === 'cloudMapDns' && live.registries.length > 0 !== legacy) {
      drift.push(
        `${spec.name}: ${live.registries.length > 0 ? 'still registered' : 'not registered'} in Cloud Map DNS, the deployed template (phase '${phase}') says ${legacy ? 'registered' : 'not registered'}`
      );
    }
    if (spec.legacyDiscovery.kind === 'internalAlb' && live.targetGroups.length > 0 !== legacy) {
      drift.push(
        `${spec.name}: ${live.targetGroups.length > 0 ? 'still attached to' : 'detached from'} the internal load balancer, the deployed template (phase '${phase}') says ${legacy ? 'attached' : 'detached'}`
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
          s.registries.length ? `${s.registries.length} registry` : '',
          s.targetGroups.length ? `${s.targetGroups.length} target group` : '',
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
