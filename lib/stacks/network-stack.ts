import { Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import {
  acknowledgeDeployTimeFunctions,
  acknowledgeDeployTimeRuntime,
} from '../constructs/deploy-time-functions';
import { encryptedLogGroup } from '../constructs/log-group';

/** Props of {@link NetworkStack}. */
export interface NetworkStackProps extends StackProps {
  /**
   * NAT gateways, one per AZ up to 2. Tasks pull their images through them.
   *
   * @default 2
   */
  readonly natGateways?: number;
  /** Days CloudWatch keeps the VPC flow logs (one of CloudWatch's retention values). */
  readonly flowLogRetentionDays: number;
}

/** VPC CIDR and subnet size of the walkthrough. */
export const VPC_CIDR = '10.0.0.0/16';
const SUBNET_CIDR_MASK = 19;

/**
 * The network, in a stack of its own because it lives longer than the application: a VPC
 * over 2 AZs with two public and two private /19 subnets (10.0.0.0/19 and 10.0.32.0/19 public,
 * 10.0.64.0/19 and 10.0.96.0/19 private), NAT gateways and flow logs. No lookups: it
 * synthesizes without an AWS account.
 */
export class NetworkStack extends Stack {
  public readonly vpc: ec2.IVpc;

  constructor(scope: Construct, id: string, props: NetworkStackProps) {
    super(scope, id, props);
    const vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(VPC_CIDR),
      maxAzs: 2,
      natGateways: props.natGateways ?? 2,
      subnetConfiguration: [
        // Nothing in the public subnets needs a public address of its own: the load balancer and
        // the NAT gateways have theirs, and the tasks run in the private subnets.
        {
          name: 'Public',
          subnetType: ec2.SubnetType.PUBLIC,
          cidrMask: SUBNET_CIDR_MASK,
          mapPublicIpOnLaunch: false,
        },
        { name: 'Private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: SUBNET_CIDR_MASK },
      ],
    });
    vpc.addFlowLog('FlowLog', {
      trafficType: ec2.FlowLogTrafficType.ALL,
      destination: ec2.FlowLogDestination.toCloudWatchLogs(
        encryptedLogGroup(this, 'FlowLogs', { retentionDays: props.flowLogRetentionDays })
      ),
    });
    // restrictDefaultSecurityGroup (a recommended feature flag) removes the default security
    // group's rules with a custom resource whose provider is a raw CfnResource: cdk-nag finds its
    // role only in the synthesized template (test/nag.spec.ts loads it back).
    const restrictProvider = this.node.tryFindChild('Custom::VpcRestrictDefaultSGCustomResourceProvider');
    if (restrictProvider) {
      acknowledgeDeployTimeFunctions(restrictProvider, { apiOnly: true });
      acknowledgeDeployTimeRuntime(restrictProvider);
      Validations.of(vpc).acknowledge({
        id: 'NIST.800.53.R5-VPCDefaultSecurityGroupClosed',
        reason:
          "The default security group's rules are removed at deploy time by the CDK's restriction custom resource (the restrictDefaultSecurityGroup flag); the rule sees only the template.",
      });
      Validations.of(restrictProvider).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          "The CDK's provider of the default security group's restriction writes its logs with the basic execution role; the CDK does not let us replace that role.",
      });
    }
    for (const subnet of vpc.publicSubnets) {
      Validations.of(subnet).acknowledge({
        id: 'NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW',
        reason:
          'The public subnets hold the internet-facing load balancer and the NAT gateways: their route to the internet gateway is what they are for. The tasks run in the private subnets, which have no such route.',
      });
    }
    this.vpc = vpc;
  }
}
