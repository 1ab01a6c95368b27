import type { ContainerDefinition } from '@aws-sdk/client-ecs';
import { DEFAULT_PER_REQUEST_SECONDS } from '../model/graph';
import {
  AppProtocol,
  LegacyDiscovery,
  LiveServiceConnect,
  PORT_NAME,
  ServiceCall,
  ServiceSpec,
  serviceId,
} from '../model/topology';
import { FoundCall, callsFrom } from './calls';
import { liveConfigurationOf } from './live-config';
import { Finding } from './findings';
import {
  copyFindings,
  lbIdleTimeout,
  noAppProtocol,
  oldPathNotFound,
  redactedEnvironment,
  secondPath,
  serviceFindings,
  twoNames,
  uncalledName,
  unnamedPort,
} from './inferred-findings';
import { Live, Route } from './routes';
import { ClusterSnapshot } from './snapshot';

/**
 * Each service's entry of the topology file: the name it keeps (its old path), its port and the
 * port's name, app protocol, timeouts, its calls, and what the CDK app needs to run a copy of it.
 */

/** Environment names whose values discovery does not copy into the file. */
const SECRET_NAME = /pass|secret|token|key|credential|private|auth/i;
const REDACTED = '(redacted by discovery)';

/** What {@link serviceSpec} works with. */
export interface SpecContext {
  readonly snapshot: ClusterSnapshot;
  readonly live: Live;
  readonly calls: readonly FoundCall[];
  /** The route each service keeps as its client alias. */
  readonly chosen: ReadonlyMap<string, Route | undefined>;
  readonly id: string;
  /** Endpoint names given so far (unique in the namespace). */
  readonly endpointNames: Set<string>;
  readonly findings: Finding[];
}

/** The service as the topology file holds it. */
export function serviceSpec(context: SpecContext): ServiceSpec {
  const { snapshot, live, calls, id, findings } = context;
  const { name, container, mapping } = live;
  const callers = calls.filter((c) => c.route.service === name);
  const chosen = context.chosen.get(name);
  const legacyDiscovery = chosen
    ? legacyDiscoveryOf(chosen, callers.length === 0, snapshot)
    : { kind: 'none' as const };
  const called = legacyDiscovery.kind !== 'none';
  const ownCalls = callsFrom(name, calls, context.chosen);
  const serviceConnect = liveConfigurationOf(live.service, snapshot);

  findings.push(...nameFindings(live, chosen, callers));
  if (legacyDiscovery.kind !== 'none' && legacyDiscovery.oldPathNotFound && chosen)
    findings.push(oldPathNotFound(name, chosen, legacyDiscovery.oldPathNotFound));
  const { portName, discoveryName } = endpointOf(context, called, serviceConnect, chosen);
  const appProtocol = appProtocolOf(live, callers, findings);
  const timeouts = timeoutsOf(live, chosen, appProtocol, snapshot.idleTimeouts, findings);
  const environment = environmentOf(container, ownCalls, name, findings);
  const logGroupName = logGroupOf(live);
  findings.push(...serviceFindings(live, ownCalls, called ? chosen?.via : undefined), ...copyFindings(live));

  return {
    name,
    ...(id !== serviceId({ name }) && { id }),
    ...(container?.name && container.name !== name && { container: container.name }),
    ...(mapping?.containerPort !== undefined && { port: mapping.containerPort }),
    ...(portName !== undefined && { portName }),
    ...(discoveryName !== undefined && { discoveryName }),
    ...(appProtocol && { appProtocol }),
    ...(logGroupName && { logGroupName }),
    calls: ownCalls,
    legacyDiscovery,
    ...(live.publicEntry && { publicEntry: live.publicEntry }),
    ...(serviceConnect && { serviceConnect }),
    ...(timeouts && { timeouts }),
    ...(container?.image && { image: container.image }),
    ...(live.service.desiredCount !== undefined && { desiredCount: Math.max(1, live.service.desiredCount) }),
    ...(live.taskDefinition?.cpu && { cpu: Number(live.taskDefinition.cpu) }),
    ...(live.taskDefinition?.memory && { memoryMiB: Number(live.taskDefinition.memory) }),
    ...(environment && { environment }),
    ...(container?.healthCheck?.command && {
      healthCheck: {
        command: healthCommand(container.healthCheck.command),
        startPeriodSeconds: container.healthCheck.startPeriod ?? 0,
      },
    }),
  };
}

