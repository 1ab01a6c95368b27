import { validateTopology } from '../model/graph';
import { SERVICE_ID, Topology, serviceId } from '../model/topology';
import { callsOf, foreignNames } from './calls';
import { Finding, UnmatchedAddress, sortFindings } from './findings';
import { cycleFindings, foreignFindings, unreadFindings } from './inferred-findings';
import { chooseRoute, liveService, routeIndex } from './routes';
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
  /** The Service Connect namespace to migrate into (default: the cluster's default, else `<cluster>.sc.internal`). */
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
  const endpointNames = new Set<string>();
  const specs = lives.map((live) =>
    serviceSpec({ snapshot, live, calls, chosen, id: ids.get(live.name)!, endpointNames, findings })
  );

  findings.push(
    ...cycleFindings(specs),
    ...foreignFindings(foreign, snapshot.cluster),
    ...unreadFindings(snapshot.unread ?? [])
  );
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

function clusterId(cluster: string): string | undefined {
  const id = serviceId({ name: cluster });
  return SERVICE_ID.test(id) ? id : undefined;
}

function mostCommon(values: readonly (string | undefined)[]): string | undefined {
  const counts = new Map<string, number>();
  for (const v of values) if (v) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
}
