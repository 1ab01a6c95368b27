import type {
  ContainerDefinition,
  Service as EcsService,
  PortMapping,
  TaskDefinition,
} from '@aws-sdk/client-ecs';
import type { Listener, LoadBalancer, Rule, TargetGroup } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Namespace } from '@aws-sdk/client-servicediscovery';
import { Address, aliasTargetName, effectivePort, recordName } from './addresses';
import { Finding } from './findings';
import { classicLoadBalancer, pathRouting } from './inferred-findings';
import { ClusterSnapshot, RegistryService, primaryServiceConnect } from './snapshot';

/**
 * The routes to each service of the cluster: every name discovery knows for it (a Cloud Map
 * name, an alias or CNAME record of its load balancer, the load balancer's own name), on the
 * port callers use, and which of them an address in a caller's configuration takes.
 */

/**
 * One way to reach a service that discovery knows a name for: an old path (a Cloud Map name, an
 * alias record, a load balancer's own name), attached or detached since, or a client alias of
 * the Service Connect configuration it runs.
 */
export interface Route {
  readonly service: string;
  readonly name: string;
  readonly port: number;
  readonly via: 'cloudMap' | 'alias' | 'loadBalancer' | 'serviceConnect';
  /** A host-header rule names it: preferred over a listener's default action for the same name. */
  readonly specific: boolean;
  /** An old path the service is no longer attached to (its history says it was): callers reach it through Service Connect. */
  readonly detached?: boolean;
  readonly cloudMap?: {
    readonly registryArn: string;
    readonly service: RegistryService;
    readonly namespace: Namespace;
  };
  readonly loadBalancer?: {
    readonly targetGroup: TargetGroup;
    readonly lb: LoadBalancer;
    readonly listener: Listener;
  };
}

/** A service of the cluster with what discovery read about it. */
export interface Live {
  readonly service: EcsService;
  readonly name: string;
  readonly taskDefinition?: TaskDefinition;
  readonly container?: ContainerDefinition;
  readonly mapping?: PortMapping;
  readonly routes: Route[];
  readonly publicEntry?: { readonly port: number; readonly healthCheckPath: string };
}

/** The container and port a service is reached on, its routes and its public entry. */
export function liveService(snapshot: ClusterSnapshot, service: EcsService, findings: Finding[]): Live {
  const name = service.serviceName!;
  const taskDefinition = snapshot.taskDefinitions.get(service.taskDefinition ?? '');
  const containers = taskDefinition?.containerDefinitions ?? [];
  const attached = [...(service.loadBalancers ?? []), ...(service.serviceRegistries ?? [])].find(
    (a) => a.containerName !== undefined && a.containerPort !== undefined
  );
  // Without an old path attached, the port its Service Connect endpoint names is the one served.
  const endpointPort = primaryServiceConnect(service)?.services?.[0]?.portName;
  const named = endpointPort
    ? containers.find((c) => (c.portMappings ?? []).some((m) => m.name === endpointPort))
    : undefined;
  const container =
    containers.find((c) => c.name === attached?.containerName) ??
    named ??
    containers.find((c) => (c.portMappings ?? []).length > 0 && c.essential !== false) ??
    containers.find((c) => (c.portMappings ?? []).length > 0) ??
    // A client-only service: its (first essential) container, for its image and logs.
    containers.find((c) => c.essential !== false) ??
    containers[0];
  const mapping =
    container?.portMappings?.find((m) => m.containerPort === attached?.containerPort) ??
    (attached ? undefined : container?.portMappings?.find((m) => m.name === endpointPort)) ??
    container?.portMappings?.[0];
  const port = mapping?.containerPort;
  const behindLoadBalancers = loadBalancerRoutes(snapshot, service, findings);
  return {
    service,
    name,
    taskDefinition,
    container,
    mapping,
    routes: [
      ...cloudMapRoutes(snapshot, service, port),
      ...behindLoadBalancers.routes,
      ...serviceConnectRoutes(snapshot, service),
    ],
    publicEntry: behindLoadBalancers.publicEntry,
  };
}

/** The service's Cloud Map names, one per registry (attached, or detached since), on its container port. */
function cloudMapRoutes(snapshot: ClusterSnapshot, service: EcsService, port: number | undefined): Route[] {
  const registries = [
    ...(service.serviceRegistries ?? []).map((r) => ({ arn: r.registryArn ?? '', detached: false })),
    ...(snapshot.detached?.get(service.serviceName!)?.registryArns ?? []).map((arn) => ({
      arn,
      detached: true,
    })),
  ];
  const routes: Route[] = [];
  for (const registry of registries) {
    const cm = snapshot.registries.get(registry.arn);
    const ns = cm && snapshot.namespaces.get(cm.NamespaceId ?? '');
    if (!cm || !ns || port === undefined) continue;
    routes.push({
      service: service.serviceName!,
      name: `${cm.Name}.${ns.Name}`.toLowerCase(),
      port,
      via: 'cloudMap',
      specific: true,
      ...(registry.detached && { detached: true }),
      cloudMap: { registryArn: registry.arn, service: cm, namespace: ns },
    });
  }
  return routes;
}

/**
 * The names the service's live Service Connect configuration answers on: each client alias, by
 * its `dnsName` or ECS's default `<discoveryName>.<namespace>`. A caller whose address is one of
 * them calls the service, whether or not an old path still leads there.
 */
