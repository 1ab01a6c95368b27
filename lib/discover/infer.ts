import type {
  ContainerDefinition,
  Service as EcsService,
  PortMapping,
  TaskDefinition,
} from '@aws-sdk/client-ecs';
import type { Listener, LoadBalancer, Rule, TargetGroup } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Namespace, Service as CloudMapService } from '@aws-sdk/client-servicediscovery';
import { DEFAULT_PER_REQUEST_SECONDS, callCycles, validateTopology } from '../model/graph';
import {
  AppProtocol,
  LegacyDiscovery,
  PORT_NAME,
  SERVICE_ID,
  ServiceCall,
  ServiceSpec,
  Topology,
  serviceId,
} from '../model/topology';
import {
  Address,
  addressesIn,
  aliasTargetName,
  effectivePort,
  looksLikeAddress,
  recordName,
  valueFormat,
} from './addresses';
import { Finding, UnmatchedAddress, sortFindings } from './findings';
import { ClusterSnapshot } from './snapshot';

/** What discovery makes of a snapshot. */
export interface Discovery {
  readonly topology: Topology;
  readonly findings: readonly Finding[];
  readonly unmatched: readonly UnmatchedAddress[];
}

/** Choices the user makes on the command line. */
export interface InferOptions {
  /** The Service Connect namespace to migrate into (default: the cluster's default, else `<cluster>.sc.internal`). */
  readonly namespace?: string;
}

/** Environment names whose values discovery does not copy into the file. */
const SECRET_NAME = /pass|secret|token|key|credential|private|auth/i;
const REDACTED = '(redacted by discovery)';

/** One way to reach a service that discovery knows a name for. */
interface Route {
  readonly service: string;
  readonly name: string;
  readonly port: number;
  readonly via: 'cloudMap' | 'alias' | 'loadBalancer';
  /** A host-header rule names it: preferred over a listener's default action for the same name. */
  readonly specific: boolean;
  readonly cloudMap?: {
    readonly registryArn: string;
    readonly service: CloudMapService;
    readonly namespace: Namespace;
  };
  readonly loadBalancer?: {
    readonly targetGroup: TargetGroup;
    readonly lb: LoadBalancer;
    readonly listener: Listener;
  };
}

/** A service of the cluster with what discovery read about it. */
interface Live {
  readonly service: EcsService;
  readonly name: string;
  readonly taskDefinition?: TaskDefinition;
  readonly container?: ContainerDefinition;
  readonly mapping?: PortMapping;
  readonly routes: Route[];
  readonly publicEntry?: { readonly port: number; readonly healthCheckPath: string };
}

/** A call found in a caller's configuration. */
interface FoundCall {
  readonly caller: string;
  readonly route: Route;
  readonly call: Omit<ServiceCall, 'service' | 'name'>;
}

/**
 * Turns what was read into a topology (the file `apply` reads) and findings. Pure: no AWS call.
 * Every call it infers names its evidence; values that look like addresses and match no known
 * name are listed, never guessed. The topology passes `validateTopology`.
 */
export function inferTopology(snapshot: ClusterSnapshot, options: InferOptions = {}): Discovery {
  const findings: Finding[] = [];
  const unmatched: UnmatchedAddress[] = [];
  const lives = snapshot.services.map((service) => liveService(snapshot, service, findings));
  const index = routeIndex(lives);
  const foreign = foreignNames(snapshot, lives);

  const calls = lives.flatMap((live) => callsOf(live, index, foreign, unmatched, findings));
  const chosen = new Map(
    lives.map((live) => [
      live.name,
      chooseRoute(
        live,
        calls.filter((c) => c.route.service === live.name)
      ),
    ])
  );
  const ids = uniqueIds(lives.map((l) => l.name));
  const endpointNames = new Set<string>();
  const specs = lives.map((live) =>
    serviceSpec({ snapshot, live, calls, chosen, id: ids.get(live.name)!, endpointNames, findings })
  );

  findings.push(...cycleFindings(specs), ...foreignFindings(foreign, snapshot.cluster));
  for (const unread of snapshot.unread ?? []) {
    findings.push({
      code: 'not-read',
      severity: 'warning',
      services: [],
      what: `Not read, access denied: ${unread}`,
      why: 'The names and calls that go through what was not read are missing from the file: their callers would keep the old path.',
      action:
        'Run discover again with read access to it (docs/your-services.md lists the permissions), or add those names and calls by hand.',
    });
  }
  // The log group most services write to is the topology's; a service names its own only when it differs.
  const logGroupName = mostCommon(specs.map((s) => s.logGroupName));
  const topology: Topology = {
    ...(clusterId(snapshot.cluster) && { name: clusterId(snapshot.cluster) }),
    clusterName: snapshot.cluster,
    ...(logGroupName !== undefined && { logGroupName }),
    serviceConnectNamespace:
      options.namespace ?? snapshot.defaultNamespace ?? `${snapshot.cluster.toLowerCase()}.sc.internal`,
    services: specs.map(({ logGroupName: own, ...spec }) => ({
      ...spec,
      ...(own !== undefined && own !== logGroupName && { logGroupName: own }),
    })),
  };
  validateTopology(topology);
  return { topology, findings: sortFindings(findings), unmatched };
}

