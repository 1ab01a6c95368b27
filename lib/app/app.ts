import { App, AppProps, CloudFormationValidatePlugin, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CloudFormationLimits } from './cfn-limits';
import { MigrationChecks } from './migration-checks';
import { AppConfig, parseConfig, planOptionsOf } from './config';
import { planDeployable } from '../model/deployable';
import { loadTestFamily, stagedFamily, systemTitle } from '../contract/stage';
import { Topology, trafficPathOf } from '../model/topology';
import { LoadTestStack } from '../stacks/load-test-stack';
import { NetworkStack } from '../stacks/network-stack';
import { SystemStack } from '../stacks/system-stack';

/** The app, its validated config and its stacks. */
export interface MigrationApp {
  readonly app: App;
  readonly config: AppConfig;
  readonly network: NetworkStack;
  /** The system's stack: its cluster, services, load balancers and namespaces (`Yelb`). */
  readonly system: SystemStack;
  /**
   * The in-VPC load test stack, in the app with every context: with `-c loadTest=true` it holds
   * the hey task ({@link loadTest}), otherwise it is empty.
   */
  readonly loadTestStack: Stack;
  /** The in-VPC load test (`-c loadTest=true`). */
  readonly loadTest?: LoadTestStack;
}

/**
 * The whole CDK app as `cdk synth` builds it, for the Yelb topology unless another is given
 * (the scale benchmark's generated ones): context (from `props.context`, or from the CDK
 * CLI) parsed into a validated config, both stacks, and the checks that run at synth:
 * cdk-nag's AwsSolutions pack and the CloudFormation quotas per stack always, the CDK's CloudFormation template validation when
 * `validateTemplates` is set (it triples the synth time; the test suite always runs it).
 *
 * Environment-agnostic on purpose: synthesizing needs no AWS account, and the same template
 * deploys to any account and region. `options.checks: false` leaves cdk-nag and the quota check
 * out of the synth (tests that check the templates otherwise, and run cdk-nag on their own).
 *
 * @throws ValidationError for bad context, before any construct is created.
 */
export function createApp(
  props: AppProps,
  topology: Topology,
  options: { readonly checks?: boolean } = {}
): MigrationApp {
  const app = new App({ builtinCloudFormationValidation: false, ...props });
  const config = parseConfig(app.node.getAllContext() as Record<string, unknown>, topology);
  const names = config.stackNames;
  const title = systemTitle(config.topology);
  const network = new NetworkStack(app, names.network, {
    natGateways: config.natGateways,
    flowLogRetentionDays: config.flowLogRetentionDays,
    description: `${title}: VPC, subnets, NAT gateways, flow logs`,
  });
  const system = new SystemStack(app, names.system, {
    vpc: network.vpc,
    plan: planDeployable(config.topology, planOptionsOf(config)),
    stage: config.stage,
    alarmEmail: config.alarmEmail,
    logRetentionDays: config.logRetentionDays,
    https: config.https,
    mirrorImages: config.mirrorImages,
    dataRemovalPolicy: config.dataRemoval === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    dataBackups: config.dataBackups,
    description: `${title} on ECS Fargate, migration phase '${config.phase}'`,
  });
  const loadTest =
    config.loadTest &&
    new LoadTestStack(app, names.loadTest, {
      vpc: network.vpc,
      cluster: system.cluster,
      logGroup: system.logGroup,
      appUrl: system.publicEntry.url,
      trafficPath: trafficPathOf(config.topology),
      image: config.loadTest.image,
      taskFamily: stagedFamily(loadTestFamily(config.topology), config.stage),
      logRetentionDays: config.logRetentionDays,
      ...(config.mirrorImages && { mirrorRepositoryPrefix: `${config.topology.clusterName}-loadtest` }),
      description: `${title}: hey as a Fargate task, the walkthrough load test`,
    });
  // Every stack that some context can create is in the app with every context, so that
  // `cdk list` names it and `cdk destroy --all` (no flags) deletes it. Without loadTest=true the
  // stack has no resources: `cdk deploy` skips it, or deletes it if it was deployed before. It is
  // ordered after the other two, so that a destroy deletes it first (its security group lives in
  // the network stack's VPC).
  const loadTestStack =
    loadTest ||
    new Stack(app, names.loadTest, {
      description: `${title}: the in-VPC load test, empty (deploy with -c loadTest=true to add it)`,
      // The CDK CLI adds AWS::CDK::Metadata to every stack unless told not to: a resource, which
      // would make it deploy this stack instead of skipping it.
      analyticsReporting: false,
    });
  if (!loadTest) {
    Validations.of(loadTestStack).acknowledge({
      id: 'CloudFormation-Validate::F0001',
      reason:
        'Empty on purpose without loadTest=true: the CDK CLI does not deploy a stack without resources (it deletes a deployed one), and lists and destroys it.',
    });
  }
  loadTestStack.addStackDependency(network, 'deleted before the VPC it runs in');
  loadTestStack.addStackDependency(system, 'deleted before the cluster and log group it uses');
  for (const stack of [network, system, loadTestStack]) {
    // Every role of the app gets its grants from the CDK as one policy attached to that role
    // alone (AWS::IAM::Policy): what NIST's rule calls an inline policy.
    Validations.of(stack).acknowledge({
      id: 'NIST.800.53.R5-IAMNoInlinePolicy',
      reason:
        "The CDK writes each role's grants, scoped to the resources it uses, as one policy attached to that role only; a managed policy per role would add a resource each and allow nothing less.",
    });
  }
  // The checks at synth; a test that checks the templates otherwise may leave them out (`checks: false`).
  if (options.checks !== false)
    Validations.of(app).addPlugins(
      new AwsSolutionsChecks(app),
      new MigrationChecks(app),
      new CloudFormationLimits()
    );
  if (config.validateTemplates) Validations.of(app).addPlugins(cloudFormationValidation());
  return { app, config, network, system, loadTestStack, ...(loadTest && { loadTest }) };
}

let validationPlugin: CloudFormationValidatePlugin | undefined;

/**
 * One CloudFormation validation plugin per process: its engine (WebAssembly) takes about two
 * seconds to start, once per instance.
 */
export function cloudFormationValidation(): CloudFormationValidatePlugin {
  validationPlugin ??= new CloudFormationValidatePlugin();
  return validationPlugin;
}
