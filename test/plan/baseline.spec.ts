import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import * as fs from 'fs';
import * as path from 'path';
import { runPlanCli } from '../../lib/plan/cli';
import { PhaseTemplates } from '../../lib/plan/synth-phases';
import { runCli } from '../support/cli';
import { fromSharedTemplates, stackTemplates } from '../support/app';
import { FakeAws } from '../support/fake-aws';
import { tempDir } from '../support/temp';
import { YELB } from '../../lib/model/yelb';

const phaseTemplates = stackTemplates;

const plan = (argv: string[]) =>
  runCli((args, io) => runPlanCli(args, io, { topology: YELB, synthesize: fromSharedTemplates }), argv, {});

/** Writes a cloud assembly folder like cdk.out: manifest.json and one template per stack. */
function writeAssembly(templates: PhaseTemplates): string {
  const dir = tempDir('yelb-cdk-out');
  const artifacts: Record<string, unknown> = {};
  for (const [stack, template] of Object.entries(templates)) {
    fs.writeFileSync(path.join(dir, `${stack}.template.json`), JSON.stringify(template));
    artifacts[stack] = {
      type: 'aws:cloudformation:stack',
      properties: { templateFile: `${stack}.template.json` },
    };
  }
  artifacts['Yelb.assets'] = { type: 'cdk:asset-manifest', properties: { file: 'Yelb.assets.json' } };
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ version: '48.0.0', artifacts }));
  return dir;
}

