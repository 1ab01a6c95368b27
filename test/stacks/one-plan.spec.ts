import * as fs from 'fs';
import * as path from 'path';
import { runMigrateCli } from '../../lib/migrate/cli';
import { MigrationPhase } from '../../lib/model/phase';
import { YELB } from '../../lib/model/yelb';
import { templatesOf } from '../support/app';
import { runCli } from '../support/cli';
import { tempDir } from '../support/temp';
import { TEST_ENV, ecsServices, inApiTerms } from '../support/template';

/**
 * One plan, three views: for every phase and option set, each ECS service's
 * `ServiceConnectConfiguration` in the CDK app's template is, field by field, what
 * `npm run migrate -- apply --dry-run` sends for it when it is given the options the stack states
 * (its `ServiceConnectOptions` output, resolved as CloudFormation would resolve it), and in the
 * phase without Service Connect what `rollback --dry-run` sends.
 */

const PCA =
  'arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/11111111-2222-3333-4444-555555555555';
const SHOP = path.join(__dirname, '..', '..', 'examples', 'shop.topology.json');

const OPTION_SETS: readonly [string, Record<string, string>, readonly MigrationPhase[]][] = [
  ['the defaults', {}, ['discovery', 'serviceConnect', 'retired']],
  ['TLS', { serviceConnectTls: PCA }, ['retired']],
  ['access logs off', { serviceConnectAccessLogs: 'false' }, ['serviceConnect', 'retired']],
  [
    'a linear strategy',
    { deploymentStrategy: 'linear', deploymentStepPercent: '20', deploymentStepBakeMinutes: '2' },
    ['retired'],
  ],
  ['the shop example', { topology: SHOP }, ['discovery', 'serviceConnect', 'retired']],
];

const CASES = OPTION_SETS.flatMap(([name, context, phases]) =>
  phases.map((phase) => [name, phase, context] as const)
);

/** What `migrate <command> --dry-run` sends per service, by service name. */
async function dryRun(command: 'apply' | 'rollback', argv: string[]): Promise<Record<string, unknown>> {
  const run = await runCli(
    (a, io) => runMigrateCli(a, io, { topology: YELB }),
    [command, '--dry-run', ...argv],
    {}
  );
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
  return Object.fromEntries(
    run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line).input)
      .map((input) => [input.service, input.serviceConnectConfiguration])
  );
}

describe('the template and the migration CLI send the same Service Connect configurations', () => {
  test.each(CASES)('%s, %s phase', async (_name, phase, context) => {
    const template = templatesOf(phase, context).system.toJSON();
    const resources = template.Resources;
    const options = inApiTerms(template.Outputs.ServiceConnectOptions.Value, resources);
    const file = path.join(tempDir('options'), 'options.json');
    fs.writeFileSync(file, options);
    const argv = [
      '--options',
      file,
      '--region',
      TEST_ENV.region,
      ...(context.topology ? ['--topology', context.topology] : []),
    ];
    const sent = await dryRun(phase === 'discovery' ? 'rollback' : 'apply', argv);
    const services = ecsServices(templatesOf(phase, context).system);
    expect(Object.keys(sent).sort()).toEqual(Object.keys(services).sort());
    for (const [name, service] of Object.entries(services)) {
      expect({ [name]: sent[name] }).toEqual({
        [name]: inApiTerms(service.Properties.ServiceConnectConfiguration, resources),
      });
    }
  });
});
