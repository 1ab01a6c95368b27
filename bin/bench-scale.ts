/**
 * `npm run bench:scale [-- --runs N]`: how the cost grows with the work. Synthesizes generated
 * layered topologies of 4, 16 and 40 services (the same model as Yelb) in every phase and
 * prints, per topology and phase, the median synth time, the Yelb stack's template size and
 * resource count against CloudFormation's per-stack quotas, and the number of deployment
 * waves. Target: synth time grows no worse than linearly with the services. Then shows that a
 * topology over a quota fails at synth, with the message a user would get. Exit 1 when the
 * target is missed.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { median, runsOption } from '../lib/bench/measure';
import { layeredTopology } from '../lib/bench/scale-topology';
import { cdkJsonContext } from '../lib/contract/cdk-json';
import { CFN_LIMITS, CFN_RESOURCE_LIMIT, templateUsage } from '../lib/app/cfn-limits';
import { serverFirstWaves } from '../lib/model/graph';
import { MIGRATION_PHASES, phaseContext } from '../lib/model/phase';
import { Topology } from '../lib/model/topology';
import { formatTable } from '../lib/cli/table';
import { createApp } from '../lib/app/app';

const SIZES = [4, 16, 40];
const OVER_THE_LIMIT = 56;
/** Tolerance over a straight line through the two smaller sizes. */
const LINEAR_TOLERANCE = 1.25;

/** Synthesizes one phase of a topology; returns the seconds taken and the Yelb template's text. */
function synth(
  topology: Topology,
  phase: (typeof MIGRATION_PHASES)[number]
): { seconds: number; template: string } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-scale-'));
  try {
    const started = process.hrtime.bigint();
    const { app } = createApp({ context: { ...cdkJsonContext(), ...phaseContext(phase) }, outdir }, topology);
    const assembly = app.synth();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return { seconds, template: JSON.stringify(assembly.getStackByName('Yelb').template) };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

function main(): void {
  const runs = runsOption(process.argv.slice(2), 5);
  synth(layeredTopology(4), 'discovery'); // warm-up: module loading and JIT, not synth work
  const rows: string[][] = [];
  const totals = new Map<number, number>();
  for (const size of SIZES) {
    const topology = layeredTopology(size);
    let total = 0;
    for (const phase of MIGRATION_PHASES) {
      const times: number[] = [];
      let template = '';
      for (let run = 1; run <= runs; run++) {
        const result = synth(topology, phase);
        times.push(result.seconds);
        template = result.template;
      }
      const seconds = median(times);
      total += seconds;
      const usage = templateUsage(template);
      console.error(`${size} services, ${phase}: ${seconds.toFixed(3)} s`);
      rows.push([
        String(size),
        phase,
        `${(seconds * 1000).toFixed(0)} ms`,
        `${(usage.templateBytes / 1024).toFixed(0)} KiB (${percent(usage.templateBytes, CFN_LIMITS.templateBytes)})`,
        `${usage.resources} (${percent(usage.resources, CFN_RESOURCE_LIMIT)})`,
        `${usage.outputs} (${percent(usage.outputs, CFN_LIMITS.outputs)})`,
        String(serverFirstWaves(topology).length),
      ]);
    }
    totals.set(size, total);
  }

  console.log(
    `median of ${runs} in-process synths per phase (both stacks, cdk-nag included), ${os.cpus().length} CPUs, node ${process.version}`
  );
  console.log(
    formatTable(
      [
        'services',
        'phase',
        'synth',
        `template (of ${CFN_LIMITS.templateBytes / 1024} KiB)`,
        `resources (of ${CFN_RESOURCE_LIMIT})`,
        `outputs (of ${CFN_LIMITS.outputs})`,
        'waves',
      ],
      rows
    )
  );

  const [small, medium, large] = SIZES.map((s) => totals.get(s)!);
  const linear = medium + ((medium - small) * (SIZES[2] - SIZES[1])) / (SIZES[1] - SIZES[0]);
  const perService = SIZES.map((s) => `${s}: ${((totals.get(s)! / s) * 1000).toFixed(0)} ms`).join(', ');
  console.log(`\nsynth time of all three phases per service: ${perService}`);
  const met = large <= LINEAR_TOLERANCE * linear;
  console.log(
    `target: no worse than linear: ${SIZES[2]} services took ${(large * 1000).toFixed(0)} ms, a straight line through ${SIZES[0]} and ${SIZES[1]} predicts ${(linear * 1000).toFixed(0)} ms (tolerance ${LINEAR_TOLERANCE}x): ${met ? 'met' : 'NOT met'}`
  );

  try {
    synth(layeredTopology(OVER_THE_LIMIT), 'discovery');
    console.log(`\n${OVER_THE_LIMIT} services: synthesized (no quota exceeded)`);
  } catch (err) {
    const message = (err as Error).message.split('\n')[0];
    const shown = message.length > 200 ? `${message.slice(0, 200)}…` : message;
    console.log(`\n${OVER_THE_LIMIT} services fail at synth, before any deployment:\n  ${shown}`);
  }
  process.exitCode = met ? 0 : 1;
}

function percent(value: number, limit: number): string {
  return `${Math.round((100 * value) / limit)}%`;
}

main();
