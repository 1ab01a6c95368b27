import type { ECSClient, LoadBalancer, Service, ServiceRegistry } from '@aws-sdk/client-ecs';
import { GetServiceCommand, ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { AwsClients } from '../aws/clients';
import { gradualDeployment } from '../aws/deployment-strategy';
import { latestAttachment, refersTo } from '../aws/ecs';
import { Problems } from '../core/validation';
import { callersOf } from '../model/graph';
import { ServiceSpec, Topology } from '../model/topology';
import { NamespaceRef, isOn, liveServiceConnect } from './compare';
import { PlannedUpdate, PlanTarget, desiredConfiguration, isDone, serviceConnectOn } from './plan';
import { ScUpdate } from './sc-files';

/**
 * The old path of a service, as the topology file records it (discovery writes it): the Cloud
 * Map registry or the internal load balancer's target group. `retire` detaches exactly that from
 * the service (never deletes anything: the Cloud Map service, the target group, the load balancer
 * and the records stay, for the owner to delete); `rollback` attaches it again first.
 */

/** What the topology records of a service's old path. */
export interface OldPath {
  readonly kind: 'registry' | 'targetGroup';
  readonly arn: string;
}

/** The old path the topology records for `svc`, if it records one. */
export function oldPathOf(svc: ServiceSpec): OldPath | undefined {
  const d = svc.legacyDiscovery;
  if (d.kind === 'cloudMapDns' && d.registryArn) return { kind: 'registry', arn: d.registryArn };
  if (d.kind === 'internalAlb' && d.targetGroupArn) return { kind: 'targetGroup', arn: d.targetGroupArn };
  return undefined;
}

/** Why discovery found no old path of `svc` (its callers reach it through Service Connect only), if it found none. */
export function notFound(svc: ServiceSpec): string | undefined {
  const d = svc.legacyDiscovery;
  return d.kind === 'none' ? undefined : d.oldPathNotFound;
}

/**
 * Whether the live service still has its old path attached; a target group counts as the
 * production or the alternate one of a blue/green, linear or canary attachment.
 */
export function isAttached(
  path: OldPath,
  live: Pick<Service, 'serviceRegistries' | 'loadBalancers'>
): boolean {
  return path.kind === 'registry'
    ? (live.serviceRegistries ?? []).some((r) => r.registryArn === path.arn)
    : (live.loadBalancers ?? []).some((lb) => refersTo(lb, path.arn));
}

/** What retire needs to decide. */
export interface RetireContext {
  readonly topology: Topology;
  readonly target: PlanTarget;
  readonly namespace: NamespaceRef;
  readonly live: ReadonlyMap<string, Service>;
  readonly overrides?: readonly ScUpdate[];
  /** Retire names that callers outside ECS may use (calledFromOutside). */
  readonly allowOutsideCallers: boolean;
  /** Only these services (default: every one with a recorded old path). */
  readonly only?: readonly string[];
}

/**
 * The detach updates of `retire`, and why any service is refused. A service is retired only when
 * it and every caller the topology knows run Service Connect with the configuration `apply`
 * sends, no caller uses another of its names (calls[].name), and no caller outside ECS may use
 * the name (calledFromOutside) unless allowed. A service already detached is skipped by the run.
 */
export function planRetire(context: RetireContext): { updates: PlannedUpdate[]; refusals: string[] } {
  const { topology, target, namespace, live } = context;
  const refusals: string[] = [];
  const updates: PlannedUpdate[] = [];
  const onWithConfig = (svc: ServiceSpec) => {
    const current = live.get(svc.name);
    if (!current) return false;
    const desired = desiredConfiguration(topology, svc, target, context.overrides);
    return isDone(serviceConnectOn(svc, desired), current, namespace);
  };
  const chosen = context.only
    ? topology.services.filter((s) => context.only!.includes(s.name))
    : topology.services.filter((s) => s.legacyDiscovery.kind !== 'none');
  for (const svc of chosen) {
    const path = oldPathOf(svc);
    // Discover found none attached, and none to attach again: nothing to detach.
    if (!path && notFound(svc)) continue;
    if (!path) {
      refusals.push(
        svc.legacyDiscovery.kind === 'none'
          ? `${svc.name}: has no old path (legacyDiscovery 'none')`
          : `${svc.name}: the topology does not record its ${svc.legacyDiscovery.kind === 'cloudMapDns' ? 'registryArn' : 'targetGroupArn'} (npm run migrate -- discover writes it); for the CDK app's Yelb, deploy -c retireLegacy=true instead`
      );
      continue;
    }
    const current = live.get(svc.name);
    if (!current) {
      refusals.push(`${svc.name}: not found in cluster ${target.cluster}`);
      continue;
    }
    if (!isAttached(path, current)) {
      updates.push(detachUpdate(svc, path, current, target));
      continue;
    }
    if (!onWithConfig(svc)) {
      refusals.push(
        `${svc.name}: Service Connect is not on with the topology's configuration; run apply first`
      );
      continue;
    }
    const notOn = callersOf(topology, svc).filter((c) => !onWithConfig(c));
    if (notOn.length > 0) {
      refusals.push(
        `${svc.name}: its caller(s) ${notOn.map((c) => c.name).join(', ')} do not run Service Connect yet: they still use the old path`
      );
      continue;
    }
    const otherName = topology.services.flatMap((c) =>
      c.calls
        .filter((call) => call.service === svc.name && call.name)
        .map((call) => `${c.name} (as ${call.name})`)
    );
    if (otherName.length > 0) {
      refusals.push(
        `${svc.name}: ${otherName.join(', ')} call it by a name Service Connect does not alias: change them to the alias first`
      );
      continue;
    }
    const d = svc.legacyDiscovery;
    if (d.kind !== 'none' && d.calledFromOutside && !context.allowOutsideCallers) {
      refusals.push(
        `${svc.name}: its name may have callers outside ECS (calledFromOutside); check them, then pass --allow-outside-callers`
      );
      continue;
    }
    updates.push(detachUpdate(svc, path, current, target));
  }
  return { updates, refusals };
}

function detachUpdate(svc: ServiceSpec, path: OldPath, live: Service, target: PlanTarget): PlannedUpdate {
  return {
    service: svc,
    action: 'detach-old-path',
    input: {
      cluster: target.cluster,
      service: svc.name,
      ...(path.kind === 'registry'
        ? { serviceRegistries: (live.serviceRegistries ?? []).filter((r) => r.registryArn !== path.arn) }
        : { loadBalancers: (live.loadBalancers ?? []).filter((lb) => !refersTo(lb, path.arn)) }),
    },
  };
}

/**
 * The updates that attach again the old paths `retire` detached, for `rollback`: the registry as
 * Cloud Map describes it (an SRV record needs the container and port, an A record takes the ARN
 * alone), the target group with the service's container and port; for a service that ECS deploys
 * blue/green, linear or canary, the attachment its service revisions recorded, with the
 * `advancedConfiguration` such a deployment needs. Read-only calls.
 *
 * @throws ValidationError naming every such service whose history has no attachment to restore.
 */
export async function planAttach(
  clients: Pick<AwsClients, 'ecs' | 'cloudMap'>,
  topology: Topology,
  live: ReadonlyMap<string, Service>,
  cluster: string
): Promise<PlannedUpdate[]> {
  const updates: PlannedUpdate[] = [];
  const problems = new Problems();
  for (const svc of topology.services) {
    const path = oldPathOf(svc);
    const current = live.get(svc.name);
    const reason = notFound(svc);
    if (!path && reason && current && isOn(liveServiceConnect(current))) {
      problems.add(
        `${svc.name}: has no old path to return to (${reason}; the topology says oldPathNotFound): with Service Connect off, its callers would reach nothing. Attach an old path under the name they use (a Cloud Map service, or a target group behind the alias record) and discover again, or write its registryArn or targetGroupArn into the topology; until then it stays on Service Connect`
      );
      continue;
    }
    if (!path || !current || isAttached(path, current)) continue;
    const input = { cluster, service: svc.name };
    if (path.kind === 'registry') {
      const registry = await registryToAttach(clients.cloudMap, svc, path);
      updates.push({
        service: svc,
        action: 'attach-old-path',
        input: { ...input, serviceRegistries: [...(current.serviceRegistries ?? []), registry] },
      });
      continue;
    }
    const attachment = await targetGroupToAttach(clients.ecs, svc, path, current, cluster);
    if (typeof attachment === 'string') {
      problems.add(attachment);
      continue;
    }
    updates.push({
      service: svc,
      action: 'attach-old-path',
      input: { ...input, loadBalancers: [...(current.loadBalancers ?? []), attachment] },
    });
  }
  problems.throwIfAny();
  return updates;
}

async function registryToAttach(
  cloudMap: ServiceDiscoveryClient,
  svc: ServiceSpec,
  path: OldPath
): Promise<ServiceRegistry> {
  const { Service: cm } = await cloudMap.send(new GetServiceCommand({ Id: path.arn.split('/').pop() }));
  const srv = (cm?.DnsConfig?.DnsRecords ?? []).some((r) => r.Type === 'SRV');
  return {
    registryArn: path.arn,
    ...(srv && { containerName: svc.container ?? svc.name, containerPort: svc.port }),
  };
}

/**
 * The target group's attachment: plain under a rolling strategy; under a gradual one, the one the
 * service's revisions recorded (a plain one would be refused: such a deployment shifts traffic
 * between two target groups), or why there is none to restore.
 */
async function targetGroupToAttach(
  ecs: ECSClient,
  svc: ServiceSpec,
  path: OldPath,
  current: Service,
  cluster: string
): Promise<LoadBalancer | string> {
  const gradual = gradualDeployment(current.deploymentConfiguration);
  if (!gradual)
    return { targetGroupArn: path.arn, containerName: svc.container ?? svc.name, containerPort: svc.port };
  const recorded = await latestAttachment(ecs, cluster, svc.name, path.arn);
  if (recorded?.advancedConfiguration) return recorded;
  return `${svc.name}: ECS deploys it ${gradual.strategy}, so its target group ${path.arn} can only be attached again with the alternate target group, production listener rule and role it had (advancedConfiguration), and its deployment history (ECS keeps 90 days) records none: attach it with them (aws ecs update-service --load-balancers), or set its strategy to ROLLING, then run rollback again`;
}
