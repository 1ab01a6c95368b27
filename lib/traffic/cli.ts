import {
  errorRateOption,
  parseCli,
  positiveDuration,
  positiveNumber,
  stageOption,
  wholeNumber,
} from '../cli/args';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { ECSClient } from '@aws-sdk/client-ecs';

import { CliIo, UsageError, reportBadInput } from '../cli/cli-io';
import { AwsClients, createClients, stackOutputs } from '../aws/clients';
import { SYSTEM_OUTPUTS } from '../contract/outputs';
import { stackNames } from '../contract/stage';
import { Topology, trafficPathOf } from '../model/topology';
import { readTopologyFile } from '../model/topology-file';
import { heyArgs } from '../contract/hey';
import { loadTestTarget, runInVpc } from './in-vpc';
import { runLoad } from './load';
import { errorRateVerdict, progressLine, renderReport } from './report';

export const TRAFFIC_USAGE = `usage: npm run traffic -- [options]

Sends HTTP GET requests to the app (Yelb, or a --topology file's) and reports, exactly, what happened to each: status codes,
errors by kind, latency, and a timeline with one row per second.

target:
  --url URL                 default: the AppUrl output of the app's stack (Yelb)
  --path PATH               default: the public entry's trafficPath (Yelb: /api/getvotes), unless --url has a path
  --topology FILE           the app deployed with -c topology=FILE: its stacks and trafficPath (default: Yelb)
load (hey's flags):
  -c, --connections N       concurrent connections (default 100)
  -n, --requests N          total requests (default 10000); ignored with -z
  -z, --duration D          send for this long, e.g. 2m, 30s; requests in flight then count as aborted
  --rate R                  at most R requests per second in total
  --timeout D               per request (default 10s)
output:
  --json                    one JSON object on stdout (progress stays on stderr)
  --max-error-rate R        exit 1 when (non-2xx + errors) / requests > R, e.g. 0.01
in the VPC (the walkthrough's Fargate hey task; deploy it with -c loadTest=true):
  --in-vpc                  run hey with these flags in the load-test stack's task (YelbLoadTest, or the
                            topology's <Name>LoadTest, of the stage) and print its summary
aws:
  --stage NAME              the copy of the app deployed with -c stage=NAME (its stacks)
  --stack NAME              stack to read AppUrl from (default Yelb, or Yelb-<stage>; a topology's own)
  --region REGION
  -h, --help

exit codes: 0 done, 1 error rate above --max-error-rate or the in-VPC task failed, 2 bad input`;

/** What the caller gives: the topology when no --topology is passed (bin/ gives Yelb), and a test's clients. */
export interface TrafficDeps {
  readonly topology: Topology;
  readonly aws?: (region?: string) => AwsClients & { readonly logs: CloudWatchLogsClient };
}

interface TrafficOptions {
  readonly url?: string;
  readonly path?: string;
  readonly connections: number;
  readonly requests: number;
  readonly durationSeconds?: number;
  readonly rate?: number;
  readonly timeoutMs: number;
  readonly json: boolean;
  readonly maxErrorRate?: number;
  readonly inVpc: boolean;
  readonly stack: string;
  /** The load-test stack of the topology and stage. */
  readonly loadTestStack: string;
  /** The command that deploys it with its task: its stage and topology file included. */
  readonly deployLoadTest: string;
  /** The path requested when neither --path nor --url names one: the public entry's trafficPath. */
  readonly trafficPath: string;
  readonly region?: string;
  readonly help: boolean;
}

/** `npm run traffic`: returns the exit code. */
export async function runTrafficCli(argv: readonly string[], io: CliIo, deps: TrafficDeps): Promise<number> {
  let options: TrafficOptions;
  try {
    options = parseTrafficOptions(argv, deps.topology);
  } catch (err) {
    const badInput = reportBadInput(err, io);
    if (badInput) return badInput;
    throw err;
  }
  if (options.help) {
    io.stdout(`${TRAFFIC_USAGE}\n`);
    return 0;
  }
  const aws = () =>
    deps.aws?.(options.region) ?? {
      ...createClients(options.region),
      logs: new CloudWatchLogsClient(options.region ? { region: options.region } : {}),
    };

  try {
    const url = await targetUrl(options, aws);
    if (options.inVpc) return await inVpc(options, url, aws(), io);

    let lastLength = 0;
    const report = await runLoad({
      url,
      connections: options.connections,
      requests: options.requests,
      durationSeconds: options.durationSeconds,
      rate: options.rate,
      timeoutMs: options.timeoutMs,
      onProgress: (p) => {
        const line = progressLine(p);
        if (io.stderrIsTTY) {
          io.stderr(`\r${line.padEnd(lastLength)}`);
          lastLength = line.length;
        } else {
          io.stderr(`${line}\n`);
        }
      },
    });
    if (io.stderrIsTTY && lastLength > 0) io.stderr('\n');
    io.stdout(options.json ? `${JSON.stringify(report)}\n` : `${renderReport(report)}\n`);

    if (options.maxErrorRate === undefined) return 0;
    const failure = errorRateVerdict(report, options.maxErrorRate);
    if (failure) io.stderr(`error: ${failure}\n`);
    return failure ? 1 : 0;
  } catch (err) {
    const badInput = reportBadInput(err, io);
    if (badInput) return badInput;
    io.stderr(`error: ${(err as Error).message}\n`);
    return 1;
  }
}

