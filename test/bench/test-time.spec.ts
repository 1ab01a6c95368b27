import { TestTimePart, testTimeReport } from '../../lib/bench/test-time';

const part = (name: string, wallSeconds: number, cpuSeconds: number): TestTimePart => ({
  name,
  wallSeconds,
  cpuSeconds,
});
const statics = [part('check', 39, 56), part('prettier', 12, 18)];
const jestAlone = part('jest', 133, 256);

describe('testTimeReport (npm run bench:tests)', () => {
  test('says the median run of npm test, the CPU floor on the cores, and the static checks’ share', () => {
    const report = testTimeReport(
      {
        statics,
        jest: jestAlone,
        runs: [part('run 1', 178.6, 349), part('run 2', 176.6, 345), part('run 3', 190, 360)],
      },
      { cores: 2, targetSeconds: 60 }
    );
    expect(report.met).toBe(false);
    expect(report.lines.slice(-3)).toEqual([
      'npm test: median 178.6 s of 3 run(s), 349.0 s of CPU; 2 core(s) cannot run that CPU time in less than 174.5 s',
      'budget: 2 core(s) give at most 120.0 s of CPU in 60.0 s; the static checks alone use 74.0 s of it (62 %)',
      'target: npm test <= 60.0 s: not met',
    ]);
    expect(report.lines.slice(0, 3)).toEqual([
      'part      wall     CPU      CPU / wall',
      '--------  -------  -------  ----------',
      'check     39.0 s   56.0 s   1.44',
    ]);
    expect(report.lines).toContain('jest      133.0 s  256.0 s  1.92');
    expect(report.lines).toContain('run 3     190.0 s  360.0 s  1.89');
  });

  test('a run within the target is met; with an even count the lower middle run decides', () => {
    const report = testTimeReport(
      { statics, jest: jestAlone, runs: [part('run 1', 61, 100), part('run 2', 58, 100)] },
      { cores: 8, targetSeconds: 60 }
    );
    expect(report.met).toBe(true);
    expect(report.lines).toContain('target: npm test <= 60.0 s: met');
    expect(report.lines.join('\n')).toMatch(/median 58\.0 s of 2 run\(s\)/);
  });

  test('refuses no run and a budget that is not positive, naming the values', () => {
    expect(() =>
      testTimeReport({ statics, jest: jestAlone, runs: [] }, { cores: 2, targetSeconds: 60 })
    ).toThrow(/no run of npm test/);
    expect(() =>
      testTimeReport({ statics, jest: jestAlone, runs: [part('run', 1, 1)] }, { cores: 0, targetSeconds: 60 })
    ).toThrow(/cores 0 and target 60 s must be positive/);
  });
});