/** Findings about the names a service is called by: none from inside, two, two old paths. */
function nameFindings(live: Live, chosen: Route | undefined, callers: readonly FoundCall[]): Finding[] {
  const { name } = live;
  const findings: Finding[] = [];
  if (chosen && callers.length === 0) findings.push(uncalledName(name, chosen));
  for (const other of new Set(
    callers.filter((c) => c.route.name !== chosen?.name).map((c) => c.route.name)
  )) {
    const using = callers.filter((c) => c.route.name === other).map((c) => c.caller);
    findings.push(twoNames(name, chosen?.name, other, using));
  }
  const paths = new Set(
    live.routes
      .filter((r) => r.via !== 'serviceConnect' && !r.detached)
      .map((r) => (r.cloudMap ? r.cloudMap.registryArn : r.loadBalancer?.targetGroup.TargetGroupArn))
  );
  if (chosen && paths.size > 1) findings.push(secondPath(name, paths.size));
  return findings;
}

/**
 * The port's name (a new one for a called service's unnamed port) and, where that name is taken
 * in the namespace already, the endpoint's discovery name. A service that runs Service Connect
 * keeps the names of its live endpoint (the one that answers on the name it keeps).
 */
function endpointOf(
  context: SpecContext,
  called: boolean,
  serviceConnect: LiveServiceConnect | undefined,
  chosen: Route | undefined
): { portName?: string; discoveryName?: string } {
  const { live, id, endpointNames, findings } = context;
  const { name, container, mapping } = live;
  const running = serviceConnect?.services.find((s) =>
    s.clientAliases.some((a) => a.dnsName.toLowerCase() === chosen?.name && a.port === chosen?.port)
  );
  if (called && running)
    return {
      portName: running.portName,
      ...(running.discoveryName !== running.portName && { discoveryName: running.discoveryName }),
    };
  let portName = mapping?.name;
  let discoveryName: string | undefined;
  if (called && !portName) {
    portName = generatedPortName(container?.name ?? name, mapping!.containerPort!, endpointNames);
    findings.push(unnamedPort(name, container?.name, mapping!.containerPort, portName));
  }
  if (called && portName && endpointNames.has(portName)) {
    discoveryName = uniqueName(`${id}-${portName}`.slice(0, 64), endpointNames);
  }
  if (called) endpointNames.add(discoveryName ?? portName!);
  return { portName, discoveryName };
}

function legacyDiscoveryOf(route: Route, uncalled: boolean, snapshot: ClusterSnapshot): LegacyDiscovery {
  const outside = uncalled ? { calledFromOutside: true } : {};
  if (route.via === 'serviceConnect') return withoutOldPath(route, snapshot, outside);
  if (route.cloudMap) {
    return {
      kind: 'cloudMapDns',
      namespace: route.cloudMap.namespace.Name!.toLowerCase(),
      serviceName: route.cloudMap.service.Name!.toLowerCase(),
      registryArn: route.cloudMap.registryArn,
      ...outside,
    };
  }
  const { targetGroup, lb } = route.loadBalancer!;
  const idle = snapshot.idleTimeouts.get(lb.LoadBalancerArn!);
  return {
    kind: 'internalAlb',
    dnsName: route.name,
    port: route.port,
    targetGroupArn: targetGroup.TargetGroupArn!,
    loadBalancerName: lb.LoadBalancerName!,
    ...(idle !== undefined && { idleTimeoutSeconds: idle }),
    ...(targetGroup.HealthCheckPath && { healthCheckPath: targetGroup.HealthCheckPath }),
    ...outside,
  };
}

/**
 * A name callers reach through Service Connect only: no old path of it is attached, and none in the
 * service's history still exists. The file keeps the name, so that the plan keeps the alias; the
 * kind is read from the name (a name in a Cloud Map DNS namespace discovery knows, on the
 * container's port, else an internal load balancer's), and `oldPathNotFound` says why rollback
 * refuses the service.
 */
function withoutOldPath(
  route: Route,
  snapshot: ClusterSnapshot,
  outside: { calledFromOutside?: boolean }
): LegacyDiscovery {
  const history = snapshot.detached?.get(route.service);
  const named = [...(history?.registryArns ?? []), ...(history?.targetGroupArns ?? [])];
  const oldPathNotFound =
    named.length > 0
      ? `its deployment history names ${named.join(', ')} as its old path, which no longer exists`
      : 'no registry or target group is attached, and its deployment history (ECS keeps 90 days) names none';
  const service = snapshot.services.find((s) => s.serviceName === route.service);
  const onContainerPort = snapshot.taskDefinitions
    .get(service?.taskDefinition ?? '')
    ?.containerDefinitions?.flatMap((c) => c.portMappings ?? [])
    .some((m) => m.containerPort === route.port);
  const namespace = [...snapshot.namespaces.values()]
    .map((ns) => ns.Name!.toLowerCase())
    .find((ns) => route.name.endsWith(`.${ns}`));
  if (namespace && onContainerPort)
    return {
      kind: 'cloudMapDns',
      namespace,
      serviceName: route.name.slice(0, route.name.length - namespace.length - 1),
      oldPathNotFound,
      ...outside,
    };
  return { kind: 'internalAlb', dnsName: route.name, port: route.port, oldPathNotFound, ...outside };
}

