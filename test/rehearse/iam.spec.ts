import * as fs from 'fs';
import * as path from 'path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { MIGRATION_PHASES } from '../../lib/model/phase';
import { REHEARSAL_CONTEXT } from '../../lib/rehearse/cli';
import { buildApp } from '../support/app';

/**
 * The IAM set-up of the GitHub rehearsal (docs/rehearsal-iam/): the OIDC role's trust and
 * permissions, and the CloudFormation execution policies to bootstrap with instead of
 * AdministratorAccess. Offline, they cannot be tried; what can be checked is that they are as
 * narrow as they say, and that they cover every resource type the rehearsal's templates hold.
 */
const DIR = path.join(__dirname, '..', '..', 'docs', 'rehearsal-iam');
const read = (file: string) => JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8'));
const EXECUTION_POLICIES = ['execution-policy-platform.json', 'execution-policy-app.json'];

/** What CloudFormation calls to create each resource type of the templates (one action each). */
const CREATE_ACTION: Record<string, string> = {
  'AWS::EC2::VPC': 'ec2:CreateVpc',
  'AWS::EC2::Subnet': 'ec2:CreateSubnet',
  'AWS::EC2::InternetGateway': 'ec2:CreateInternetGateway',
  'AWS::EC2::VPCGatewayAttachment': 'ec2:AttachInternetGateway',
  'AWS::EC2::EIP': 'ec2:AllocateAddress',
  'AWS::EC2::NatGateway': 'ec2:CreateNatGateway',
  'AWS::EC2::RouteTable': 'ec2:CreateRouteTable',
  'AWS::EC2::Route': 'ec2:CreateRoute',
  'AWS::EC2::SubnetRouteTableAssociation': 'ec2:AssociateRouteTable',
  'AWS::EC2::SecurityGroup': 'ec2:CreateSecurityGroup',
  'AWS::EC2::SecurityGroupIngress': 'ec2:AuthorizeSecurityGroupIngress',
  'AWS::EC2::SecurityGroupEgress': 'ec2:AuthorizeSecurityGroupEgress',
  'AWS::EC2::FlowLog': 'ec2:CreateFlowLogs',
  'AWS::ECS::Cluster': 'ecs:CreateCluster',
  'AWS::ECS::Service': 'ecs:CreateService',
  'AWS::ECS::TaskDefinition': 'ecs:RegisterTaskDefinition',
  'AWS::ECR::Repository': 'ecr:CreateRepository',
  'AWS::EFS::FileSystem': 'elasticfilesystem:CreateFileSystem',
  'AWS::EFS::MountTarget': 'elasticfilesystem:CreateMountTarget',
  'AWS::EFS::AccessPoint': 'elasticfilesystem:CreateAccessPoint',
  'AWS::ElasticLoadBalancingV2::LoadBalancer': 'elasticloadbalancing:CreateLoadBalancer',
  'AWS::ElasticLoadBalancingV2::TargetGroup': 'elasticloadbalancing:CreateTargetGroup',
  'AWS::ElasticLoadBalancingV2::Listener': 'elasticloadbalancing:CreateListener',
  'AWS::ElasticLoadBalancingV2::ListenerRule': 'elasticloadbalancing:CreateRule',
  'AWS::IAM::Role': 'iam:CreateRole',
  'AWS::IAM::Policy': 'iam:PutRolePolicy',
  'AWS::Lambda::Function': 'lambda:CreateFunction',
  'AWS::Logs::LogGroup': 'logs:CreateLogGroup',
  'AWS::Route53::HostedZone': 'route53:CreateHostedZone',
  'AWS::Route53::RecordSet': 'route53:ChangeResourceRecordSets',
  'AWS::SNS::Topic': 'sns:CreateTopic',
  'AWS::SNS::Subscription': 'sns:Subscribe',
  'AWS::SNS::TopicPolicy': 'sns:SetTopicAttributes',
  'AWS::ServiceDiscovery::HttpNamespace': 'servicediscovery:CreateHttpNamespace',
  'AWS::ServiceDiscovery::PrivateDnsNamespace': 'servicediscovery:CreatePrivateDnsNamespace',
  'AWS::ServiceDiscovery::Service': 'servicediscovery:CreateService',
  'AWS::StepFunctions::StateMachine': 'states:CreateStateMachine',
  'AWS::CloudWatch::Alarm': 'cloudwatch:PutMetricAlarm',
  'AWS::CloudWatch::Dashboard': 'cloudwatch:PutDashboard',
  'AWS::KMS::Key': 'kms:CreateKey',
};

