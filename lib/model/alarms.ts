import { deploymentAlarmPrefix, servesHttpThroughServiceConnect, taskReplacement } from './deployment';
import { callersOf } from './graph';
import { MigrationPhase, usesServiceConnect } from './phase';
import { ServiceSpec, Topology, serviceId } from './topology';
import { pascalCase } from '../core/names';

/**
 * The deployment alarms: CloudWatch alarms whose ALARM state makes ECS roll a deployment back
 * (`DeploymentConfiguration.Alarms`), and which service watches which. They exist in every
 * phase (a metric that a phase does not have shows no data, which is not breaching), so that a
 * phase change neither creates nor deletes one; which of them a service's deployments watch
 * depends on the phase and on the service.
 */

/** The deployment alarms' defaults, which a topology file may change (`deploymentAlarms`). */
export const DEPLOYMENT_ALARM_DEFAULTS = {
  /** 5xx per minute that make a deployment roll back... */
  errorsPerMinute: 10,
  /** ...in this many of the last `evaluationMinutes` minutes. */
  errorMinutes: 2,
  evaluationMinutes: 3,
  /** p99 response time above which, for `evaluationMinutes` minutes, a deployment rolls back. */
  p99Seconds: 2,
} as const;

/** What a deployment alarm measures. */
export type DeploymentAlarmKind = 'publicTarget5xx' | 'publicP99' | 'serviceConnect5xx' | 'serviceConnectP99';

/** One deployment alarm. */
export interface DeploymentAlarmPlan {
  /** Its construct id (its logical ID derives from it: never renamed). */
  readonly id: string;
  /** Its name, `<cluster>-deploy-…`: services name it (not a Ref, so the order is stated outright). */
  readonly name: string;
  readonly kind: DeploymentAlarmKind;
  /** Service Connect alarms: the HTTP server whose responses they measure. */
  readonly server?: string;
  /**
   * Service Connect alarms: the metrics, one per caller and discovery name (Service Connect
   * publishes a server's target metrics per calling service: `ClusterName`, the caller's
   * `ServiceName`, `TargetDiscoveryName`).
   */
  readonly metrics?: readonly { readonly caller: string; readonly discoveryName: string }[];
  /** 5xx per minute, or p99 seconds. */
  readonly threshold: number;
  /** Minutes in ALARM out of `evaluationMinutes`. */
  readonly datapointsToAlarm: number;
  readonly evaluationMinutes: number;
}

/** The deployment alarms of the system: the public entry's two, and two per HTTP server behind Service Connect. */
export function deploymentAlarmsOf(topology: Topology): DeploymentAlarmPlan[] {
  const d = DEPLOYMENT_ALARM_DEFAULTS;
  const errors = topology.deploymentAlarms?.errorsPerMinute ?? d.errorsPerMinute;
  const p99 = topology.deploymentAlarms?.p99Seconds ?? d.p99Seconds;
  const prefix = deploymentAlarmPrefix(topology.clusterName);
  const common = { evaluationMinutes: d.evaluationMinutes };
  const alarms: DeploymentAlarmPlan[] = [
    {
      ...common,
      id: 'DeployPublicTarget5xxAlarm',
      name: `${prefix}public-target-5xx`,
      kind: 'publicTarget5xx',
      threshold: errors,
      datapointsToAlarm: d.errorMinutes,
    },
    {
      ...common,
      id: 'DeployPublicResponseTimeAlarm',
      name: `${prefix}public-p99`,
      kind: 'publicP99',
      threshold: p99,
      datapointsToAlarm: d.evaluationMinutes,
    },
  ];
  for (const server of topology.services.filter((s) => servesHttpThroughServiceConnect(topology, s))) {
    const id = pascalCase(serviceId(server));
    const name = server.discoveryName ?? server.portName!;
    const metrics = callersOf(topology, server).map((caller) => ({
      caller: caller.name,
      discoveryName: name,
    }));
    alarms.push(
      {
        ...common,
        id: `Deploy${id}ServiceConnect5xxAlarm`,
        name: `${prefix}${server.name}-service-connect-5xx`,
        kind: 'serviceConnect5xx',
        server: server.name,
        metrics,
        threshold: errors,
        datapointsToAlarm: d.errorMinutes,
      },
      {
        ...common,
        id: `Deploy${id}ServiceConnectResponseTimeAlarm`,
        name: `${prefix}${server.name}-service-connect-p99`,
        kind: 'serviceConnectP99',
        server: server.name,
        metrics,
        threshold: p99,
        datapointsToAlarm: d.evaluationMinutes,
      }
    );
  }
  return alarms;
}

/**
 * Which deployment alarms `svc`'s deployments name, and whether ECS watches them:
 * - every service: the public entry's 5xx and p99, which users feel;
 * - an HTTP server behind Service Connect, in the phases with it: its own Service Connect 5xx and
 *   p99 as its callers see them (before, those metrics do not exist);
 * - a service whose deployment is a planned outage (its old task stops before the new one
 *   starts): none watched. Its callers' errors during its restart are the plan, not a failure, and
 *   those alarms would roll every one of its deployments back (a second outage, and CloudFormation's
 *   rollback a third). What says it is healthy guards it instead: its container health check and
 *   the deployment circuit breaker. The names stay, with `Enable: false`: an absent property
 *   would leave ECS watching what it watched before.
 */
export function deploymentAlarmWatch(
  topology: Topology,
  svc: ServiceSpec,
  phase: MigrationPhase,
  alarms: readonly DeploymentAlarmPlan[]
): { names: string[]; enabled: boolean; reason: string } {
  const own = usesServiceConnect(phase) && servesHttpThroughServiceConnect(topology, svc);
  const names = alarms
    .filter((a) => a.kind === 'publicTarget5xx' || a.kind === 'publicP99' || (own && a.server === svc.name))
    .map((a) => a.name);
  const outage = taskReplacement(svc).plannedOutage;
  if (outage) {
    return {
      names,
      enabled: false,
      reason: `not watched: a planned outage (${outage}); its health check and the circuit breaker guard it`,
    };
  }
  return {
    names,
    enabled: true,
    reason: own
      ? 'the public entry and its own Service Connect responses roll a bad deployment back'
      : 'the public entry rolls a bad deployment back',
  };
}
