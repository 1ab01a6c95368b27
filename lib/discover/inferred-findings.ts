import { DEFAULT_PER_REQUEST_SECONDS, callCycles } from '../model/graph';
import { ServiceCall, ServiceSpec } from '../model/topology';
import { Finding } from './findings';
import type { Live, Route } from './routes';

/**
 * Every finding discovery makes, one builder per code: the fact (`what`), why it matters and what
 * to do, worded in one place. docs/your-services.md explains each code.
 */

/** A stack owns services: its next deployment reverts what the CLI changes. */
export function ownedByStack(stack: string, services: readonly ServiceSpec[]): Finding {
  const madeBy = services[0].owner!.madeBy;
  const tool = madeBy === 'cdk' ? 'made by the CDK' : madeBy === 'copilot' ? 'made by Copilot' : 'a template';
  const elsewhere = [
    ...new Set(
      services.flatMap((s) =>
        (['taskDefinition', 'registry', 'targetGroup', 'record'] as const).flatMap((k) => {
          const r = s.owner![k];
          return r && r.stack !== stack ? [`${s.name}'s ${k} in ${r.stack}`] : [];
        })
      )
    ),
  ];
  return {
    code: 'owned-by-stack',
    severity: 'warning',
    services: services.map((s) => s.name),
    what: `CloudFormation stack '${stack}' (${tool}) owns ${services.map((s) => `${s.name} (${s.owner!.logicalId})`).join(', ')}${elsewhere.length > 0 ? `; ${elsewhere.join(', ')}` : ''}.`,
    why: "Its next deployment puts back what its template says: apply, retire and rollback would be reverted (and its template's unnamed ports, deployed while Service Connect is on, fail). They refuse these services unless --allow-drift.",
    action: `Write the migration into the ${madeBy === 'cdk' ? 'code' : 'template'}: npm run migrate -- export --topology FILE --format ${madeBy === 'cdk' ? 'cdk' : 'cloudformation'} --out DIR (per wave, the file to deploy and the status that proves it live).`,
  };
}

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
    action:
      'Give it a name of its own (a host-header rule and an alias record, or Cloud Map) and move its callers to it before the migration; until then the file leaves that name out.',
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
    what: `${chosen.name} (${chosen.via === 'cloudMap' ? 'Cloud Map' : chosen.via === 'serviceConnect' ? 'Service Connect' : 'load balancer'}) is ${service}'s name, and no service of this cluster calls it.`,
    why: 'Callers outside ECS (Lambda, EC2, another cluster, people) may use it: after retire it would lead nowhere.',
    action:
      'The file marks it calledFromOutside: apply keeps the name as a client alias, and retire refuses it unless --allow-outside-callers.',
  };
}

