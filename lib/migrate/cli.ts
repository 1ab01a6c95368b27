import { parseCli, positiveDuration, stageOption } from '../cli/args';
import { CliIo, UsageError, reportBadInput } from '../cli/cli-io';
import { formatDuration } from '../cli/duration';
import { Topology } from '../model/topology';
import { YELB } from '../model/yelb';
import { STACK_NAMES } from '../app/outputs';
import { stackNames, stagedTopology } from '../app/stage';
import { formatTable } from '../cli/table';
import { AwsClients, createClients, resolvedRegion } from '../aws/clients';
import { errorMessage } from '../core/errors';
import { Direction, planWaves } from './plan';
import {
  MigrationFailure,
  Progress,
  ServiceOutcome,
  WaitOptions,
  runWaves,
  waitForEmptyNamespace,
} from './run';
import { SC_UPDATE_DIR, ScUpdate, loadScUpdates } from './sc-files';
import { gatherStatus, renderStatus } from './status';
import { MigrationTarget, resolveTarget } from './target';
import { turnServiceConnectOff } from '../aws/ecs';

/** Things a test may replace. */
export interface CliDeps {
  readonly topology?: Topology;
  readonly clients?: (region?: string) => AwsClients;
}

/** Environment variable that lowers the poll interval (seconds or a duration). */
export const POLL_INTERVAL_ENV = 'YELB_MIGRATE_POLL_INTERVAL';
/** The waiter's own minimum delay for `waitUntilServicesStable`. */
const WAITER_MIN_DELAY_SECONDS = 15;
const DEFAULT_TIMEOUT = '15m';

export const USAGE = `usage: npm run migrate -- <command> [options]

commands:
  apply      turn Service Connect on with sc-update/*.json, servers first, wave by wave
  rollback   turn Service Connect off, clients first, then wait until the namespace is empty
  status     per service: Service Connect, aliases, old path, tasks, deployments; drift
  cleanup    before deleting the stacks by other means: Service Connect off everywhere at once,
             then wait until ECS has emptied the namespace (cdk destroy does this itself)

options:
  --region REGION        AWS region (default: the SDK's resolution, AWS_REGION, the profile)
  --cluster NAME         ECS cluster (default: the stack's ClusterName output, else the model's)
  --stage NAME           the copy of the app deployed with -c stage=NAME (stack ${STACK_NAMES.yelb}-NAME, its names)
  --stack NAME           stack to read outputs from (default: ${STACK_NAMES.yelb}, or ${STACK_NAMES.yelb}-<stage>)
  --timeout DURATION     bound of each wave's wait: seconds or 15m, 900s, 1h (default: ${DEFAULT_TIMEOUT})
  --poll-interval DUR    first delay between polls (default: the waiter's ${WAITER_MIN_DELAY_SECONDS}s; env ${POLL_INTERVAL_ENV})
  --dry-run              apply/rollback: print the requests, one JSON per line; no AWS call at all
  --json                 status: one JSON object on stdout
  --sc-dir DIR           directory of svc-*.json (default: sc-update/)
  --verbose              stack traces and more detail on errors
  -h, --help             this text

exit codes: 0 done, 1 a wave failed or AWS failed, 2 bad input or missing resources (nothing sent)`;

const COMMANDS = ['apply', 'rollback', 'status', 'cleanup'] as const;
type Command = (typeof COMMANDS)[number];

/**
 * The migration CLI: `apply`, `rollback`, `status`. Returns the exit code. Everything is
 * validated before the first request that changes anything.
 */
