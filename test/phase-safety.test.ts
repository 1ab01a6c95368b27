import { ResourceImpact } from '@aws-cdk/cloudformation-diff';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MIGRATION_PHASES, MigrationPhase } from '../lib/model/phase';
import { replaces, resourceChanges } from '../lib/plan/template-diff';
import { buildApp, phaseContext, templatesOf } from './support/app';

const STEPS: [MigrationPhase, MigrationPhase][] = MIGRATION_PHASES.flatMap((from) =>
  MIGRATION_PHASES.filter((to) => to !== from).map((to): [MigrationPhase, MigrationPhase] => [from, to])
);

const resourceIds = (phase: MigrationPhase) => Object.keys(templatesOf(phase).yelb.toJSON().Resources).sort();

describe('logical IDs across phases', () => {
  test('the discovery and serviceConnect phases have the same resources', () => {
    expect(resourceIds('serviceConnect')).toEqual(resourceIds('discovery'));
  });

  test('the retired phase only removes resources, and only those of the old path and its rules', () => {
    const retired = resourceIds('retired');
    const serviceConnect = resourceIds('serviceConnect');
    expect(serviceConnect).toEqual(expect.arrayContaining(retired));
    const removed = serviceConnect.filter((id) => !retired.includes(id));
    // The old path, and the guards that drain its Cloud Map DNS services before they go.
    for (const id of removed) expect(id).toMatch(/Legacy|^Teardown(Db|Redis)DnsService/);
  });

  test('the network stack is the same in every phase', () => {
    const network = MIGRATION_PHASES.map((phase) => templatesOf(phase).network.toJSON());
    expect(network[1]).toEqual(network[0]);
    expect(network[2]).toEqual(network[0]);
  });
});

describe.each(STEPS)('deploying %s over %s', (from, to) => {
  const changes = resourceChanges(templatesOf(from).yelb.toJSON(), templatesOf(to).yelb.toJSON());

  test('replaces nothing', () => {
    expect(changes.filter(replaces)).toEqual([]);
  });

  test('updates the ECS services in place', () => {
    const services = changes.filter((c) => c.type === 'AWS::ECS::Service');
    expect(services.length).toBeGreaterThan(0);
    for (const change of services) expect(change.impact).toBe(ResourceImpact.WILL_UPDATE);
  });
});

test('cdk diff --template, offline, agrees: the serviceConnect phase updates the discovery phase in place', () => {
  // GIVEN the discovery template, synthesized in-process
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yelb-diff-'));
  const discovery = path.join(dir, 'Yelb.discovery.json');
  fs.writeFileSync(
    discovery,
    JSON.stringify(buildApp('discovery').app.synth().getStackByName('Yelb').template)
  );

  // WHEN the CDK CLI diffs the serviceConnect phase against it, with no AWS account
  const context = Object.entries(phaseContext('serviceConnect')).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
  const cdk = spawnSync(
    process.execPath,
    [
      require.resolve('aws-cdk/bin/cdk'),
      'diff',
      'Yelb',
      '--exclusively',
      '--template',
      discovery,
      '--output',
      path.join(dir, 'cdk.out'),
      '--no-path-metadata',
      '--no-version-reporting',
      ...context,
    ],
    {
      cwd: path.join(__dirname, '..'),
      encoding: 'utf8',
      env: { ...process.env, CI: 'true', FORCE_COLOR: '0' },
    }
  );
  fs.rmSync(dir, { recursive: true, force: true });
  const output = cdk.stdout + cdk.stderr;

  // THEN it updates the four services' Service Connect configuration and replaces nothing
  expect(cdk.status).toBe(0);
  expect(output.match(/\[~\] AWS::ECS::Service /g)).toHaveLength(4);
  expect(output.match(/\[~\] ServiceConnectConfiguration/g)).toHaveLength(4);
  expect(output).not.toMatch(/replace/i);
}, 60_000);
