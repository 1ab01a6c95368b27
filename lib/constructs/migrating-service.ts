import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as servicediscovery from 'aws-cdk-lib/aws-servicediscovery';
import { Construct } from 'constructs';
import { callersOf, containerEnvironment } from '../model/graph';
import { DeployableService, DeployableTopology } from '../model/deployable';
import { ServiceSpec, serviceId } from '../model/topology';
import { serviceConnectConfiguration } from '../service-connect';
import {
  DeploymentOptions,
  DeploymentStrategyName,
  TEST_TRAFFIC_HEADER,
  taskReplacement,
} from '../model/deployment';
import { acknowledgeEcrPull, containerImage } from './container-image';
import { EfsDataVolume } from './data-volume';
import { ImageMirror } from './image-mirror';
import { singleWriterEntryPoint, startupAwareHealthCheck } from './single-writer';

/** Props of {@link MigratingService}. */
export interface MigratingServiceProps {
  /** The service to run, from the topology. */
  readonly spec: DeployableService;
  /** The whole topology: the names this service calls come from it. */
  readonly topology: DeployableTopology;
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
   * The Service Connect namespace's ARN to join. Passing the ARN (a token) makes the service
   * depend on the namespace.
   *
   * @default - Service Connect is off, and the template says so (`Enabled: false`)
   */
  readonly serviceConnectNamespaceArn?: string;
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
   * The Cloud Map DNS service to register the tasks in (the old discovery path).
   *
   * @default - no registry, rendered as an explicit empty list
   */
  readonly cloudMapService?: servicediscovery.IService;
  /**
   * How ECS deploys the service (`strategyOf` in lib/model/deployment.ts decides where a gradual
   * strategy applies).
   *
   * @default - rolling, ECS's default, not rendered
   */
  readonly deployment?: DeploymentOptions;
  /**
   * The Service Connect proxy's access logs, JSON, into `logGroup`.
   *
   * @default false
   */
  readonly accessLogs?: boolean;
  /**
   * TLS for the service's Service Connect endpoint.
   *
   * @default - plain text between the proxies
   */
  readonly tls?: ecs.ServiceConnectTlsConfiguration;
}

const STRATEGIES: Record<Exclude<DeploymentStrategyName, 'rolling'>, ecs.DeploymentStrategy> = {
  blueGreen: ecs.DeploymentStrategy.BLUE_GREEN,
  linear: ecs.DeploymentStrategy.LINEAR,
  canary: ecs.DeploymentStrategy.CANARY,
};

