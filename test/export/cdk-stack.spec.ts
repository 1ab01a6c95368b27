import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { POLL_INTERVAL_ENV } from '../../lib/migrate/cli';
import { readTopologyFile } from '../../lib/model/topology-file';
import { FakeAws } from '../support/fake-aws';
import { tempDir } from '../support/temp';
import { SAMPLE_STACK, seedSample } from '../support/yelb-sample-stack';
import { filesUnder, migrate } from './exported';

// A stack the CDK made, as `cdk deploy --no-version-reporting` deploys it: no CDKMetadata
// resource, only each resource's aws:cdk:path metadata. Its template is synthesized here by
// aws-cdk-lib (an ECS service in a Cloud Map namespace) and served by the fake CloudFormation as
// the owner of the sample's services: discover knows the CDK made it, the changing commands and
// the CloudFormation export send the user to --format cdk, which writes the app's code.
let fake: FakeAws;
let env: Record<string, string>;
let file: string;
let dir: string;

/** The template of a small CDK app's stack, with path metadata as the CDK CLI deploys it. */
function cdkTemplate(): string {
  const app = new App({ analyticsReporting: false, context: { 'aws:cdk:enable-path-metadata': true } });
  const stack = new Stack(app, SAMPLE_STACK);
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    maxAzs: 1,
    natGateways: 0,
    subnetConfiguration: [{ name: 'p', subnetType: ec2.SubnetType.PUBLIC }],
  });
  const cluster = new ecs.Cluster(stack, 'Cluster', { vpc });
  const namespace = cluster.addDefaultCloudMapNamespace({ name: 'yelb.cloudmap.internal' });
  const taskDefinition = new ecs.FargateTaskDefinition(stack, 'Db');
  taskDefinition.addContainer('yelb-db', {
    image: ecs.ContainerImage.fromRegistry('mreferre/yelb-db:0.6'),
    portMappings: [{ containerPort: 5432 }],
  });
  new ecs.FargateService(stack, 'YelbDb', {
    cluster,
    taskDefinition,
    serviceName: 'yelb-db',
    cloudMapOptions: { name: 'yelb-db', cloudMapNamespace: namespace },
  });
  return JSON.stringify(app.synth().getStackByName(SAMPLE_STACK).template, null, 1);
}

beforeAll(async () => {
  fake = new FakeAws();
  env = { ...fake.env(await fake.start()), [POLL_INTERVAL_ENV]: '0.01' };
  const template = cdkTemplate();
  expect(template).not.toContain('AWS::CDK::Metadata');
  seedSample(fake, template);
  dir = tempDir('cdk-stack');
  file = path.join(dir, 'yelb.json');
  expect((await migrate(env, 'discover', '--cluster', 'yelb-cluster', '--out', file)).code).toBe(0);
}, 60_000);
afterAll(() => fake.stop());

test('discover records that the CDK made the stack, from its path metadata', () => {
  expect(readTopologyFile(file).services.map((s) => s.owner?.madeBy)).toEqual(['cdk', 'cdk', 'cdk', 'cdk']);
});

test('apply refuses, naming the stack and --format cdk', async () => {
  const run = await migrate(env, 'apply', '--topology', file);
  expect(run.code).toBe(2);
  expect(run.stderr).toContain(
    `owned by CloudFormation stack 'yelb-sample' (made by the CDK), whose next deployment puts back what apply changes; write the migration into its code instead: npm run migrate -- export --topology ${file} --format cdk --out DIR`
  );
});

test('export --format cloudformation refuses before reading the stack; --format cdk writes the code', async () => {
  const before = fake.requests.length;
  const refused = await migrate(
    env,
    'export',
    '--topology',
    file,
    '--format',
    'cloudformation',
    '--out',
    path.join(dir, 'cfn')
  );
  expect(refused.code).toBe(2);
  expect(refused.stderr).toContain('error: stack yelb-sample was made by the CDK');
  expect(fake.requests.length).toBe(before);
  const out = path.join(dir, 'cdk');
  const run = await migrate(env, 'export', '--topology', file, '--format', 'cdk', '--out', out);
  expect(run.code).toBe(0);
  expect(filesUnder(out)).toContain('wave-1.ts');
});
