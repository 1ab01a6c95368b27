import * as fs from 'fs';
import * as path from 'path';
import { checkStep } from '../../lib/export/step-check';
import { StackTemplate } from '../../lib/export/template';
import { POLL_INTERVAL_ENV } from '../../lib/migrate/cli';
import { FakeAws } from '../support/fake-aws';
import { tempDir } from '../support/temp';
import { SAMPLE_STACK, sampleTemplate, seedSample } from '../support/yelb-sample-stack';
import { migrate } from './exported';

// What export refuses, by name and before it writes anything: fields it would touch that the
// template sets through something it cannot evaluate, a template it cannot read, a stack the
// CDK made, a topology without owners; and each step the diff engine finds doing more than it
// is for.
let fake: FakeAws;
let env: Record<string, string>;
let dir: string;
let file: string;

beforeAll(async () => {
  fake = new FakeAws();
  env = { ...fake.env(await fake.start()), [POLL_INTERVAL_ENV]: '0.01' };
  seedSample(fake);
  dir = tempDir('refusals');
  file = path.join(dir, 'yelb.json');
  expect((await migrate(env, 'discover', '--cluster', 'yelb-cluster', '--out', file)).code).toBe(0);
});
afterAll(() => fake.stop());

/** The sample's template as JSON (CloudFormation takes either), changed by `change` first. */
function asJson(change: (resources: Record<string, any>) => void): (template: string) => string {
  return (template) => {
    const json = structuredClone(StackTemplate.parse(template, 'sample').json()) as Record<string, any>;
    change(json.Resources);
    return JSON.stringify(json, null, 2);
  };
}

/** The container definitions of the sample's yelb-db task definition. */
const dbContainer = (resources: Record<string, any>) =>
  resources.YelbDbTaskDefinition.Properties.ContainerDefinitions[0];

/** A copy of the discovered topology changed by `change`, written beside it. */
function topologyWith(name: string, change: (topology: any) => void): string {
  const topology = JSON.parse(fs.readFileSync(file, 'utf8'));
  change(topology);
  const changed = path.join(dir, `${name}.json`);
  fs.writeFileSync(changed, JSON.stringify(topology));
  return changed;
}

/** The port name discover gave yelb-db (unnamed in the task definition: the plan's). */
const dbPortName = () =>
  JSON.parse(fs.readFileSync(file, 'utf8')).services.find((s: any) => s.name === 'yelb-db').portName;

/** Exports with the stack's template changed by `edit`; the run, and whether it wrote anything. */
async function exportWith(edit: (template: string) => string, topology = file) {
  const edited = edit(sampleTemplate());
  if (topology === file) expect(edited).not.toBe(sampleTemplate());
  fake.setStackTemplate(SAMPLE_STACK, edited);
  const out = path.join(dir, `out-${Math.random().toString(36).slice(2)}`);
  const run = await migrate(
    env,
    'export',
    '--topology',
    topology,
    '--format',
    'cloudformation',
    '--out',
    out
  );
  fake.setStackTemplate(SAMPLE_STACK, sampleTemplate());
  return { ...run, out, wrote: fs.existsSync(out) };
}

