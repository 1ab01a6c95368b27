import { validateTopology } from '../model/graph';
import { SERVICE_ID, ServiceSpec, Topology, serviceId } from '../model/topology';
import { recordName } from './addresses';
import { callsOf, foreignNames } from './calls';
import { Finding, UnmatchedAddress, sortFindings } from './findings';
import {
  copyPublicEntry,
  cycleFindings,
  foreignFindings,
  proxyLogGroup,
  unreadFindings,
} from './inferred-findings';
import { takenEndpointNames } from './live-config';
import { ownerFindings, withOwner } from './owners';
import { Live, chooseRoute, liveService, routeIndex } from './routes';
import { serviceSpec, uniqueIds } from './service-entry';
import { ClusterSnapshot } from './snapshot';

/** What discovery makes of a snapshot. */
export interface Discovery {
  readonly topology: Topology;
  readonly findings: readonly Finding[];
  readonly unmatched: readonly UnmatchedAddress[];
}

/** Choices the user makes on the command line. */
export interface InferOptions {
  /**
   * The Service Connect namespace to migrate into (default: the one most services run in, else
   * the cluster's default, else `<cluster>.sc.internal`).
   */
  readonly namespace?: string;
}

/**
 * Turns what was read into a topology (the file `apply` reads) and findings. Pure: no AWS call.
 * Every call it infers names its evidence; values that look like addresses and match no known
 * name are listed, never guessed. The topology passes `validateTopology`.
 *
 * The steps, each in a file of its own: the routes to each service (routes.ts), the calls in
 * the callers' configuration (calls.ts), each service's entry of the file (service-entry.ts),
 * and the findings (inferred-findings.ts).
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
  // New endpoints get names that no endpoint in the namespace has (of this cluster or another).
  const endpointNames = takenEndpointNames(snapshot);
  const specs = lives.map((live) =>
    withOwner(
      serviceSpec({ snapshot, live, calls, chosen, id: ids.get(live.name)!, endpointNames, findings }),
      live.service,
      snapshot.owners
    )
  );

  // The log group most services write to is the topology's; a service names its own only when it differs.
  const logGroupName = mostCommon(specs.map((s) => s.logGroupName));
  findings.push(
    ...cycleFindings(specs),
    ...foreignFindings(foreign, snapshot.cluster),
    ...unreadFindings(snapshot.unread ?? []),
    ...proxyLogFindings(lives, specs, logGroupName),
    ...copyPublicEntry(specs.filter((s) => s.publicEntry).map((s) => s.name)),
    ...ownerFindings(specs)
  );
  const { cloudMapDnsNamespace, internalZoneName } = sharedNames(snapshot, specs);
  const topology: Topology = {
    ...(clusterId(snapshot.cluster) && { name: clusterId(snapshot.cluster) }),
    clusterName: snapshot.cluster,
    ...(logGroupName !== undefined && { logGroupName }),
    ...(cloudMapDnsNamespace !== undefined && { cloudMapDnsNamespace }),
    ...(internalZoneName !== undefined && { internalZoneName }),
    serviceConnectNamespace:
      options.namespace ??
      mostCommon(specs.map((s) => s.serviceConnect?.namespace)) ??
      snapshot.defaultNamespace ??
      `${snapshot.cluster.toLowerCase()}.sc.internal`,
    services: specs.map(({ logGroupName: own, ...spec }) => ({
      ...spec,
      ...(own !== undefined && own !== logGroupName && { logGroupName: own }),
    })),
  };
  validateTopology(topology);
  return { topology, findings: sortFindings(findings), unmatched };
}

/** A finding for each service that logs to no CloudWatch group: its proxy will, to `logGroupName`. */
function proxyLogFindings(
  lives: readonly Live[],
  specs: readonly ServiceSpec[],
  logGroupName: string | undefined
): Finding[] {
  return specs.flatMap((spec, i) =>
    spec.logGroupName === undefined
      ? [proxyLogGroup(spec.name, logGroupName, lives[i].taskDefinition?.executionRoleArn)]
      : []
  );
}

/**
 * The names a copy of the system needs (the CDK app builds them): the Cloud Map DNS namespace
 * most services are found in, and the private hosted zone that holds the alias records most
 * services behind the internal load balancers are called by.
 */
function sharedNames(
  snapshot: ClusterSnapshot,
  specs: readonly ServiceSpec[]
): Pick<Topology, 'cloudMapDnsNamespace' | 'internalZoneName'> {
  const zoneOf = new Map(
    snapshot.records.map(({ zone, record }) => [recordName(record.Name ?? ''), recordName(zone)])
  );
  return {
    cloudMapDnsNamespace: mostCommon(
      specs.map((s) => (s.legacyDiscovery.kind === 'cloudMapDns' ? s.legacyDiscovery.namespace : undefined))
    ),
    internalZoneName: mostCommon(
      specs.map((s) =>
        s.legacyDiscovery.kind === 'internalAlb' ? zoneOf.get(s.legacyDiscovery.dnsName ?? '') : undefined
      )
    ),
  };
}

function clusterId(cluster: string): string | undefined {
  const id = serviceId({ name: cluster });
  return SERVICE_ID.test(id) ? id : undefined;
}

function mostCommon(values: readonly (string | undefined)[]): string | undefined {
  const counts = new Map<string, number>();
  for (const v of values) if (v) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
}
