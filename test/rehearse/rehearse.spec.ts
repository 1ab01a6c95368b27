import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { MigrationPhase } from '../../lib/model/phase';
import { RehearseDeps, runRehearseCli } from '../../lib/rehearse/cli';
import { RehearsalReport, outageSeconds, outsidePlannedOutages } from '../../lib/rehearse/report';
import { FAILED_COLOUR, PLANNED_COLOUR } from '../../lib/rehearse/chart';
import { RehearsalAws } from '../../lib/rehearse/run';
import { runCli } from '../support/cli';
import { fromSharedTemplates, stackTemplates } from '../support/app';
import { YelbLike, fakeRehearsalAws, fastClock, startYelbLike } from '../support/yelb-like';
import { tempDir } from '../support/temp';
import { YELB } from '../../lib/model/yelb';
import { taskReplacement } from '../../lib/model/deployment';
import { MIGRATION_PHASES } from '../../lib/model/phase';
import { Topology } from '../../lib/model/topology';
import { readTopologyFile } from '../../lib/model/topology-file';
import { synthesizePhases } from '../../lib/plan/synth-phases';

/**
 * The rehearsal, offline: the deploy is injected (the toolkit's cannot run here) and drives a
 * local server that answers Yelb's API, changing its behaviour per step; the traffic, the votes,
 * the gate and the report are the real ones.
 */

let yelb: YelbLike;
beforeEach(async () => {
  yelb = await startYelbLike();
});
afterEach(() => yelb.close());

const outDir = () => path.join(tempDir('yelb-rehearsal'), 'report');

function rehearse(argv: string[], aws: RehearsalAws, deps: Partial<RehearseDeps> = {}) {
  return runCli(
    (args, io) =>
      runRehearseCli(args, io, { topology: YELB, aws: () => aws, synthesize: fromSharedTemplates, ...deps }),
    argv,
    {}
  );
}

const readReport = (dir: string) =>
  JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8')) as RehearsalReport;

