import type { ServiceConnectConfiguration, ServiceConnectService } from '@aws-sdk/client-ecs';
import { legacyEndpoint } from './model/graph';
import { ServiceSpec, Topology, serviceId } from './model/topology';

/** Where the configuration points: resolved by the caller (CDK tokens, or names and a region). */
export interface ServiceConnectTarget {
  /** The namespace: its name (`sc-update/`) or ARN (the CDK app, the ECS API's answers). */
  readonly namespace: string;
  /** The log group for the proxy's logs. */
  readonly logGroupName: string;
  /** The log group's region; left out of `sc-update/`, filled in by the migration CLI. */
  readonly region?: string;
}

/** The proxy log stream prefix of a service, as in the walkthrough: `db-envoy`. */
export function proxyLogStreamPrefix(svc: ServiceSpec): string {
  return `${serviceId(svc)}-envoy`;
}

/**
 * The Service Connect configuration of `svc`, in the ECS API's shape (`UpdateService`'s
 * `serviceConnectConfiguration`, the walkthrough's `sc-update/*.json`). The CDK app, the
 * `sc-update/` files and the migration CLI all derive from this one function.
 *
 * A service that others call is client-server: one entry in `services`, named after its port
 * mapping, with one client alias that is its pre-migration name and port, so no caller changes
 * its configuration. A service nobody calls is client-only: no `services`.
 */
export function serviceConnectConfiguration(
  topology: Topology,
  svc: ServiceSpec,
  target: ServiceConnectTarget
): ServiceConnectConfiguration {
  const alias = legacyEndpoint(topology, svc);
  const timeouts = svc.timeouts;
  const options: Record<string, string> = { 'awslogs-group': target.logGroupName };
  if (target.region !== undefined) options['awslogs-region'] = target.region;
  options['awslogs-stream-prefix'] = proxyLogStreamPrefix(svc);
  return {
    enabled: true,
    namespace: target.namespace,
    ...(alias && {
      services: [
        {
          portName: svc.portName,
          ...(svc.discoveryName !== undefined && { discoveryName: svc.discoveryName }),
          clientAliases: [{ port: alias.port, dnsName: alias.host }],
          ...(timeouts && {
            timeout: {
              ...(timeouts.idleSeconds !== undefined && { idleTimeoutSeconds: timeouts.idleSeconds }),
              ...(timeouts.perRequestSeconds !== undefined && {
                perRequestTimeoutSeconds: timeouts.perRequestSeconds,
              }),
            },
          }),
        },
      ],
    }),
    logConfiguration: { logDriver: 'awslogs', options },
  };
}

/**
 * The discovery name of a Service Connect service entry: its `discoveryName`, or, as ECS fills
 * it in when the configuration sets none, its port name. ECS names the entry's Cloud Map service
 * with it, and labels the Service Connect metrics with it (`DiscoveryName` on the server's side,
 * `TargetDiscoveryName` on its callers').
 */
export function discoveryName(entry: Pick<ServiceConnectService, 'discoveryName' | 'portName'>): string {
  return entry.discoveryName ?? entry.portName!;
}

/** The discovery names of `svc`'s Service Connect endpoints, from its configuration (none if nobody calls it). */
export function discoveryNamesOf(topology: Topology, svc: ServiceSpec): string[] {
  const config = serviceConnectConfiguration(topology, svc, {
    namespace: topology.serviceConnectNamespace,
    logGroupName: topology.logGroupName ?? 'unused',
  });
  return (config.services ?? []).map(discoveryName);
}