describe('export refuses, by name and writing nothing', () => {
  test.each([
    [
      'a Service Connect configuration set through a condition',
      (t: string) =>
        t.replace(
          '      ServiceName: yelb-db\n',
          '      ServiceName: yelb-db\n      ServiceConnectConfiguration: !If [UseServiceConnect, {Enabled: true}, !Ref AWS::NoValue]\n'
        ),
      'stack yelb-sample, yelb-db: YelbDbService.ServiceConnectConfiguration is set through Fn::If, which the export would replace without knowing what it says',
    ],
    [
      'a service that exists under a condition',
      (t: string) =>
        t.replace(
          '  YelbRedisService:\n    Type: AWS::ECS::Service\n',
          '  YelbRedisService:\n    Type: AWS::ECS::Service\n    Condition: WithRedis\n'
        ),
      'stack yelb-sample, yelb-redis: YelbRedisService exists only under the condition \'"WithRedis"\', whose value the export does not guess',
    ],
    [
      'a container port from a mapping',
      (t: string) =>
        t.replace(
          '            - ContainerPort: 5432\n',
          '            - ContainerPort: !FindInMap [Ports, Db, Port]\n'
        ),
      'stack yelb-sample, yelb-db: YelbDbTaskDefinition, container yelb-db: no port mapping of port 5432 (a ContainerPort set through a function other than a parameter reference is not read)',
    ],
    [
      'a task definition of another stack',
      (t: string) =>
        t.replace(
          'TaskDefinition: !Ref YelbRedisTaskDefinition',
          'TaskDefinition: !ImportValue shared-redis-task'
        ),
      'stack yelb-sample, yelb-redis: YelbRedisService.TaskDefinition is {"Fn::ImportValue":"shared-redis-task"}, not a Ref to a task definition of this template: its port 6379 must be named',
    ],
    [
      'registries that retire cannot state without the old path',
      (t: string) =>
        t.replace(
          '      ServiceRegistries:\n        - RegistryArn: !GetAtt YelbDbDiscovery.Arn\n',
          '      ServiceRegistries: !If [InCloudMap, [{RegistryArn: !GetAtt YelbDbDiscovery.Arn}], []]\n'
        ),
      'stack yelb-sample, yelb-db: YelbDbService.ServiceRegistries is set through Fn::If: retire states the list without the old path, so it must be a literal list here',
    ],
    [
      'a template that is not YAML',
      (t: string) => t.replace('Resources:\n', 'Resources:\n  - [unclosed\n'),
      'stack yelb-sample: the template is not valid YAML (',
    ],
    [
      'a service that its logical ID does not name in the template',
      (t: string) => t.replace('  YelbDbService:\n', '  YelbDatabaseService:\n'),
      "stack yelb-sample, yelb-db: no resource YelbDbService in the template's Resources",
    ],
    [
      'a resource of another type under the logical ID of the service',
      (t: string) =>
        t.replace(
          '  YelbDbService:\n    Type: AWS::ECS::Service\n',
          '  YelbDbService:\n    Type: AWS::ECS::TaskSet\n'
        ),
      'stack yelb-sample, yelb-db: YelbDbService is of type AWS::ECS::TaskSet, not AWS::ECS::Service',
    ],
    [
      'container definitions set through a condition',
      asJson((r) => {
        const list = r.YelbDbTaskDefinition.Properties.ContainerDefinitions;
        r.YelbDbTaskDefinition.Properties.ContainerDefinitions = { 'Fn::If': ['Big', list, list] };
      }),
      'stack yelb-sample, yelb-db: YelbDbTaskDefinition.ContainerDefinitions is set through Fn::If: the export names a port only in a literal list',
    ],
    [
      'no container of the name the topology gives',
      (t: string) => t.replace('        - Name: yelb-db\n', '        - Name: database\n'),
      "stack yelb-sample, yelb-db: YelbDbTaskDefinition has no container named 'yelb-db'",
    ],
    [
      'a container name from a function',
      asJson((r) => {
        dbContainer(r).Name = { 'Fn::Join': ['-', ['yelb', 'db']] };
      }),
      "stack yelb-sample, yelb-db: YelbDbTaskDefinition has no container named 'yelb-db' (a container name is set through a function other than a parameter reference)",
    ],
    [
      'port mappings from a mapping',
      asJson((r) => {
        dbContainer(r).PortMappings = { 'Fn::FindInMap': ['Ports', 'Db', 'Mappings'] };
      }),
      'stack yelb-sample, yelb-db: YelbDbTaskDefinition, container yelb-db: PortMappings is set through Fn::FindInMap: the export names a port only in a literal list',
    ],
    [
      "a port's name from a function whose value is not the name Service Connect needs",
      (t: string) =>
        t.replace(
          '            - ContainerPort: 5432\n              Protocol: tcp\n',
          "            - ContainerPort: 5432\n              Protocol: tcp\n              Name: !Sub '${AWS::StackName}-db'\n"
        ),
      `stack yelb-sample, yelb-db: YelbDbTaskDefinition, container yelb-db: the port mapping's Name is {"Fn::Sub":"\${AWS::StackName}-db"}, which the export cannot read as 'yelb-db-5432'`,
    ],
    [
      'registries without the old path',
      (t: string) =>
        t.replace(
          '        - RegistryArn: !GetAtt YelbDbDiscovery.Arn\n',
          '        - RegistryArn: arn:aws:servicediscovery:us-east-1:123456789012:service/srv-other\n'
        ),
      'stack yelb-sample, yelb-db: YelbDbService.ServiceRegistries has no entry whose RegistryArn is the Cloud Map service YelbDbDiscovery of this stack: retire would detach nothing',
    ],
    [
      'a template that the diff engine cannot read (a resource without a value)',
      (t: string) => t.replace('Resources:\n', 'Resources:\n  Placeholder:\n'),
      'stack yelb-sample, wave 1: the CloudFormation diff engine cannot read the template (',
    ],
    [
      'a template that is not JSON',
      () => '{"Resources": ',
      'stack yelb-sample: the template is not valid JSON (',
    ],
    [
      'a stack the CDK made',
      (t: string) =>
        t.replace(
          'Resources:\n',
          'Resources:\n  CDKMetadata:\n    Type: AWS::CDK::Metadata\n    Properties:\n      Analytics: v2:deflate64:x\n'
        ),
      'stack yelb-sample was made by the CDK: its next cdk deploy would put back a template that this export edits; use --format cdk',
    ],
  ])('%s', async (_what, edit, message) => {
    const run = await exportWith(edit);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stderr).toMatch(/nothing was changed/);
    expect(run.wrote).toBe(false);
  });

  test('reads a parameter reference with the value the stack was deployed with, not its default', async () => {
    const run = await exportWith((t) => t.replace('    Default: 4567\n', '    Default: 8080\n'));
    expect(run.stderr).not.toMatch(/error/);
    expect(run.code).toBe(0);
  });

  test("reads a port's name through a parameter reference, with the value the stack was deployed with", async () => {
    const parameters = fake.stackParameters.get(SAMPLE_STACK)!;
    fake.stackParameters.set(SAMPLE_STACK, { ...parameters, DbPortName: dbPortName() });
    try {
      const run = await exportWith((t) =>
        t
          .replace('Parameters:\n', 'Parameters:\n  DbPortName:\n    Type: String\n')
          .replace(
            '            - ContainerPort: 5432\n              Protocol: tcp\n',
            '            - ContainerPort: 5432\n              Protocol: tcp\n              Name: !Ref DbPortName\n'
          )
      );
      expect(run.stderr).not.toMatch(/error/);
      expect(run.code).toBe(0);
      const wave = StackTemplate.parse(
        fs.readFileSync(path.join(run.out, SAMPLE_STACK, '01-wave-1.yaml'), 'utf8'),
        'wave'
      );
      expect(wave.json().Resources!.YelbDbTaskDefinition.Properties!.ContainerDefinitions).toMatchObject([
        { PortMappings: [{ ContainerPort: 5432, Protocol: 'tcp', Name: { Ref: 'DbPortName' } }] },
      ]);
    } finally {
      fake.stackParameters.set(SAMPLE_STACK, parameters);
    }
  });

  test('a stack that does not exist (any more)', async () => {
    const gone = topologyWith('gone', (t) => {
      for (const svc of t.services) svc.owner.stack = 'yelb-gone';
    });
    const run = await exportWith((t) => t, gone);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'error: stack yelb-gone: does not exist in us-east-1 (the topology names it as the owner of its services: run discover again, or pass --region)'
    );
    expect(run.wrote).toBe(false);
  });

  test('a stack the topology says the CDK made, before reading it', async () => {
    const cdk = topologyWith('cdk', (t) => {
      for (const svc of t.services) svc.owner.madeBy = 'cdk';
    });
    const before = fake.requests.length;
    const run = await exportWith((t) => t, cdk);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'error: stack yelb-sample was made by the CDK: its next cdk deploy would put back'
    );
    expect(fake.requests.slice(before)).toEqual([]);
  });

  test.each([
    [
      'a folder whose parent does not exist',
      () => path.join(dir, 'missing', 'out'),
      /^error: --out .*missing\/out: the folder .*missing does not exist$/m,
    ],
    [
      'a file',
      () => {
        fs.writeFileSync(path.join(dir, 'a-file'), '');
        return path.join(dir, 'a-file');
      },
      /^error: --out .*a-file is a file, not a folder$/m,
    ],
  ])('--out naming %s', async (_what, out, message) => {
    const before = fake.requests.length;
    const run = await migrate(
      env,
      'export',
      '--topology',
      file,
      '--format',
      'cloudformation',
      '--out',
      out()
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(fake.requests.length).toBe(before);
  });

  test("--format cdk: what the CDK's props cannot state, by service and value", async () => {
    const kept = topologyWith('kept', (t) => {
      const db = t.services.find((s: any) => s.name === 'yelb-db');
      db.serviceConnect = {
        namespace: 'yelb.sc.internal',
        services: [
          {
            portName: db.portName,
            discoveryName: db.portName,
            clientAliases: [
              { port: 5432, dnsName: 'yelb-db.yelb.cloudmap.internal' },
              { port: 5432, dnsName: 'db.yelb.internal' },
            ],
          },
        ],
        logConfiguration: {
          logDriver: 'awslogs',
          options: {
            'awslogs-group': 'ecs/serviceconnectdemo',
            'awslogs-stream-prefix': 'db',
            mode: 'non-blocking',
          },
        },
      };
    });
    const redisPort = JSON.parse(fs.readFileSync(kept, 'utf8')).services.find(
      (s: any) => s.name === 'yelb-redis'
    ).portName;
    const keptBoth = topologyWith('kept-both', (t) => {
      Object.assign(t, JSON.parse(fs.readFileSync(kept, 'utf8')));
      const redis = t.services.find((s: any) => s.name === 'yelb-redis');
      redis.serviceConnect = {
        namespace: 'yelb.sc.internal',
        services: [
          {
            portName: redisPort,
            discoveryName: redisPort,
            clientAliases: [
              {
                port: 6379,
                dnsName: 'yelb-redis.yelb.cloudmap.internal',
                testTrafficRules: { header: { name: 'x-green' } },
              },
            ],
            tls: {
              issuerCertificateAuthority: {
                awsPcaAuthorityArn: 'arn:aws:acm-pca:us-east-1:1:certificate-authority/ca',
              },
            },
          },
        ],
      };
    });
    const out = path.join(dir, 'kept-cdk');
    const run = await migrate(env, 'export', '--topology', keptBoth, '--format', 'cdk', '--out', out);
    expect(run.stderr).toContain(
      `error: yelb-redis, endpoint '${redisPort}': TLS is not exported for the CDK; state its tls props by hand`
    );
    expect(run.stderr).toContain(
      `error: yelb-redis, endpoint '${redisPort}': test traffic rules are not exported for the CDK (its props have none)`
    );
    expect(run.stderr).toContain(
      "error: yelb-db: log options 'mode'; the CDK's awsLogs driver states only awslogs-group, awslogs-stream-prefix, awslogs-region"
    );
    expect(run.stderr).toContain(
      `error: yelb-db, endpoint '${dbPortName()}': 2 client aliases (yelb-db.yelb.cloudmap.internal:5432, db.yelb.internal:5432); the CDK's props state exactly one`
    );
    expect(run.stderr).toMatch(/nothing was changed/);
    expect(run.code).toBe(2);
    expect(fs.existsSync(out)).toBe(false);
  });

  test("says which service outside a wave that wave redeploys, when it runs the wave's task definition", async () => {
    const run = await exportWith((t) =>
      t.replace(
        '  YelbRedisService:\n',
        '  YelbDbReplicaService:\n    Type: AWS::ECS::Service\n    Properties:\n      Cluster: !Ref YelbCluster\n      TaskDefinition: !Ref YelbDbTaskDefinition\n\n  YelbRedisService:\n'
      )
    );
    expect(run.code).toBe(0);
    expect(fs.readFileSync(path.join(run.out, 'README.md'), 'utf8')).toContain(
      '- stack yelb-sample, wave 1: YelbDbReplicaService runs YelbDbTaskDefinition too, so this step redeploys it onto the new revision'
    );
  });

  test('checks every step with the diff engine: each wave, retire, and each step of the rollback', async () => {
    const run = await exportWith((t) => t.replace('Resources:\n', 'Resources:\n  Placeholder:\n'));
    const steps = [
      ...run.stderr.matchAll(/^error: stack yelb-sample, (.*): the CloudFormation diff engine/gm),
    ];
    expect(steps.map(([, step]) => step)).toEqual([
      'wave 1',
      'wave 2',
      'wave 3',
      'retire',
      'rollback: old path attached again',
      'rollback of wave 3',
      'rollback of wave 2',
      'rollback of wave 1',
    ]);
  });

  test('reports every problem of every stack at once', async () => {
    const run = await exportWith((t) =>
      t
        .replace(
          '            - ContainerPort: 5432\n',
          '            - ContainerPort: !FindInMap [Ports, Db, Port]\n'
        )
        .replace(
          '  YelbRedisService:\n    Type: AWS::ECS::Service\n',
          '  YelbRedisService:\n    Type: AWS::ECS::Service\n    Condition: WithRedis\n'
        )
    );
    expect(run.stderr.match(/^error: stack yelb-sample/gm)).toHaveLength(2);
  });

  test('a topology whose services name no stack', async () => {
    const topology = JSON.parse(fs.readFileSync(file, 'utf8'));
    for (const svc of topology.services) delete svc.owner;
    const bare = path.join(dir, 'bare.json');
    fs.writeFileSync(bare, JSON.stringify(topology));
    const run = await migrate(
      env,
      'export',
      '--topology',
      bare,
      '--format',
      'cloudformation',
      '--out',
      path.join(dir, 'bare')
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /no service names the stack that owns it \(owner\); discover records it .* --format cdk or --format terraform/
    );
  });

  test.each([
    [['export', '--format', 'cloudformation', '--out', 'x'], /export needs --topology FILE/],
    [
      ['export', '--topology', 'x.json', '--out', 'x'],
      /export needs --format; allowed: cloudformation, cdk, terraform/,
    ],
    [
      ['export', '--topology', 'x.json', '--format', 'pulumi', '--out', 'x'],
      /export needs --format \(not 'pulumi'\); allowed: cloudformation, cdk, terraform/,
    ],
    [['export', '--topology', 'x.json', '--format', 'cdk'], /export needs --out DIR/],
    [['plan', '--format', 'cdk'], /--format is for export, not plan/],
    [['status', '--allow-drift'], /--allow-drift is for apply, retire and rollback, not status/],
  ])('bad arguments %j', async (argv, message) => {
    const before = fake.requests.length;
    const run = await migrate(env, ...argv);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(fake.requests.length).toBe(before);
  });
});

