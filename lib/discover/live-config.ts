import type { Service as EcsService, ServiceConnectService } from '@aws-sdk/client-ecs';
import { LiveServiceConnect } from '../model/topology';
import { ClusterSnapshot, primaryServiceConnect } from './snapshot';

/**
 * What is live of a service's Service Connect configuration, for the topology file: the PRIMARY
 * deployment's, in the API's shape, with the namespace by name, the discovery names ECS filled in,
 * and each client alias's name as ECS resolves it (`<discoveryName>.<namespace>` where it has
 * none). Undefined for a service with Service Connect off. A proxy that logs elsewhere than to
 * CloudWatch Logs (awslogs) is recorded without its log configuration (the file takes awslogs only).
 */
export function liveConfigurationOf(
  service: EcsService,
  snapshot: ClusterSnapshot
): LiveServiceConnect | undefined {
  const config = primaryServiceConnect(service);
  if (!config) return undefined;
  const namespace =
    snapshot.serviceConnectNamespaces?.get(config.namespace ?? '')?.namespace.Name ?? config.namespace ?? '';
  const logs = config.logConfiguration;
  const access = config.accessLogConfiguration;
  return {
    namespace,
    services: (config.services ?? []).map((s) => liveEndpoint(s, namespace)),
    ...(logs?.logDriver === 'awslogs' && {
      logConfiguration: { logDriver: 'awslogs' as const, options: { ...logs.options } },
    }),
    ...(access?.format && {
      accessLogConfiguration: {
        format: access.format,
        includeQueryParameters: access.includeQueryParameters ?? 'DISABLED',
      },
    }),
  };
}

function liveEndpoint(s: ServiceConnectService, namespace: string): LiveServiceConnect['services'][number] {
  const discoveryName = s.discoveryName ?? s.portName!;
  const timeout = {
    ...(s.timeout?.idleTimeoutSeconds !== undefined && { idleTimeoutSeconds: s.timeout.idleTimeoutSeconds }),
    ...(s.timeout?.perRequestTimeoutSeconds !== undefined && {
      perRequestTimeoutSeconds: s.timeout.perRequestTimeoutSeconds,
    }),
  };
  const tls = s.tls;
  return {
    portName: s.portName!,
    discoveryName,
    clientAliases: (s.clientAliases ?? []).map((a) => ({
      port: a.port!,
      dnsName: a.dnsName ?? `${discoveryName}.${namespace}`,
      ...(a.testTrafficRules?.header?.name && {
        testTrafficRules: {
          header: {
            name: a.testTrafficRules.header.name,
            ...(a.testTrafficRules.header.value?.exact !== undefined && {
              value: { exact: a.testTrafficRules.header.value.exact },
            }),
          },
        },
      }),
    })),
    ...(s.ingressPortOverride !== undefined && { ingressPortOverride: s.ingressPortOverride }),
    ...(Object.keys(timeout).length > 0 && { timeout }),
    ...(tls?.issuerCertificateAuthority?.awsPcaAuthorityArn && {
      tls: {
        issuerCertificateAuthority: { awsPcaAuthorityArn: tls.issuerCertificateAuthority.awsPcaAuthorityArn },
        ...(tls.kmsKey && { kmsKey: tls.kmsKey }),
        ...(tls.roleArn && { roleArn: tls.roleArn }),
      },
    }),
  };
}

/**
 * The endpoint names taken in the Service Connect namespaces the services run in: every Cloud Map
 * service there (of this cluster or another) and every discovery name the services' configurations
 * carry. A name discovery gives a new endpoint must be none of them.
 */
export function takenEndpointNames(snapshot: ClusterSnapshot): Set<string> {
  return new Set([
    ...[...(snapshot.serviceConnectNamespaces?.values() ?? [])].flatMap((n) =>
      n.endpoints.flatMap((e) => (e.Name ? [e.Name] : []))
    ),
    ...snapshot.services.flatMap((s) =>
      (primaryServiceConnect(s)?.services ?? []).map((e) => e.discoveryName ?? e.portName!)
    ),
  ]);
}
