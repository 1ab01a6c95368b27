import * as fs from 'fs';
import * as path from 'path';
import { ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { POLL_INTERVAL_ENV, runMigrateCli } from '../../lib/migrate/cli';
import { PREVIOUS_REVISION_TAG } from '../../lib/migrate/task-definitions';
import { callCycles } from '../../lib/model/graph';
import { Topology } from '../../lib/model/topology';
import { readTopologyFile } from '../../lib/model/topology-file';
import { YELB } from '../../lib/model/yelb';
import { runCli } from '../support/cli';
import { FakeAws } from '../support/fake-aws';
import { SHOP } from '../support/shop-cluster';
import { tempDir } from '../support/temp';

// A cluster that is not Yelb (test/support/shop-cluster.ts), end to end through the real SDK
// clients against the fake AWS: discover → file → plan → apply → status → retire → rollback.
let fake: FakeAws;
let env: Record<string, string>;
let dir: string;
let file: string;

beforeEach(async () => {
  fake = new FakeAws();
  env = { ...fake.env(await fake.start()), [POLL_INTERVAL_ENV]: '0.01' };
  fake.seedCluster(SHOP);
  dir = tempDir('shop');
  file = path.join(dir, 'shop.json');
});
afterEach(() => fake.stop());

const migrate = (...argv: string[]) =>
  runCli((args, io) => runMigrateCli(args, io, { topology: YELB }), argv, env);
const discovered = async () => {
  const run = await migrate('discover', '--cluster', 'shop', '--out', file);
  expect(run.code).toBe(0);
  return readTopologyFile(file);
};
const ops = () => fake.requests.map((r) => r.operation);
const updatesOf = (name: string) =>
  fake.requests.filter((r) => r.operation === 'UpdateService' && r.input.service === name);
const withTopology = (...argv: string[]) => migrate(...argv, '--topology', file);
const topologyOf = (name: string): any => readTopologyFile(file).services.find((s) => s.name === name)!;
/** apply as the README runs it: the namespace named (created when missing). */
const apply = () => withTopology('apply', '--namespace', 'shop.sc.internal');

describe('discover', () => {
  test('writes a topology file the migration reads, with every call and its evidence', async () => {
    const run = await migrate('discover', '--cluster', 'shop', '--out', file);
    expect(run.stderr).not.toMatch(/error/);
    const topology = readTopologyFile(file);
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).$schema).toMatch(/topology\.schema\.json$/);
    expect(topology.services.map((s) => s.name)).toEqual(SHOP.services.map((s) => s.name));
    const calls = topology.services.flatMap((s) => s.calls.map((c) => `${s.name} → ${c.service}`));
    expect(calls.sort()).toEqual(
      [
        'web → api',
        'api → orders',
        'api → catalog',
        'api → sessions',
        'orders → payments',
        'orders → inventory',
        'orders → orders-db',
        'orders → notifications',
        'payments → orders',
        'inventory → catalog',
        'inventory → search',
        'catalog → search',
        'worker → inventory',
        'worker → api',
        'legacy-batch → api',
      ].sort()
    );
    const service = (name: string) => topology.services.find((s) => s.name === name)!;
    expect(service('worker').calls).toContainEqual({
      service: 'api',
      argument: 3,
      format: 'url',
      evidence: 'container worker, command argument 3',
    });
    expect(service('orders').calls).toContainEqual({
      service: 'orders-db',
      env: 'DATABASE_URL',
      format: 'text',
      evidence: 'container orders, environment DATABASE_URL',
    });
    // How each is found today, as discovered: Cloud Map, an alias record of the internal ALB
    // (default action, host rule), the NLB; the public entry; none for the path rule.
    expect(service('orders').legacyDiscovery).toMatchObject({
      kind: 'cloudMapDns',
      namespace: 'shop.local',
      serviceName: 'orders',
    });
    expect(service('api').legacyDiscovery).toMatchObject({
      kind: 'internalAlb',
      dnsName: 'api.shop.internal',
      port: 80,
      loadBalancerName: 'shop-internal',
      idleTimeoutSeconds: 60,
    });
    expect(service('catalog').legacyDiscovery).toMatchObject({ dnsName: 'catalog.shop.internal', port: 80 });
    expect(service('search').legacyDiscovery).toMatchObject({ dnsName: 'search.shop.internal', port: 9200 });
    expect(service('web').publicEntry).toEqual({ port: 80, healthCheckPath: '/' });
    expect(service('admin').legacyDiscovery).toEqual({ kind: 'none' });
    expect(service('reports').legacyDiscovery).toMatchObject({ calledFromOutside: true });
    // Ports: names kept, unnamed ones named, a second 'http' told apart in the namespace.
    expect(service('api')).toMatchObject({
      container: 'app',
      port: 8080,
      portName: 'app-8080',
      appProtocol: 'http',
    });
    expect(service('orders')).toMatchObject({ portName: 'orders-http', appProtocol: 'http' });
    expect(service('payments')).toMatchObject({ portName: 'http' });
    expect(service('payments').discoveryName).toBeUndefined();
    expect(service('inventory')).toMatchObject({ portName: 'http', discoveryName: 'inventory-http' });
    expect(service('worker').port).toBeUndefined();
    expect(service('api').timeouts).toEqual({ perRequestSeconds: 60 });
    // Secrets are not copied; a credential in a URL neither.
    expect(service('api').environment).toEqual({
      DB_PASSWORD: '(redacted by discovery)',
      SENTRY_DSN: 'https://(redacted)@o1.ingest.sentry.io/42',
      LOG_LEVEL: 'info',
    });
    expect(callCycles(topology).filter((c) => c.length > 1)).toEqual([['orders', 'payments']]);
    // The proxies' logs: the log group most services write to, and a service's own where it differs.
    expect(topology.logGroupName).toBe('/ecs/shop');
    expect(topology.services.filter((s) => s.logGroupName).map((s) => [s.name, s.logGroupName])).toEqual([
      ['legacy-batch', '/ecs/batch'],
    ]);
  });

  test('reports the findings, each with its services, why and what to do, and lists unmatched addresses', async () => {
    const run = await migrate('discover', '--cluster', 'shop', '--out', file, '--json');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    const codes = (code: string) =>
      report.findings.filter((f: any) => f.code === code).map((f: any) => f.services.join(' '));
    expect(codes('unnamed-port').sort()).toEqual(['api', 'catalog', 'orders-db', 'reports', 'search']);
    expect(codes('no-app-protocol').sort()).toEqual(['api', 'catalog', 'inventory']);
    expect(codes('lb-idle-timeout').sort()).toEqual(['api', 'catalog']);
    expect(codes('no-health-check')).toEqual(['catalog']);
    expect(codes('proxy-log-group')).toEqual(['worker']);
    expect(codes('nginx-ipv6')).toEqual(['web']);
    expect(codes('call-cycle')).toEqual(['orders payments']);
    expect(codes('uncalled-name')).toEqual(['reports']);
    expect(codes('two-names')).toEqual(['api legacy-batch']);
    expect(codes('path-routing')).toEqual(['admin']);
    expect(codes('several-ports')).toEqual(['search']);
    expect(codes('secrets-not-read')).toEqual(['notifications']);
    expect(report.findings.find((f: any) => f.code === 'other-clusters').what).toMatch(
      /ledger\.shop\.local \(finance\)/
    );
    for (const f of report.findings) {
      expect(['error', 'warning', 'info']).toContain(f.severity);
      expect(f.what && f.why && f.action).toBeTruthy();
    }
    expect(report.unmatched).toEqual([
      {
        service: 'api',
        evidence: 'container app, environment SENTRY_DSN',
        address: 'https://o1.ingest.sentry.io',
      },
      { service: 'worker', evidence: 'container worker, environment CONFIG', address: 'logback.xml' },
      {
        service: 'legacy-batch',
        evidence: 'container batch, environment UPSTREAM',
        address: 'http://partner.example.com:8443',
      },
    ]);
    expect(report.apiCalls['ecs:DescribeServices']).toBe(2);
  });

  test('prints the findings for people, one entry per code and advice, with progress on stderr', async () => {
    const run = await migrate('discover', '--cluster', 'shop', '--out', file);
    expect(run.stdout).toMatch(/^findings: 1 error, \d+ warnings, \d+ info/);
    expect(run.stdout).toMatch(/ERROR path-routing \[admin\]\n  admin is reached through a path rule/);
    expect(run.stdout).toMatch(/\n  why: .*\n  do: /);
    // Five services' unnamed ports: three lines, not fifteen; each one's facts in --json.
    const entry = run.stdout.split('\n\n').filter((e) => e.includes('unnamed-port'));
    expect(entry).toEqual([
      expect.stringMatching(
        /^WARNING unnamed-port \[api, catalog, orders-db, reports, search\]\n  why: .*\n  do: [^\n]*$/
      ),
    ]);
    expect(run.stdout).toMatch(/each finding of a group with its own facts: --json/);
    expect(run.stdout).toMatch(/INFO call-cycle \[orders \+ payments\]\n  orders → payments → orders/);
    expect(run.stdout).toMatch(/14 service\(s\), 15 call\(s\) written to .*shop\.json; \d+ API calls/);
    expect(run.stdout).toMatch(
      /next: review .*shop\.json and the findings, then: npm run migrate -- plan --topology .*shop\.json --namespace shop\.sc\.internal\n/
    );
    expect(run.stderr).toMatch(/ECS: 14 service\(s\) in shop\nECS: 14 task definition\(s\)\nCloud Map: /);
  });

  test('is read-only, and asks DescribeServices at most 10 services at a time', async () => {
    await discovered();
    expect(fake.writes()).toEqual([]);
    const described = fake.requests.filter((r) => r.operation === 'DescribeServices');
    expect(described.map((r) => r.input.services.length)).toEqual([10, 4]);
  });

  test('reads every page of the paged APIs: one item a page finds what one page does', async () => {
    const whole = await discovered();
    fake.pageSize = 1;
    fake.requests.length = 0;
    expect((await migrate('discover', '--cluster', 'shop', '--out', file, '--force')).code).toBe(0);
    expect(readTopologyFile(file)).toEqual(whole);
    expect(ops().filter((o) => o === 'ListServices').length).toBeGreaterThan(14);
    // The zone's records, SOA and NS included, one a page: search is found only through its record.
    expect(ops().filter((o) => o === 'ListResourceRecordSets')).toHaveLength(6);
    expect(whole.services.find((s) => s.name === 'search')!.legacyDiscovery).toMatchObject({
      dnsName: 'search.shop.internal',
    });
  });

  test('reads Cloud Map at the fewest calls: one GetService a namespace, instances only of names others registered', async () => {
    const run = await migrate('discover', '--cluster', 'shop', '--out', file, '--json');
    const { apiCalls } = JSON.parse(run.stdout);
    expect(apiCalls).toMatchObject({
      'servicediscovery:GetService': 1,
      'servicediscovery:GetNamespace': 1,
      'servicediscovery:ListServices': 1,
      'servicediscovery:ListInstances': 1,
    });
    const listed = fake.requests.filter((r) => r.operation === 'ListInstances').map((r) => r.input.ServiceId);
    expect(listed).toEqual([expect.stringMatching(/^srv-ledger-/)]);
    // What the summaries say is what GetService would have: every Cloud Map name and port as before.
    expect(readTopologyFile(file).services.find((s) => s.name === 'orders')!.legacyDiscovery).toMatchObject({
      namespace: 'shop.local',
      serviceName: 'orders',
    });
  });

  test("skips the hosted zones Cloud Map made, which Route 53 lists as the account's own", async () => {
    await fake.stop();
    fake = new FakeAws();
    env = { ...fake.env(await fake.start()), [POLL_INTERVAL_ENV]: '0.01' };
    // billing.local: a namespace in the VPC that no service of the cluster registers in.
    fake.seedCluster({
      ...SHOP,
      foreignNames: [
        ...SHOP.foreignNames!,
        { namespace: 'billing.local', name: 'invoices', cluster: 'billing' },
      ],
    });
    await discovered();
    const zone = (name: string) => fake.zones.find((z) => z.name === name)!.id;
    const asked = (operation: string) =>
      fake.requests.filter((r) => r.operation === operation).map((r) => r.input.path.split('/')[3]);
    // shop.local's zone is known from its namespace; billing.local's LinkedService names Cloud Map.
    expect(asked('GetHostedZone').sort()).toEqual([zone('billing.local'), zone('shop.internal')].sort());
    expect(asked('ListResourceRecordSets')).toEqual([zone('shop.internal')]);
  });

  test('reads the host rules of HTTPS listeners too', async () => {
    await fake.stop();
    fake = new FakeAws();
    env = { ...fake.env(await fake.start()), [POLL_INTERVAL_ENV]: '0.01' };
    // api and catalog behind the internal load balancer's HTTPS listener on 443, called by https:// URLs.
    const https = JSON.parse(
      JSON.stringify(SHOP).replace(
        /http:\/\/(api|api-legacy|catalog)\.shop\.internal/g,
        'https://$1.shop.internal'
      )
    ) as typeof SHOP;
    fake.seedCluster({
      ...https,
      services: https.services.map((s) =>
        s.name === 'api' || s.name === 'catalog'
          ? { ...s, internal: { ...s.internal!, listenerPort: 443, protocol: 'HTTPS' as const } }
          : s
      ),
    });
    const topology = await discovered();
    const service = (name: string) => topology.services.find((s) => s.name === name)!;
    expect(service('catalog').legacyDiscovery).toMatchObject({ dnsName: 'catalog.shop.internal', port: 443 });
    expect(service('api').legacyDiscovery).toMatchObject({ dnsName: 'api.shop.internal', port: 443 });
    expect(service('inventory').calls.map((c) => c.service)).toEqual(['catalog', 'search']);
  });

  test.each<[string, string[], RegExp]>([
    ['no cluster', ['discover', '--out', 'x.json'], /discover needs --cluster NAME/],
    [
      'a cluster that does not exist',
      ['discover', '--cluster', 'nope'],
      /cluster 'nope' does not exist in us-east-1/,
    ],
  ])('refuses %s (exit 2)', async (_label, argv, message) => {
    const run = await migrate(
      ...argv.map((a) => (a === 'x.json' ? file : a)),
      ...(argv.includes('--out') ? [] : ['--out', file])
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(fs.existsSync(file)).toBe(false);
  });

  test('without the right to read Route 53, says what it could not read and what is missing', async () => {
    fake.deny('ListHostedZonesByVPC');
    const run = await migrate('discover', '--cluster', 'shop', '--out', file, '--json');
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/Route 53: not read \(access denied\)/);
    const report = JSON.parse(run.stdout);
    expect(report.findings).toContainEqual(
      expect.objectContaining({
        code: 'not-read',
        severity: 'warning',
        what: expect.stringMatching(
          /^Not read, access denied: Route 53: .*not authorized to perform: ListHostedZonesByVPC/
        ),
      })
    );
    // Without the alias records, the callers of api.shop.internal are not found: listed, not guessed.
    const topology = readTopologyFile(file);
    expect(topology.services.find((s) => s.name === 'web')!.calls).toEqual([]);
    expect(report.unmatched).toContainEqual(
      expect.objectContaining({ service: 'web', address: 'http://api.shop.internal' })
    );
  });

  test('rides out throttling of its parallel reads with the SDK retry strategy', async () => {
    fake.throttle(2, 'DescribeTaskDefinition');
    const topology = await discovered();
    expect(topology.services).toHaveLength(14);
    expect(ops().filter((o) => o === 'DescribeTaskDefinition')).toHaveLength(16);
  });

  test('stops on a denied read of ECS, naming it', async () => {
    fake.deny('DescribeTaskDefinition');
    const run = await migrate('discover', '--cluster', 'shop', '--out', file);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/error: .*not authorized to perform: DescribeTaskDefinition/);
    expect(fs.existsSync(file)).toBe(false);
  });

  test('does not overwrite a file without --force, and asks AWS nothing then', async () => {
    fs.writeFileSync(file, '{"edited": "by hand"}');
    const run = await migrate('discover', '--cluster', 'shop', '--out', file);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/shop\.json exists; pass --force to overwrite it/);
    expect(fake.requests).toEqual([]);
    expect((await migrate('discover', '--cluster', 'shop', '--out', file, '--force')).code).toBe(0);
  });
});

