import * as fs from 'fs';
import * as path from 'path';
import { apiServiceConnect } from '../../lib/export/cfn-config';
import { StackTemplate } from '../../lib/export/template';
import { POLL_INTERVAL_ENV } from '../../lib/migrate/cli';
import { readTopologyFile } from '../../lib/model/topology-file';
import { FakeAws } from '../support/fake-aws';
import { tempDir } from '../support/temp';
import { SAMPLE_STACK, sampleTemplate, seedSample } from '../support/yelb-sample-stack';
import { dryRunWaves, filesUnder, migrate } from './exported';

// The AWS sample's Yelb, as its one CloudFormation stack deploys it (test/support/yelb-sample-stack.ts),
// end to end through the real SDK clients against the fake AWS: discover records the stack, the
// changing commands refuse its services, and export writes the waves into its template.
let fake: FakeAws;
let env: Record<string, string>;
let file: string;
let out: string;

beforeAll(async () => {
  fake = new FakeAws();
  env = { ...fake.env(await fake.start()), [POLL_INTERVAL_ENV]: '0.01' };
  seedSample(fake);
  const dir = tempDir('sample');
  file = path.join(dir, 'yelb.json');
  out = path.join(dir, 'cfn');
  expect((await migrate(env, 'discover', '--cluster', 'yelb-cluster', '--out', file)).code).toBe(0);
  const run = await migrate(env, 'export', '--topology', file, '--format', 'cloudformation', '--out', out);
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
});
afterAll(() => fake.stop());

/** A file of the export, read as a template (YAML or JSON, in JSON's terms). */
const template = (name: string) =>
  StackTemplate.parse(fs.readFileSync(path.join(out, SAMPLE_STACK, name), 'utf8'), name);
const resource = (name: string, id: string): any => template(name).json().Resources![id];
const configOf = (name: string, id: string) =>
  apiServiceConnect(resource(name, id).Properties.ServiceConnectConfiguration);
const SERVICES: Record<string, string> = {
  'yelb-ui': 'YelbUiService',
  'yelb-appserver': 'YelbAppServerService',
  'yelb-db': 'YelbDbService',
  'yelb-redis': 'YelbRedisService',
};

describe('discover', () => {
  test('records the stack and logical ID of each service, its task definition and its old path; one finding for the stack', async () => {
    const topology = readTopologyFile(file);
    const owner = (name: string) => topology.services.find((s) => s.name === name)!.owner;
    expect(owner('yelb-appserver')).toEqual({
      stack: SAMPLE_STACK,
      logicalId: 'YelbAppServerService',
      taskDefinition: { stack: SAMPLE_STACK, logicalId: 'YelbAppServerTaskDefinition' },
      targetGroup: { stack: SAMPLE_STACK, logicalId: 'YelbAppServerTargetGroup' },
      record: { stack: SAMPLE_STACK, logicalId: 'YelbAppServerRecord' },
    });
    expect(owner('yelb-redis')).toEqual({
      stack: SAMPLE_STACK,
      logicalId: 'YelbRedisService',
      taskDefinition: { stack: SAMPLE_STACK, logicalId: 'YelbRedisTaskDefinition' },
      registry: { stack: SAMPLE_STACK, logicalId: 'YelbRedisDiscovery' },
    });
    const before = fake.requests.length;
    const run = await migrate(
      env,
      'discover',
      '--cluster',
      'yelb-cluster',
      '--out',
      file,
      '--force',
      '--json'
    );
    // The services' tags come with DescribeServices: the one stack is read once, no service asked.
    const asked = fake.requests.slice(before).filter((r) => r.api === 'cloudformation');
    expect(asked.map((r) => r.operation)).toEqual(['GetTemplate', 'ListStackResources']);
    const owned = JSON.parse(run.stdout).findings.filter((f: any) => f.code === 'owned-by-stack');
    expect(owned).toEqual([
      expect.objectContaining({
        severity: 'warning',
        services: ['yelb-ui', 'yelb-appserver', 'yelb-db', 'yelb-redis'],
        what: expect.stringMatching(
          /^CloudFormation stack 'yelb-sample' \(a template\) owns yelb-ui \(YelbUiService\)/
        ),
        action: expect.stringContaining('migrate -- export --topology FILE --format cloudformation'),
      }),
    ]);
  });
});

