import { parseCli, positiveDuration, stageOption } from '../cli/args';
import { CliIo, UsageError, reportBadInput } from '../cli/cli-io';
import { Topology } from '../model/topology';
import { stackNames, stagedTopology } from '../contract/stage';
import { AwsClients, createClients, resolvedRegion } from '../aws/clients';
import { errorMessage } from '../core/errors';
import { readTopologyFile } from '../model/topology-file';
import { loadScUpdates } from './sc-files';
import { resolveTarget, runOptions } from './target';
import { AppOptions, appOptionsSchema } from '../contract/app-options';
import { readJsonFile } from '../core/json-file';
import { parseWith } from '../core/schema';
import { Session, isFolder } from './session';
import { discover } from './commands/discover';
import { apply, dryRunApply, plan } from './commands/apply';
import { dryRunRollback, rollback } from './commands/rollback';
import { retire } from './commands/retire';
import { status } from './commands/status';
import { cleanup } from './commands/cleanup';
import { MigrationFailure } from './run';
import { reportFailure } from './commands/output';
import { exportCommand } from './commands/export';
import { EXPORT_FORMATS, ExportFormat } from '../export/exported';
import { ValidationError } from '../core/validation';
import { ownedRefusals } from './ownership';

/** Things the caller gives: the topology when no --topology is passed (bin/ gives Yelb), and a test's clients. */
export interface CliDeps {
  readonly topology: Topology;
  readonly clients?: (region?: string) => AwsClients;
}

/** Environment variable that sets the poll interval (seconds or a duration), for any topology. */
export const POLL_INTERVAL_ENV = 'SERVICE_CONNECT_MIGRATE_POLL_INTERVAL';
/** Its earlier name, still read when the new one is not set. */
const LEGACY_POLL_INTERVAL_ENV = 'YELB_MIGRATE_POLL_INTERVAL';
/** The waiter's own minimum delay for `waitUntilServicesStable`. */
const WAITER_MIN_DELAY_SECONDS = 15;
const DEFAULT_TIMEOUT = '15m';

export const USAGE = `usage: npm run migrate -- <command> [options]

commands:
  discover   read a live cluster (read-only) and write its topology file and the findings
  plan       read the live system (read-only) and print what apply would do, wave by wave
  apply      turn Service Connect on, servers first, wave by wave (names unnamed ports; creates
             the namespace when it is named with --namespace and does not exist)
  status     per service: Service Connect, aliases, old path, tasks, deployments; drift
  retire     detach each service's old path (Cloud Map registry, internal target group) once it
             and all its callers run Service Connect; never deletes anything
  rollback   attach retired old paths again, then Service Connect off, clients first, each
             service back on the task definition it had; waits until ECS has removed their
             endpoints from the namespace (other services' endpoints there are left alone)
  cleanup    before deleting the stacks by other means: Service Connect off everywhere at once
             (rolling, deployment alarms off), then wait until ECS has removed their endpoints
             (cdk destroy does this itself)
  export     for services that a stack or code owns: the same waves written into their
             CloudFormation templates, CDK code or Terraform blocks, with a README (reads the
             stacks' templates for cloudformation; changes nothing)

options:
  --topology FILE        the system to migrate (from discover); default: the CDK app's Yelb
  --cluster NAME         ECS cluster (discover: required; else the stack's output or the topology's)
  --namespace NAME       the Service Connect namespace; apply creates it when it does not exist
                         (default: the one the services run Service Connect in, else the topology's,
                         which must exist)
  --region REGION        AWS region (default: the SDK's resolution, AWS_REGION, the profile)
  --stage NAME           Yelb: the copy deployed with -c stage=NAME (stack Yelb-NAME, its names)
  --stack NAME           stack to read outputs from (default for Yelb: Yelb, or Yelb-<stage>; a --topology
                         file deployed by the CDK app (-c topology=FILE): its stack, e.g. Shop)
  --timeout DURATION     bound of each wave's wait: seconds or 15m, 900s, 1h (default: ${DEFAULT_TIMEOUT}),
                         plus the steps and bake of a service that ECS deploys blue/green, linear or canary
  --poll-interval DUR    first delay between polls (default: the waiter's ${WAITER_MIN_DELAY_SECONDS}s; env ${POLL_INTERVAL_ENV})
  --dry-run              apply/rollback: print the requests, one JSON per line; no AWS call at all
  --json                 discover, plan, status: one JSON document on stdout
  --sc-dir DIR           svc-*.json files that override services' configurations (default: none, the plan's)
  --options FILE         the CDK app's options of every configuration (its stack's ServiceConnectOptions
                         output, as JSON): access logs, TLS, strategy; read from the stack when there is one
  --access-logs BOOL     true or false: the proxies' JSON access logs, where no stack or --options says
                         (default: true, as the CDK app)
  --out FILE             discover: the topology file to write; export: the folder to write
  --force                discover: overwrite --out; export: write into a folder that is not empty
  --format FORMAT        export: cloudformation, cdk or terraform
  --allow-drift          apply, retire, rollback: change services that a stack owns anyway (its
                         next deployment reverts it; see docs/your-services.md)
  --only NAMES           retire: only these services (comma-separated)
  --allow-outside-callers  retire: also names that callers outside ECS may use (calledFromOutside)
  --verbose              stack traces and more detail on errors
  -h, --help             this text

exit codes: 0 done, 1 a wave failed or AWS failed, 2 bad input or missing resources (nothing sent)`;