describe('the deploy commands of the README', () => {
  const commandOf = (readme: string, file: string) =>
    readme.split('\n').find((l) => l.includes(`--template-file yelb-sample/${file}`)) ?? '';

  test('a bucket for a step whose template is over the 51,200 bytes CloudFormation takes inline, even where the current one is not', async () => {
    const padded = (t: string) => {
      const header = 'Metadata:\n  Padding: \n';
      return `${header.replace('\n  Padding: ', `\n  Padding: ${'x'.repeat(51_000 - t.length - header.length)}`)}${t}`;
    };
    expect(Buffer.byteLength(padded(sampleTemplate()))).toBe(51_000);
    const run = await exportWith(padded);
    expect(run.code).toBe(0);
    const readme = fs.readFileSync(path.join(run.out, 'README.md'), 'utf8');
    expect(commandOf(readme, '01-wave-1.yaml')).toMatch(/ --s3-bucket <a bucket of yours>`/);
    const small = await exportWith((t) => t.replace('Resources:\n', 'Resources:\n  # small\n'));
    const readmeSmall = fs.readFileSync(path.join(small.out, 'README.md'), 'utf8');
    expect(commandOf(readmeSmall, '01-wave-1.yaml')).not.toMatch(/--s3-bucket/);
  });

  test('CAPABILITY_AUTO_EXPAND for a template with a transform', async () => {
    const run = await exportWith((t) =>
      t.replace('Description:', 'Transform: AWS::LanguageExtensions\nDescription:')
    );
    expect(run.code).toBe(0);
    const readme = fs.readFileSync(path.join(run.out, 'README.md'), 'utf8');
    expect(commandOf(readme, '02-wave-2.yaml')).toMatch(
      / --capabilities CAPABILITY_IAM CAPABILITY_NAMED_IAM CAPABILITY_AUTO_EXPAND`/
    );
  });
});

