import { formatTable } from '../cli/table';

/** One part of `npm test`, measured alone: its wall time and the CPU time of its processes. */
export interface TestTimePart {
  readonly name: string;
  readonly wallSeconds: number;
  readonly cpuSeconds: number;
}

/** What `npm run bench:tests` measured. */
export interface TestTimeMeasurements {
  /** The static checks, each alone: the type check and ESLint, Prettier. */
  readonly statics: readonly TestTimePart[];
  /** Jest alone. */
  readonly jest: TestTimePart;
  /** `npm test` itself, each run (the median decides). */
  readonly runs: readonly TestTimePart[];
}

/** What the report compares the measurements with. */
export interface TestTimeBudget {
  /** The cores of the machine (`os.availableParallelism()`). */
  readonly cores: number;
  /** The wall time `npm test` should stay within. */
  readonly targetSeconds: number;
}

/** The report of `npm run bench:tests`, and whether `npm test` met the target. */
export interface TestTimeReport {
  readonly lines: readonly string[];
  readonly met: boolean;
}

const seconds = (value: number) => `${value.toFixed(1)} s`;

/**
 * The parts measured alone (the static checks, Jest), then `npm test` itself, against the CPU the
 * machine can give in the target time: `cores` × `targetSeconds` CPU-seconds at best, since a run
 * cannot end before its CPU time spread over every core. The static checks' share of that budget
 * is said, because no test can use it.
 */
export function testTimeReport(measured: TestTimeMeasurements, budget: TestTimeBudget): TestTimeReport {
  const { statics, jest, runs } = measured;
  if (runs.length === 0) throw new Error('testTimeReport: no run of npm test to report');
  if (!(budget.cores >= 1) || !(budget.targetSeconds > 0))
    throw new Error(
      `testTimeReport: cores ${budget.cores} and target ${budget.targetSeconds} s must be positive`
    );
  const sorted = [...runs].sort((a, b) => a.wallSeconds - b.wallSeconds);
  const median = sorted[Math.floor((sorted.length - 1) / 2)];
  const available = budget.cores * budget.targetSeconds;
  const floor = median.cpuSeconds / budget.cores;
  const staticCpu = statics.reduce((sum, p) => sum + p.cpuSeconds, 0);
  const met = median.wallSeconds <= budget.targetSeconds;
  const table = formatTable(
    ['part', 'wall', 'CPU', 'CPU / wall'],
    [...statics, jest, ...runs].map((p) => [
      p.name,
      seconds(p.wallSeconds),
      seconds(p.cpuSeconds),
      (p.cpuSeconds / p.wallSeconds).toFixed(2),
    ])
  );
  return {
    met,
    lines: [
      ...table.split('\n'),
      '',
      `npm test: median ${seconds(median.wallSeconds)} of ${runs.length} run(s), ${seconds(median.cpuSeconds)} of CPU;` +
        ` ${budget.cores} core(s) cannot run that CPU time in less than ${seconds(floor)}`,
      `budget: ${budget.cores} core(s) give at most ${seconds(available)} of CPU in ${seconds(budget.targetSeconds)};` +
        ` the static checks alone use ${seconds(staticCpu)} of it (${Math.round((staticCpu / available) * 100)} %)`,
      `target: npm test <= ${seconds(budget.targetSeconds)}: ${met ? 'met' : 'not met'}`,
    ],
  };
}