describe('npm run plan -- --baseline DIR', () => {
  test('the same phase as the baseline: nothing changes, safe, exit 0', async () => {
    const run = await plan(['--baseline', writeAssembly(phaseTemplates('discovery'))]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^baseline .*: phase discovery; this synth: phase discovery\n/);
    expect(run.stdout).toMatch(/Yelb: no change/);
  });

  test('what only the CDK CLI writes (path metadata, the CDKMetadata resource) is no change', () => {
    const fromCli = phaseTemplates('discovery');
    for (const template of Object.values(fromCli)) {
      for (const [id, resource] of Object.entries<any>(template.Resources ?? {})) {
        resource.Metadata = { 'aws:cdk:path': `Stack/${id}/Resource` };
      }
    }
    (fromCli.Yelb.Resources as any).CDKMetadata = {
      Type: 'AWS::CDK::Metadata',
      Properties: { Analytics: 'v2:deflate64:abc' },
      Condition: 'CDKMetadataAvailable',
    };
    return plan(['--baseline', writeAssembly(fromCli)]).then((run) => {
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/YelbNetwork: no change\n\s+Yelb: no change/);
    });
  });

  test('the next phase (-c as for cdk deploy): the migration step, with the service order', async () => {
    const run = await plan([
      '--baseline',
      writeAssembly(phaseTemplates('discovery')),
      '-c',
      'serviceConnect=true',
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /phase discovery; this synth: phase serviceConnect\ndiscovery → serviceConnect/
    );
    expect(run.stdout).toMatch(/1\. yelb-db, yelb-redis\n\s+2\. yelb-appserver\n\s+3\. yelb-ui/);
  });

  test('a baseline whose file system had another logical ID: the synth would delete it, blocked, exit 1', async () => {
    const old = phaseTemplates('serviceConnect');
    const resources = old.Yelb.Resources as Record<string, any>;
    const id = Object.keys(resources).find((r) => resources[r].Type === 'AWS::EFS::FileSystem')!;
    resources[`${id}Old`] = resources[id];
    delete resources[id];
    const run = await plan(['--baseline', writeAssembly(old), '-c', 'serviceConnect=true']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(new RegExp(`BLOCKED: Yelb AWS::EFS::FileSystem ${id}Old would be deleted`));
  });

  test('retired → discovery in one deploy: not safe, exit 1', async () => {
    const run = await plan(['--baseline', writeAssembly(phaseTemplates('retired')), '--json']);
    expect(run.code).toBe(1);
    const json = JSON.parse(run.stdout);
    expect([json.deployedPhase, json.synthPhase, json.safe]).toEqual(['retired', 'discovery', false]);
    expect(json.steps[0].unsafe.instead).toEqual([
      ['retired', 'serviceConnect'],
      ['serviceConnect', 'discovery'],
    ]);
  });

  test.each([
    [
      ['--baseline', '/nonexistent/cdk.out'],
      /--baseline '\/nonexistent\/cdk.out' is not a cloud assembly: no manifest.json there/,
    ],
    [['--baseline', 'x', '--deployed'], /--deployed and --baseline: choose one/],
    [
      ['--baseline', 'x', '--from', 'discovery', '--to', 'retired'],
      /with --deployed or --baseline the phase comes from -c/,
    ],
    [['--region', 'eu-west-1'], /--region goes with --deployed/],
    [
      ['--deployed', '-c', 'retireLegacy=true'],
      /context key 'retireLegacy' is true but 'serviceConnect' is not/,
    ],
  ])('refuses %j with exit 2', async (argv, message) => {
    let synthesized = false;
    const run = await runCli(
      (args, io) =>
        runPlanCli(args, io, {
          topology: YELB,
          synthesize: (c, p) => {
            synthesized = true;
            return fromSharedTemplates(c, p);
          },
        }),
      argv,
      {}
    );
    expect(synthesized).toBe(false); // refused before any work
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });
});

describe('npm run plan -- --deployed', () => {
  let fake: FakeAws;
  let saved: NodeJS.ProcessEnv;
  // CloudFormation is the fake on 127.0.0.1; CloudWatch (the deployment alarms) is stubbed.
  let cloudWatch: AwsClientStub<CloudWatchClient>;
  beforeAll(() => (cloudWatch = mockClient(CloudWatchClient)));
  afterAll(() => cloudWatch.restore());
  beforeEach(async () => {
    fake = new FakeAws();
    saved = { ...process.env };
    Object.assign(process.env, fake.env(await fake.start()));
    cloudWatch.reset();
    cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });
  });
  afterEach(async () => {
    process.env = saved;
    await fake.stop();
  });

  test('warns when a deployment alarm is in ALARM now: ECS would not watch the deployment', async () => {
    cloudWatch
      .on(DescribeAlarmsCommand, { AlarmNamePrefix: 'yelb-cluster-blue-deploy-', StateValue: 'ALARM' })
      .resolves({ MetricAlarms: [{ AlarmName: 'yelb-cluster-blue-deploy-public-target-5xx' }] });
    const run = await plan(['--deployed', '--stage', 'blue', '-c', 'serviceConnect=true']);
    // A warning, not a block: the alarm may clear before the deploy.
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')[1]).toBe(
      'warning: deployment alarms in ALARM now: yelb-cluster-blue-deploy-public-target-5xx. ECS does not watch a deployment that starts while one of its alarms is in ALARM (no rollback on alarm for its whole run): deploy once they are OK.'
    );
    expect(cloudWatch.commandCalls(DescribeAlarmsCommand).map((c) => c.args[0].input)).toEqual([
      { AlarmNamePrefix: 'yelb-cluster-blue-deploy-', StateValue: 'ALARM', AlarmTypes: ['MetricAlarm'] },
    ]);

    const json = JSON.parse((await plan(['--deployed', '--stage', 'blue', '--json'])).stdout);
    expect(json.deploymentAlarms.inAlarm).toEqual(['yelb-cluster-blue-deploy-public-target-5xx']);
  });

  test('says so when the alarms cannot be read, rather than taking them for clear', async () => {
    cloudWatch.on(DescribeAlarmsCommand).rejects(
      Object.assign(new Error('not authorized to perform cloudwatch:DescribeAlarms'), {
        name: 'AccessDenied',
      })
    );
    const run = await plan(['--deployed']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^warning: the deployment alarms \(yelb-cluster-deploy-\*\) could not be read \(AccessDenied: not authorized to perform cloudwatch:DescribeAlarms\): check that none is in ALARM before you deploy/m
    );
  });

  test('--baseline reads no alarm (it is offline)', async () => {
    const run = await plan(['--baseline', writeAssembly(phaseTemplates('discovery'))]);
    expect(run.code).toBe(0);
    expect(cloudWatch.commandCalls(DescribeAlarmsCommand)).toHaveLength(0);
    expect(run.stdout).not.toMatch(/warning/);
  });

  test('reads the deployed templates with GetTemplate and says which phase is deployed', async () => {
    const deployed = phaseTemplates('serviceConnect');
    fake.setStackTemplate('YelbNetwork', deployed.YelbNetwork);
    fake.setStackTemplate('Yelb', deployed.Yelb);
    const run = await plan(['--deployed', '-c', 'serviceConnect=true', '-c', 'retireLegacy=true']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^deployed \(CloudFormation, us-east-1\): phase serviceConnect; this synth: phase retired\n/
    );
    expect(run.stdout).toMatch(
      /serviceConnect → retired\n\s+deploy: npx cdk deploy --all -c serviceConnect=true -c retireLegacy=true/
    );
    expect(
      fake.requests
        .filter((r) => r.operation === 'GetTemplate')
        .map((r) => r.input.StackName)
        .sort()
    ).toEqual(['Yelb', 'YelbLoadTest', 'YelbNetwork']);
    // YelbLoadTest does not exist: new, and empty.
    expect(run.stdout).toMatch(/YelbLoadTest: no change/);
  });

  test('nothing deployed yet: a first deployment, every resource added, safe', async () => {
    const run = await plan(['--deployed', '--json']);
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(json.deployedPhase).toBeNull();
    expect(json.steps[0].stacks.find((s: any) => s.stack === 'Yelb').added.length).toBeGreaterThan(50);
    expect(json.steps[0].stacks.find((s: any) => s.stack === 'Yelb').removed).toEqual([]);
  });

  test('a deployed service that the synth would delete: blocked, exit 1', async () => {
    const deployed = phaseTemplates('discovery');
    const resources = deployed.Yelb.Resources as Record<string, any>;
    resources.OldService = { ...Object.values(resources).find((r: any) => r.Type === 'AWS::ECS::Service') };
    fake.setStackTemplate('Yelb', deployed.Yelb);
    const run = await plan(['--deployed']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/BLOCKED: Yelb AWS::ECS::Service OldService would be deleted/);
  });

  test('an AWS error is reported, not taken for "nothing deployed"', async () => {
    fake.throttle(100, 'GetTemplate');
    await expect(
      runPlanCli(
        ['--deployed'],
        { stdout: () => undefined, stderr: () => undefined, env: {} },
        {
          topology: YELB,
          synthesize: fromSharedTemplates,
        }
      )
    ).rejects.toThrow(/Rate exceeded/);
  }, 30_000);
});
