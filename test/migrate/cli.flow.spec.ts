import * as fs from 'fs';
import * as path from 'path';
import { POLL_INTERVAL_ENV, runMigrateCli } from '../../lib/migrate/cli';
import { runCli } from '../support/cli';
import { stagedTopology } from '../../lib/contract/stage';
import { YELB } from '../../lib/model/yelb';
import { FakeAws } from '../support/fake-aws';
import { tempDir } from '../support/temp';

// The CLI end to end through the real SDK clients, against a stateful fake of ECS, Cloud Map
// and CloudFormation on 127.0.0.1.
let fake: FakeAws;
let env: Record<string, string>;

beforeEach(async () => {
  fake = new FakeAws();
  env = { ...fake.env(await fake.start()), [POLL_INTERVAL_ENV]: '0.01' };
});
afterEach(() => fake.stop());

const migrate = (...argv: string[]) =>
  runCli((args, io) => runMigrateCli(args, io, { topology: YELB }), argv, env);
const ALL = ['yelb-ui', 'yelb-appserver', 'yelb-db', 'yelb-redis'];
/** An endpoint that a service of another cluster registered in Yelb's namespace, and keeps. */
const addForeignEndpoint = (name: string) =>
  fake.namespaces
    .find((n) => n.Name === 'yelb.sc.internal')!
    .services.set(name, fake.cloudMapService(`srv-sc-${name}`));

