import * as path from 'path';
import { POLL_INTERVAL_ENV, runMigrateCli } from '../../lib/migrate/cli';
import { readTopologyFile } from '../../lib/model/topology-file';
import { YELB } from '../../lib/model/yelb';
import { runCli } from '../support/cli';
import { FakeAws } from '../support/fake-aws';
import { SHOP } from '../support/shop-cluster';
import { tempDir } from '../support/temp';
import { sampleTemplate, seedSample } from '../support/yelb-sample-stack';

// Which stack owns each service: discover reads it with the services' tags and asks CloudFormation
// only about the stacks it finds (and services without any tags).
let fake: FakeAws;
let env: Record<string, string>;
let file: string;

beforeEach(async () => {
  fake = new FakeAws();
  env = { ...fake.env(await fake.start()), [POLL_INTERVAL_ENV]: '0.01' };
  file = path.join(tempDir('owners'), 'topology.json');
});
afterEach(() => fake.stop());

const discover = (cluster: string, ...argv: string[]) =>
  runCli(
    (a, io) => runMigrateCli(a, io, { topology: YELB }),
    ['discover', '--cluster', cluster, '--out', file, ...argv],
    env
  );
const cloudFormationCalls = () =>
  fake.requests.filter((r) => r.api === 'cloudformation').map((r) => r.operation);

test('a cluster whose services carry no CloudFormation tags costs no CloudFormation call, and no service has an owner', async () => {
  fake.seedCluster(SHOP);
  expect((await discover('shop')).code).toBe(0);
  expect(cloudFormationCalls()).toEqual([]);
  expect(readTopologyFile(file).services.filter((s) => s.owner)).toEqual([]);
});

test('a stack the CDK made: its template says so, and the finding points at --format cdk', async () => {
  seedSample(
    fake,
    sampleTemplate().replace('Resources:\n', 'Resources:\n  CDKMetadata:\n    Type: AWS::CDK::Metadata\n')
  );
  const run = await discover('yelb-cluster', '--json');
  expect(cloudFormationCalls().sort()).toEqual(['GetTemplate', 'ListStackResources']);
  expect(readTopologyFile(file).services.map((s) => s.owner?.madeBy)).toEqual(['cdk', 'cdk', 'cdk', 'cdk']);
  const [finding] = JSON.parse(run.stdout).findings.filter((f: any) => f.code === 'owned-by-stack');
  expect(finding.what).toMatch(/^CloudFormation stack 'yelb-sample' \(made by the CDK\)/);
  expect(finding.action).toMatch(/into the code: npm run migrate -- export --topology FILE --format cdk/);
});

test('CloudFormation denied: the services have no owner, and a finding says what was not read', async () => {
  seedSample(fake);
  fake.deny('ListStackResources');
  const run = await discover('yelb-cluster', '--json');
  expect(run.code).toBe(0);
  expect(readTopologyFile(file).services.filter((s) => s.owner)).toEqual([]);
  const unread = JSON.parse(run.stdout).findings.filter((f: any) => f.code === 'not-read');
  expect(unread.map((f: any) => f.what).join()).toMatch(/CloudFormation/);
});
