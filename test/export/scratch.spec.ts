import * as fs from 'fs';
import * as path from 'path';
import { POLL_INTERVAL_ENV, runMigrateCli } from '../../lib/migrate/cli';
import { YELB } from '../../lib/model/yelb';
import { runCli } from '../support/cli';
import { FakeAws } from '../support/fake-aws';
import { seedSample } from '../support/yelb-sample-stack';

test('scratch', async () => {
  const fake = new FakeAws();
  const env = { ...fake.env(await fake.start()), [POLL_INTERVAL_ENV]: '0.01' };
  seedSample(fake);
  const dir = '/tmp/exp/run';
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'yelb.json');
  const migrate = (...argv: string[]) => runCli((a, io) => runMigrateCli(a, io, { topology: YELB }), argv, env);
  let run = await migrate('discover', '--cluster', 'yelb-cluster', '--out', file);
  console.log(run.code, run.stdout, run.stderr);
  run = await migrate('export', '--topology', file, '--format', 'cloudformation', '--out', path.join(dir, 'cfn'));
  console.log(run.code, run.stdout, run.stderr);
  for (const f of ['cdk', 'terraform']) {
    run = await migrate('export', '--topology', file, '--format', f, '--out', path.join(dir, f));
    console.log(run.code, run.stdout, run.stderr);
  }
  await fake.stop();
});