const COMMANDS = ['discover', 'plan', 'apply', 'status', 'retire', 'rollback', 'cleanup', 'export'] as const;
type Command = (typeof COMMANDS)[number];

/** Which command takes which option (the common ones are not listed). */
const ONLY_FOR: Record<string, readonly Command[]> = {
  '--dry-run': ['apply', 'rollback'],
  '--json': ['discover', 'plan', 'status'],
  '--out': ['discover', 'export'],
  '--force': ['discover', 'export'],
  '--format': ['export'],
  '--allow-drift': ['apply', 'retire', 'rollback'],
  '--only': ['retire'],
  '--allow-outside-callers': ['retire'],
  '--sc-dir': ['plan', 'apply', 'status', 'retire', 'rollback', 'cleanup'],
  '--options': ['plan', 'apply', 'status', 'retire', 'rollback'],
  '--access-logs': ['plan', 'apply', 'status', 'retire', 'rollback', 'export'],
  '--topology': ['plan', 'apply', 'status', 'retire', 'rollback', 'cleanup', 'export'],
  '--stage': ['plan', 'apply', 'status', 'retire', 'rollback', 'cleanup'],
  '--stack': ['plan', 'apply', 'status', 'retire', 'rollback', 'cleanup'],
};

/**
 * The migration CLI. Returns the exit code. Everything is validated (options, the topology file,
 * the overrides, then the live system with read-only calls) before the first request that
 * changes anything.
 */
