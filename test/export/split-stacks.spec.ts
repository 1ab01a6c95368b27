import * as fs from 'fs';
import * as path from 'path';
import { apiServiceConnect } from '../../lib/export/cfn-config';
import { StackTemplate } from '../../lib/export/template';
import { POLL_INTERVAL_ENV } from '../../lib/migrate/cli';
import { readTopologyFile } from '../../lib/model/topology-file';
import { FakeAws } from '../support/fake-aws';
import { seedSplit, stackOf } from '../support/split-stacks';
import { tempDir } from '../support/temp';
import { dryRunWaves, filesUnder, migrate } from './exported';

// The sample's services over several stacks, one per service as Copilot makes them
// (test/support/split-stacks.ts): the waves go across the stacks, in the stacks' own format.
let fake: FakeAws;
let env: Record<string, string>;
let file: string;
let out: string;

beforeAll(async () => {
  fake = new FakeAws();
  env = { ...fake.env(await fake.start()), [POLL_INTERVAL_ENV]: '0.01' };
  seedSplit(fake);
  const dir = tempDir('split');
  file = path.join(dir, 'yelb.json');
  out = path.join(dir, 'cfn');
  expect((await migrate(env, 'discover', '--cluster', 'yelb-cluster', '--out', file)).code).toBe(0);
  const run = await migrate(env, 'export', '--topology', file, '--format', 'cloudformation', '--out', out);
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
});
afterAll(() => fake.stop());

const read = (stack: string, name: string) =>
  StackTemplate.parse(fs.readFileSync(path.join(out, stack, name), 'utf8'), name);

test('discover records each service in its own stack, made by Copilot (its tags)', () => {
  const owner = (name: string) => readTopologyFile(file).services.find((s) => s.name === name)!.owner;
  expect(owner('yelb-appserver')).toEqual({
    stack: 'yelb-test-yelb-appserver',
    logicalId: 'Service',
    madeBy: 'copilot',
    taskDefinition: { stack: 'yelb-test-yelb-appserver', logicalId: 'TaskDefinition' },
    targetGroup: { stack: 'yelb-test-yelb-appserver', logicalId: 'TargetGroup' },
  });
  expect(owner('yelb-db')?.registry).toEqual({ stack: 'yelb-test-yelb-db', logicalId: 'DiscoveryService' });
});

test('discover makes one owned-by-stack finding per stack, each naming its service', async () => {
  const where = path.join(path.dirname(file), 'again.json');
  const run = await migrate(env, 'discover', '--cluster', 'yelb-cluster', '--out', where, '--json');
  const owned = JSON.parse(run.stdout).findings.filter((f: any) => f.code === 'owned-by-stack');
  expect(owned.map((f: any) => f.services).sort()).toEqual([
    ['yelb-appserver'],
    ['yelb-db'],
    ['yelb-redis'],
    ['yelb-ui'],
  ]);
  expect(owned.find((f: any) => f.services[0] === 'yelb-db').what).toMatch(
    /^CloudFormation stack 'yelb-test-yelb-db' \(made by Copilot\) owns yelb-db \(Service\)/
  );
});

