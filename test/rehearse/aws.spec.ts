import { DescribeTasksCommand, ECSClient, ListTasksCommand } from '@aws-sdk/client-ecs';
import { AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { serviceTaskTimes } from '../../lib/rehearse/aws';

describe("the rehearsal's read of a service's tasks (planned outages)", () => {
  let ecs: AwsClientStub<ECSClient>;
  beforeAll(() => (ecs = mockClient(ECSClient)));
  afterAll(() => ecs.restore());
  beforeEach(() => ecs.reset());

  const arn = (id: string) => `arn:aws:ecs:eu-west-1:1:task/yelb-cluster/${id}`;

  test('lists the running and the stopped tasks, page by page, and describes them 100 at a time, each once', async () => {
    // 150 running tasks over two pages; two stopped ones, one of them also listed as running.
    const running = Array.from({ length: 150 }, (_, i) => arn(`r${i}`));
    ecs
      .on(ListTasksCommand, { desiredStatus: 'RUNNING' })
      .resolvesOnce({ taskArns: running.slice(0, 100), nextToken: 'p2' })
      .resolves({ taskArns: running.slice(100) });
    ecs.on(ListTasksCommand, { desiredStatus: 'STOPPED' }).resolves({ taskArns: [arn('old'), arn('r0')] });
    ecs.on(DescribeTasksCommand).callsFake((input: { tasks: string[] }) => ({
      tasks: input.tasks.map((taskArn) =>
        taskArn === arn('old')
          ? {
              taskArn,
              startedAt: new Date('2026-01-01T00:00:00Z'),
              stoppingAt: new Date('2026-01-01T01:00:00Z'),
              stoppedAt: new Date('2026-01-01T01:00:09Z'),
            }
          : { taskArn, startedAt: new Date('2026-01-01T01:01:30Z') }
      ),
    }));

    const tasks = await serviceTaskTimes(new ECSClient({ region: 'eu-west-1' }), 'yelb-cluster', 'yelb-db');

    // The paginator reuses its input object: what each call asked for is read from the pages it got.
    const lists = ecs.commandCalls(ListTasksCommand).map((c) => c.args[0].input);
    expect(lists.map((l) => [l.cluster, l.serviceName, l.desiredStatus])).toEqual([
      ['yelb-cluster', 'yelb-db', 'RUNNING'],
      ['yelb-cluster', 'yelb-db', 'RUNNING'],
      ['yelb-cluster', 'yelb-db', 'STOPPED'],
    ]);
    expect(ecs.commandCalls(DescribeTasksCommand).map((c) => c.args[0].input.tasks!.length)).toEqual([
      100, 51,
    ]);
    expect(tasks).toHaveLength(151);
    expect(tasks.find((t) => t.id === 'old')).toEqual({
      id: 'old',
      startedAt: new Date('2026-01-01T00:00:00Z'),
      stoppingAt: new Date('2026-01-01T01:00:00Z'),
      stoppedAt: new Date('2026-01-01T01:00:09Z'),
    });
    expect(tasks.find((t) => t.id === 'r7')).toEqual({
      id: 'r7',
      startedAt: new Date('2026-01-01T01:01:30Z'),
    });
  });

  test('a service without tasks: no call to DescribeTasks', async () => {
    ecs.on(ListTasksCommand).resolves({ taskArns: [] });
    expect(await serviceTaskTimes(new ECSClient({ region: 'eu-west-1' }), 'c', 's')).toEqual([]);
    expect(ecs.commandCalls(DescribeTasksCommand)).toHaveLength(0);
  });
});
