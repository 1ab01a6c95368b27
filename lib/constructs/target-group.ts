import { Duration, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';

/** Deregistration delay of every target group: the ELB default of 300 s slows every deployment. */
export const DEREGISTRATION_DELAY = Duration.seconds(20);

/**
 * An IP target group for Fargate tasks with fast health checks (every 10 s, healthy after 2,
 * unhealthy after 2) on `healthCheckPath`, which must not depend on a database, and a short
 * deregistration delay.
 */
export function fastTargetGroup(
  scope: Construct,
  id: string,
  props: { readonly vpc: ec2.IVpc; readonly port: number; readonly healthCheckPath: string }
): elbv2.ApplicationTargetGroup {
  return new elbv2.ApplicationTargetGroup(scope, id, {
    vpc: props.vpc,
    port: props.port,
    protocol: elbv2.ApplicationProtocol.HTTP,
    targetType: elbv2.TargetType.IP,
    deregistrationDelay: DEREGISTRATION_DELAY,
    healthCheck: {
      path: props.healthCheckPath,
      interval: Duration.seconds(10),
      timeout: Duration.seconds(5),
      healthyThresholdCount: 2,
      unhealthyThresholdCount: 2,
      healthyHttpCodes: '200',
    },
  });
}

/**
 * ALB access logs need the region at synth time (the ELB log-delivery account differs per
 * region), and this app is environment-agnostic so that it synthesizes without an account.
 */
export function acknowledgeNoAccessLogs(loadBalancer: elbv2.IApplicationLoadBalancer): void {
  const reason =
    'Environment-agnostic app: access logging needs the region at synth time. Requests, 5xx and latency per target come from CloudWatch metrics instead.';
  Validations.of(loadBalancer).acknowledge(
    { id: 'AwsSolutions-ELB2', reason },
    { id: 'NIST.800.53.R5-ELBLoggingEnabled', reason }
  );
}

/**
 * What the NIST 800-53 rev 5 pack asks of every load balancer that this app leaves to its users:
 * deletion protection (which would stop `cdk destroy`, and the retirement of the old path, from
 * deleting it) and a WAF web ACL (an organisation's own choice of rules, and about $5 a month plus
 * rules).
 */
export function acknowledgeLoadBalancerPolicies(
  loadBalancer: elbv2.IApplicationLoadBalancer,
  role: string
): void {
  Validations.of(loadBalancer).acknowledge(
    {
      id: 'NIST.800.53.R5-ELBDeletionProtectionEnabled',
      reason: `Deletion protection would make cdk destroy fail, and ${role}; the stack's own deletion is the only way it goes.`,
    },
    {
      id: 'NIST.800.53.R5-ALBWAFEnabled',
      reason:
        'A WAF web ACL is an organisation-wide choice of rules (and about $5 a month plus rules): associate yours with the load balancer; the app does not invent one.',
    }
  );
}
