import { DEFAULT_PER_REQUEST_SECONDS, callCycles } from '../model/graph';
import { ServiceCall, ServiceSpec } from '../model/topology';
import { Finding } from './findings';
import type { Live, Route } from './routes';

/**
 * Every finding discovery makes, one builder per code: the fact (`what`), why it matters and what
 * to do, worded in one place. docs/your-services.md explains each code.
 */

export function classicLoadBalancer(service: string, loadBalancerName: string): Finding {
  return {
    code: 'classic-load-balancer',
    severity: 'warning',
    services: [service],
    what: `${service} is behind the Classic Load Balancer '${loadBalancerName}', which discovery does not read.`,
    why: 'Calls through its name are not found, so the topology may miss callers of this service.',
    action:
      'Add the calls to the file by hand (calls[].env and format), and keep the load balancer: retire does not touch it.',
  };
}

export function pathRouting(
  service: string,
  loadBalancerName: string | undefined,
  port: number | undefined
): Finding {
  return {
    code: 'path-routing',
    severity: 'error',
    services: [service],
    what: `${service} is reached through a path rule of ${loadBalancerName}'s listener on port ${port}: callers share the name with other services.`,
    why: 'Service Connect routes by name and port, not by path: one name cannot lead to several services.',
    action: `Give ${service} a name of its own (a host-header rule and an alias record, or Cloud Map) and move its callers to it before the migration; until then the file leaves that name out.`,
  };
}

export function secretsNotRead(service: string, containers: readonly string[]): Finding {
  return {
    code: 'secrets-not-read',
    severity: 'info',
    services: [service],
    what: `${service} takes values from Secrets Manager or SSM (container ${containers.join(', ')}), which discovery does not read.`,
    why: 'An address kept in a secret is a call discovery cannot see.',
    action: "If a secret holds another service's address, add that call to the file by hand.",
  };
}

export function uncalledName(service: string, chosen: Route): Finding {
  return {
    code: 'uncalled-name',
    severity: 'warning',
    services: [service],
    what: `${chosen.name} (${chosen.via === 'cloudMap' ? 'Cloud Map' : 'load balancer'}) is ${service}'s name, and no service of this cluster calls it.`,
    why: 'Callers outside ECS (Lambda, EC2, another cluster, people) may use it: after retire it would lead nowhere.',
    action:
      'The file marks it calledFromOutside: apply keeps the name as a client alias, and retire refuses it unless --allow-outside-callers.',
  };
}

export function twoNames(
  service: string,
  chosen: string | undefined,
  other: string,
  using: readonly string[]
): Finding {
  return {
    code: 'two-names',
    severity: 'warning',
    services: [service, ...using],
    what: `${service} is called as ${chosen} and also as ${other} (by ${using.join(', ')}).`,
    why: 'Service Connect gives an endpoint one client alias: callers of the other name keep using the old path.',
    action: `The file keeps ${chosen} as the alias and records the other name on those calls (calls[].name); retire refuses ${service} until they call ${chosen}.`,
  };
}

export function secondPath(service: string, paths: number): Finding {
  return {
    code: 'second-path',
    severity: 'info',
    services: [service],
    what: `${service} is reachable through ${paths} old paths (Cloud Map registries or internal target groups).`,
    why: 'The file records one of them; retire detaches only that one.',
    action: 'Detach the other by hand once nobody uses it.',
  };
}

export function unnamedPort(
  service: string,
  container: string | undefined,
  port: number | undefined,
  portName: string
): Finding {
  return {
    code: 'unnamed-port',
    severity: 'warning',
    services: [service],
    what: `Port ${port} of container ${container} has no name.`,
    why: 'Service Connect refers to a port by its name in the task definition.',
    action: `The file names it '${portName}': apply registers a revision of the task definition that differs only by the port's name (and app protocol) and moves the service to it; rollback returns it to the revision it had.`,
  };
}

export function noAppProtocol(live: Live, httpTargetGroup: boolean): Finding {
  return {
    code: 'no-app-protocol',
    severity: 'warning',
    services: [live.name],
    what: `${live.name}'s port ${live.mapping?.containerPort} speaks HTTP (${httpTargetGroup ? 'an HTTP target group' : 'called with http:// URLs'}) but has no app protocol.`,
    why: 'Without it Service Connect treats the port as TCP: no per-request timeout, no HTTP status metrics, no retries of failed connections per request.',
    action:
      "The file sets appProtocol 'http': apply registers a revision of the task definition with it (with the port's name). Set http2 or grpc instead if that is what it speaks.",
  };
}

export function lbIdleTimeout(service: string, loadBalancerName: string | undefined, idle: number): Finding {
  return {
    code: 'lb-idle-timeout',
    severity: 'warning',
    services: [service],
    what: `${service}'s callers go through ${loadBalancerName}, whose idle timeout is ${idle} s; Service Connect ends an HTTP request after ${DEFAULT_PER_REQUEST_SECONDS} s by default.`,
    why: 'A request that takes longer works today and would fail with a 504 after the migration.',
    action: `The file sets timeouts.perRequestSeconds to ${idle}, today's limit; lower it to what requests really need.`,
  };
}

export function redactedEnvironment(service: string, keys: readonly string[]): Finding {
  return {
    code: 'redacted-environment',
    severity: 'info',
    services: [service],
    what: `${service} has plain environment values that look like secrets (${keys.join(', ')}: by their name, or a credential in a URL); the file does not copy them.`,
    why: "A topology file is shared and committed; secrets belong in Secrets Manager or SSM (the task definition's secrets).",
    action: 'Nothing for the migration: it never writes environment values. Move them to secrets.',
  };
}

/** Findings about one service that need nothing but what was read. */
export function serviceFindings(live: Live, calls: readonly ServiceCall[], called: boolean): Finding[] {
  const { name, container } = live;
  const findings: Finding[] = [];
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
  findings.push(...deploymentFindings(live));
  return findings;
}

/** Findings about how the service is deployed: its controller, Service Connect already on. */
function deploymentFindings(live: Live): Finding[] {
  const { name } = live;
  const findings: Finding[] = [];
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
  return findings;
}

export function cycleFindings(specs: readonly ServiceSpec[]): Finding[] {
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

export function foreignFindings(foreign: ReadonlyMap<string, string[]>, cluster: string): Finding[] {
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

/** One finding per API that could not be read (access denied). */
export function unreadFindings(unread: readonly string[]): Finding[] {
  return unread.map((what) => ({
    code: 'not-read',
    severity: 'warning',
    services: [],
    what: `Not read, access denied: ${what}`,
    why: 'The names and calls that go through what was not read are missing from the file: their callers would keep the old path.',
    action:
      'Run discover again with read access to it (docs/your-services.md lists the permissions), or add those names and calls by hand.',
  }));
}
