import { createHash } from 'crypto';
import { CfnOutput, CfnResource, Fn, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
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
import { DeploymentAlarms } from '../constructs/deployment-alarms';
import { MigratingService, ecsTasksPrincipal } from '../constructs/migrating-service';
import { usesServiceConnect } from '../model/phase';
import { DeployableService, DeployableSystemPlan, DeployableTopology } from '../model/deployable';
import { deployedPartOf, ServicePlan, servicePlan } from '../model/plan';
import { ServiceConnectRefs } from '../model/service-connect';
import { LEGACY_CONSTRUCT_ID, dashboardName, internalAlbName } from '../contract/names';
import { pascalCase } from '../core/names';
import { serviceId as serviceIdOf } from '../model/topology';
import { AppOptions } from '../contract/app-options';
import { SYSTEM_OUTPUTS, dataFileSystemOutput, serviceNameOutput } from '../contract/outputs';
import { stagedFamily, systemLabel } from '../contract/stage';

/** Props of {@link SystemStack}. */
export interface SystemStackProps extends StackProps {
  /** The network, from the network stack. */
  readonly vpc: ec2.IVpc;
  /** The system's plan in the phase to deploy: its services, their Service Connect, old paths, alarms, order. */
  readonly plan: DeployableSystemPlan;
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
}

/**
 * The system (Yelb, or a topology file's) on ECS Fargate in one migration phase. Everything phase-dependent is derived from the
 * topology and the phase; resources present in several phases keep their logical IDs, so a
 * phase change updates them in place.
 */
export class SystemStack extends Stack {
  /** The plan the stack was built from. */
  public readonly plan: DeployableSystemPlan;
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
  /** The alarms that make ECS roll a deployment back (the plan says which service watches which). */
  public readonly deploymentAlarms: DeploymentAlarms;
  /** Drains the Service Connect namespace before `cdk destroy` deletes it. */
  public readonly teardown: ServiceConnectDrain;
  /** Service Connect TLS's key and role (`-c serviceConnectTls`), where an endpoint is encrypted. */
  public readonly tls?: ServiceConnectTls;

  constructor(scope: Construct, id: string, props: SystemStackProps) {
    super(scope, id, props);
    const { vpc, plan } = props;
    this.plan = plan;
    const topology = plan.topology;
    const phase = plan.options.phase;
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

    const entry = plan.services.find((s) => s.spec.publicEntry);
    if (!entry?.spec.publicEntry) throw new Error('the topology has no public entry service');
    this.publicEntry = new PublicEntry(this, 'PublicAlb', {
      vpc,
      port: entry.spec.publicEntry.port,
      healthCheckPath: entry.spec.publicEntry.healthCheckPath,
      https: props.https,
      systemLabel: label,
      alternateTargetGroup: entry.deployment.loadBalancerShift !== undefined,
    });

    const albName = internalAlbName(topology.clusterName);
    this.legacy = new LegacyDiscovery(this, LEGACY_CONSTRUCT_ID, {
      vpc,
      services: plan.services.map((s) => ({ name: s.spec.name, id: s.id, oldPath: s.oldPath })),
      cloudMapNamespace: this.cloudMapNamespace,
      zoneName: topology.internalZoneName,
      internalAlbName: albName,
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
    // The key and role exist while an endpoint is encrypted: a phase without TLS deletes them
    // after the services have left it (CloudFormation deletes removed resources last).
    const tlsCa = plan.services.find((s) => s.serviceConnect?.endpoint?.tlsCertificateAuthorityArn)
      ?.serviceConnect?.endpoint?.tlsCertificateAuthorityArn;
    this.tls = tlsCa
      ? new ServiceConnectTls(this, 'ServiceConnectTls', {
          certificateAuthorityArn: tlsCa,
          systemLabel: label,
        })
      : undefined;
    const refs: ServiceConnectRefs | undefined = usesServiceConnect(phase)
      ? {
          namespace: this.serviceConnectNamespace.namespaceArn,
          logGroupName: this.logGroup.logGroupName,
          region: Stack.of(this).region,
          ...(this.tls && { tls: { kmsKeyArn: this.tls.key.keyArn, roleArn: this.tls.role.roleArn } }),
        }
      : undefined;
    for (const service of plan.services) {
      const built = new MigratingService(this, pascalCase(service.id), {
        mirror,
        plan: service,
        ...(refs && { serviceConnectRefs: refs }),
        readinessGateImage: topology.readinessGateImage,
        taskFamily: stagedFamily(service.spec.name, props.stage),
        cluster: this.cluster,
        logGroup: this.logGroup,
        executionRole,
        noPermissionsTaskRole,
        cloudMapService:
          service.oldPath.kind === 'cloudMapDns' && service.oldPath.state === 'attached'
            ? this.legacy.dnsServiceOf(service.spec.name)
            : undefined,
        dataRemovalPolicy: props.dataRemovalPolicy,
        dataBackups: props.dataBackups,
      });
      // ECS uses the TLS key and role as soon as the service's deployment starts: the role's
      // grant (its policy) must be attached before, and on deletion they go after the service.
      if (this.tls) built.cfnService.node.addDependency(this.tls);
      if (service.spec.publicEntry) {
        this.publicEntry.targetGroup.addTarget(loadBalancerTarget(built, this.publicEntry.alternateTarget));
      }
      this.legacy.albRouteOf(service.spec.name)?.targetGroup.addTarget(loadBalancerTarget(built));
      this.services.set(service.spec.name, built);
    }

    this.teardown = new ServiceConnectDrain(this, 'Teardown', {
      clusterName: topology.clusterName,
      services: [...this.services.values()].map((s) => s.service),
      namespace: this.serviceConnectNamespace,
      cloudMapNamespace: this.cloudMapNamespace,
      logRetentionDays: props.logRetentionDays,
      systemLabel: label,
    });
    for (const service of plan.services) {
      const dnsService = this.legacy.dnsServiceOf(service.spec.name);
      if (dnsService && service.oldPath.kind === 'cloudMapDns') {
        this.teardown.guardCloudMapService(
          `${pascalCase(service.id)}DnsService`,
          dnsService,
          this.service(service.spec.name).service,
          service.oldPath.state === 'detached'
        );
      }
    }

    this.dashboard = new MigrationDashboard(this, 'Monitoring', {
      dashboardName: dashboardName(topology.clusterName),
      clusterName: topology.clusterName,
      services: plan.services.map((s) => ({ name: s.spec.name, id: s.id })),
      newPath: plan.alarms.flatMap((a) =>
        a.kind === 'serviceConnect5xx' && a.server && a.metrics?.[0]
          ? [{ server: a.server, discoveryName: a.metrics[0].discoveryName }]
          : []
      ),
      publicEntry: this.publicEntry,
      internalAlbName: albName,
      alarmEmail: props.alarmEmail,
      ...(plan.options.accessLogs && { accessLogGroupName: topology.logGroupName }),
    });
    // In the dashboard's scope under the hidden id 'Default': the alarms keep the logical IDs
    // they had when the dashboard made them (named alarms cannot be replaced in place).
    this.deploymentAlarms = new DeploymentAlarms(this.dashboard, 'Default', {
      alarms: plan.alarms,
      clusterName: topology.clusterName,
      publicLoadBalancer: this.publicEntry.loadBalancer,
    });
    this.dashboard.addAlarms(this.deploymentAlarms.alarms);
    for (const service of plan.services) {
      // Named, not referenced, so the order is said outright: a service is created after the
      // alarms its deployments name (they refer to load balancer metrics, never to a service).
      const named = this.deploymentAlarms.named(service.deployment.alarms.names);
      for (const alarm of named) this.service(service.spec.name).service.node.addDependency(alarm);
    }

    this.openCallGraph(plan.services, vpc);
    this.orderDeployments(plan);
    this.settleAfterPlannedOutages(plan);
    this.addOutputs(topology, phase);
    this.addOptionsOutput(plan);
  }

  /**
   * Security-group rules from the plan. Ingress, the direction that matters: each callee
   * accepts its callers' security groups on its port (Service Connect's proxies connect task to
   * task on it) and, while the old path exists, the internal load balancer accepts the callers of
   * the services behind it on the port they use. Egress: each caller may reach the ports it calls
   * inside the VPC. A CIDR rule is written inline in the security group, where a rule per call to
   * each callee's group would be two resources per call and bring a bigger topology to the
   * 500-resource limit. The load balancers' own rules to their targets come from the target groups.
   */
  private openCallGraph(services: readonly ServicePlan[], vpc: ec2.IVpc): void {
    for (const caller of services) {
      const group = this.service(caller.spec.name).securityGroup;
      for (const rule of caller.egress) {
        group.addEgressRule(ec2.Peer.ipv4(vpc.vpcCidrBlock), ec2.Port.tcp(rule.port), rule.description);
      }
    }
    for (const caller of services) {
      const from = this.service(caller.spec.name).securityGroup;
      for (const name of caller.callees) {
        const callee = services.find((s) => s.spec.name === name)!;
        const rule = callee.ingress.find((r) => r.from === caller.spec.name)!;
        this.service(name).securityGroup.addIngressRule(from, ec2.Port.tcp(rule.port), rule.description);
        const route = this.legacy.albRouteOf(name);
        if (route && this.legacy.albSecurityGroup && callee.oldPath.kind === 'internalAlb') {
          this.legacy.albSecurityGroup.addIngressRule(
            from,
            ec2.Port.tcp(callee.oldPath.port),
            `${rule.description} through the internal load balancer`
          );
        }
      }
    }
  }

  /**
   * `DependsOn` between the services from the plan, in the direction of the phase being deployed
   * (`deploymentOrder`). With Service Connect on, each caller waits for the services it calls, so
   * that servers join the namespace first and no client starts before their endpoints exist.
   * Without it (the first deployment, or a rollback) each callee waits for its callers, so that
   * clients leave Service Connect before their servers' endpoints drain. The members of a call
   * cycle wait for each other in a chain instead. A changed DependsOn replaces nothing.
   */
  private orderDeployments(plan: DeployableSystemPlan): void {
    for (const { service, after } of plan.order) {
      this.service(service).cfnService.addResourceDependency(this.service(after).cfnService);
    }
    if (usesServiceConnect(plan.options.phase)) return;
    // nginx resolves the name once, at start: the record and the listener must exist.
    for (const caller of plan.services) {
      const cfnCaller = this.service(caller.spec.name).cfnService;
      for (const callee of caller.callees) {
        const route = this.legacy.albRouteOf(servicePlan(plan, callee).spec.name);
        if (route) {
          cfnCaller.addResourceDependency(route.record.node.defaultChild as CfnResource);
          cfnCaller.addResourceDependency(route.listener.node.defaultChild as CfnResource);
          if (route.rule) cfnCaller.addResourceDependency(route.rule.node.defaultChild as CfnResource);
        }
      }
    }
  }

  /**
   * After each service whose deployment is a planned outage, the services that deploy after it
   * wait until the deployment alarms have settled (see `DeploymentSettle` in lib/model/plan.ts).
   * The wait runs whenever the service's plan or task definition changes, which is when it
   * deploys again.
   */
  private settleAfterPlannedOutages(plan: DeployableSystemPlan): void {
    const alarms = {
      names: plan.alarms.map((a) => a.name),
      evaluationMinutes: Math.max(...plan.alarms.map((a) => a.evaluationMinutes)),
    };
    for (const { after, waiters } of plan.settles) {
      const service = servicePlan(plan, after);
      const built = this.service(after);
      const revision = Fn.join(':', [
        createHash('sha256')
          .update(JSON.stringify(deployedPartOf(service)))
          .digest('hex')
          .slice(0, 16),
        built.taskDefinition.taskDefinitionArn,
      ]);
      const settle = this.teardown.settleAfter(
        `${pascalCase(service.id)}AlarmsSettled`,
        built.service,
        alarms,
        revision
      );
      for (const waiter of waiters) {
        this.service(waiter).cfnService.addResourceDependency(settle.node.defaultChild as CfnResource);
      }
    }
  }

  private addOutputs(topology: DeployableTopology, phase: string): void {
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
        serviceNameOutput(serviceIdOf(spec)),
        this.service(spec.name).service.serviceName,
        `ECS service of ${spec.name}`
      );
      const data = this.service(spec.name).data;
      if (data) {
        out(
          dataFileSystemOutput(serviceIdOf(spec)),
          data.fileSystem.fileSystemId,
          `EFS file system of ${spec.name}'s data (its backups outlive the stack)`
        );
      }
    }
  }

  /**
   * The options every Service Connect configuration was rendered with, for the migration CLI:
   * what it sends to this stack's services is then the template's configuration, field for field.
   */
  private addOptionsOutput(plan: DeployableSystemPlan): void {
    const { options } = plan;
    const app: AppOptions = {
      phase: options.phase,
      accessLogs: options.accessLogs,
      ...(this.tls &&
        options.tlsCertificateAuthorityArn && {
          tls: {
            certificateAuthorityArn: options.tlsCertificateAuthorityArn,
            kmsKeyArn: this.tls.key.keyArn,
            roleArn: this.tls.role.roleArn,
          },
        }),
      deployment: options.deployment ?? { strategy: 'rolling' },
    };
    new CfnOutput(this, SYSTEM_OUTPUTS.serviceConnectOptions, {
      value: this.toJsonString(app),
      description: "The app's options of every Service Connect configuration (the migration CLI reads them)",
    });
  }

  private service(name: string): MigratingService {
    const service = this.services.get(name);
    if (!service) throw new Error(`no ECS service for '${name}'`);
    return service;
  }
}

/**
 * The service's container as a load balancer target; with an alternate target, the L1's
 * `LoadBalancers[].AdvancedConfiguration` (alternate target group, production listener rule, role).
 */
function loadBalancerTarget(
  service: MigratingService,
  alternateTarget?: ecs.IAlternateTarget
): ecs.IEcsLoadBalancerTarget {
  return service.service.loadBalancerTarget({
    containerName: service.container.containerName,
    containerPort: service.container.containerPort,
    ...(alternateTarget && { alternateTarget }),
  });
}
