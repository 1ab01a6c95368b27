import type { DeploymentConfiguration } from '@aws-sdk/client-ecs';

/**
 * ECS's own gradual deployments (blue/green, linear, canary), as a live service's
 * `deploymentConfiguration` describes them: how long a deployment of the service takes beyond
 * replacing its tasks. What ECS does with settings left out are its documented defaults (linear:
 * steps of 10 % every 6 minutes; canary: 5 % for 10 minutes). SDK types only, so that discovery,
 * the migration CLI and the teardown share it.
 */

/** A gradual deployment and the time it adds to every deployment of the service. */
export interface GradualDeployment {
  readonly strategy: 'BLUE_GREEN' | 'LINEAR' | 'CANARY';
  /** Minutes of steps and bake a deployment spends after the new tasks run. */
  readonly minutes: number;
  /** The strategy in words: `LINEAR, 9 steps of 10% 6 min apart, then a 10 min bake`. */
  readonly how: string;
  /** Lifecycle hooks: a hook can hold a deployment for a time no setting says (a PAUSE hook until it is continued). */
  readonly hooks: number;
}

/** ECS's defaults for a linear deployment. */
const LINEAR_DEFAULTS = { stepPercent: 10, stepBakeTimeInMinutes: 6 };
/** ECS's defaults for a canary deployment. */
const CANARY_DEFAULTS = { canaryPercent: 5, canaryBakeTimeInMinutes: 10 };

/** The gradual deployment a configuration describes; undefined for a rolling one (or none said). */
export function gradualDeployment(
  config: DeploymentConfiguration | undefined
): GradualDeployment | undefined {
  const strategy = config?.strategy;
  if (strategy !== 'BLUE_GREEN' && strategy !== 'LINEAR' && strategy !== 'CANARY') return undefined;
  const bake = config!.bakeTimeInMinutes ?? 0;
  const hooks = config!.lifecycleHooks?.length ?? 0;
  const then = `a ${bake} min bake`;
  if (strategy === 'BLUE_GREEN') return { strategy, minutes: bake, how: `BLUE_GREEN, ${then}`, hooks };
  if (strategy === 'LINEAR') {
    const { stepPercent, stepBakeTimeInMinutes } = {
      ...LINEAR_DEFAULTS,
      ...definedOnly(config!.linearConfiguration),
    };
    const waits = linearWaits(stepPercent);
    return {
      strategy,
      minutes: bake + waits * stepBakeTimeInMinutes,
      how: `LINEAR, steps of ${stepPercent}% with ${waits} wait(s) of ${stepBakeTimeInMinutes} min between them, then ${then}`,
      hooks,
    };
  }
  const { canaryPercent, canaryBakeTimeInMinutes } = {
    ...CANARY_DEFAULTS,
    ...definedOnly(config!.canaryConfiguration),
  };
  return {
    strategy,
    minutes: canaryBakeTimeInMinutes + bake,
    how: `CANARY, ${canaryPercent}% for ${canaryBakeTimeInMinutes} min, then ${then}`,
    hooks,
  };
}

/**
 * The waits between the steps of a linear deployment (none after the last, which reaches 100 %),
 * as CloudFormation counts them: 100 ÷ step − 1 when the step divides 100, else ⌊100 ÷ step⌋.
 * Steps are multiples of 0.1 %, so they are counted in tenths to stay exact.
 */
export function linearWaits(stepPercent: number): number {
  const tenths = Math.round(stepPercent * 10);
  return 1000 % tenths === 0 ? 1000 / tenths - 1 : Math.floor(1000 / tenths);
}

/** The object without its undefined members (so that defaults fill them). */
function definedOnly<T extends object>(value: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(value ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}