describe('apply', () => {
  test('turns Service Connect on wave by wave, servers first, each wave stable and registered first', async () => {
    fake.seedYelb();
    const run = await migrate('apply');
    expect(run.stderr).not.toMatch(/error/);
    expect(run.code).toBe(0);
    expect(fake.updates()).toEqual([
      { service: 'yelb-db', enabled: true },
      { service: 'yelb-redis', enabled: true },
      { service: 'yelb-appserver', enabled: true },
      { service: 'yelb-ui', enabled: true },
    ]);
    for (const name of ALL) expect(fake.serviceConnectOf(name)).toBe('on');
    expect(fake.namespaceServiceNames()).toEqual(['yelb-appserver', 'yelb-db', 'yelb-redis']);

    // Every change comes after the read-only checks, and each wave's update only after the
    // previous wave was stable and registered in Cloud Map.
    const ops = fake.requests.map((r) => `${r.operation}${r.input.service ? ` ${r.input.service}` : ''}`);
    const firstUpdate = ops.findIndex((o) => o.startsWith('UpdateService'));
    expect(ops.slice(0, firstUpdate)).toEqual(
      expect.arrayContaining(['DescribeStacks', 'DescribeClusters', 'DescribeServices', 'GetNamespace'])
    );
    const appserver = ops.indexOf('UpdateService yelb-appserver');
    expect(ops.slice(firstUpdate, appserver)).toEqual(
      expect.arrayContaining(['DescribeServices', 'ListServices'])
    );
    expect(ops.lastIndexOf('ListServices', appserver)).toBeGreaterThan(
      ops.lastIndexOf('UpdateService yelb-redis')
    );
  });

  test("sends the plan's configuration (sc-update/'s) with the region, namespace ARN and log group filled in", async () => {
    fake.seedYelb();
    await migrate('apply');
    const db = fake.requests.find(
      (r) => r.operation === 'UpdateService' && r.input.service === 'yelb-db'
    )!.input;
    expect(db).toEqual({
      cluster: 'yelb-cluster',
      service: 'yelb-db',
      serviceConnectConfiguration: {
        enabled: true,
        namespace: 'arn:aws:servicediscovery:us-east-1:123456789012:namespace/ns-yelbscinternal',
        services: [
          {
            portName: 'yelb-db',
            clientAliases: [{ port: 5432, dnsName: 'yelb-db.yelb.cloudmap.internal' }],
            timeout: { idleTimeoutSeconds: 3600 },
          },
        ],
        logConfiguration: {
          logDriver: 'awslogs',
          options: {
            'awslogs-group': 'ecs/serviceconnectdemo',
            'awslogs-stream-prefix': 'db-envoy',
            'awslogs-region': 'us-east-1',
          },
        },
        // The app's default, as the stack states none (an older stack).
        accessLogConfiguration: { format: 'JSON', includeQueryParameters: 'DISABLED' },
      },
    });
  });

  test("renders every configuration with the options the stack's ServiceConnectOptions output states", async () => {
    fake.seedYelb();
    fake.setStackOutputs('Yelb', {
      ...fake.stackOutputsOf('Yelb'),
      ServiceConnectOptions: JSON.stringify({
        phase: 'discovery',
        accessLogs: false,
        deployment: { strategy: 'rolling' },
      }),
    });
    const run = await migrate('apply');
    expect(run.stderr).toMatch(
      /options from stack Yelb: access logs off, no TLS, rolling, the serviceConnect phase's configurations/
    );
    for (const r of fake.requests.filter((r) => r.operation === 'UpdateService'))
      expect(r.input.serviceConnectConfiguration).not.toHaveProperty('accessLogConfiguration');
  });

  test('refuses --access-logs beside a stack that states its options, before any change', async () => {
    fake.seedYelb();
    fake.setStackOutputs('Yelb', {
      ...fake.stackOutputsOf('Yelb'),
      ServiceConnectOptions: JSON.stringify({
        phase: 'discovery',
        accessLogs: true,
        deployment: { strategy: 'rolling' },
      }),
    });
    const run = await migrate('apply', '--access-logs', 'false');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /--access-logs: stack 'Yelb' states the app's options \(its ServiceConnectOptions output\)/
    );
    expect(fake.writes()).toEqual([]);
  });

  test("refuses a stack whose ServiceConnectOptions is not the app's options, naming the field", async () => {
    fake.seedYelb();
    fake.setStackOutputs('Yelb', {
      ...fake.stackOutputsOf('Yelb'),
      ServiceConnectOptions: JSON.stringify({
        phase: 'sideways',
        accessLogs: true,
        deployment: { strategy: 'rolling' },
      }),
    });
    const run = await migrate('plan');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/stack 'Yelb' output ServiceConnectOptions: phase: /);
  });

  test('shows progress per state change and wave, and a summary table', async () => {
    fake.seedYelb();
    const run = await migrate('apply');
    expect(run.stderr).toMatch(/wave 1\/3: yelb-db, yelb-redis/);
    expect(run.stderr).toMatch(/yelb-db: UpdateService sent, deployment ecs-svc\/\d+ \(off → on\)/);
    expect(run.stderr).toMatch(/yelb-db: IN_PROGRESS, 1\/1 running, 1 older deployment\(s\) draining/);
    expect(run.stderr).toMatch(/yelb-db: registered in yelb.sc.internal as yelb-db/);
    expect(run.stderr).toMatch(/wave 3\/3 done in \d+\.\ds/);
    expect(run.stdout).toMatch(/service\s+before → after\s+seconds\s+result/);
    expect(run.stdout).toMatch(/yelb-ui\s+off → on\s+\d+\s+changed/);
  });

  test('is idempotent: a second run compares the live configuration and sends nothing', async () => {
    fake.seedYelb();
    await migrate('apply');
    const updatesBefore = fake.updates().length;
    const run = await migrate('apply');
    expect(run.code).toBe(0);
    expect(fake.updates().length).toBe(updatesBefore);
    expect(run.stderr.match(/already on, skipped/g)).toHaveLength(4);
  });

  test('stops at a wave whose deployment fails, leaves later waves alone, and resumes on re-run', async () => {
    fake.seedYelb();
    fake.failNextDeployment('yelb-appserver');
    const failed = await migrate('apply');
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(
      /error: yelb-appserver: deployment ecs-svc\/\d+ failed and was rolled back: ECS deployment circuit breaker/
    );
    expect(failed.stderr).toMatch(
      /last events of yelb-appserver:\n.*deployment failed: tasks failed to start/
    );
    expect(failed.stderr).toMatch(/not touched: yelb-ui/);
    expect(failed.stdout).toMatch(/yelb-ui\s+\? → \?\s+-\s+not started/);
    expect(fake.updates().map((u) => u.service)).not.toContain('yelb-ui');
    expect(fake.serviceConnectOf('yelb-db')).toBe('on');

    const resumed = await migrate('apply');
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(/yelb-db: already on, skipped/);
    expect(
      fake
        .updates()
        .slice(-2)
        .map((u) => u.service)
    ).toEqual(['yelb-appserver', 'yelb-ui']);
  });

  test('notices a rollback that completed between two polls: the PRIMARY is not the deployment it started', async () => {
    fake.seedYelb();
    fake.failNextDeployment('yelb-db', 'instant');
    const run = await migrate('apply');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/error: yelb-db: .*(rolled back)/);
    expect(fake.updates().map((u) => u.service)).toEqual(['yelb-db', 'yelb-redis']);
  });

  test('gives up on a wave that is not stable within --timeout', async () => {
    fake.seedYelb();
    fake.pollsToStable = 10_000;
    const run = await migrate('apply', '--timeout', '1s', '--poll-interval', '0.05');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/error: yelb-db: not stable within 1\.0s/);
    expect(fake.updates().map((u) => u.service)).toEqual(['yelb-db', 'yelb-redis']);
  });
});

