import { CustomResource, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as servicediscovery from 'aws-cdk-lib/aws-servicediscovery';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import * as path from 'path';
import type { DrainProperties } from '../teardown/handler';

/** Props of {@link ServiceConnectDrain}. */
export interface ServiceConnectDrainProps {
  readonly clusterName: string;
  /** The services that may have joined Service Connect; the drain runs before they are deleted. */
  readonly services: readonly ecs.FargateService[];
  /** The namespace to drain; the drain runs before it is deleted. */
  readonly namespace: servicediscovery.HttpNamespace;
  /**
   * How long the deletion waits for ECS to empty the namespace before it fails.
   *
   * @default Duration.minutes(25)
   */
  readonly drainTimeout?: Duration;
}

const HANDLER_ENTRY = path.join(__dirname, '..', 'teardown', 'handler.ts');

/**
 * Lets `cdk destroy` succeed from every phase. The Cloud Map services that ECS creates when
 * services join Service Connect are not CloudFormation resources, and they block deleting the
 * namespace. This custom resource depends on the services and the namespace, so CloudFormation
 * deletes it first: its handler (TypeScript in `lib/teardown/`, bundled at synth with esbuild,
 * no Docker) turns Service Connect off on the cluster's services and waits, bounded, until the
 * namespace is empty; then the services and the namespace go. Create and update do nothing.
 * The handlers may only describe and update these services and list Cloud Map services.
 */
export class ServiceConnectDrain extends Construct {
  public readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: ServiceConnectDrainProps) {
    super(scope, id);
    const drainTimeout = props.drainTimeout ?? Duration.minutes(25);

    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.ONE_WEEK,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(this, 'HandlerRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Turns Service Connect off on the Yelb services and watches the namespace drain',
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
        resources: props.services.map((s) => s.serviceArn),
      })
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        // servicediscovery:ListServices has no resource-level permissions.
        actions: ['servicediscovery:ListServices'],
        resources: ['*'],
      })
    );
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'servicediscovery:ListServices supports no resource-level permissions; the handler filters by the namespace ID.',
    });

    const handler = (name: 'onEvent' | 'isComplete') =>
      new nodejs.NodejsFunction(this, name === 'onEvent' ? 'OnEvent' : 'IsComplete', {
        entry: HANDLER_ENTRY,
        handler: name,
        runtime: lambda.Runtime.NODEJS_LATEST,
        role,
        logGroup,
        timeout: Duration.minutes(2),
        memorySize: 256,
        description: `Service Connect drain: ${name}`,
        // The SDK is bundled (not the runtime's copy): the handlers run with the versions in
        // package-lock.json that the tests ran with.
        bundling: { minify: true, sourceMap: false, forceDockerBundling: false, externalModules: [] },
      });

    const providerLogs = new logs.LogGroup(this, 'ProviderLogs', {
      retention: logs.RetentionDays.ONE_WEEK,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const provider = new cr.Provider(this, 'Provider', {
      onEventHandler: handler('onEvent'),
      isCompleteHandler: handler('isComplete'),
      queryInterval: Duration.seconds(15),
      // The handler's own deadline fails first, with a message; this is the framework's backstop.
      totalTimeout: drainTimeout.plus(Duration.minutes(5)),
      logGroup: providerLogs,
      disableWaiterStateMachineLogging: false,
      waiterStateMachineLogOptions: {
        destination: providerLogs,
        level: sfn.LogLevel.ALL,
        includeExecutionData: false,
      },
    });
    acknowledgeProviderFramework(this, provider);

    const properties: DrainProperties = {
      ClusterName: props.clusterName,
      ServiceNames: props.services.map((s) => s.serviceName),
      NamespaceId: props.namespace.namespaceId,
      NamespaceName: props.namespace.namespaceName,
      DrainTimeoutSeconds: String(drainTimeout.toSeconds()),
    };
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::ServiceConnectDrain',
      properties,
    });
    // Deleted before the services and the namespace: it needs the first and empties the second.
    for (const service of props.services) this.resource.node.addDependency(service);
  }
}

/**
 * What the CDK provider framework brings and does not let us change: roles that may invoke every
 * version of the functions they call (`<function ARN>:*`, one finding per function, acknowledged
 * by its exact id), the managed basic execution policy, and a waiter without X-Ray.
 */
function acknowledgeProviderFramework(scope: Construct, provider: cr.Provider): void {
  const stack = Stack.of(scope);
  const functions = scope.node
    .findAll()
    .filter((c): c is lambda.CfnFunction => c instanceof lambda.CfnFunction);
  Validations.of(provider).acknowledge(
    ...functions.map((fn) => ({
      id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(fn)}.Arn>:*]`,
      reason:
        "The CDK provider framework invokes the handler functions and its own by ARN, with any version (':*').",
    })),
    {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason:
        "The CDK provider framework's own functions write their logs with the basic execution role; the handlers have a role of their own.",
    },
    {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        "The waiter's log delivery to CloudWatch Logs (logs:CreateLogDelivery and related actions) supports no resource-level permissions.",
    },
    {
      id: 'AwsSolutions-SF2',
      reason:
        "The provider framework's waiter only polls isComplete every 15 s during a deletion; its steps are logged, X-Ray would add nothing.",
    }
  );
}
