import { ArnFormat, CustomResource, Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as servicediscovery from 'aws-cdk-lib/aws-servicediscovery';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import {
  DEPLOY_TIME_RUNTIME,
  acknowledgeDeployTimeFunctions,
  acknowledgeProviderFramework,
  handlerAssetHash,
  useDeployTimeRuntime,
} from './deploy-time-functions';
import { encryptedLogGroup } from './log-group';
import * as path from 'path';
import type { DrainProperties, InstanceDrainProperties, SettleProperties } from '../teardown/handler';

/** Props of {@link ServiceConnectDrain}. */
export interface ServiceConnectDrainProps {
  readonly clusterName: string;
  /** How the handler role's description names the system (`Yelb`). */
  readonly systemLabel: string;
  /** The services that may have joined Service Connect; the drain runs before they are deleted. */
  readonly services: readonly ecs.FargateService[];
  /** The namespace to drain; the drain runs before it is deleted. */
  readonly namespace: servicediscovery.HttpNamespace;
  /** The old path's Cloud Map DNS namespace, whose services the guards drain. */
  readonly cloudMapNamespace: servicediscovery.PrivateDnsNamespace;
  /** Days CloudWatch keeps the handlers' logs (one of CloudWatch's values). */
  readonly logRetentionDays: number;
}

/** How the handler is bundled (esbuild, no Docker): minified, the SDK included. */
const BUNDLING = { minify: true, sourceMap: false, forceDockerBundling: false, externalModules: [] };
const HANDLER_ENTRY = path.join(__dirname, '..', 'teardown', 'handler.ts');

/** How long a deletion waits for ECS to empty the namespace before it fails. */
const DRAIN_TIMEOUT = Duration.minutes(25);
/** How long a deletion waits for a Cloud Map DNS service's instances to go before it fails. */
const INSTANCE_DRAIN_TIMEOUT = Duration.minutes(5);
/** How long the services after a planned outage wait for the deployment alarms, at most. */
const SETTLE_TIMEOUT = Duration.minutes(15);
/** How often the provider framework's waiter calls isComplete. */
const QUERY_INTERVAL = Duration.seconds(15);
/**
 * The framework's own backstop after the handlers' deadline (it then answers "Operation timed
 * out"), and CloudFormation's after that (the custom resource's ServiceTimeout, which otherwise
 * defaults to an hour): each fires only if the one before it could not answer.
 */
const FRAMEWORK_MARGIN = Duration.minutes(5);
const SERVICE_TIMEOUT_MARGIN = Duration.minutes(5);

/**
 * Lets `cdk destroy` succeed from every phase. The Cloud Map services that ECS creates when
 * services join Service Connect are not CloudFormation resources, and they block deleting the
 * namespace. This custom resource depends on the services and the namespace, so CloudFormation
 * deletes it first: its handler (TypeScript in `lib/teardown/`, bundled at synth with esbuild,
 * no Docker) turns Service Connect off on the cluster's services (a rolling update without their
 * deployment alarms, whatever their strategy) and waits, bounded, until the namespace is empty;
 * then the services and the namespace go. Create and update do nothing.
 * The handlers may only describe and update these services and list Cloud Map services.
 */
export class ServiceConnectDrain extends Construct {
  public readonly resource: CustomResource;
  private readonly provider: cr.Provider;
  private readonly frameworkTimeout: Duration;
  private readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: ServiceConnectDrainProps) {
    super(scope, id);
    this.frameworkTimeout = DRAIN_TIMEOUT.plus(FRAMEWORK_MARGIN);

    const logGroup = encryptedLogGroup(this, 'Logs', { retentionDays: props.logRetentionDays });
    const role = new iam.Role(this, 'HandlerRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Turns Service Connect off on the ${props.systemLabel} services and watches the namespace drain`,
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      })
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ecs:DescribeServices', 'ecs:UpdateService'],
        // By name, not by reference: the services depend on the DNS guards that use this role.
        resources: props.services.map((s) =>
          Stack.of(this).formatArn({
            service: 'ecs',
            resource: 'service',
            resourceName: `${props.clusterName}/${literalServiceName(s)}`,
          })
        ),
      })
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        // servicediscovery:ListServices has no resource-level permissions.
        actions: ['servicediscovery:ListServices'],
        resources: ['*'],
      })
    );
    // DeregisterInstance also acts on Route 53 for the caller: the records Cloud Map made in the
    // DNS namespace's hosted zone, and the health checks it made (none here: the services use
    // custom health checks), per the Cloud Map API permissions reference.
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['route53:ChangeResourceRecordSets'],
        resources: [
          Stack.of(this).formatArn({
            service: 'route53',
            region: '',
            account: '',
            resource: 'hostedzone',
            resourceName: props.cloudMapNamespace.namespaceHostedZoneId,
          }),
        ],
      })
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['route53:GetHealthCheck', 'route53:UpdateHealthCheck', 'route53:DeleteHealthCheck'],
        resources: [
          Stack.of(this).formatArn({
            service: 'route53',
            region: '',
            account: '',
            resource: 'healthcheck',
            resourceName: '*',
          }),
        ],
      })
    );
    Validations.of(role).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'servicediscovery:ListServices supports no resource-level permissions; the handler filters by the namespace ID.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:route53:::healthcheck/*]',
        reason:
          'Deregistering a Cloud Map instance needs the Route 53 health-check actions on the health check Cloud Map made for it, whose ID nothing knows in advance; the services use custom health checks, so there are none to act on.',
      }
    );
    this.role = role;

    const handler = (name: 'onEvent' | 'isComplete') =>
      new nodejs.NodejsFunction(this, name === 'onEvent' ? 'OnEvent' : 'IsComplete', {
        entry: HANDLER_ENTRY,
        handler: name,
        runtime: DEPLOY_TIME_RUNTIME,
        role,
        logGroup,
        timeout: Duration.minutes(2),
        memorySize: 256,
        description: `Service Connect drain: ${name}`,
        // The SDK is bundled (not the runtime's copy): the handlers run with the versions in
        // package-lock.json that the tests ran with.
        bundling: { ...BUNDLING, assetHash: handlerAssetHash(HANDLER_ENTRY, BUNDLING) },
      });

    const providerLogs = encryptedLogGroup(this, 'ProviderLogs', { retentionDays: props.logRetentionDays });
    const provider = new cr.Provider(this, 'Provider', {
      onEventHandler: handler('onEvent'),
      isCompleteHandler: handler('isComplete'),
      queryInterval: QUERY_INTERVAL,
      // The handler's own deadline fails first, with a message; this is the framework's backstop.
      totalTimeout: this.frameworkTimeout,
      logGroup: providerLogs,
      disableWaiterStateMachineLogging: false,
      waiterStateMachineLogOptions: {
        destination: providerLogs,
        level: sfn.LogLevel.ALL,
        includeExecutionData: false,
      },
    });
    acknowledgeProviderFramework(this, provider, { waiter: true });
    useDeployTimeRuntime(this);
    acknowledgeDeployTimeFunctions(this, { apiOnly: true });
    this.provider = provider;

    const properties: DrainProperties = {
      ClusterName: props.clusterName,
      ServiceNames: props.services.map(literalServiceName),
      NamespaceId: props.namespace.namespaceId,
      NamespaceName: props.namespace.namespaceName,
      DrainTimeoutSeconds: String(DRAIN_TIMEOUT.toSeconds()),
    };
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::ServiceConnectDrain',
      properties,
      serviceTimeout: this.frameworkTimeout.plus(SERVICE_TIMEOUT_MARGIN),
    });
    // Deleted before the services and the namespace: it needs the first and empties the second.
    for (const service of props.services) this.resource.node.addDependency(service);
  }

  /**
   * Guards a Cloud Map DNS service of the old path, a custom resource whose handler deregisters
   * the instances left and waits until the service is empty, so that no task's name lingers and
   * deleting the service cannot fail on them (containers-roadmap#1746):
   *
   * - while the old path is kept, CloudFormation deletes the guard after `registrant` (the ECS
   *   service that registers its tasks there: it depends on the guard) and before the DNS service
   *   (which the guard refers to), on `cdk destroy`;
   * - when it is `retired`, the guard depends on `registrant` and is updated into the retired
   *   state after the registrant has been updated without the registry: the drain runs in the
   *   update, where a failure fails the deployment. A deletion in the cleanup phase that fails
   *   does not fail the update (the stack ends UPDATE_COMPLETE and leaves the resource behind),
   *   which is why the DNS service is not deleted at all when the old path is retired: it stays,
   *   empty, and a rollback only attaches the registrant to it again.
   *
   * The handler may list and deregister the instances of this DNS service only.
   */
  guardCloudMapService(
    id: string,
    dnsService: servicediscovery.IService,
    registrant: Construct,
    retired: boolean
  ): CustomResource {
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['servicediscovery:ListInstances', 'servicediscovery:DeregisterInstance'],
        resources: [dnsService.serviceArn],
      })
    );
    const properties: InstanceDrainProperties = {
      ServiceId: dnsService.serviceId,
      ServiceName: dnsService.serviceName,
      DrainTimeoutSeconds: String(INSTANCE_DRAIN_TIMEOUT.toSeconds()),
      Retired: String(retired),
    };
    const guard = new CustomResource(this, id, {
      serviceToken: this.provider.serviceToken,
      resourceType: 'Custom::CloudMapServiceDrain',
      properties,
      serviceTimeout: INSTANCE_DRAIN_TIMEOUT.plus(FRAMEWORK_MARGIN),
    });
    if (retired) guard.node.addDependency(registrant);
    else registrant.node.addDependency(guard);
    return guard;
  }

  /**
   * The wait after a service whose deployment is a planned outage: a custom resource that
   * depends on `service` and that the services after it depend on. On every update of `service`
   * (its `revision` changes) it waits for the deployment alarms' evaluation window and until none
   * of `alarms` is in ALARM, bounded; on create (a first start) only for the latter.
   */
  settleAfter(
    id: string,
    service: ecs.FargateService,
    alarms: { readonly names: readonly string[]; readonly evaluationMinutes: number },
    revision: string
  ): CustomResource {
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['cloudwatch:DescribeAlarms'],
        resources: alarms.names.map((name) =>
          Stack.of(this).formatArn({
            service: 'cloudwatch',
            resource: 'alarm',
            resourceName: name,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          })
        ),
      })
    );
    const properties: SettleProperties = {
      AlarmNames: [...alarms.names],
      AfterService: literalServiceName(service),
      EvaluationSeconds: String(alarms.evaluationMinutes * 60),
      DrainTimeoutSeconds: String(SETTLE_TIMEOUT.toSeconds()),
      Revision: revision,
    };
    const settle = new CustomResource(this, id, {
      serviceToken: this.provider.serviceToken,
      resourceType: 'Custom::DeploymentAlarmsSettled',
      properties,
      serviceTimeout: SETTLE_TIMEOUT.plus(FRAMEWORK_MARGIN),
    });
    settle.node.addDependency(service);
    return settle;
  }
}

/** The ECS service name as the template states it (a plain string, no reference). */
function literalServiceName(service: ecs.FargateService): string {
  const name = (service.node.defaultChild as ecs.CfnService).serviceName;
  if (!name || Token.isUnresolved(name)) throw new Error(`${service.node.path} needs a fixed service name`);
  return name;
}