describe('each step, checked with the diff engine', () => {
  const base = StackTemplate.parse(sampleTemplate(), 'sample');
  const allowed = {
    services: new Map([['YelbDbService', ['ServiceConnectConfiguration']]]),
    taskDefinitions: new Set(['YelbDbTaskDefinition']),
    anyDependsOn: false,
  };
  const path = (id: string, ...rest: (string | number)[]) => ['Resources', id, ...rest];

  test("passes a step that changes only its service's configuration and its task definition (a new revision)", async () => {
    const step = base.edit([
      {
        kind: 'set',
        path: path('YelbDbService', 'Properties', 'ServiceConnectConfiguration'),
        value: { Enabled: true },
      },
      {
        kind: 'set',
        path: path(
          'YelbDbTaskDefinition',
          'Properties',
          'ContainerDefinitions',
          0,
          'PortMappings',
          0,
          'Name'
        ),
        value: 'db',
      },
    ]);
    expect(await checkStep('wave 1', base, step, allowed)).toEqual({
      problems: [],
      replacedTaskDefinitions: ['YelbDbTaskDefinition'],
      alsoRedeployed: [],
    });
  });

  test('names a service outside the step that runs the task definition it replaces', async () => {
    const shared = base.edit([
      {
        kind: 'set',
        path: path('YelbRedisService', 'Properties', 'TaskDefinition'),
        value: { Ref: 'YelbDbTaskDefinition' },
      },
    ]);
    const step = shared.edit([
      {
        kind: 'set',
        path: path(
          'YelbDbTaskDefinition',
          'Properties',
          'ContainerDefinitions',
          0,
          'PortMappings',
          0,
          'Name'
        ),
        value: 'db',
      },
    ]);
    expect((await checkStep('wave 1', shared, step, allowed)).alsoRedeployed).toEqual([
      { service: 'YelbRedisService', taskDefinition: 'YelbDbTaskDefinition' },
    ]);
  });

  test('finds what a step must not do: another service changed, a protected resource replaced or deleted, a task definition not its own', async () => {
    const step = base
      .edit([
        { kind: 'set', path: path('YelbRedisService', 'Properties', 'DesiredCount'), value: 2 },
        { kind: 'set', path: path('YelbDbService', 'Properties', 'ServiceName'), value: 'yelb-db-2' },
        { kind: 'set', path: path('YelbUiTaskDefinition', 'Properties', 'Cpu'), value: '512' },
        { kind: 'set', path: path('YelbDbService', 'DependsOn'), value: ['YelbRedisService'] },
      ])
      .edit([{ kind: 'delete', path: path('YelbAppServerTargetGroup') }]);
    const { problems } = await checkStep('wave 1', base, step, allowed);
    expect(problems).toEqual([
      'wave 1: YelbAppServerTargetGroup (AWS::ElasticLoadBalancingV2::TargetGroup) would be deleted',
      'wave 1: YelbUiTaskDefinition (AWS::ECS::TaskDefinition) would be replaced (Cpu)',
      'wave 1: YelbUiTaskDefinition (AWS::ECS::TaskDefinition) would change Cpu',
      'wave 1: YelbDbService (AWS::ECS::Service) would be replaced (ServiceName), which must never happen to a resource of this type',
      'wave 1: YelbDbService (AWS::ECS::Service) would change ServiceName',
      'wave 1: YelbRedisService (AWS::ECS::Service) would change DesiredCount',
    ]);
  });
});
