import { Problems, oneOf } from '../core/validation';
import { layers } from './layers';
import { ServiceSpec, Topology } from './topology';

/** Service Connect limit on a client alias's DNS name. */
export const MAX_DNS_NAME_LENGTH = 127;

const SERVICE_NAME = /^[a-z][a-z0-9-]{0,62}$/;
const SERVICE_ID = /^[a-z][a-z0-9]{0,31}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Checks that a topology is well formed: unique names, valid ports, calls only to known
 * services that can be found before the migration, and no cycle in the call graph.
 * Reports every problem at once.
 *
 * @throws ValidationError listing each problem on its own line.
 */
export function validateTopology(topology: Topology): void {
  const problems = new Problems();
  const names = topology.services.map((s) => s.name);
  const byName = new Map(topology.services.map((s) => [s.name, s]));

  for (const [label, values] of [
    ['service name', names],
    ['service id', topology.services.map((s) => s.id)],
    ['port name', topology.services.map((s) => s.portName)],
  ] as const) {
    for (const dup of duplicates(values)) problems.add(`${label} '${dup}' is used more than once`);
  }

  for (const svc of topology.services) {
    const where = `service '${svc.name}'`;
    problems.check(
      SERVICE_NAME.test(svc.name),
      `${where}: name must be 1-63 lower-case letters, digits or hyphens, starting with a letter`
    );
    problems.check(
      SERVICE_ID.test(svc.id),
      `${where}: id '${svc.id}' must be lower-case letters and digits, starting with a letter`
    );
    problems.check(
      SERVICE_NAME.test(svc.portName),
      `${where}: port name '${svc.portName}' must be 1-63 lower-case letters, digits or hyphens`
    );
    problems.check(isPort(svc.port), `${where}: port ${svc.port} is not an integer from 1 to 65535`);
    problems.check(
      svc.publicEntry === undefined || isPort(svc.publicEntry.port),
      `${where}: public port ${svc.publicEntry?.port} is not an integer from 1 to 65535`
    );
    problems.check(
      Number.isInteger(svc.desiredCount) && svc.desiredCount >= 1,
      `${where}: desired count ${svc.desiredCount} is not a positive integer`
    );
    problems.check(
      !svc.singleton || svc.desiredCount === 1,
      `${where}: keeps its state in the task, so its desired count must be 1, not ${svc.desiredCount}`
    );
    if (svc.dataVolume) {
      const { path, directory, directoryEnvironment } = svc.dataVolume;
      problems.check(
        directory.startsWith(`${path.replace(/\/+$/, '')}/`),
        `${where}: data directory '${directory}' must be inside the data volume '${path}'`
      );
      problems.check(
        svc.healthCheck !== undefined,
        `${where}: a data volume needs a health check, which says when the first start (its initialisation) is complete`
      );
      problems.check(
        directoryEnvironment === undefined || ENV_NAME.test(directoryEnvironment),
        `${where}: '${directoryEnvironment}' is not a valid environment variable name`
      );
    }
    if (svc.timeouts?.perRequestSeconds !== undefined) {
      problems.check(
        svc.appProtocol !== undefined,
        `${where}: a per-request timeout needs an HTTP-family app protocol; the port is plain TCP`
      );
    }
    for (const [key, value] of Object.entries(svc.timeouts ?? {})) {
      problems.check(
        Number.isInteger(value) && value >= 0,
        `${where}: timeout ${key} ${value} is not a whole number of seconds >= 0`
      );
    }
    for (const env of [...Object.keys(svc.environment ?? {}), ...svc.calls.map((c) => c.env)]) {
      problems.check(ENV_NAME.test(env), `${where}: '${env}' is not a valid environment variable name`);
    }
    for (const dup of duplicates(svc.calls.map((c) => c.service))) {
      problems.add(`${where}: calls '${dup}' more than once`);
    }
    for (const dup of duplicates([...Object.keys(svc.environment ?? {}), ...svc.calls.map((c) => c.env)])) {
      problems.add(`${where}: environment variable '${dup}' is set more than once`);
    }

    const alias = legacyEndpoint(topology, svc);
    if (alias) {
      problems.check(
        alias.host.length <= MAX_DNS_NAME_LENGTH,
        `${where}: client alias '${alias.host}' is longer than ${MAX_DNS_NAME_LENGTH} characters`
      );
    }

    for (const call of svc.calls) {
      const callee = byName.get(call.service);
      if (!callee) {
        problems.add(
          `${where} calls '${call.service}', which is not a service of the topology (known: ${oneOf(names)})`
        );
        continue;
      }
      if (callee === svc) {
        problems.add(`${where} calls itself`);
        continue;
      }
      problems.check(
        callee.legacyDiscovery.kind !== 'none',
        `${where} calls '${callee.name}', which has no legacy discovery ('none'): its callers could not find it before the migration`
      );
      problems.check(
        call.format !== 'url' || callee.appProtocol !== undefined,
        `${where} calls '${callee.name}' by URL, but '${callee.name}' is plain TCP`
      );
    }
  }

  const entries = topology.services.filter((s) => s.publicEntry).map((s) => s.name);
  problems.check(
    entries.length === 1,
    `exactly one service must be the public entry (behind the internet-facing load balancer); found ${entries.length === 0 ? 'none' : oneOf(entries)}`
  );

  const albPorts = topology.services
    .filter((s) => s.legacyDiscovery.kind === 'internalAlb')
    .map((s) => String(s.port));
  for (const dup of duplicates(albPorts)) {
    problems.add(
      `several services behind the internal load balancer use port ${dup}; each needs a listener port of its own`
    );
  }

  const cycle = findCycle(topology);
  if (cycle) problems.add(`the call graph has a cycle: ${cycle.join(' → ')}`);
  problems.throwIfAny();
}

