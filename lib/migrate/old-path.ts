import type { LoadBalancer, Service, ServiceRegistry } from '@aws-sdk/client-ecs';
import { GetServiceCommand, ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { callersOf } from '../model/graph';
import { ServiceSpec, Topology } from '../model/topology';
import { NamespaceRef } from './compare';
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

/** Whether the live service still has its old path attached. */
export function isAttached(path: OldPath, live: Service): boolean {
  return path.kind === 'registry'
    ? (live.serviceRegistries ?? []).some((r) => r.registryArn === path.arn)
    : (live.loadBalancers ?? []).some((lb) => lb.targetGroupArn === path.arn);
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
        : { loadBalancers: (live.loadBalancers ?? []).filter((lb) => lb.targetGroupArn !== path.arn) }),
    },
  };
}

/**
 * The updates that attach again the old paths `retire` detached, for `rollback`: the registry as
 * Cloud Map describes it (an SRV record needs the container and port, an A record takes the ARN
 * alone), the target group with the service's container and port. Read-only calls.
 */
export async function planAttach(
  cloudMap: ServiceDiscoveryClient,
  topology: Topology,
  live: ReadonlyMap<string, Service>,
  cluster: string
): Promise<PlannedUpdate[]> {
  const updates: PlannedUpdate[] = [];
  for (const svc of topology.services) {
    const path = oldPathOf(svc);
    const current = live.get(svc.name);
    if (!path || !current || isAttached(path, current)) continue;
    const container = svc.container ?? svc.name;
    if (path.kind === 'registry') {
      const { Service: cm } = await cloudMap.send(new GetServiceCommand({ Id: path.arn.split('/').pop() }));
      const srv = (cm?.DnsConfig?.DnsRecords ?? []).some((r) => r.Type === 'SRV');
      const registry: ServiceRegistry = {
        registryArn: path.arn,
        ...(srv && { containerName: container, containerPort: svc.port }),
      };
      updates.push({
        service: svc,
        action: 'attach-old-path',
        input: {
          cluster,
          service: svc.name,
          serviceRegistries: [...(current.serviceRegistries ?? []), registry],
        },
      });
    } else {
      const attachment: LoadBalancer = {
        targetGroupArn: path.arn,
        containerName: container,
        containerPort: svc.port,
      };
      updates.push({
        service: svc,
        action: 'attach-old-path',
        input: { cluster, service: svc.name, loadBalancers: [...(current.loadBalancers ?? []), attachment] },
      });
    }
  }
  return updates;
}