describe('plan, apply, status, retire and rollback of a discovered cluster', () => {
  test('plan is read-only and shows the namespace, the revisions and every update, wave by wave', async () => {
    await discovered();
    fake.requests.length = 0;
    const run = await withTopology('plan', '--namespace', 'shop.sc.internal');
    expect(run.code).toBe(0);
    expect(fake.writes()).toEqual([]);
    expect(run.stdout).toMatch(/namespace shop\.sc\.internal: does not exist, apply creates it/);
    expect(run.stdout).toMatch(
      /api: RegisterTaskDefinition api \(a new revision: port 8080 named 'app-8080', appProtocol http; nothing else changes\)/
    );
    expect(run.stdout).toMatch(
      /orders-db: UpdateService Service Connect on, client alias orders-db\.shop\.local:5432, on the new revision/
    );
    expect(run.stdout).toMatch(/then: redeploy the members of orders ↔ payments/);
    const json = JSON.parse((await withTopology('plan', '--json', '--namespace', 'shop.sc.internal')).stdout);
    expect(json.namespace).toEqual({ name: 'shop.sc.internal', exists: false, create: true });
    expect(json.waves).toHaveLength(6);
  });

  test('without --namespace, plan says the namespace must exist or be named, and apply refuses before any change', async () => {
    await discovered();
    fake.requests.length = 0;
    const plan = await withTopology('plan');
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(
      /namespace shop\.sc\.internal: does not exist; apply creates it only when it is named: --namespace shop\.sc\.internal/
    );
    const json = JSON.parse((await withTopology('plan', '--json')).stdout);
    expect(json.namespace).toEqual({ name: 'shop.sc.internal', exists: false, create: false });
    const run = await withTopology('apply');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /error: Service Connect namespace 'shop\.sc\.internal' does not exist in us-east-1 \(an HTTP namespace, from the topology's serviceConnectNamespace\); apply creates one only when it is named with --namespace/
    );
    expect(fake.writes()).toEqual([]);
    expect(fake.hasNamespace('shop.sc.internal')).toBe(false);
  });

  test("the README's sequence: the namespace named for plan and apply only; status, retire and rollback take it from the services", async () => {
    await discovered();
    const topology = readTopologyFile(file);
    fs.writeFileSync(file, JSON.stringify({ ...topology, serviceConnectNamespace: 'sample.sc.internal' }));
    expect((await withTopology('plan', '--namespace', 'shop.sc.internal')).code).toBe(0);
    expect((await apply()).code).toBe(0);
    const status = await withTopology('status', '--json');
    expect(status.stderr).toMatch(
      /namespace shop\.sc\.internal \(from the services that run Service Connect: /
    );
    expect(JSON.parse(status.stdout).namespace.name).toBe('shop.sc.internal');
    expect((await withTopology('retire', '--only', 'orders')).code).toBe(0);
    const rollback = await withTopology('rollback');
    expect(rollback.stderr).not.toMatch(/error/);
    expect(rollback.code).toBe(0);
    expect(fake.namespaceServiceNames('shop.sc.internal')).toEqual([]);
    expect(fake.hasNamespace('sample.sc.internal')).toBe(false);
  });

  test('refuses to move services to a namespace beside the one they run Service Connect in, before creating it', async () => {
    await discovered();
    await apply();
    const writes = fake.writes().length;
    for (const args of [['plan'], ['plan', '--json'], ['apply']]) {
      const run = await withTopology(...args, '--namespace', 'other.sc.internal');
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(
        /error: web: runs Service Connect in namespace '[^']+', and apply would move it to 'other\.sc\.internal'/
      );
    }
    expect(fake.writes().length).toBe(writes);
    expect(fake.hasNamespace('other.sc.internal')).toBe(false);
  });

  test('apply: the namespace created, servers before their callers, ports named by a revision that changes nothing else, the cycle redeployed', async () => {
    const topology = await discovered();
    fake.requests.length = 0;
    const run = await apply();
    expect(run.stderr).not.toMatch(/error/);
    expect(run.code).toBe(0);
    expect(fake.hasNamespace('shop.sc.internal')).toBe(true);
    expect(ops().indexOf('CreateHttpNamespace')).toBeLessThan(ops().indexOf('UpdateService'));
    for (const name of SHOP.services.map((s) => s.name)) expect(fake.serviceConnectOf(name)).toBe('on');
    expectServersFirst(topology);

    // A revision for each port without a name (or app protocol), and only for those.
    const registered = fake.requests.filter((r) => r.operation === 'RegisterTaskDefinition');
    expect(registered.map((r) => r.input.family).sort()).toEqual([
      'api',
      'catalog',
      'inventory',
      'orders-db',
      'reports',
      'search',
    ]);
    const api = fake.serviceOf('api');
    expect(api.taskDefinition).toMatch(/task-definition\/api:2$/);
    expect(api.portMappings).toEqual([
      { containerPort: 8080, hostPort: 8080, protocol: 'tcp', name: 'app-8080', appProtocol: 'http' },
    ]);
    const revision = registered.find((r) => r.input.family === 'api')!.input;
    expect(revision.tags).toEqual([
      { key: 'team', value: 'shop' },
      { key: PREVIOUS_REVISION_TAG, value: expect.stringMatching(/task-definition\/api:1$/) },
    ]);
    // The revision is the original but for the port's name and app protocol (and the tag).
    const { taskDefinitionArn: _a, revision: _r, status: _s, ...original } = fake.taskDefinitionOf('api:1');
    const { tags: _t, ...sent } = revision;
    const mapping = sent.containerDefinitions[0].portMappings[0];
    expect(mapping).toMatchObject({ name: 'app-8080', appProtocol: 'http' });
    delete mapping.name;
    delete mapping.appProtocol;
    expect(sent).toEqual(original);

    // The cycle: one wave, then each member redeployed after the other's endpoint existed.
    const orders = updatesOf('orders');
    const payments = updatesOf('payments');
    expect(orders.map((r) => r.input.forceNewDeployment ?? false)).toEqual([false, true]);
    expect(payments.map((r) => r.input.forceNewDeployment ?? false)).toEqual([false, true]);
    expect(run.stderr).toMatch(
      /orders: redeployed .*its tasks started before payments's endpoint http existed/
    );
  });

  test('apply is idempotent: a second run registers nothing, creates nothing and sends nothing', async () => {
    await discovered();
    await apply();
    const before = fake.writes().length;
    const run = await apply();
    expect(run.code).toBe(0);
    expect(fake.writes().length).toBe(before);
    expect(run.stderr.match(/already on, skipped/g)).toHaveLength(14);
  });

  test('apply stops at a failed deployment and resumes on the next run', async () => {
    await discovered();
    fake.failNextDeployment('api');
    const failed = await apply();
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/error: api: deployment ecs-svc\/\d+ failed and was rolled back/);
    expect(failed.stderr).toMatch(/not touched: web, worker, legacy-batch/);
    expect(fake.serviceConnectOf('web')).toBe('off');
    expect(fake.serviceConnectOf('orders')).toBe('on');
    const resumed = await apply();
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toMatch(/orders: already on, skipped/);
    expect(fake.serviceConnectOf('web')).toBe('on');
    expect(fake.serviceOf('api').portMappings[0].name).toBe('app-8080');
  });

  test('apply rides out throttling with the SDK retry strategy', async () => {
    await discovered();
    fake.throttle(2, 'RegisterTaskDefinition');
    const run = await apply();
    expect(run.code).toBe(0);
    // Six revisions, two of the requests throttled and sent again by the SDK.
    expect(ops().filter((o) => o === 'RegisterTaskDefinition')).toHaveLength(8);
    expect(fake.serviceOf('api').portMappings[0].name).toBe('app-8080');
  });

  test('status shows every service on, with its alias and old path, 10 services per DescribeServices', async () => {
    await discovered();
    await apply();
    fake.requests.length = 0;
    expect((await withTopology('status')).stdout).toMatch(
      /^cluster shop in us-east-1; deployed template: none \(a topology file: no stack to compare with\)/
    );
    fake.requests.length = 0;
    const run = await withTopology('status', '--json');
    const report = JSON.parse(run.stdout);
    expect(report.services).toHaveLength(14);
    expect(report.services.every((s: any) => s.serviceConnect === 'on')).toBe(true);
    expect(report.services.find((s: any) => s.service === 'api').aliases).toEqual(['api.shop.internal:80']);
    const batches = fake.requests
      .filter((r) => r.operation === 'DescribeServices')
      .map((r) => r.input.services.length);
    expect(Math.max(...batches)).toBe(10);
    expect(batches.filter((n) => n === 4)).not.toHaveLength(0);
  });

  test("status calls only the old path an old path, never the public entry's target group", async () => {
    await discovered();
    const report = async () => {
      const run = await withTopology('status', '--json');
      expect(run.stderr).not.toMatch(/error/);
      return JSON.parse(run.stdout);
    };
    const of = (r: any, name: string) => r.services.find((s: any) => s.service === name);
    const before = await report();
    expect(of(before, 'web').targetGroups).toHaveLength(1);
    expect(of(before, 'web').oldPath).toEqual({ registries: [], targetGroups: [] });
    expect(of(before, 'api').oldPath.targetGroups).toEqual([
      topologyOf('api').legacyDiscovery.targetGroupArn,
    ]);
    expect(of(before, 'orders').oldPath.registries).toHaveLength(1);
    expect((await withTopology('status')).stdout).toMatch(/\nweb +off +- +- +3\/3/);

    // Where the file records no target group, the load balancers' schemes tell them apart.
    const edited = readTopologyFile(file);
    fs.writeFileSync(
      file,
      JSON.stringify({
        ...edited,
        services: edited.services.map((svc) =>
          svc.name === 'web'
            ? {
                ...svc,
                portName: 'web',
                legacyDiscovery: { kind: 'internalAlb', dnsName: 'web.shop.internal', port: 80 },
              }
            : svc
        ),
      })
    );
    const api = fake.services.get('api')!.loadBalancers[0];
    fake.services.get('web')!.loadBalancers.push(api);
    expect(of(await report(), 'web').oldPath).toEqual({ registries: [], targetGroups: [api.targetGroupArn] });
  });

  test('retire refuses, before any change, a service with callers outside or by another name; --only retires the ready ones and deletes nothing', async () => {
    const topology = await discovered();
    await apply();
    const writes = fake.writes().length;
    const refused = await withTopology('retire');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /error: api: legacy-batch \(as api-legacy\.shop\.internal\) call it by a name Service Connect does not alias/
    );
    expect(refused.stderr).toMatch(
      /error: reports: its name may have callers outside ECS \(calledFromOutside\)/
    );
    expect(fake.writes().length).toBe(writes);

    const run = await withTopology('retire', '--only', 'orders,catalog,reports', '--allow-outside-callers');
    expect(run.code).toBe(0);
    expect(
      fake
        .writes()
        .slice(writes)
        .map((r) => r.operation)
    ).toEqual(['UpdateService', 'UpdateService', 'UpdateService']);
    expect(fake.serviceOf('orders').registries).toEqual([]);
    expect(fake.serviceOf('catalog').targetGroups).toEqual([]);
    // The public target group of web and the others' paths are left alone.
    expect(fake.serviceOf('web').targetGroups).toHaveLength(1);
    expect(fake.serviceOf('payments').registries).toHaveLength(1);
    const again = await withTopology('retire', '--only', 'orders');
    expect(again.stderr).toMatch(/orders: already old path detached, skipped/);
    expect(topology.services.find((s) => s.name === 'orders')!.legacyDiscovery.kind).toBe('cloudMapDns');
  });

  test('retire refuses a service whose callers do not run Service Connect yet', async () => {
    await discovered();
    fake.failNextDeployment('api');
    await apply();
    const run = await withTopology('retire', '--only', 'orders');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/orders: its caller\(s\) api do not run Service Connect yet/);
  });

  test('rollback attaches the retired paths first, then turns Service Connect off clients first, each service back on its revision', async () => {
    const topology = await discovered();
    await apply();
    await withTopology('retire', '--only', 'orders,catalog');
    fake.requests.length = 0;
    const run = await withTopology('rollback');
    expect(run.stderr).not.toMatch(/error/);
    expect(run.code).toBe(0);
    const updates = fake.requests.filter((r) => r.operation === 'UpdateService');
    expect(
      updates
        .slice(0, 2)
        .map((u) => u.input.service)
        .sort()
    ).toEqual(['catalog', 'orders']);
    expect(fake.serviceOf('orders').registries).toHaveLength(1);
    expect(fake.serviceOf('catalog').targetGroups).toHaveLength(1);
    for (const name of SHOP.services.map((s) => s.name)) expect(fake.serviceConnectOf(name)).toBe('off');
    expect(fake.serviceOf('api').taskDefinition).toMatch(/task-definition\/api:1$/);
    expect(fake.serviceOf('api').portMappings[0].name).toBeUndefined();
    expect(fake.namespaceServiceNames('shop.sc.internal')).toEqual([]);
    // Clients first: a service turns off only after every caller did.
    const off = updates
      .filter((u) => u.input.serviceConnectConfiguration?.enabled === false)
      .map((u) => u.input.service);
    for (const svc of topology.services)
      for (const call of svc.calls)
        if (!sameCycle(topology, svc.name, call.service))
          expect(off.indexOf(svc.name)).toBeLessThan(off.indexOf(call.service));
  });

  test('refuses a bad topology file before any AWS call, every problem with its path', async () => {
    const topology = JSON.parse(JSON.stringify(await discovered()));
    topology.services[1].calls[0].service = 'orderz';
    topology.services[3].name = 'orders';
    fs.writeFileSync(file, JSON.stringify(topology));
    fake.requests.length = 0;
    const run = await apply();
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /shop\.json: services\[1\]\.calls\[0\]\.service: 'orderz' is not a service of the topology/
    );
    expect(run.stderr).toMatch(/shop\.json: services\[3\]\.name: 'orders' is used by services\[2\] too/);
    expect(run.stderr).toMatch(/nothing was changed/);
    expect(fake.requests).toEqual([]);
  });

  test('refuses a task definition without the port the file names, before any change', async () => {
    const topology = JSON.parse(JSON.stringify(await discovered()));
    topology.services.find((s: any) => s.name === 'orders-db').port = 5433;
    topology.services.find((s: any) => s.name === 'orders-db').legacyDiscovery.calledFromOutside = undefined;
    fs.writeFileSync(file, JSON.stringify(topology));
    const run = await apply();
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /orders-db: task definition orders-db:1: container 'postgres' has no port mapping for port 5433 \(ports: 5432\)/
    );
    expect(fake.writes()).toEqual([]);
  });

  test.each([
    ['CODE_DEPLOY', 'CodeDeploy'],
    ['EXTERNAL', 'an external controller'],
  ] as const)('refuses a service deployed by %s, before any change', async (controller, by) => {
    await fake.stop();
    fake = new FakeAws();
    env = { ...fake.env(await fake.start()), [POLL_INTERVAL_ENV]: '0.01' };
    fake.seedCluster({
      ...SHOP,
      services: SHOP.services.map((s) =>
        s.name === 'catalog' ? { ...s, deploymentController: controller } : s
      ),
    });
    const report = JSON.parse(
      (await migrate('discover', '--cluster', 'shop', '--out', file, '--json')).stdout
    );
    expect(report.findings).toContainEqual(
      expect.objectContaining({
        code: 'deployment-controller',
        severity: 'error',
        services: ['catalog'],
      })
    );
    const run = await withTopology('apply', '--namespace', 'shop.sc.internal');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `catalog: deployed by ${by} (deploymentController ${controller}): UpdateService cannot change`
    );
    expect(fake.writes()).toEqual([]);
  });

  test('plan and apply stop before any change on a file without a log group for the proxies, saying what to add', async () => {
    const topology = JSON.parse(JSON.stringify(await discovered()));
    delete topology.logGroupName;
    for (const svc of topology.services) delete svc.logGroupName;
    fs.writeFileSync(file, JSON.stringify(topology));
    for (const command of ['plan', 'apply']) {
      const run = await withTopology(command, '--namespace', 'shop.sc.internal');
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(
        /error: web: no log group for its Service Connect proxy; add logGroupName to the topology \(at the top, or on the service\): a log group that exists, which the task execution role may write to/
      );
      expect(run.stderr.match(/no log group for its Service Connect proxy/g)).toHaveLength(14);
    }
    expect((await withTopology('apply', '--dry-run')).stderr).toMatch(
      /error: [a-z-]+: no log group for its Service Connect proxy; add logGroupName/
    );
    expect(fake.writes()).toEqual([]);
  });

  test('apply --dry-run of a topology file makes no AWS call', async () => {
    await discovered();
    fake.requests.length = 0;
    const run = await withTopology('apply', '--dry-run');
    expect(run.code).toBe(0);
    expect(fake.requests).toEqual([]);
    expect(run.stdout.trim().split('\n')).toHaveLength(14);
  });
});

