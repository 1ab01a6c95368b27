import type {
  Deployment,
  Service,
  ServiceConnectConfiguration,
  ServiceConnectService,
} from '@aws-sdk/client-ecs';
import { discoveryName } from '../model/service-connect';

/** The Service Connect namespace, by both of the names ECS accepts for it. */
export interface NamespaceRef {
  readonly name: string;
  readonly arn: string;
}

/** The PRIMARY deployment of a service: the one whose configuration the service runs towards. */
export function primaryDeployment(service: Service): Deployment | undefined {
  return service.deployments?.find((d) => d.status === 'PRIMARY');
}

/**
 * The Service Connect configuration a service runs with, as ECS reports it: the PRIMARY
 * deployment's (a service has no configuration of its own in DescribeServices).
 */
export function liveServiceConnect(service: Service): ServiceConnectConfiguration | undefined {
  return primaryDeployment(service)?.serviceConnectConfiguration;
}

/** Whether a configuration has Service Connect on. */
export function isOn(config: ServiceConnectConfiguration | undefined): boolean {
  return config?.enabled === true;
}

/**
 * A configuration in a canonical form, so that what was sent and what ECS reports back
 * compare equal: the namespace by ARN (ECS answers with the ARN; a file names it), a missing
 * `discoveryName` as the port name (ECS fills it in), a client alias without `dnsName` by the name
 * ECS gives it (`<discoveryName>.<namespace>`, in the target namespace), access logs without
 * `includeQueryParameters` as `DISABLED` (ECS's default), a missing or empty `services` list as
 * empty (a client-only service), lists sorted, empty optional parts dropped. `off` for any
 * configuration with Service Connect off.
 */
export function canonicalServiceConnect(
  config: ServiceConnectConfiguration | undefined,
  namespace: NamespaceRef
): string {
  if (!isOn(config)) return 'off';
  const c = config!;
  const arn = c.namespace === namespace.name ? namespace.arn : c.namespace;
  const defaultName = (s: ServiceConnectService) =>
    arn === namespace.arn ? `${discoveryName(s)}.${namespace.name}` : null;
  const canonical = {
    namespace: arn,
    services: (c.services ?? [])
      .map((s) => ({
        portName: s.portName,
        discoveryName: discoveryName(s),
        clientAliases: (s.clientAliases ?? [])
          .map((a) => ({
            port: a.port,
            dnsName: a.dnsName ?? defaultName(s),
            testTraffic: a.testTrafficRules ?? null,
          }))
          .sort((a, b) => `${a.dnsName}:${a.port}`.localeCompare(`${b.dnsName}:${b.port}`)),
        ingressPortOverride: s.ingressPortOverride ?? null,
        idleTimeoutSeconds: s.timeout?.idleTimeoutSeconds ?? null,
        perRequestTimeoutSeconds: s.timeout?.perRequestTimeoutSeconds ?? null,
        tls: s.tls ?? null,
      }))
      .sort((a, b) => String(a.portName).localeCompare(String(b.portName))),
    logDriver: c.logConfiguration?.logDriver ?? null,
    logOptions: sortedObject(c.logConfiguration?.options ?? {}),
    accessLog: c.accessLogConfiguration
      ? {
          format: c.accessLogConfiguration.format,
          includeQueryParameters: c.accessLogConfiguration.includeQueryParameters ?? 'DISABLED',
        }
      : null,
  };
  return JSON.stringify(canonical);
}

/** Whether two configurations mean the same thing to ECS. */
export function sameServiceConnect(
  a: ServiceConnectConfiguration | undefined,
  b: ServiceConnectConfiguration | undefined,
  namespace: NamespaceRef
): boolean {
  return canonicalServiceConnect(a, namespace) === canonicalServiceConnect(b, namespace);
}

/** `yelb-db.yelb.cloudmap.internal:5432, …`: the client aliases of a configuration. */
export function aliasesOf(config: ServiceConnectConfiguration | undefined): string[] {
  return (config?.services ?? []).flatMap((s) =>
    (s.clientAliases ?? []).map((a) => `${a.dnsName ?? s.portName}:${a.port}`)
  );
}

function sortedObject(obj: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(obj).sort(([a], [b]) => a.localeCompare(b)));
}
