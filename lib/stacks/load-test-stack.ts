import { CfnOutput, Fn, Stack, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledgeEcrPull, containerImage } from '../constructs/container-image';
import { ImageMirror } from '../constructs/image-mirror';
import { ecsTasksPrincipal } from '../constructs/migrating-service';
import { LOAD_TEST_OUTPUTS } from '../contract/outputs';
import { WALKTHROUGH_LOAD, heyArgs } from '../contract/hey';

/** Props of {@link LoadTestStack}. */
export interface LoadTestStackProps extends StackProps {
  readonly vpc: ec2.IVpc;
  /** The system's cluster: the task runs there, beside the services. */
  readonly cluster: ecs.ICluster;
  /** The project's log group: hey's summary goes there. */
  readonly logGroup: logs.ILogGroup;
  /** The public URL of the system (the AppUrl output), ending in `/`. */
  readonly appUrl: string;
  /** The path hey requests: the public entry's trafficPath (Yelb: `/api/getvotes`). */
  readonly trafficPath: string;
  /** A hey image whose entrypoint is hey. */
  readonly image: string;
  /** The task definition's family (per account and region: the stage's). */
  readonly taskFamily: string;
  /** Days CloudWatch keeps the image copy's logs, when it mirrors (one of CloudWatch's values). */
  readonly logRetentionDays: number;
  /**
   * Copy the image into an ECR repository of this stack, named with this prefix, if it is not in
   * ECR, and run the copy.
   *
   * @default - the image is pulled from where it is
   */
  readonly mirrorRepositoryPrefix?: string;
}

/** The stream prefix and container name that `traffic --in-vpc` reads the summary with. */
const STREAM_PREFIX = 'loadtest';
const CONTAINER = 'hey';

/**
 * The walkthrough's generate-traffic step as an optional stack (`-c loadTest=true`): a Fargate
 * task definition that runs hey against the public load balancer from the private subnets, with
 * the walkthrough's parameters (`-c 100 -n 10000 -z 2m` on the trafficPath, Yelb's /api/getvotes) unless `npm run
 * traffic -- --in-vpc` passes others, logging to the project's log group. Nothing runs until
 * someone runs the task.
 */
export class LoadTestStack extends Stack {
  public readonly taskDefinition: ecs.FargateTaskDefinition;
  public readonly securityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: LoadTestStackProps) {
    super(scope, id, props);
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Load test: HTTP to the public load balancer, HTTPS for the image',
      allowAllOutbound: false,
    });
    this.securityGroup.addEgressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(80),
      'HTTP to the public load balancer (through NAT)'
    );
    this.securityGroup.addEgressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(443),
      'HTTPS: image pull, CloudWatch Logs'
    );

    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDef', {
      family: props.taskFamily,
      cpu: 256,
      memoryLimitMiB: 512,
      executionRole: new iam.Role(this, 'ExecutionRole', {
        assumedBy: ecsTasksPrincipal(this, 'execution'),
        description: 'Load test task execution role: pulls the image, writes logs',
      }),
      taskRole: new iam.Role(this, 'TaskRole', {
        assumedBy: ecsTasksPrincipal(this, 'task'),
        description: 'Load test task role: hey calls no AWS API',
      }),
    });
    const mirrored = props.mirrorRepositoryPrefix
      ? new ImageMirror(this, 'Mirror', {
          repositoryPrefix: props.mirrorRepositoryPrefix,
          vpc: props.vpc,
          logRetentionDays: props.logRetentionDays,
        }).of(props.image)
      : undefined;
    if (mirrored) this.taskDefinition.node.addDependency(mirrored.copy);
    const image = mirrored?.image ?? containerImage(this, 'Image', props.image);
    acknowledgeEcrPull(this.taskDefinition.executionRole!, image);
    this.taskDefinition.addContainer('Hey', {
      containerName: CONTAINER,
      image,
      essential: true,
      command: heyArgs({
        ...WALKTHROUGH_LOAD,
        url: `${props.appUrl}${props.trafficPath.replace(/^\//, '')}`,
      }),
      logging: ecs.LogDrivers.awsLogs({ logGroup: props.logGroup, streamPrefix: STREAM_PREFIX }),
    });

    const out = (key: string, value: string) => new CfnOutput(this, key, { value });
    out(LOAD_TEST_OUTPUTS.clusterName, props.cluster.clusterName);
    out(LOAD_TEST_OUTPUTS.taskDefinitionArn, this.taskDefinition.taskDefinitionArn);
    out(
      LOAD_TEST_OUTPUTS.subnets,
      Fn.join(',', props.vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }).subnetIds)
    );
    out(LOAD_TEST_OUTPUTS.securityGroupId, this.securityGroup.securityGroupId);
    out(LOAD_TEST_OUTPUTS.logGroupName, props.logGroup.logGroupName);
    out(LOAD_TEST_OUTPUTS.logStreamPrefix, STREAM_PREFIX);
    out(LOAD_TEST_OUTPUTS.containerName, CONTAINER);
  }
}