describe('a service that ECS deploys gradually (linear, blue/green target groups)', () => {
  const GREEN = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/catalog-green/9';
  const ADVANCED = {
    productionListenerRule:
      'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/shop-internal/1/2/3',
    roleArn: 'arn:aws:iam::123456789012:role/ecs-load-balancers',
  };

  /**
   * catalog moved to LINEAR (two 50% steps a minute apart) with its internal target group as the
   * alternate of a pair, by an UpdateService as its owner would send it (ECS records it in the
   * service's history); its later deployments take `slowerBy` requests of the fake longer.
   */
  async function catalogLinear(slowerBy = 0): Promise<string> {
    const blue = fake.services.get('catalog')!.loadBalancers[0];
    const ecs = new ECSClient({
      region: 'us-east-1',
      endpoint: env.AWS_ENDPOINT_URL_ECS,
      credentials: { accessKeyId: 'AKIDFAKE', secretAccessKey: 'fake-secret' },
    });
    await ecs.send(
      new UpdateServiceCommand({
        cluster: 'shop',
        service: 'catalog',
        deploymentConfiguration: {
          strategy: 'LINEAR',
          linearConfiguration: { stepPercent: 50, stepBakeTimeInMinutes: 1 },
        },
        loadBalancers: [
          {
            ...blue,
            targetGroupArn: GREEN,
            advancedConfiguration: { ...ADVANCED, alternateTargetGroupArn: blue.targetGroupArn },
          },
        ],
      })
    );
    fake.gradualPolls = slowerBy;
    return blue.targetGroupArn;
  }

  test('plan says so, and apply waits --timeout plus its steps and bake', async () => {
    await discovered();
    await catalogLinear(40);
    const plan = await withTopology('plan', '--namespace', 'shop.sc.internal');
    expect(plan.stdout).toMatch(
      /\n  catalog: ECS deploys it LINEAR, steps of 50% with 1 wait\(s\) of 1 min between them, then a 0 min bake: every update of it \(apply, retire, rollback\) takes 1m0s more than a rolling one, and waits --timeout plus that\n/
    );
    const json = JSON.parse((await withTopology('plan', '--json', '--namespace', 'shop.sc.internal')).stdout);
    const row = json.waves.flatMap((w: any) => w.services).find((r: any) => r.service === 'catalog');
    expect(row.deployment).toMatchObject({ strategy: 'LINEAR', minutes: 1 });

    const run = await withTopology(
      'apply',
      '--namespace',
      'shop.sc.internal',
      '--timeout',
      '1s',
      '--poll-interval',
      '0.02'
    );
    expect(run.stderr).not.toMatch(/error/);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(
      /the wave waits up to 1m1s: --timeout 1\.0s and the longest gradual deployment's steps and bake/
    );
    expect(fake.serviceConnectOf('catalog')).toBe('on');
  });

  test('retire detaches its target group from either side of the pair; rollback attaches it again as its history recorded it', async () => {
    await discovered();
    const blue = await catalogLinear();
    await apply();
    // The file records the target group that is now the pair's alternate: still the old path.
    const status = JSON.parse((await withTopology('status', '--json')).stdout);
    expect(status.services.find((s: any) => s.service === 'catalog').oldPath.targetGroups).toEqual([GREEN]);
    const retired = await withTopology('retire', '--only', 'catalog');
    expect(retired.code).toBe(0);
    expect(fake.serviceOf('catalog').targetGroups).toEqual([]);
    fake.requests.length = 0;
    const run = await withTopology('rollback');
    expect(run.stderr).not.toMatch(/error/);
    expect(run.code).toBe(0);
    const attach = fake.requests.find(
      (r) => r.operation === 'UpdateService' && r.input.service === 'catalog' && r.input.loadBalancers
    )!;
    expect(attach.input.loadBalancers).toEqual([
      expect.objectContaining({
        targetGroupArn: GREEN,
        advancedConfiguration: { ...ADVANCED, alternateTargetGroupArn: blue },
      }),
    ]);
  });

  test('rollback refuses, before any change, to attach its target group when its history no longer has the pair', async () => {
    await discovered();
    await catalogLinear();
    await apply();
    await withTopology('retire', '--only', 'catalog');
    fake.services.get('catalog')!.serviceDeployments = [];
    const writes = fake.writes().length;
    const run = await withTopology('rollback');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /catalog: ECS deploys it LINEAR, so its target group \S+ can only be attached again with the alternate target group, production listener rule and role it had \(advancedConfiguration\), and its deployment history \(ECS keeps 90 days\) records none/
    );
    expect(fake.writes().length).toBe(writes);
  });
});

/** Every caller's update comes after its callee's (cycles apart), and after the callee was stable. */
function expectServersFirst(topology: Topology): void {
  const first = (name: string) =>
    fake.requests.findIndex((r) => r.operation === 'UpdateService' && r.input.service === name);
  for (const svc of topology.services)
    for (const call of svc.calls) {
      if (sameCycle(topology, svc.name, call.service)) continue;
      expect([svc.name, first(svc.name)]).toEqual([svc.name, expect.any(Number)]);
      expect(first(call.service)).toBeLessThan(first(svc.name));
    }
}

function sameCycle(topology: Topology, a: string, b: string): boolean {
  return callCycles(topology).some((c) => c.includes(a) && c.includes(b));
}
