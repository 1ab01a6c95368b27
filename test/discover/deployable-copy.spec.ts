import { Template } from 'aws-cdk-lib/assertions';
import * as path from 'path';
import { MigrationApp } from '../../lib/app/app';
import { POLL_INTERVAL_ENV, runMigrateCli } from '../../lib/migrate/cli';
import { MIGRATION_PHASES, MigrationPhase } from '../../lib/model/phase';
import { Topology } from '../../lib/model/topology';
import { readTopologyFile } from '../../lib/model/topology-file';
import { YELB } from '../../lib/model/yelb';
import { PhaseTemplates } from '../../lib/plan/synth-phases';
import { runRehearseCli } from '../../lib/rehearse/cli';
import { buildApp } from '../support/app';
import { runCli } from '../support/cli';
import { FakeAws } from '../support/fake-aws';
import { nagViolations } from '../support/nag';
import { SHOP } from '../support/shop-cluster';
import { ecsServices } from '../support/template';
import { tempDir } from '../support/temp';

/**
 * A discovered file is a deployable copy: the file `migrate discover` writes for the 14-service
 * cluster (test/support/shop-cluster.ts, on the fake AWS) builds in the CDK app as it is, in
 * every phase, with the names discovery found and the app's stated defaults for the rest. Each
 * phase is synthesized once, for every test here.
 */
let file: string;
let discovered: Topology;
const built = new Map<MigrationPhase, MigrationApp>();
const templates = new Map<MigrationPhase, PhaseTemplates>();
const system = (phase: MigrationPhase) => Template.fromJSON(templates.get(phase)!.Shop);

beforeAll(async () => {
  const fake = new FakeAws();
  const env = { ...fake.env(await fake.start()), [POLL_INTERVAL_ENV]: '0.01' };
  try {
    fake.seedCluster(SHOP);
    file = path.join(tempDir('copy'), 'shop.json');
    const run = await runCli(
      (argv, io) => runMigrateCli(argv, io, { topology: YELB }),
      ['discover', '--cluster', 'shop', '--out', file],
      env
    );
    if (run.code !== 0) throw new Error(`discover failed: ${run.stderr}`);
  } finally {
    await fake.stop();
  }
  discovered = readTopologyFile(file);
  for (const phase of MIGRATION_PHASES) {
    const app = buildApp(phase, { topology: file });
    built.set(phase, app);
    const stacks = [app.network, app.system, app.loadTestStack];
    templates.set(
      phase,
      Object.fromEntries(stacks.map((s) => [s.stackName, Template.fromStack(s).toJSON()]))
    );
  }
}, 120_000);

test('the file names what the app needs that discovery found: the Cloud Map namespace and the zone', () => {
  expect(discovered).toMatchObject({
    name: 'shop',
    logGroupName: '/ecs/shop',
    cloudMapDnsNamespace: 'shop.local',
    internalZoneName: 'shop.internal',
  });
  expect(discovered.readinessGateImage).toBeUndefined();
});

test('synthesizes in every phase, every discovered service in it, with the defaults the app states', () => {
  for (const phase of MIGRATION_PHASES) {
    expect(Object.keys(ecsServices(system(phase))).sort()).toEqual(SHOP.services.map((s) => s.name).sort());
  }
  const { topology } = built.get('discovery')!.config;
  expect(topology.readinessGateImage).toBe('public.ecr.aws/docker/library/busybox:1.37');
  expect(topology.services.find((s) => s.name === 'web')!.portName).toBe('web');
  expect(topology.services.find((s) => s.name === 'search')!.legacyDiscovery).toMatchObject({
    healthCheckPath: '/',
  });
});

test('two services on one listener port: one listener, the second by a host rule for its name', () => {
  const template = system('discovery');
  const listeners = Object.values(template.findResources('AWS::ElasticLoadBalancingV2::Listener'))
    .map((l) => l.Properties.Port as number)
    .sort((a, b) => a - b);
  expect(listeners).toEqual([80, 80, 9200]); // the public entry's, api's (catalog's by rule), search's
  const rules = template.findResources('AWS::ElasticLoadBalancingV2::ListenerRule', {
    Properties: {
      Priority: 1,
      Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: ['catalog.shop.internal'] } }],
    },
  });
  expect(Object.keys(rules)).toHaveLength(1);
  // Its callers start after the rule exists, as after a listener of their own.
  expect(ecsServices(template).inventory.DependsOn).toEqual(expect.arrayContaining(Object.keys(rules)));
});

test('calls the app cannot write as they are: host:port inside a longer value, none by argument', () => {
  const environment = (service: string) => {
    const taskDefinitions = system('discovery').findResources('AWS::ECS::TaskDefinition');
    const family = Object.values(taskDefinitions).find((t) => t.Properties.Family === service)!;
    return Object.fromEntries(
      (family.Properties.ContainerDefinitions[0].Environment as { Name: string; Value: string }[]).map(
        (e) => [e.Name, e.Value]
      )
    );
  };
  expect(environment('orders')).toMatchObject({
    DATABASE_URL: 'orders-db.shop.local:5432',
    PAYMENTS_HOST: 'payments.shop.local',
    INVENTORY: 'http://inventory.shop.local:8080',
  });
  // legacy-batch called api by its second name: the copy has one, api.shop.internal.
  expect(environment('legacy-batch')).toMatchObject({ API: 'http://api.shop.internal:80' });
  // worker calls api by a command argument: no setting, the image's own command.
  expect(environment('worker')).toEqual({
    INVENTORY_URL: 'http://inventory.shop.local:8080',
    CONFIG: 'logback.xml',
  });
});

describe.each(MIGRATION_PHASES)('%s phase', (phase) => {
  test('cdk-nag AwsSolutions and NIST 800-53 rev 5 find nothing unacknowledged in the app', () => {
    const app = built.get(phase)!;
    for (const pack of ['AwsSolutions', 'NIST.800.53.R5'] as const) {
      expect(nagViolations(app.app, pack)).toEqual([]);
      // The network stack is the same whatever the topology: test/nag.spec.ts checks its template.
    }
  });
});

test("its rehearsal's dry run runs: every step planned, every plan safe, no AWS call", async () => {
  const run = await runCli(
    (argv, io) =>
      runRehearseCli(argv, io, {
        topology: YELB,
        aws: () => {
          throw new Error('the dry run called AWS');
        },
        synthesize: (_context, phases) => new Map(phases.map((p) => [p, structuredClone(templates.get(p)!)])),
      }),
    ['--dry-run', '--rollback', '--destroy', '-c', `topology=${file}`, '--out', tempDir('rehearsal')],
    {}
  );
  expect(run.stderr).not.toMatch(/error/);
  expect(run.code).toBe(0);
  const actions = run.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { action: string; safe?: boolean; stacks?: string[] });
  expect(actions[0]).toMatchObject({
    action: 'check-deployed',
    stacks: ['ShopNetwork', 'Shop', 'ShopLoadTest'],
  });
  const plans = actions.filter((a) => a.action === 'plan');
  expect(plans.length).toBeGreaterThanOrEqual(3);
  expect(plans.every((a) => a.safe === true)).toBe(true);
});
