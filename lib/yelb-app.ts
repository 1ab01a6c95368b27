import { App, Stack } from 'aws-cdk-lib';
import { YelbConfig } from './config';
import { NetworkStack } from './stacks/network-stack';
import { YelbStack } from './stacks/yelb-stack';

/** Stack names; the CLIs default to {@link STACK_NAMES}.yelb when reading outputs. */
export const STACK_NAMES = { network: 'YelbNetwork', yelb: 'Yelb' } as const;

/** The stacks of the app. */
export interface YelbApp {
  readonly network: NetworkStack;
  readonly yelb: YelbStack;
}

/**
 * Adds the app's stacks to `app` for a validated config. Environment-agnostic on purpose:
 * synthesizing needs no AWS account, and the same template deploys to any account and region.
 */
export function addYelbStacks(app: App, config: YelbConfig): YelbApp {
  const network = new NetworkStack(app, STACK_NAMES.network, {
    natGateways: config.natGateways,
    description: 'Yelb sample: VPC, subnets, NAT gateways, flow logs',
  });
  const yelb = new YelbStack(app, STACK_NAMES.yelb, {
    vpc: network.vpc,
    topology: config.topology,
    phase: config.phase,
    description: `Yelb sample on ECS Fargate, migration phase '${config.phase}'`,
  });
  return { network, yelb };
}

/** Every stack of `app`, for checks that run over the whole app. */
export function stacksOf(app: App): Stack[] {
  return app.node.children.filter((c): c is Stack => Stack.isStack(c));
}