describe('rollback', () => {
  test('turns Service Connect off clients first, then waits until ECS has removed their endpoints', async () => {
    fake.seedYelb({ serviceConnectOn: ALL, phase: 'serviceConnect' });
    const run = await migrate('rollback');
    expect(run.stderr).not.toMatch(/error/);
    expect(run.code).toBe(0);
    expect(fake.updates()).toEqual([
      { service: 'yelb-ui', enabled: false },
      { service: 'yelb-appserver', enabled: false },
      { service: 'yelb-db', enabled: false },
      { service: 'yelb-redis', enabled: false },
    ]);
    expect(fake.namespaceServiceNames()).toEqual([]);
    expect(run.stderr).toMatch(/namespace yelb.sc.internal: none of the topology's endpoints left/);
    expect(run.stdout).toMatch(/Service Connect is off for every service/);
  });

  test("waits for the topology's own endpoints only: another cluster's in the same namespace are named and left alone", async () => {
    fake.seedYelb({ serviceConnectOn: ALL, phase: 'serviceConnect' });
    addForeignEndpoint('billing');
    const run = await migrate('rollback', '--timeout', '5s');
    expect(run.stderr).not.toMatch(/error/);
    expect(run.code).toBe(0);
    expect(fake.namespaceServiceNames()).toEqual(['billing']);
    expect(run.stderr).toMatch(
      /namespace yelb.sc.internal: also holds billing: endpoints of services outside the topology, left alone/
    );
  });

  test('fails, bounded, when its endpoints never drain, naming only its own', async () => {
    fake.seedYelb({ serviceConnectOn: ALL });
    addForeignEndpoint('billing');
    fake.stopDraining();
    const run = await migrate('rollback', '--timeout', '1s', '--poll-interval', '0.05');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /error: namespace yelb.sc.internal: still holds yelb-appserver, yelb-db, yelb-redis after 1\.0s\n/
    );
  });
});

describe('cleanup', () => {
  test('turns Service Connect off everywhere at once and waits until ECS has removed their endpoints', async () => {
    fake.seedYelb({ serviceConnectOn: ALL });
    const run = await migrate('cleanup');
    expect(run.code).toBe(0);
    expect(fake.updates().map((u) => u.enabled)).toEqual([false, false, false, false]);
    expect(fake.namespaceServiceNames()).toEqual([]);
    expect(run.stderr).toMatch(/Service Connect turned off: yelb-ui, yelb-appserver, yelb-db, yelb-redis/);
    expect(run.stdout).toMatch(
      /namespace yelb.sc.internal holds none of the services' endpoints: the stacks can be deleted/
    );
  });

  test("waits for the topology's own endpoints only, with another cluster's in the namespace", async () => {
    fake.seedYelb({ serviceConnectOn: ALL });
    addForeignEndpoint('billing');
    const run = await migrate('cleanup', '--timeout', '5s');
    expect(run.code).toBe(0);
    expect(fake.namespaceServiceNames()).toEqual(['billing']);
    expect(run.stderr).toMatch(/also holds billing: endpoints of services outside the topology, left alone/);
  });

  test('turns Service Connect off as a rolling update without the deployment alarms', async () => {
    fake.seedYelb({ serviceConnectOn: ALL });
    fake.services.get('yelb-appserver')!.deploymentConfiguration = {
      strategy: 'CANARY',
      alarms: { alarmNames: ['a'], enable: true, rollback: true },
    };
    await migrate('cleanup');
    const sent = fake.requests.find(
      (r) => r.operation === 'UpdateService' && r.input.service === 'yelb-appserver'
    );
    expect(sent!.input.deploymentConfiguration).toEqual({
      strategy: 'ROLLING',
      alarms: { alarmNames: ['a'], enable: false, rollback: false },
    });
  });

  test('has nothing to do when Service Connect is off', async () => {
    fake.seedYelb();
    const run = await migrate('cleanup');
    expect(run.code).toBe(0);
    expect(fake.updates()).toEqual([]);
    expect(run.stderr).toMatch(/Service Connect was already off everywhere/);
  });

  test('fails, bounded, when the namespace never drains', async () => {
    fake.seedYelb({ serviceConnectOn: ALL });
    fake.stopDraining();
    const run = await migrate('cleanup', '--timeout', '1s', '--poll-interval', '0.05');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/error: namespace yelb.sc.internal: still holds/);
  });
});

