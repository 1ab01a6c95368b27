import { errorMessage } from '../core/errors';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { Route53Client } from '@aws-sdk/client-route-53';
import { ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';

/**
 * The SDK clients the CLIs use. Configuration is the SDK's own: region from the option or
 * the usual resolution (`AWS_REGION`, the profile), credentials from the default chain
 * (`AWS_PROFILE`, …), endpoints from `AWS_ENDPOINT_URL_<SERVICE>`, retries from the standard
 * retry strategy (throttling and transient errors, `AWS_MAX_ATTEMPTS`). Nothing is hard-coded.
 */
export interface AwsClients {
  readonly ecs: ECSClient;
  readonly cloudMap: ServiceDiscoveryClient;
  readonly cloudFormation: CloudFormationClient;
  readonly elb: ElasticLoadBalancingV2Client;
  readonly route53: Route53Client;
  readonly logs: CloudWatchLogsClient;
}

/** Creates the clients; `region` overrides the SDK's region resolution. */
export function createClients(region?: string): AwsClients {
  const config = region ? { region } : {};
  return {
    ecs: new ECSClient(config),
    cloudMap: new ServiceDiscoveryClient(config),
    cloudFormation: new CloudFormationClient(config),
    elb: new ElasticLoadBalancingV2Client(config),
    route53: new Route53Client(config),
    logs: new CloudWatchLogsClient(config),
  };
}

/** The region the clients use, resolved without any network call (option, env, profile). */
export async function resolvedRegion(clients: AwsClients): Promise<string | undefined> {
  try {
    return await clients.ecs.config.region();
  } catch {
    return undefined;
  }
}

/** A stack's outputs by key, or `undefined` (with the reason) when the stack cannot be read. */
export async function stackOutputs(
  clients: AwsClients,
  stackName: string
): Promise<{ outputs?: Record<string, string>; reason?: string }> {
  try {
    const { Stacks } = await clients.cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
    const outputs = Object.fromEntries(
      (Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey!, o.OutputValue!])
    );
    return { outputs };
  } catch (err) {
    return { reason: errorMessage(err) };
  }
}
