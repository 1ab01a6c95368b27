import type { Endpoint } from './graph';
import type { ServiceConnectEndpointPlan, ServiceConnectPlan } from './service-connect';
import type { LiveServiceConnect } from './topology';

/**
 * A service's live Service Connect configuration, as the topology file records it
 * (`services[].serviceConnect`, written by discover), and what the plan makes of it. A cluster
 * discovered after `apply`, after `retire`, or after a migration by other means (the walkthrough's
 * own `aws ecs update-service` script) already runs a configuration: where it serves every name
 * the service's callers use, the plan keeps it as it is, so that `apply` has nothing to send and
 * `retire` accepts it; a configuration the plan would replace is checked for names callers still
 * use (`validateTopology`, and the live check of `apply` and `plan`).
 */

/** A name and port a live configuration answers on, and the endpoint that answers. */
export interface LiveName extends Endpoint {
  /** The endpoint's Cloud Map service in the namespace. */
  readonly discoveryName: string;
  readonly portName: string;
}

/**
 * Every name and port a live configuration answers on: each client alias (the file records its
 * `dnsName` always: discover fills in ECS's default, `<discoveryName>.<namespace>`), in lower case.
 */
export function liveNames(config: LiveServiceConnect): LiveName[] {
  return config.services.flatMap((s) =>
    s.clientAliases.map((a) => ({
      host: a.dnsName.toLowerCase(),
      port: a.port,
      discoveryName: s.discoveryName,
      portName: s.portName,
    }))
  );
}

/** Whether a live configuration answers on `endpoint` (a name callers use, and its port). */
export function servesName(config: LiveServiceConnect, endpoint: Endpoint): boolean {
  return liveNames(config).some((n) => n.host === endpoint.host.toLowerCase() && n.port === endpoint.port);
}

/**
 * The plan of a service that keeps its live configuration: `adopted` is rendered back field for
 * field (the namespace is the view's: the CLI's target, which is the live one unless --namespace
 * names another), and the plan's other fields say what it holds, for the views that read them
 * (its endpoint: the one that answers on `alias`, else the first; the proxy's log group and
 * stream prefix; whether it writes access logs).
 */
export function adoptedPlan(config: LiveServiceConnect, alias: Endpoint | undefined): ServiceConnectPlan {
  const served = alias && liveNames(config).find((n) => n.host === alias.host && n.port === alias.port);
  const entry = config.services.find((s) => s.discoveryName === served?.discoveryName) ?? config.services[0];
  const options = config.logConfiguration?.options ?? {};
  const endpoint: ServiceConnectEndpointPlan | undefined = entry && {
    portName: entry.portName,
    discoveryName: entry.discoveryName,
    alias: served
      ? { host: served.host, port: served.port }
      : {
          host: entry.clientAliases[0]?.dnsName ?? `${entry.discoveryName}.${config.namespace}`,
          port: entry.clientAliases[0]?.port ?? 0,
        },
    ...(entry.timeout?.idleTimeoutSeconds !== undefined && {
      idleTimeoutSeconds: entry.timeout.idleTimeoutSeconds,
    }),
    ...(entry.timeout?.perRequestTimeoutSeconds !== undefined && {
      perRequestTimeoutSeconds: entry.timeout.perRequestTimeoutSeconds,
    }),
    ...(entry.tls && { tlsCertificateAuthorityArn: entry.tls.issuerCertificateAuthority.awsPcaAuthorityArn }),
    ...(entry.clientAliases[0]?.testTrafficRules && {
      testTrafficHeader: entry.clientAliases[0].testTrafficRules.header.name,
    }),
  };
  return {
    ...(endpoint && { endpoint }),
    logStreamPrefix: options['awslogs-stream-prefix'] ?? '',
    ...(options['awslogs-group'] !== undefined && { logGroupName: options['awslogs-group'] }),
    accessLogs: config.accessLogConfiguration !== undefined,
    adopted: config,
  };
}
