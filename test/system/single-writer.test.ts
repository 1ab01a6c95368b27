import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { LOCK_FILE, singleWriterEntryPoint } from '../../lib/constructs/single-writer';
import { systemTestsRunnable } from '../support/system';
import { tempDir } from '../support/temp';

/**
 * The db container's entry point for real, with util-linux's flock on this machine: two tasks
 * that mount the same data directory, the second starts only after the first has exited.
 */
const runnable = systemTestsRunnable(['flock', 'sh'], false);
const describeSystem = runnable ? describe : describe.skip;

/** A "database": records its start and end in the shared directory, then runs for `seconds`. */
function holder(dir: string, name: string, seconds: number): ChildProcess {
  const [entry, ...args] = singleWriterEntryPoint(dir);
  const db = `echo start-${name} >> log; sleep ${seconds}; echo end-${name} >> log`;
  return spawn(entry, [...args, 'sh', '-c', db], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
}

function exited(child: ChildProcess): Promise<{ code: number | null; output: string }> {
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output })));
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const log = (dir: string) =>
  fs.existsSync(path.join(dir, 'log'))
    ? fs.readFileSync(path.join(dir, 'log'), 'utf8').trim().split('\n')
    : [];

describeSystem('single writer per data directory (flock)', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir('yelb-db-data');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('a second task starts its database only after the first has exited', async () => {
    const first = holder(dir, 'first', 1);
    const firstDone = exited(first);
    await until(() => log(dir).includes('start-first'), 'the first database to start');
    const second = holder(dir, 'second', 0);
    const [a, b] = await Promise.all([firstDone, exited(second)]);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(log(dir)).toEqual(['start-first', 'end-first', 'start-second', 'end-second']);
    expect(b.output).toMatch(/is held by another task; waiting until it exits/);
    expect(a.output).not.toMatch(/waiting/);
    expect(fs.existsSync(path.join(dir, LOCK_FILE))).toBe(true);
  });

  test("the image's entrypoint runs as the same process: ECS's stop signal reaches the database", async () => {
    const [entry, ...args] = singleWriterEntryPoint(dir);
    const db = 'trap "echo stopped >> log; exit 0" TERM; echo start >> log; while :; do sleep 0.05; done';
    const child = spawn(entry, [...args, 'sh', '-c', db], { cwd: dir, stdio: 'ignore' });
    const done = exited(child);
    await until(() => log(dir).includes('start'), 'the database to start');
    child.kill('SIGTERM');
    expect((await done).code).toBe(0);
    expect(log(dir)).toEqual(['start', 'stopped']);
  });

  test('its arguments are passed on unchanged', async () => {
    const [entry, ...args] = singleWriterEntryPoint(dir);
    const child = spawn(entry, [...args, 'sh', '-c', 'printf "%s|" "$@" > log', 'x', 'a b', '$HOME'], {
      cwd: dir,
      stdio: 'ignore',
    });
    await exited(child);
    expect(fs.readFileSync(path.join(dir, 'log'), 'utf8')).toBe('a b|$HOME|');
  });

  test('fails clearly for a data path it cannot quote safely', () => {
    expect(() => singleWriterEntryPoint("/data'; rm -rf /")).toThrow(/data path .* must be an absolute path/);
  });
});
