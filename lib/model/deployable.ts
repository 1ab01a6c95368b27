import { Problems, ValidationError, oneOf } from '../core/validation';
import { validateTopology } from './graph';
import { PlanOptions, ServicePlan, SystemPlan, planSystem } from './plan';
import { ServiceSpec, Topology } from './topology';

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
const SHARED = ['logGroupName', 'cloudMapDnsNamespace', 'internalZoneName', 'readinessGateImage'] as const;

/**
 * The topology, checked for what the CDK app builds on top of what a migration needs: every
 * service's image and task size, the shared names, exactly one public entry, a health-check path
 * and a listener port of its own for each service behind the internal load balancer, calls by
 * environment variable. A cycle of calls is allowed: the app chains its members (see
 * `deploymentOrder`). One line per problem, with its JSON path.
 *
 * @throws ValidationError
 */
export function validateDeployable(topology: Topology): DeployableTopology {
  const problems = new Problems();
  try {
    validateTopology(topology);
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    err.problems.forEach((p) => problems.add(p));
  }
  for (const key of SHARED) {
    problems.check(topology[key] !== undefined, `${key}: missing; allowed: a name, which the CDK app needs`);
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
    if (d.kind === 'internalAlb') {
      problems.check(
        d.healthCheckPath !== undefined,
        `services[${i}].legacyDiscovery.healthCheckPath: missing; allowed: the path the internal load balancer checks`
      );
    }
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
    svc.calls.forEach((call, k) => {
      problems.check(
        call.env !== undefined,
        `services[${i}].calls[${k}].env: missing; allowed: the environment variable the CDK app sets to the address`
      );
      problems.check(
        call.format !== 'text',
        `services[${i}].calls[${k}].format: 'text'; allowed: 'host' or 'url', a value the CDK app can write`
      );
      problems.check(
        call.name === undefined,
        `services[${i}].calls[${k}].name: '${call.name}'; allowed: none, as the CDK app gives each service one old name`
      );
    });
  });
  const entries = topology.services.filter((s) => s.publicEntry).map((s) => s.name);
  problems.check(
    entries.length === 1,
    `services[*].publicEntry: ${entries.length === 0 ? 'none' : oneOf(entries)}; allowed: exactly one service, behind the internet-facing load balancer`
  );
  const albPorts = new Map<number, string>();
  topology.services.forEach((svc, i) => {
    if (svc.legacyDiscovery.kind !== 'internalAlb') return;
    const listener = svc.legacyDiscovery.port ?? svc.port;
    if (listener === undefined) return;
    const other = albPorts.get(listener);
    problems.check(
      other === undefined,
      `services[${i}].port: ${listener} is also '${other}''s port behind the internal load balancer; allowed: a listener port of its own`
    );
    albPorts.set(listener, svc.name);
  });
  problems.throwIfAny();
  return topology as DeployableTopology;
}