export async function runMigrateCli(argv: readonly string[], io: CliIo, deps: CliDeps = {}): Promise<number> {
  const base = deps.topology ?? YELB;
  let verbose = argv.includes('--verbose');
  try {
    const options = parseOptions(argv, io.env);
    verbose = options.verbose;
    // The stage's names (cluster, namespace, log group); the sc-update files are the same for every stage.
    const topology = stagedTopology(base, options.stage);
    if (options.help) {
      io.stdout(`${USAGE}\n`);
      return 0;
    }
    const updates = options.command === 'apply' ? loadScUpdates(options.scDir, base) : [];
    const clients = (deps.clients ?? createClients)(options.region);
    const region = options.region ?? (await resolvedRegion(clients));
    if (!region)
      throw new UsageError('no AWS region: pass --region or set AWS_REGION (or a region in your profile)');

    if (options.dryRun)
      return dryRun(options.command as Direction, topology, updates, region, options.cluster, io);

    const target = await resolveTarget(clients, region, topology, {
      cluster: options.cluster,
      stack: options.stack,
    });
    for (const note of target.notes) io.stderr(`${note}\n`);

    if (options.command === 'status') {
      const report = await gatherStatus(clients, target, topology);
      io.stdout(options.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderStatus(report)}\n`);
      return 0;
    }

    const wait = { timeoutSeconds: options.timeoutSeconds, pollSeconds: options.pollSeconds };
    const progress = (line: string) => io.stderr(`${line}\n`);
    if (options.command === 'cleanup') {
      return await cleanup(clients, target, topology, wait, progress, io);
    }

    const direction = options.command;
    const waves = planWaves(direction, topology, updates, {
      cluster: target.cluster,
      region,
      namespace: target.namespace.arn,
      logGroupName: target.logGroupName,
    });
    const start = Date.now();
    try {
      const outcomes = await runWaves(clients, target.namespace, direction, waves, wait, progress);
      if (direction === 'rollback') await waitForEmptyNamespace(clients, target.namespace, wait, progress);
      io.stdout(`${summary(outcomes)}\n`);
      io.stdout(
        `${direction === 'apply' ? 'Service Connect is on' : 'Service Connect is off'} for every service (${formatDuration((Date.now() - start) / 1000)})\n`
      );
      return 0;
    } catch (err) {
      if (!(err instanceof MigrationFailure)) throw err;
      io.stderr(`error: ${err.message}\n`);
      if (err.events.length > 0)
        io.stderr(`last events of ${err.service}:\n${err.events.map((e) => `  ${e}`).join('\n')}\n`);
      const untouched = err.outcomes.filter((o) => o.result === 'not started').map((o) => o.service);
      if (untouched.length > 0)
        io.stderr(`not touched: ${untouched.join(', ')}; re-run to resume once the cause is fixed\n`);
      if (err.outcomes.length > 0) io.stdout(`${summary(err.outcomes)}\n`);
      return 1;
    }
  } catch (err) {
    const badInput = reportBadInput(err, io, 'nothing was changed');
    if (badInput) return badInput;
    io.stderr(`error: ${errorMessage(err)}\n`);
    if (verbose && err instanceof Error && err.stack) io.stderr(`${err.stack}\n`);
    return 1;
  }
}

interface Options {
  readonly command: Command;
  readonly region?: string;
  readonly cluster?: string;
  readonly stack: string;
  readonly stage?: string;
  readonly timeoutSeconds: number;
  readonly pollSeconds: number;
  readonly dryRun: boolean;
  readonly json: boolean;
  readonly scDir: string;
  readonly verbose: boolean;
  readonly help: boolean;
}

function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv): Options {
  const parsed = parseCli({
    args: [...argv],
    allowPositionals: true,
    options: {
      region: { type: 'string' },
      cluster: { type: 'string' },
      stack: { type: 'string' },
      stage: { type: 'string' },
      timeout: { type: 'string', default: DEFAULT_TIMEOUT },
      'poll-interval': { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      'sc-dir': { type: 'string', default: SC_UPDATE_DIR },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const { values, positionals } = parsed;
  const help = values.help;
  const [command, ...extra] = positionals;
  if (!help) {
    if (!command) throw new UsageError(`a command is needed: ${COMMANDS.join(', ')} (see --help)`);
    if (!(COMMANDS as readonly string[]).includes(command)) {
      throw new UsageError(`unknown command '${command}'; allowed: ${COMMANDS.join(', ')}`);
    }
    if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
    if (values['dry-run'] && (command === 'status' || command === 'cleanup'))
      throw new UsageError(`--dry-run is for apply and rollback, not ${command}`);
    if (values.json && command !== 'status') throw new UsageError('--json is for status');
  }
  const timeoutSeconds = positiveDuration(
    '--timeout',
    values.timeout,
    'seconds (900) or with a unit (15m, 30s, 1h)'
  );
  const pollText = values['poll-interval'] ?? env[POLL_INTERVAL_ENV];
  const pollSeconds =
    pollText === undefined
      ? WAITER_MIN_DELAY_SECONDS
      : positiveDuration(
          values['poll-interval'] !== undefined ? '--poll-interval' : POLL_INTERVAL_ENV,
          pollText,
          'seconds (5, 0.5) or with a unit (250ms, 10s)'
        );
  if (pollSeconds >= timeoutSeconds) {
    throw new UsageError(
      `the poll interval (${pollSeconds}s) must be shorter than --timeout (${timeoutSeconds}s)`
    );
  }
  for (const [name, value] of [
    ['--region', values.region],
    ['--cluster', values.cluster],
    ['--stack', values.stack],
  ] as const) {
    if (value !== undefined && !/^[A-Za-z0-9_.:/-]+$/.test(value))
      throw new UsageError(`${name} '${value}' is not a valid name`);
  }
  return {
    command: command as Command,
    stage: stageOption(values.stage),
    region: values.region,
    cluster: values.cluster,
    stack: values.stack ?? stackNames(values.stage).yelb,
    timeoutSeconds,
    pollSeconds,
    dryRun: values['dry-run'],
    json: values.json,
    scDir: values['sc-dir'],
    verbose: values.verbose,
    help,
  };
}

function dryRun(
  direction: Direction,
  topology: Topology,
  updates: readonly ScUpdate[],
  region: string,
  cluster: string | undefined,
  io: CliIo
): number {
  const waves = planWaves(direction, topology, updates, { cluster: cluster ?? topology.clusterName, region });
  io.stderr(
    [
      'dry run: no AWS call was made. These are the requests for a system in the opposite state, in order;',
      'a real run skips services already in the target state, which a dry run cannot know, and waits for',
      `each wave to be stable before the next. Cluster ${cluster ? 'from --cluster' : `'${topology.clusterName}' from the model`} (the stack is not read).`,
    ].join('\n') + '\n'
  );
  for (const update of waves.flat())
    io.stdout(`${JSON.stringify({ command: 'UpdateService', input: update.input })}\n`);
  return 0;
}

/**
 * `cleanup`: what the stack's teardown custom resource does, for people who delete the stacks
 * (or the services) by other means. Every service with Service Connect on gets `enabled: false`
 * at once (the system is going away, so no order is needed), then the namespace must empty.
 */
async function cleanup(
  clients: AwsClients,
  target: MigrationTarget,
  topology: Topology,
  wait: WaitOptions,
  progress: Progress,
  io: CliIo
): Promise<number> {
  const start = Date.now();
  const changed = await turnServiceConnectOff(clients.ecs, {
    cluster: target.cluster,
    services: topology.services.map((s) => s.name),
    namespaceId: target.namespace.id,
  });
  progress(
    changed.length > 0
      ? `Service Connect turned off: ${changed.join(', ')}`
      : 'Service Connect was already off everywhere'
  );
  try {
    await waitForEmptyNamespace(clients, target.namespace, wait, progress);
  } catch (err) {
    if (!(err instanceof MigrationFailure)) throw err;
    io.stderr(`error: ${err.message}\n`);
    return 1;
  }
  io.stdout(
    `namespace ${target.namespace.name} is empty: the stacks can be deleted (${formatDuration((Date.now() - start) / 1000)})\n`
  );
  return 0;
}

function summary(outcomes: readonly ServiceOutcome[]): string {
  return formatTable(
    ['service', 'before → after', 'seconds', 'result'],
    outcomes.map((o) => [
      o.service,
      `${o.before} → ${o.after}`,
      o.seconds === undefined ? '-' : o.seconds.toFixed(0),
      o.result,
    ])
  );
}
