import { callersOf, legacyEndpoint } from './graph';
import { MigrationPhase, keepsLegacyPath } from './phase';
import { ServiceSpec, Topology } from './topology';

/**
 * How each service's deployments run once it is migrated: the strategy ECS deploys it with, and
 * the CloudWatch alarms that make ECS roll a bad deployment back. Derived from the topology and
 * the phase; no CDK here (the app and its tests read the same answers).
 */

/** How ECS replaces a service's tasks in a rolling deployment. */
export interface TaskReplacement {
  /** ECS's minimumHealthyPercent: 0 stops the old task before the new one starts. */
  readonly minHealthyPercent: number;
  /** ECS's maximumPercent. */
  readonly maxHealthyPercent: number;
  /**
   * Why a deployment of the service is a planned outage (its old task stops before the new one
   * starts, so nothing serves in between); undefined when the new tasks start first.
   */
  readonly plannedOutage?: string;
}

/**
 * How `svc`'s tasks are replaced: a service whose data is on a shared volume never runs two
 * database processes on the same files, so its old task stops before the new one starts (a short,
 * planned outage of its callers); every other service starts its new tasks first.
 */
export function taskReplacement(svc: ServiceSpec): TaskReplacement {
  if (svc.dataVolume) {
    return {
      minHealthyPercent: 0,
      maxHealthyPercent: 100,
      plannedOutage:
        'its data volume has one writer: the old task stops before the new one starts, and its callers get errors until the new one is ready',
    };
  }
  return { minHealthyPercent: 100, maxHealthyPercent: 200 };
}

/** The strategies `-c deploymentStrategy` offers, as the context names them. */
export const DEPLOYMENT_STRATEGIES = ['rolling', 'blueGreen', 'linear', 'canary'] as const;
export type DeploymentStrategyName = (typeof DEPLOYMENT_STRATEGIES)[number];

/** How the services' deployments run (`-c deploymentStrategy` and its settings). */
export interface DeploymentOptions {
  readonly strategy: DeploymentStrategyName;
  /** Minutes both revisions run after the traffic has moved (blue/green, linear, canary). */
  readonly bakeMinutes?: number;
  /** The share of traffic each step moves (linear) or the first step moves (canary), in percent. */
  readonly stepPercent?: number;
  /** Minutes between the steps (linear, canary). */
  readonly stepBakeMinutes?: number;
}

/**
 * Minutes both revisions run after the traffic has moved, when `-c bakeTimeMinutes` says
 * nothing: stated, because the ECS API reference requires it for BLUE_GREEN, and long enough for
 * the deployment alarms' three-minute window to see the new revision under full traffic.
 */
export const DEFAULT_BAKE_MINUTES = 5;

/** The names of the deployment alarms of a cluster's services start with this: `yelb-cluster-deploy-`. */
export function deploymentAlarmPrefix(clusterName: string): string {
  return `${clusterName}-deploy-`;
}

/** The header Service Connect sends to the green revision during a blue/green, linear or canary deployment. */
export const TEST_TRAFFIC_HEADER = 'x-amzn-ecs-blue-green-test';

/** The strategy a service deploys with; `reason` says why it is not the one chosen. */
export interface ServiceStrategy {
  readonly strategy: DeploymentStrategyName;
  readonly reason?: string;
}

/**
 * Why the chosen gradual strategy (blue/green, linear, canary) cannot apply in a phase, or
 * undefined when it can. ECS runs them for a service whose traffic it shifts itself: through
 * Service Connect, or through a load balancer given an alternate target group, a production
 * listener rule and a role. In discovery and serviceConnect the services still have the old
 * path (Cloud Map registries, the internal load balancer's target groups) that the app gives no
 * alternate target group; only the retired phase has Service Connect alone.
 */
export function phaseRefusesStrategy(
  strategy: DeploymentStrategyName,
  phase: MigrationPhase
): string | undefined {
  if (strategy === 'rolling' || !keepsLegacyPath(phase)) return undefined;
  return `the ${phase} phase still has the old path (Cloud Map registries and the internal load balancer's target groups, without the alternate target group and listener rule a ${strategy} deployment of them needs); allowed: a gradual strategy with retireLegacy=true only, after the retired phase is deployed with rolling`;
}

/**
 * The strategy `svc` deploys with in `phase` when `chosen` is asked for: the chosen one where ECS
 * can shift the service's traffic itself (the public entry's between the public load balancer's
 * two target groups, an HTTP server's through its callers' Service Connect proxies), rolling
 * elsewhere, with the reason.
 */
export function strategyOf(
  topology: Topology,
  svc: ServiceSpec,
  phase: MigrationPhase,
  chosen: DeploymentStrategyName
): ServiceStrategy {
  if (chosen === 'rolling') return { strategy: 'rolling' };
  const rolling = (reason: string): ServiceStrategy => ({ strategy: 'rolling', reason });
  // The config refuses the phases that keep the old path (phaseRefusesStrategy).
  if (keepsLegacyPath(phase)) return rolling(`the ${phase} phase still has the old path`);
  if (svc.singleton || svc.dataVolume) {
    return rolling('a singleton: the new tasks would run beside the old ones, two writers of the same data');
  }
  // Its load balancer attachment has what ECS shifts the traffic with (loadBalancerTrafficShift).
  if (svc.publicEntry) return { strategy: chosen };
  if (!legacyEndpoint(topology, svc) || callersOf(topology, svc).length === 0) {
    return rolling('nobody calls it through Service Connect: there is no traffic for ECS to shift');
  }
  if (!svc.appProtocol) {
    return rolling(
      'plain TCP: test traffic and the shifting of requests are HTTP features of Service Connect'
    );
  }
  return { strategy: chosen };
}

/** How ECS shifts a service's traffic behind its own load balancer, and why the attachment has it. */
export interface LoadBalancerTrafficShift {
  readonly reason: string;
}

/**
 * What the public entry's load balancer attachment has so that ECS can shift its traffic in a
 * blue/green, linear or canary deployment: an alternate target group, a production listener rule
 * that forwards to both target groups, and the ECS infrastructure role for load balancers. In
 * every phase and with every strategy, rolling included: ECS moves the production traffic to
 * the alternate target group in a gradual deployment and leaves it there, so a later template
 * without the attachment (a strategy turned off, a rollback to an earlier phase) would take the
 * tasks out of the target group that has the traffic, and delete the rule that sends it there
 * only after the deployment. ECS itself switches a service to rolling keeping its load balancer
 * configuration, and moves one to a gradual strategy once a rolling deployment has attached it.
 * Undefined for every other service, and for a public entry that always deploys rolling.
 */
export function loadBalancerTrafficShift(
  topology: Topology,
  svc: ServiceSpec
): LoadBalancerTrafficShift | undefined {
  if (!svc.publicEntry || strategyOf(topology, svc, 'retired', 'blueGreen').strategy === 'rolling') {
    return undefined;
  }
  return {
    reason:
      'ECS may leave the production traffic on either target group after a gradual deployment: the attachment stays in every phase and with every strategy, so that no deployment takes the tasks from the target group that has the traffic',
  };
}

/** An HTTP endpoint that others call: the services with Service Connect's HTTP metrics. */
export function servesHttpThroughServiceConnect(topology: Topology, svc: ServiceSpec): boolean {
  return (
    svc.appProtocol !== undefined &&
    callersOf(topology, svc).length > 0 &&
    legacyEndpoint(topology, svc) !== undefined
  );
}