describe('apply, retire and rollback', () => {
  test.each([['apply'], ['retire'], ['rollback']])(
    '%s refuses the services a stack owns before any AWS call, naming the stack and the export',
    async (command) => {
      const before = fake.requests.length;
      const run = await migrate(env, command, '--topology', file);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(
        `yelb-ui, yelb-appserver, yelb-db, yelb-redis: owned by CloudFormation stack 'yelb-sample', whose next deployment puts back what ${command} changes; write the migration into its template instead: npm run migrate -- export --topology ${file} --format cloudformation --out DIR, or pass --allow-drift`
      );
      expect(run.stderr).toMatch(/nothing was changed/);
      expect(fake.requests.length).toBe(before);
    }
  );

  test('apply --dry-run still prints the requests, after a warning; retire --only refuses only the services it names', async () => {
    const dry = await migrate(env, 'apply', '--dry-run', '--topology', file, '--region', 'us-east-1');
    expect(dry.code).toBe(0);
    expect(dry.stderr).toMatch(
      /^warning: yelb-ui, yelb-appserver, yelb-db, yelb-redis: owned by CloudFormation stack/m
    );
    const only = await migrate(env, 'retire', '--topology', file, '--only', 'yelb-db');
    expect(only.stderr).toMatch(/^error: yelb-db: owned by CloudFormation stack 'yelb-sample'/m);
  });
});

