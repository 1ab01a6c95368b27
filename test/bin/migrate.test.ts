import { spawnSync } from 'child_process';
import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..');
const run = (...args: string[]) =>
  spawnSync(process.execPath, ['-r', 'ts-node/register', 'bin/migrate.ts', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, AWS_REGION: 'eu-west-1', AWS_EC2_METADATA_DISABLED: 'true' },
  });

describe('bin/migrate.ts as a process', () => {
  test('a dry run prints four requests and exits 0, offline', () => {
    const result = run('apply', '--dry-run');
    expect(result.status).toBe(0);
    expect(
      result.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).input.service)
    ).toEqual(['yelb-db', 'yelb-redis', 'yelb-appserver', 'yelb-ui']);
  }, 30_000);

  test('bad input exits 2 with one line and no stack trace', () => {
    const result = run('apply', '--timeout', 'soon');
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^error: --timeout 'soon' is not a positive duration/m);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  }, 30_000);
});