describe('npm run rehearse, offline', () => {
  test('a clean run with rollback passes: four steps under traffic, every vote kept, the report written', async () => {
    const aws = fakeRehearsalAws(yelb, { deployMs: 300, deployReads: 40 });
    const out = outDir();
    const run = await rehearse(
      ['--rollback', '--destroy', '--rate', '400', '--votes', '10', '--out', out],
      aws
    );

    expect(run.stderr).not.toMatch(/error/i);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/rehearsal PASSED/);
    expect(aws.calls.filter((c) => !c.startsWith('wait'))).toEqual([
      'deployed YelbNetwork,Yelb,YelbLoadTest',
      'deploy discovery',
      'deploy serviceConnect',
      'deploy retired',
      'deploy serviceConnect',
      'deploy discovery',
      'destroy',
    ]);
    expect(aws.calls.filter((c) => c.startsWith('wait'))).toEqual(Array(5).fill('wait yelb-cluster 4'));
    // One NAT gateway unless -c says otherwise: one Elastic IP per rehearsal.
    expect(aws.deploys.map((d) => d.context)).toContainEqual({
      natGateways: '1',
      serviceConnect: 'true',
      retireLegacy: 'true',
    });

    const report = readReport(out);
    // The contract of report.json (the issue's minimum), times as ISO strings.
    expect(report).toMatchObject({ gate: { maxErrorRate: 0.001 }, verdict: { ok: true, reasons: [] } });
    for (const key of [
      'from',
      'to',
      'startedAt',
      'endedAt',
      'requests',
      'non2xx',
      'errors',
      'latencyMs',
      'dataBefore',
      'dataAfter',
    ]) {
      expect(report.steps[0]).toHaveProperty(key);
    }
    expect(Object.keys(report.steps[0].latencyMs)).toEqual(['p50', 'p99']);
    expect(report.timeline[0]).toEqual({ second: 0, requests: expect.any(Number), non2xx: 0, errors: 0 });
    expect(new Date(report.steps[0].startedAt).toISOString()).toBe(report.steps[0].startedAt);
    expect(report.steps.map((s) => `${s.from}>${s.to}:${s.outcome}`)).toEqual([
      'discovery>serviceConnect:done',
      'serviceConnect>retired:done',
      'retired>serviceConnect:done',
      'serviceConnect>discovery:done',
    ]);
    expect(report.data).toMatchObject({
      check: 'yelbVotes',
      written: { ihop: 3, chipotle: 3, outback: 2, bucadibeppo: 2 },
    });
    for (const step of report.steps) {
      // Each deploy lasts until the server has seen 40 reads: traffic ran through every step.
      expect(step.requests).toBeGreaterThan(20);
      expect(step.non2xx + step.errors).toBe(0);
      expect(step.dataBefore).toEqual(report.data.expected);
      expect(step.dataAfter).toEqual(report.data.expected);
      expect(step.endSecond).toBeGreaterThan(step.startSecond);
      expect(Date.parse(step.endedAt)).toBeGreaterThan(Date.parse(step.startedAt));
    }
    // The steps follow each other, and the timeline holds every request of the run, once.
    report.steps
      .slice(1)
      .forEach((s, i) => expect(s.startSecond).toBeGreaterThanOrEqual(report.steps[i].endSecond));
    expect(report.timeline.reduce((n, s) => n + s.requests, 0)).toBe(report.total.requests);
    expect(report.steps.reduce((n, s) => n + s.requests, 0)).toBeLessThanOrEqual(report.total.requests);
    expect(report.verdict).toEqual({ ok: true, reasons: [] });
    expect(report.destroyed).toBe(true);
    expect(report.finalPhase).toBe('discovery');
    expect(fs.readFileSync(path.join(out, 'report.md'), 'utf8')).toMatch(/^# Rehearsal .*: PASSED/);
    // The PNG: its signature, and twice the SVG's width (960), from the IHDR chunk.
    const png = fs.readFileSync(path.join(out, 'chart.png'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(1920);
    // Four deploys of real traffic, the report, the chart: 6 s alone, longer on a busy machine.
  }, 60_000);

  test('failures during one step fail the gate, naming that step only; --destroy still cleans up', async () => {
    const aws = fakeRehearsalAws(yelb, {
      // One read in three fails while the old path is retired, as a DNS-cached client would see.
      during: (phase) => (yelb.fault = phase === 'retired' ? { every: 3, status: 502 } : undefined),
      after: () => (yelb.fault = undefined),
      deployReads: 12,
    });
    const out = outDir();
    const run = await rehearse(['--destroy', '--rate', '400', '--out', out], aws);

    expect(run.code).toBe(1);
    const report = readReport(out);
    expect(report.verdict.ok).toBe(false);
    expect(
      report.verdict.reasons.filter((r) => r.startsWith('serviceConnect → retired: error rate'))
    ).toHaveLength(1);
    expect(report.verdict.reasons.some((r) => r.startsWith('discovery → serviceConnect'))).toBe(false);
    expect(report.steps[1].non2xx).toBeGreaterThan(0);
    expect(report.steps[0].non2xx).toBe(0);
    expect(run.stdout).toMatch(/rehearsal FAILED[\s\S]*serviceConnect → retired: error rate/);
    expect(aws.calls).toContain('destroy');
    expect(report.destroyed).toBe(true);
  });

  test('a looser gate lets the same failures pass', async () => {
    const aws = fakeRehearsalAws(yelb, {
      during: (phase) => (yelb.fault = phase === 'retired' ? { every: 4, status: 502 } : undefined),
      after: () => (yelb.fault = undefined),
      deployReads: 12,
    });
    const out = outDir();
    const run = await rehearse(['--rate', '400', '--max-error-rate', '0.5', '--out', out], aws);
    expect(readReport(out).steps[1].non2xx).toBeGreaterThan(0);
    expect(run.code).toBe(0);
  });

  describe('a planned outage: yelb-db restarted for 90 s of the run, on a clock 60 times as fast', () => {
    const DB_REASON = taskReplacement(YELB.services.find((s) => s.name === 'yelb-db')!).plannedOutage;

    test.each(['stopFirst', 'startFirst'] as const)(
      'the run completes, reports the window as ECS gave it, and passes (%s)',
      async (order) => {
        const now = fastClock(60);
        const aws = fakeRehearsalAws(yelb, {
          now,
          restart: (phase) =>
            phase === 'serviceConnect' ? { service: 'yelb-db', seconds: 90, order } : undefined,
          // The deploy goes on for 0.5 s (30 s of the run) once the new task serves.
          deployMs: 500,
        });
        const out = outDir();
        const run = await rehearse(['--rate', '200', '--out', out], aws, { now });

        expect(run.stdout).toMatch(/rehearsal PASSED/);
        expect(run.code).toBe(0);
        const report = readReport(out);
        const [first, second] = report.steps;
        expect(first.plannedOutages).toHaveLength(1);
        const [outage] = first.plannedOutages;
        expect(outage).toMatchObject({ service: 'yelb-db', reason: DB_REASON });
        // 90 s from ECS's stop to the new task serving, 1 s before for the clocks, 10 s after for callers.
        expect(outageSeconds(outage)).toBeGreaterThanOrEqual(101);
        expect(outageSeconds(outage)).toBeLessThan(105);
        expect(outage.startSecond).toBeGreaterThanOrEqual(first.startSecond);
        expect(outage.endSecond).toBeLessThanOrEqual(first.endSecond);
        // The failures are there, in the window and in its step, and none outside the window.
        // How many depends on the machine's speed (200 requests/s asked for), not on the window.
        expect(outage.non2xx).toBeGreaterThan(0);
        expect(first.non2xx).toBe(outage.non2xx);
        expect(outsidePlannedOutages(first, first.plannedOutages)).toMatchObject({ non2xx: 0, errors: 0 });
        expect(outsidePlannedOutages(first, first.plannedOutages).requests).toBeGreaterThan(0);
        expect(second.plannedOutages).toEqual([]);
        // Every request in exactly one second of the timeline; the window's in their step.
        expect(report.timeline.reduce((n, t) => n + t.requests, 0)).toBe(report.total.requests);
        expect(outage.requests).toBeLessThanOrEqual(first.requests);
        const md = fs.readFileSync(path.join(out, 'report.md'), 'utf8');
        expect(md).toMatch(/## Planned outages[\s\S]*\| discovery → serviceConnect \| yelb-db \| /);
        expect(md.split('## Seconds with failed requests')[1]).toMatch(/ planned outage\n/);
        const svg = fs.readFileSync(path.join(out, 'chart.svg'), 'utf8');
        expect(svg).toContain('yelb-db (planned)</text>');
        expect(svg).toContain(`fill="${PLANNED_COLOUR}"/>`);
        expect(svg).not.toContain(`fill="${FAILED_COLOUR}"/>`);

        // The same run judged again with a bound shorter than the window: it fails, naming it.
        const strict = await runCli(
          (a, io) => runRehearseCli(a, io, { topology: YELB }),
          ['report', out, '--max-planned-outage', '60s'],
          {}
        );
        expect(strict.code).toBe(1);
        expect(strict.stdout).toMatch(
          /discovery → serviceConnect: yelb-db's planned outage lasted 10\d s \(\d+ s–\d+ s of the run\), over its bound of 60 s/
        );
      },
      30_000
    );

    test('an unplanned burst of 5xx in the same step still fails it', async () => {
      const now = fastClock(60);
      const aws = fakeRehearsalAws(yelb, {
        now,
        restart: (phase) => (phase === 'serviceConnect' ? { service: 'yelb-db', seconds: 90 } : undefined),
        // Once the new task serves, the deploy goes on for 0.8 s (48 s of the run); from 0.3 s to
        // 0.6 s after it (18 s to 36 s: past the window's 10 s for callers), one read in four fails.
        during: (phase) => {
          if (phase !== 'serviceConnect') return;
          const poll = setInterval(() => {
            if (aws.tasks.get('yelb-db')?.length !== 2 || yelb.fault) return;
            clearInterval(poll);
            setTimeout(() => (yelb.fault = { every: 4, status: 502 }), 300).unref();
            setTimeout(() => (yelb.fault = undefined), 600).unref();
          }, 5);
        },
        deployMs: 800,
      });
      const out = outDir();
      const run = await rehearse(['--rate', '200', '--out', out], aws, { now });

      expect(run.code).toBe(1);
      const report = readReport(out);
      expect(report.steps[0].plannedOutages).toHaveLength(1);
      expect(report.verdict.reasons).toEqual([
        expect.stringMatching(
          /^discovery → serviceConnect: error rate [\d.]+ % \(\d+ of [\d,]+ requests outside planned outages: \d+ non-2xx, 0 errors\), over the gate 0\.10 %$/
        ),
        expect.stringMatching(/^whole run: error rate .* requests outside planned outages/),
      ]);
    }, 30_000);
  });

  test('a lost vote fails the step that lost it and ends the steps there', async () => {
    const aws = fakeRehearsalAws(yelb, {
      after: (phase) => {
        if (phase === 'retired') yelb.votes.outback -= 1;
      },
    });
    const out = outDir();
    const run = await rehearse(['--rollback', '--rate', '50', '--out', out], aws);

    expect(run.code).toBe(1);
    const report = readReport(out);
    expect(report.verdict.reasons).toEqual([
      'serviceConnect → retired: votes changed: outback 4 (expected 5)',
    ]);
    expect(report.steps).toHaveLength(2); // the rollback did not start
    expect(aws.calls.filter((c) => c.startsWith('deploy '))).toEqual([
      'deploy discovery',
      'deploy serviceConnect',
      'deploy retired',
    ]);
  });

  test('a step waits while a deployment alarm left by the previous one is in ALARM, then deploys', async () => {
    const aws = fakeRehearsalAws(yelb, {
      // The first step's deploy leaves an alarm firing for a moment.
      after: (phase) => {
        if (phase !== 'serviceConnect') return;
        aws.firing = ['yelb-cluster-deploy-public-target-5xx'];
        setTimeout(() => (aws.firing = []), 150).unref();
      },
    });
    const out = outDir();
    const run = await rehearse(['--rate', '50', '--out', out], aws, {
      alarmWait: { pollMs: 20, timeoutMs: 5000 },
    });
    expect(run.code).toBe(0);
    // It warns: ECS would not watch a deployment started with an alarm in ALARM.
    expect(run.stderr).toMatch(
      /warning: deployment alarms in ALARM: yelb-cluster-deploy-public-target-5xx; ECS would not watch a deployment started now/
    );
    expect(aws.alarmReads.every((p) => p === 'yelb-cluster-deploy-')).toBe(true);
    expect(aws.alarmReads.length).toBeGreaterThan(2);
  });

  test('an alarm that does not clear fails the step before its deploy, naming it', async () => {
    const aws = fakeRehearsalAws(yelb, {
      after: (phase) => {
        if (phase === 'discovery')
          aws.firing = ['yelb-cluster-deploy-yelb-appserver-service-connect-5xx', 'another-cluster-deploy-x'];
      },
    });
    const out = outDir();
    const run = await rehearse(['--rate', '50', '--out', out], aws, {
      alarmWait: { pollMs: 10, timeoutMs: 60 },
    });
    expect(run.code).toBe(1);
    const report = readReport(out);
    expect(report.steps[0]).toMatchObject({ from: 'discovery', to: 'serviceConnect', outcome: 'failed' });
    expect(report.steps[0].error).toBe(
      'deployment alarms still in ALARM after 0 s: yelb-cluster-deploy-yelb-appserver-service-connect-5xx; ECS would not watch a deployment started now (see the dashboard)'
    );
    expect(aws.calls.filter((c) => c.startsWith('deploy '))).toEqual(['deploy discovery']);
  });

  test('the first deploy waits for the alarms too: one in ALARM before it stops the setup, nothing deployed', async () => {
    const aws = fakeRehearsalAws(yelb, { deployedPhase: 'discovery' });
    aws.firing = ['yelb-cluster-deploy-public-p99'];
    const out = outDir();
    const run = await rehearse(['--rate', '50', '--out', out], aws, {
      alarmWait: { pollMs: 10, timeoutMs: 60 },
    });
    expect(run.code).toBe(1);
    expect(readReport(out).verdict.reasons).toEqual([
      'setup: deployment alarms still in ALARM after 0 s: yelb-cluster-deploy-public-p99; ECS would not watch a deployment started now (see the dashboard)',
    ]);
    expect(aws.calls).toEqual(['deployed YelbNetwork,Yelb,YelbLoadTest']);
  });

  test('a step that the plan blocks is not deployed', async () => {
    // The retired synth renames yelb-db's service: CloudFormation would delete it.
    const synthesize: RehearseDeps['synthesize'] = (context, phases) => {
      const templates = fromSharedTemplates(context, phases);
      const retired = templates.get('retired')?.Yelb.Resources;
      if (retired) {
        const id = Object.keys(retired).find(
          (k) => retired[k].Type === 'AWS::ECS::Service' && retired[k].Properties?.ServiceName === 'yelb-db'
        )!;
        retired[`${id}Renamed`] = retired[id];
        delete retired[id];
      }
      return templates;
    };
    const aws = fakeRehearsalAws(yelb);
    const out = outDir();
    const run = await rehearse(['--rate', '50', '--out', out], aws, { synthesize });

    expect(run.code).toBe(1);
    const report = readReport(out);
    expect(report.steps[1]).toMatchObject({ from: 'serviceConnect', to: 'retired', outcome: 'failed' });
    expect(report.verdict.reasons).toEqual([
      expect.stringMatching(
        /^serviceConnect → retired: failed: the plan blocks it: Yelb \w+ \(AWS::ECS::Service\) would be deleted/
      ),
    ]);
    expect(aws.calls).not.toContain('deploy retired');

    const dry = await rehearse(['--dry-run', '--out', outDir()], aws, { synthesize });
    expect(dry.code).toBe(1);
    expect(dry.stdout).toMatch(/"action":"plan","from":"serviceConnect","to":"retired","safe":false/);
  });

  test('stacks deployed in another phase stop the run before any change, and are not destroyed', async () => {
    const aws = fakeRehearsalAws(yelb, { deployedPhase: 'serviceConnect' });
    const out = outDir();
    const run = await rehearse(['--destroy', '--out', out], aws);
    expect(run.code).toBe(1);
    expect(readReport(out).verdict.reasons).toEqual([
      expect.stringContaining(
        'setup: the stacks are deployed in phase serviceConnect, not discovery: run with --start serviceConnect'
      ),
    ]);
    expect(aws.calls).toEqual(['deployed YelbNetwork,Yelb,YelbLoadTest']);

    // Told to start from there, it does.
    const from = await rehearse(['--start', 'serviceConnect', '--rate', '50', '--out', outDir()], aws);
    expect(from.code).toBe(0);
    expect(aws.calls.filter((c) => c.startsWith('deploy '))).toEqual([
      'deploy serviceConnect',
      'deploy retired',
    ]);
  });

  test('a failed deploy fails its step, ends the steps, and --destroy still cleans up', async () => {
    const aws = fakeRehearsalAws(yelb, { failDeployOf: 'retired' });
    const out = outDir();
    const run = await rehearse(['--rollback', '--destroy', '--rate', '50', '--out', out], aws);
    expect(run.code).toBe(1);
    expect(readReport(out).verdict.reasons).toEqual([
      'serviceConnect → retired: failed: The stack named Yelb failed to deploy: UPDATE_ROLLBACK_COMPLETE',
    ]);
    expect(aws.calls.filter((c) => c.startsWith('deploy ') || c === 'destroy')).toEqual([
      'deploy discovery',
      'deploy serviceConnect',
      'deploy retired',
      'destroy',
    ]);
  });

  test('a deploy that leaves the stack in another phase fails its step', async () => {
    // As if the flags did not reach the app: the stack still says discovery.
    const aws = fakeRehearsalAws(yelb, { phaseOutput: () => 'discovery' });
    const out = outDir();
    expect((await rehearse(['--rate', '50', '--out', out], aws)).code).toBe(1);
    expect(readReport(out).verdict.reasons).toEqual([
      "discovery → serviceConnect: failed: the deploy of serviceConnect left the system's stack in phase discovery",
    ]);
  });

  test('the first deploy is planned against what is deployed, and not made when the plan blocks it', async () => {
    // Deployed: discovery, but with the file system under another logical ID (an older version):
    // this synth would delete it.
    const deployed = stackTemplates('discovery');
    const resources = deployed.Yelb.Resources!;
    const fs0 = Object.keys(resources).find((k) => resources[k].Type === 'AWS::EFS::FileSystem')!;
    resources[`${fs0}Old`] = resources[fs0];
    delete resources[fs0];
    const aws = fakeRehearsalAws(yelb, { deployedPhase: 'discovery', deployedTemplates: deployed });
    const out = outDir();
    const run = await rehearse(['--destroy', '--out', out], aws);
    expect(run.code).toBe(1);
    expect(readReport(out).verdict.reasons).toEqual([
      expect.stringMatching(
        /^setup: the plan from what is deployed blocks the first deploy: Yelb \w+Old \(AWS::EFS::FileSystem\) would be deleted/
      ),
    ]);
    expect(aws.calls).toEqual(['deployed YelbNetwork,Yelb,YelbLoadTest']);

    // The same deployment as this synth: nothing blocks, the rehearsal runs.
    const same = fakeRehearsalAws(yelb, {
      deployedPhase: 'discovery',
      deployedTemplates: stackTemplates('discovery'),
    });
    expect((await rehearse(['--rate', '50', '--out', outDir()], same)).code).toBe(0);
  });

  test('Ctrl-C writes the report so far, leaves the stacks, and says how to continue or roll back', async () => {
    const ctrlC = new AbortController();
    const aws = fakeRehearsalAws(yelb, {
      deployMs: (phase) => (phase === 'retired' ? 5_000 : 100),
      during: (phase) => {
        // Ctrl-C once the step has seen traffic (a count, not a time: a busy machine sends less).
        if (phase !== 'retired') return;
        const reads = yelb.reads;
        const poll = setInterval(() => {
          if (yelb.reads - reads < 5) return;
          clearInterval(poll);
          ctrlC.abort();
        }, 10);
      },
    });
    const out = outDir();
    const regions: (string | undefined)[] = [];
    const run = await rehearse(
      [
        ...['--destroy', '--rollback', '--rate', '100', '--stage', 'blue', '--out', out],
        ...['--region', 'eu-west-1', '-c', 'natGateways=1'],
      ],
      aws,
      {
        signal: ctrlC.signal,
        aws: (region) => {
          regions.push(region);
          return aws;
        },
      }
    );

    expect(run.code).toBe(1);
    const report = readReport(out);
    expect(report.interrupted).toBe(true);
    expect(report.steps.map((s) => s.outcome)).toEqual(['done', 'interrupted']);
    expect(report.steps[1].requests).toBeGreaterThan(0);
    expect(report.finalPhase).toEqual({ from: 'serviceConnect', to: 'retired' });
    expect(aws.calls).not.toContain('destroy blue');
    expect(run.stdout).toMatch(/being deployed from serviceConnect to retired/);
    expect(run.stdout).toContain('npm run rehearse -- --start retired --stage blue --rollback');
    expect(run.stdout).toContain('npx cdk deploy --all -c serviceConnect=true -c stage=blue');
    // Both commands keep the run's region and context: the same copy, the same templates.
    expect(run.stdout).toContain(
      'npm run rehearse -- --start retired --stage blue --rollback --region eu-west-1 -c natGateways=1'
    );
    expect(run.stdout).toContain(
      'AWS_REGION=eu-west-1 npx cdk deploy --all -c serviceConnect=true -c stage=blue -c natGateways=1'
    );
    expect(regions).toEqual(['eu-west-1']);
    expect(report.region).toBe('eu-west-1');
    expect(aws.deploys.every((d) => d.context.natGateways === '1' && d.context.stage === 'blue')).toBe(true);
    expect(fs.existsSync(path.join(out, 'chart.svg'))).toBe(true);
  });

  test('--dry-run prints each action as a JSON line and calls nothing', async () => {
    const noAws = () => {
      throw new Error('the dry run called AWS');
    };
    const run = await runCli(
      (args, io) => runRehearseCli(args, io, { topology: YELB, aws: noAws, synthesize: fromSharedTemplates }),
      ['--dry-run', '--stage', 'blue', '--destroy', '-c', 'natGateways=2', '--out', 'r1'],
      {}
    );
    expect(run.code).toBe(0);
    const actions = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const step = [
      'step',
      'plan',
      'wait-alarms',
      'read-data',
      'deploy',
      'wait-stable',
      'planned-outages',
      'read-data',
      'end-step',
    ].map((a) => `step ${a}`);
    expect(actions.map((a) => `${String(a.part)} ${String(a.action)}`)).toEqual([
      'setup check-deployed',
      'setup wait-alarms',
      'setup deploy',
      'setup wait-stable',
      'setup write-data',
      'setup traffic',
      ...step,
      ...step,
      'teardown traffic',
      'teardown destroy',
      'teardown report',
    ]);
    // The services whose restarts are planned outages, from the model, with its reason.
    expect(actions.find((a) => a.action === 'planned-outages')).toEqual({
      part: 'step',
      action: 'planned-outages',
      cluster: 'yelb-cluster-blue',
      services: [{ service: 'yelb-db', reason: taskReplacement(YELB.services[2]).plannedOutage }],
    });
    expect(actions.find((a) => a.action === 'traffic')).toMatchObject({ path: '/api/getvotes' });
    expect(actions.find((a) => a.part === 'step' && a.action === 'wait-alarms')).toEqual({
      part: 'step',
      action: 'wait-alarms',
      prefix: 'yelb-cluster-blue-deploy-',
    });
    expect(actions[0]).toEqual({
      part: 'setup',
      action: 'check-deployed',
      expect: 'discovery',
      stacks: ['YelbNetwork-blue', 'Yelb-blue', 'YelbLoadTest-blue'],
    });
    expect(actions.filter((a) => a.action === 'deploy').map((a) => a.context)).toEqual(
      (['discovery', 'serviceConnect', 'retired'] as MigrationPhase[]).map((p) => ({
        natGateways: '2',
        stage: 'blue',
        serviceConnect: String(p !== 'discovery'),
        retireLegacy: String(p === 'retired'),
      }))
    );
    expect(actions[3]).toMatchObject({ action: 'wait-stable', cluster: 'yelb-cluster-blue' });
    expect(fs.existsSync('r1')).toBe(false);
  });

  test('bad input is refused before anything runs (exit 2)', async () => {
    const existing = outDir();
    fs.mkdirSync(existing, { recursive: true });
    fs.writeFileSync(path.join(existing, 'report.json'), '{}');
    const cases: [string[], RegExp][] = [
      [['--rate', '0'], /--rate '0' is not a positive number/],
      [['--rate', '5000'], /--rate '5000' is over 1000/],
      [['--max-error-rate', '2'], /--max-error-rate '2' is not a fraction from 0 to 1/],
      [['--start', 'retired'], /--start retired without --rollback leaves no step/],
      [['--start', 'sc'], /--start 'sc' is not a phase; allowed: 'discovery', 'serviceConnect' or 'retired'/],
      [['-c', 'serviceConnect=true'], /-c serviceConnect is set by the rehearsal/],
      [['-c', 'natGateways'], /-c 'natGateways' is not key=value/],
      [['-c', 'stage=blue'], /-c stage: use --stage/],
      [['-c', 'natGateways=7'], /natGateways/],
      [['--stage', 'Blue'], /--stage 'Blue' is not a stage name/],
      [['--region', 'Frankfurt'], /--region 'Frankfurt' is not a region name/],
      [['--out', existing], /already holds files/],
      [['--votes', '0'], /--votes '0' is not a whole number from 1 to 1000/],
      [['--timeout', 'soon'], /--timeout 'soon' is not a positive duration/],
      [
        ['--max-planned-outage', '0s'],
        /--max-planned-outage '0s' is not a positive duration; allowed: a duration such as 180s, 3m or 90 \(seconds\)/,
      ],
      [['--bogus'], /Unknown option '--bogus'/],
    ];
    for (const [argv, message] of cases) {
      const aws = fakeRehearsalAws(yelb);
      const run = await rehearse(argv, aws);
      expect({ argv, code: run.code }).toEqual({ argv, code: 2 });
      expect(run.stderr).toMatch(message);
      expect(aws.calls).toEqual([]);
    }
  });
});

describe('npm run rehearse -- -c topology=FILE: a system that is not Yelb', () => {
  const SHOP = JSON.parse(fs.readFileSync('examples/shop.topology.json', 'utf8')) as Topology;
  const withCheck = (dataCheck?: unknown): string => {
    const file = path.join(tempDir('shop-topology'), 'shop.json');
    const services = SHOP.services.map((s) =>
      s.publicEntry
        ? { ...s, publicEntry: { ...s.publicEntry, ...(dataCheck !== undefined && { dataCheck }) } }
        : s
    );
    fs.writeFileSync(file, JSON.stringify({ ...SHOP, $schema: undefined, services }));
    return file;
  };
  const NOTES = {
    kind: 'http',
    write: { method: 'PUT', path: '/notes/{token}', body: '{"note": "{token}"}' },
    read: { path: '/notes/{token}', expect: '"note": "{token}"' },
  };
  // One offline synth of the shop's three phases for the whole block (the real synthesizer).
  let synthesized: ReturnType<NonNullable<RehearseDeps['synthesize']>> | undefined;
  const synthesize: RehearseDeps['synthesize'] = (context, phases) => {
    const { topology: _file, ...rest } = context;
    synthesized ??= synthesizePhases(readTopologyFile(withCheck()), rest, MIGRATION_PHASES);
    return new Map(phases.map((p) => [p, structuredClone(synthesized!.get(p)!)]));
  };

  test('its stacks, its traffic path and its HTTP data check: a write, then the same read before and after every step', async () => {
    const aws = fakeRehearsalAws(yelb, { deployReads: 20 });
    const out = outDir();
    const run = await rehearse(
      ['--rollback', '--rate', '200', '-c', `topology=${withCheck(NOTES)}`, '--out', out],
      aws,
      {
        synthesize,
      }
    );
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /rehearsal PASSED \(gate: error rate at most 0.001 per step, planned outages apart, each at most 180 s; no data lost\)/
    );
    expect(aws.calls[0]).toBe('deployed ShopNetwork,Shop,ShopLoadTest');
    expect(aws.calls.filter((c) => c.startsWith('wait'))).toEqual(Array(5).fill('wait shop-cluster 9'));
    const report = readReport(out);
    expect(report.traffic.url).toBe(`${yelb.url}/`);
    const token = Object.keys(report.data.expected!)[0].replace('/notes/', '');
    expect(token).toMatch(/^rehearsal-[0-9a-f]{8}$/);
    expect(report.data).toEqual({
      check: 'http',
      description: `PUT /notes/${token} with "{\\"note\\": \\"${token}\\"}", then GET /notes/${token} must contain "\\"note\\": \\"${token}\\""`,
      written: { [`PUT /notes/${token}`]: `{"note": "${token}"}` },
      expected: { [`/notes/${token}`]: `contains "\\"note\\": \\"${token}\\""` },
    });
    expect(yelb.notes.get(token)).toBe(`{"note": "${token}"}`);
    for (const step of report.steps) {
      expect(step.dataBefore).toEqual(report.data.expected);
      expect(step.dataAfter).toEqual(report.data.expected);
    }
    expect(fs.readFileSync(path.join(out, 'report.md'), 'utf8')).toMatch(/## Data\n\n\| read \| expected \|/);
  });

  test('data lost in a step fails that step and ends the steps there', async () => {
    const aws = fakeRehearsalAws(yelb, { after: (phase) => phase === 'retired' && yelb.notes.clear() });
    const out = outDir();
    const run = await rehearse(
      ['--rollback', '--rate', '50', '-c', `topology=${withCheck(NOTES)}`, '--out', out],
      aws,
      {
        synthesize,
      }
    );
    expect(run.code).toBe(1);
    const report = readReport(out);
    expect(report.steps.map((s) => `${s.to}:${s.outcome}`)).toEqual([
      'serviceConnect:done',
      'retired:failed',
    ]);
    expect(report.steps[1].error).toMatch(
      /^AppApiError: GET http:\/\/127\.0\.0\.1:\d+\/notes\/rehearsal-[0-9a-f]{8} answered 404$/
    );
  });

  test('without a data check the run says so plainly, and passes on its error rates alone', async () => {
    const aws = fakeRehearsalAws(yelb);
    const out = outDir();
    const run = await rehearse(['--rate', '50', '-c', `topology=${withCheck()}`, '--out', out], aws, {
      synthesize,
    });
    expect(run.stdout).toMatch(/no data check: the topology describes none/);
    expect(run.code).toBe(0);
    const report = readReport(out);
    expect(report.data.check).toBe('none');
    expect(report.steps.every((s) => s.dataAfter === undefined)).toBe(true);
    expect(fs.readFileSync(path.join(out, 'report.md'), 'utf8')).toMatch(/- Data check: NONE\./);
    expect(yelb.votes.ihop).toBe(0); // no Yelb API was called
  });

  test('the dry run prints what the run does: no data actions without a check; --votes refused', async () => {
    const run = await runCli(
      (args, io) =>
        runRehearseCli(args, io, {
          topology: YELB,
          aws: () => {
            throw new Error('the dry run called AWS');
          },
          synthesize,
        }),
      ['--dry-run', '--destroy', '-c', 'topology=examples/shop.topology.json', '--out', 'r2'],
      {}
    );
    expect(run.code).toBe(0);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const step = ['step', 'plan', 'wait-alarms', 'deploy', 'wait-stable', 'planned-outages', 'end-step'];
    expect(lines.map((a) => `${String(a.part)} ${String(a.action)}`)).toEqual([
      'setup check-deployed',
      'setup wait-alarms',
      'setup deploy',
      'setup wait-stable',
      'setup traffic',
      ...step.map((a) => `step ${a}`),
      ...step.map((a) => `step ${a}`),
      'teardown traffic',
      'teardown destroy',
      'teardown report',
    ]);
    expect(lines[0]).toMatchObject({ stacks: ['ShopNetwork', 'Shop', 'ShopLoadTest'] });
    expect(lines[4]).toMatchObject({ action: 'traffic', path: '/' });
    expect(lines.find((a) => a.action === 'planned-outages')).toMatchObject({
      cluster: 'shop-cluster',
      services: [expect.objectContaining({ service: 'orders-db' })],
    });
    expect(lines.filter((a) => a.action === 'plan').every((a) => a.safe === true)).toBe(true);

    const votes = await rehearse(
      ['--votes', '5', '-c', 'topology=examples/shop.topology.json'],
      fakeRehearsalAws(yelb)
    );
    expect(votes.code).toBe(2);
    expect(votes.stderr).toMatch(/--votes is for Yelb's votes; this topology's data check is none/);
  });
});

describe('npm run rehearse -- report DIR', () => {
  test('renders the report again and judges it again with another gate', async () => {
    const aws = fakeRehearsalAws(yelb, {
      during: (phase) => (yelb.fault = phase === 'serviceConnect' ? { every: 4, status: 503 } : undefined),
      after: () => (yelb.fault = undefined),
    });
    const out = outDir();
    expect((await rehearse(['--rate', '400', '--out', out], aws)).code).toBe(1);
    fs.rmSync(path.join(out, 'report.md'));
    fs.rmSync(path.join(out, 'chart.svg'));

    const loose = await runCli(
      (a, io) => runRehearseCli(a, io, { topology: YELB }),
      ['report', out, '--max-error-rate', '0.5'],
      {}
    );
    expect(loose.code).toBe(0);
    expect(readReport(out).gate.maxErrorRate).toBe(0.5);
    expect(fs.readFileSync(path.join(out, 'report.md'), 'utf8')).toMatch(/PASSED/);
    expect(fs.existsSync(path.join(out, 'chart.svg'))).toBe(true);

    const strict = await runCli(
      (a, io) => runRehearseCli(a, io, { topology: YELB }),
      ['report', out, '--max-error-rate', '0'],
      {}
    );
    expect(strict.code).toBe(1);
    expect(strict.stdout).toMatch(/discovery → serviceConnect: error rate/);
  });

  test('reads a report written before planned outages were reported: none, and the default bound', async () => {
    const example = JSON.parse(fs.readFileSync(path.join(__dirname, 'example', 'report.json'), 'utf8'));
    delete example.gate.maxPlannedOutageSeconds;
    for (const step of example.steps) delete step.plannedOutages;
    const dir = tempDir('old-report');
    fs.writeFileSync(path.join(dir, 'report.json'), JSON.stringify(example));
    const run = await runCli((a, io) => runRehearseCli(a, io, { topology: YELB }), ['report', dir], {});
    expect(run.stderr).toBe('');
    expect(readReport(dir).gate.maxPlannedOutageSeconds).toBe(180);
    expect(readReport(dir).steps.every((s) => s.plannedOutages.length === 0)).toBe(true);
    // Without its windows, yelb-db's restarts count against the error-rate gate.
    expect(run.stdout).toMatch(/discovery → serviceConnect: error rate [\d.]+ % \(\d+ of [\d,]+ requests:/);
  });

  test('refuses a folder without a report', async () => {
    const run = await runCli(
      (a, io) => runRehearseCli(a, io, { topology: YELB }),
      ['report', tempDir('empty')],
      {}
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/has no report.json/);
  });

  test('refuses a report.json that does not follow the schema, naming each field, and writes nothing', async () => {
    const example = JSON.parse(fs.readFileSync(path.join(__dirname, 'example', 'report.json'), 'utf8'));
    delete example.startedAt;
    example.steps[1].outcome = 'maybe';
    example.steps[2].requests = -3;
    example.total = 'lots';
    const dir = tempDir('bad-report');
    fs.writeFileSync(path.join(dir, 'report.json'), JSON.stringify(example));
    const run = await runCli((a, io) => runRehearseCli(a, io, { topology: YELB }), ['report', dir], {});
    expect(run.code).toBe(2);
    const file = path.join(dir, 'report.json');
    expect(run.stderr.split('\n').filter((l) => l.startsWith('error:'))).toEqual([
      `error: ${file}: startedAt: Invalid input: expected string, received undefined; found missing`,
      `error: ${file}: steps[1].outcome: Invalid option: expected one of "done"|"failed"|"interrupted"; found "maybe"`,
      `error: ${file}: steps[2].requests: Too small: expected number to be >=0; found -3`,
      `error: ${file}: total: Invalid input: expected object, received string; found "lots"`,
    ]);
    expect(run.stderr).not.toMatch(/TypeError|at .*\.ts:\d+/);
    expect(fs.readdirSync(dir)).toEqual(['report.json']);
  });
});

describe('Ctrl-C in a real process', () => {
  test('SIGINT during a deploy writes the partial report and exits 1 at once, the deploy left running', async () => {
    const out = outDir();
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register', path.join(__dirname, 'sigint-harness.ts'), '--rate', '50', '--out', out],
      { cwd: path.join(__dirname, '..', '..'), stdio: ['ignore', 'pipe', 'pipe'] }
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await new Promise<void>((resolve) =>
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (stderr.includes('deploying serviceConnect')) resolve();
      })
    );
    const sentAt = Date.now();
    child.kill('SIGINT');
    expect(await exited).toBe(1);
    // The fake deploy had a minute to go: the process did not wait for it.
    expect(Date.now() - sentAt).toBeLessThan(10_000);
    expect(stderr).toContain('Ctrl-C: stopping the traffic and writing the report so far');
    expect(stdout).toMatch(/The stacks were being deployed from discovery to serviceConnect/);
    const report = readReport(out);
    expect(report.interrupted).toBe(true);
    expect(report.steps.map((s) => s.outcome)).toEqual(['interrupted']);
  }, 60_000);
});