/** Whether an IAM action pattern (`ec2:Describe*`) covers `action`. */
const covers = (pattern: string, action: string) =>
  new RegExp(`^${pattern.replace(/[.]/g, '\\.').replace(/\*/g, '.*')}$`, 'i').test(action);

describe('the GitHub rehearsal role (docs/rehearsal-iam/)', () => {
  test('trusts only the protected environment "rehearsal" of one repository, by exact subject', () => {
    const [statement] = read('trust-policy.json').Statement;
    expect(statement.Condition).toEqual({
      StringEquals: {
        'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
        'token.actions.githubusercontent.com:sub': 'repo:OWNER/REPO:environment:rehearsal',
      },
    });
  });

  test('may assume only the two bootstrap roles a deploy uses, by exact name, and read only the rehearsal copies', () => {
    const statements = read('role-policy.json').Statement;
    const assume = statements.find((s: any) => s.Action === 'sts:AssumeRole');
    expect(assume.Resource).toEqual([
      'arn:aws:iam::ACCOUNT:role/cdk-hnb659fds-deploy-role-ACCOUNT-REGION',
      'arn:aws:iam::ACCOUNT:role/cdk-hnb659fds-file-publishing-role-ACCOUNT-REGION',
    ]);
    // What the rehearsal reads itself: the stacks, the services and their tasks (planned outages), the alarms.
    expect(statements.flatMap((s: any) => [s.Action].flat()).sort()).toEqual([
      'cloudformation:DescribeStacks',
      'cloudformation:GetTemplate',
      'cloudwatch:DescribeAlarms',
      'ecs:DescribeServices',
      'ecs:DescribeTasks',
      'ecs:ListTasks',
      'sts:AssumeRole',
    ]);
    // ListTasks has no resource of its own on Fargate: "*", held to the rehearsal clusters by ecs:cluster.
    for (const s of statements) {
      if (s.Action === 'ecs:ListTasks') {
        expect(s.Condition).toEqual({
          ArnLike: { 'ecs:cluster': 'arn:aws:ecs:REGION:ACCOUNT:cluster/yelb-cluster-rehearsal*' },
        });
      } else {
        expect(JSON.stringify(s.Resource)).not.toMatch(/"\*"|role\/cdk-\*/);
      }
    }
  });

  describe('the CloudFormation execution policies', () => {
    const policies = EXECUTION_POLICIES.map(read);
    const statements = policies.flatMap((p) => p.Statement);
    const allows = (action: string) =>
      statements.some(
        (s: any) => s.Effect === 'Allow' && [s.Action].flat().some((a: string) => covers(a, action))
      );

    test('each fits a managed policy (6,144 characters without whitespace)', () => {
      for (const policy of policies) expect(JSON.stringify(policy).length).toBeLessThanOrEqual(6144);
    });

    test('grant no wildcard service, and IAM, Lambda and ECR only on the rehearsal copy', () => {
      for (const s of statements) {
        for (const action of [s.Action].flat() as string[])
          expect(action).not.toMatch(/^(\*|[a-z0-9-]+:\*)$/);
        const iamOrFunctions = [s.Action]
          .flat()
          .some((a: string) => /^(iam:(?!CreateServiceLinkedRole)|lambda:|ecr:)/.test(a));
        if (iamOrFunctions) expect(JSON.stringify(s.Resource)).toMatch(/rehearsal\*/);
      }
      expect(allows('iam:CreateUser')).toBe(false);
      expect(allows('iam:CreatePolicyVersion')).toBe(false);
      expect(allows('ec2:RunInstances')).toBe(false);
    });

    test("cover the mirror repositories' lifecycle policy, which CloudFormation puts, reads and deletes by actions of its own", () => {
      for (const action of ['ecr:PutLifecyclePolicy', 'ecr:GetLifecyclePolicy', 'ecr:DeleteLifecyclePolicy'])
        expect(allows(action)).toBe(true);
    });

    test.each(MIGRATION_PHASES)(
      'cover what CloudFormation does for every resource type of the rehearsal, %s phase',
      (phase) => {
        const { app } = buildApp(phase, { ...REHEARSAL_CONTEXT, stage: 'rehearsal', dbBackups: 'false' });
        const types = new Set(
          app.node.children
            .filter((c): c is Stack => c instanceof Stack)
            .flatMap((s) =>
              Object.values<any>(Template.fromStack(s).toJSON().Resources ?? {}).map((r) => r.Type)
            )
        );
        const uncovered = [...types].filter((type) =>
          type.startsWith('Custom::')
            ? !allows('lambda:InvokeFunction')
            : !CREATE_ACTION[type] || !allows(CREATE_ACTION[type])
        );
        expect(uncovered).toEqual([]);
        expect(types.size).toBeGreaterThan(30);
      }
    );
  });
});