/**
 * One service of the topology on Fargate: task definition, container, security group and ECS
 * service, in private subnets without public IPs, with the deployment circuit breaker and
 * rollback on. Both discovery kinds are rendered explicitly in every phase, because
 * CloudFormation leaves a live setting alone when its property is left out of the template.
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
    const { spec, cluster } = props;

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
    const environment = {
      ...containerEnvironment(props.topology, spec),
      ...(volume?.directoryEnvironment && { [volume.directoryEnvironment]: volume.directory }),
    };
    const mirrored = props.mirror?.of(spec.image);
    const image = mirrored?.image ?? containerImage(this, 'Image', spec.image);
    acknowledgeEcrPull(props.executionRole, image);
    this.container = this.taskDefinition.addContainer('App', {
      containerName: spec.name,
      image,
      essential: true,
      // A client-only worker listens on nothing that others reach: no port mapping.
      portMappings:
        spec.port === undefined
          ? []
          : [
              {
                name: spec.portName,
                containerPort: spec.port,
                protocol: ecs.Protocol.TCP,
                ...(spec.appProtocol && { appProtocol: APP_PROTOCOLS[spec.appProtocol] }),
              },
            ],
      environment,
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
      logging: ecs.LogDrivers.awsLogs({ logGroup: props.logGroup, streamPrefix: serviceId(spec) }),
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
    if (spec.healthCheck && callersOf(props.topology, spec).length > 0) this.addReadinessGate(props);
    if (Object.keys(environment).length > 0) {
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
      // Data on a shared volume: never two database processes on the same files, so the old
      // task stops before the new one starts (a short outage). Otherwise: new tasks first.
      minHealthyPercent: taskReplacement(spec).minHealthyPercent,
      maxHealthyPercent: taskReplacement(spec).maxHealthyPercent,
      circuitBreaker: { enable: true, rollback: true },
      // Explicit and the same in every phase (the default depends on whether a load balancer
      // is attached): it also covers container health checks.
      healthCheckGracePeriod: HEALTH_CHECK_GRACE_PERIOD,
      enableECSManagedTags: true,
      propagateTags: ecs.PropagatedTagSource.SERVICE,
      ...(props.serviceConnectNamespaceArn && {
        serviceConnectConfiguration: this.serviceConnectProps(props, props.serviceConnectNamespaceArn),
      }),
      ...gradualDeployment(props.deployment),
    });
    this.cfnService = this.service.node.defaultChild as ecs.CfnService;
    if (props.deployment && props.deployment.strategy !== 'rolling') this.addTestTrafficRules();
    // A mirrored image is copied before the first task pulls it.
    if (mirrored) this.service.node.addDependency(mirrored.copy);
    // The first task mounts the file system: its mount targets must exist by then.
    if (this.data) this.service.node.addDependency(this.data.fileSystem.mountTargetsAvailable);

    if (!props.serviceConnectNamespaceArn) {
      // An absent property means "no change" to CloudFormation: only an explicit
      // Enabled: false turns Service Connect off on a service that has it.
      this.cfnService.serviceConnectConfiguration = { enabled: false };
    }
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
      containerName: `${props.spec.name}-ready`,
      image: containerImage(this, 'ReadyImage', props.topology.readinessGateImage),
      essential: false,
      command: ['true'],
      logging: ecs.LogDrivers.awsLogs({
        logGroup: props.logGroup,
        streamPrefix: `${serviceId(props.spec)}-ready`,
      }),
    });
    gate.addContainerDependencies({
      container: this.container,
      condition: ecs.ContainerDependencyCondition.HEALTHY,
    });
  }

  /**
   * The header that sends a request to the green revision while a gradual deployment tests it
   * (`ClientAlias.TestTrafficRules`), on the L1: the CDK's L2 does not offer it. The header is
   * Service Connect's default one, stated so that it is a decision and the README can name it.
   */
  private addTestTrafficRules(): void {
    const rules: ecs.CfnService.ServiceConnectTestTrafficRulesProperty = {
      header: { name: TEST_TRAFFIC_HEADER },
    };
    const header = rules.header as ecs.CfnService.ServiceConnectTestTrafficRulesHeaderProperty;
    this.cfnService.addPropertyOverride(
      'ServiceConnectConfiguration.Services.0.ClientAliases.0.TestTrafficRules',
      {
        Header: { Name: header.name },
      }
    );
  }

  /** The model's Service Connect configuration, in the CDK's terms. */
  private serviceConnectProps(props: MigratingServiceProps, namespaceArn: string): ecs.ServiceConnectProps {
    const config = serviceConnectConfiguration(props.topology, props.spec, {
      namespace: namespaceArn,
      logGroupName: props.logGroup.logGroupName,
    });
    const streamPrefix = config.logConfiguration?.options?.['awslogs-stream-prefix'];
    return {
      namespace: namespaceArn,
      services: (config.services ?? []).map((svc) => ({
        portMappingName: svc.portName!,
        ...(svc.discoveryName !== undefined && { discoveryName: svc.discoveryName }),
        dnsName: svc.clientAliases?.[0]?.dnsName,
        port: svc.clientAliases?.[0]?.port,
        idleTimeout: seconds(svc.timeout?.idleTimeoutSeconds),
        perRequestTimeout: seconds(svc.timeout?.perRequestTimeoutSeconds),
        ...(props.tls && { tls: props.tls }),
      })),
      ...(props.accessLogs && {
        // One JSON line per request the proxy handles; query strings left out (they may hold tokens).
        accessLogConfiguration: {
          format: ecs.ServiceConnectAccessLogFormat.JSON,
          includeQueryParameters: false,
        },
      }),
      logDriver: ecs.LogDrivers.awsLogs({ logGroup: props.logGroup, streamPrefix: streamPrefix! }),
    };
  }
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

const APP_PROTOCOLS: Record<NonNullable<ServiceSpec['appProtocol']>, ecs.AppProtocol> = {
  http: ecs.AppProtocol.http,
  http2: ecs.AppProtocol.http2,
  grpc: ecs.AppProtocol.grpc,
};

function requiredHealthCheck(spec: ServiceSpec): NonNullable<ServiceSpec['healthCheck']> {
  if (!spec.healthCheck) throw new Error(`${spec.name} has a data volume but no health check`);
  return spec.healthCheck;
}

function seconds(value: number | undefined): Duration | undefined {
  return value === undefined ? undefined : Duration.seconds(value);
}

/** The FargateService props of a gradual strategy; none for rolling (ECS's default, not rendered). */
function gradualDeployment(deployment: DeploymentOptions | undefined): Partial<ecs.FargateServiceProps> {
  if (!deployment || deployment.strategy === 'rolling') return {};
  const steps: ecs.TrafficShiftConfig = {
    ...(deployment.stepPercent !== undefined && { stepPercent: deployment.stepPercent }),
    ...(deployment.stepBakeMinutes !== undefined && {
      stepBakeTime: Duration.minutes(deployment.stepBakeMinutes),
    }),
  };
  return {
    deploymentStrategy: STRATEGIES[deployment.strategy],
    ...(deployment.bakeMinutes !== undefined && { bakeTime: Duration.minutes(deployment.bakeMinutes) }),
    ...(deployment.strategy === 'linear' && { linearConfiguration: steps }),
    ...(deployment.strategy === 'canary' && { canaryConfiguration: steps }),
  };
}
