import { tempDir } from '../support/temp';
import * as path from 'path';
import * as fs from 'fs';
import { YELB } from '../../lib/model/yelb';
import { runTrafficCli } from '../../lib/traffic/cli';
import { runCli } from '../support/cli';
import { FakeAws } from '../support/fake-aws';
import { TestServer, ok, startServer } from '../support/http-server';

let server: TestServer | undefined;
afterEach(() => server?.close());
const traffic = (argv: string[], env: Record<string, string> = {}) =>
  runCli((a, io) => runTrafficCli(a, io, { topology: YELB }), argv, env);

describe('npm run traffic', () => {
  test('--json writes exactly one JSON object on stdout, progress on stderr', async () => {
    server = await startServer(ok);
    const run = await traffic(['--url', server.url, '-n', '200', '-c', '5', '--json']);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
    expect(report).toMatchObject({
      requests: 200,
      statusCodes: { 200: 200 },
      errors: { timeout: 0, refused: 0, reset: 0, aborted: 0 },
      latencyMs: {
        p50: expect.any(Number),
        p90: expect.any(Number),
        p99: expect.any(Number),
        max: expect.any(Number),
      },
      rps: expect.any(Number),
    });
    // One second per second the run lasted (one, or more on a busy machine), every request in one.
    expect(report.timeline[0].second).toBe(0);
    expect(report.timeline.reduce((n: number, s: { requests: number }) => n + s.requests, 0)).toBe(200);
    for (const second of report.timeline) expect(second).toMatchObject({ non2xx: 0, errors: 0 });
    expect(report.url).toBe(`${server.url}/api/getvotes`);
  });

  test('prints a report for people with the timeline, marking seconds with failures', async () => {
    server = await startServer((_req, res, n) => {
      res.writeHead(n % 2 === 0 ? 500 : 200);
      res.end();
    });
    const run = await traffic(['--url', `${server.url}/api/hostname`, '-n', '100', '-c', '4']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Target: {5}http:\/\/127\.0\.0\.1:\d+\/api\/hostname/);
    expect(run.stdout).toMatch(/Requests: {3}100 in/);
    expect(run.stdout).toMatch(/\[200\] {2}50\n {2}\[500\] {2}50/);
    expect(run.stdout).toMatch(/Error rate: 50\.00 %/);
    expect(run.stdout).toMatch(/second\s+requests\s+non-2xx\s+errors\n-+.*\n0\s+100\s+50\s+0\s+!/);
  });

  test.each([
    ['0.1', 1],
    ['0.25', 0],
  ])('--max-error-rate %s exits %d on 25%% failures, with the report either way', async (limit, code) => {
    server = await startServer((_req, res, n) => {
      res.writeHead(n % 4 === 0 ? 503 : 200);
      res.end();
    });
    const run = await traffic(['--url', server.url, '-n', '400', '-c', '8', '--max-error-rate', limit]);
    expect(run.code).toBe(code);
    expect(run.stdout).toMatch(/\[503\] {2}100/);
    if (code === 1) expect(run.stderr).toMatch(/error: error rate 0\.2500 is above --max-error-rate 0\.1/);
  });

  test('reads the URL from the Yelb stack when there is no --url', async () => {
    server = await startServer(ok);
    const fake = new FakeAws();
    const env = fake.env(await fake.start());
    fake.setStackOutputs('Yelb', { AppUrl: `${server.url}/` });
    const run = await traffic(['-n', '10', '--json'], env);
    await fake.stop();
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).url).toBe(`${server.url}/api/getvotes`);
  });

  test("reads the URL from the stage's Yelb stack with --stage", async () => {
    server = await startServer(ok);
    const fake = new FakeAws();
    const env = fake.env(await fake.start());
    fake.setStackOutputs('Yelb-blue', { AppUrl: `${server.url}/` });
    const run = await traffic(['-n', '5', '--json', '--stage', 'blue'], env);
    await fake.stop();
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).url).toBe(`${server.url}/api/getvotes`);
  });

  test("with --topology: that system's stack and its trafficPath", async () => {
    server = await startServer(ok);
    const fake = new FakeAws();
    const env = fake.env(await fake.start());
    fake.setStackOutputs('Shop-try1', { AppUrl: `${server.url}/` });
    const file = path.join(tempDir('traffic-topology'), 'shop.json');
    const shop = JSON.parse(fs.readFileSync('examples/shop.topology.json', 'utf8'));
    shop.services[0].publicEntry.trafficPath = '/products?page=1';
    fs.writeFileSync(file, JSON.stringify(shop));
    const run = await traffic(['-n', '5', '--json', '--stage', 'try1', '--topology', file], env);
    await fake.stop();
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).url).toBe(`${server.url}/products?page=1`);
    const bad = await traffic(['-n', '5', '--topology', '/nonexistent.json'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/\/nonexistent\.json: cannot be read \(ENOENT\)/);
  });

  test('says what to do when there is neither --url nor a stack', async () => {
    const fake = new FakeAws();
    const env = fake.env(await fake.start());
    const run = await traffic(['-n', '10'], env);
    await fake.stop();
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toMatch(
      /^error: no --url, and the Yelb stack's AppUrl output could not be read \(ValidationError: Stack with id Yelb does not exist\): pass --url$/
    );
  });

  test.each([
    [['-c', '0'], /-c\/--connections '0' is not a whole number from 1 to 10000/],
    [['-n', '1.5'], /-n\/--requests '1.5' is not a whole number/],
    [['--requests=-5'], /-n\/--requests '-5' is not a whole number/],
    [['-z', 'soon'], /-z\/--duration 'soon' is not a positive duration/],
    [['--timeout', '0'], /--timeout '0' is not a positive duration/],
    [['--rate', 'fast'], /--rate 'fast' is not a positive number/],
    [['--url', 'ftp://example.com'], /--url 'ftp:\/\/example.com' is not an http:\/\/ or https:\/\/ URL/],
    [['--url', 'not a url'], /--url 'not a url' is not an http/],
    [['--path', 'api'], /--path 'api' must start with \//],
    [['--max-error-rate', '2'], /--max-error-rate '2' is not a fraction from 0 to 1/],
    [['--in-vpc', '--json'], /--json and --max-error-rate need a local run/],
    [['--bogus'], /Unknown option '--bogus'/],
  ])('refuses %j with one line and exit 2', async (argv, message) => {
    const run = await traffic(argv);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(message);
  });
});
