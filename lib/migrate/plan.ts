import { ValidationError } from '../core/validation';
import type {
  RegisterTaskDefinitionCommandInput,
  Service,
  UpdateServiceCommandInput,
} from '@aws-sdk/client-ecs';
import { cyclesOf, serverFirstWaves } from '../model/graph';
import { PlanOptions, planSystem, servicePlan } from '../model/plan';
import { ServiceConnectConfig, renderServiceConnect } from '../model/service-connect';
import { ServiceSpec, Topology } from '../model/topology';
import { NamespaceRef, liveServiceConnect, primaryDeployment, sameServiceConnect } from './compare';
import { ScUpdate } from './sc-files';

/** What one update does. */
export type UpdateAction =
  'service-connect-on' | 'service-connect-off' | 'attach-old-path' | 'detach-old-path';

/** One service's update within a wave. */
export interface PlannedUpdate {
  readonly service: ServiceSpec;
  readonly action: UpdateAction;
  readonly input: UpdateServiceCommandInput;
  /** A revision to register first (a port name): its ARN becomes `input.taskDefinition`. */
  readonly register?: RegisterTaskDefinitionCommandInput;
}

/** A wave: updates sent together, waited for together. */
export interface PlannedWave {
  readonly updates: readonly PlannedUpdate[];
  /**
   * Cycles of calls among the wave's services (apply): after the wave, each member whose tasks
   * started before another member's endpoint existed is redeployed.
   */
  readonly cycles: readonly (readonly string[])[];
}

/** Where the configurations go. */
export interface PlanTarget {
  readonly cluster: string;
  /** Filled into `awslogs-region`. */
  readonly region: string;
  /** The namespace to send (name or ARN). */
  readonly namespace: string;
  /** The proxies' log group when a service names none (default: the topology's). */
  readonly logGroupName?: string;
  /**
   * What every configuration includes (access logs, TLS, test traffic), in the phase it renders:
   * the CDK app's options where its stack states them, so that what is sent is the template's.
   */
  readonly options: PlanOptions;
  /** TLS's KMS key and ECS infrastructure role, when `options` encrypt an endpoint. */
  readonly tls?: { readonly kmsKeyArn: string; readonly roleArn: string };
}

/** What the live system says about each service, read before planning (task definitions). */
export interface LiveFacts {
  /** Apply: the revision to register to name a service's port. */
  readonly revisions?: ReadonlyMap<string, RegisterTaskDefinitionCommandInput>;
  /** Rollback: the revision a service returns to (it runs one that apply registered). */
  readonly restore?: ReadonlyMap<string, string>;
}

/**
 * `apply`: servers first, wave by wave from the calls (a cycle in one wave), each service with
 * the configuration derived from the topology (an `sc-update/` file overrides it), the log region
 * filled in, and the revision that names its port when it has none.
 */
export function planApply(
  topology: Topology,
  target: PlanTarget,
  overrides: readonly ScUpdate[] = [],
  facts: LiveFacts = {}
): PlannedWave[] {
  const cycles = cyclesOf(topology);
  return serverFirstWaves(topology).map((wave) => ({
    updates: wave.map((service) => {
      const register = facts.revisions?.get(service.name);
      return {
        service,
        action: 'service-connect-on' as const,
        input: {
          cluster: target.cluster,
          service: service.name,
          serviceConnectConfiguration: desiredConfiguration(topology, service, target, overrides),
        },
        ...(register && { register }),
      };
    }),
    cycles: cycles.filter((c) => c.some((name) => wave.some((s) => s.name === name))),
  }));
}

/**
 * `rollback`: first the old paths that `retire` detached are attached again (a caller turned back
 * to DNS must find them), then Service Connect off, clients first, each service back on the
 * revision it had before `apply` named its port.
 */
