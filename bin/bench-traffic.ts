/**
 * `npm run bench:traffic [-- --duration 10s --connections 100 --runs 3]`: our generator and hey
 * (Debian package `hey`) against the same minimal Node HTTP server on loopback, one after the
 * other, at the same connections and duration. Prints each one's requests/s and CPU time and
 * the ratio. Target: ours delivers at least hey's throughput (ratio >= 1.0), so that it is never
 * the bottleneck of a measurement. Exit 1 when missed, 2 when hey is not installed. Linux only
 * (CPU time from /proc).
 */
import { spawn, spawnSync } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { childrenCpuSeconds, median } from '../lib/bench/measure';
import { parseDuration } from '../lib/cli/duration';
import { formatTable } from '../lib/cli/table';

const ROOT = path.join(__dirname, '..');
const SERVER = `require('http').createServer((q, s) => { s.writeHead(200, { 'content-type': 'application/json' }); s.end('{"votes":[]}'); })
  .listen(0, '127.0.0.1', function () { console.log(this.address().port); });`;

interface Run {
  readonly rps: number;
  readonly cpuSeconds: number;
}

function fail(message: string, code: number): never {
  console.error(`error: ${message}`);
  process.exit(code);
}

function timed(command: string, args: readonly string[]): { stdout: string; cpuSeconds: number } {
  const before = childrenCpuSeconds();
  const result = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) fail(`${command} failed: ${result.stderr}`, 1);
  return { stdout: result.stdout, cpuSeconds: childrenCpuSeconds() - before };
}

function ours(url: string, connections: number, seconds: number): Run {
  const { stdout, cpuSeconds } = timed(process.execPath, [
    '-r',
    'ts-node/register',
    'bin/traffic.ts',
    '--url',
    url,
    '-c',
    String(connections),
    '-z',
    `${seconds}s`,
    '--json',
  ]);
  return { rps: (JSON.parse(stdout) as { rps: number }).rps, cpuSeconds };
}

function hey(url: string, connections: number, seconds: number): Run {
  const { stdout, cpuSeconds } = timed('hey', ['-c', String(connections), '-z', `${seconds}s`, url]);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1];
  if (!rps) fail(`could not read hey's requests/s from:\n${stdout}`, 1);
  return { rps: Number(rps), cpuSeconds };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '10s' },
      connections: { type: 'string', default: '100' },
      runs: { type: 'string', default: '3' },
    },
  });
  const seconds = parseDuration(values.duration);
  const connections = Number(values.connections);
  const runs = Number(values.runs);
  if (!seconds || seconds <= 0) fail(`--duration '${values.duration}' is not a positive duration`, 2);
  if (!Number.isInteger(connections) || connections < 1)
    fail(`--connections '${values.connections}' is not a positive integer`, 2);
  if (!Number.isInteger(runs) || runs < 1) fail(`--runs '${values.runs}' is not a positive integer`, 2);
  if (spawnSync('hey', ['-h']).error) fail('hey is not installed: apt-get install hey (Debian package)', 2);

  const server = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve) =>
    server.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()))
  );
  const url = `http://127.0.0.1:${port}/api/getvotes`;
  try {
    const results = { ours: [] as Run[], hey: [] as Run[] };
    for (let run = 1; run <= runs; run++) {
      results.ours.push(ours(url, connections, seconds));
      console.error(`run ${run}/${runs}: ours ${results.ours[run - 1].rps.toFixed(0)} requests/s`);
      results.hey.push(hey(url, connections, seconds));
      console.error(`run ${run}/${runs}: hey  ${results.hey[run - 1].rps.toFixed(0)} requests/s`);
    }
    const summary = (list: Run[]) => ({
      rps: median(list.map((r) => r.rps)),
      cpu: median(list.map((r) => r.cpuSeconds)),
    });
    const o = summary(results.ours);
    const h = summary(results.hey);
    const ratio = o.rps / h.rps;
    console.log(
      `${connections} connections, ${seconds} s per run, median of ${runs} runs; a minimal Node HTTP server on loopback; ${os.cpus().length} CPUs, node ${process.version}`
    );
    console.log(
      formatTable(
        ['generator', 'requests/s', 'CPU time', 'CPU ms per 1000 requests'],
        [
          [
            'npm run traffic (undici)',
            o.rps.toFixed(0),
            `${o.cpu.toFixed(2)} s`,
            (((1000 * o.cpu) / (o.rps * seconds)) * 1000).toFixed(1),
          ],
          [
            'hey',
            h.rps.toFixed(0),
            `${h.cpu.toFixed(2)} s`,
            (((1000 * h.cpu) / (h.rps * seconds)) * 1000).toFixed(1),
          ],
        ]
      )
    );
    console.log(`ratio (ours / hey): ${ratio.toFixed(2)}; target >= 1.0: ${ratio >= 1 ? 'met' : 'NOT met'}`);
    process.exitCode = ratio >= 1 ? 0 : 1;
  } finally {
    server.kill();
  }
}

void main();
