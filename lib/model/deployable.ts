import { Problems, ValidationError, oneOf } from '../core/validation';
import { legacyEndpoint, validateTopology } from './graph';
import { PlanOptions, ServicePlan, SystemPlan, planSystem } from './plan';
import { ServiceSpec, Topology, serviceId, systemName } from './topology';

/**
 * A service the CDK app can deploy: what a migration may leave out is there. A client-only
 * service (a worker that nobody calls and that is not the public entry) may have no port.
 */
export type DeployableService = ServiceSpec & {
  readonly image: string;
  readonly desiredCount: number;
  readonly cpu: number;
  readonly memoryMiB: number;
};

/** A topology the CDK app can build: its services deployable, its shared names given. */
export type DeployableTopology = Topology & {
  readonly services: readonly DeployableService[];
  readonly logGroupName: string;
  readonly cloudMapDnsNamespace: string;
  readonly internalZoneName: string;
  readonly readinessGateImage: string;
};

/** The plan of a system the CDK app builds: its services deployable. */
export type DeployableSystemPlan = Omit<SystemPlan, 'topology' | 'services'> & {
  readonly topology: DeployableTopology;
  readonly services: readonly (ServicePlan & { readonly spec: DeployableService })[];
};

/** The plan of a deployable topology (the services' specs are the topology's, so deployable too). */
export function planDeployable(topology: DeployableTopology, options: PlanOptions): DeployableSystemPlan {
  return planSystem(topology, options) as DeployableSystemPlan;
}

const REQUIRED = ['image', 'desiredCount', 'cpu', 'memoryMiB'] as const;

/**
 * The CDK app's defaults for what a topology file may leave out because no cluster says it (a
 * discovered file has the names discovery found, and none of these), each with its reason:
 * - the shared names get the system's own (`ecs/shop`, `shop.cloudmap.internal`,
 *   `shop.lb.internal`): the app creates the log group, the namespace and the zone itself;
 * - the readiness gate, a small image with `true` on its path: busybox from ECR Public (no Docker
 *   Hub pull limit, about 2 MB), as Yelb's;
 * - the public entry's port, when its port mapping has no name: named after the service (the
 *   public load balancer needs none; the app's port mappings all have names);
 * - the internal load balancer's health-check path: `/`, Elastic Load Balancing's own default
 *   (a TCP target group, as behind a Network Load Balancer, has none).
 * And it leaves out what is live in the discovered cluster (`serviceConnect`): its namespace, log
 * group and keys are the original's, not the copy's, which starts before any migration and gets
 * the plan's configurations.
 * How the app writes calls it cannot reproduce is {@link callValue}'s.
 */
export function withDeployableDefaults(topology: Topology): Topology {
  const name = systemName(topology);
  return {
    ...topology,
    logGroupName: topology.logGroupName ?? `ecs/${name}`,
    cloudMapDnsNamespace: topology.cloudMapDnsNamespace ?? `${name}.cloudmap.internal`,
    internalZoneName: topology.internalZoneName ?? `${name}.lb.internal`,
    readinessGateImage: topology.readinessGateImage ?? DEFAULT_READINESS_GATE_IMAGE,
    services: topology.services.map(({ serviceConnect: _live, ...svc }) => ({
      ...svc,
      ...(svc.publicEntry && svc.port !== undefined && { portName: svc.portName ?? serviceId(svc) }),
      ...(svc.legacyDiscovery.kind === 'internalAlb' && {
        legacyDiscovery: {
          ...svc.legacyDiscovery,
          healthCheckPath: svc.legacyDiscovery.healthCheckPath ?? '/',
        },
      }),
    })),
  };
}

/** The readiness gate's image when the topology names none (see {@link withDeployableDefaults}). */
export const DEFAULT_READINESS_GATE_IMAGE = 'public.ecr.aws/docker/library/busybox:1.37';

/**
 * The topology with the app's defaults ({@link withDeployableDefaults}), checked for what the CDK
 * app builds on top of what a migration needs: every service's image and task size, the shared
 * names, exactly one public entry, and for each service behind the internal load balancer a name
 * and listener port that no other service there has. A cycle of calls is
 * allowed: the app chains its members (see `deploymentOrder`), and so are calls the app cannot
 * write as they are (see `callValue`). One line per problem, with its JSON path.
 *
 * @throws ValidationError
 */
export function validateDeployable(given: Topology): DeployableTopology {
  const topology = withDeployableDefaults(given);
  const problems = new Problems();
  try {
    validateTopology(topology);
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    err.problems.forEach((p) => problems.add(p));
  }
  topology.services.forEach((svc, i) => {
    for (const key of REQUIRED) {
      problems.check(
        svc[key] !== undefined,
        `services[${i}].${key}: missing; allowed: a value, which the CDK app needs to run the service`
      );
    }
    if (svc.publicEntry) {
      problems.check(
        svc.port !== undefined && svc.portName !== undefined,
        `services[${i}].${svc.port === undefined ? 'port' : 'portName'}: missing; allowed: the container port (and its name) that the public load balancer sends to`
      );
    }
    const d = svc.legacyDiscovery;
    if (d.kind === 'internalAlb' && d.dnsName !== undefined && topology.internalZoneName !== undefined) {
      problems.check(
        d.dnsName.endsWith(`.${topology.internalZoneName}`),
        `services[${i}].legacyDiscovery.dnsName: '${d.dnsName}' is not in '${topology.internalZoneName}'; allowed: a name in internalZoneName, the one private hosted zone the CDK app builds (its record is the name callers use)`
      );
    }
    if (d.kind === 'cloudMapDns' && d.namespace !== undefined) {
      problems.check(
        d.namespace === topology.cloudMapDnsNamespace,
        `services[${i}].legacyDiscovery.namespace: '${d.namespace}'; allowed: '${topology.cloudMapDnsNamespace}', the one namespace the CDK app builds`
      );
    }
  });
  const entries = topology.services.filter((s) => s.publicEntry).map((s) => s.name);
  problems.check(
    entries.length === 1,
    `services[*].publicEntry: ${entries.length === 0 ? 'none' : oneOf(entries)}; allowed: exactly one service, behind the internet-facing load balancer`
  );
  // Services on one listener port are told apart by the name callers use (a host rule each).
  const albEndpoints = new Map<string, string>();
  topology.services.forEach((svc, i) => {
    if (svc.legacyDiscovery.kind !== 'internalAlb') return;
    const endpoint = legacyEndpoint(topology, svc);
    if (endpoint === undefined) return;
    const key = `${endpoint.host}:${endpoint.port}`;
    const other = albEndpoints.get(key);
    problems.check(
      other === undefined,
      `services[${i}].port: ${endpoint.port} under the name ${endpoint.host} is also '${other}''s behind the internal load balancer; allowed: a listener port or a name of its own`
    );
    albEndpoints.set(key, svc.name);
  });
  problems.throwIfAny();
  return topology as DeployableTopology;
}
