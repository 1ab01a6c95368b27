import { DeploymentAlarmPlan, deploymentAlarmsOf, deploymentAlarmWatch } from './alarms';
import {
  DEFAULT_BAKE_MINUTES,
  DeploymentOptions,
  DeploymentStrategyName,
  LoadBalancerTrafficShift,
  TEST_TRAFFIC_HEADER,
  loadBalancerTrafficShift,
  strategyOf,
  taskReplacement,
} from './deployment';
import {
  DeploymentWait,
  callersOf,
  calleesOf,
  containerEnvironment,
  deploymentOrder,
  legacyEndpoint,
} from './graph';
import { adoptedPlan, servesName } from './live-service-connect';
import { OldPathPlan, oldPathOf } from './old-path';
import { MigrationPhase, keepsLegacyPath, usesServiceConnect } from './phase';
import { ServiceConnectPlan } from './service-connect';
import { AppProtocol, ServiceSpec, Topology, serviceId } from './topology';

/**
 * The migration as one plan per service: a pure function of the topology and the options turns
 * each service into everything the views need to agree on — its environment and port mapping,
 * its Service Connect configuration (endpoint, aliases, timeouts, TLS, access logs, test
 * traffic), its old path (Cloud Map service, alias record, listener), its security-group rules,
 * how it deploys and the alarms it watches. The CDK constructs, the migration CLI, the
 * `sc-update/` files, the resource quotas and the dashboard all read it; none of them derives
 * these facts again. No CDK and no SDK here.
 */

/** The options of a plan: the phase, and what the app's context (or the CLI's flags) chose. */
export interface PlanOptions {
  readonly phase: MigrationPhase;
  /** JSON access logs of every proxy, in the phases with Service Connect. */
  readonly accessLogs: boolean;
  /** Service Connect TLS with this AWS Private CA (`planProblems` allows it in the retired phase only). */
  readonly tlsCertificateAuthorityArn?: string;
  /** How the services deploy; a gradual strategy applies where {@link strategyOf} allows. */
  readonly deployment?: DeploymentOptions;
}

/** The default options: the app's defaults (`-c` keys left out) in `phase`. */
export function defaultPlanOptions(phase: MigrationPhase): PlanOptions {
  return { phase, accessLogs: true };
}

/** The port mapping of a service's container. */
export interface PortMappingPlan {
  readonly containerPort: number;
  /** The name Service Connect refers to; a discovered port may have none. */
  readonly name?: string;
  readonly appProtocol?: AppProtocol;
}

/** A security-group rule that lets `from` reach a service on `port`. */
export interface IngressRule {
  readonly from: string;
  readonly port: number;
  readonly description: string;
}

/** How a service deploys in the phase. */
export interface DeploymentPlan {
  readonly strategy: DeploymentStrategyName;
  /** Why it is not the strategy asked for. */
  readonly reason?: string;
  readonly minHealthyPercent: number;
  readonly maxHealthyPercent: number;
  /** Why its deployments are a planned outage of its callers, if they are. */
  readonly plannedOutage?: string;
  /** Minutes both revisions run after the traffic moved (gradual strategies; always stated). */
  readonly bakeMinutes?: number;
  readonly stepPercent?: number;
  readonly stepBakeMinutes?: number;
  /** The deployment alarms it names, and whether ECS watches them (with the reason). */
  readonly alarms: { readonly names: readonly string[]; readonly enabled: boolean; readonly reason: string };
  /**
   * Behind the public load balancer: the alternate target group, production listener rule and ECS
   * role its attachment has in every phase and with every strategy, so that ECS can shift its
   * traffic ({@link loadBalancerTrafficShift}). Undefined for every other service: the internal
   * load balancer's targets get none (the phases that have it refuse gradual strategies).
   */
  readonly loadBalancerShift?: LoadBalancerTrafficShift;
}