/** The container and port a service is reached on, its routes and its public entry. */
function liveService(snapshot: ClusterSnapshot, service: EcsService, findings: Finding[]): Live {
  const name = service.serviceName!;
  const taskDefinition = snapshot.taskDefinitions.get(service.taskDefinition ?? '');
  const containers = taskDefinition?.containerDefinitions ?? [];
  const attached = [...(service.loadBalancers ?? []), ...(service.serviceRegistries ?? [])].find(
    (a) => a.containerName !== undefined && a.containerPort !== undefined
  );
  const container =
    containers.find((c) => c.name === attached?.containerName) ??
    containers.find((c) => (c.portMappings ?? []).length > 0 && c.essential !== false) ??
    containers.find((c) => (c.portMappings ?? []).length > 0) ??
    // A client-only service: its (first essential) container, for its image and logs.
    containers.find((c) => c.essential !== false) ??
    containers[0];
  const mapping =
    container?.portMappings?.find((m) => m.containerPort === attached?.containerPort) ??
    container?.portMappings?.[0];
  const port = mapping?.containerPort;
  const routes: Route[] = [];
  let publicEntry: Live['publicEntry'];

  for (const registry of service.serviceRegistries ?? []) {
    const cm = snapshot.registries.get(registry.registryArn ?? '');
    const ns = cm && snapshot.namespaces.get(cm.NamespaceId ?? '');
    if (!cm || !ns || port === undefined) continue;
    routes.push({
      service: name,
      name: `${cm.Name}.${ns.Name}`.toLowerCase(),
      port,
      via: 'cloudMap',
      specific: true,
      cloudMap: { registryArn: registry.registryArn!, service: cm, namespace: ns },
    });
  }
  for (const attachment of service.loadBalancers ?? []) {
    if (attachment.loadBalancerName) {
      findings.push({
        code: 'classic-load-balancer',
        severity: 'warning',
        services: [name],
        what: `${name} is behind the Classic Load Balancer '${attachment.loadBalancerName}', which discovery does not read.`,
        why: 'Calls through its name are not found, so the topology may miss callers of this service.',
        action:
          'Add the calls to the file by hand (calls[].env and format), and keep the load balancer: retire does not touch it.',
      });
      continue;
    }
    const targetGroup = snapshot.targetGroups.find((tg) => tg.TargetGroupArn === attachment.targetGroupArn);
    for (const lbArn of targetGroup?.LoadBalancerArns ?? []) {
      const lb = snapshot.loadBalancers.find((l) => l.LoadBalancerArn === lbArn);
      if (!lb || !targetGroup) continue;
      for (const { listener, hosts, paths } of listenersTo(snapshot, lb, targetGroup)) {
        if (lb.Scheme === 'internet-facing') {
          publicEntry ??= { port: listener.Port!, healthCheckPath: targetGroup.HealthCheckPath ?? '/' };
          continue;
        }
        if (paths) {
          findings.push({
            code: 'path-routing',
            severity: 'error',
            services: [name],
            what: `${name} is reached through a path rule of ${lb.LoadBalancerName}'s listener on port ${listener.Port}: callers share the name with other services.`,
            why: 'Service Connect routes by name and port, not by path: one name cannot lead to several services.',
            action: `Give ${name} a name of its own (a host-header rule and an alias record, or Cloud Map) and move its callers to it before the migration; until then the file leaves that name out.`,
          });
          continue;
        }
        const lbName = aliasTargetName(lb.DNSName ?? '');
        // A listener's default action gets the names that none of its host rules claims.
        const claimed = hostRules(snapshot, listener);
        const names = [
          ...aliasRecords(snapshot, lbName).filter((n) =>
            hosts ? hosts.some((h) => hostMatches(h, n)) : !claimed.some((h) => hostMatches(h, n))
          ),
          ...(hosts ?? []).filter((h) => !h.includes('*')),
        ];
        for (const recordNameOf of new Set(names)) {
          routes.push({
            service: name,
            name: recordNameOf,
            port: listener.Port!,
            via: 'alias',
            specific: hosts !== undefined,
            loadBalancer: { targetGroup, lb, listener },
          });
        }
        if (!hosts) {
          routes.push({
            service: name,
            name: lbName,
            port: listener.Port!,
            via: 'loadBalancer',
            specific: false,
            loadBalancer: { targetGroup, lb, listener },
          });
        }
      }
    }
  }
  return { service, name, taskDefinition, container, mapping, routes, publicEntry };
}

