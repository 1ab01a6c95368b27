import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { DrainEvent, isComplete, onEvent } from '../../lib/teardown/handler';
import { namespaceServices } from '../../lib/aws/cloud-map';
import { ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { ECSClient } from '@aws-sdk/client-ecs';

/** Clients without the SDK's retries: an error reaches the handler on the first attempt. */
const noRetries = () => ({
  ecs: new ECSClient({ maxAttempts: 1 }),
  cloudMap: new ServiceDiscoveryClient({ maxAttempts: 1 }),
  cloudWatch: new CloudWatchClient({ maxAttempts: 1 }),
});
import { FakeAws } from '../support/fake-aws';

// The custom resource's delete path against the local fake of ECS and Cloud Map, through the
// real SDK clients the Lambda builds (endpoints from AWS_ENDPOINT_URL_<SERVICE>).
let fake: FakeAws;
let saved: NodeJS.ProcessEnv;

beforeEach(async () => {
  jest.spyOn(console, 'log').mockImplementation(() => undefined); // the handler's CloudWatch log lines
  fake = new FakeAws();
  saved = { ...process.env };
  Object.assign(process.env, fake.env(await fake.start()));
});
afterEach(async () => {
  jest.restoreAllMocks();
  process.env = saved;
  await fake.stop();
});

const ALL = ['yelb-ui', 'yelb-appserver', 'yelb-db', 'yelb-redis'];
const event = (
  requestType: DrainEvent['RequestType'],
  timeoutSeconds = 60
): Extract<DrainEvent, { ResourceType: 'Custom::ServiceConnectDrain' }> => ({
  RequestType: requestType,
  ResourceType: 'Custom::ServiceConnectDrain',
  PhysicalResourceId: requestType === 'Create' ? undefined : 'service-connect-drain-yelb-cluster',
  ResourceProperties: {
    ClusterName: 'yelb-cluster',
    ServiceNames: ALL,
    NamespaceId: 'ns-yelbscinternal',
    NamespaceName: 'yelb.sc.internal',
    DrainTimeoutSeconds: String(timeoutSeconds),
  },
});

/** Polls isComplete as the provider framework does, without its 15 s interval. */
async function pollUntilComplete(deleteEvent: DrainEvent, data: { Deadline?: string }, polls = 50) {
  for (let i = 0; i < polls; i++) {
    const result = await isComplete({ ...deleteEvent, Data: data });
    if (result.IsComplete) return i + 1;
  }
  throw new Error(`not complete after ${polls} polls`);
}

describe('the teardown custom resource', () => {
  test('on delete, turns Service Connect off and completes once the namespace has drained', async () => {
    fake.seedYelb({ serviceConnectOn: ALL });
    expect(fake.namespaceServiceNames()).toEqual(['yelb-appserver', 'yelb-db', 'yelb-redis']);
    const deleteEvent = event('Delete');
    const started = await onEvent(deleteEvent);
    expect(started.PhysicalResourceId).toBe('service-connect-drain-yelb-cluster');
    expect(fake.updates()).toEqual(ALL.map((service) => ({ service, enabled: false })));
    expect(await isComplete({ ...deleteEvent, Data: started.Data })).toEqual({ IsComplete: false });
    await pollUntilComplete(deleteEvent, started.Data!);
    expect(fake.namespaceServiceNames()).toEqual([]);
  });

  test('is done at once when the namespace is already empty, and sends no update', async () => {
    fake.seedYelb();
    const deleteEvent = event('Delete');
    const started = await onEvent(deleteEvent);
    expect(fake.updates()).toEqual([]);
    expect(await isComplete({ ...deleteEvent, Data: started.Data })).toEqual({ IsComplete: true });
  });

  test('is idempotent: a retried delete skips what is already off', async () => {
    fake.seedYelb({ serviceConnectOn: ALL });
    const deleteEvent = event('Delete');
    await onEvent(deleteEvent);
    const second = await onEvent(deleteEvent);
    expect(fake.updates()).toHaveLength(ALL.length);
    await pollUntilComplete(deleteEvent, second.Data!);
  });

  test('rides out throttling with the SDK retries', async () => {
    fake.seedYelb({ serviceConnectOn: ALL });
    fake.throttle(2);
    const deleteEvent = event('Delete');
    const started = await onEvent(deleteEvent);
    await pollUntilComplete(deleteEvent, started.Data!);
    expect(fake.serviceConnectOf('yelb-db')).toBe('off');
  }, 30_000);

  test('fails, bounded, with a clear message when the namespace never drains', async () => {
    fake.seedYelb({ serviceConnectOn: ALL });
    fake.stopDraining();
    const deleteEvent = event('Delete', 1);
    const started = await onEvent(deleteEvent);
    expect(await isComplete({ ...deleteEvent, Data: started.Data })).toEqual({ IsComplete: false });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await expect(isComplete({ ...deleteEvent, Data: started.Data })).rejects.toThrow(
      /^Service Connect namespace yelb.sc.internal still holds yelb-appserver, yelb-db, yelb-redis after 1 s with Service Connect off: ECS has not removed its Cloud Map services\. Check the services' deployments \(npm run migrate -- status\), then delete the stack again\.$/
    );
  });

  test('counts a namespace that is gone (NamespaceNotFound) as drained', async () => {
    fake.seedYelb({ serviceConnectOn: ALL });
    const gone = {
      ...event('Delete'),
      ResourceProperties: { ...event('Delete').ResourceProperties, NamespaceId: 'ns-gone' },
    };
    const started = await onEvent(gone);
    expect(await isComplete({ ...gone, Data: started.Data })).toEqual({ IsComplete: true });
    expect(fake.requests.filter((r) => r.operation === 'ListServices')).toHaveLength(1);
  });

  test('skips a cluster that is already gone', async () => {
    const deleteEvent = event('Delete');
    const started = await onEvent(deleteEvent);
    expect(fake.updates()).toEqual([]);
    expect(await isComplete({ ...deleteEvent, Data: started.Data })).toEqual({ IsComplete: true });
  });

  test('does nothing on create and update', async () => {
    fake.seedYelb({ serviceConnectOn: ALL });
    expect(await onEvent(event('Create'))).toEqual({
      PhysicalResourceId: 'service-connect-drain-yelb-cluster',
    });
    expect(await onEvent(event('Update'))).toEqual({
      PhysicalResourceId: 'service-connect-drain-yelb-cluster',
    });
    expect(await isComplete(event('Update'))).toEqual({ IsComplete: true });
    expect(fake.requests).toEqual([]);
  });

  test('refuses a timeout that is not a positive number', async () => {
    await expect(
      onEvent({
        ...event('Delete'),
        ResourceProperties: { ...event('Delete').ResourceProperties, DrainTimeoutSeconds: 'soon' },
      })
    ).rejects.toThrow(/DrainTimeoutSeconds 'soon' is not a positive number of seconds/);
  });
});

describe('a gradual strategy, deployment alarms and a shared namespace', () => {
  const namespace = () => fake.namespaces.find((n) => n.Name === 'yelb.sc.internal')!;

  test('turns Service Connect off as a rolling update without the deployment alarms, whatever the strategy', async () => {
    fake.seedYelb({ serviceConnectOn: ALL });
    // Linear with ECS's defaults: ten steps six minutes apart, past the drain's 25 minutes.
    fake.services.get('yelb-appserver')!.deploymentConfiguration = {
      strategy: 'LINEAR',
      linearConfiguration: { stepPercent: 10, stepBakeTimeInMinutes: 6 },
      bakeTimeInMinutes: 10,
      alarms: { alarmNames: ['yelb-cluster-deploy-appserver-5xx'], enable: true, rollback: true },
    };
    const started = await onEvent(event('Delete'));
    const sent = (service: string) =>
      fake.requests.find((r) => r.operation === 'UpdateService' && r.input.service === service)!.input;
    expect(sent('yelb-appserver').deploymentConfiguration).toEqual({
      strategy: 'ROLLING',
      alarms: { alarmNames: ['yelb-cluster-deploy-appserver-5xx'], enable: false, rollback: false },
    });
    expect(sent('yelb-db').deploymentConfiguration).toEqual({
      strategy: 'ROLLING',
      alarms: { alarmNames: [], enable: false, rollback: false },
    });
    expect(started.Data?.Endpoints).toBe('yelb-appserver,yelb-db,yelb-redis');
  });

  test('the public entry deploying blue/green over its load balancer: the rolling update leaves its load balancer attachment (the target group ECS left the traffic on) as it is', async () => {
    fake.seedYelb({ serviceConnectOn: ALL });
    const ui = fake.services.get('yelb-ui')!;
    const arn = (resource: string) => `arn:aws:elasticloadbalancing:eu-west-1:123456789012:${resource}`;
    ui.deploymentConfiguration = { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 5 };
    ui.loadBalancers = [
      {
        ...ui.loadBalancers[0],
        advancedConfiguration: {
          alternateTargetGroupArn: arn('targetgroup/yelb-ui-alternate/2'),
          productionListenerRule: arn('listener-rule/app/public/1/2/3'),
          roleArn: 'arn:aws:iam::123456789012:role/PublicAlbInfrastructureRole',
        },
      },
    ];
    const attachment = structuredClone(ui.loadBalancers);
    await onEvent(event('Delete'));
    const sent = fake.requests.find(
      (r) => r.operation === 'UpdateService' && r.input.service === 'yelb-ui'
    )!.input;
    expect(sent.deploymentConfiguration.strategy).toBe('ROLLING');
    expect(sent).not.toHaveProperty('loadBalancers');
    expect(fake.services.get('yelb-ui')!.loadBalancers).toEqual(attachment);
  });

  test('waits for its own endpoints only, then fails at once naming the endpoints of services outside the stack', async () => {
    fake.seedYelb({ serviceConnectOn: ALL });
    namespace().services.set('billing', fake.cloudMapService('srv-sc-billing'));
    const deleteEvent = event('Delete');
    const started = await onEvent(deleteEvent);
    expect(await isComplete({ ...deleteEvent, Data: started.Data })).toEqual({ IsComplete: false });
    let failure: unknown;
    for (let i = 0; i < 20 && failure === undefined; i++)
      await isComplete({ ...deleteEvent, Data: started.Data }).catch((err: unknown) => (failure = err));
    expect(fake.namespaceServiceNames()).toEqual(['billing']);
    expect((failure as Error).message).toMatch(
      /^Service Connect namespace yelb\.sc\.internal holds endpoints that none of the services yelb-ui, yelb-appserver, yelb-db, yelb-redis has, with tasks registered: billing \(1 instance\(s\)\)\. Services outside this stack use the namespace .* turn their Service Connect off or move them to another namespace, then delete the stack again\.$/
    );
  });

  test('waits for an endpoint it does not know while it drains (no instances left), and completes once it is gone', async () => {
    fake.seedYelb();
    namespace().services.set('yelb-old', { ...fake.cloudMapService('srv-sc-yelb-old'), drainPolls: 3 });
    const deleteEvent = event('Delete');
    const started = await onEvent(deleteEvent);
    expect(started.Data?.Endpoints).toBe('');
    expect(await isComplete({ ...deleteEvent, Data: started.Data })).toEqual({ IsComplete: false });
    await pollUntilComplete(deleteEvent, started.Data!);
  });
});

describe('what counts as drained', () => {
  test('one service left is not drained', async () => {
    fake.seedYelb({ serviceConnectOn: ['yelb-db'] });
    fake.stopDraining();
    const deleteEvent = event('Delete');
    const started = await onEvent(deleteEvent);
    expect(fake.namespaceServiceNames()).toEqual(['yelb-db']);
    for (let i = 0; i < 3; i++) {
      expect(await isComplete({ ...deleteEvent, Data: started.Data })).toEqual({ IsComplete: false });
    }
  });

  test('only a namespace that does not exist is empty; any other error is thrown', async () => {
    const cloudMap = new ServiceDiscoveryClient({ maxAttempts: 1 });
    fake.seedYelb({ serviceConnectOn: ALL });
    fake.throttle(1, 'ListServices');
    await expect(namespaceServices(cloudMap, 'ns-yelbscinternal')).rejects.toThrow(/Rate exceeded/);
    expect((await namespaceServices(cloudMap, 'ns-yelbscinternal')).map((s) => s.Name)).toHaveLength(3);
  });

  test('an error that lasts counts as "not yet", then fails the deletion naming it', async () => {
    fake.seedYelb({ serviceConnectOn: ALL });
    const deleteEvent = event('Delete', 1);
    const started = await onEvent(deleteEvent, noRetries());
    fake.throttle(1_000, 'ListServices');
    expect(await isComplete({ ...deleteEvent, Data: started.Data }, noRetries())).toEqual({
      IsComplete: false,
    });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await expect(isComplete({ ...deleteEvent, Data: started.Data }, noRetries())).rejects.toThrow(
      /^Service Connect namespace yelb.sc.internal still cannot be read \(ThrottlingException: Rate exceeded\) after 1 s/
    );
  }, 30_000);

  test('a transient error while turning Service Connect off does not fail the deletion: the next poll retries', async () => {
    fake.seedYelb({ serviceConnectOn: ALL });
    fake.throttle(1_000, 'DescribeServices');
    const deleteEvent = event('Delete');
    const started = await onEvent(deleteEvent, noRetries());
    expect(fake.updates()).toEqual([]);
    fake.throttle(0);
    await pollUntilComplete(deleteEvent, started.Data!);
    expect(fake.updates()).toEqual(ALL.map((service) => ({ service, enabled: false })));
  }, 30_000);
});

describe("the guard of an old path's Cloud Map DNS service", () => {
  const dnsEvent = (
    requestType: DrainEvent['RequestType'],
    timeoutSeconds = 60,
    retired?: boolean
  ): Extract<DrainEvent, { ResourceType: 'Custom::CloudMapServiceDrain' }> => ({
    RequestType: requestType,
    ResourceType: 'Custom::CloudMapServiceDrain',
    PhysicalResourceId: requestType === 'Create' ? undefined : 'cloud-map-service-drain-srv-yelb-db',
    ResourceProperties: {
      ServiceId: 'srv-yelb-db',
      ServiceName: 'yelb-db',
      DrainTimeoutSeconds: String(timeoutSeconds),
      ...(retired !== undefined && { Retired: String(retired) }),
    },
  });
  const deregistered = () =>
    fake.requests.filter((r) => r.operation === 'DeregisterInstance').map((r) => r.input.InstanceId);

  test('on delete, deregisters the instances ECS left behind and completes once the service is empty', async () => {
    fake.registerInstances('srv-yelb-db', ['task-1', 'task-2']);
    const deleteEvent = dnsEvent('Delete');
    const started = await onEvent(deleteEvent);
    expect(started.PhysicalResourceId).toBe('cloud-map-service-drain-srv-yelb-db');
    expect(
      fake.requests.filter((r) => r.operation === 'DeregisterInstance').map((r) => r.input.InstanceId)
    ).toEqual(['task-1', 'task-2']);
    expect(await pollUntilComplete(deleteEvent, started.Data!)).toBeGreaterThan(1);
    expect(fake.instanceIds('srv-yelb-db')).toEqual([]);
  });

  test('is done at once when the service is empty or already gone', async () => {
    fake.registerInstances('srv-yelb-db', []);
    const deleteEvent = dnsEvent('Delete');
    expect(await isComplete({ ...deleteEvent, Data: (await onEvent(deleteEvent)).Data })).toEqual({
      IsComplete: true,
    });
    const gone = {
      ...deleteEvent,
      ResourceProperties: { ...deleteEvent.ResourceProperties, ServiceId: 'srv-gone' },
    };
    expect(await isComplete({ ...gone, Data: (await onEvent(gone)).Data })).toEqual({ IsComplete: true });
  });

  test('fails, bounded, naming the instances left and what to do', async () => {
    fake.registerInstances('srv-yelb-db', ['task-1']);
    fake.stopDraining();
    const deleteEvent = dnsEvent('Delete', 1);
    const started = await onEvent(deleteEvent);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await expect(isComplete({ ...deleteEvent, Data: started.Data })).rejects.toThrow(
      /^Cloud Map service yelb-db \(srv-yelb-db\) still has instances task-1 after 1 s of deregistering them, so it cannot be deleted\. Deregister them \(aws servicediscovery list-instances --service-id srv-yelb-db;/
    );
  });

  test('an instance that is gone when it is deregistered (InstanceNotFound) does not stop the others', async () => {
    fake.registerInstances('srv-yelb-db', ['task-1', 'task-2', 'task-3']);
    fake.vanishOnDeregister('srv-yelb-db', 'task-1');
    const deleteEvent = dnsEvent('Delete');
    const started = await onEvent(deleteEvent);
    expect(deregistered()).toEqual(['task-1', 'task-2', 'task-3']);
    await pollUntilComplete(deleteEvent, started.Data!);
    expect(fake.instanceIds('srv-yelb-db')).toEqual([]);
  });

  test('does nothing on create and update while the old path is kept', async () => {
    fake.registerInstances('srv-yelb-db', ['task-1']);
    expect(await onEvent(dnsEvent('Create'))).toEqual({
      PhysicalResourceId: 'cloud-map-service-drain-srv-yelb-db',
    });
    expect(await onEvent(dnsEvent('Update', 60, false))).toEqual({
      PhysicalResourceId: 'cloud-map-service-drain-srv-yelb-db',
    });
    expect(await isComplete(dnsEvent('Update', 60, false))).toEqual({ IsComplete: true });
    expect(fake.requests).toEqual([]);
  });

  test('drains on the update that retires the old path, and completes once the service is empty', async () => {
    fake.registerInstances('srv-yelb-db', ['task-1', 'task-2']);
    const retire = dnsEvent('Update', 60, true);
    const started = await onEvent(retire);
    expect(started.Data?.Deadline).toBeDefined();
    expect(deregistered()).toEqual(['task-1', 'task-2']);
    expect(await isComplete({ ...retire, Data: started.Data })).toEqual({ IsComplete: false });
    await pollUntilComplete(retire, started.Data!);
    expect(fake.instanceIds('srv-yelb-db')).toEqual([]);
  });

  test('a first deployment straight into the retired phase drains what is there: nothing', async () => {
    fake.registerInstances('srv-yelb-db', []);
    const create = dnsEvent('Create', 60, true);
    expect(await isComplete({ ...create, Data: (await onEvent(create)).Data })).toEqual({ IsComplete: true });
  });

  test('fails the retiring update, bounded, naming the instances left and what to check', async () => {
    fake.registerInstances('srv-yelb-db', ['task-1']);
    fake.stopDraining();
    const retire = dnsEvent('Update', 1, true);
    const started = await onEvent(retire);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await expect(isComplete({ ...retire, Data: started.Data })).rejects.toThrow(
      /^Cloud Map service yelb-db \(srv-yelb-db\) still has instances task-1 after 1 s of deregistering them, so the old path cannot be retired: check that no task of yelb-db still registers there \(npm run migrate -- status\)\./
    );
  });
});

describe('Custom::DeploymentAlarmsSettled: after a planned outage, until the deployment alarms are out of ALARM', () => {
  const ALARMS = ['yelb-cluster-deploy-public-target-5xx', 'yelb-cluster-deploy-public-p99'];
  const settled = (
    requestType: DrainEvent['RequestType'],
    evaluationSeconds = 0,
    timeoutSeconds = 60
  ): Extract<DrainEvent, { ResourceType: 'Custom::DeploymentAlarmsSettled' }> => ({
    RequestType: requestType,
    ResourceType: 'Custom::DeploymentAlarmsSettled',
    ResourceProperties: {
      AlarmNames: ALARMS,
      AfterService: 'yelb-db',
      EvaluationSeconds: String(evaluationSeconds),
      DrainTimeoutSeconds: String(timeoutSeconds),
      Revision: 'r1',
    },
  });
  const cloudWatch = mockClient(CloudWatchClient);
  const clients = () => ({
    ...noRetries(),
    cloudWatch: new CloudWatchClient({ maxAttempts: 1, region: 'us-east-1' }),
  });
  const inAlarm = (...names: string[]) =>
    cloudWatch
      .on(DescribeAlarmsCommand)
      .resolves({ MetricAlarms: names.map((AlarmName) => ({ AlarmName })) });
  afterEach(() => cloudWatch.reset());

  test('waits while an alarm it names is in ALARM, and is done once none is', async () => {
    const update = settled('Update');
    const started = await onEvent(update, clients());
    inAlarm(ALARMS[0]);
    expect(await isComplete({ ...update, Data: started.Data }, clients())).toEqual({ IsComplete: false });
    expect(cloudWatch.commandCalls(DescribeAlarmsCommand)[0].args[0].input).toEqual({
      AlarmNames: ALARMS,
      StateValue: 'ALARM',
    });
    inAlarm();
    expect(await isComplete({ ...update, Data: started.Data }, clients())).toEqual({ IsComplete: true });
  });

  test("on an update, not before the alarms' evaluation window has passed, whatever their state", async () => {
    const update = settled('Update', 3600);
    const started = await onEvent(update, clients());
    inAlarm();
    expect(await isComplete({ ...update, Data: started.Data }, clients())).toEqual({ IsComplete: false });
    expect(cloudWatch.commandCalls(DescribeAlarmsCommand)).toHaveLength(0);
  });

  test('on create (nothing restarted: a first start), at once when nothing is in ALARM', async () => {
    const create = settled('Create', 3600);
    const started = await onEvent(create, clients());
    inAlarm();
    expect(await isComplete({ ...create, Data: started.Data }, clients())).toEqual({ IsComplete: true });
  });

  test('fails the deployment past its bound, naming the alarms still in ALARM and what to do', async () => {
    const update = settled('Update', 0, 1);
    const started = await onEvent(update, clients());
    inAlarm(ALARMS[1]);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await expect(isComplete({ ...update, Data: started.Data }, clients())).rejects.toThrow(
      /^The deployment alarms yelb-cluster-deploy-public-p99 stayed in ALARM for 1 s after yelb-db's planned restart: errors outlast it/
    );
  });

  test('a deletion waits for nothing', async () => {
    const remove = { ...settled('Delete'), PhysicalResourceId: 'deployment-alarms-settled-yelb-db' };
    expect(await onEvent(remove, clients())).toEqual({
      PhysicalResourceId: 'deployment-alarms-settled-yelb-db',
    });
    expect(await isComplete(remove, clients())).toEqual({ IsComplete: true });
    expect(cloudWatch.commandCalls(DescribeAlarmsCommand)).toHaveLength(0);
  });
});
