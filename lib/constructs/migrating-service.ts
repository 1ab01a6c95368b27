import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as servicediscovery from 'aws-cdk-lib/aws-servicediscovery';
import { Construct } from 'constructs';
import { DeployableService } from '../model/deployable';
import { DeploymentPlan, ServicePlan } from '../model/plan';
import { SERVICE_CONNECT_OFF, ServiceConnectRefs, renderServiceConnect } from '../model/service-connect';
import { AppProtocol, ServiceSpec } from '../model/topology';
import { acknowledgeEcrPull, containerImage } from './container-image';
import { EfsDataVolume } from './data-volume';
import { ImageMirror } from './image-mirror';
import { singleWriterEntryPoint, startupAwareHealthCheck } from './single-writer';

/** Props of {@link MigratingService}. */
export interface MigratingServiceProps {
  /** The service's plan in the phase deployed: what it runs, calls, serves and watches. */
  readonly plan: ServicePlan & { readonly spec: DeployableService };
  /**
   * Where its Service Connect configuration points: the namespace's ARN (a token, so the service
   * depends on the namespace), the log group, the region and TLS's key and role.
   *
   * @default - Service Connect is off, and the template says so (`Enabled: false`)
   */
  readonly serviceConnectRefs?: ServiceConnectRefs;
  /** A small image with `true` on its path, for the readiness gate. */
  readonly readinessGateImage: string;
  /** The task definition's family (per account and region: the stage's). */
  readonly taskFamily: string;
  /** The cluster to run in. */
  readonly cluster: ecs.ICluster;
  /** Log group for the application's and the Service Connect proxy's logs. */
  readonly logGroup: logs.ILogGroup;
  /** The task execution role shared by all services (pulls images, writes logs). */
  readonly executionRole: iam.IRole;
  /**
   * The task role of the services that call no AWS API: a role without permissions, shared.
   * A service that needs permissions (its data volume) gets a role of its own instead.
   */
  readonly noPermissionsTaskRole: iam.IRole;
  /**
   * What happens to the service's data volume (EFS) when the stack is deleted. Only used when
   * the model gives the service a data volume.
   *
   * @default RemovalPolicy.DESTROY
   */
  readonly dataRemovalPolicy?: RemovalPolicy;
  /**
   * Automatic backups of the service's data volume (EFS).
   *
   * @default true
   */
  readonly dataBackups?: boolean;
  /**
   * Where images that are not in ECR are copied to, and pulled from (`-c mirrorImages=true`).
   *
   * @default - images are pulled from where they are
   */
  readonly mirror?: ImageMirror;
  /**
   * The Cloud Map DNS service to register the tasks in (the old discovery path, attached).
   *
   * @default - no registry, rendered as an explicit empty list
   */
  readonly cloudMapService?: servicediscovery.IService;
}

/**
 * One service of the topology on Fargate, from its plan: task definition, container, security
 * group and ECS service, in private subnets without public IPs, with the deployment circuit
 * breaker and rollback on. Its Service Connect configuration and its deployment configuration
 * are the plan's, rendered whole on the CloudFormation resource: both discovery kinds and every
 * deployment setting are stated in every phase, because CloudFormation (and ECS) leave a live
 * setting alone when its property is left out of the template.
 */
export class MigratingService extends Construct {
  /** The ECS service. */
  public readonly service: ecs.FargateService;
  /** The task definition. */
  public readonly taskDefinition: ecs.FargateTaskDefinition;
  /** The service's own security group; the stack opens it to the service's callers. */
  public readonly securityGroup: ec2.SecurityGroup;
  /** The application container. */
  public readonly container: ecs.ContainerDefinition;
  /** The L1 service, for ordering (`DependsOn`) and template assertions. */
  public readonly cfnService: ecs.CfnService;
  /** The service's data on EFS, when the model gives it a data volume. */
  public readonly data?: EfsDataVolume;

