import { Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import { acknowledgeNoAccessLogs, fastTargetGroup } from './target-group';

/** Props of {@link PublicEntry}. */
export interface PublicEntryProps {
  readonly vpc: ec2.IVpc;
  /** Port of the listener and of the target containers. */
  readonly port: number;
  /** Health-check path of the target group; must not depend on a database. */
  readonly healthCheckPath: string;
}

/**
 * The internet-facing Application Load Balancer in the public subnets that users reach the
 * web front end through. It is the same in every migration phase.
 */
export class PublicEntry extends Construct {
  public readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  public readonly securityGroup: ec2.SecurityGroup;
  public readonly listener: elbv2.ApplicationListener;
  public readonly targetGroup: elbv2.ApplicationTargetGroup;

  constructor(scope: Construct, id: string, props: PublicEntryProps) {
    super(scope, id);
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Public load balancer: HTTP from the internet',
      allowAllOutbound: false,
    });
    this.securityGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(props.port), 'HTTP from the internet');
    Validations.of(this.securityGroup).acknowledge({
      id: 'AwsSolutions-EC23',
      reason: 'The public entry point of a web application: HTTP from anywhere is its purpose.',
    });
    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc: props.vpc,
      internetFacing: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      securityGroup: this.securityGroup,
      dropInvalidHeaderFields: true,
    });
    acknowledgeNoAccessLogs(this.loadBalancer);
    this.targetGroup = fastTargetGroup(this, 'TargetGroup', {
      vpc: props.vpc,
      port: props.port,
      healthCheckPath: props.healthCheckPath,
    });
    this.listener = this.loadBalancer.addListener('Listener', {
      port: props.port,
      protocol: elbv2.ApplicationProtocol.HTTP,
      open: false,
      defaultTargetGroups: [this.targetGroup],
    });
  }

  /** The URL users open. */
  get url(): string {
    return `http://${this.loadBalancer.loadBalancerDnsName}/`;
  }
}
