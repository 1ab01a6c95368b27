import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import {
  DescribeTasksCommand,
  ECSClient,
  paginateListTasks,
  waitUntilServicesStable,
} from '@aws-sdk/client-ecs';
import * as path from 'path';
import { CDK_JSON, cdkJsonApp } from '../contract/cdk-json';
import { SYSTEM_OUTPUTS } from '../contract/outputs';
import { MigrationPhase } from '../model/phase';
import { deployedBaseline } from '../plan/sources';
import { alarmsInAlarm } from '../aws/alarms';
import { DESCRIBE_SERVICES_LIMIT, chunks } from '../aws/ecs';
import { TaskTimes } from './outage';
import { RehearsalAws } from './run';

/** How long ECS may take to report the services stable after a deploy (CloudFormation has waited already). */
const STABLE_TIMEOUT_SECONDS = 20 * 60;

/**
 * The rehearsal against a real account: deploys and destroys with the CDK's programmatic toolkit
 * (`@aws-cdk/toolkit-lib`: the app of cdk.json, its context, the user's `-c`, progress as the CDK
 * CLI prints it), reads what is deployed with CloudFormation's GetTemplate (as `npm run plan --
 * --deployed`), and waits with the SDK's own ECS waiter, ten services per call.
 */
export function toolkitAws(region: string | undefined, log: (line: string) => void): RehearsalAws {
  const clientConfig = region ? { region } : {};
  const projectDir = path.dirname(CDK_JSON);

  const withToolkit = async <T>(
    context: Record<string, string>,
    work: (
      toolkit: import('@aws-cdk/toolkit-lib').Toolkit,
      cx: import('@aws-cdk/toolkit-lib').ICloudAssemblySource,
      lib: typeof import('@aws-cdk/toolkit-lib')
    ) => Promise<T>
  ): Promise<T> => {
    // Loaded on first use: the dry run, `report` and the tests never load it.
    const lib = await import('@aws-cdk/toolkit-lib');
    const toolkit = new lib.Toolkit({
      ioHost: new lib.NonInteractiveIoHost({ logLevel: 'info' }),
      sdkConfig: { baseCredentials: lib.BaseCredentials.awsCliCompatible({ defaultRegion: region }) },
    });
    // cdk.json's context, cdk.context.json and ~/.cdk.json, then the command line's: as `npx cdk -c`.
    const cx = await toolkit.fromCdkApp(cdkJsonApp(), {
      workingDirectory: projectDir,
      contextStore: new lib.CdkAppMultiContext(projectDir, context),
    });
    return work(toolkit, cx, lib);
  };

  return {
    deployed: (stacks) => deployedBaseline(new CloudFormationClient(clientConfig), stacks),

    deploy: (_phase: MigrationPhase, context) =>
      withToolkit(context, async (toolkit, cx, lib) => {
        const result = await toolkit.deploy(cx, {
          stacks: { strategy: lib.StackSelectionStrategy.ALL_STACKS },
          deploymentMethod: { method: 'change-set' },
        });
        // The system's stack (Yelb) of the stage is the one with the MigrationPhase output.
        const system = result.stacks.find((s) => SYSTEM_OUTPUTS.migrationPhase in s.outputs);
        if (!system)
          throw new Error(`the deploy returned no stack with a ${SYSTEM_OUTPUTS.migrationPhase} output`);
        return system.outputs;
      }),

    alarmsFiring: (prefix) => alarmsInAlarm(new CloudWatchClient(clientConfig), prefix),

    serviceTasks: (cluster, service) => serviceTaskTimes(new ECSClient(clientConfig), cluster, service),

    waitStable: async (cluster, services) => {
      const ecs = new ECSClient(clientConfig);
      for (const batch of chunks(services, DESCRIBE_SERVICES_LIMIT)) {
        const result = await waitUntilServicesStable(
          { client: ecs, maxWaitTime: STABLE_TIMEOUT_SECONDS, minDelay: 10 },
          { cluster, services: batch }
        );
        log(`stable: ${batch.join(', ')} (${result.state})`);
      }
    },

    destroy: (context) =>
      withToolkit(context, async (toolkit, cx, lib) => {
        await toolkit.destroy(cx, { stacks: { strategy: lib.StackSelectionStrategy.ALL_STACKS } });
      }),
  };
}

/** ECS `DescribeTasks` takes at most 100 tasks per call. */
const DESCRIBE_TASKS_LIMIT = 100;

/**
 * A service's tasks with their times: those ECS runs or is starting (desired status RUNNING) and
 * those it has stopped or is stopping (STOPPED: kept for at least an hour), by ListTasks, then
 * DescribeTasks, 100 per call.
 */
export async function serviceTaskTimes(
  ecs: ECSClient,
  cluster: string,
  service: string
): Promise<TaskTimes[]> {
  const arns: string[] = [];
  for (const desiredStatus of ['RUNNING', 'STOPPED'] as const) {
    for await (const page of paginateListTasks(
      { client: ecs },
      { cluster, serviceName: service, desiredStatus }
    )) {
      arns.push(...(page.taskArns ?? []));
    }
  }
  const times: TaskTimes[] = [];
  // A task stopped between the two lists is in both.
  for (const batch of chunks([...new Set(arns)], DESCRIBE_TASKS_LIMIT)) {
    const { tasks = [] } = await ecs.send(new DescribeTasksCommand({ cluster, tasks: batch }));
    for (const task of tasks) {
      times.push({
        id: task.taskArn?.split('/').pop() ?? '?',
        ...(task.startedAt && { startedAt: task.startedAt }),
        ...(task.stoppingAt && { stoppingAt: task.stoppingAt }),
        ...(task.stoppedAt && { stoppedAt: task.stoppedAt }),
      });
    }
  }
  return times;
}
