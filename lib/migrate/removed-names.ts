import type { Service, ServiceConnectConfiguration } from '@aws-sdk/client-ecs';
import { addressesIn, effectivePort } from '../discover/addresses';
import { legacyEndpoint, serviceNamed } from '../model/graph';
import { discoveryName } from '../model/service-connect';
import { Topology } from '../model/topology';
import { NamespaceRef, isOn, liveServiceConnect } from './compare';
import { describeTaskDefinition } from './task-definitions';
import type { Session } from './session';

/**
 * A configuration that `apply` would send must not take away a name that a caller reaches the
 * service by: the clients' proxies know the endpoints of the namespace, and a client alias, an
 * endpoint or a port name (the endpoint's default name) that goes leaves the callers that use it
 * nothing to connect to. A topology file that does not record what is live (discovered before
 * the cluster was migrated, written by hand, or by a discover that did not read Service Connect)
 * would do exactly that: `applyFacts` compares what each service runs with what it would get,
 * before any change, and refuses every name that a caller uses, naming the caller.
 */

/** A name and port a configuration answers on, and the endpoint that answers. */
interface AnsweredName {
  readonly host: string;
  readonly port: number;
  readonly discoveryName: string;
  readonly portName: string;
}

/** A name the live configuration answers on and the one sent would not, and what goes with it. */
export interface RemovedName extends AnsweredName {
  /** What goes: the whole endpoint, its port name (the endpoint's name changes), or its client alias. */
  readonly what: 'endpoint' | 'port name' | 'client alias';
}

/** The names `config` answers on in `namespace`: its client aliases, by `dnsName` or ECS's default name. */
function answeredNames(config: ServiceConnectConfiguration, namespace: NamespaceRef): AnsweredName[] {
  if (config.namespace !== namespace.arn && config.namespace !== namespace.name) return [];
  return (config.services ?? []).flatMap((s) =>
    (s.clientAliases ?? []).map((a) => ({
      host: (a.dnsName ?? `${discoveryName(s)}.${namespace.name}`).toLowerCase(),
      port: a.port!,
      discoveryName: discoveryName(s),
      portName: s.portName!,
    }))
  );
}

/**
 * The names the live configuration answers on in the namespace it runs in (`liveNamespace`, by
 * name and ARN) that `desired` would take away: all of them when `desired` has Service Connect off
 * or is in another namespace.
 */
export function removedNames(
  live: ServiceConnectConfiguration | undefined,
  desired: ServiceConnectConfiguration,
  liveNamespace: NamespaceRef
): RemovedName[] {
  if (!isOn(live)) return [];
  const kept = isOn(desired) ? answeredNames(desired, liveNamespace) : [];
  return answeredNames(live!, liveNamespace)
    .filter((n) => !kept.some((k) => k.host === n.host && k.port === n.port))
    .map((n) => {
      const endpoint = (desired.services ?? []).find((s) => discoveryName(s) === n.discoveryName);
      const what =
        !endpoint || !isOn(desired)
          ? 'endpoint'
          : endpoint.portName !== n.portName
            ? 'port name'
            : 'client alias';
      return { ...n, what };
    });
}

/**
 * The services that run Service Connect in another namespace than the one `apply` targets
 * (`target.arn` undefined: one apply would create). Sending them there would take every name they
 * answer on in their namespace away from the callers still in it, and the check of removed names
 * compares within one namespace only: so a move is refused, naming the namespace to use instead.
 */
export function namespaceMoves(
  live: ReadonlyMap<string, ServiceConnectConfiguration | undefined>,
  sent: ReadonlyMap<string, ServiceConnectConfiguration>,
  target: { readonly name: string; readonly arn?: string }
): string[] {
  return [...sent].flatMap(([service, desired]) => {
    const current = live.get(service);
    if (!isOn(current) || !isOn(desired)) return [];
    if (target.arn !== undefined && sameNamespace(current!, { name: target.name, arn: target.arn }))
      return [];
    return [
      `${service}: runs Service Connect in namespace '${current!.namespace}', and apply would move it to '${target.name}': its callers in '${current!.namespace}' would lose every name it answers on; allowed: --namespace naming the namespace it runs in (or leave --namespace out: the CLI takes the one the services run in). Moving namespaces is not supported`,
    ];
  });
}

/**
 * The callers of `service` that use `name`, each with where: the topology's calls (by the name
 * each uses), and the topology's services that run Service Connect in `namespace` and hold the
 * name in their containers' environment or command (their task definitions are read, once each).
 */
export async function callersUsing(
  session: Session,
  live: ReadonlyMap<string, Service>,
  service: string,
  name: RemovedName,
  namespace: NamespaceRef,
  read: Map<string, Promise<ConfigValue[]>>
): Promise<string[]> {
  const { topology } = session;
  const callers = new Set(
    topology.services.flatMap((caller) =>
      caller.calls
        .filter((call) => call.service === service && usedName(topology, call) === name.host)
        .map((call) => `${caller.name} (${call.evidence ?? `topology: calls ${service}`})`)
    )
  );
  for (const caller of topology.services.filter((s) => s.name !== service)) {
    const current = live.get(caller.name);
    const config = current && liveServiceConnect(current);
    if (!current?.taskDefinition || !isOn(config) || !sameNamespace(config!, namespace)) continue;
    if (!read.has(current.taskDefinition))
      read.set(current.taskDefinition, configValues(session, current.taskDefinition));
    const evidence = (await read.get(current.taskDefinition)!).find(({ value }) =>
      addressesIn(value).some(
        (a) => a.host === name.host && [undefined, name.port].includes(effectivePort(a))
      )
    );
    if (evidence && ![...callers].some((c) => c.startsWith(`${caller.name} (`)))
      callers.add(`${caller.name} (${evidence.where})`);
  }
  return [...callers];
}

/** The name a call uses: its own (`calls[].name`), else the callee's old name. */
function usedName(
  topology: Topology,
  call: Topology['services'][number]['calls'][number]
): string | undefined {
  return (call.name ?? legacyEndpoint(topology, serviceNamed(topology, call.service))?.host)?.toLowerCase();
}

function sameNamespace(config: ServiceConnectConfiguration, namespace: NamespaceRef): boolean {
  return config.namespace === namespace.arn || config.namespace === namespace.name;
}

/** A value of a container's configuration that may hold an address, and where it is. */
export interface ConfigValue {
  readonly where: string;
  readonly value: string;
}

/** Every environment value and command argument of a task definition, each with where it is. */
async function configValues(session: Session, taskDefinition: string): Promise<ConfigValue[]> {
  const { taskDefinition: td } = await describeTaskDefinition(session.clients.ecs, taskDefinition);
  return (td.containerDefinitions ?? []).flatMap((c) => [
    ...(c.environment ?? []).map((e) => ({
      where: `container ${c.name}, environment ${e.name}`,
      value: e.value ?? '',
    })),
    ...(c.command ?? []).map((value, i) => ({ where: `container ${c.name}, command argument ${i}`, value })),
  ]);
}