/** The listeners of `lb` that forward to `targetGroup`: by their default action, or by rules (host or path). */
function listenersTo(
  snapshot: ClusterSnapshot,
  lb: LoadBalancer,
  targetGroup: TargetGroup
): { listener: Listener; hosts?: string[]; paths: boolean }[] {
  const found: { listener: Listener; hosts?: string[]; paths: boolean }[] = [];
  for (const listener of snapshot.listeners.filter((l) => l.LoadBalancerArn === lb.LoadBalancerArn)) {
    const rules = snapshot.rules.get(listener.ListenerArn ?? '') ?? [];
    if (forwardsTo(listener.DefaultActions, targetGroup)) found.push({ listener, paths: false });
    for (const rule of rules.filter((r) => !r.IsDefault && forwardsTo(r.Actions, targetGroup))) {
      const hosts = ruleValues(rule, 'host-header');
      const paths = ruleValues(rule, 'path-pattern');
      found.push({
        listener,
        hosts: hosts.length > 0 ? hosts.map((h) => h.toLowerCase()) : undefined,
        paths: paths.length > 0,
      });
    }
  }
  return found;
}

/** The host-header values of a listener's rules. */
function hostRules(snapshot: ClusterSnapshot, listener: Listener): string[] {
  return (snapshot.rules.get(listener.ListenerArn ?? '') ?? [])
    .filter((r) => !r.IsDefault)
    .flatMap((r) => ruleValues(r, 'host-header'))
    .map((h) => h.toLowerCase());
}

function forwardsTo(actions: Rule['Actions'], targetGroup: TargetGroup): boolean {
  return (actions ?? []).some(
    (a) =>
      a.Type === 'forward' &&
      (a.TargetGroupArn === targetGroup.TargetGroupArn ||
        (a.ForwardConfig?.TargetGroups ?? []).some((t) => t.TargetGroupArn === targetGroup.TargetGroupArn))
  );
}

function ruleValues(rule: Rule, field: 'host-header' | 'path-pattern'): string[] {
  return (rule.Conditions ?? []).flatMap((c) =>
    c.Field !== field
      ? []
      : [
          ...(c.Values ?? []),
          ...(field === 'host-header'
            ? (c.HostHeaderConfig?.Values ?? [])
            : (c.PathPatternConfig?.Values ?? [])),
        ]
  );
}