export async function runMigrateCli(argv: readonly string[], io: CliIo, deps: CliDeps): Promise<number> {
  let verbose = argv.includes('--verbose');
  try {
    const options = parseOptions(argv, io.env);
    verbose = options.verbose;
    if (options.help) {
      io.stdout(`${USAGE}\n`);
      return 0;
    }
    const aws = async () => {
      const clients = (deps.clients ?? createClients)(options.region);
      const region = options.region ?? (await resolvedRegion(clients));
      if (!region)
        throw new UsageError('no AWS region: pass --region or set AWS_REGION (or a region in your profile)');
      return { clients, region };
    };
    if (options.command === 'discover') {
      const { clients, region } = await aws();
      return await discover(
        clients,
        {
          cluster: options.cluster!,
          region,
          out: options.out ?? `${options.cluster}.topology.json`,
          namespace: options.namespace,
          json: options.json,
          force: options.force,
        },
        io
      );
    }

    // The topology (a file, or the CDK app's with the stage's names) and the overrides are
    // checked before anything else, AWS included.
    const topology = options.topologyFile
      ? readTopologyFile(options.topologyFile)
      : stagedTopology(deps.topology, options.stage);
    if (options.command === 'export') {
      const { clients, region } = await aws();
      return await exportCommand(
        clients,
        topology,
        {
          topologyFile: options.topologyFile!,
          format: options.format!,
          out: options.out!,
          force: options.force,
          region,
          ...(options.namespace !== undefined && { namespace: options.namespace }),
          ...(options.accessLogs !== undefined && { accessLogs: options.accessLogs }),
        },
        io
      );
    }
    if (options.command === 'apply' || options.command === 'retire' || options.command === 'rollback') {
      const owned = ownedRefusals(topology, options.command, options.topologyFile, options.only);
      if (owned.length > 0 && options.dryRun) owned.forEach((line) => io.stderr(`warning: ${line}\n`));
      else if (owned.length > 0 && !options.allowDrift) throw new ValidationError(owned);
    }
    // Every configuration is the plan's; a folder of svc-*.json files overrides services only
    // when named (sc-update/ holds the plan's own, rendered with the app's default options).
    const scDir = options.scDir;
    if (scDir !== undefined && !isFolder(scDir)) throw new UsageError(`--sc-dir ${scDir} is not a folder`);
    const overrides = scDir ? loadScUpdates(scDir, options.topologyFile ? topology : deps.topology) : [];
    const { clients, region } = await aws();

    if (options.dryRun) {
      const cluster = options.cluster ?? topology.clusterName;
      const namespace = options.namespace ?? topology.serviceConnectNamespace;
      const run = runOptions(undefined, undefined, options);
      io.stderr(`${run.note}\n`);
      const target = { cluster, region, namespace, options: run.options, ...(run.tls && { tls: run.tls }) };
      return options.command === 'apply'
        ? dryRunApply(topology, overrides, target, io, options.cluster !== undefined)
        : dryRunRollback(topology, target, io, options.cluster !== undefined);
    }

    const target = await resolveTarget(clients, region, topology, {
      cluster: options.cluster,
      stack:
        options.stack ?? (options.topologyFile ? undefined : stackNames(deps.topology, options.stage).system),
      namespace: options.namespace,
      missingNamespace:
        options.namespace !== undefined && (options.command === 'apply' || options.command === 'plan')
          ? 'create'
          : options.command === 'plan' || options.command === 'status'
            ? 'report'
            : 'refuse',
      ...(options.appOptions && { appOptions: options.appOptions }),
      ...(options.accessLogs !== undefined && { accessLogs: options.accessLogs }),
    });
    for (const note of target.notes) io.stderr(`${note}\n`);
    for (const warning of target.warnings) io.stderr(`warning: ${warning}\n`);
    const session: Session = {
      clients,
      io,
      topology,
      overrides,
      target,
      wait: { timeoutSeconds: options.timeoutSeconds, pollSeconds: options.pollSeconds },
      progress: (line) => io.stderr(`${line}\n`),
      verbose,
    };
    try {
      switch (options.command) {
        case 'plan':
          return await plan(session, options.json);
        case 'apply':
          return await apply(session);
        case 'status':
          return await status(session, options.json);
        case 'retire':
          return await retire(session, {
            only: options.only,
            allowOutsideCallers: options.allowOutsideCallers,
          });
        case 'rollback':
          return await rollback(session);
        case 'cleanup':
          return await cleanup(session);
      }
    } catch (err) {
      if (!(err instanceof MigrationFailure)) throw err;
      return reportFailure(err, io);
    }
  } catch (err) {
    const badInput = reportBadInput(err, io, 'nothing was changed');
    if (badInput) return badInput;
    io.stderr(`error: ${errorMessage(err)}\n`);
    if (verbose && err instanceof Error && err.stack) io.stderr(`${err.stack}\n`);
    return 1;
  }
}

