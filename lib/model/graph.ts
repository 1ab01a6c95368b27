import { Problems, oneOf } from '../core/validation';
import { liveNames, servesName } from './live-service-connect';
import { ServiceSpec, Topology, endpointName, serviceId } from './topology';

/** Service Connect limit on a client alias's DNS name. */
export const MAX_DNS_NAME_LENGTH = 127;

/** `services[2]`: the JSON path of a service of the topology. */
const at = (index: number) => `services[${index}]`;

/**
 * Checks what a migration needs of a topology: unique names, ids and port names, calls only to
 * known services that callers can find before the migration, a name for every such service, and
 * each old name used once. Reports every problem at once, one line each, naming the JSON path,
 * the value and what is allowed. A cycle of calls is allowed: the migration moves its members in
 * one wave.
 *
 * @throws ValidationError
 */
export function validateTopology(topology: Topology): void {
  const problems = new Problems();
  topologyProblems(topology, problems);
  problems.throwIfAny();
}

function topologyProblems(topology: Topology, problems: Problems): void {
  const byName = new Map(topology.services.map((s) => [s.name, s]));
  const names = topology.services.map((s) => s.name);
  repeated(problems, names, 'name', (v) => `'${v}'`);
  repeated(
    problems,
    topology.services.map(serviceId),
    'id',
    (v) => `'${v}' (given, or derived from the name)`
  );
  // Service Connect names each endpoint's Cloud Map service after its discoveryName, else its port name.
  const endpoints = new Map<string, number>();
  topology.services.forEach((svc, i) => {
    const name = endpointName(svc);
    if (name === undefined) return;
    const seen = endpoints.get(name);
    if (seen === undefined) return void endpoints.set(name, i);
    const field = svc.discoveryName !== undefined ? 'discoveryName' : 'portName';
    problems.add(
      `${at(i)}.${field}: '${name}' is used by ${at(seen)} too; allowed: each once, as it names the endpoint in the namespace${field === 'portName' ? ' (or set a discoveryName)' : ''}`
    );
  });
  const aliases = topology.services.map((s) => {
    const endpoint = legacyEndpointOrUndefined(topology, s);
    return endpoint ? `${endpoint.host}:${endpoint.port}` : '';
  });
  repeated(problems, aliases, 'legacyDiscovery', (v) =>
    v ? `the old name ${v}, which Service Connect can alias once per namespace` : ''
  );

  topology.services.forEach((svc, i) => {
    const where = at(i);
    problems.check(
      !svc.singleton || svc.desiredCount === undefined || svc.desiredCount === 1,
      `${where}.desiredCount: ${svc.desiredCount}; allowed: 1, as the service keeps its state in its task (singleton)`
    );
    if (svc.timeouts?.perRequestSeconds !== undefined) {
      problems.check(
        svc.appProtocol !== undefined,
        `${where}.timeouts.perRequestSeconds: ${svc.timeouts.perRequestSeconds}; allowed: only with an appProtocol (http, http2, grpc), the port is plain TCP`
      );
    }
    if (svc.legacyDiscovery.kind !== 'none') {
      problems.check(
        svc.port !== undefined,
        `${where}.port: missing; allowed: the container port that callers reach, which a service found through '${svc.legacyDiscovery.kind}' has`
      );
      problems.check(
        svc.portName !== undefined,
        `${where}.portName: missing; allowed: a name for the port mapping, which Service Connect refers to (migrate apply gives it to a port that has none)`
      );
    }
    dataVolumeProblems(svc, where, problems);
    legacyNameProblems(topology, svc, where, problems);
    liveNameProblems(topology, svc, where, problems);
    svc.calls.forEach((call, k) => {
      const path = `${where}.calls[${k}]`;
      problems.check(
        (call.env === undefined) !== (call.argument === undefined),
        `${path}: has ${call.env === undefined ? 'neither env nor argument' : 'both env and argument'}; allowed: one of them, where the caller holds the address`
      );
      const callee = byName.get(call.service);
      if (!callee) {
        problems.add(
          `${path}.service: '${call.service}' is not a service of the topology; allowed: ${oneOf(names)}`
        );
      } else if (callee === svc) {
        problems.add(`${path}.service: '${call.service}' is the service itself; allowed: another service`);
      } else if (callee.legacyDiscovery.kind === 'none') {
        problems.add(
          `${path}.service: '${call.service}' has legacyDiscovery 'none', so its callers could not find it before the migration; allowed: a service found through Cloud Map DNS or an internal load balancer`
        );
      } else if (call.timeoutSeconds !== undefined && tooShort(callee, call.timeoutSeconds)) {
        const index = topology.services.indexOf(callee);
        const perRequest = perRequestSeconds(callee);
        problems.add(
          `${at(index)}.timeouts.perRequestSeconds: ${perRequest}${callee.timeouts?.perRequestSeconds === undefined ? " (Service Connect's default)" : ''} is shorter than '${svc.name}''s own timeout for it (${call.timeoutSeconds} s, ${path}.timeoutSeconds); allowed: at least ${call.timeoutSeconds}, or 0 (none): the proxy would answer 504 to requests the caller still waits for`
        );
      } else if (call.format === 'url' && callee.appProtocol === undefined && call.name === undefined) {
        problems.add(
          `${path}.format: 'url', but '${call.service}' is plain TCP (no appProtocol); allowed: 'host', or an appProtocol on '${call.service}'`
        );
      }
    });
    repeated(
      problems,
      svc.calls.map((c) => c.service),
      'calls',
      (v) => `a second call of '${v}'`,
      where
    );
    const envNames = [
      ...Object.keys(svc.environment ?? {}),
      ...svc.calls.flatMap((c) => (c.env ? [c.env] : [])),
    ];
    repeated(problems, envNames, 'environment', (v) => `the variable '${v}' set twice`, where);
  });
}