/** Whether a host-header value (`*.shop.internal`, `orders.shop.internal`) matches a name. */
function hostMatches(pattern: string, name: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .toLowerCase()
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`
  );
  return regex.test(name);
}

/** Names of the A/AAAA alias and CNAME records of the private zones that point at a load balancer. */
function aliasRecords(snapshot: ClusterSnapshot, lbName: string): string[] {
  return snapshot.records
    .filter(({ record }) => {
      if (record.AliasTarget?.DNSName) return aliasTargetName(record.AliasTarget.DNSName) === lbName;
      return (
        record.Type === 'CNAME' &&
        (record.ResourceRecords ?? []).some((r) => aliasTargetName(r.Value ?? '') === lbName)
      );
    })
    .map(({ record }) => recordName(record.Name ?? ''))
    .filter((n) => !n.startsWith('*'));
}

/** Every known name, to the routes it may lead to. */
function routeIndex(lives: readonly Live[]): Map<string, Route[]> {
  const index = new Map<string, Route[]>();
  for (const route of lives.flatMap((l) => l.routes))
    index.set(route.name, [...(index.get(route.name) ?? []), route]);
  return index;
}

/** Names in the Cloud Map namespaces that no service of this cluster registers, with who does. */
function foreignNames(snapshot: ClusterSnapshot, lives: readonly Live[]): Map<string, string[]> {
  const ours = new Set(lives.flatMap((l) => l.routes.filter((r) => r.via === 'cloudMap').map((r) => r.name)));
  const foreign = new Map<string, string[]>();
  for (const [nsId, summaries] of snapshot.namespaceServices) {
    const ns = snapshot.namespaces.get(nsId);
    for (const summary of summaries) {
      const name = `${summary.Name}.${ns?.Name}`.toLowerCase();
      if (ours.has(name)) continue;
      const clusters = [
        ...new Set(
          (snapshot.instances.get(summary.Id ?? '') ?? []).map(
            (i) => i.Attributes?.ECS_CLUSTER_NAME ?? 'outside ECS'
          )
        ),
      ];
      foreign.set(name, clusters.length > 0 ? clusters : ['no instances']);
    }
  }
  return foreign;
}

/** The calls in a caller's environment values and command arguments, of every container of its task. */
function callsOf(
  live: Live,
  index: ReadonlyMap<string, Route[]>,
  foreign: ReadonlyMap<string, string[]>,
  unmatched: UnmatchedAddress[],
  findings: Finding[]
): FoundCall[] {
  const found: FoundCall[] = [];
  const ownNames = new Set(live.routes.map((r) => r.name));
  const withSecrets: string[] = [];
  for (const container of live.taskDefinition?.containerDefinitions ?? []) {
    if ((container.secrets ?? []).length > 0) withSecrets.push(container.name ?? '?');
    const values: { value: string; evidence: string; where: Pick<ServiceCall, 'env' | 'argument'> }[] = [
      ...(container.environment ?? []).map((e) => ({
        value: e.value ?? '',
        evidence: `container ${container.name}, environment ${e.name}`,
        where: { env: e.name! },
      })),
      ...(container.command ?? []).map((value, argument) => ({
        value,
        evidence: `container ${container.name}, command argument ${argument}`,
        where: { argument },
      })),
    ];
    for (const { value, evidence, where } of values) {
      for (const address of addressesIn(value)) {
        const route = resolve(index, address);
        if (route !== 'ambiguous' && route?.service === live.name) continue;
        if (!route && ownNames.has(address.host)) continue;
        if (route === 'ambiguous') {
          unmatched.push({
            service: live.name,
            evidence: `${evidence} (more than one service answers on this name; give the port)`,
            address: show(address),
          });
        } else if (route) {
          found.push({
            caller: live.name,
            route,
            call: { ...where, format: valueFormat(value, address), evidence },
          });
        } else if (!foreign.has(address.host) && looksLikeAddress(address, value)) {
          unmatched.push({ service: live.name, evidence, address: show(address) });
        }
      }
    }
  }
  if (withSecrets.length > 0) {
    findings.push({
      code: 'secrets-not-read',
      severity: 'info',
      services: [live.name],
      what: `${live.name} takes values from Secrets Manager or SSM (container ${withSecrets.join(', ')}), which discovery does not read.`,
      why: 'An address kept in a secret is a call discovery cannot see.',
      action: "If a secret holds another service's address, add that call to the file by hand.",
    });
  }
  return found;
}

/** The route an address takes: one service, several (ambiguous), or none known. */
function resolve(index: ReadonlyMap<string, Route[]>, address: Address): Route | 'ambiguous' | undefined {
  const routes = index.get(address.host);
  if (!routes) return undefined;
  const port = effectivePort(address);
  const onPort = routes.filter((r) => port === undefined || r.port === port || r.via === 'cloudMap');
  const specific = onPort.some((r) => r.specific) ? onPort.filter((r) => r.specific) : onPort;
  const services = new Set(specific.map((r) => r.service));
  if (services.size > 1) return 'ambiguous';
  return specific[0];
}

function show(address: Address): string {
  return `${address.scheme ? `${address.scheme}://` : ''}${address.host}${address.port !== undefined ? `:${address.port}` : ''}`;
}

/** What {@link serviceSpec} works with. */
interface SpecContext {
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
function serviceSpec(context: SpecContext): ServiceSpec {
  const { snapshot, live, calls, id, endpointNames, findings } = context;
  const { name, container, mapping } = live;
  const callers = calls.filter((c) => c.route.service === name);
  const chosen = context.chosen.get(name);
  const legacyDiscovery = chosen
    ? legacyDiscoveryOf(chosen, callers.length === 0, snapshot)
    : { kind: 'none' as const };
  const called = legacyDiscovery.kind !== 'none';
  const ownCalls = callsFrom(name, calls, context.chosen);

  if (chosen && callers.length === 0) {
    findings.push({
      code: 'uncalled-name',
      severity: 'warning',
      services: [name],
      what: `${chosen.name} (${chosen.via === 'cloudMap' ? 'Cloud Map' : 'load balancer'}) is ${name}'s name, and no service of this cluster calls it.`,
      why: 'Callers outside ECS (Lambda, EC2, another cluster, people) may use it: after retire it would lead nowhere.',
      action:
        'The file marks it calledFromOutside: apply keeps the name as a client alias, and retire refuses it unless --allow-outside-callers.',
    });
  }
  for (const other of new Set(
    callers.filter((c) => c.route.name !== chosen?.name).map((c) => c.route.name)
  )) {
    const using = callers.filter((c) => c.route.name === other).map((c) => c.caller);
    findings.push({
      code: 'two-names',
      severity: 'warning',
      services: [name, ...using],
      what: `${name} is called as ${chosen?.name} and also as ${other} (by ${using.join(', ')}).`,
      why: 'Service Connect gives an endpoint one client alias: callers of the other name keep using the old path.',
      action: `The file keeps ${chosen?.name} as the alias and records the other name on those calls (calls[].name); retire refuses ${name} until they call ${chosen?.name}.`,
    });
  }
  const paths = new Set(
    live.routes.map((r) => (r.cloudMap ? r.cloudMap.registryArn : r.loadBalancer?.targetGroup.TargetGroupArn))
  );
  if (chosen && paths.size > 1) {
    findings.push({
      code: 'second-path',
      severity: 'info',
      services: [name],
      what: `${name} is reachable through ${paths.size} old paths (Cloud Map registries or internal target groups).`,
      why: 'The file records one of them; retire detaches only that one.',
      action: 'Detach the other by hand once nobody uses it.',
    });
  }

  let portName = mapping?.name;
  let discoveryName: string | undefined;
  if (called && !portName) {
    portName = generatedPortName(container?.name ?? name, mapping!.containerPort!, endpointNames);
    findings.push({
      code: 'unnamed-port',
      severity: 'warning',
      services: [name],
      what: `Port ${mapping!.containerPort} of container ${container?.name} has no name.`,
      why: 'Service Connect refers to a port by its name in the task definition.',
      action: `The file names it '${portName}': apply registers a revision of the task definition that differs only by the port's name (and app protocol) and moves the service to it; rollback returns it to the revision it had.`,
    });
  }
  if (called && portName && endpointNames.has(portName)) {
    discoveryName = uniqueName(`${id}-${portName}`.slice(0, 64), endpointNames);
  }
  if (called) endpointNames.add(discoveryName ?? portName!);

  const appProtocol = appProtocolOf(live, callers, findings);
  const timeouts = timeoutsOf(live, chosen, appProtocol, snapshot.idleTimeouts, findings);
  const environment = environmentOf(container, ownCalls, name, findings);
  const logGroupName =
    container?.logConfiguration?.logDriver === 'awslogs'
      ? container.logConfiguration.options?.['awslogs-group']
      : undefined;
  serviceFindings(live, ownCalls, called, findings);

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

