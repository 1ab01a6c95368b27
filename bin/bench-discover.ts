/**
 * `npm run bench:discover [-- --services 200 --latency 50]`: `migrate discover` on a generated
 * cluster of N services (test/support/shop-cluster.ts: layers of HTTP services behind Cloud Map
 * names and an internal load balancer's host rules, TCP stores at the bottom, a quarter of the
 * ports without names) served by the fake AWS on 127.0.0.1, through the real SDK clients. Each
 * answer waits `--latency` ms, a stand-in for the network and the API. Prints the API calls by
 * operation beside the minimum any discovery must make, the wall time, the peak memory and the
 * findings. Targets: DescribeServices at most 10 services per call, at most 1.1 times the
 * minimum calls, and discovery within 60 s at 50 ms per call. Exit 1 when missed.
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
import { LiveCluster } from '../test/support/live-cluster';
import { generatedCluster } from '../test/support/shop-cluster';

const TARGET_SECONDS = 60;
/** At most this many times the calls any discovery must make. */
const TARGET_CALLS_RATIO = 1.1;

/**
 * The calls any discovery of `cluster` must make, by operation: every page of the lists (100
 * items a page; ELBv2 takes 20 ARNs a call, DescribeServices 10 services), a task definition
 * each, the attributes of each Application Load Balancer and the rules of each HTTP listener,
 * the hosted zones of its VPC and the records of its zone. Finding the Cloud Map namespace, the
 * cluster and which zones are Cloud Map's is left out: a discovery could know them otherwise.
 */
function minimumCalls(cluster: LiveCluster): Record<string, number> {
  const pages = (items: number, perPage: number) => Math.ceil(items / perPage);
  const { services } = cluster;
  const cloudMapNames = services.filter((s) => s.cloudMap).length + (cluster.foreignNames ?? []).length;
  const routes = services.flatMap((s) => [s.internal, s.public].filter((r) => r !== undefined));
  const loadBalancers = cluster.loadBalancers ?? [];
  const network = new Set(loadBalancers.filter((l) => l.type === 'network').map((l) => l.name));
  const httpListeners = new Set(
    routes.filter((r) => !network.has(r.lb)).map((r) => `${r.lb}:${r.listenerPort}`)
  );
  const zoneRecords = new Set(services.flatMap((s) => s.internal?.aliases ?? [])).size + 2; // SOA, NS
  return {
    'ecs:ListServices': pages(services.length, 100),
    'ecs:DescribeServices': pages(services.length, 10),
    'ecs:DescribeTaskDefinition': services.length,
    'servicediscovery:ListServices': pages(cloudMapNames, 100),
    'elasticloadbalancing:DescribeTargetGroups': pages(routes.length, 20),
    'elasticloadbalancing:DescribeLoadBalancers': pages(loadBalancers.length, 20),
    'elasticloadbalancing:DescribeLoadBalancerAttributes': loadBalancers.filter((l) => l.type !== 'network')
      .length,
    'elasticloadbalancing:DescribeListeners': loadBalancers.length,
    'elasticloadbalancing:DescribeRules': httpListeners.size,
    'route53:ListHostedZonesByVPC': 1,
    'route53:ListResourceRecordSets': pages(zoneRecords, 100),
  };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { services: { type: 'string', default: '200' }, latency: { type: 'string', default: '50' } },
  });
  const services = wholeNumber('--services', values.services, 5000);
  const latency = Number(values.latency);
  const fake = new FakeAws();
  const env = { ...fake.env(await fake.start()), [POLL_INTERVAL_ENV]: '0.01' };
  const cluster = generatedCluster(services);
  fake.seedCluster(cluster);
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
  const minimum = minimumCalls(cluster);
  const least = Object.values(minimum).reduce((a, b) => a + b, 0);
  const ratio = total / least;
  console.log(`discover: ${services} services, ${latency} ms per answer\n`);
  console.log(
    formatTable(
      ['operation', 'calls', 'minimum'],
      Object.entries(report.apiCalls).map(([op, n]) => [op, String(n), String(minimum[op] ?? 0)])
    )
  );
  console.log(
    `\n${total} API calls (minimum ${least}, ${ratio.toFixed(2)}x; target <= ${TARGET_CALLS_RATIO}x) in ${seconds.toFixed(1)} s (${(total / seconds).toFixed(0)} calls/s); peak RSS ${((peak - memoryBefore) / 2 ** 20).toFixed(0)} MiB above the start`
  );
  const counts = new Map<string, number>();
  for (const f of report.findings) counts.set(f.code, (counts.get(f.code) ?? 0) + 1);
  console.log(`findings: ${[...counts].map(([c, n]) => `${c} ${n}`).join(', ')}`);
  const misses = [
    largest > 10 && `DescribeServices asked ${largest} services in one call (ECS allows 10)`,
    ratio > TARGET_CALLS_RATIO && `${total} API calls, ${ratio.toFixed(2)} times the minimum ${least}`,
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