function parseTrafficOptions(argv: readonly string[], fallback: Topology): TrafficOptions {
  const parsed = parseCli({
    args: [...argv],
    options: {
      url: { type: 'string' },
      path: { type: 'string' },
      connections: { type: 'string', short: 'c', default: '100' },
      requests: { type: 'string', short: 'n', default: '10000' },
      duration: { type: 'string', short: 'z' },
      rate: { type: 'string' },
      timeout: { type: 'string', default: '10s' },
      json: { type: 'boolean', default: false },
      'max-error-rate': { type: 'string' },
      'in-vpc': { type: 'boolean', default: false },
      stack: { type: 'string' },
      stage: { type: 'string' },
      topology: { type: 'string' },
      region: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const v = parsed.values;
  if (v.url !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(v.url);
    } catch {
      url = undefined;
    }
    if (!url || !['http:', 'https:'].includes(url.protocol)) {
      throw new UsageError(`--url '${v.url}' is not an http:// or https:// URL`);
    }
  }
  if (v.path !== undefined && !v.path.startsWith('/'))
    throw new UsageError(`--path '${v.path}' must start with /`);
  const maxErrorRate = v['max-error-rate'] !== undefined ? errorRateOption(v['max-error-rate']) : undefined;
  const topology = v.topology !== undefined ? readTopologyFile(v.topology) : fallback;
  const stage = stageOption(v.stage);
  if (v['in-vpc'] && (v.json || maxErrorRate !== undefined)) {
    throw new UsageError(
      '--json and --max-error-rate need a local run: with --in-vpc, hey counts and prints its own summary'
    );
  }
  return {
    url: v.url,
    path: v.path,
    connections: wholeNumber('-c/--connections', v.connections, 10_000),
    requests: wholeNumber('-n/--requests', v.requests, 100_000_000),
    durationSeconds: v.duration !== undefined ? positiveDuration('-z/--duration', v.duration) : undefined,
    rate: v.rate !== undefined ? positiveNumber('--rate', v.rate) : undefined,
    timeoutMs: positiveDuration('--timeout', v.timeout) * 1000,
    json: v.json,
    maxErrorRate,
    inVpc: v['in-vpc'],
    stack: v.stack ?? stackNames(topology, stage).system,
    loadTestStack: stackNames(topology, stage).loadTest,
    deployLoadTest: [
      `npx cdk deploy ${stackNames(topology, stage).loadTest} -c loadTest=true`,
      v.topology !== undefined && `-c topology=${v.topology}`,
      stage !== undefined && `-c stage=${stage}`,
    ]
      .filter(Boolean)
      .join(' '),
    trafficPath: trafficPathOf(topology),
    region: v.region,
    help: v.help,
  };
}

/** `--url` (with `--path`), else the stack's AppUrl output; the path defaults to the topology's trafficPath. */
async function targetUrl(options: TrafficOptions, aws: () => AwsClients): Promise<string> {
  let base = options.url;
  if (base === undefined) {
    const { outputs, reason } = await stackOutputs(aws(), options.stack);
    base = outputs?.[SYSTEM_OUTPUTS.appUrl];
    if (!base) {
      throw new UsageError(
        `no --url, and the ${options.stack} stack's ${SYSTEM_OUTPUTS.appUrl} output could not be read (${reason ?? 'no such output'}): pass --url`
      );
    }
  }
  const url = new URL(base);
  const path = options.path ?? (url.pathname === '/' ? options.trafficPath : undefined);
  return path ? new URL(path, url).toString() : url.toString();
}

async function inVpc(
  options: TrafficOptions,
  url: string,
  clients: AwsClients & { readonly logs: CloudWatchLogsClient; readonly ecs: ECSClient },
  io: CliIo
): Promise<number> {
  const stack = options.loadTestStack;
  const { outputs, reason } = await stackOutputs(clients, stack);
  if (!outputs) {
    throw new UsageError(
      `the ${stack} stack could not be read (${reason}): deploy it with ${options.deployLoadTest}`
    );
  }
  const target = loadTestTarget(stack, outputs, options.deployLoadTest);
  const args = heyArgs({ ...options, url });
  // hey runs for -z, or until -n requests are done; then the task stops. Bound the wait well above.
  const maxWaitSeconds = (options.durationSeconds ?? 600) + 600;
  const result = await runInVpc(clients, target, args, { maxWaitSeconds, pollSeconds: 10 }, (line) =>
    io.stderr(`${line}\n`)
  );
  io.stdout(`${result.output}\n`);
  if (result.exitCode !== 0) {
    io.stderr(
      `error: the load-test task ended with exit code ${result.exitCode ?? 'unknown'} (${result.stoppedReason ?? 'no reason given'})\n`
    );
    return 1;
  }
  return 0;
}
