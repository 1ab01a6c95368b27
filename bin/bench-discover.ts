/**
 * `npm run bench:discover [-- --services 200 --latency 50]`: `migrate discover` on a generated
 * cluster of N services (test/support/shop-cluster.ts: layers of HTTP services behind Cloud Map
 * names and an internal load balancer's host rules, TCP stores at the bottom, a quarter of the
 * ports without names) served by the fake AWS on 127.0.0.1, through the real SDK clients. Each
 * answer waits `--latency` ms, a stand-in for the network and the API. Prints the API calls by
 * operation, the wall time, the peak memory and the findings. Targets: DescribeServices at most 10
 * services per call, and discovery within 60 s at 50 ms per call. Exit 1 when missed.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { wholeNumber } from '../lib/cli/args';
import { formatTable } from '../lib/cli/table';
import { POLL_INTERVAL_ENV, runMigrateCli } from '../lib/migrate/cli';
import { YELB } from '../lib/model/yelb';
import { runCli } from '../test/support/cli';
import { FakeAws } from '../test/support/fake-aws';
import { generatedCluster } from '../test/support/shop-cluster';

const TARGET_SECONDS = 60;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { services: { type: 'string', default: '200' }, latency: { type: 'string', default: '50' } },
  });
  const services = wholeNumber('--services', values.services, 5000);
  const latency = Number(values.latency);
  const fake = new FakeAws();
  const env = { ...fake.env(await fake.start()), [POLL_INTERVAL_ENV]: '0.01' };
  fake.seedCluster(generatedCluster(services));
  fake.latencyMs = latency;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-discover-'));
  const out = path.join(dir, 'gen.json');
  const memoryBefore = process.memoryUsage().rss;
  let peak = memoryBefore;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const started = process.hrtime.bigint();
  const run = await runCli(
    (argv, io) => runMigrateCli(argv, io, { topology: YELB }),
    ['discover', '--cluster', 'gen', '--out', out, '--json'],
    env
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  clearInterval(sampler);
  await fake.stop();
  fs.rmSync(dir, { recursive: true, force: true });
  if (run.code !== 0) {
    console.error(run.stderr);
    return 1;
  }
  const report = JSON.parse(run.stdout) as { apiCalls: Record<string, number>; findings: { code: string }[] };
  const described = fake.requests.filter((r) => r.operation === 'DescribeServices');
  const largest = Math.max(...described.map((r) => (r.input as { services: unknown[] }).services.length));
  const total = Object.values(report.apiCalls).reduce((a, b) => a + b, 0);
  console.log(`discover: ${services} services, ${latency} ms per answer\n`);
  console.log(
    formatTable(
      ['operation', 'calls'],
      Object.entries(report.apiCalls).map(([op, n]) => [op, String(n)])
    )
  );
  console.log(
    `\n${total} API calls in ${seconds.toFixed(1)} s (${(total / seconds).toFixed(0)} calls/s); peak RSS ${((peak - memoryBefore) / 2 ** 20).toFixed(0)} MiB above the start`
  );
  const counts = new Map<string, number>();
  for (const f of report.findings) counts.set(f.code, (counts.get(f.code) ?? 0) + 1);
  console.log(`findings: ${[...counts].map(([c, n]) => `${c} ${n}`).join(', ')}`);
  const misses = [
    largest > 10 && `DescribeServices asked ${largest} services in one call (ECS allows 10)`,
    latency >= 50 && seconds > TARGET_SECONDS && `took ${seconds.toFixed(1)} s, target ${TARGET_SECONDS} s`,
  ].filter(Boolean);
  for (const miss of misses) console.error(`target missed: ${miss}`);
  return misses.length > 0 ? 1 : 0;
}

main().then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  }
);
