import { CloudWatchLogsClient, paginateGetLogEvents } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeTasksCommand, ECSClient, RunTaskCommand, waitUntilTasksStopped } from '@aws-sdk/client-ecs';
import { LOAD_TEST_OUTPUTS } from '../contract/outputs';
import { ValidationError } from '../core/validation';

/** The load-test stack's outputs: where and how to run hey inside the VPC. */
export interface LoadTestTarget {
  readonly cluster: string;
  readonly taskDefinitionArn: string;
  readonly subnets: readonly string[];
  readonly securityGroupId: string;
  readonly logGroupName: string;
  readonly logStreamPrefix: string;
  readonly containerName: string;
}

/**
 * The load-test stack's outputs as a target. `deploy` is the command that deploys that stack with
 * its task (`npx cdk deploy <stack> -c loadTest=true`, with the stage and topology in use).
 * @throws ValidationError naming what is missing.
 */
export function loadTestTarget(
  stack: string,
  outputs: Readonly<Record<string, string>>,
  deploy: string
): LoadTestTarget {
  const missing = Object.values(LOAD_TEST_OUTPUTS).filter((key) => !outputs[key]);
  if (missing.length > 0) {
    throw new ValidationError([
      `stack '${stack}' has no output ${missing.join(', ')}: deploy it with ${deploy}`,
    ]);
  }
  return {
    cluster: outputs[LOAD_TEST_OUTPUTS.clusterName],
    taskDefinitionArn: outputs[LOAD_TEST_OUTPUTS.taskDefinitionArn],
    subnets: outputs[LOAD_TEST_OUTPUTS.subnets].split(','),
    securityGroupId: outputs[LOAD_TEST_OUTPUTS.securityGroupId],
    logGroupName: outputs[LOAD_TEST_OUTPUTS.logGroupName],
    logStreamPrefix: outputs[LOAD_TEST_OUTPUTS.logStreamPrefix],
    containerName: outputs[LOAD_TEST_OUTPUTS.containerName],
  };
}

/** How one in-VPC run went. */
export interface InVpcResult {
  readonly taskArn: string;
  readonly exitCode?: number;
  readonly stoppedReason?: string;
  /** hey's output, from the task's log stream. */
  readonly output: string;
}

/**
 * Runs hey as a Fargate task in the private subnets (ECS RunTask, with `args` as the container's
 * command), waits with the SDK waiter, bounded, until the task stops, and reads hey's summary
 * from its log stream.
 */
export async function runInVpc(
  clients: { readonly ecs: ECSClient; readonly logs: CloudWatchLogsClient },
  target: LoadTestTarget,
  args: readonly string[],
  wait: { readonly maxWaitSeconds: number; readonly pollSeconds: number },
  progress: (line: string) => void
): Promise<InVpcResult> {
  const run = await clients.ecs.send(
    new RunTaskCommand({
      cluster: target.cluster,
      taskDefinition: target.taskDefinitionArn,
      launchType: 'FARGATE',
      platformVersion: 'LATEST',
      count: 1,
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: [...target.subnets],
          securityGroups: [target.securityGroupId],
          assignPublicIp: 'DISABLED',
        },
      },
      overrides: { containerOverrides: [{ name: target.containerName, command: [...args] }] },
    })
  );
  const taskArn = run.tasks?.[0]?.taskArn;
  if (!taskArn) {
    const failure = run.failures?.[0];
    throw new Error(
      `RunTask started no task: ${failure?.reason ?? 'no reason given'}${failure?.detail ? ` (${failure.detail})` : ''}`
    );
  }
  const taskId = taskArn.split('/').pop()!;
  progress(`task ${taskId} started in ${target.cluster}: hey ${args.join(' ')}`);
  progress(`waiting up to ${Math.round(wait.maxWaitSeconds / 60)} min for it to stop…`);
  await waitUntilTasksStopped(
    {
      client: clients.ecs,
      maxWaitTime: wait.maxWaitSeconds,
      minDelay: wait.pollSeconds,
      maxDelay: Math.max(wait.pollSeconds, 30),
    },
    { cluster: target.cluster, tasks: [taskArn] }
  );
  const { tasks } = await clients.ecs.send(
    new DescribeTasksCommand({ cluster: target.cluster, tasks: [taskArn] })
  );
  const task = tasks?.[0];
  const container = task?.containers?.find((c) => c.name === target.containerName);
  const stream = `${target.logStreamPrefix}/${target.containerName}/${taskId}`;
  const lines: string[] = [];
  // A log stream's forward token never runs out: the end is the page that returns the same token.
  const pages = paginateGetLogEvents(
    { client: clients.logs, stopOnSameToken: true },
    { logGroupName: target.logGroupName, logStreamName: stream, startFromHead: true }
  );
  for await (const page of pages) lines.push(...(page.events ?? []).map((e) => e.message ?? ''));
  return {
    taskArn,
    exitCode: container?.exitCode,
    stoppedReason: task?.stoppedReason,
    output: lines.join('\n'),
  };
}
