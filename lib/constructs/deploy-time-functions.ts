import { Validations } from 'aws-cdk-lib';
import { Construct } from 'constructs';

/**
 * What the NIST 800-53 rev 5 pack asks of Lambda functions, and why this app's functions do
 * without it: they are custom-resource handlers and the CDK provider framework's own functions,
 * which CloudFormation runs only while it deploys or deletes the stack. Acknowledged on `scope`,
 * for every function under it.
 */
export function acknowledgeDeployTimeFunctions(
  scope: Construct,
  options: { readonly apiOnly: boolean }
): void {
  Validations.of(scope).acknowledge(
    {
      id: 'NIST.800.53.R5-LambdaConcurrency',
      reason:
        "Reserved concurrency comes out of the account's unreserved pool, which must keep 10: in a new account (limit 10) any reservation fails the deployment. These run only during deployments, a few at a time.",
    },
    {
      id: 'NIST.800.53.R5-LambdaDLQ',
      reason:
        'The CDK provider framework invokes these synchronously and reports a failure to CloudFormation, which shows it in the stack events; a dead-letter queue only receives failed asynchronous invocations.',
    },
    ...(options.apiOnly
      ? [
          {
            id: 'NIST.800.53.R5-LambdaInsideVPC',
            reason:
              "They call only AWS APIs over HTTPS; in the VPC they would need network interfaces that delay the stack's deletion, which is when the drain runs. The image copy, which reaches registries on the internet, runs in the VPC.",
          },
        ]
      : [])
  );
}