describe('transient errors', () => {
  test('retries throttling with the SDK retry strategy', async () => {
    fake.seedYelb();
    fake.throttle(2, 'UpdateService');
    const run = await migrate('apply');
    expect(run.code).toBe(0);
    expect(fake.requests.filter((r) => r.operation === 'UpdateService')).toHaveLength(6);
  });

  test('gives up after the retries with a clear message', async () => {
    fake.seedYelb();
    fake.throttle(50, 'UpdateService');
    const run = await migrate('apply');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /error: yelb-db: UpdateService failed: ThrottlingException: Rate exceeded \(after 3 attempts\)/
    );
    expect(fake.serviceConnectOf('yelb-db')).toBe('off');
  });

  test('survives a dropped connection', async () => {
    fake.seedYelb();
    fake.dropConnections(1, 'DescribeServices');
    const run = await migrate('apply');
    expect(run.code).toBe(0);
  });
});

describe('dry run', () => {
  test('makes no request at all and prints every UpdateService in order, one JSON per line', async () => {
    fake.seedYelb();
    const run = await migrate('apply', '--dry-run');
    expect(run.code).toBe(0);
    expect(fake.requests).toEqual([]);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.command, l.input.service])).toEqual([
      ['UpdateService', 'yelb-db'],
      ['UpdateService', 'yelb-redis'],
      ['UpdateService', 'yelb-appserver'],
      ['UpdateService', 'yelb-ui'],
    ]);
    expect(lines[0].input.serviceConnectConfiguration.logConfiguration.options['awslogs-region']).toBe(
      'us-east-1'
    );
    expect(run.stderr).toMatch(
      /no AWS call was made.*\n.*skips services already in the target state, which a dry run cannot know/
    );
  });

  test('prints the rollback clients first with enabled false', async () => {
    const run = await migrate('rollback', '--dry-run', '--cluster', 'other');
    expect(fake.requests).toEqual([]);
    expect(
      run.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).input)
    ).toEqual(
      ['yelb-ui', 'yelb-appserver', 'yelb-db', 'yelb-redis'].map((service) => ({
        cluster: 'other',
        service,
        serviceConnectConfiguration: { enabled: false },
      }))
    );
  });
});