/** `a, b and c`. */
function listed(items: readonly string[]): string {
  return items.length <= 1
    ? items.join('')
    : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

interface Options {
  readonly command: Command;
  readonly region?: string;
  readonly cluster?: string;
  readonly stack?: string;
  readonly stage?: string;
  readonly topologyFile?: string;
  readonly namespace?: string;
  readonly timeoutSeconds: number;
  readonly pollSeconds: number;
  readonly dryRun: boolean;
  readonly json: boolean;
  readonly scDir?: string;
  readonly appOptions?: AppOptions;
  readonly accessLogs?: boolean;
  readonly out?: string;
  readonly force: boolean;
  readonly only?: readonly string[];
  readonly allowOutsideCallers: boolean;
  readonly format?: ExportFormat;
  readonly allowDrift: boolean;
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
      topology: { type: 'string' },
      namespace: { type: 'string' },
      timeout: { type: 'string', default: DEFAULT_TIMEOUT },
      'poll-interval': { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      'sc-dir': { type: 'string' },
      options: { type: 'string' },
      'access-logs': { type: 'string' },
      out: { type: 'string' },
      force: { type: 'boolean', default: false },
      only: { type: 'string' },
      'allow-outside-callers': { type: 'boolean', default: false },
      format: { type: 'string' },
      'allow-drift': { type: 'boolean', default: false },
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
    for (const [option, commands] of Object.entries(ONLY_FOR)) {
      const value = (values as Record<string, unknown>)[option.slice(2)];
      if (value !== undefined && value !== false && !commands.includes(command as Command))
        throw new UsageError(`${option} is for ${listed(commands)}, not ${command}`);
    }
    if (command === 'discover' && values.cluster === undefined)
      throw new UsageError('discover needs --cluster NAME: the cluster to read');
    if (command === 'export') exportUsage(values);
    if (values.topology !== undefined && (values.stage !== undefined || values.stack !== undefined))
      throw new UsageError(
        "--stage and --stack are for the CDK app's Yelb; a --topology file names its own cluster"
      );
  }
  const timeoutSeconds = positiveDuration(
    '--timeout',
    values.timeout,
    'seconds (900) or with a unit (15m, 30s, 1h)'
  );
  const pollSource =
    values['poll-interval'] !== undefined
      ? { name: '--poll-interval', text: values['poll-interval'] }
      : [POLL_INTERVAL_ENV, LEGACY_POLL_INTERVAL_ENV]
          .filter((name) => env[name] !== undefined)
          .map((name) => ({ name, text: env[name]! }))[0];
  const pollSeconds =
    pollSource === undefined
      ? WAITER_MIN_DELAY_SECONDS
      : positiveDuration(pollSource.name, pollSource.text, 'seconds (5, 0.5) or with a unit (250ms, 10s)');
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
  if (values.namespace !== undefined && !/^[!-~]{1,1024}$/.test(values.namespace))
    throw new UsageError(
      `--namespace '${values.namespace}' is not a namespace name (printable characters, no spaces)`
    );
  const accessLogs = values['access-logs'];
  if (accessLogs !== undefined && accessLogs !== 'true' && accessLogs !== 'false')
    throw new UsageError(`--access-logs '${accessLogs}'; allowed: 'true' or 'false'`);
  if (values.options !== undefined && accessLogs !== undefined)
    throw new UsageError('--access-logs and --options both say whether access logs are on: give one');
  const only = values.only?.split(',').map((s) => s.trim());
  if (only && only.some((s) => s === '')) throw new UsageError(`--only '${values.only}' has an empty name`);
  return {
    command: command as Command,
    stage: stageOption(values.stage),
    region: values.region,
    cluster: values.cluster,
    stack: values.stack,
    topologyFile: values.topology,
    namespace: values.namespace,
    timeoutSeconds,
    pollSeconds,
    dryRun: values['dry-run'],
    json: values.json,
    scDir: values['sc-dir'],
    ...(values.options !== undefined && { appOptions: readAppOptions(values.options) }),
    ...(accessLogs !== undefined && { accessLogs: accessLogs === 'true' }),
    out: values.out,
    force: values.force,
    only,
    allowOutsideCallers: values['allow-outside-callers'],
    ...(values.format !== undefined && { format: values.format as ExportFormat }),
    allowDrift: values['allow-drift'],
    verbose: values.verbose,
    help,
  };
}

/** What export needs: a topology file, a format it writes, a folder. */
function exportUsage(values: { topology?: string; format?: string; out?: string }): void {
  if (values.topology === undefined)
    throw new UsageError(
      'export needs --topology FILE: the services to export (discover writes it, with their stacks)'
    );
  if (values.format === undefined || !(EXPORT_FORMATS as readonly string[]).includes(values.format))
    throw new UsageError(
      `export needs --format${values.format === undefined ? '' : ` (not '${values.format}')`}; allowed: ${EXPORT_FORMATS.join(', ')}`
    );
  if (values.out === undefined) throw new UsageError('export needs --out DIR: the folder to write');
}

/** `--options FILE`: the CDK app's options, as its stack's ServiceConnectOptions output holds them. */
function readAppOptions(file: string): AppOptions {
  return parseWith(appOptionsSchema, readJsonFile(file), file);
}