function serviceConnectRoutes(snapshot: ClusterSnapshot, service: EcsService): Route[] {
  const config = primaryServiceConnect(service);
  const namespace = snapshot.serviceConnectNamespaces?.get(config?.namespace ?? '')?.namespace.Name;
  return (config?.services ?? []).flatMap((endpoint) =>
    (endpoint.clientAliases ?? []).flatMap((alias): Route[] => {
      const discovery = endpoint.discoveryName ?? endpoint.portName;
      const name = alias.dnsName ?? (namespace && `${discovery}.${namespace}`);
      if (!name || alias.port === undefined) return [];
      return [
        {
          service: service.serviceName!,
          name: name.toLowerCase(),
          port: alias.port,
          via: 'serviceConnect',
          specific: true,
        },
      ];
    })
  );
}

/**
 * The names of the service's internal load balancers (alias records, host rules, the load
 * balancer's own name) on the listener ports callers use, and its public entry.
 */
function loadBalancerRoutes(
  snapshot: ClusterSnapshot,
  service: EcsService,
  findings: Finding[]
): { routes: Route[]; publicEntry?: Live['publicEntry'] } {
  const name = service.serviceName!;
  const routes: Route[] = [];
  let publicEntry: Live['publicEntry'];
  const attachments = [
    ...(service.loadBalancers ?? []).map((a) => ({ ...a, detached: false })),
    ...(snapshot.detached?.get(name)?.targetGroupArns ?? []).map((targetGroupArn) => ({
      targetGroupArn,
      loadBalancerName: undefined,
      detached: true,
    })),
  ];
  for (const attachment of attachments) {
    if (attachment.loadBalancerName) {
      findings.push(classicLoadBalancer(name, attachment.loadBalancerName));
      continue;
    }
    const targetGroup = snapshot.targetGroups.find((tg) => tg.TargetGroupArn === attachment.targetGroupArn);
    for (const lbArn of targetGroup?.LoadBalancerArns ?? []) {
      const lb = snapshot.loadBalancers.find((l) => l.LoadBalancerArn === lbArn);
      if (!lb || !targetGroup) continue;
      for (const { listener, hosts, paths } of listenersTo(snapshot, lb, targetGroup)) {
        if (lb.Scheme === 'internet-facing') {
          if (!attachment.detached)
            publicEntry ??= { port: listener.Port!, healthCheckPath: targetGroup.HealthCheckPath ?? '/' };
          continue;
        }
        if (paths) {
          if (!attachment.detached) findings.push(pathRouting(name, lb.LoadBalancerName, listener.Port));
          continue;
        }
        const found = listenerRoutes(snapshot, name, { targetGroup, lb, listener }, hosts);
        routes.push(...(attachment.detached ? found.map((r) => ({ ...r, detached: true })) : found));
      }
    }
  }
  return { routes, publicEntry };
}

/** The names that lead to the service through one listener: by a host rule, or its default action. */
function listenerRoutes(
  snapshot: ClusterSnapshot,
  service: string,
  loadBalancer: NonNullable<Route['loadBalancer']>,
  hosts: string[] | undefined
): Route[] {
  const { lb, listener } = loadBalancer;
  const lbName = aliasTargetName(lb.DNSName ?? '');
  // A listener's default action gets the names that none of its host rules claims.
  const claimed = hostRules(snapshot, listener);
  const names = [
    ...aliasRecords(snapshot, lbName).filter((n) =>
      hosts ? hosts.some((h) => hostMatches(h, n)) : !claimed.some((h) => hostMatches(h, n))
    ),
    ...(hosts ?? []).filter((h) => !h.includes('*')),
  ];
  const routes: Route[] = [...new Set(names)].map((recordNameOf) => ({
    service,
    name: recordNameOf,
    port: listener.Port!,
    via: 'alias',
    specific: hosts !== undefined,
    loadBalancer,
  }));
  if (!hosts) {
    routes.push({
      service,
      name: lbName,
      port: listener.Port!,
      via: 'loadBalancer',
      specific: false,
      loadBalancer,
    });
  }
  return routes;
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
export function routeIndex(lives: readonly Live[]): Map<string, Route[]> {
  const index = new Map<string, Route[]>();
  for (const route of lives.flatMap((l) => l.routes))
    index.set(route.name, [...(index.get(route.name) ?? []), route]);
  return index;
}

/** The route an address takes: one service, several (ambiguous), or none known. */
export function resolveRoute(
  index: ReadonlyMap<string, Route[]>,
  address: Address
): Route | 'ambiguous' | undefined {
  const routes = index.get(address.host);
  if (!routes) return undefined;
  const port = effectivePort(address);
  const onPort = routes.filter((r) => port === undefined || r.port === port || r.via === 'cloudMap');
  const specific = onPort.some((r) => r.specific) ? onPort.filter((r) => r.specific) : onPort;
  const services = new Set(specific.map((r) => r.service));
  if (services.size > 1) return 'ambiguous';
  return specific[0];
}

/**
 * The route a service keeps as its client alias. A service that runs Service Connect keeps a name
 * its live configuration answers on (the one most callers use), by the old path of that name
 * where one is known, attached or detached: a migrated cluster is read as it runs, and the plan
 * has nothing to change. Otherwise the name most callers use; with none, Cloud Map before an
 * alias record before the load balancer's own name.
 */
export function chooseRoute(live: Live, callers: readonly { readonly route: Route }[]): Route | undefined {
  const rank = { cloudMap: 0, alias: 1, loadBalancer: 2, serviceConnect: 3 };
  const aliases = live.routes.filter((r) => r.via === 'serviceConnect');
  const aliased = (route: Route) =>
    aliases.some((a) => a.name === route.name && a.port === route.port) ? 0 : 1;
  const uses = (route: Route) => callers.filter((c) => c.route.name === route.name).length;
  return [...live.routes].sort(
    (a, b) => aliased(a) - aliased(b) || uses(b) - uses(a) || rank[a.via] - rank[b.via]
  )[0];
}
