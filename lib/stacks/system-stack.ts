import { CfnOutput, CfnResource, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as servicediscovery from 'aws-cdk-lib/aws-servicediscovery';
import { Construct } from 'constructs';
import { encryptedLogGroup } from '../constructs/log-group';
import { ImageMirror } from '../constructs/image-mirror';
import { isInEcr } from '../image-copy/reference';
import { LegacyDiscovery } from '../constructs/legacy-discovery';
import { MigrationDashboard } from '../constructs/migration-dashboard';
import { ServiceConnectDrain } from '../constructs/service-connect-drain';
import { PublicEntry, PublicEntryProps } from '../constructs/public-entry';
import { ServiceConnectTls } from '../constructs/service-connect-tls';
import { DeploymentOptions, strategyOf } from '../model/deployment';
import { MigratingService, ecsTasksPrincipal } from '../constructs/migrating-service';
import { calleesOf, deploymentOrder, legacyEndpoint } from '../model/graph';
import { MigrationPhase, keepsLegacyPath, usesServiceConnect } from '../model/phase';
import { DeployableService, DeployableTopology } from '../model/deployable';
import { serviceId } from '../model/topology';
import { LEGACY_CONSTRUCT_ID, internalAlbName } from '../app/names';
import { pascalCase } from '../core/names';
import { SYSTEM_OUTPUTS, dataFileSystemOutput, serviceNameOutput } from '../app/outputs';
import { stagedFamily, systemLabel } from '../app/stage';

/** Props of {@link SystemStack}. */
export interface SystemStackProps extends StackProps {
  /** The network, from the network stack. */
  readonly vpc: ec2.IVpc;
  /** The services to run. */
  readonly topology: DeployableTopology;
  /** Which phase of the migration to deploy. */
  readonly phase: MigrationPhase;
  /**
   * The copy of the app (`-c stage=NAME`): in the task definition families.
   *
   * @default - no stage: the families are the services' names
   */
  readonly stage?: string;
  /**
   * What happens to the services' data volumes (EFS) when the stack is deleted.
   *
   * @default RemovalPolicy.DESTROY
   */
  readonly dataRemovalPolicy?: RemovalPolicy;
  /**
   * Automatic backups of the services' data volumes (EFS).
   *
   * @default true
   */
  readonly dataBackups?: boolean;
  /**
   * Copy the images that are not in ECR into ECR repositories of the stack, and run the copies.
   *
   * @default false
   */
  readonly mirrorImages?: boolean;
  /**
   * HTTPS on the public load balancer.
   *
   * @default - HTTP only
   */
  readonly https?: PublicEntryProps['https'];
  /** Days CloudWatch keeps the application and Service Connect proxy logs (one of CloudWatch's values). */
  readonly logRetentionDays: number;
  /**
   * E-mail address for the alarms.
   *
   * @default - alarms without notifications
   */
  readonly alarmEmail?: string;
  /**
   * How the services deploy (`-c deploymentStrategy`; a gradual one where `strategyOf` allows).
   *
   * @default - rolling
   */
  readonly deployment?: DeploymentOptions;
  /**
   * The Service Connect proxies' access logs into the log group, in the phases with Service Connect.
   *
   * @default false
   */
  readonly serviceConnectAccessLogs?: boolean;
  /**
   * Service Connect TLS with this AWS Private CA.
   *
   * @default - none
   */
  readonly serviceConnectTls?: { readonly certificateAuthorityArn: string };
}

/**
 * The system (Yelb, or a topology file's) on ECS Fargate in one migration phase. Everything phase-dependent is derived from the
 * topology and the phase; resources present in several phases keep their logical IDs, so a
 * phase change updates them in place.
 */
export class SystemStack extends Stack {
  /** The services, by model name. */
  public readonly services = new Map<string, MigratingService>();
  public readonly cluster: ecs.Cluster;
  public readonly logGroup: logs.LogGroup;
  public readonly publicEntry: PublicEntry;
  public readonly cloudMapNamespace: servicediscovery.PrivateDnsNamespace;
  public readonly serviceConnectNamespace: servicediscovery.HttpNamespace;
  /** The pre-migration path; in the `retired` phase only its (empty) Cloud Map DNS services. */
  public readonly legacy: LegacyDiscovery;
  public readonly dashboard: MigrationDashboard;
  /** Drains the Service Connect namespace before `cdk destroy` deletes it. */
  public readonly teardown: ServiceConnectDrain;
  /** Service Connect TLS's key and role (`-c serviceConnectTls`), in the phases with Service Connect. */
  public readonly tls?: ServiceConnectTls;

  constructor(scope: Construct, id: string, props: SystemStackProps) {
    super(scope, id, props);
    const { vpc, topology, phase } = props;
    const label = systemLabel(topology);

    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc,
      clusterName: topology.clusterName,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });
    this.logGroup = encryptedLogGroup(this, 'Logs', {
      logGroupName: topology.logGroupName,
      retentionDays: props.logRetentionDays,
    });
    // One role without permissions for the services that call no AWS API: a role per service
    // would add nothing but resources (a topology of 48 services meets the 500 limit first).
    const noPermissionsTaskRole = new iam.Role(this, 'TaskRole', {
      assumedBy: ecsTasksPrincipal(this, 'task'),
      description: `Task role of the ${label} services that call no AWS API: no permissions`,
    });
    const executionRole = new iam.Role(this, 'ExecutionRole', {
      assumedBy: ecsTasksPrincipal(this, 'execution'),
      description: `Task execution role of every ${label} service: writes container logs`,
    });

    this.cloudMapNamespace = new servicediscovery.PrivateDnsNamespace(this, 'CloudMapNamespace', {
      name: topology.cloudMapDnsNamespace,
      vpc,
      description: 'Pre-Service Connect DNS discovery',
    });
    this.serviceConnectNamespace = new servicediscovery.HttpNamespace(this, 'ServiceConnectNamespace', {
      name: topology.serviceConnectNamespace,
      description: 'Service Connect namespace; ECS fills it when services join',
    });

    const entry = topology.services.find((s) => s.publicEntry);
    if (!entry?.publicEntry) throw new Error('the topology has no public entry service');
    this.publicEntry = new PublicEntry(this, 'PublicAlb', {
      vpc,
      port: entry.publicEntry.port,
      healthCheckPath: entry.publicEntry.healthCheckPath,
      https: props.https,
      systemLabel: label,
    });

    const albName = internalAlbName(topology.clusterName);
    const retired = !keepsLegacyPath(phase);
    this.legacy = new LegacyDiscovery(this, LEGACY_CONSTRUCT_ID, {
      vpc,
      topology,
      cloudMapNamespace: this.cloudMapNamespace,
      internalAlbName: albName,
      retired,
    });

    // The copier only where an image needs it: every image in ECR already needs none.
    const mirror =
      props.mirrorImages && topology.services.some((s: DeployableService) => !isInEcr(s.image))
        ? new ImageMirror(this, 'Mirror', {
            repositoryPrefix: topology.clusterName,
            vpc,
            logRetentionDays: props.logRetentionDays,
          })
        : undefined;
    const serviceConnect = usesServiceConnect(phase);
    // The key and role exist while Service Connect does: a rollback to discovery deletes them after
    // the services have left it (CloudFormation deletes removed resources last).
    this.tls =
      props.serviceConnectTls && serviceConnect
        ? new ServiceConnectTls(this, 'ServiceConnectTls', { ...props.serviceConnectTls, systemLabel: label })
        : undefined;
    for (const spec of topology.services) {
      const strategy = strategyOf(topology, spec, phase, props.deployment?.strategy ?? 'rolling').strategy;
      const service = new MigratingService(this, pascalCase(serviceId(spec)), {
        mirror,
        spec,
        topology,
        taskFamily: stagedFamily(spec.name, props.stage),
        cluster: this.cluster,
        logGroup: this.logGroup,
        executionRole,
        noPermissionsTaskRole,
        serviceConnectNamespaceArn: usesServiceConnect(phase)
          ? this.serviceConnectNamespace.namespaceArn
          : undefined,
        cloudMapService: retired ? undefined : this.legacy.dnsServiceOf(spec),
        dataRemovalPolicy: props.dataRemovalPolicy,
        dataBackups: props.dataBackups,
        ...(props.deployment && { deployment: { ...props.deployment, strategy } }),
        accessLogs: serviceConnect && props.serviceConnectAccessLogs === true,
        ...(this.tls && { tls: this.tls.config }),
      });
      if (spec === entry) this.publicEntry.targetGroup.addTarget(loadBalancerTarget(service));
      this.legacy.albRouteOf(spec)?.targetGroup.addTarget(loadBalancerTarget(service));
      this.services.set(spec.name, service);
    }

    this.teardown = new ServiceConnectDrain(this, 'Teardown', {
      clusterName: topology.clusterName,
      services: [...this.services.values()].map((s) => s.service),
      namespace: this.serviceConnectNamespace,
      cloudMapNamespace: this.cloudMapNamespace,
      logRetentionDays: props.logRetentionDays,
      systemLabel: label,
    });
    for (const spec of topology.services) {
      const dnsService = this.legacy.dnsServiceOf(spec);
      if (dnsService) {
        this.teardown.guardCloudMapService(
          `${pascalCase(serviceId(spec))}DnsService`,
          dnsService,
          this.service(spec.name).service,
          retired
        );
      }
    }

    this.dashboard = new MigrationDashboard(this, 'Monitoring', {
      topology,
      publicEntry: this.publicEntry,
      internalAlbName: albName,
      alarmEmail: props.alarmEmail,
      phase,
      ...(props.serviceConnectAccessLogs && { accessLogGroupName: topology.logGroupName }),
    });
    // ECS rolls a deployment back when one of its alarms goes off during it or its bake time;
    // the circuit breaker still rolls back the deployments whose tasks do not start.
    for (const spec of topology.services) {
      const service = this.service(spec.name).service;
      service.enableDeploymentAlarms(this.dashboard.deploymentAlarmNames(spec.name), {
        behavior: ecs.AlarmBehavior.ROLLBACK_ON_ALARM,
      });
      // Named, not referenced, so the order is said outright: a service is created after the
      // alarms its deployments watch (they refer to load balancer metrics, never to a service).
      for (const alarm of this.dashboard.deploymentAlarmsOf(spec.name)) service.node.addDependency(alarm);
    }

    this.openCallGraph(topology, vpc);
    this.orderDeployments(topology, phase);
    this.addOutputs(topology, phase);
  }

  /**
   * Security-group rules from the call graph. Ingress, the direction that matters: each callee
   * accepts its callers' security groups on its port (Service Connect's proxies connect task to
   * task on it) and, while the old path exists, the internal load balancer accepts the callers of
   * the services behind it. Egress: each caller may reach the ports it calls inside the VPC. A
   * CIDR rule is written inline in the security group, where a rule per call to each callee's
   * group would be two resources per call and bring a bigger topology to the 500-resource limit.
   * The load balancers' own rules to their targets come from the target groups.
   */
  private openCallGraph(topology: DeployableTopology, vpc: ec2.IVpc): void {
    for (const callerSpec of topology.services) {
      const caller = this.service(callerSpec.name);
      for (const calleeSpec of calleesOf(topology, callerSpec)) {
        const containerPort = calleeSpec.port!; // validateTopology: every called service has its port
        // The port callers use: the container's, or the internal load balancer listener's.
        const aliasPort = legacyEndpoint(topology, calleeSpec)!.port;
        const port = ec2.Port.tcp(containerPort);
        const description = `${callerSpec.name} calls ${calleeSpec.name}`;
        for (const reached of new Set([containerPort, aliasPort])) {
          caller.securityGroup.addEgressRule(
            ec2.Peer.ipv4(vpc.vpcCidrBlock),
            ec2.Port.tcp(reached),
            `${description} (in the VPC)`
          );
        }
        this.service(calleeSpec.name).securityGroup.addIngressRule(caller.securityGroup, port, description);
        if (this.legacy.albRouteOf(calleeSpec) && this.legacy.albSecurityGroup) {
          this.legacy.albSecurityGroup.addIngressRule(
            caller.securityGroup,
            ec2.Port.tcp(aliasPort),
            `${description} through the internal load balancer`
          );
        }
      }
    }
  }

  /**
   * `DependsOn` between the services from the call graph, in the direction of the phase being
   * deployed (`deploymentOrder`). With Service Connect on, each caller waits for the services it
   * calls, so that servers join the namespace first and no client starts before their endpoints
   * exist. Without it (the first deployment, or a rollback) each callee waits for its callers, so
   * that clients leave Service Connect before their servers' endpoints drain. The members of a
   * call cycle wait for each other in a chain instead. A changed DependsOn replaces nothing.
   */
  private orderDeployments(topology: DeployableTopology, phase: MigrationPhase): void {
    const direction = usesServiceConnect(phase) ? 'serversFirst' : 'clientsFirst';
    for (const { service, after } of deploymentOrder(topology, direction)) {
      this.service(service).cfnService.addResourceDependency(this.service(after).cfnService);
    }
    if (usesServiceConnect(phase)) return;
    // nginx resolves the name once, at start: the record and the listener must exist.
    for (const callerSpec of topology.services) {
      const caller = this.service(callerSpec.name).cfnService;
      for (const calleeSpec of calleesOf(topology, callerSpec)) {
        const route = this.legacy.albRouteOf(calleeSpec);
        if (route) {
          caller.addResourceDependency(route.record.node.defaultChild as CfnResource);
          caller.addResourceDependency(route.listener.node.defaultChild as CfnResource);
          if (route.rule) caller.addResourceDependency(route.rule.node.defaultChild as CfnResource);
        }
      }
    }
  }

  private addOutputs(topology: DeployableTopology, phase: MigrationPhase): void {
    const out = (id: string, value: string, description: string) =>
      new CfnOutput(this, id, { value, description });
    out(
      SYSTEM_OUTPUTS.appUrl,
      this.publicEntry.url,
      `${systemLabel(topology)}, through the public load balancer`
    );
    out(SYSTEM_OUTPUTS.clusterName, this.cluster.clusterName, 'ECS cluster');
    out(
      SYSTEM_OUTPUTS.logGroupName,
      this.logGroup.logGroupName,
      'Application and Service Connect proxy logs'
    );
    out(SYSTEM_OUTPUTS.migrationPhase, phase, 'Migration phase of the last deployment');
    out(SYSTEM_OUTPUTS.dashboardUrl, this.dashboard.url, 'CloudWatch dashboard of the migration');
    out(
      SYSTEM_OUTPUTS.cloudMapNamespaceName,
      topology.cloudMapDnsNamespace,
      'Cloud Map DNS namespace (old path)'
    );
    out(SYSTEM_OUTPUTS.cloudMapNamespaceId, this.cloudMapNamespace.namespaceId, 'Cloud Map DNS namespace ID');
    out(
      SYSTEM_OUTPUTS.cloudMapNamespaceArn,
      this.cloudMapNamespace.namespaceArn,
      'Cloud Map DNS namespace ARN'
    );
    out(
      SYSTEM_OUTPUTS.serviceConnectNamespaceName,
      topology.serviceConnectNamespace,
      'Service Connect namespace'
    );
    out(
      SYSTEM_OUTPUTS.serviceConnectNamespaceId,
      this.serviceConnectNamespace.namespaceId,
      'Service Connect namespace ID'
    );
    out(
      SYSTEM_OUTPUTS.serviceConnectNamespaceArn,
      this.serviceConnectNamespace.namespaceArn,
      'Service Connect namespace ARN'
    );
    for (const spec of topology.services) {
      out(
        serviceNameOutput(serviceId(spec)),
        this.service(spec.name).service.serviceName,
        `ECS service of ${spec.name}`
      );
      const data = this.service(spec.name).data;
      if (data) {
        out(
          dataFileSystemOutput(serviceId(spec)),
          data.fileSystem.fileSystemId,
          `EFS file system of ${spec.name}'s data (its backups outlive the stack)`
        );
      }
    }
  }

  private service(name: string): MigratingService {
    const service = this.services.get(name);
    if (!service) throw new Error(`no ECS service for '${name}'`);
    return service;
  }
}

function loadBalancerTarget(service: MigratingService): ecs.IEcsLoadBalancerTarget {
  return service.service.loadBalancerTarget({
    containerName: service.container.containerName,
    containerPort: service.container.containerPort,
  });
}
