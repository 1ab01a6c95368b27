import * as fs from 'fs';
import * as path from 'path';
import { tempDir } from '../support/temp';
import { migrate } from './exported';

// A wave with a cycle of calls (the shop example's catalog and search call each other): apply
// redeploys its members after the wave, so the export's README tells the owner of the code to.
const SHOP = path.join(__dirname, '..', '..', 'examples', 'shop.topology.json');
const env = { AWS_REGION: 'eu-west-1' };

test.each([['cdk'], ['terraform']])(
  '--format %s: the step of the wave with the cycle redeploys its members, the other steps nothing',
  async (format) => {
    const out = path.join(tempDir(`cycles-${format}`), 'out');
    const run = await migrate(env, 'export', '--topology', SHOP, '--format', format, '--out', out);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    const readme = fs.readFileSync(path.join(out, 'README.md'), 'utf8');
    const step1 = readme.slice(readme.indexOf('## Step 1'), readme.indexOf('## Step 2'));
    expect(step1).toContain('catalog and search call each other (a cycle)');
    expect(step1).toContain(
      '```sh\naws ecs update-service --cluster shop-cluster --service catalog --force-new-deployment\naws ecs update-service --cluster shop-cluster --service search --force-new-deployment\n```'
    );
    expect(readme.match(/--force-new-deployment/g)).toHaveLength(2);
  }
);