/** Everything one service is in one phase. */
export interface ServicePlan {
  readonly spec: ServiceSpec;
  /** Short id: construct ids, `sc-update/svc-<id>.json`, proxy log prefix. */
  readonly id: string;
  /** The container environment: its own settings and the old names of the services it calls. */
  readonly environment: Readonly<Record<string, string>>;
  readonly portMapping?: PortMappingPlan;
  /** Its Service Connect configuration; undefined where the phase has Service Connect off. */
  readonly serviceConnect?: ServiceConnectPlan;
  readonly oldPath: OldPathPlan;
  /** Who may reach its tasks, from the calls (Service Connect's proxies connect task to task). */
  readonly ingress: readonly IngressRule[];
  /** The ports it reaches in the VPC: each callee's container port and the port callers use (the first call's description). */
  readonly egress: readonly { readonly port: number; readonly description: string }[];
  /** The services it calls. */
  readonly callees: readonly string[];
  /** The services that call it. */
  readonly callers: readonly string[];
  readonly deployment: DeploymentPlan;
  /** A non-essential container that starts once the app is HEALTHY, so that Service Connect registers it only then. */
  readonly readinessGate: boolean;
}

/** The whole system in one phase. */
export interface SystemPlan {
  readonly topology: Topology;
  readonly options: PlanOptions;
  readonly services: readonly ServicePlan[];
  /** The deployment alarms: they exist in every phase, so that a phase change creates none. */
  readonly alarms: readonly DeploymentAlarmPlan[];
  /** Which service waits for which (`DependsOn`), in the direction the phase needs. */
  readonly order: readonly DeploymentWait[];
  /** The services that wait, after a planned outage, until the deployment alarms are out of ALARM. */
  readonly settles: readonly DeploymentSettle[];
}

/**
 * A planned outage (a service whose old task stops before the new one starts) makes its callers
 * fail for a while, and the public entry's deployment alarms go to ALARM during it or minutes
 * after it (they need two bad minutes out of three). A service whose deployment runs meanwhile
 * would be rolled back for errors it did not cause, or, starting with an alarm already in ALARM,
 * not be watched at all. So every service that need not deploy before it waits, after it, until
 * the deployment alarms have seen the minutes after it and none is in ALARM.
 */
export interface DeploymentSettle {
  /** The service whose deployment is a planned outage. */
  readonly after: string;
  /** The services whose deployments start only once the alarms have settled after it. */
  readonly waiters: readonly string[];
}

/** The plan of `topology` with `options`. */
export function planSystem(topology: Topology, options: PlanOptions): SystemPlan {
  const alarms = deploymentAlarmsOf(topology);
  const direction = usesServiceConnect(options.phase) ? 'serversFirst' : 'clientsFirst';
  const order = deploymentOrder(topology, direction);
  return {
    topology,
    options,
    services: topology.services.map((svc) => planService(topology, svc, options, alarms)),
    alarms,
    order,
    settles: settlesOf(topology, order),
  };
}

/**
 * The settles of the planned outages, in model order. A service waits for a settle unless it
 * must deploy before the planned outage (the order says so, through other services or settles):
 * then waiting would be a cycle, and it is done before the outage starts anyway.
 */
function settlesOf(topology: Topology, order: readonly DeploymentWait[]): DeploymentSettle[] {
  const waitsFor = new Map<string, Set<string>>();
  const wait = (service: string, after: string) => {
    if (!waitsFor.has(service)) waitsFor.set(service, new Set());
    waitsFor.get(service)!.add(after);
  };
  for (const w of order) wait(w.service, w.after);
  // Everything `name` waits for, through other services and settles.
  const before = (name: string): Set<string> => {
    const seen = new Set<string>();
    const pending = [name];
    while (pending.length > 0) {
      for (const next of waitsFor.get(pending.pop()!) ?? []) {
        if (seen.has(next)) continue;
        seen.add(next);
        pending.push(next);
      }
    }
    return seen;
  };
  const settles: DeploymentSettle[] = [];
  for (const svc of topology.services.filter((s) => taskReplacement(s).plannedOutage)) {
    const earlier = before(svc.name);
    const waiters = topology.services.map((s) => s.name).filter((n) => n !== svc.name && !earlier.has(n));
    const settle = `settle:${svc.name}`;
    wait(settle, svc.name);
    for (const waiter of waiters) wait(waiter, settle);
    settles.push({ after: svc.name, waiters });
  }
  return settles;
}

