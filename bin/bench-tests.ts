/**
 * `npm run bench:tests [-- --runs N]`: where the time of `npm test` goes on this machine. Runs,
 * one after the other and each with Jest's cache cleared (as on a fresh clone), the static checks
 * (`bin/check.mjs`: the type check and typed ESLint on one program; `prettier --check .`), Jest
 * alone, and `npm test` itself N times (default 1), and reports the wall and CPU time of each
 * against the target of issue 23: `npm test` in at most 60 s. Exit 1 when missed.
 * Takes about six minutes on two cores; each step says when it starts and ends.
 */
import { spawnSync } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import { childrenCpuSeconds, runsOption, wallSeconds } from '../lib/bench/measure';
import { TestTimePart, testTimeReport } from '../lib/bench/test-time';

const TARGET_SECONDS = 60;
const ROOT = path.join(__dirname, '..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

interface Step {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
}

const node = (script: string, ...args: string[]): Pick<Step, 'command' | 'args'> => ({
  command: process.execPath,
  args: [script, ...args],
});

function clearJestCache(): void {
  const result = spawnSync(process.execPath, [require.resolve('jest/bin/jest'), '--clearCache'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`jest --clearCache failed:\n${result.stdout}${result.stderr}`);
}

function measure(step: Step, index: number, count: number): TestTimePart {
  clearJestCache();
  console.error(`bench:tests: [${index}/${count}] ${step.name} ...`);
  const cpuBefore = childrenCpuSeconds();
  const wall = wallSeconds(step.command, step.args, { cwd: ROOT, env: { ...process.env, CI: 'true' } });
  const part = { name: step.name, wallSeconds: wall, cpuSeconds: childrenCpuSeconds() - cpuBefore };
  console.error(
    `bench:tests: [${index}/${count}] ${step.name}: ${wall.toFixed(1)} s, ${part.cpuSeconds.toFixed(1)} s of CPU`
  );
  return part;
}

function main(): void {
  const runs = runsOption(process.argv.slice(2), 1);
  const statics: Step[] = [
    { name: 'check (type check + ESLint)', ...node(path.join(ROOT, 'bin/check.mjs')) },
    { name: 'prettier --check .', ...node(require.resolve('prettier/bin/prettier.cjs'), '--check', '.') },
  ];
  const jest: Step = { name: 'jest', ...node(require.resolve('jest/bin/jest')) };
  const tests: Step[] = Array.from({ length: runs }, (_, i) => ({
    name: `npm test, run ${i + 1}`,
    command: NPM,
    args: ['test'],
  }));
  const steps = [...statics, jest, ...tests];
  const parts = steps.map((step, i) => measure(step, i + 1, steps.length));
  const report = testTimeReport(
    {
      statics: parts.slice(0, statics.length),
      jest: parts[statics.length],
      runs: parts.slice(statics.length + 1),
    },
    { cores: os.availableParallelism(), targetSeconds: TARGET_SECONDS }
  );
  console.log(`npm test, part by part, each with Jest's cache cleared; node ${process.version}`);
  console.log(report.lines.join('\n'));
  process.exitCode = report.met ? 0 : 1;
}

main();