/** Service Connect's per-request timeout of an HTTP endpoint when the model sets none. */
export const DEFAULT_PER_REQUEST_SECONDS = 15;

/** The per-request timeout Service Connect applies to `svc`'s endpoint (0: none); undefined for TCP. */
export function perRequestSeconds(svc: ServiceSpec): number | undefined {
  if (!svc.appProtocol) return undefined;
  return svc.timeouts?.perRequestSeconds ?? DEFAULT_PER_REQUEST_SECONDS;
}

/** Whether Service Connect would cut `callee`'s requests before a caller that waits `waitSeconds` gives up. */
function tooShort(callee: ServiceSpec, waitSeconds: number): boolean {
  const limit = perRequestSeconds(callee);
  return limit !== undefined && limit > 0 && limit < waitSeconds;
}

function dataVolumeProblems(svc: ServiceSpec, where: string, problems: Problems): void {
  if (!svc.dataVolume) return;
  const { path, directory } = svc.dataVolume;
  problems.check(
    directory.startsWith(`${path.replace(/\/+$/, '')}/`),
    `${where}.dataVolume.directory: '${directory}'; allowed: a directory inside the data volume '${path}'`
  );
  problems.check(
    svc.healthCheck !== undefined,
    `${where}.healthCheck: missing; allowed: a health check, which a data volume needs to say when its first start (the initialisation) is complete`
  );
}

function legacyNameProblems(topology: Topology, svc: ServiceSpec, where: string, problems: Problems): void {
  const discovery = svc.legacyDiscovery;
  if (discovery.kind === 'cloudMapDns') {
    problems.check(
      discovery.namespace !== undefined || topology.cloudMapDnsNamespace !== undefined,
      `${where}.legacyDiscovery.namespace: missing; allowed: the service's Cloud Map DNS namespace, here or as cloudMapDnsNamespace at the top`
    );
  }
  if (discovery.kind === 'internalAlb') {
    problems.check(
      discovery.dnsName !== undefined || topology.internalZoneName !== undefined,
      `${where}.legacyDiscovery.dnsName: missing; allowed: the name callers use, here or as internalZoneName at the top`
    );
  }
  const endpoint = legacyEndpointOrUndefined(topology, svc);
  if (endpoint) {
    problems.check(
      endpoint.host.length <= MAX_DNS_NAME_LENGTH,
      `${where}.legacyDiscovery: the old name '${endpoint.host}' is ${endpoint.host.length} characters; allowed: at most ${MAX_DNS_NAME_LENGTH}, Service Connect's limit on a client alias`
    );
  }
}

/**
 * A live configuration the plan replaces (it does not serve the service's old name, see
 * `keptServiceConnect` in plan.ts) must not take away a name that a caller uses: each of its
 * client aliases (or ECS's default name of an endpoint without one) that a call of the file uses
 * (`calls[].name`) and the plan's configuration does not keep is a problem naming the caller.
 */
function liveNameProblems(topology: Topology, svc: ServiceSpec, where: string, problems: Problems): void {
  const live = svc.serviceConnect;
  const alias = legacyEndpointOrUndefined(topology, svc);
  if (!live || !alias || servesName(live, alias)) return;
  for (const name of liveNames(live)) {
    if (name.host === alias.host && name.port === alias.port) continue;
    topology.services.forEach((caller, c) =>
      caller.calls.forEach((call, k) => {
        if (call.service !== svc.name || call.name?.toLowerCase() !== name.host) return;
        problems.add(
          `${where}.serviceConnect: the plan replaces the live configuration (it does not serve ${alias.host}:${alias.port}) and so removes the endpoint ${name.discoveryName} (port name ${name.portName}, client alias ${name.host}:${name.port}), which '${caller.name}' uses (${at(c)}.calls[${k}]); allowed: a legacyDiscovery with that name, or '${caller.name}' moved to ${alias.host} first`
        );
      })
    );
  }
}