/** The plan of the service called `name`. @throws Error naming the services when there is none. */
export function servicePlan(plan: SystemPlan, name: string): ServicePlan {
  const found = plan.services.find((s) => s.spec.name === name);
  if (!found)
    throw new Error(
      `'${name}' is not a service of the plan (${plan.services.map((s) => s.spec.name).join(', ')})`
    );
  return found;
}

/**
 * What of a service's plan its ECS service is deployed with: when it changes, the service deploys
 * again. The reasons that only explain the plan are left out, so that rewording one reruns nothing
 * (the wait after a planned outage hashes this to know when to run again).
 */
export function deployedPartOf(service: ServicePlan): unknown {
  const { reason: _reason, plannedOutage: _outage, alarms, ...deployment } = service.deployment;
  return {
    environment: service.environment,
    portMapping: service.portMapping,
    serviceConnect: service.serviceConnect,
    oldPath: service.oldPath,
    deployment: { ...deployment, alarms: { names: alarms.names, enabled: alarms.enabled } },
  };
}

function planService(
  topology: Topology,
  svc: ServiceSpec,
  options: PlanOptions,
  alarms: readonly DeploymentAlarmPlan[]
): ServicePlan {
  const volume = svc.dataVolume;
  const callers = callersOf(topology, svc);
  const deployment = deploymentPlan(topology, svc, options, alarms);
  return {
    spec: svc,
    id: serviceId(svc),
    environment: {
      ...containerEnvironment(topology, svc),
      ...(volume?.directoryEnvironment && { [volume.directoryEnvironment]: volume.directory }),
    },
    ...(svc.port !== undefined && {
      portMapping: {
        containerPort: svc.port,
        ...(svc.portName !== undefined && { name: svc.portName }),
        ...(svc.appProtocol !== undefined && { appProtocol: svc.appProtocol }),
      },
    }),
    ...(usesServiceConnect(options.phase) && {
      serviceConnect:
        keptServiceConnect(topology, svc) ?? serviceConnectPlan(topology, svc, options, deployment.strategy),
    }),
    oldPath: oldPathOf(topology, svc, keepsLegacyPath(options.phase)),
    ingress: callers.map((caller) => ({
      from: caller.name,
      port: svc.port!, // validateTopology: every called service has its port
      description: `${caller.name} calls ${svc.name}`,
    })),
    egress: egressOf(topology, svc),
    callees: svc.calls.map((c) => c.service),
    callers: callers.map((c) => c.name),
    deployment,
    readinessGate: svc.healthCheck !== undefined && callers.length > 0,
  };
}

/** The ports `svc` reaches in the VPC, each once, described by the first call that needs it. */
function egressOf(topology: Topology, svc: ServiceSpec): { port: number; description: string }[] {
  const rules = new Map<number, string>();
  for (const callee of calleesOf(topology, svc)) {
    for (const port of [callee.port!, legacyEndpoint(topology, callee)!.port]) {
      if (!rules.has(port)) rules.set(port, `${svc.name} calls ${callee.name} (in the VPC)`);
    }
  }
  return [...rules].map(([port, description]) => ({ port, description }));
}

/**
 * The live configuration `svc` keeps, when the topology records one (discover does) and it
 * already serves the name its callers use (its old name: the one client alias of the plan's own
 * configuration), or it has no callers to serve. Kept, it is rendered back as it is: a cluster
 * discovered after apply, after retire, or migrated by other means needs no update, and its
 * options (access logs, TLS, timeouts, log stream) are the live ones, not the plan options'. To
 * change it, edit or remove the file's `serviceConnect`.
 */
function keptServiceConnect(topology: Topology, svc: ServiceSpec): ServiceConnectPlan | undefined {
  const live = svc.serviceConnect;
  if (!live) return undefined;
  const alias = legacyEndpoint(topology, svc);
  return !alias || servesName(live, alias) ? adoptedPlan(live, alias) : undefined;
}

