import type { ContainerDefinition } from '@aws-sdk/client-ecs';
import { ServiceCall } from '../model/topology';
import { Address, addressesIn, looksLikeAddress, valueFormat } from './addresses';
import { Finding, UnmatchedAddress } from './findings';
import { secretsNotRead } from './inferred-findings';
import { Live, Route, resolveRoute } from './routes';
import { ClusterSnapshot } from './snapshot';

/**
 * Who calls whom: the addresses in each caller's environment values and command arguments,
 * matched against the names discovery knows (each call with its evidence), and the names of the
 * Cloud Map namespaces that other clusters or nobody registered.
 */

/** A call found in a caller's configuration. */
export interface FoundCall {
  readonly caller: string;
  readonly route: Route;
  readonly call: Omit<ServiceCall, 'service' | 'name'>;
}

/** A value of a container's configuration that may hold an address, and where it is. */
interface ConfigValue {
  readonly value: string;
  readonly evidence: string;
  readonly where: Pick<ServiceCall, 'env' | 'argument'>;
}

/** Names in the Cloud Map namespaces that no service of this cluster registers, with who does. */
export function foreignNames(snapshot: ClusterSnapshot, lives: readonly Live[]): Map<string, string[]> {
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
export function callsOf(
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
    for (const { value, evidence, where } of configValues(container)) {
      for (const address of addressesIn(value)) {
        const route = resolveRoute(index, address);
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
  if (withSecrets.length > 0) findings.push(secretsNotRead(live.name, withSecrets));
  return found;
}

/** A container's environment values and command arguments, each with where it is. */
function configValues(container: ContainerDefinition): ConfigValue[] {
  return [
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
}

function show(address: Address): string {
  return `${address.scheme ? `${address.scheme}://` : ''}${address.host}${address.port !== undefined ? `:${address.port}` : ''}`;
}

/**
 * The calls of `caller`, one per callee (the first found; the others' evidence appended). A call
 * through another name than the callee's alias records that name.
 */
export function callsFrom(
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