describe('validation before any change', () => {
  test.each([
    [['--cluster', 'nope'], {}, /error: cluster 'nope' does not exist in us-east-1/],
    [[], { phase: null, clusterName: 'other' }, /error: cluster 'yelb-cluster' does not exist/],
  ])('refuses a cluster that does not exist (%j)', async (args, seed, message) => {
    fake.seedYelb(seed);
    const run = await migrate('apply', ...args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toMatch(/nothing was changed/);
    expect(fake.updates()).toEqual([]);
  });

  test('refuses a missing namespace', async () => {
    fake.seedYelb({ phase: null });
    (fake as any).namespaces.length = 0;
    const run = await migrate('apply');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /error: Service Connect namespace 'yelb.sc.internal' does not exist in us-east-1/
    );
    expect(fake.updates()).toEqual([]);
  });

  test('refuses a missing service', async () => {
    fake.seedYelb();
    (fake as any).services.delete('yelb-redis');
    const run = await migrate('apply');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/error: service 'yelb-redis' does not exist in cluster 'yelb-cluster'/);
    expect(fake.updates()).toEqual([]);
  });

  test('refuses malformed or mismatched files before sending any request', async () => {
    fake.seedYelb();
    const dir = tempDir('sc-update');
    for (const file of fs.readdirSync('sc-update'))
      fs.copyFileSync(path.join('sc-update', file), path.join(dir, file));
    fs.writeFileSync(path.join(dir, 'svc-db.json'), '{ "enabled": true,');
    const redis = JSON.parse(fs.readFileSync(path.join(dir, 'svc-redis.json'), 'utf8'));
    redis.namespace = 'other.internal';
    redis.services[0].portName = 'redis';
    fs.writeFileSync(path.join(dir, 'svc-redis.json'), JSON.stringify(redis));
    fs.writeFileSync(path.join(dir, 'svc-cache.json'), '{}');

    const run = await migrate('apply', '--sc-dir', dir);
    fs.rmSync(dir, { recursive: true, force: true });
    expect(run.code).toBe(2);
    expect(fake.requests).toEqual([]);
    expect(run.stderr).toMatch(/svc-cache.json: no service with id 'cache' in the model/);
    expect(run.stderr).toMatch(/svc-db.json: not valid JSON/);
    expect(run.stderr).toMatch(
      /svc-redis.json: namespace "other.internal" does not match the model's 'yelb.sc.internal'/
    );
    expect(run.stderr).toMatch(
      /svc-redis.json: portName "redis" is not the port name of yelb-redis in the model \('yelb-redis'\)/
    );
  });

  test.each([
    [
      ['bogus'],
      /unknown command 'bogus'; allowed: discover, plan, apply, status, retire, rollback, cleanup, export$/m,
    ],
    [[], /a command is needed/],
    [['apply', '--timeout', 'soon'], /--timeout 'soon' is not a positive duration/],
    [['apply', '--poll-interval=0'], /--poll-interval '0' is not a positive duration/],
    [['apply', '--frobnicate'], /Unknown option '--frobnicate'/],
    [['status', '--dry-run'], /--dry-run is for apply and rollback/],
    [['apply', '--json'], /--json is for discover, plan and status, not apply/],
    [['discover'], /discover needs --cluster NAME/],
    [['status', '--out', 'x.json'], /--out is for discover and export, not status/],
    [['apply', '--topology', 'x.json', '--stage', 'blue'], /--stage and --stack are for the CDK app's Yelb/],
  ])('refuses bad arguments %j with exit 2 and one line', async (argv, message) => {
    const run = await migrate(...argv);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(message);
    expect(fake.requests).toEqual([]);
  });
});

describe('the namespace', () => {
  test("says so before apply would create a namespace beside the stack's", async () => {
    fake.seedYelb();
    const run = await migrate('plan', '--namespace', 'other.sc.internal');
    expect(run.code).toBe(0);
    const warning =
      /warning: apply would create other\.sc\.internal beside yelb\.sc\.internal, the stack's: services in different namespaces do not reach each other through Service Connect/;
    expect(run.stdout).toMatch(warning);
    expect(run.stderr).toMatch(warning);
  });

  test('takes it from the services that run Service Connect, and refuses to choose between two', async () => {
    fake.seedYelb({ serviceConnectOn: ALL, phase: null });
    const status = await migrate('status');
    expect(status.stderr).toMatch(
      /namespace yelb\.sc\.internal \(from the services that run Service Connect: yelb-ui, yelb-appserver, yelb-db, yelb-redis\)/
    );
    const other = fake.addNamespace('other.sc.internal');
    fake.services.get('yelb-ui')!.deployments[0].serviceConnectConfiguration.namespace = other.Arn;
    const run = await migrate('status');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /the services run Service Connect in 2 namespaces \(other\.sc\.internal: yelb-ui; yelb\.sc\.internal: yelb-appserver, yelb-db, yelb-redis\); pass --namespace NAME to choose one/
    );
    expect((await migrate('status', '--namespace', 'yelb.sc.internal')).code).toBe(0);
  });
});

