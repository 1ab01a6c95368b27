import { CfnResource, Stack } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { NagMessageLevel, NagRuleCompliance } from 'cdk-nag';

/**
 * One of the project's own synth-time rules (`MigrationChecks`): what every service of any
 * topology must be for the migration to be safe, checked on the resources the app writes, in
 * cdk-nag's style (one rule per file).
 */
export interface MigrationRule {
  /** The rule's id after the pack's name: `Migration-<id>`. */
  readonly id: string;
  /** What a finding says is wrong. */
  readonly info: string;
  /** Why the rule exists: the CloudFormation or ECS behaviour it guards against. */
  readonly explanation: string;
  readonly level: NagMessageLevel;
  readonly check: (node: CfnResource) => NagRuleCompliance;
}

/** An ECS service's properties, resolved (the L1's names, camelCase). */
export type ServiceProperties = {
  readonly [K in keyof ecs.CfnServiceProps]?: unknown;
};

/** `holds(service)` for an ECS service, its properties resolved; not applicable to anything else. */
export function ecsServiceRule(
  holds: (service: ServiceProperties) => boolean
): (node: CfnResource) => NagRuleCompliance {
  return (node) => {
    if (!(node instanceof ecs.CfnService)) return NagRuleCompliance.NOT_APPLICABLE;
    const resolve = (value: unknown): unknown => Stack.of(node).resolve(value);
    const service: ServiceProperties = {
      serviceConnectConfiguration: resolve(node.serviceConnectConfiguration),
      serviceRegistries: resolve(node.serviceRegistries),
      loadBalancers: resolve(node.loadBalancers),
      deploymentConfiguration: resolve(node.deploymentConfiguration),
      deploymentController: resolve(node.deploymentController),
      healthCheckGracePeriodSeconds: resolve(node.healthCheckGracePeriodSeconds),
      networkConfiguration: resolve(node.networkConfiguration),
    };
    return holds(service) ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
  };
}
