/**
 * `npm run bench:synth [-- --runs N]`: median wall time of `cdk synth` (all stacks) per
 * migration phase, as the project runs it (ts-node with swc, no type checking), against the
 * same app through ts-node with type checking. Target: ratio <= 0.4. Exit 1 when missed.
 * Also shows, for information, the synth with the CDK's CloudFormation validation on.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { median, runsOption, wallSeconds } from '../lib/bench/measure';
import { formatTable } from '../lib/cli/table';
import { MIGRATION_PHASES, flagsOf } from '../lib/model/phase';

const TARGET_RATIO = 0.4;
const ROOT = path.join(__dirname, '..');
const CDK = require.resolve('aws-cdk/bin/cdk');

function main(): void {
  const runs = runsOption(process.argv.slice(2), 3);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-synth-'));
  // The baseline: the same tsconfig, with ts-node type checking instead of swc.
  const baselineProject = path.join(scratch, 'tsconfig.json');
  fs.writeFileSync(
    baselineProject,
    JSON.stringify({
      extends: path.join(ROOT, 'tsconfig.json'),
      include: ['bin/**/*.ts', 'lib/**/*.ts'].map((p) => path.join(ROOT, p)),
      'ts-node': { swc: false, transpileOnly: false },
    })
  );
  const variants = [
    { name: 'cdk synth (swc)', env: process.env, args: [] as string[] },
    {
      name: 'baseline (type-check)',
      env: { ...process.env, TS_NODE_PROJECT: baselineProject },
      args: ['--app', 'node -r ts-node/register bin/app.ts'],
    },
    // For information: the same synth with the CDK's CloudFormation validation on.
    { name: 'with validateTemplates', env: process.env, args: ['-c', 'validateTemplates=true'] },
  ];

  const rows: string[][] = [];
  let worst = 0;
  for (const phase of MIGRATION_PHASES) {
    const flags = flagsOf(phase);
    const context = [
      '-c',
      `serviceConnect=${flags.serviceConnect}`,
      '-c',
      `retireLegacy=${flags.retireLegacy}`,
    ];
    const medians = variants.map((variant) => {
      const times: number[] = [];
      for (let run = 1; run <= runs; run++) {
        const outdir = path.join(scratch, `out-${phase}-${run}`);
        const args = [CDK, 'synth', '--quiet', '--output', outdir, ...variant.args, ...context];
        times.push(wallSeconds(process.execPath, args, { cwd: ROOT, env: variant.env }));
        console.error(
          `${phase}: ${variant.name} run ${run}/${runs}: ${times[times.length - 1].toFixed(2)} s`
        );
        fs.rmSync(outdir, { recursive: true, force: true });
      }
      return median(times);
    });
    const ratio = medians[0] / medians[1];
    worst = Math.max(worst, ratio);
    rows.push([
      phase,
      ...medians.slice(0, 2).map((m) => `${m.toFixed(2)} s`),
      ratio.toFixed(2),
      `${medians[2].toFixed(2)} s`,
    ]);
  }
  fs.rmSync(scratch, { recursive: true, force: true });

  console.log(`median of ${runs} runs, ${os.cpus().length} CPUs, node ${process.version}`);
  console.log(formatTable(['phase', variants[0].name, variants[1].name, 'ratio', variants[2].name], rows));
  const met = worst <= TARGET_RATIO;
  console.log(`target: ratio <= ${TARGET_RATIO}: ${met ? 'met' : 'NOT met'} (worst ${worst.toFixed(2)})`);
  process.exitCode = met ? 0 : 1;
}

main();
