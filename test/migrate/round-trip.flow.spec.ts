import * as fs from 'fs';
import * as path from 'path';
import { DescribeServicesCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { POLL_INTERVAL_ENV, runMigrateCli } from '../../lib/migrate/cli';
import { Topology } from '../../lib/model/topology';
import { readTopologyFile } from '../../lib/model/topology-file';
import { YELB } from '../../lib/model/yelb';
import { runCli } from '../support/cli';
import { FakeAws } from '../support/fake-aws';
import { REGION } from '../support/fake-aws/state';
import { LiveCluster } from '../support/live-cluster';
import { SHOP } from '../support/shop-cluster';
import { tempDir } from '../support/temp';
import { YELB_SAMPLE, sampleScUpdates } from '../support/yelb-sample-cluster';
import { SAMPLE_STACK, seedSample } from '../support/yelb-sample-stack';

// A cluster discovered again after it was migrated: discover reads what runs (each service's
// Service Connect configuration, the namespace's endpoints, the old paths detached since), so
// that plan on the new file has nothing to change, retire and rollback still work, and a cluster
// migrated by the walkthrough's own script is adopted as it runs. End to end through the real
// SDK clients against the fake AWS, on the 14-service cluster and on the AWS sample's Yelb.
let fake: FakeAws;
let env: Record<string, string>;
let dir: string;

const FIXTURES: readonly {
  name: string;
  live: LiveCluster;
  namespace: string;
  /** The services retire can detach: every one with an old path, but those a caller calls by another name. */
  retirable: readonly string[];
}[] = [
  {
    name: 'the 14-service cluster',
    live: SHOP,
    namespace: 'shop.sc.internal',
    retirable: [
      'orders',
      'payments',
      'inventory',
      'catalog',
      'search',
      'orders-db',
      'sessions',
      'notifications',
      'reports',
    ],
  },
  {
    name: "the AWS sample's Yelb",
    live: YELB_SAMPLE,
    namespace: 'yelb.sc.internal',
    retirable: ['yelb-appserver', 'yelb-db', 'yelb-redis'],
  },
];

async function start(live: LiveCluster): Promise<void> {
  fake = new FakeAws();
  env = { ...fake.env(await fake.start()), [POLL_INTERVAL_ENV]: '0.01' };
  fake.seedCluster(live);
  dir = tempDir('round-trip');
}
afterEach(() => fake.stop());

const migrate = (...argv: string[]) =>
  runCli((args, io) => runMigrateCli(args, io, { topology: YELB }), argv, env);
const file = (n: number) => path.join(dir, `topology-${n}.json`);

/** discover into the n-th file: its JSON report, and the file. */
async function discover(cluster: string, n: number): Promise<{ report: any; topology: Topology }> {
  const run = await migrate('discover', '--cluster', cluster, '--out', file(n), '--json');
  expect({ code: run.code, stderr: run.stderr }).toEqual({
    code: 0,
    stderr: expect.not.stringMatching(/error/),
  });
  return { report: JSON.parse(run.stdout), topology: readTopologyFile(file(n)) };
}

/** plan of the n-th file, as JSON and as text: the services it would update, and its last line. */
async function plan(n: number, namespace: string) {
  const json = await migrate('plan', '--topology', file(n), '--namespace', namespace, '--json');
  expect({ code: json.code, stderr: json.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
  const text = await migrate('plan', '--topology', file(n), '--namespace', namespace);
  const rows = JSON.parse(json.stdout).waves.flatMap((w: any) => w.services);
  return {
    updates: rows.filter((r: any) => r.action !== 'nothing (already on)').map((r: any) => r.service),
    services: rows.length,
    text: text.stdout,
  };
}

/** What discover found, without what only a run that has migrated knows (the live records, the namespace). */
function asBefore(topology: Topology): unknown {
  const { serviceConnectNamespace: _ns, $schema: _s, ...rest } = topology;
  return { ...rest, services: rest.services.map(({ serviceConnect: _live, ...svc }) => svc) };
}

describe.each(FIXTURES)('$name', ({ live, namespace, retirable }) => {
  beforeEach(() => start(live));

  test('discover → apply → discover → plan: nothing to change, and apply sends nothing', async () => {
    const first = await discover(live.cluster, 1);
    expect((await migrate('apply', '--topology', file(1), '--namespace', namespace)).code).toBe(0);
    fake.requests.length = 0;
    const second = await discover(live.cluster, 2);
    expect(fake.writes()).toEqual([]);
    // The same system as before (calls, names, ports, old paths), and what runs recorded beside it.
    expect(asBefore(second.topology)).toEqual(asBefore(first.topology));
    expect(second.topology.serviceConnectNamespace).toBe(namespace);
    expect(second.topology.services.every((s) => s.serviceConnect?.namespace === namespace)).toBe(true);
    expect(second.report.unmatched).toEqual(first.report.unmatched);

    const planned = await plan(2, namespace);
    expect(planned).toMatchObject({ updates: [], services: live.services.length });
    expect(planned.text).toMatch(/\nnothing to change: every service already runs what apply would send\n$/);
    // A cycle whose members are all on starts no task, so none is redeployed.
    expect(planned.text).not.toMatch(/then: redeploy/);
    const writes = fake.writes().length;
    expect((await migrate('apply', '--topology', file(2))).code).toBe(0);
    expect(fake.writes().length).toBe(writes);
  });

  test('discover → apply → retire → discover → plan: nothing to change; retire again changes nothing; rollback attaches every old path again', async () => {
    const first = await discover(live.cluster, 1);
    expect((await migrate('apply', '--topology', file(1), '--namespace', namespace)).code).toBe(0);
    const retire = await migrate(
      'retire',
      '--topology',
      file(1),
      '--only',
      retirable.join(','),
      '--allow-outside-callers'
    );
    expect({ code: retire.code, stderr: retire.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    for (const name of retirable)
      expect(fake.serviceOf(name)).toMatchObject({ registries: [], targetGroups: [] });

    fake.requests.length = 0;
    const second = await discover(live.cluster, 2);
    // Each detached old path is read from the service's history: the same file as before.
    expect(asBefore(second.topology)).toEqual(asBefore(first.topology));
    expect(second.report.findings.map((f: any) => f.code)).not.toContain('old-path-not-found');
    const planned = await plan(2, namespace);
    expect(planned).toMatchObject({ updates: [] });
    expect(planned.text).toMatch(/nothing to change: every service already runs what apply would send\n$/);

    const writes = fake.writes().length;
    const again = await migrate(
      'retire',
      '--topology',
      file(2),
      '--only',
      retirable.join(','),
      '--allow-outside-callers'
    );
    expect(again.stderr).not.toMatch(/error/);
    expect(fake.writes().length).toBe(writes);

    const rollback = await migrate('rollback', '--topology', file(2));
    expect({ code: rollback.code, stderr: rollback.stderr }).toEqual({
      code: 0,
      stderr: expect.not.stringMatching(/error/),
    });
    for (const svc of live.services) expect(fake.serviceConnectOf(svc.name)).toBe('off');
    for (const name of retirable) {
      const before = first.topology.services.find((s) => s.name === name)!.legacyDiscovery as any;
      const attached = fake.serviceOf(name);
      expect([...attached.registries, ...attached.targetGroups]).toEqual([
        before.registryArn ?? before.targetGroupArn,
      ]);
    }
    expect(fake.namespaceServiceNames(namespace)).toEqual([]);
  });
});

describe('a cluster that is partly on Service Connect', () => {
  beforeEach(() => start(SHOP));

  test('discover reads each live configuration: its namespace, endpoint, alias, timeouts, logs, field for field', async () => {
    await discover('shop', 1);
    expect((await migrate('apply', '--topology', file(1), '--namespace', 'shop.sc.internal')).code).toBe(0);
    const sent = fake.requests.filter((r) => r.operation === 'UpdateService' && r.input.service === 'api');
    fake.requests.length = 0;
    const { report, topology } = await discover('shop', 2);
    const api = topology.services.find((s) => s.name === 'api')!;
    const { enabled: _on, namespace: _ns, ...config } = sent[0].input.serviceConnectConfiguration;
    expect(api.serviceConnect).toEqual({
      ...config,
      namespace: 'shop.sc.internal',
      services: [{ ...config.services[0], discoveryName: 'app-8080' }],
    });
    expect(topology.services.find((s) => s.name === 'web')!.serviceConnect!.services).toEqual([]);
    // The reads beyond a discovery before the migration: the namespace and its endpoints, once.
    expect(report.apiCalls).toMatchObject({
      'servicediscovery:GetNamespace': 2,
      'servicediscovery:ListServices': 2,
    });
    expect(report.apiCalls['ecs:ListServiceDeployments']).toBeUndefined();
    expect(report.findings.filter((f: any) => f.code === 'already-service-connect')).toHaveLength(14);
    // As ECS answers: each deployment with Service Connect names its endpoints' Cloud Map services.
    const describe = fake.requests.filter((r) => r.operation === 'DescribeServices').length;
    const ecs = new ECSClient({
      region: REGION,
      endpoint: env.AWS_ENDPOINT_URL_ECS,
      credentials: { accessKeyId: 'AKIDFAKE', secretAccessKey: 'fake-secret' },
    });
    const { services } = await ecs.send(new DescribeServicesCommand({ cluster: 'shop', services: ['api'] }));
    ecs.destroy();
    expect(describe).toBe(2);
    expect(services![0].deployments![0].serviceConnectResources).toEqual([
      { discoveryName: 'app-8080', discoveryArn: fake.cloudMapArn('srv-sc-app-8080') },
    ]);
    expect(fake.namespaceServiceNames('shop.sc.internal')).toContain('app-8080');
  });

  test('a name whose old path is gone is kept as the alias, and rollback refuses that service before any change', async () => {
    await discover('shop', 1);
    await migrate('apply', '--topology', file(1), '--namespace', 'shop.sc.internal');
    await migrate('retire', '--topology', file(1), '--only', 'orders-db,catalog');
    // The owner deleted orders-db's Cloud Map service and catalog's target group.
    const ns = fake.namespaces.find((n) => n.Name === 'shop.local')!;
    ns.services.delete('orders-db');
    const catalog = readTopologyFile(file(1)).services.find((s) => s.name === 'catalog')!
      .legacyDiscovery as any;
    fake.targetGroups.delete(catalog.targetGroupArn);

    const { report, topology } = await discover('shop', 2);
    const service = (name: string) => topology.services.find((s) => s.name === name)!;
    expect(service('orders-db').legacyDiscovery).toEqual({
      kind: 'cloudMapDns',
      namespace: 'shop.local',
      serviceName: 'orders-db',
      oldPathNotFound: expect.stringMatching(
        /^its deployment history names arn:\S+ as its old path, which no longer exists$/
      ),
    });
    expect(service('catalog').legacyDiscovery).toMatchObject({
      kind: 'internalAlb',
      dnsName: 'catalog.shop.internal',
      port: 80,
      oldPathNotFound: expect.any(String),
    });
    expect(service('orders').calls.map((c) => c.service)).toContain('orders-db');
    expect(
      report.findings.filter((f: any) => f.code === 'old-path-not-found').map((f: any) => f.services[0])
    ).toEqual(['catalog', 'orders-db']);
    expect((await plan(2, 'shop.sc.internal')).updates).toEqual([]);

    const writes = fake.writes().length;
    expect((await migrate('retire', '--topology', file(2), '--only', 'orders-db,catalog')).code).toBe(0);
    const rollback = await migrate('rollback', '--topology', file(2));
    expect(rollback.code).toBe(2);
    expect(rollback.stderr).toMatch(
      /error: orders-db: has no old path to return to \(its deployment history names .* which no longer exists; the topology says oldPathNotFound\): with Service Connect off, its callers would reach nothing/
    );
    expect(rollback.stderr).toMatch(/error: catalog: has no old path to return to/);
    expect(fake.writes().length).toBe(writes);
  });

  test('a file that does not say what runs is refused before any change where it would take a name from a caller, naming the caller', async () => {
    await discover('shop', 1);
    await migrate('apply', '--topology', file(1), '--namespace', 'shop.sc.internal');
    await migrate('retire', '--topology', file(1), '--allow-outside-callers', '--only', 'orders-db,sessions');
    // As a discover that reads no Service Connect writes it after retire: the calls of those
    // names match no service, and nothing finds the two services any more.
    const stale = JSON.parse(fs.readFileSync(file(1), 'utf8'));
    for (const svc of stale.services) {
      svc.calls = svc.calls.filter((c: any) => !['orders-db', 'sessions'].includes(c.service));
      if (['orders-db', 'sessions'].includes(svc.name)) svc.legacyDiscovery = { kind: 'none' };
    }
    fs.writeFileSync(file(1), JSON.stringify(stale));
    const writes = fake.writes().length;
    for (const command of ['plan', 'apply']) {
      const run = await migrate(command, '--topology', file(1));
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(
        /error: orders-db: apply would remove its endpoint \(client alias orders-db\.shop\.local:5432, endpoint postgres-5432, port name postgres-5432\), which orders \(container orders, environment DATABASE_URL\) uses: their proxies would have nowhere to send those requests/
      );
      expect(run.stderr).toMatch(
        /error: sessions: apply would remove its endpoint \(client alias sessions\.shop\.local:6379, .*\), which api \(container app, environment SESSION_REDIS\) uses/
      );
    }
    expect(fake.writes().length).toBe(writes);
  });
  test('a move to another namespace is refused before any change, new or existing, naming the one they run in', async () => {
    await discover('shop', 1);
    expect((await migrate('apply', '--topology', file(1), '--namespace', 'shop.sc.internal')).code).toBe(0);
    await discover('shop', 2);
    const writes = fake.writes().length;
    for (const command of ['plan', 'apply']) {
      const run = await migrate(command, '--topology', file(2), '--namespace', 'elsewhere.sc.internal');
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(
        /error: orders-db: runs Service Connect in namespace '[^']*', and apply would move it to 'elsewhere\.sc\.internal': its callers in '[^']*' would lose every name it answers on; allowed: --namespace naming the namespace it runs in/
      );
    }
    expect(fake.writes().length).toBe(writes);
    expect(fake.namespaces.map((n) => n.Name)).not.toContain('elsewhere.sc.internal');
  });

  test('a name that no caller uses may go: apply turns that server client-only', async () => {
    await discover('shop', 1);
    expect((await migrate('apply', '--topology', file(1), '--namespace', 'shop.sc.internal')).code).toBe(0);
    // Nobody in the cluster calls reports (its callers are outside): its file says nobody at all.
    const edited = JSON.parse(fs.readFileSync(file(1), 'utf8'));
    edited.services.find((s: any) => s.name === 'reports').legacyDiscovery = { kind: 'none' };
    fs.writeFileSync(file(1), JSON.stringify(edited));
    fake.requests.length = 0;
    const run = await migrate('apply', '--topology', file(1));
    expect({ code: run.code, stderr: run.stderr }).toEqual({
      code: 0,
      stderr: expect.not.stringMatching(/error/),
    });
    expect(
      fake.writes().map((w) => [w.operation, w.input.service, w.input.serviceConnectConfiguration])
    ).toEqual([['UpdateService', 'reports', expect.objectContaining({ enabled: true, services: [] })]]);
  });
});

describe("a cluster migrated by the walkthrough's own script", () => {
  beforeEach(() => start(YELB_SAMPLE));

  /** `scripts/use-service-connect.sh`: one `aws ecs update-service` per file, in its order. */
  async function useServiceConnectScript(): Promise<void> {
    const ecs = new ECSClient({
      region: REGION,
      endpoint: env.AWS_ENDPOINT_URL_ECS,
      credentials: { accessKeyId: 'AKIDFAKE', secretAccessKey: 'fake-secret' },
    });
    for (const update of sampleScUpdates(REGION))
      await ecs.send(
        new UpdateServiceCommand({
          cluster: 'yelb-cluster',
          service: update.service,
          ...(update.loadBalancers && { loadBalancers: update.loadBalancers }),
          serviceConnectConfiguration: update.config as any,
        })
      );
    ecs.destroy();
  }

  test('is adopted as it runs: plan has nothing to change, retire detaches without a redeploy, rollback restores the old paths', async () => {
    await useServiceConnectScript();
    fake.requests.length = 0;
    const { report, topology } = await discover('yelb-cluster', 1);
    const service = (name: string) => topology.services.find((s) => s.name === name)!;
    expect(topology.serviceConnectNamespace).toBe('yelb.sc.internal');
    expect(service('yelb-ui').calls).toEqual([
      expect.objectContaining({ service: 'yelb-appserver', env: 'APP_SERVER', format: 'host' }),
    ]);
    expect(service('yelb-appserver').calls.map((c) => c.service)).toEqual(['yelb-db', 'yelb-redis']);
    // The appserver's target group, detached by the script, from its history; Redis's container.
    expect(service('yelb-appserver').legacyDiscovery).toMatchObject({
      kind: 'internalAlb',
      dnsName: 'yelb-appserver.yelb.lb.internal',
      port: 4567,
      targetGroupArn: expect.stringMatching(/targetgroup\/yelb-appserver-4567\//),
      healthCheckPath: '/api/getvotes',
    });
    expect(service('yelb-redis')).toMatchObject({ container: 'redis-server', portName: 'yelb-redis' });
    expect(service('yelb-db').serviceConnect).toEqual({
      namespace: 'yelb.sc.internal',
      services: [
        {
          portName: 'yelb-db',
          discoveryName: 'yelb-db',
          clientAliases: [{ port: 5432, dnsName: 'yelb-db.yelb.cloudmap.internal' }],
        },
      ],
      logConfiguration: {
        logDriver: 'awslogs',
        options: {
          'awslogs-group': 'ecs/serviceconnectdemo',
          'awslogs-region': REGION,
          'awslogs-stream-prefix': 'db-envoy',
        },
      },
    });
    expect(report.unmatched).toEqual([]);

    expect(await plan(1, 'yelb.sc.internal')).toMatchObject({ updates: [] });
    fake.requests.length = 0;
    const retire = await migrate('retire', '--topology', file(1));
    expect({ code: retire.code, stderr: retire.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    const writes = fake.writes();
    expect(writes.map((w) => [w.operation, w.input.service, Object.keys(w.input).sort()])).toEqual([
      ['UpdateService', 'yelb-db', ['cluster', 'service', 'serviceRegistries']],
      ['UpdateService', 'yelb-redis', ['cluster', 'service', 'serviceRegistries']],
    ]);

    const rollback = await migrate('rollback', '--topology', file(1));
    expect({ code: rollback.code, stderr: rollback.stderr }).toEqual({
      code: 0,
      stderr: expect.not.stringMatching(/error/),
    });
    expect(fake.serviceOf('yelb-appserver').targetGroups).toEqual([
      (service('yelb-appserver').legacyDiscovery as { targetGroupArn: string }).targetGroupArn,
    ]);
    expect(fake.serviceOf('yelb-db').registries).toHaveLength(1);
    for (const svc of YELB_SAMPLE.services) expect(fake.serviceConnectOf(svc.name)).toBe('off');
  });
});

describe('a cluster that a CloudFormation stack owns', () => {
  beforeEach(async () => {
    fake = new FakeAws();
    env = { ...fake.env(await fake.start()), [POLL_INTERVAL_ENV]: '0.01' };
    seedSample(fake);
    dir = tempDir('round-trip');
  });

  /** The topology without the owners of the servers' task definitions. */
  const withoutTaskDefinitionOwners = (topology: Topology): Topology => ({
    ...topology,
    services: topology.services.map(({ owner, ...svc }) => {
      if (!owner || svc.name === 'yelb-ui') return { ...svc, ...(owner && { owner }) };
      const { taskDefinition: _td, ...rest } = owner;
      return { ...svc, owner: rest };
    }),
  });

  const owned = new RegExp(`^error: .*: owned by CloudFormation stack '${SAMPLE_STACK}'`, 'm');

  test('discover → apply --allow-drift → discover → plan: the owners recorded again, nothing to change; apply still refuses without --allow-drift, and with it sends nothing', async () => {
    const first = await discover('yelb-cluster', 1);
    const refused = await migrate('apply', '--topology', file(1));
    expect({ code: refused.code, stderr: refused.stderr }).toEqual({
      code: 2,
      stderr: expect.stringMatching(owned),
    });
    expect(fake.writes()).toEqual([]);
    expect((await migrate('apply', '--topology', file(1), '--allow-drift')).code).toBe(0);

    const second = await discover('yelb-cluster', 2);
    // The same file, owners included: the servers run the revisions apply registered (their ports
    // named), and the stack's task definition of the same family is still the one an export edits.
    expect(asBefore(second.topology)).toEqual(asBefore(first.topology));
    expect(withoutTaskDefinitionOwners(second.topology)).not.toEqual(second.topology);
    expect((await plan(2, 'yelb.sc.internal')).updates).toEqual([]);
    const writes = fake.writes().length;
    const again = await migrate('apply', '--topology', file(2));
    expect({ code: again.code, stderr: again.stderr }).toEqual({
      code: 2,
      stderr: expect.stringMatching(owned),
    });
    expect((await migrate('apply', '--topology', file(2), '--allow-drift')).code).toBe(0);
    expect(fake.writes().length).toBe(writes);

    const retire = await migrate('retire', '--topology', file(2), '--allow-drift');
    expect({ code: retire.code, stderr: retire.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    const third = await discover('yelb-cluster', 3);
    expect(asBefore(third.topology)).toEqual(asBefore(second.topology));
    expect((await plan(3, 'yelb.sc.internal')).updates).toEqual([]);
  });
});
