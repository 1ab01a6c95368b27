import * as fs from 'fs';
import * as path from 'path';
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { layeredTopology } from '../../lib/bench/scale-topology';
import { POLL_INTERVAL_ENV, runMigrateCli } from '../../lib/migrate/cli';
import { expectedScFiles, renderScFile } from '../../lib/migrate/sc-files';
import { isComplete, onEvent } from '../../lib/teardown/handler';
import { runCli } from '../support/cli';
import { FakeAws } from '../support/fake-aws';
import { tempDir } from '../support/temp';

/**
 * Past ECS's limit of 10 services per DescribeServices (and per waitUntilServicesStable): a
 * generated topology of 24 services, against the fake, which refuses more than 10 as ECS does.
 */
const TOPOLOGY = layeredTopology(24);
const NAMES = TOPOLOGY.services.map((s) => s.name);

let fake: FakeAws;
let env: Record<string, string>;
let scDir: string;

beforeAll(() => {
  scDir = tempDir('yelb-sc-24');
  for (const [file, config] of expectedScFiles(TOPOLOGY))
    fs.writeFileSync(path.join(scDir, file), renderScFile(config));
});
afterAll(() => fs.rmSync(scDir, { recursive: true, force: true }));
beforeEach(async () => {
  fake = new FakeAws();
  fake.pollsToStable = 1;
  env = { ...fake.env(await fake.start()), [POLL_INTERVAL_ENV]: '0.01' };
});
afterEach(() => fake.stop());

const migrate = (...argv: string[]) =>
  runCli((args, io) => runMigrateCli(args, io, { topology: TOPOLOGY }), [...argv, '--sc-dir', scDir], env);
const describeCalls = () => fake.requests.filter((r) => r.operation === 'DescribeServices');

describe(`${NAMES.length} services`, () => {
  test('the fake refuses more than 10 services per DescribeServices, as ECS does', async () => {
    fake.seedYelb({ topology: TOPOLOGY });
    const ecs = new ECSClient({
      maxAttempts: 1,
      endpoint: env.AWS_ENDPOINT_URL_ECS,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDFAKE', secretAccessKey: 'fake' },
    });
    await expect(
      ecs.send(new DescribeServicesCommand({ cluster: TOPOLOGY.clusterName, services: NAMES.slice(0, 11) }))
    ).rejects.toThrow(/at most 10/);
  });

  test('apply turns every service on, wave by wave, 10 services per call at most', async () => {
    fake.seedYelb({ topology: TOPOLOGY });
    const run = await migrate('apply');
    expect(run.stderr).not.toMatch(/error/);
    expect(run.code).toBe(0);
    for (const name of NAMES) expect(fake.serviceConnectOf(name)).toBe('on');
    expect(Math.max(...describeCalls().map((r) => r.input.services.length))).toBe(10);
  }, 60_000);

  test('rollback turns every service off and waits for the namespace to drain', async () => {
    fake.seedYelb({ topology: TOPOLOGY, serviceConnectOn: NAMES });
    const run = await migrate('rollback');
    expect(run.stderr).not.toMatch(/error/);
    expect(run.code).toBe(0);
    for (const name of NAMES) expect(fake.serviceConnectOf(name)).toBe('off');
    expect(fake.namespaceServiceNames(TOPOLOGY.serviceConnectNamespace)).toEqual([]);
  }, 60_000);

  test('status reads all of them', async () => {
    fake.seedYelb({ topology: TOPOLOGY, serviceConnectOn: NAMES.slice(0, 12) });
    const run = await migrate('status', '--json');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.services).toHaveLength(NAMES.length);
    expect(describeCalls().every((r) => r.input.services.length <= 10)).toBe(true);
  });

  test("the teardown's drain turns all of them off and completes", async () => {
    fake.seedYelb({ topology: TOPOLOGY, serviceConnectOn: NAMES });
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      const event = {
        RequestType: 'Delete' as const,
        ResourceType: 'Custom::ServiceConnectDrain' as const,
        PhysicalResourceId: 'drain',
        ResourceProperties: {
          ClusterName: TOPOLOGY.clusterName,
          ServiceNames: NAMES,
          NamespaceId: `ns-${TOPOLOGY.serviceConnectNamespace.replace(/\W/g, '')}`,
          NamespaceName: TOPOLOGY.serviceConnectNamespace,
          DrainTimeoutSeconds: '60',
        },
      };
      jest.spyOn(console, 'log').mockImplementation(() => undefined);
      const started = await onEvent(event);
      expect(fake.updates()).toHaveLength(NAMES.length);
      let done = false;
      for (let i = 0; i < 20 && !done; i++)
        done = (await isComplete({ ...event, Data: started.Data })).IsComplete;
      expect(done).toBe(true);
    } finally {
      process.env = saved;
      jest.restoreAllMocks();
    }
  });
});