/**
 * A service's Service Connect configuration in a phase that has it: client-server with its old
 * name as the one client alias when anybody calls it, client-only otherwise; the proxy's logs in
 * the service's own log group if it names one; TLS where {@link tlsRefusal} allows it; test
 * traffic by Service Connect's header when the service deploys gradually.
 */
function serviceConnectPlan(
  topology: Topology,
  svc: ServiceSpec,
  options: PlanOptions,
  strategy: DeploymentStrategyName
): ServiceConnectPlan {
  const alias = legacyEndpoint(topology, svc);
  const noTls = options.tlsCertificateAuthorityArn ? tlsRefusal(svc, options.phase) : undefined;
  return {
    ...(alias && {
      endpoint: {
        portName: svc.portName!, // validateTopology: a service with an old name has its port's name
        ...(svc.discoveryName !== undefined && { discoveryName: svc.discoveryName }),
        alias,
        ...(svc.timeouts?.idleSeconds !== undefined && { idleTimeoutSeconds: svc.timeouts.idleSeconds }),
        ...(svc.timeouts?.perRequestSeconds !== undefined && {
          perRequestTimeoutSeconds: svc.timeouts.perRequestSeconds,
        }),
        ...(options.tlsCertificateAuthorityArn &&
          (noTls
            ? { noTlsReason: noTls }
            : { tlsCertificateAuthorityArn: options.tlsCertificateAuthorityArn })),
        ...(strategy !== 'rolling' && { testTrafficHeader: TEST_TRAFFIC_HEADER }),
      },
    }),
    logStreamPrefix: `${serviceId(svc)}-envoy`,
    ...(svc.logGroupName !== undefined && { logGroupName: svc.logGroupName }),
    accessLogs: options.accessLogs,
  };
}

/**
 * Why `svc`'s endpoint cannot be encrypted in `phase`, or undefined when it can. With TLS the
 * proxy on the container port accepts TLS 1.3 only (service-connect-tls.html; containers-roadmap
 * #2321): every plaintext client of that port fails, the internal load balancer's health checks
 * and the tasks still on the old path in the phases that keep it, and the public load balancer
 * in every phase.
 */
export function tlsRefusal(svc: ServiceSpec, phase: MigrationPhase): string | undefined {
  if (svc.publicEntry) {
    return 'the public load balancer sends plain HTTP to its container port, where the proxy would accept TLS only';
  }
  if (keepsLegacyPath(phase)) {
    return `the ${phase} phase keeps the old path, whose clients and load balancer health checks reach the container port in plain text`;
  }
  return undefined;
}

function deploymentPlan(
  topology: Topology,
  svc: ServiceSpec,
  options: PlanOptions,
  alarms: readonly DeploymentAlarmPlan[]
): DeploymentPlan {
  const chosen = options.deployment?.strategy ?? 'rolling';
  const { strategy, reason } = strategyOf(topology, svc, options.phase, chosen);
  const replacement = taskReplacement(svc);
  const gradual = strategy !== 'rolling';
  const settings = options.deployment;
  const shift = loadBalancerTrafficShift(topology, svc);
  return {
    strategy,
    ...(reason !== undefined && { reason }),
    minHealthyPercent: replacement.minHealthyPercent,
    maxHealthyPercent: replacement.maxHealthyPercent,
    ...(replacement.plannedOutage !== undefined && { plannedOutage: replacement.plannedOutage }),
    ...(gradual && { bakeMinutes: settings?.bakeMinutes ?? DEFAULT_BAKE_MINUTES }),
    ...(gradual &&
      strategy !== 'blueGreen' &&
      settings?.stepPercent !== undefined && { stepPercent: settings.stepPercent }),
    ...(gradual &&
      strategy !== 'blueGreen' &&
      settings?.stepBakeMinutes !== undefined && { stepBakeMinutes: settings.stepBakeMinutes }),
    alarms: deploymentAlarmWatch(topology, svc, options.phase, alarms),
    ...(shift && { loadBalancerShift: shift }),
  };
}