function appProtocolOf(
  live: Live,
  callers: readonly FoundCall[],
  findings: Finding[]
): AppProtocol | undefined {
  const given = live.mapping?.appProtocol;
  if (given === 'http' || given === 'http2' || given === 'grpc') return given;
  const httpTargetGroup = live.routes.some((r) =>
    ['HTTP', 'HTTPS'].includes(r.loadBalancer?.targetGroup.Protocol ?? '')
  );
  const httpCalls = callers.some((c) => c.call.format === 'url');
  if (!httpTargetGroup && !httpCalls) return undefined;
  findings.push(noAppProtocol(live, httpTargetGroup));
  return 'http';
}

function timeoutsOf(
  live: Live,
  chosen: Route | undefined,
  appProtocol: AppProtocol | undefined,
  idleTimeouts: ReadonlyMap<string, number>,
  findings: Finding[]
): ServiceSpec['timeouts'] {
  if (!chosen?.loadBalancer || !appProtocol) return undefined;
  const idle = idleTimeouts.get(chosen.loadBalancer.lb.LoadBalancerArn ?? '');
  if (idle === undefined || idle <= DEFAULT_PER_REQUEST_SECONDS) return undefined;
  findings.push(lbIdleTimeout(live.name, chosen.loadBalancer.lb.LoadBalancerName, idle));
  return { perRequestSeconds: idle };
}

function environmentOf(
  container: ContainerDefinition | undefined,
  calls: readonly ServiceCall[],
  name: string,
  findings: Finding[]
): Record<string, string> | undefined {
  const callEnv = new Set(calls.flatMap((c) => (c.env ? [c.env] : [])));
  const redacted: string[] = [];
  const env: Record<string, string> = {};
  for (const { name: key, value } of container?.environment ?? []) {
    if (!key || callEnv.has(key)) continue;
    // A credential in a URL (`https://key@host`, `redis://:password@host`) is a secret too.
    const withoutCredentials = (value ?? '').replace(/(:\/\/)[^/@\s]+@/g, '$1(redacted)@');
    if (SECRET_NAME.test(key) || withoutCredentials !== value) redacted.push(key);
    env[key] = SECRET_NAME.test(key) ? REDACTED : withoutCredentials;
  }
  if (redacted.length > 0) findings.push(redactedEnvironment(name, redacted));
  return Object.keys(env).length > 0 ? env : undefined;
}

function generatedPortName(container: string, port: number, taken: ReadonlySet<string>): string {
  const base = `${container
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '-')
    .replace(/^-+/, '')}-${port}`.slice(-64);
  return uniqueName(PORT_NAME.test(base) ? base : `port-${port}`, taken);
}

function uniqueName(base: string, taken: ReadonlySet<string>): string {
  let name = base;
  for (let i = 2; taken.has(name); i += 1) name = `${base.slice(0, 60)}-${i}`;
  return name;
}

/** Ids from the names, made unique where two names give the same (`orders-api`, `ordersapi`). */
export function uniqueIds(names: readonly string[]): Map<string, string> {
  const ids = new Map<string, string>();
  const taken = new Set<string>();
  for (const name of names) {
    const base = serviceId({ name });
    let id = base;
    for (let i = 2; taken.has(id); i += 1) id = `${base.slice(0, 30)}${i}`;
    taken.add(id);
    ids.set(name, id);
  }
  return ids;
}

/** The awslogs group of the serving container, else of another container of the task. */
function logGroupOf(live: Live): string | undefined {
  const containers = [live.container, ...(live.taskDefinition?.containerDefinitions ?? [])];
  const logging = containers.find((c) => c?.logConfiguration?.logDriver === 'awslogs');
  return logging?.logConfiguration?.options?.['awslogs-group'];
}

function healthCommand(command: readonly string[]): string {
  const [kind, ...rest] = command;
  return kind === 'CMD-SHELL' ? rest.join(' ') : kind === 'CMD' ? rest.join(' ') : command.join(' ');
}