describe('export --format cloudformation', () => {
  test("writes the current template, one per wave, retire and the rollback, in the stack's folder and format, and a README", () => {
    expect(filesUnder(out)).toEqual([
      'README.md',
      'yelb-sample/00-current.yaml',
      'yelb-sample/01-wave-1.yaml',
      'yelb-sample/02-wave-2.yaml',
      'yelb-sample/03-wave-3.yaml',
      'yelb-sample/04-retire.yaml',
      'yelb-sample/rollback/01-attach-old-path.yaml',
      'yelb-sample/rollback/02-wave-3-off.yaml',
      'yelb-sample/rollback/03-wave-2-off.yaml',
      'yelb-sample/rollback/04-wave-1-off.yaml',
    ]);
    expect(fs.readFileSync(path.join(out, SAMPLE_STACK, '00-current.yaml'), 'utf8')).toBe(sampleTemplate());
  });

  test("the round trip: each wave's template has, wave for wave, the Service Connect configurations apply --dry-run sends", async () => {
    const waves = await dryRunWaves(env, file);
    expect(waves.map((w) => Object.keys(w))).toEqual([
      ['yelb-db', 'yelb-redis'],
      ['yelb-appserver'],
      ['yelb-ui'],
    ]);
    waves.forEach((_wave, i) => {
      const name = `0${i + 1}-wave-${i + 1}.yaml`;
      const on = Object.assign({}, ...waves.slice(0, i + 1));
      for (const [service, id] of Object.entries(SERVICES)) {
        const config = resource(name, id).Properties.ServiceConnectConfiguration;
        if (service in on)
          expect({ [service]: apiServiceConnect(config) }).toEqual({ [service]: on[service] });
        else expect({ [service]: config }).toEqual({ [service]: undefined });
      }
    });
  });

  test('names the ports and states their app protocol in the task definitions, the parameter reference kept', () => {
    const mapping = (name: string, id: string) =>
      resource(name, id).Properties.ContainerDefinitions[0].PortMappings[0];
    expect(mapping('00-current.yaml', 'YelbAppServerTaskDefinition')).toEqual({
      ContainerPort: { Ref: 'AppServerPort' },
      Protocol: 'tcp',
    });
    expect(mapping('01-wave-1.yaml', 'YelbRedisTaskDefinition')).toEqual({
      ContainerPort: 6379,
      Protocol: 'tcp',
      Name: 'redis-server-6379',
    });
    expect(mapping('01-wave-1.yaml', 'YelbAppServerTaskDefinition').Name).toBeUndefined();
    expect(mapping('02-wave-2.yaml', 'YelbAppServerTaskDefinition')).toEqual({
      ContainerPort: { Ref: 'AppServerPort' },
      Protocol: 'tcp',
      Name: 'yelb-appserver-4567',
      AppProtocol: 'http',
    });
    expect(fs.readFileSync(path.join(out, SAMPLE_STACK, '02-wave-2.yaml'), 'utf8')).toContain(
      '            - ContainerPort: !Ref AppServerPort # the parameter, as deployed\n              Protocol: tcp\n              Name: yelb-appserver-4567\n              AppProtocol: http\n'
    );
  });

  test('keeps the template as it was written: its comments, short forms and every line the waves do not change', () => {
    const current = sampleTemplate().split('\n');
    const wave = fs.readFileSync(path.join(out, SAMPLE_STACK, '01-wave-1.yaml'), 'utf8').split('\n');
    // Every line of the current template is in the wave's, in order: the wave only adds lines.
    let at = 0;
    for (const line of wave) if (line === current[at]) at += 1;
    expect(current.slice(at)).toEqual([]);
    // Two port names, and two configurations of 17 lines.
    expect(wave.length - current.length).toBe(2 + 2 * 17);
  });

  test('each client waits for the services it calls (DependsOn), beside its own dependencies', () => {
    expect(resource('02-wave-2.yaml', 'YelbAppServerService').DependsOn).toEqual([
      'YelbInternalListener',
      'YelbDbService',
      'YelbRedisService',
    ]);
    expect(resource('02-wave-2.yaml', 'YelbUiService').DependsOn).toBe('YelbPublicListener');
    expect(resource('03-wave-3.yaml', 'YelbUiService').DependsOn).toEqual([
      'YelbPublicListener',
      'YelbAppServerService',
    ]);
    expect(resource('03-wave-3.yaml', 'YelbDbService').DependsOn).toBeUndefined();
  });

  test('retire states the old path detached with empty lists, keeps the public target group, and deletes nothing', () => {
    expect(resource('04-retire.yaml', 'YelbDbService').Properties.ServiceRegistries).toEqual([]);
    expect(resource('04-retire.yaml', 'YelbRedisService').Properties.ServiceRegistries).toEqual([]);
    expect(resource('04-retire.yaml', 'YelbAppServerService').Properties.LoadBalancers).toEqual([]);
    expect(resource('04-retire.yaml', 'YelbUiService').Properties.LoadBalancers).toEqual(
      resource('00-current.yaml', 'YelbUiService').Properties.LoadBalancers
    );
    expect(Object.keys(template('04-retire.yaml').json().Resources!)).toEqual(
      Object.keys(template('00-current.yaml').json().Resources!)
    );
    expect(configOf('04-retire.yaml', 'YelbDbService')).toEqual(configOf('03-wave-3.yaml', 'YelbDbService'));
  });

  test('the rollback attaches the old path first, then states Service Connect off wave by wave, clients first', () => {
    const text = (name: string) => fs.readFileSync(path.join(out, SAMPLE_STACK, name), 'utf8');
    expect(text('rollback/01-attach-old-path.yaml')).toBe(text('03-wave-3.yaml'));
    const off = { enabled: false };
    expect(configOf('rollback/02-wave-3-off.yaml', 'YelbUiService')).toEqual(off);
    expect(configOf('rollback/02-wave-3-off.yaml', 'YelbAppServerService')).toMatchObject({ enabled: true });
    expect(configOf('rollback/03-wave-2-off.yaml', 'YelbAppServerService')).toEqual(off);
    expect(configOf('rollback/04-wave-1-off.yaml', 'YelbDbService')).toEqual(off);
    expect(configOf('rollback/04-wave-1-off.yaml', 'YelbRedisService')).toEqual(off);
    // Turning it off, the servers wait for their clients; the template's own dependencies stay.
    expect(resource('rollback/04-wave-1-off.yaml', 'YelbDbService').DependsOn).toEqual([
      'YelbAppServerService',
    ]);
    expect(resource('rollback/04-wave-1-off.yaml', 'YelbUiService').DependsOn).toBe('YelbPublicListener');
  });

  test('the README says per step which stack to deploy with which file, and the status that proves it live', () => {
    const readme = fs.readFileSync(path.join(out, 'README.md'), 'utf8');
    expect(readme).toContain('## Step 1: wave 1, yelb-db and yelb-redis');
    expect(readme).toContain(
      '| yelb-sample | `aws cloudformation deploy --stack-name yelb-sample --template-file yelb-sample/01-wave-1.yaml --capabilities CAPABILITY_IAM CAPABILITY_NAMED_IAM` |'
    );
    expect(readme).toContain(
      `Live before the next step: \`npm run migrate -- status --topology ${file}\` prints`
    );
    expect(readme).toContain('| yelb-appserver | on | yelb-appserver.yelb.lb.internal:4567 | completed |');
    expect(readme).toContain('| yelb-ui | on | - | completed |');
    expect(readme).toContain('## Step 4: retire, the old path detached');
    expect(readme).toContain('### Rollback 4: wave 1 off');
    expect(readme).toMatch(
      /wave 1: CloudFormation replaces the task definition YelbDbTaskDefinition: a new revision .* \(expected and safe\)/
    );
    expect(readme).toMatch(
      /stack yelb-sample has parameters: `aws cloudformation deploy` keeps their current values/
    );
  });

  test('writes nothing into a folder that is not empty, unless --force', async () => {
    const run = await migrate(env, 'export', '--topology', file, '--format', 'cloudformation', '--out', out);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--out .* is not empty; pass --force/);
  });
});

describe('apply --allow-drift', () => {
  test('changes the services a stack owns (the docs say what its next deployment does then)', async () => {
    const run = await migrate(env, 'apply', '--topology', file, '--allow-drift');
    expect(run.stderr).not.toMatch(/owned by CloudFormation stack/);
    expect(run.code).toBe(0);
    expect(fake.serviceConnectOf('yelb-ui')).toBe('on');
    // What the README says status prints once every wave is live is what it prints.
    const status = (await migrate(env, 'status', '--topology', file)).stdout.split('\n');
    const readme = fs.readFileSync(path.join(out, 'README.md'), 'utf8');
    const rows = [...readme.matchAll(/^\| (yelb-[a-z]+) \| on \| (\S+) \| completed \|$/gm)];
    expect(rows).toHaveLength(4);
    for (const [, service, aliases] of rows) {
      const line = status.find((l) => l.startsWith(`${service} `));
      expect(line?.split(/\s{2,}/).slice(0, 3)).toEqual([service, 'on', aliases]);
      expect(line).toMatch(/ completed$/);
    }
  });
});