test("each stack gets the files of its own waves only, numbered as the export's steps, in JSON as it was", () => {
  expect(filesUnder(out)).toEqual([
    'README.md',
    'yelb-test-yelb-appserver/00-current.json',
    'yelb-test-yelb-appserver/02-wave-2.json',
    'yelb-test-yelb-appserver/04-retire.json',
    'yelb-test-yelb-appserver/rollback/01-attach-old-path.json',
    'yelb-test-yelb-appserver/rollback/03-wave-2-off.json',
    'yelb-test-yelb-db/00-current.json',
    'yelb-test-yelb-db/01-wave-1.json',
    'yelb-test-yelb-db/04-retire.json',
    'yelb-test-yelb-db/rollback/01-attach-old-path.json',
    'yelb-test-yelb-db/rollback/04-wave-1-off.json',
    'yelb-test-yelb-redis/00-current.json',
    'yelb-test-yelb-redis/01-wave-1.json',
    'yelb-test-yelb-redis/04-retire.json',
    'yelb-test-yelb-redis/rollback/01-attach-old-path.json',
    'yelb-test-yelb-redis/rollback/04-wave-1-off.json',
    'yelb-test-yelb-ui/00-current.json',
    'yelb-test-yelb-ui/03-wave-3.json',
    'yelb-test-yelb-ui/rollback/02-wave-3-off.json',
  ]);
  const text = fs.readFileSync(path.join(out, stackOf('yelb-db'), '01-wave-1.json'), 'utf8');
  expect(text).toMatch(/^\{\n {2}"AWSTemplateFormatVersion"/);
  expect(text.endsWith('}\n')).toBe(true);
});

test("the round trip across stacks: each wave's stacks have the configurations apply --dry-run sends, and no DependsOn between stacks", async () => {
  const waves = await dryRunWaves(env, file);
  waves.forEach((wave, i) => {
    for (const [service, config] of Object.entries(wave)) {
      const resource: any = read(stackOf(service), `0${i + 1}-wave-${i + 1}.json`).json().Resources!.Service;
      expect({ [service]: apiServiceConnect(resource.Properties.ServiceConnectConfiguration) }).toEqual({
        [service]: config,
      });
      expect(resource.DependsOn).toBeUndefined();
    }
  });
});

test('names the port of a container whose name is a parameter, with the value the stack was deployed with', () => {
  const container: any = read(stackOf('yelb-redis'), '01-wave-1.json').json().Resources!.TaskDefinition
    .Properties!.ContainerDefinitions;
  expect(container[0]).toEqual({
    Name: { Ref: 'WorkloadName' },
    Image: { Ref: 'ContainerImage' },
    PortMappings: [{ ContainerPort: 6379, Name: 'redis-server-6379' }],
  });
});

test('the README deploys each wave across its stacks, and warns that Copilot would write its templates again', () => {
  const readme = fs.readFileSync(path.join(out, 'README.md'), 'utf8');
  const step1 = readme.slice(readme.indexOf('## Step 1'), readme.indexOf('## Step 2'));
  expect(step1).toContain(
    '| yelb-test-yelb-db | `aws cloudformation deploy --stack-name yelb-test-yelb-db --template-file yelb-test-yelb-db/01-wave-1.json` |'
  );
  expect(step1).toContain(
    '| yelb-test-yelb-redis | `aws cloudformation deploy --stack-name yelb-test-yelb-redis --template-file yelb-test-yelb-redis/01-wave-1.json` |'
  );
  expect(step1).not.toContain('yelb-test-yelb-appserver');
  expect(readme).toContain(
    'stack yelb-test-yelb-ui was made by Copilot: `copilot svc deploy` writes its template again from the manifest'
  );
});

test('export reads the stacks a few at a time, not one after another', async () => {
  fake.latencyMs = 400;
  try {
    const started = Date.now();
    const run = await migrate(
      env,
      'export',
      '--topology',
      file,
      '--format',
      'cloudformation',
      '--out',
      `${out}-2`
    );
    expect(run.code).toBe(0);
    // Four stacks, two reads each (GetTemplate beside DescribeStacks): 1.6 s one stack after another.
    expect(Date.now() - started).toBeLessThan(1200);
  } finally {
    fake.latencyMs = 0;
  }
});

test('discover finds the stack of a service without tags by its ARN (DescribeStackResources)', async () => {
  const other = new FakeAws();
  const otherEnv = { ...other.env(await other.start()), [POLL_INTERVAL_ENV]: '0.01' };
  try {
    seedSplit(other, ['yelb-db']);
    const where = path.join(tempDir('untagged'), 'yelb.json');
    expect((await migrate(otherEnv, 'discover', '--cluster', 'yelb-cluster', '--out', where)).code).toBe(0);
    const asked = other.requests.filter((r) => r.operation === 'DescribeStackResources').map((r) => r.input);
    expect(asked).toEqual([
      {
        Action: 'DescribeStackResources',
        Version: '2010-05-15',
        PhysicalResourceId: expect.stringMatching(/service\/yelb-cluster\/yelb-db$/),
      },
    ]);
    const db = readTopologyFile(where).services.find((s) => s.name === 'yelb-db')!;
    // Its stack is found by its ARN; its template (a manifest) says Copilot made it.
    expect(db.owner).toMatchObject({ stack: 'yelb-test-yelb-db', logicalId: 'Service', madeBy: 'copilot' });
  } finally {
    await other.stop();
  }
});
