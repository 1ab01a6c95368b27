import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import {
  INITIALIZING_FILE,
  LOCK_FILE,
  SingleWriterOptions,
  singleWriterEntryPoint,
  startupAwareHealthCheck,
} from '../../lib/constructs/single-writer';
import { systemTestsRunnable } from '../support/system';
import { tempDir } from '../support/temp';

/**
 * The db container's entry point for real, on this machine: util-linux's flock between two
 * "tasks" that mount the same data directory, the container health check as Docker rates it, and
 * Debian's Postgres started, killed half-way and replaced.
 */
const runnable = systemTestsRunnable(['flock', 'sh', 'setpriv'], false);
const describeSystem = runnable ? describe : describe.skip;

function exited(child: ChildProcess): Promise<{ code: number | null; output: string }> {
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output })));
}

async function until(check: () => boolean, what: string, seconds = 10): Promise<void> {
  for (let i = 0; i < seconds * 20; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const lines = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n') : []);

/** Whether a shell command succeeds, as the container health check runs it. */
const succeeds = (command: string) => {
  try {
    execFileSync('sh', ['-c', command], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/** A container's health status, as Docker, and so ECS, reports it. */
type Health = 'starting' | 'healthy' | 'unhealthy';

/**
 * How Docker, and so ECS, rates a container by its health check from now until the end of its
 * start period and `retries` more intervals: the check runs every `interval`; a pass makes it
 * healthy; a failure within the start period does not count; `retries` failures in a row after
 * it make it unhealthy (ECS then replaces the task). yelb-db's are 120 s, 10 s and 3; shorter here.
 */
async function healthAfterStartPeriod(
  command: string,
  { startPeriodMs = 1000, intervalMs = 200, retries = 3 } = {}
): Promise<Health> {
  const started = Date.now();
  let health: Health = 'starting';
  let failures = 0;
  while (Date.now() - started < startPeriodMs + (retries + 1) * intervalMs) {
    await new Promise((r) => setTimeout(r, intervalMs));
    if (succeeds(command)) {
      health = 'healthy';
      failures = 0;
    } else if (Date.now() - started >= startPeriodMs && ++failures >= retries) {
      health = 'unhealthy';
    }
  }
  return health;
}

describeSystem('single writer per data directory (flock)', () => {
  let dir: string;
  let options: SingleWriterOptions;
  const log = () => lines(path.join(dir, 'log'));
  beforeEach(() => {
    dir = tempDir('yelb-db-data');
    options = {
      volumePath: dir,
      dataDirectory: path.join(dir, 'data'),
      readyCommand: `test -e ${dir}/ready`,
      startingFile: path.join(dir, 'starting'),
    };
  });
  // A test that fails half-way leaves no container running.
  const containers: ChildProcess[] = [];
  afterEach(() => {
    for (const child of containers.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
    }
  });

  /** A "database": records its start and end in the volume, is ready at once, runs for `seconds`. */
  function holder(name: string, seconds: number): ChildProcess {
    const [entry, ...args] = singleWriterEntryPoint(options);
    const db = `echo start-${name} >> log; touch ready; sleep ${seconds}; rm -f ready; echo end-${name} >> log`;
    return spawn(entry, [...args, 'sh', '-c', db], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /**
   * A container of its own (its own readiness and starting file, the shared volume) whose
   * "database" creates the data directory, records its start, is ready once `ready-<name>`
   * exists, and runs until SIGTERM.
   */
  function container(name: string, env: Record<string, string> = {}) {
    const own = {
      ...options,
      readyCommand: `test -e ${dir}/ready-${name}`,
      startingFile: path.join(dir, `starting-${name}`),
    };
    const [entry, ...args] = singleWriterEntryPoint(own);
    const db = `trap "echo end-${name} >> log; exit 0" TERM; mkdir -p data; echo start-${name} >> log; while :; do sleep 0.05; done`;
    const child = spawn(entry, [...args, 'sh', '-c', db], {
      cwd: dir,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    containers.push(child);
    const done = exited(child);
    return {
      child,
      done,
      health: startupAwareHealthCheck(own.readyCommand, own.startingFile),
      starting: () => fs.existsSync(own.startingFile),
      makeReady: () => fs.writeFileSync(path.join(dir, `ready-${name}`), ''),
      stop: async () => {
        child.kill('SIGTERM');
        return done;
      },
    };
  }

  test('a second task starts its database only after the first has exited', async () => {
    const first = holder('first', 1);
    const firstDone = exited(first);
    await until(() => log().includes('start-first'), 'the first database to start');
    const second = holder('second', 0);
    const [a, b] = await Promise.all([firstDone, exited(second)]);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(log()).toEqual(['start-first', 'end-first', 'start-second', 'end-second']);
    expect(b.output).toMatch(/is held by another task; waiting until it exits/);
    expect(a.output).not.toMatch(/waiting/);
    expect(fs.existsSync(path.join(dir, LOCK_FILE))).toBe(true);
  });

  test('a task waiting for the lock fails its health check: UNHEALTHY after its start period, so a stuck lock shows', async () => {
    const first = container('first');
    first.makeReady();
    await until(() => log().includes('start-first'), 'the first database to start');
    const second = container('second');
    let output = '';
    second.child.stdout.on('data', (d) => (output += d));
    await until(() => output.includes('is held by another task'), 'the second to wait for the lock');
    expect(second.starting()).toBe(false);
    expect(await healthAfterStartPeriod(second.health)).toBe('unhealthy');
    // Once the first has gone, the second holds the lock and is checked as its service says.
    await first.stop();
    await until(() => log().includes('start-second'), 'the second database to start');
    expect(succeeds(second.health)).toBe(false);
    second.makeReady();
    expect(await healthAfterStartPeriod(second.health, { startPeriodMs: 0 })).toBe('healthy');
    await second.stop();
    expect(log()).toEqual(['start-first', 'end-first', 'start-second', 'end-second']);
  }, 20_000);

  test('only a first start, while the image initialises the directory, passes its health check before it is ready', async () => {
    // The first start: healthy while it initialises, however long, and marked in the volume.
    const first = container('first');
    await until(() => log().includes('start-first'), 'the first database to start');
    expect(await healthAfterStartPeriod(first.health)).toBe('healthy');
    expect(fs.existsSync(path.join(dir, INITIALIZING_FILE))).toBe(true);
    // Ready: the mark and the pass go, and the health check follows the service.
    first.makeReady();
    await until(() => !first.starting(), 'the first start to end');
    expect(fs.existsSync(path.join(dir, INITIALIZING_FILE))).toBe(false);
    fs.rmSync(path.join(dir, 'ready-first'));
    expect(succeeds(first.health)).toBe(false);
    await first.stop();

    // A later start of the finished directory: neither marked nor healthy until it is ready.
    const later = container('later');
    await until(() => log().includes('start-later'), 'the later database to start');
    expect(later.starting()).toBe(false);
    expect(fs.existsSync(path.join(dir, INITIALIZING_FILE))).toBe(false);
    expect(await healthAfterStartPeriod(later.health)).toBe('unhealthy');
    await later.stop();
  }, 20_000);

  test('takes a released lock at once, also where a blocked lock is retried with back-off (NFS, EFS)', async () => {
    // util-linux's flock as a lock it must wait for behaves on NFS without lock callbacks, as on
    // Amazon EFS: the Linux client retries it after 1, 2, 4 … 30 s (nfs4_retry_setlk_simple).
    const bin = tempDir('yelb-nfs-flock');
    const real = execFileSync('sh', ['-c', 'command -v flock'], { encoding: 'utf8' }).trim();
    fs.writeFileSync(
      path.join(bin, 'flock'),
      [
        '#!/bin/sh',
        `case " $* " in *" --nonblock "*|*" -n "*) exec ${real} "$@";; esac`,
        'for fd; do :; done',
        'delay=1',
        `until ${real} --exclusive --nonblock "$fd"; do`,
        '  sleep "$delay"; delay=$((delay * 2)); [ "$delay" -le 30 ] || delay=30',
        'done',
      ].join('\n'),
      { mode: 0o755 }
    );
    const PATH = `${bin}:${process.env.PATH}`;
    const first = container('first', { PATH });
    await until(() => log().includes('start-first'), 'the first database to start');
    const second = container('second', { PATH });
    let output = '';
    second.child.stdout.on('data', (d) => (output += d));
    await until(() => output.includes('is held by another task'), 'the second to wait for the lock');
    // Released 3.5 s into the wait: a client's retry with back-off comes at 7 s.
    await new Promise((r) => setTimeout(r, 3500));
    await first.stop();
    const released = Date.now();
    await until(() => log().includes('start-second'), 'the second database to start');
    expect(Date.now() - released).toBeLessThan(1000);
    await second.stop();
  }, 20_000);

  test.each(['SIGTERM', 'SIGINT'] as const)(
    "forwards %s, ECS's stop signal, to the database and exits with its status",
    async (signal) => {
      const [entry, ...args] = singleWriterEntryPoint(options);
      const db = `trap "echo stopped >> log; exit 3" TERM INT; touch ready; echo start >> log; while :; do sleep 0.05; done`;
      const child = spawn(entry, [...args, 'sh', '-c', db], { cwd: dir, stdio: 'ignore' });
      const done = exited(child);
      await until(() => log().includes('start'), 'the database to start');
      child.kill(signal);
      expect((await done).code).toBe(3);
      expect(log()).toEqual(['start', 'stopped']);
    }
  );

  test('its arguments are passed on unchanged', async () => {
    const [entry, ...args] = singleWriterEntryPoint(options);
    const child = spawn(entry, [...args, 'sh', '-c', 'printf "%s|" "$@" > log', 'x', 'a b', '$HOME'], {
      cwd: dir,
      stdio: 'ignore',
    });
    await exited(child);
    expect(fs.readFileSync(path.join(dir, 'log'), 'utf8')).toBe('a b|$HOME|');
  });

  test('a start that is not ready within its bound is stopped, and the container exits', async () => {
    const [entry, ...args] = singleWriterEntryPoint({ ...options, startupBoundSeconds: 1 });
    const child = spawn(entry, [...args, 'sh', '-c', 'trap "exit 143" TERM; while :; do sleep 0.05; done'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const { code, output } = await exited(child);
    expect(code).toBe(143);
    expect(output).toMatch(/not ready after 1 s; stopping it/);
    expect(fs.existsSync(options.startingFile!)).toBe(false);
  });

  test('fails clearly for a data path it cannot quote safely, or a data directory outside the volume', () => {
    expect(() => singleWriterEntryPoint({ ...options, volumePath: "/data'; rm -rf /" })).toThrow(
      /data path .* must be an absolute path/
    );
    expect(() => singleWriterEntryPoint({ ...options, dataDirectory: '/elsewhere' })).toThrow(
      /data directory '\/elsewhere' must be inside the data volume/
    );
  });
});

/** Debian's Postgres binaries (package postgresql), if installed. */
function postgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!fs.existsSync(root)) return undefined;
  return fs
    .readdirSync(root)
    .map((version) => path.join(root, version, 'bin'))
    .find((bin) => fs.existsSync(path.join(bin, 'initdb')));
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The uid and gid of a user, or nobody's. */
function userOf(name: string): { uid: number; gid: number } {
  try {
    const [uid, gid] = ['-u', '-g'].map((flag) =>
      Number(execFileSync('id', [flag, name], { encoding: 'utf8' }).trim())
    );
    return { uid, gid };
  } catch {
    return { uid: 65534, gid: 65534 };
  }
}

const pgBin = postgresBin();
const postgresRunnable = runnable && systemTestsRunnable(pgBin ? [`${pgBin}/initdb`] : ['initdb'], false);
const describePostgres = postgresRunnable && pgBin ? describe : describe.skip;

describePostgres(
  "Debian's Postgres started by the entry point (the image's init logic), killed and replaced",
  () => {
    // Postgres refuses to run as root: as root (CI), the "container" runs as the postgres user.
    const asUser = process.getuid?.() === 0 ? userOf('postgres') : undefined;
    const own = (dir: string) => {
      if (asUser) execFileSync('chown', [`${asUser.uid}:${asUser.gid}`, dir]);
      return dir;
    };
    // The image's entry point, copied where that user can read it: the checkout may sit in a
    // folder only root may enter (mktemp -d makes it 0700).
    let ENTRYPOINT: string;
    beforeAll(() => {
      ENTRYPOINT = path.join(own(tempDir('yelb-pg-image')), 'postgres-entrypoint.sh');
      fs.copyFileSync(path.join(__dirname, '..', 'support', 'postgres-entrypoint.sh'), ENTRYPOINT);
      fs.chmodSync(ENTRYPOINT, 0o755);
    });
    let volume: string;
    let port: number;
    let options: SingleWriterOptions;
    const pgdata = () => path.join(volume, 'pgdata');

    beforeEach(async () => {
      volume = own(tempDir('yelb-pg-volume'));
      port = await freePort();
      options = {
        volumePath: volume,
        dataDirectory: pgdata(),
        readyCommand: `${pgBin}/pg_isready -h 127.0.0.1 -p ${port} -U postgres`,
        startingFile: path.join(volume, 'starting'),
        startupBoundSeconds: 120,
      };
    });

    /** A container: the entry point with the image's entrypoint as its command, a process group of its own. */
    function start(env: Record<string, string> = {}) {
      const [entry, ...args] = singleWriterEntryPoint(options);
      const prefix = asUser
        ? ['setpriv', `--reuid=${asUser.uid}`, `--regid=${asUser.gid}`, '--clear-groups', '--']
        : [];
      const [command, ...rest] = [...prefix, entry, ...args, ENTRYPOINT, 'postgres'];
      const child = spawn(command, rest, {
        cwd: volume,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          PG_BIN: pgBin!,
          PGDATA: pgdata(),
          PGPORT: String(port),
          // The socket directory is the container's own (/var/run/postgresql): new for each start.
          SOCKETS: own(tempDir('yelb-pg-run')),
          ...env,
        },
      });
      containers.push(child);
      return { child, done: exited(child) };
    }
    // A test that fails half-way leaves no Postgres running.
    const containers: ChildProcess[] = [];
    afterEach(() => {
      for (const child of containers.splice(0)) {
        if (child.exitCode === null && child.signalCode === null) killContainer(child);
      }
    });

    /** What becomes of a task that is stopped for good: every process of its container, SIGKILL. */
    function killContainer(child: ChildProcess): void {
      process.kill(-child.pid!, 'SIGKILL');
      // pg_ctl starts the init's temporary server in a session of its own: it and its children.
      const pidFile = path.join(pgdata(), 'postmaster.pid');
      if (fs.existsSync(pidFile)) process.kill(-Number(lines(pidFile)[0]), 'SIGKILL');
    }

    const sql = (database: string, query: string) =>
      execFileSync(
        `${pgBin}/psql`,
        ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', database, '-tAc', query],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }
      ).trim();

    /** Ready as the single-writer script sees it: the service answers, and the start is over. */
    const ready = () => succeeds(options.readyCommand) && !fs.existsSync(options.startingFile!);
    const interrupted = () => fs.readdirSync(volume).filter((f) => f.startsWith('pgdata.interrupted-'));

    test('initialises again on the next start, and a finished database is never initialised twice', async () => {
      // 1. The first start is killed while the init scripts run: the database exists, the table not.
      const first = start({ INIT_HANG: '1' });
      let output = '';
      first.child.stdout.on('data', (d) => (output += d));
      await until(() => output.includes('init: hanging'), 'the init scripts to start', 60);
      killContainer(first.child);
      await first.done;
      expect(fs.existsSync(path.join(pgdata(), 'PG_VERSION'))).toBe(true);
      expect(fs.existsSync(path.join(volume, INITIALIZING_FILE))).toBe(true);

      // 2. The next start finds the mark: the half-made directory is moved aside, the image
      //    initialises again, and the database is complete.
      const second = start();
      await until(ready, 'Postgres to answer', 60);
      expect(sql('yelbdatabase', 'SELECT count(*) FROM restaurants')).toBe('4');
      expect(fs.existsSync(path.join(volume, INITIALIZING_FILE))).toBe(false);
      expect(interrupted()).toHaveLength(1);
      // What the guard saved it from: the half-made directory has PG_VERSION, so the image's
      // entrypoint would have skipped its init for ever, with no table.
      expect(fs.existsSync(path.join(volume, interrupted()[0], 'PG_VERSION'))).toBe(true);

      // 3. A vote, a stop (ECS's SIGTERM, to the same process), a start: the same database.
      sql('yelbdatabase', "UPDATE restaurants SET count = count + 1 WHERE name = 'ihop'");
      process.kill(second.child.pid!, 'SIGTERM');
      expect((await second.done).code).toBe(0);
      const third = start();
      await until(ready, 'Postgres to answer again', 60);
      expect(sql('yelbdatabase', "SELECT count FROM restaurants WHERE name = 'ihop'")).toBe('1');
      expect(interrupted()).toHaveLength(1);
      process.kill(third.child.pid!, 'SIGTERM');
      await third.done;
    }, 120_000);

    const rows = () => sql('yelbdatabase', 'SELECT name, count FROM restaurants ORDER BY name');
    /** Every restaurant voted for, each a different number of times. */
    const vote = () =>
      sql(
        'yelbdatabase',
        "UPDATE restaurants SET count = CASE name WHEN 'outback' THEN 3 WHEN 'bucadibeppo' THEN 5 WHEN 'chipotle' THEN 7 ELSE 11 END"
      );
    /** ECS's stop: the image's STOPSIGNAL (SIGINT for postgres) to PID 1, which is Postgres. */
    async function stop(container: ReturnType<typeof start>): Promise<void> {
      process.kill(container.child.pid!, 'SIGINT');
      expect((await container.done).code).toBe(0);
    }

    test('a later start killed before it is ready keeps every row: only a first start is marked', async () => {
      const first = start();
      await until(ready, 'Postgres to answer', 60);
      vote();
      const before = rows();
      expect(before.split('\n')).toHaveLength(4);
      await stop(first);

      // A later start, killed while it starts (a deployment, a failing host, its health check).
      const later = start({ START_HANG: '1' });
      let output = '';
      later.child.stdout.on('data', (d) => (output += d));
      await until(() => output.includes('start: hanging'), 'the later start to begin', 60);
      expect(fs.existsSync(path.join(volume, INITIALIZING_FILE))).toBe(false);
      killContainer(later.child);
      await later.done;

      const next = start();
      await until(ready, 'Postgres to answer again', 60);
      expect(rows()).toBe(before);
      expect(interrupted()).toEqual([]);
      await stop(next);
    }, 120_000);

    /** Milliseconds from `since` until Postgres accepts connections again, polled every 20 ms. */
    async function accepting(since: number): Promise<number> {
      while (!succeeds(options.readyCommand)) await new Promise((r) => setTimeout(r, 20));
      return Date.now() - since;
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

    test("a replacement's outage: the old task's stop and the new one's start, a lock hand-over when it waits", async () => {
      let serving = start();
      await until(ready, 'Postgres to answer', 60);
      vote();
      const before = rows();
      const outages: Record<'afterStop' | 'waiting', number[]> = { afterStop: [], waiting: [] };
      for (let run = 0; run < 3; run++) {
        // (a) The old stops, then the new starts from scratch.
        let stopped = Date.now();
        await stop(serving);
        serving = start();
        outages.afterStop.push(await accepting(stopped));
        // (b) The new one already waits for the lock when the old one stops.
        const next = start();
        let output = '';
        next.child.stdout.on('data', (d) => (output += d));
        await until(() => output.includes('is held by another task'), 'the new one to wait for the lock');
        stopped = Date.now();
        await stop(serving);
        serving = next;
        outages.waiting.push(await accepting(stopped));
        expect(rows()).toBe(before);
      }
      console.log(
        `callers cannot connect (median of 3, ms): the new one started after the old one stopped ${median(outages.afterStop)} (${outages.afterStop.join(', ')}); the new one waiting for the lock ${median(outages.waiting)} (${outages.waiting.join(', ')})`
      );
      // Waiting, the new one asks for the lock five times a second: it starts Postgres at once.
      expect(median(outages.waiting)).toBeLessThan(median(outages.afterStop) + 500);
      await stop(serving);
    }, 120_000);

    test('a finished data directory without the mark (an earlier version of the app) is used as it is', async () => {
      const first = start();
      await until(ready, 'Postgres to answer', 60);
      sql('yelbdatabase', "UPDATE restaurants SET count = 7 WHERE name = 'outback'");
      process.kill(first.child.pid!, 'SIGTERM');
      await first.done;
      expect(fs.existsSync(path.join(volume, INITIALIZING_FILE))).toBe(false);
      const second = start();
      await until(ready, 'Postgres to answer again', 60);
      expect(sql('yelbdatabase', "SELECT count FROM restaurants WHERE name = 'outback'")).toBe('7');
      expect(interrupted()).toEqual([]);
      process.kill(second.child.pid!, 'SIGTERM');
      await second.done;
    }, 120_000);
  }
);