/** The name most callers use; with none, Cloud Map before an alias record before the load balancer's own name. */
function chooseRoute(live: Live, callers: readonly FoundCall[]): Route | undefined {
  const rank = { cloudMap: 0, alias: 1, loadBalancer: 2 };
  const uses = (route: Route) => callers.filter((c) => c.route.name === route.name).length;
  return [...live.routes].sort((a, b) => uses(b) - uses(a) || rank[a.via] - rank[b.via])[0];
}

function legacyDiscoveryOf(route: Route, uncalled: boolean, snapshot: ClusterSnapshot): LegacyDiscovery {
  const outside = uncalled ? { calledFromOutside: true } : {};
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
 * The calls of `caller`, one per callee (the first found; the others' evidence appended). A call
 * through another name than the callee's alias records that name.
 */
function callsFrom(
  caller: string,
  calls: readonly FoundCall[],
  chosen: ReadonlyMap<string, Route | undefined>
): ServiceCall[] {
  const byCallee = new Map<string, ServiceCall>();
  for (const { route, call } of calls.filter((c) => c.caller === caller)) {
    const existing = byCallee.get(route.service);
    if (existing) {
      byCallee.set(route.service, { ...existing, evidence: `${existing.evidence}; also ${call.evidence}` });
      continue;
    }
    const otherName = route.name !== chosen.get(route.service)?.name;
    byCallee.set(route.service, { service: route.service, ...call, ...(otherName && { name: route.name }) });
  }
  return [...byCallee.values()];
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
  findings.push({
    code: 'no-app-protocol',
    severity: 'warning',
    services: [live.name],
    what: `${live.name}'s port ${live.mapping?.containerPort} speaks HTTP (${httpTargetGroup ? 'an HTTP target group' : 'called with http:// URLs'}) but has no app protocol.`,
    why: 'Without it Service Connect treats the port as TCP: no per-request timeout, no HTTP status metrics, no retries of failed connections per request.',
    action:
      "The file sets appProtocol 'http': apply registers a revision of the task definition with it (with the port's name). Set http2 or grpc instead if that is what it speaks.",
  });
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
  findings.push({
    code: 'lb-idle-timeout',
    severity: 'warning',
    services: [live.name],
    what: `${live.name}'s callers go through ${chosen.loadBalancer.lb.LoadBalancerName}, whose idle timeout is ${idle} s; Service Connect ends an HTTP request after ${DEFAULT_PER_REQUEST_SECONDS} s by default.`,
    why: 'A request that takes longer works today and would fail with a 504 after the migration.',
    action: `The file sets timeouts.perRequestSeconds to ${idle}, today's limit; lower it to what requests really need.`,
  });
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
  if (redacted.length > 0) {
    findings.push({
      code: 'redacted-environment',
      severity: 'info',
      services: [name],
      what: `${name} has plain environment values that look like secrets (${redacted.join(', ')}: by their name, or a credential in a URL); the file does not copy them.`,
      why: "A topology file is shared and committed; secrets belong in Secrets Manager or SSM (the task definition's secrets).",
      action: 'Nothing for the migration: it never writes environment values. Move them to secrets.',
    });
  }
  return Object.keys(env).length > 0 ? env : undefined;
}

/** Findings about one service that need nothing but what was read. */
function serviceFindings(
  live: Live,
  calls: readonly ServiceCall[],
  called: boolean,
  findings: Finding[]
): void {
  const { name, container } = live;
  const ports = (live.taskDefinition?.containerDefinitions ?? []).flatMap((c) =>
    (c.portMappings ?? []).map((m) => `${c.name}:${m.containerPort}`)
  );
  if (called && !container?.healthCheck) {
    findings.push({
      code: 'no-health-check',
      severity: 'warning',
      services: [name],
      what: `Container ${container?.name} of ${name} has no health check.`,
      why: 'Service Connect sends a new task requests as soon as it runs, before the application is ready (containers-roadmap#2334); a load balancer waited for its health check.',
      action:
        'Add a container health check, and a small non-essential container that dependsOn it with condition HEALTHY (the workaround AWS validated).',
    });
  }
  if (calls.length > 0 && /nginx|openresty/i.test(container?.image ?? '')) {
    findings.push({
      code: 'nginx-ipv6',
      severity: 'warning',
      services: [name],
      what: `${name} runs nginx (${container?.image}) and calls ${calls.map((c) => c.service).join(', ')} by name.`,
      why: 'Service Connect writes an IPv4 and an IPv6 hosts entry per alias (containers-roadmap#2742); in an IPv4-only VPC nginx may try the IPv6 address first. Measured here: an unreachable IPv6 address costs nothing, a silent one up to proxy_connect_timeout.',
      action:
        'Rehearse with traffic (npm run traffic) before production; if requests stall, resolve the name to IPv4 only (resolver … ipv6=off) in the nginx configuration.',
    });
  }
  if (ports.length > 1) {
    findings.push({
      code: 'several-ports',
      severity: 'info',
      services: [name],
      what: `${name} listens on ${ports.join(', ')}.`,
      why: `The file migrates one port (${container?.name}:${live.mapping?.containerPort}); Service Connect would need an endpoint per port.`,
      action: 'If callers use another port, it keeps its old path: do not retire it until they stop.',
    });
  }
  if (!live.mapping && live.routes.length === 0 && (live.service.serviceRegistries ?? []).length > 0) {
    findings.push({
      code: 'no-port',
      severity: 'warning',
      services: [name],
      what: `${name} is registered in Cloud Map but its task definition has no port mapping.`,
      why: 'Service Connect needs a named port to give it an endpoint.',
      action: 'Add a port mapping to the task definition first; the file leaves it client-only.',
    });
  }
  const controller = live.service.deploymentController?.type;
  if (controller !== undefined && controller !== 'ECS') {
    findings.push({
      code: 'deployment-controller',
      severity: 'error',
      services: [name],
      what: `${name} is deployed by ${controller === 'CODE_DEPLOY' ? 'CodeDeploy' : 'an external controller'} (deploymentController ${controller}).`,
      why: 'UpdateService cannot change its Service Connect configuration or task definition: apply refuses it.',
      action:
        'Migrate it through its controller, or move it to the ECS deployment controller (blue/green is an ECS strategy now) first; leave it out of the file meanwhile.',
    });
  }
  const config = live.service.deployments?.find((d) => d.status === 'PRIMARY')?.serviceConnectConfiguration;
  if (config?.enabled) {
    findings.push({
      code: 'already-service-connect',
      severity: 'info',
      services: [name],
      what: `${name} already has Service Connect on (namespace ${config.namespace}).`,
      why: 'apply compares what runs with what the file says and skips it when they agree; a different configuration is replaced.',
      action: 'Check that serviceConnectNamespace in the file is the namespace it uses.',
    });
  }
}

function cycleFindings(specs: readonly ServiceSpec[]): Finding[] {
  return callCycles({ clusterName: 'x', serviceConnectNamespace: 'x', services: specs })
    .filter((c) => c.length > 1)
    .map((cycle) => ({
      code: 'call-cycle' as const,
      severity: 'info' as const,
      services: cycle,
      what: `${cycle.join(' → ')} → ${cycle[0]} call each other.`,
      why: 'No order puts the servers first: a task reaches only the endpoints that existed when it started.',
      action:
        "Nothing: apply migrates them in one wave, then redeploys each one whose tasks started before another member's endpoint existed.",
    }));
}

function foreignFindings(foreign: ReadonlyMap<string, string[]>, cluster: string): Finding[] {
  const others = [...foreign].filter(([, clusters]) => clusters.some((c) => c !== cluster));
  if (others.length === 0) return [];
  return [
    {
      code: 'other-clusters',
      severity: 'warning',
      services: [],
      what: `The Cloud Map namespaces also hold names registered by others: ${others.map(([name, c]) => `${name} (${c.join(', ')})`).join('; ')}.`,
      why: 'Those services and their callers are not in this topology: they keep using DNS, and Service Connect in this cluster does not reach them.',
      action:
        'Migrate those clusters with their own topology, into the same Service Connect namespace; calls to them keep working through DNS meanwhile.',
    },
  ];
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
function uniqueIds(names: readonly string[]): Map<string, string> {
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

function clusterId(cluster: string): string | undefined {
  const id = serviceId({ name: cluster });
  return SERVICE_ID.test(id) ? id : undefined;
}

function healthCommand(command: readonly string[]): string {
  const [kind, ...rest] = command;
  return kind === 'CMD-SHELL' ? rest.join(' ') : kind === 'CMD' ? rest.join(' ') : command.join(' ');
}

function mostCommon(values: readonly (string | undefined)[]): string | undefined {
  const counts = new Map<string, number>();
  for (const v of values) if (v) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
}