describe('the poll interval from the environment', () => {
  const withEnv = (extra: Record<string, string>, ...argv: string[]) => {
    const { [POLL_INTERVAL_ENV]: _ours, ...rest } = env;
    return runCli((args, io) => runMigrateCli(args, io, { topology: YELB }), argv, { ...rest, ...extra });
  };

  test('is read from SERVICE_CONNECT_MIGRATE_POLL_INTERVAL, a name for any topology, and checked before any request', async () => {
    const run = await withEnv({ SERVICE_CONNECT_MIGRATE_POLL_INTERVAL: 'soon' }, 'status');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^error: SERVICE_CONNECT_MIGRATE_POLL_INTERVAL 'soon' is not a positive duration/
    );
    expect(fake.requests).toEqual([]);
  });

  test('still reads YELB_MIGRATE_POLL_INTERVAL, the earlier name, when the new one is not set', async () => {
    const legacy = await withEnv({ YELB_MIGRATE_POLL_INTERVAL: '2h' }, 'status');
    expect(legacy.code).toBe(2);
    expect(legacy.stderr).toMatch(/the poll interval \(7200s\) must be shorter than --timeout \(900s\)/);
    fake.seedYelb();
    const both = await withEnv(
      { SERVICE_CONNECT_MIGRATE_POLL_INTERVAL: '0.01', YELB_MIGRATE_POLL_INTERVAL: '2h' },
      'status'
    );
    expect(both.stderr).not.toMatch(/error/);
    expect(both.code).toBe(0);
  });
});

describe('--stage', () => {
  test("works on the stage's stack and names", async () => {
    fake.seedYelb({ topology: stagedTopology(YELB, 'blue'), stack: 'Yelb-blue', phase: 'discovery' });
    const run = await migrate('status', '--stage', 'blue', '--json');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect([report.cluster, report.namespace.name]).toEqual(['yelb-cluster-blue', 'blue.yelb.sc.internal']);
    expect(fake.requests.find((r) => r.operation === 'DescribeStacks')!.input.StackName).toBe('Yelb-blue');
  });

  test('applies the same sc-update files to a stage, in its namespace', async () => {
    fake.seedYelb({ topology: stagedTopology(YELB, 'blue'), stack: 'Yelb-blue' });
    const run = await migrate('apply', '--stage', 'blue');
    expect(run.code).toBe(0);
    for (const name of ALL) expect(fake.serviceConnectOf(name)).toBe('on');
    expect(fake.namespaceServiceNames('blue.yelb.sc.internal')).toEqual([
      'yelb-appserver',
      'yelb-db',
      'yelb-redis',
    ]);
  });

  test('refuses a bad stage name before any request', async () => {
    const run = await migrate('status', '--stage', 'Blue!');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--stage 'Blue!' is not a stage name; allowed: 1-12 lower-case letters/);
    expect(fake.requests).toEqual([]);
  });
});

describe('status', () => {
  test('reports each service and the namespace, and the drift after an imperative apply', async () => {
    fake.seedYelb({ phase: 'discovery' });
    await migrate('apply');
    const run = await migrate('status', '--json');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.deployedPhase).toBe('discovery');
    expect(report.services.map((s: any) => [s.service, s.serviceConnect, s.running, s.desired])).toEqual([
      ['yelb-ui', 'on', 3, 3],
      ['yelb-appserver', 'on', 3, 3],
      ['yelb-db', 'on', 1, 1],
      ['yelb-redis', 'on', 1, 1],
    ]);
    expect(report.services[2].aliases).toEqual(['yelb-db.yelb.cloudmap.internal:5432']);
    expect(report.services[2].registries).toHaveLength(1);
    expect(report.namespaceServices.map((s: any) => s.name).sort()).toEqual([
      'yelb-appserver',
      'yelb-db',
      'yelb-redis',
    ]);
    expect(report.drift).toEqual(
      ALL.map((s) => `${s}: Service Connect is on, the deployed template (phase 'discovery') says off`)
    );
  });

  test('prints a readable table and says when there is no drift', async () => {
    fake.seedYelb({ phase: 'discovery' });
    const run = await migrate('status');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/service\s+service connect\s+client aliases\s+old path\s+tasks\s+deployment/);
    expect(run.stdout).toMatch(/yelb-db\s+off\s+-\s+1 registry\s+1\/1\s+completed/);
    expect(run.stdout).toMatch(/yelb-ui\s+off\s+-\s+-\s+3\/3\s+completed/);
    expect(run.stdout).toMatch(/yelb-appserver\s+off\s+-\s+1 target group\s+3\/3\s+completed/);
    expect(run.stdout).toMatch(
      /no drift: the live services match the deployed template \(phase 'discovery'\)/
    );
  });

  test('works without the stack, from the model names, and says so', async () => {
    fake.seedYelb({ phase: null });
    const run = await migrate('status');
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(
      /stack 'Yelb' not read \(ValidationError: Stack with id Yelb does not exist\); using the model's names/
    );
    expect(run.stdout).toMatch(/deployed template: unknown/);
  });
});