/** Adds a problem for each value of `values` that repeats (the second and later occurrences). */
function repeated(
  problems: Problems,
  values: readonly string[],
  field: string,
  describe: (value: string) => string,
  parent?: string
): void {
  const first = new Map<string, number>();
  values.forEach((value, i) => {
    if (!value) return;
    const seen = first.get(value);
    if (seen === undefined) {
      first.set(value, i);
      return;
    }
    const here = parent ? `${parent}.${field}` : `${at(i)}.${field}`;
    const there = parent ? `entry ${seen}` : at(seen);
    problems.add(`${here}: ${describe(value)} is used by ${there} too; allowed: each once`);
  });
}

/**
 * Deployment waves, servers first: wave 0 holds the services that call nobody, and each later
 * wave the services whose callees are all in earlier waves. Services that call each other in a
 * cycle share a wave (no order of them puts servers first). For Yelb:
 * `[[yelb-db, yelb-redis], [yelb-appserver], [yelb-ui]]`. Within a wave, model order.
 *
 * Turning Service Connect on goes through the waves in this order; turning it off, in reverse.
 */
export function serverFirstWaves(topology: Topology): ServiceSpec[][] {
  const groups = callCycles(topology);
  const groupOf = new Map<string, number>();
  groups.forEach((group, g) => group.forEach((name) => groupOf.set(name, g)));
  const waveOf = new Map<number, number>();
  const visit = (g: number): number => {
    const known = waveOf.get(g);
    if (known !== undefined) return known;
    waveOf.set(g, 0); // a group's own calls inside it are not dependencies
    const callees = groups[g]
      .flatMap((name) => topology.services.find((s) => s.name === name)?.calls ?? [])
      .map((c) => groupOf.get(c.service))
      .filter((c): c is number => c !== undefined && c !== g);
    const wave = callees.length === 0 ? 0 : Math.max(...callees.map(visit)) + 1;
    waveOf.set(g, wave);
    return wave;
  };
  const waves: ServiceSpec[][] = [];
  for (const svc of topology.services) {
    const wave = visit(groupOf.get(svc.name)!);
    while (waves.length <= wave) waves.push([]);
    waves[wave].push(svc);
  }
  return waves.filter((w) => w.length > 0);
}

/**
 * The call graph's strongly connected components (Tarjan), by service name, in model order of
 * their first member: a component of several services is a cycle of calls; every other service is
 * a component of its own.
 */
export function callCycles(topology: Topology): string[][] {
  const names = topology.services.map((s) => s.name);
  const edges = new Map(
    topology.services.map((s) => [s.name, s.calls.map((c) => c.service).filter((n) => names.includes(n))])
  );
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const connect = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      components.push(component.sort((a, b) => names.indexOf(a) - names.indexOf(b)));
    }
  };
  for (const name of names) if (!index.has(name)) connect(name);
  return components.sort((a, b) => names.indexOf(a[0]) - names.indexOf(b[0]));
}

/** One `DependsOn` of a deployment: `service` is updated once `after` is stable. */
export interface DeploymentWait {
  readonly service: string;
  readonly after: string;
}

/**
 * Which service waits for which in one CloudFormation deployment. `serversFirst` (Service
 * Connect on): each caller waits for the services it calls, so that no client starts before the
 * endpoints it calls exist. `clientsFirst` (Service Connect off, a rollback): each called service
 * waits for its callers, so that clients leave before the endpoints they use drain.
 *
 * The members of a call cycle cannot all wait for each other (CloudFormation refuses a circular
 * DependsOn): they wait in a chain instead, in model order for `serversFirst` and the reverse
 * for `clientsFirst`. Going forward, a member that calls a later one ({@link cycleBackCalls})
 * starts before that one's endpoint exists, and reaches it by its old name, which the old path
 * still answers; in the retired phase it is redeployed (its own old path is detached) before the
 * later one's old path goes, so every member runs with every alias by then.
 */
export function deploymentOrder(
  topology: Topology,
  direction: 'serversFirst' | 'clientsFirst'
): DeploymentWait[] {
  const components = callCycles(topology);
  const componentOf = new Map<string, number>();
  components.forEach((members, i) => members.forEach((name) => componentOf.set(name, i)));
  const waits: DeploymentWait[] = [];
  for (const caller of topology.services) {
    for (const callee of calleesOf(topology, caller)) {
      if (componentOf.get(caller.name) === componentOf.get(callee.name)) continue;
      waits.push(
        direction === 'serversFirst'
          ? { service: caller.name, after: callee.name }
          : { service: callee.name, after: caller.name }
      );
    }
  }
  for (const members of components.filter((c) => c.length > 1)) {
    for (let i = 1; i < members.length; i++) {
      waits.push(
        direction === 'serversFirst'
          ? { service: members[i], after: members[i - 1] }
          : { service: members[i - 1], after: members[i] }
      );
    }
  }
  return waits;
}

