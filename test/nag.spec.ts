import { AwsSolutionsChecks } from 'cdk-nag';
import { MIGRATION_PHASES } from '../lib/model/phase';
import { buildApp, templatesOf } from './support/app';
import { Template } from 'aws-cdk-lib/assertions';
import { nagAcknowledgements, nagOverTemplates, nagViolations } from './support/nag';

describe.each(MIGRATION_PHASES)('cdk-nag AwsSolutions, %s phase', (phase) => {
  const built = buildApp(phase);
  const { app } = built;

  test('finds nothing that is not acknowledged in the templates CloudFormation receives (raw CfnResources too)', () => {
    const { network, system: yelb } = templatesOf(phase);
    const templates = {
      [built.network.stackName]: network.toJSON(),
      [built.system.stackName]: yelb.toJSON(),
    };
    expect(nagOverTemplates([built.network, built.system], templates)).toEqual([]);
  });

  test('finds nothing that is not acknowledged, in the whole app', () => {
    // validateScope, not Annotations: cdk-nag 3 reports to the policy validation report.
    const { violations } = new AwsSolutionsChecks(app).validateScope(app);
    expect(
      violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.resourceLogicalId).join(',')}`)
    ).toEqual([]);
  });

  test('acknowledges only what it must, each with a specific reason', () => {
    const acks = nagAcknowledgements(app);
    expect(acks.map((a) => `${a.path} ${a.id.replace('Annotation::', '')}`).sort()).toEqual(
      [
        'Yelb/PublicAlb/SecurityGroup AwsSolutions-EC23',
        // The VPC's default security group restriction: a provider the CDK writes as raw CfnResources.
        'YelbNetwork/Custom::VpcRestrictDefaultSGCustomResourceProvider AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        'Yelb/PublicAlb/LoadBalancer AwsSolutions-ELB2',
        // The ECS infrastructure role for load balancers (the public entry's gradual deployments): AWS's policy.
        'Yelb/PublicAlb/InfrastructureRole AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers]',
        ...(phase === 'retired' ? [] : ['Yelb/Legacy/InternalAlb AwsSolutions-ELB2']),
        'Yelb/Ui/TaskDef AwsSolutions-ECS2',
        'Yelb/Appserver/TaskDef AwsSolutions-ECS2',
        'Yelb/Db/TaskDef AwsSolutions-ECS2',
        // The teardown handler lists Cloud Map services (no resource-level permissions)...
        'Yelb/Teardown/HandlerRole AwsSolutions-IAM5[Resource::*]',
        // ...and may act on the Route 53 health checks Cloud Map made for an instance it deregisters.
        'Yelb/Teardown/HandlerRole AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:route53:::healthcheck/*]',
        // ...and what the CDK provider framework brings and does not let us change.
        'Yelb/Teardown/Provider AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        'Yelb/Teardown/Provider AwsSolutions-IAM5[Resource::*]',
        'Yelb/Teardown/Provider AwsSolutions-IAM5[Resource::<TeardownIsCompleteB192B2C3.Arn>:*]',
        'Yelb/Teardown/Provider AwsSolutions-IAM5[Resource::<TeardownOnEventF0095B7C.Arn>:*]',
        'Yelb/Teardown/Provider AwsSolutions-IAM5[Resource::<TeardownProviderframeworkisComplete942CDAD7.Arn>:*]',
        'Yelb/Teardown/Provider AwsSolutions-IAM5[Resource::<TeardownProviderframeworkonEvent09A19966.Arn>:*]',
        'Yelb/Teardown/Provider AwsSolutions-IAM5[Resource::<TeardownProviderframeworkonTimeoutE24888D2.Arn>:*]',
        'Yelb/Teardown/Provider AwsSolutions-SF2',
        // The tasks pull the images' copies from the app's ECR: the token has no resource.
        'Yelb/ExecutionRole AwsSolutions-IAM5[Resource::*]',
        // The image copy: the token and the VPC network-interface actions have no resource...
        'Yelb/Mirror/Role AwsSolutions-IAM5[Resource::*]',
        // ...and what the provider framework brings.
        'Yelb/Mirror/Provider AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        'Yelb/Mirror/Provider AwsSolutions-IAM5[Resource::<MirrorCopy2E9EF3AE.Arn>:*]',
        'Yelb/Mirror/Provider AwsSolutions-IAM5[Resource::<MirrorProviderframeworkonEvent4C4A20F0.Arn>:*]',
        // Every function on Node.js 24, Lambda's newest generally available runtime (26 is a preview).
        'Yelb/Mirror AwsSolutions-L1',
        'Yelb/Teardown AwsSolutions-L1',
        'YelbNetwork/Custom::VpcRestrictDefaultSGCustomResourceProvider AwsSolutions-L1',
      ].sort()
    );
    for (const ack of acks) {
      expect(ack.id).toMatch(/^Annotation::AwsSolutions-[A-Z]+\d+(\[.+\])?$/);
      expect(ack.reason.length).toBeGreaterThan(40);
    }
  });
});

test('cdk-nag passes with images mirrored to private ECR, acknowledging only the token wildcard', () => {
  const { app } = buildApp('serviceConnect', {
    yelbUiImage: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/mirror/yelb-ui:0.10',
  });
  expect(new AwsSolutionsChecks(app).validateScope(app).violations).toEqual([]);
  expect(
    nagAcknowledgements(app).filter((a) => a.id.includes('IAM5') && a.path === 'Yelb/ExecutionRole')
  ).toEqual([
    expect.objectContaining({ path: 'Yelb/ExecutionRole', id: 'Annotation::AwsSolutions-IAM5[Resource::*]' }),
  ]);
});

/**
 * The NIST 800-53 rev 5 pack that enterprises run, over the templates CloudFormation receives, in
 * every phase and with the options that change what is deployed: every finding is fixed or
 * acknowledged beside its cause with its reason.
 */
const OPTIONS: Record<string, Record<string, string>> = {
  default: {},
  'every option on': {
    loadTest: 'true',
    alarmEmail: 'ops@example.com',
    certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
    domainName: 'yelb.example.com',
    hostedZoneId: 'Z0123456789ABCDEFGHIJ',
    stage: 'blue',
  },
  'the walkthrough (no mirror, no backups)': { mirrorImages: 'false', dbBackups: 'false' },
  'data in the task': { dbStorage: 'ephemeral' },
};

// The default in every phase; each option set in the serviceConnect phase, which has both paths:
// what an option adds is the same in every phase.
const NIST_RUNS = [
  ...MIGRATION_PHASES.map((phase) => ['default', phase] as const),
  ...Object.keys(OPTIONS)
    .filter((label) => label !== 'default')
    .map((label) => [label, 'serviceConnect'] as const),
];

test.each(NIST_RUNS)(
  'cdk-nag NIST 800-53 rev 5, %s, %s phase: finds nothing that is not acknowledged, raw templates included',
  (label, phase) => {
    const built = buildApp(phase, OPTIONS[label]);
    const stacks = [built.network, built.system, built.loadTestStack];
    const templates = Object.fromEntries(stacks.map((s) => [s.stackName, Template.fromStack(s).toJSON()]));
    expect(nagViolations(built.app, 'NIST.800.53.R5')).toEqual([]);
    expect(nagOverTemplates(stacks, templates, 'NIST.800.53.R5')).toEqual([]);
  }
);

test('the NIST acknowledgements each carry a specific reason', () => {
  const { app } = buildApp('serviceConnect', OPTIONS['every option on']);
  const acks = nagAcknowledgements(app, 'NIST.800.53.R5');
  expect(acks.length).toBeGreaterThan(10);
  for (const ack of acks) {
    expect(ack.id).toMatch(/^Annotation::NIST\.800\.53\.R5-[A-Za-z0-9]+(\[.+\])?$/);
    expect(ack.reason.length).toBeGreaterThan(40);
  }
});
