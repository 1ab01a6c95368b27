import type { ServiceConnectConfiguration, UpdateServiceCommandInput } from '@aws-sdk/client-ecs';
import { serverFirstWaves } from '../model/graph';
import { ServiceSpec, Topology } from '../model/topology';
import { ScUpdate } from './sc-files';

/** The commands that change Service Connect. */
export type Direction = 'apply' | 'rollback';

/** One service's desired configuration within a wave. */
export interface PlannedUpdate {
  readonly service: ServiceSpec;
  readonly input: UpdateServiceCommandInput & { serviceConnectConfiguration: ServiceConnectConfiguration };
}

/** Where the configurations go, as far as it is known. */
export interface PlanTarget {
  readonly cluster: string;
  /** Filled into `awslogs-region`. */
  readonly region: string;
  /** Namespace to send (name or ARN); defaults to the file's. */
  readonly namespace?: string;
  /** Log group to send; defaults to the file's. */
  readonly logGroupName?: string;
}

/**
 * The UpdateService requests of `apply` or `rollback`, in waves from the call graph.
 * `apply` goes servers first (db and redis, then appserver, then ui), each with its
 * `sc-update/` configuration, the log region filled in; `rollback` goes clients first with
 * `enabled: false`. Pure: the dry run prints exactly this, a real run sends it wave by wave,
 * leaving out services already in the target state.
 */
export function planWaves(
  direction: Direction,
  topology: Topology,
  updates: readonly ScUpdate[],
  target: PlanTarget
): PlannedUpdate[][] {
  const waves = serverFirstWaves(topology);
  if (direction === 'rollback') waves.reverse();
  return waves.map((wave) =>
    wave.map((service) => ({
      service,
      input: {
        cluster: target.cluster,
        service: service.name,
        serviceConnectConfiguration:
          direction === 'apply' ? desiredConfiguration(updates, service, target) : { enabled: false },
      },
    }))
  );
}

function desiredConfiguration(
  updates: readonly ScUpdate[],
  service: ServiceSpec,
  target: PlanTarget
): ServiceConnectConfiguration {
  const update = updates.find((u) => u.service.name === service.name);
  if (!update) throw new Error(`no sc-update configuration for ${service.name}`);
  const { config } = update;
  const options = { ...config.logConfiguration?.options };
  if (target.logGroupName) options['awslogs-group'] = target.logGroupName;
  options['awslogs-region'] = target.region;
  return {
    ...config,
    namespace: target.namespace ?? config.namespace,
    logConfiguration: { ...config.logConfiguration, logDriver: config.logConfiguration!.logDriver, options },
  };
}
