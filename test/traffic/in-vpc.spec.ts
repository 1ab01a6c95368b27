import { YELB } from '../../lib/model/yelb';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeTasksCommand, ECSClient, RunTaskCommand } from '@aws-sdk/client-ecs';
import { AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { runTrafficCli } from '../../lib/traffic/cli';
import { runCli } from '../support/cli';

const traffic = (argv: string[], env: Record<string, string> = {}) =>
  runCli((a, io) => runTrafficCli(a, io, { topology: YELB }), argv, env);

describe('npm run traffic -- --in-vpc', () => {
  // Stubbed while these tests run only (mockClient patches the client classes themselves).
  let ecs: AwsClientStub<ECSClient>;
  let logs: AwsClientStub<CloudWatchLogsClient>;
  let cfn: AwsClientStub<CloudFormationClient>;
  beforeAll(() => {
    ecs = mockClient(ECSClient);
    logs = mockClient(CloudWatchLogsClient);
    cfn = mockClient(CloudFormationClient);
  });
  afterAll(() => [ecs, logs, cfn].forEach((m) => m.restore()));
  const env = { AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y' };
  const outputs = (pairs: Record<string, string>) => ({
    Stacks: [
      {
        StackName: 's',
        CreationTime: new Date(),
        StackStatus: 'CREATE_COMPLETE' as const,
        Outputs: Object.entries(pairs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
      },
    ],
  });
  const loadTestOutputs = {
    ClusterName: 'yelb-cluster',
    TaskDefinitionArn: 'arn:aws:ecs:eu-west-1:1:task-definition/yelb-loadtest:3',
    Subnets: 'subnet-a,subnet-b',
    SecurityGroupId: 'sg-1',
    LogGroupName: 'ecs/serviceconnectdemo',
    LogStreamPrefix: 'loadtest',
    ContainerName: 'hey',
  };
  beforeEach(() => {
    ecs.reset();
    logs.reset();
    cfn.reset();
    cfn
      .on(DescribeStacksCommand, { StackName: 'Yelb' })
      .resolves(outputs({ AppUrl: 'http://yelb-alb.example.com/' }));
    cfn.on(DescribeStacksCommand, { StackName: 'YelbLoadTest' }).resolves(outputs(loadTestOutputs));
    ecs
      .on(RunTaskCommand)
      .resolves({ tasks: [{ taskArn: 'arn:aws:ecs:eu-west-1:1:task/yelb-cluster/abc123' }] });
    logs.on(GetLogEventsCommand).resolves({
      events: [{ message: 'Summary:' }, { message: '  Requests/sec:\t83.2' }],
      nextForwardToken: 'f',
    });
    // At the end of the stream, CloudWatch Logs answers with no events and the same token.
    logs.on(GetLogEventsCommand, { nextToken: 'f' }).resolves({ events: [], nextForwardToken: 'f' });
  });

  test('runs hey in the private subnets with the same flags, waits for it, and prints its summary', async () => {
    ecs.on(DescribeTasksCommand).resolves({
      tasks: [
        {
          lastStatus: 'STOPPED',
          stoppedReason: 'Essential container in task exited',
          containers: [{ name: 'hey', exitCode: 0 }],
        },
      ],
    });
    const run = await traffic(['--in-vpc', '-c', '100', '-z', '2m'], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('Summary:\n  Requests/sec:\t83.2\n');
    expect(ecs.commandCalls(RunTaskCommand)[0].args[0].input).toEqual({
      cluster: 'yelb-cluster',
      taskDefinition: 'arn:aws:ecs:eu-west-1:1:task-definition/yelb-loadtest:3',
      launchType: 'FARGATE',
      platformVersion: 'LATEST',
      count: 1,
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: ['subnet-a', 'subnet-b'],
          securityGroups: ['sg-1'],
          assignPublicIp: 'DISABLED',
        },
      },
      overrides: {
        containerOverrides: [
          {
            name: 'hey',
            command: [
              '-c',
              '100',
              '-n',
              '10000',
              '-z',
              '120s',
              '-t',
              '10',
              'http://yelb-alb.example.com/api/getvotes',
            ],
          },
        ],
      },
    });
    expect(logs.commandCalls(GetLogEventsCommand)[0].args[0].input).toMatchObject({
      logGroupName: 'ecs/serviceconnectdemo',
      logStreamName: 'loadtest/hey/abc123',
      startFromHead: true,
    });
    expect(run.stderr).toMatch(/task abc123 started in yelb-cluster/);
  });

  test('exits 1 when the task fails', async () => {
    ecs.on(DescribeTasksCommand).resolves({
      tasks: [
        {
          lastStatus: 'STOPPED',
          stoppedReason: 'CannotPullContainerError',
          containers: [{ name: 'hey', exitCode: 1 }],
        },
      ],
    });
    const run = await traffic(['--in-vpc'], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /error: the load-test task ended with exit code 1 \(CannotPullContainerError\)/
    );
  });

  test('says how to deploy the load-test stack when it is missing', async () => {
    cfn
      .on(DescribeStacksCommand, { StackName: 'YelbLoadTest' })
      .rejects(
        Object.assign(new Error('Stack with id YelbLoadTest does not exist'), { name: 'ValidationError' })
      );
    const run = await traffic(['--in-vpc'], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/deploy it with npx cdk deploy YelbLoadTest -c loadTest=true/);
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(0);
  });

  test('names the load-test stack of the topology and stage in use, and how to deploy it', async () => {
    // Deployed without -c loadTest=true: the stack is there, empty, without the task's outputs.
    cfn.on(DescribeStacksCommand, { StackName: 'ShopLoadTest-blue' }).resolves(outputs({}));
    const shop = [
      '--topology',
      'examples/shop.topology.json',
      '--stage',
      'blue',
      '--url',
      'http://shop.example.com',
    ];
    const run = await traffic(['--in-vpc', ...shop], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /stack 'ShopLoadTest-blue' has no output .*: deploy it with npx cdk deploy ShopLoadTest-blue -c loadTest=true -c topology=examples\/shop.topology.json -c stage=blue$/m
    );

    cfn.on(DescribeStacksCommand, { StackName: 'ShopLoadTest-blue' }).rejects(
      Object.assign(new Error('Stack with id ShopLoadTest-blue does not exist'), {
        name: 'ValidationError',
      })
    );
    const missing = await traffic(['--in-vpc', ...shop], env);
    expect(missing.stderr).toMatch(
      /the ShopLoadTest-blue stack could not be read .*: deploy it with npx cdk deploy ShopLoadTest-blue -c loadTest=true -c topology=examples\/shop.topology.json -c stage=blue/
    );
    expect(missing.stderr).not.toMatch(/YelbLoadTest/);
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(0);
  });
});