/**
 * Deployment waves, servers first: wave 0 holds the services that call nobody, and each later
 * wave the services whose callees are all in earlier waves. For Yelb:
 * `[[yelb-db, yelb-redis], [yelb-appserver], [yelb-ui]]`. Within a wave, model order.
 *
 * Turning Service Connect on goes through the waves in this order; turning it off, in reverse.
 */
export function serverFirstWaves(topology: Topology): ServiceSpec[][] {
  return layers(
    topology.services,
    (s) => s.name,
    (s) => s.calls.map((c) => c.service)
  );
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
 * its hosted-zone alias. Service Connect reuses them as client aliases, so no caller changes its
 * configuration. `undefined` for a service nobody calls.
 */
export function legacyEndpoint(topology: Topology, svc: ServiceSpec): Endpoint | undefined {
  switch (svc.legacyDiscovery.kind) {
    case 'cloudMapDns':
      return { host: `${svc.name}.${topology.cloudMapDnsNamespace}`, port: svc.port };
    case 'internalAlb':
      return { host: `${svc.name}.${topology.internalZoneName}`, port: svc.port };
    case 'none':
      return undefined;
  }
}

/**
 * The container environment of `svc`: its own settings plus, for each service it calls, the
 * legacy name of that service. The same in every migration phase.
 */
export function containerEnvironment(topology: Topology, svc: ServiceSpec): Record<string, string> {
  const env: Record<string, string> = { ...svc.environment };
  for (const call of svc.calls) {
    const callee = serviceNamed(topology, call.service);
    const endpoint = legacyEndpoint(topology, callee);
    if (!endpoint) throw new Error(`'${callee.name}' has no legacy endpoint to call`);
    env[call.env] = call.format === 'url' ? `http://${endpoint.host}:${endpoint.port}` : endpoint.host;
  }
  return env;
}

function isPort(port: number): boolean {
  return Number.isInteger(port) && port >= 1 && port <= 65535;
}

function duplicates(values: readonly string[]): string[] {
  const seen = new Set<string>();
  const dups = new Set<string>();
  for (const v of values) (seen.has(v) ? dups : seen).add(v);
  return [...dups];
}

/** A cycle in the call graph as a path that starts and ends at the same service, if any. */
function findCycle(topology: Topology): string[] | undefined {
  const known = new Set(topology.services.map((s) => s.name));
  const edges = new Map(
    topology.services.map((s) => [
      s.name,
      s.calls.map((c) => c.service).filter((n) => known.has(n) && n !== s.name),
    ])
  );
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === 'done') return undefined;
    if (state.get(name) === 'visiting') return [...path.slice(path.indexOf(name)), name];
    state.set(name, 'visiting');
    path.push(name);
    for (const next of edges.get(name) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const svc of topology.services) {
    const cycle = visit(svc.name);
    if (cycle) return cycle;
  }
  return undefined;
}