export function planRollback(
  topology: Topology,
  target: PlanTarget,
  facts: LiveFacts & { readonly attach?: readonly PlannedUpdate[] } = {}
): PlannedWave[] {
  const waves = serverFirstWaves(topology).reverse();
  const off: PlannedWave[] = waves.map((wave) => ({
    updates: wave.map((service) => {
      const restore = facts.restore?.get(service.name);
      return {
        service,
        action: 'service-connect-off' as const,
        input: {
          cluster: target.cluster,
          service: service.name,
          serviceConnectConfiguration: { enabled: false },
          ...(restore && { taskDefinition: restore }),
        },
      };
    }),
    cycles: [],
  }));
  return facts.attach && facts.attach.length > 0 ? [{ updates: facts.attach, cycles: [] }, ...off] : off;
}

/**
 * The configuration a service gets: its `sc-update/` file if there is one, else its plan's,
 * rendered as the CDK app renders it (the same function, the same options).
 */
export function desiredConfiguration(
  topology: Topology,
  service: ServiceSpec,
  target: PlanTarget,
  overrides: readonly ScUpdate[] = []
): ServiceConnectConfig {
  const override = overrides.find((u) => u.service.name === service.name);
  if (!override) {
    const plan = servicePlan(planSystem(topology, target.options), service.name).serviceConnect;
    if (!plan) throw new Error(`${service.name}: the ${target.options.phase} phase has no Service Connect`);
    const logGroupName = service.logGroupName ?? target.logGroupName ?? topology.logGroupName;
    if (!logGroupName) throw new ValidationError([noLogGroup(service.name)]);
    return renderServiceConnect(plan, {
      namespace: target.namespace,
      logGroupName,
      region: target.region,
      ...(target.tls && { tls: target.tls }),
    });
  }
  const { config } = override;
  const options = { ...config.logConfiguration?.options };
  if (target.logGroupName) options['awslogs-group'] = target.logGroupName;
  options['awslogs-region'] = target.region;
  return {
    ...config,
    namespace: target.namespace,
    logConfiguration: { ...config.logConfiguration, logDriver: config.logConfiguration!.logDriver, options },
  };
}

/** The update that turns Service Connect on with `config`: to ask {@link isDone} whether a service runs it. */
export function serviceConnectOn(service: ServiceSpec, config: ServiceConnectConfig): PlannedUpdate {
  return {
    service,
    action: 'service-connect-on',
    input: { service: service.name, serviceConnectConfiguration: config },
  };
}

/**
 * Whether a service already is where an update takes it, as ECS reports it (the PRIMARY
 * deployment): the same Service Connect configuration and task definition, or the old path
 * attached or detached. A real run skips it; after the update, it must hold.
 */
export function isDone(update: PlannedUpdate, live: Service, namespace: NamespaceRef): boolean {
  const { input } = update;
  if (input.serviceConnectConfiguration !== undefined) {
    if (!sameServiceConnect(liveServiceConnect(live), input.serviceConnectConfiguration, namespace))
      return false;
  }
  if (update.register) {
    // Service Connect already on with this configuration means the port had its name.
    return true;
  }
  if (input.taskDefinition !== undefined && primaryDeployment(live)?.taskDefinition !== input.taskDefinition)
    return false;
  if (input.serviceRegistries !== undefined && !sameRegistries(live, input)) return false;
  if (input.loadBalancers !== undefined && !sameTargetGroups(live, input)) return false;
  return true;
}

function sameRegistries(live: Service, input: UpdateServiceCommandInput): boolean {
  const arns = (list?: { registryArn?: string }[]) =>
    (list ?? [])
      .map((r) => r.registryArn)
      .sort()
      .join();
  return arns(live.serviceRegistries) === arns(input.serviceRegistries);
}

function sameTargetGroups(live: Service, input: UpdateServiceCommandInput): boolean {
  const arns = (list?: { targetGroupArn?: string }[]) =>
    (list ?? [])
      .map((r) => r.targetGroupArn)
      .sort()
      .join();
  return arns(live.loadBalancers) === arns(input.loadBalancers);
}

/** What to add when a service's Service Connect proxy has no log group to write to. */
function noLogGroup(service: string): string {
  return `${service}: no log group for its Service Connect proxy; add logGroupName to the topology (at the top, or on the service): a log group that exists, which the task execution role may write to (logs:CreateLogStream, logs:PutLogEvents)`;
}
