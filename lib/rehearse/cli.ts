import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { cdkJsonContext } from '../contract/cdk-json';
import {
  contextOptions,
  errorRateOption,
  parseCli,
  positiveDuration,
  positiveNumber,
  stageOption,
  wholeNumber,
} from '../cli/args';
import { CliIo, UsageError, reportBadInput } from '../cli/cli-io';
import { oneOf } from '../core/validation';
import { MIGRATION_PHASES, MigrationPhase, deployCommand } from '../model/phase';
import { Topology } from '../model/topology';
import { PhaseTemplates, synthesizePhases } from '../plan/synth-phases';
import { toolkitAws } from './aws';
import { CHART_PNG, CHART_SVG, renderMarkdown } from './render';
import { chartPng, chartSvg } from './chart';
import {
  RehearsalOptions,
  deployContext,
  phasesOf,
  rehearsalScript,
  rehearsalSteps,
  rehearsalTarget,
  scriptLines,
  stepPlans,
} from './plan';
import {
  DEFAULT_MAX_ERROR_RATE,
  DEFAULT_MAX_PLANNED_OUTAGE_SECONDS,
  RehearsalReport,
  judge,
  rehearsalReportSchema,
} from './report';
import { dataCheckWords } from './data-check';
import { parseWith } from '../core/schema';
import { RehearsalAws, RehearsalDeps, runRehearsal } from './run';
import { resolveTopology } from '../app/config';

/** Requests per second of the traffic, and votes cast, unless the options say otherwise. */
const DEFAULT_RATE = 20;
const DEFAULT_VOTES = 20;

export const REHEARSE_USAGE = `usage: npm run rehearse -- [options]
       npm run rehearse -- report DIR [--max-error-rate R] [--max-planned-outage D]

Rehearses the whole migration in your own account, under load, and writes a report: deploys
the discovery phase (cdk deploy, with this project's cdk.json and your -c context), writes the
data check's data (Yelb: casts votes), sends traffic to the public entry's trafficPath at a
steady rate for the whole run, and steps discovery → serviceConnect → retired (with --rollback,
back to discovery), one deploy per step. Before each step it checks the plan's safety verdict
(as npm run plan) and waits until none of the deployment alarms is in ALARM (ECS does not watch
a deployment that starts with one in ALARM), after each it waits until ECS reports the services
stable, reads from ECS the planned outages of the services whose tasks restart with one (Yelb:
yelb-db), and reads the data back: it must be exactly what was written. Yelb by default;
-c topology=FILE rehearses the system that file describes (its dataCheck, or none: the report
says so).

options:
  --stage NAME             the copy of the app (-c stage=NAME): its own stacks and names
  --region R               the region (else the SDK's: AWS_REGION, the profile)
  --start PHASE            the phase to deploy first and step on from (default discovery;
                           phases: ${MIGRATION_PHASES.join(', ')})
  --rollback               after the migration, step back to discovery
  --destroy                delete the stacks at the end, also after a failed gate
  --rate N                 requests per second to the trafficPath (Yelb: /api/getvotes), all the time (default ${DEFAULT_RATE})
  --votes N                Yelb's data check: votes to cast after the first deploy (default ${DEFAULT_VOTES})
  --timeout D              per request (default 10s)
  --max-error-rate R       the gate: each step's (non-2xx + errors) / requests, planned outages
                           apart (default ${DEFAULT_MAX_ERROR_RATE})
  --max-planned-outage D   the gate: how long each planned outage may last, from ECS's stop of
                           the old task to a new one serving (default ${DEFAULT_MAX_PLANNED_OUTAGE_SECONDS}s; e.g. 90s, 4m)
  --out DIR                where the report goes (default rehearsal-<date>-<time>)
  -c, --context key=value  context, as for cdk deploy (the phase flags are the rehearsal's;
                           natGateways is 1 unless given: one Elastic IP per rehearsal);
                           -c topology=FILE rehearses that file's system
  --dry-run                print each planned action as one JSON line; no AWS call
  -h, --help               this text

report DIR renders report.md and the chart again from DIR/report.json and applies the gate
again (its own --max-error-rate and --max-planned-outage, else the recorded ones): no AWS needed.

The report: report.json, report.md, ${CHART_SVG} and ${CHART_PNG} (requests and failures per
second, each step marked). Ctrl-C stops the traffic, writes the report so far, leaves the stacks
as they are and prints the commands that continue or roll back.

exit codes: 0 every step passed the gate and no data was lost, 1 otherwise (the reasons name
the step), 2 bad input`;