/**
 * The calls inside a cycle from a member to a later one in model order: with Service Connect
 * turned on in one deployment, the caller starts before the callee's endpoint exists and keeps
 * using the callee's old path until its next deployment (see {@link deploymentOrder}).
 */
export function cycleBackCalls(topology: Topology): { caller: string; callee: string }[] {
  const names = topology.services.map((s) => s.name);
  return cyclesOf(topology).flatMap((members) =>
    members.flatMap((caller) =>
      serviceNamed(topology, caller)
        .calls.filter((c) => members.includes(c.service) && names.indexOf(c.service) > names.indexOf(caller))
        .map((c) => ({ caller, callee: c.service }))
    )
  );
}

/** The cycles of calls: components of more than one service. */
export function cyclesOf(topology: Topology): string[][] {
  return callCycles(topology).filter((c) => c.length > 1);
}

/** The service called `name`. @throws Error naming the known services when there is none. */
export function serviceNamed(topology: Topology, name: string): ServiceSpec {
  const svc = topology.services.find((s) => s.name === name);
  if (!svc) {
    throw new Error(
      `'${name}' is not a service of the topology (known: ${oneOf(topology.services.map((s) => s.name))})`
    );
  }
  return svc;
}

/** The services that call `svc`, in model order. */
export function callersOf(topology: Topology, svc: ServiceSpec): ServiceSpec[] {
  return topology.services.filter((s) => s.calls.some((c) => c.service === svc.name));
}

/** The services that `svc` calls, in the order of its calls. */
export function calleesOf(topology: Topology, svc: ServiceSpec): ServiceSpec[] {
  return svc.calls.map((c) => serviceNamed(topology, c.service));
}

/** Where callers reach a service before the migration (and, as a client alias, after it). */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

/**
 * The name and port that callers use for `svc` before the migration: its Cloud Map DNS name or
 * its load balancer's alias record, as discovered (or `<name>.<namespace or zone>` by default).
 * Service Connect reuses them as client aliases, so no caller changes its configuration.
 * `undefined` for a service nobody calls.
 *
 * @throws Error when the topology does not say the namespace or the name (validateTopology reports it).
 */
export function legacyEndpoint(topology: Topology, svc: ServiceSpec): Endpoint | undefined {
  if (svc.legacyDiscovery.kind === 'none') return undefined;
  const endpoint = legacyEndpointOrUndefined(topology, svc);
  if (!endpoint) throw new Error(`${svc.name}: the topology does not say the name its callers use`);
  return endpoint;
}

function legacyEndpointOrUndefined(topology: Topology, svc: ServiceSpec): Endpoint | undefined {
  const d = svc.legacyDiscovery;
  switch (d.kind) {
    case 'cloudMapDns': {
      const namespace = d.namespace ?? topology.cloudMapDnsNamespace;
      return namespace && svc.port !== undefined
        ? { host: `${d.serviceName ?? svc.name}.${namespace}`, port: svc.port }
        : undefined;
    }
    case 'internalAlb': {
      const host = d.dnsName ?? (topology.internalZoneName && `${svc.name}.${topology.internalZoneName}`);
      const port = d.port ?? svc.port;
      return host && port !== undefined ? { host, port } : undefined;
    }
    case 'none':
      return undefined;
  }
}

/**
 * The value a caller's setting holds for `call` in the CDK app: the callee's old name, as a host
 * or a URL, or as `host:port` where the caller held the address inside a longer value (`format:
 * text`, a JDBC URL or a list: the file does not say the rest of it). A call through a second
 * name (`name`) gets the callee's one old name, the only one the app builds; a call by command
 * argument gets no setting (the app sets no commands), only its rules and its deployment order.
 */
export function callValue(topology: Topology, svc: ServiceSpec, call: ServiceSpec['calls'][number]): string {
  const callee = serviceNamed(topology, call.service);
  const endpoint = legacyEndpoint(topology, callee);
  if (!endpoint) throw new Error(`'${callee.name}' has no legacy endpoint to call (called by ${svc.name})`);
  if (call.format === 'url') return `http://${endpoint.host}:${endpoint.port}`;
  return call.format === 'text' ? `${endpoint.host}:${endpoint.port}` : endpoint.host;
}

/**
 * The container environment of `svc`: its own settings plus, for each service it calls by an
 * environment variable, the legacy name of that service. The same in every migration phase.
 */
export function containerEnvironment(topology: Topology, svc: ServiceSpec): Record<string, string> {
  const env: Record<string, string> = { ...svc.environment };
  for (const call of svc.calls) if (call.env) env[call.env] = callValue(topology, svc, call);
  return env;
}