  constructor(scope: Construct, id: string, props: MigratingServiceProps) {
    super(scope, id);
    const { plan, cluster } = props;
    const spec = plan.spec;

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: cluster.vpc,
      description: `${spec.name} tasks`,
      // Egress is opened per need: HTTPS for images, logs and the Service Connect control
      // plane here, and the ports of the services it calls in the stack.
      allowAllOutbound: false,
    });
    this.securityGroup.addEgressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(443),
      'HTTPS: image pulls, CloudWatch Logs, Service Connect control plane'
    );

    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDef', {
      family: props.taskFamily,
      cpu: spec.cpu,
      memoryLimitMiB: spec.memoryMiB,
      executionRole: props.executionRole,
      taskRole: spec.dataVolume
        ? new iam.Role(this, 'TaskRole', {
            assumedBy: ecsTasksPrincipal(this, 'task'),
            description: `${spec.name} task role: mounts its data volume`,
          })
        : props.noPermissionsTaskRole,
    });

    const volume = spec.dataVolume;
    const mirrored = props.mirror?.of(spec.image);
    const image = mirrored?.image ?? containerImage(this, 'Image', spec.image);
    acknowledgeEcrPull(props.executionRole, image);
    const port = plan.portMapping;
    this.container = this.taskDefinition.addContainer('App', {
      containerName: spec.name,
      image,
      essential: true,
      // A client-only worker listens on nothing that others reach: no port mapping.
      portMappings: port
        ? [
            {
              name: port.name,
              containerPort: port.containerPort,
              protocol: ecs.Protocol.TCP,
              ...(port.appProtocol && { appProtocol: APP_PROTOCOLS[port.appProtocol] }),
            },
          ]
        : [],
      environment: { ...plan.environment },
      // Data on shared storage: the image's entrypoint runs under the volume's lock (one writer),
      // and a first start cut off half-way initialises again.
      ...(volume && {
        entryPoint: singleWriterEntryPoint({
          volumePath: volume.path,
          dataDirectory: volume.directory,
          readyCommand: requiredHealthCheck(spec).command,
        }),
        command: [...volume.command],
      }),
      logging: ecs.LogDrivers.awsLogs({ logGroup: props.logGroup, streamPrefix: plan.id }),
      ...(spec.healthCheck && {
        healthCheck: {
          // Started by the single-writer script: healthy while the image initialises a new data
          // directory (bounded by the script), so that its own health check cannot cut off a
          // first start; not while it waits for the lock.
          command: [
            'CMD-SHELL',
            volume ? startupAwareHealthCheck(spec.healthCheck.command) : spec.healthCheck.command,
          ],
          interval: Duration.seconds(10),
          timeout: Duration.seconds(5),
          retries: 3,
          startPeriod: Duration.seconds(spec.healthCheck.startPeriodSeconds),
        },
      }),
    });
    if (plan.readinessGate) this.addReadinessGate(props);
    if (Object.keys(plan.environment).length > 0) {
      Validations.of(this.taskDefinition).acknowledge({
        id: 'AwsSolutions-ECS2',
        reason:
          'The environment holds only the host names of the services this one calls and settings such as RACK_ENV or PGDATA: no secrets.',
      });
    }

    if (spec.dataVolume) {
      this.data = new EfsDataVolume(this, 'Data', {
        vpc: cluster.vpc,
        volume: spec.dataVolume,
        serviceName: spec.name,
        removalPolicy: props.dataRemovalPolicy,
        automaticBackups: props.dataBackups,
      });
      this.data.mountInto(this.taskDefinition, this.container, spec.dataVolume.path);
      this.data.allowFrom(this.securityGroup);
    }

    this.service = new ecs.FargateService(this, 'Service', {
      cluster,
      serviceName: spec.name,
      taskDefinition: this.taskDefinition,
      desiredCount: spec.desiredCount,
      platformVersion: ecs.FargatePlatformVersion.LATEST,
      assignPublicIp: false,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [this.securityGroup],
      minHealthyPercent: plan.deployment.minHealthyPercent,
      maxHealthyPercent: plan.deployment.maxHealthyPercent,
      circuitBreaker: { enable: true, rollback: true },
      // Explicit and the same in every phase (the default depends on whether a load balancer
      // is attached): it also covers container health checks.
      healthCheckGracePeriod: HEALTH_CHECK_GRACE_PERIOD,
      enableECSManagedTags: true,
      propagateTags: ecs.PropagatedTagSource.SERVICE,
    });
    this.cfnService = this.service.node.defaultChild as ecs.CfnService;
    // The plan's deployment settings, every one stated: an absent sub-property of
    // DeploymentConfiguration means "unchanged" to ECS (aws-cdk#27131), so a strategy or an
    // alarm left out would stay as the previous deployment set it.
    this.cfnService.deploymentConfiguration = deploymentConfiguration(plan.deployment);
    // A mirrored image is copied before the first task pulls it.
    if (mirrored) this.service.node.addDependency(mirrored.copy);
    // The first task mounts the file system: its mount targets must exist by then.
    if (this.data) this.service.node.addDependency(this.data.fileSystem.mountTargetsAvailable);

    // An absent property means "no change" to CloudFormation: only an explicit
    // Enabled: false turns Service Connect off on a service that has it.
    this.cfnService.serviceConnectConfiguration =
      plan.serviceConnect && props.serviceConnectRefs
        ? renderServiceConnect(plan.serviceConnect, props.serviceConnectRefs)
        : SERVICE_CONNECT_OFF;
    if (props.cloudMapService) {
      this.service.associateCloudMapService({ service: props.cloudMapService });
    } else {
      // Likewise: only an explicit empty list detaches a registry from the live service.
      this.cfnService.serviceRegistries = [];
    }
  }

  /**
   * ECS registers a task's Service Connect endpoint when the task is RUNNING, not when its
   * container health check passes (containers-roadmap#2334). The workaround AWS validated there:
   * a small non-essential container that starts only once the app container is HEALTHY, so the
   * task reaches RUNNING, and receives Service Connect traffic, only then. It exits at once.
   */
  private addReadinessGate(props: MigratingServiceProps): void {
    const gate = this.taskDefinition.addContainer('Ready', {
      containerName: `${props.plan.spec.name}-ready`,
      image: containerImage(this, 'ReadyImage', props.readinessGateImage),
      essential: false,
      command: ['true'],
      logging: ecs.LogDrivers.awsLogs({
        logGroup: props.logGroup,
        streamPrefix: `${props.plan.id}-ready`,
      }),
    });
    gate.addContainerDependencies({
      container: this.container,
      condition: ecs.ContainerDependencyCondition.HEALTHY,
    });
  }
}

