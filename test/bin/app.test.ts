import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { CDK_JSON_CONTEXT } from '../support/app';
import { tempDir } from '../support/temp';

const ROOT = path.join(__dirname, '..', '..');

/** Runs bin/app.ts the way the CDK CLI does: context in CDK_CONTEXT_JSON, output in CDK_OUTDIR. */
function runApp(context: Record<string, unknown>) {
  const outdir = tempDir('yelb-app');
  const result = spawnSync(process.execPath, ['-r', 'ts-node/register', 'bin/app.ts'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: {
      ...process.env,
      CDK_CONTEXT_JSON: JSON.stringify({ ...CDK_JSON_CONTEXT, ...context }),
      CDK_OUTDIR: outdir,
    },
  });
  const files = fs.readdirSync(outdir);
  // The teardown handler, bundled by esbuild at synth: the asset directories with an index.js.
  const bundles = files.filter(
    (f) => f.startsWith('asset.') && fs.existsSync(path.join(outdir, f, 'index.js'))
  );
  fs.rmSync(outdir, { recursive: true, force: true });
  return { ...result, files, bundles };
}

describe('bin/app.ts', () => {
  test('synthesizes both stacks offline, bundling the teardown handler without Docker, with the cdk-nag checks passing', () => {
    const { status, files, bundles, stderr } = runApp({ serviceConnect: 'true' });
    expect(stderr).not.toMatch(/AwsSolutions/);
    expect(status).toBe(0);
    expect(files).toEqual(expect.arrayContaining(['Yelb.template.json', 'YelbNetwork.template.json']));
    expect(bundles.length).toBeGreaterThanOrEqual(1);
  }, 60_000);

  test('fails on bad context with one line per problem and no stack trace', () => {
    const { status, stderr, files } = runApp({ serviceconnect: 'true', natGateways: '5' });
    expect(status).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([
      "error: context key 'serviceconnect' is not known; did you mean 'serviceConnect'? (keys are case-sensitive)",
      "error: context key 'natGateways' has value '5'; allowed: an integer from 1 to 2 (default 2)",
    ]);
    expect(files).toEqual([]);
  }, 60_000);
});