export function oldPathNotFound(service: string, chosen: Route, reason: string): Finding {
  return {
    code: 'old-path-not-found',
    severity: 'warning',
    services: [service],
    what: `${service} is reached through its Service Connect alias ${chosen.name}:${chosen.port} only: ${reason}.`,
    why: 'rollback turns Service Connect off: without an old path, its callers would reach nothing.',
    action:
      'The file keeps the alias (plan and apply keep it as it runs) and says oldPathNotFound: rollback refuses the service. To roll it back, attach an old path of that name to it (a Cloud Map service, or a target group behind the alias record) and discover again, or write its registryArn or targetGroupArn into the file.',
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
    what: `Port ${port} of container ${container} of ${service} has no name; the file names it '${portName}'.`,
    why: 'Service Connect refers to a port by its name in the task definition.',
    action:
      "apply registers a revision of the task definition that differs only by the port's name (the file's portName, and app protocol) and moves the service to it; rollback returns it to the revision it had.",
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
    action:
      "The file sets timeouts.perRequestSeconds to the load balancer's idle timeout, today's limit; lower it to what requests really need.",
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

/**
 * Findings about one service that need nothing but what was read; `foundBy` is how its callers
 * find it today, when they do.
 */
export function serviceFindings(
  live: Live,
  calls: readonly ServiceCall[],
  foundBy: Route['via'] | undefined
): Finding[] {
  const { name, container } = live;
  const findings: Finding[] = [];
  const ports = (live.taskDefinition?.containerDefinitions ?? []).flatMap((c) =>
    (c.portMappings ?? []).map((m) => `${c.name}:${m.containerPort}`)
  );
  if (foundBy !== undefined && !container?.healthCheck) findings.push(noHealthCheck(live, foundBy));
  const nginx = calls.length > 0 ? nginxEvidence(live, calls) : undefined;
  if (nginx) {
    findings.push({
      code: 'nginx-ipv6',
      severity: 'warning',
      services: [name],
      what: `${name} runs nginx (${nginx}) and calls ${calls.map((c) => c.service).join(', ')} by name.`,
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
      what: `${name} listens on ${ports.join(', ')}; the file migrates ${container?.name}:${live.mapping?.containerPort}.`,
      why: 'Service Connect gives a service an endpoint per port it names, and the file names one.',
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

/**
 * A called service without a container health check. Behind a load balancer, its callers waited
 * for the target group's check, which Service Connect does not make; a Cloud Map name never
 * waited for one (ECS registers a task once it runs, and has no container health to report).
 */
function noHealthCheck(live: Live, foundBy: Route['via']): Finding {
  const what = `Container ${live.container?.name} of ${live.name} has no health check.`;
  const action =
    'Add a container health check, and a small non-essential container that dependsOn it with condition HEALTHY (the workaround AWS validated).';
  if (foundBy === 'serviceConnect') {
    return {
      code: 'no-health-check',
      severity: 'info',
      services: [live.name],
      what,
      why: 'Nothing changes here: its callers reach it through Service Connect already, which sends a task requests once it runs, before the application is ready (containers-roadmap#2334).',
      action,
    };
  }
  if (foundBy === 'cloudMap') {
    return {
      code: 'no-health-check',
      severity: 'info',
      services: [live.name],
      what,
      why: "Nothing changes here: Cloud Map gives callers a task's address once it runs (no load balancer checks it, and ECS has no container health to report), and Service Connect sends it requests once it runs (containers-roadmap#2334). Neither waits for the application to be ready.",
      action,
    };
  }
  return {
    code: 'no-health-check',
    severity: 'warning',
    services: [live.name],
    what,
    why: "Today the load balancer sends a new task requests only once its target group's health check passes; Service Connect sends them as soon as the task runs, before the application is ready (containers-roadmap#2334).",
    action,
  };
}

/** nginx and OpenResty, by an image or a command. */
const NGINX = /\b(nginx|openresty)\b/i;
/** Environment variables that hold an upstream for a proxy (`YELB_APPSERVER_ENDPOINT`, `BACKEND_URL`). */
const UPSTREAM = /upstream|backend|endpoint|proxy/i;

/**
 * How the task shows that it runs nginx, when it does: an image or a command that names it, or a
 * server on port 80 whose environment holds upstream URLs, as nginx's `proxy_pass` takes them
 * (yelb-ui's `YELB_APPSERVER_ENDPOINT`, in an image whose name does not say nginx).
 */
function nginxEvidence(live: Live, calls: readonly ServiceCall[]): string | undefined {
  for (const c of live.taskDefinition?.containerDefinitions ?? []) {
    if (NGINX.test(c.image ?? '')) return `image ${c.image}`;
    const command = [...(c.entryPoint ?? []), ...(c.command ?? [])].join(' ');
    if (NGINX.test(command)) return `container ${c.name} runs: ${command}`;
  }
  const upstreams = calls.flatMap((c) =>
    c.format === 'url' && c.env && UPSTREAM.test(c.env) ? [c.env] : []
  );
  if (live.mapping?.containerPort !== 80 || upstreams.length === 0) return undefined;
  return `likely: a server on port 80 whose environment holds upstream URLs, ${upstreams.join(', ')}`;
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
      why: 'The file records its live configuration (serviceConnect): plan and apply keep it as it runs where it serves every name its callers use, and replace it otherwise; a replacement that would take a name away from a caller is refused.',
      action:
        "Nothing, to keep it. To change it (access logs, timeouts, TLS), edit or remove the service's serviceConnect in the file: apply then sends the change.",
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

/**
 * A service whose containers do not log to CloudWatch Logs: its Service Connect proxy will (the
 * file's log group, with the awslogs driver), through the task execution role, which must be
 * allowed to, or the proxy, and with it the task, does not start.
 */
export function proxyLogGroup(
  service: string,
  logGroup: string | undefined,
  executionRole: string | undefined
): Finding {
  const role = executionRole
    ? `its task execution role (${executionRole})`
    : 'a task execution role, which it has none of';
  return {
    code: 'proxy-log-group',
    severity: 'warning',
    services: [service],
    what: `${service}'s containers do not log to CloudWatch Logs; its Service Connect proxy will, to ${logGroup ?? 'the log group the file names (none yet)'}, through ${role}.`,
    why: "The proxy's logs go to the file's log group with the awslogs driver: if the task execution role may not write there (logs:CreateLogStream, logs:PutLogEvents), the proxy, and with it the task, fails to start.",
    action: logGroup
      ? "Allow the task execution role to write to the file's log group before apply, or set the service's logGroupName to a group it may write to."
      : 'Add logGroupName to the file (a log group that exists), and allow the task execution roles to write to it, before apply.',
  };
}

/**
 * The CDK app builds a copy with exactly one public entry: when the cluster has none behind an
 * internet-facing load balancer, or several, the file says so and what to add.
 */
export function copyPublicEntry(entries: readonly string[]): Finding[] {
  if (entries.length === 1) return [];
  return [
    {
      code: 'copy-public-entry',
      severity: 'info',
      services: [...entries],
      what:
        entries.length === 0
          ? 'No service is behind an internet-facing load balancer.'
          : `${entries.join(', ')} are each behind an internet-facing load balancer.`,
      why: 'A copy of this system in the CDK app (-c topology=FILE) has exactly one public entry, where its traffic and rehearsal go: the app refuses the file until it has one.',
      action:
        entries.length === 0
          ? 'For a copy: add publicEntry (port, healthCheckPath) to the service users reach. The migration does not need it.'
          : 'For a copy: keep publicEntry on the one its users reach. The migration does not need it.',
    },
  ];
}

/**
 * A service whose serving container mounts a volume of its task: a copy keeps its files only
 * with a `dataVolume`, whose owner and start command are the image's, which the cluster does not say.
 */
export function copyDataVolume(service: string, mounts: readonly string[]): Finding {
  return {
    code: 'copy-data-volume',
    severity: 'info',
    services: [service],
    what: `${service} keeps files on a volume (${mounts.join('; ')}).`,
    why: "A copy of this system in the CDK app has no volume unless the file's entry has dataVolume: its data would not outlive a task there. What dataVolume needs (the files' owner, the image's start command) is the image's, not the cluster's.",
    action:
      'For a copy: add dataVolume (path, uid, gid, directory, command) to its entry (docs/your-services.md, Your own topology in the CDK app). The migration does not need it.',
  };
}

/** A service whose image a copy cannot pull as the cluster does. */
export function copyImage(service: string, image: string, reason: string): Finding {
  return {
    code: 'copy-image',
    severity: 'info',
    services: [service],
    what: `${service}'s image ${image} ${reason}.`,
    why: "A copy of this system in the CDK app pulls each image itself: an image in ECR as it is, with the copy's own task execution role; any other through the app's image mirror, which copies it to the copy's ECR without credentials.",
    action:
      "For a copy: give its account pull access (an ECR repository policy), or name an image it can pull with the app's image context key for the service. The migration does not need it.",
  };
}

/** An image in ECR: its account and region. */
const ECR_IMAGE = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\//;

/**
 * What a copy of the service in the CDK app cannot take from the cluster: the files on its
 * serving container's volumes, and images it cannot pull as the cluster does (from a private
 * registry with credentials, or from another account's ECR).
 */
export function copyFindings(live: Live): Finding[] {
  const findings: Finding[] = [];
  const volumes = new Map((live.taskDefinition?.volumes ?? []).map((v) => [v.name, v]));
  const mounts = (live.container?.mountPoints ?? []).map((m) => {
    const efs = volumes.get(m.sourceVolume)?.efsVolumeConfiguration?.fileSystemId;
    return `volume ${m.sourceVolume} at ${m.containerPath}${efs ? `, EFS ${efs}` : ''}`;
  });
  if (mounts.length > 0) findings.push(copyDataVolume(live.name, mounts));
  const account = live.service.serviceArn?.split(':')[4];
  for (const c of live.taskDefinition?.containerDefinitions ?? []) {
    const ecr = ECR_IMAGE.exec(c.image ?? '');
    if (c.repositoryCredentials)
      findings.push(copyImage(live.name, c.image!, 'is in a private registry, pulled with credentials'));
    else if (ecr && account && ecr[1] !== account)
      findings.push(copyImage(live.name, c.image!, `is in the ECR of another account (${ecr[1]})`));
  }
  return findings;
}