const STRATEGIES: Record<DeploymentPlan['strategy'], string> = {
  rolling: 'ROLLING',
  blueGreen: 'BLUE_GREEN',
  linear: 'LINEAR',
  canary: 'CANARY',
};

/** The plan's deployment settings as `AWS::ECS::Service.DeploymentConfiguration`. */
export function deploymentConfiguration(
  plan: DeploymentPlan
): ecs.CfnService.DeploymentConfigurationProperty {
  return {
    maximumPercent: plan.maxHealthyPercent,
    minimumHealthyPercent: plan.minHealthyPercent,
    deploymentCircuitBreaker: { enable: true, rollback: true },
    alarms: {
      alarmNames: [...plan.alarms.names],
      enable: plan.alarms.enabled,
      rollback: plan.alarms.enabled,
    },
    strategy: STRATEGIES[plan.strategy],
    ...(plan.bakeMinutes !== undefined && { bakeTimeInMinutes: plan.bakeMinutes }),
    ...(plan.strategy === 'linear' && {
      linearConfiguration: { stepPercent: plan.stepPercent, stepBakeTimeInMinutes: plan.stepBakeMinutes },
    }),
    ...(plan.strategy === 'canary' && {
      canaryConfiguration: { canaryPercent: plan.stepPercent, canaryBakeTimeInMinutes: plan.stepBakeMinutes },
    }),
  };
}

/**
 * `ecs-tasks.amazonaws.com`, limited to this account (confused-deputy protection).
 *
 * - A task role (`'task'`) also carries `aws:SourceArn` (this account's ECS in this region), the
 *   form the ECS documentation shows for task roles.
 * - A task execution role (`'execution'`) carries `aws:SourceAccount` only: whether the Fargate
 *   agent's assumption of the execution role carries `aws:SourceArn` is not documented, and if
 *   it did not, no task could start ("ECS was unable to assume the role"). The form that cannot
 *   lock tasks out.
 */
export function ecsTasksPrincipal(scope: Construct, role: 'task' | 'execution'): iam.IPrincipal {
  const stack = Stack.of(scope);
  return new iam.ServicePrincipal('ecs-tasks.amazonaws.com').withConditions({
    ...(role === 'task' && {
      ArnLike: { 'aws:SourceArn': `arn:${stack.partition}:ecs:${stack.region}:${stack.account}:*` },
    }),
    StringEquals: { 'aws:SourceAccount': stack.account },
  });
}

/** How long ECS ignores failing health checks of a new task (load balancer and container). */
export const HEALTH_CHECK_GRACE_PERIOD = Duration.seconds(60);

const APP_PROTOCOLS: Record<AppProtocol, ecs.AppProtocol> = {
  http: ecs.AppProtocol.http,
  http2: ecs.AppProtocol.http2,
  grpc: ecs.AppProtocol.grpc,
};

function requiredHealthCheck(spec: ServiceSpec): NonNullable<ServiceSpec['healthCheck']> {
  if (!spec.healthCheck) throw new Error(`${spec.name} has a data volume but no health check`);
  return spec.healthCheck;
}
