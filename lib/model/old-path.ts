import { legacyEndpoint } from './graph';
import { ServiceSpec, Topology } from './topology';

/**
 * The old path of a service in a phase: where its callers found it before Service Connect, by the
 * names they use. The CDK app builds it from this (the Cloud Map service's name, the alias
 * record's name) and the callers' environment holds the same names ({@link legacyEndpoint}), so
 * that a file naming a Cloud Map service or a record otherwise than after the service cannot
 * leave its callers resolving nothing.
 *
 * - `attached`: the service registers in it (its tasks in the Cloud Map service, or in the
 *   internal load balancer's target group behind the alias record);
 * - `detached` (Cloud Map only, the retired phase): the Cloud Map service stays, empty, so that a
 *   rollback creates nothing again under a name a failed deletion may still hold;
 * - `gone` (internal load balancer only, the retired phase): the load balancer, its listener,
 *   target group and record are deleted.
 */
export type OldPathPlan =
  | {
      readonly kind: 'cloudMapDns';
      readonly state: 'attached' | 'detached';
      /** The Cloud Map DNS namespace. */
      readonly namespace: string;
      /** The Cloud Map service's name: the first label of the name callers use. */
      readonly serviceName: string;
      /** The name and port callers use. */
      readonly host: string;
      readonly port: number;
      readonly calledFromOutside: boolean;
    }
  | {
      readonly kind: 'internalAlb';
      readonly state: 'attached' | 'gone';
      /** The name callers use: the alias record. */
      readonly host: string;
      /** The listener's port, which callers use. */
      readonly port: number;
      /** The container port the target group sends to. */
      readonly targetPort: number;
      /** The record's name in the hosted zone (`yelb-appserver` in `yelb.lb.internal`); none when `host` is outside `zoneName`. */
      readonly recordName?: string;
      readonly zoneName?: string;
      readonly healthCheckPath?: string;
      readonly calledFromOutside: boolean;
    }
  | { readonly kind: 'none' };

/** The old path of `svc`, attached while `keptInPhase`, else detached (Cloud Map) or gone (load balancer). */
export function oldPathOf(topology: Topology, svc: ServiceSpec, keptInPhase: boolean): OldPathPlan {
  const d = svc.legacyDiscovery;
  if (d.kind === 'none') return { kind: 'none' };
  const endpoint = legacyEndpoint(topology, svc)!;
  if (d.kind === 'cloudMapDns') {
    const namespace = d.namespace ?? topology.cloudMapDnsNamespace!;
    return {
      kind: 'cloudMapDns',
      state: keptInPhase ? 'attached' : 'detached',
      namespace,
      serviceName: endpoint.host.slice(0, endpoint.host.length - namespace.length - 1),
      host: endpoint.host,
      port: endpoint.port,
      calledFromOutside: d.calledFromOutside === true,
    };
  }
  const zone = topology.internalZoneName;
  const inZone = zone !== undefined && endpoint.host.endsWith(`.${zone}`);
  return {
    kind: 'internalAlb',
    state: keptInPhase ? 'attached' : 'gone',
    host: endpoint.host,
    port: endpoint.port,
    targetPort: svc.port!, // validateTopology: a service behind a load balancer has its port
    ...(inZone && {
      recordName: endpoint.host.slice(0, endpoint.host.length - zone.length - 1),
      zoneName: zone,
    }),
    ...(d.healthCheckPath !== undefined && { healthCheckPath: d.healthCheckPath }),
    calledFromOutside: d.calledFromOutside === true,
  };
}