/** What the entry point gives: the topology, and things a test may replace. */
export interface RehearseDeps {
  /** The system the app builds (resolved once, in bin/). */
  readonly topology: Topology;
  readonly aws?: (region: string | undefined, log: (line: string) => void) => RehearsalAws;
  readonly synthesize?: (
    context: Record<string, unknown>,
    phases: readonly MigrationPhase[]
  ) => Map<MigrationPhase, PhaseTemplates>;
  /** Ctrl-C; without it the process's SIGINT. */
  readonly signal?: AbortSignal;
  /** How often and how long a step waits for its deployment alarms (tests shorten it). */
  readonly alarmWait?: RehearsalDeps['alarmWait'];
  readonly now?: () => Date;
}

/** `npm run rehearse`: returns the exit code. */
export async function runRehearseCli(
  argv: readonly string[],
  io: CliIo,
  deps: RehearseDeps
): Promise<number> {
  try {
    if (argv[0] === 'report') return await reportCommand(argv.slice(1), io);
    return await rehearse(argv, io, deps);
  } catch (err) {
    const badInput = reportBadInput(err, io, 'see npm run rehearse -- --help');
    if (badInput) return badInput;
    throw err;
  }
}

async function rehearse(argv: readonly string[], io: CliIo, deps: RehearseDeps): Promise<number> {
  const parsed = parseRehearseOptions(argv, deps.now?.() ?? new Date());
  if (parsed === 'help') {
    io.stdout(`${REHEARSE_USAGE}\n`);
    return 0;
  }
  const { options, dryRun, votesGiven } = parsed;
  // Bad context is refused here, before any synth or AWS call. The run's own token makes an
  // HTTP data check's write this run's, not a leftover of an earlier one.
  const topology = resolveTopology(deployContext(options, options.start), deps.topology);
  const target = rehearsalTarget(options, topology, `rehearsal-${randomBytes(4).toString('hex')}`);
  const check = target.dataCheck?.kind ?? 'none';
  if (votesGiven && !dataCheckWords(check).options.includes('--votes')) {
    throw new UsageError(`--votes is for Yelb's votes; this topology's data check is ${check}`);
  }
  const steps = rehearsalSteps(options.start, options.rollback);
  const phases = phasesOf(steps);
  const log = (line: string) => io.stderr(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);
  log(`synthesizing ${phases.join(', ')} offline for the plan checks…`);
  const synthesize =
    deps.synthesize ??
    ((c: Record<string, unknown>, p: readonly MigrationPhase[]) => synthesizePhases(topology, c, p));
  const templates = synthesize(
    // No asset bundling: the plan compares templates, it deploys nothing.
    { ...cdkJsonContext(), ...deployContext(options, options.start), 'aws:cdk:bundling-stacks': [] },
    phases
  );
  const script = rehearsalScript(options, target, stepPlans(steps, templates));

  if (dryRun) {
    const lines = scriptLines(script);
    for (const line of lines) io.stdout(`${JSON.stringify(line)}\n`);
    return lines.every((a) => a.action !== 'plan' || a.safe) ? 0 : 1;
  }

  const interrupt = new AbortController();
  const onSigint = () => {
    log('Ctrl-C: stopping the traffic and writing the report so far (the stacks stay as they are)…');
    interrupt.abort();
  };
  if (!deps.signal) process.once('SIGINT', onSigint);
  try {
    const report = await runRehearsal(options, script, {
      aws: (deps.aws ?? toolkitAws)(options.region, log),
      progress: log,
      signal: deps.signal ?? interrupt.signal,
      startTemplates: templates.get(options.start),
      ...(target.dataCheck && { dataCheck: target.dataCheck }),
      ...(deps.alarmWait && { alarmWait: deps.alarmWait }),
      ...(deps.now && { now: deps.now }),
      writeReport,
    });
    io.stdout(summary(report, options.out));
    if (report.interrupted) io.stdout(afterInterrupt(report, options));
    return report.verdict.ok ? 0 : 1;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

/** `rehearse report DIR [--max-error-rate R]`. */
async function reportCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCli({
    args: [...argv],
    allowPositionals: true,
    options: {
      'max-error-rate': { type: 'string' },
      'max-planned-outage': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout(`${REHEARSE_USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 1)
    throw new UsageError('report takes one folder: npm run rehearse -- report DIR');
  const dir = positionals[0];
  const file = path.join(dir, 'report.json');
  if (!fs.existsSync(file)) throw new UsageError(`report '${dir}' has no report.json`);
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`${file} is not JSON: ${(err as Error).message}`);
  }
  // The schema that documents report.json (docs/rehearsal-report.schema.json): every field the
  // gate, report.md and the chart read, checked before any of them runs.
  const recorded = parseWith(rehearsalReportSchema, json, file);
  const gate = {
    maxErrorRate:
      values['max-error-rate'] !== undefined
        ? errorRateOption(values['max-error-rate'])
        : recorded.gate.maxErrorRate,
    maxPlannedOutageSeconds:
      values['max-planned-outage'] !== undefined
        ? plannedOutageOption(values['max-planned-outage'])
        : recorded.gate.maxPlannedOutageSeconds,
  };
  const report: RehearsalReport = { ...recorded, gate, verdict: judge(recorded, gate) };
  await writeReport(dir, report);
  io.stdout(summary(report, dir));
  return report.verdict.ok ? 0 : 1;
}

/** Writes report.json, report.md, the SVG chart and its PNG to `dir`. */
export async function writeReport(dir: string, report: RehearsalReport): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  const svg = chartSvg(report);
  fs.writeFileSync(path.join(dir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  fs.writeFileSync(path.join(dir, CHART_SVG), svg);
  fs.writeFileSync(path.join(dir, CHART_PNG), await chartPng(svg));
  fs.writeFileSync(path.join(dir, 'report.md'), renderMarkdown(report));
}

function summary(report: RehearsalReport, dir: string): string {
  const lines = [
    `rehearsal ${report.verdict.ok ? 'PASSED' : 'FAILED'} (gate: error rate at most ${report.gate.maxErrorRate} per step, planned outages apart, each at most ${report.gate.maxPlannedOutageSeconds} s; ${dataCheckWords(report.data.check).gate})`,
    ...report.verdict.reasons.map((r) => `  - ${r}`),
    `report: ${path.join(dir, 'report.md')} (and report.json, ${CHART_SVG}, ${CHART_PNG})`,
  ];
  return `${lines.join('\n')}\n`;
}

/** Where the stacks are after Ctrl-C, and the commands that continue or roll back. */
function afterInterrupt(report: RehearsalReport, options: RehearsalOptions): string {
  const phase = report.finalPhase;
  if (!phase) return 'Nothing was deployed by this run.\n';
  if (typeof phase !== 'string') {
    return [
      `The stacks were being deployed from ${phase.from} to ${phase.to}; CloudFormation carries on with it.`,
      `When it is done, continue:  ${continueCommand(options, phase.to)}`,
      `or roll back:               ${deployBackCommand(options, phase.from)}`,
      '',
    ].join('\n');
  }
  const back = MIGRATION_PHASES[Math.max(0, MIGRATION_PHASES.indexOf(phase) - 1)];
  return [
    `The stacks are in phase ${phase}.`,
    `Continue:     ${continueCommand(options, phase)}`,
    `or roll back: ${deployBackCommand(options, back)}`,
    '',
  ].join('\n');
}

/** The rehearsal again from `phase`, on the same copy of the app with the same context. */
function continueCommand(options: RehearsalOptions, phase: MigrationPhase): string {
  return [
    `npm run rehearse -- --start ${phase}`,
    options.stage && `--stage ${options.stage}`,
    options.rollback && '--rollback',
    options.region && `--region ${options.region}`,
    ...contextFlags(options.context),
  ]
    .filter(Boolean)
    .join(' ');
}

/** `cdk deploy` of `phase` with the run's stage, context and region. */
function deployBackCommand(options: RehearsalOptions, phase: MigrationPhase): string {
  return [
    options.region && `AWS_REGION=${options.region}`,
    deployCommand(phase),
    options.stage && `-c stage=${options.stage}`,
    ...contextFlags(options.context),
  ]
    .filter(Boolean)
    .join(' ');
}

function contextFlags(context: Readonly<Record<string, string>>): string[] {
  return Object.entries(context).map(([key, value]) => `-c ${key}=${value}`);
}

function parseRehearseOptions(
  argv: readonly string[],
  now: Date
): 'help' | { options: RehearsalOptions; dryRun: boolean; votesGiven: boolean } {
  const { values, positionals } = parseCli({
    args: [...argv],
    allowPositionals: true,
    options: {
      stage: { type: 'string' },
      region: { type: 'string' },
      start: { type: 'string', default: 'discovery' },
      rollback: { type: 'boolean', default: false },
      destroy: { type: 'boolean', default: false },
      rate: { type: 'string', default: String(DEFAULT_RATE) },
      votes: { type: 'string' },
      timeout: { type: 'string', default: '10s' },
      'max-error-rate': { type: 'string', default: String(DEFAULT_MAX_ERROR_RATE) },
      'max-planned-outage': { type: 'string', default: `${DEFAULT_MAX_PLANNED_OUTAGE_SECONDS}s` },
      out: { type: 'string' },
      context: { type: 'string', short: 'c', multiple: true, default: [] },
      'dry-run': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  if (positionals.length > 0) {
    throw new UsageError(`unexpected '${positionals[0]}' (the only command is report DIR; see --help)`);
  }
  const start = values.start as MigrationPhase;
  if (!MIGRATION_PHASES.includes(start)) {
    throw new UsageError(`--start '${values.start}' is not a phase; allowed: ${oneOf(MIGRATION_PHASES)}`);
  }
  if (rehearsalSteps(start, values.rollback).length === 0) {
    throw new UsageError(`--start ${start} without --rollback leaves no step to rehearse`);
  }
  const { context, problems } = contextOptions(values.context);
  if (problems.length > 0) throw new UsageError(problems[0]);
  for (const key of Object.keys(context)) {
    if (key === 'serviceConnect' || key === 'retireLegacy') {
      throw new UsageError(`-c ${key} is set by the rehearsal for each phase; use --start`);
    }
    if (key === 'stage') throw new UsageError('-c stage: use --stage');
  }
  const out =
    values.out ?? `rehearsal-${now.toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-')}`;
  if (fs.existsSync(out) && fs.readdirSync(out).length > 0) {
    throw new UsageError(
      `--out '${out}' already holds files; choose another folder (a report is never overwritten)`
    );
  }
  if (values.region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d$/.test(values.region)) {
    throw new UsageError(`--region '${values.region}' is not a region name such as eu-west-1`);
  }
  return {
    dryRun: values['dry-run'],
    votesGiven: values.votes !== undefined,
    options: {
      ...(values.stage !== undefined && { stage: stageOption(values.stage) }),
      ...(values.region !== undefined && { region: values.region }),
      start,
      rollback: values.rollback,
      destroy: values.destroy,
      rate: rateOption(values.rate),
      votes: wholeNumber('--votes', values.votes ?? String(DEFAULT_VOTES), 1000),
      timeoutMs: positiveDuration('--timeout', values.timeout) * 1000,
      maxErrorRate: errorRateOption(values['max-error-rate']),
      maxPlannedOutageSeconds: plannedOutageOption(values['max-planned-outage']),
      out,
      // A rehearsal's copy with one NAT gateway (one Elastic IP) unless -c says otherwise: the
      // default quota of 5 Elastic IPs per region would stop a third copy of two.
      context: { ...REHEARSAL_CONTEXT, ...context },
    },
  };
}

/** The context a rehearsal deploys with unless `-c` sets the same keys. */
export const REHEARSAL_CONTEXT: Readonly<Record<string, string>> = { natGateways: '1' };

/** The most requests per second a rehearsal sends: it is a rehearsal, not a load test. */
const MAX_RATE = 1000;

/** `--max-planned-outage`: a positive duration, in seconds. */
function plannedOutageOption(text: string): number {
  return positiveDuration('--max-planned-outage', text, 'a duration such as 180s, 3m or 90 (seconds)');
}

function rateOption(text: string): number {
  const rate = positiveNumber('--rate', text);
  if (rate > MAX_RATE) throw new UsageError(`--rate '${text}' is over ${MAX_RATE} requests per second`);
  return rate;
}
