import {
  CLOCK_ALLOWANCE_MS,
  SETTLE_MS,
  TaskTimes,
  countingWindows,
  outageGaps,
} from '../../lib/rehearse/outage';
import { StepCounts } from '../../lib/rehearse/traffic';

/** Seconds of a step as Dates: the step starts at 0. */
const at = (second: number) => new Date(Date.UTC(2026, 0, 1) + second * 1000);
const ms = (second: number) => at(second).getTime();
const task = (id: string, times: { started?: number; stopping?: number; stopped?: number }): TaskTimes => ({
  id,
  ...(times.started !== undefined && { startedAt: at(times.started) }),
  ...(times.stopping !== undefined && { stoppingAt: at(times.stopping) }),
  ...(times.stopped !== undefined && { stoppedAt: at(times.stopped) }),
});
const gaps = (tasks: TaskTimes[], to = 600) =>
  outageGaps(tasks, ms(0), ms(to)).map((g) => [(g.start - ms(0)) / 1000, (g.end - ms(0)) / 1000]);

describe('a planned outage, from what ECS says of the tasks', () => {
  test('stop before start: from the old task stopping to the new one running', () => {
    expect(
      gaps([task('old', { started: -3600, stopping: 30, stopped: 42 }), task('new', { started: 115 })])
    ).toEqual([[30, 115]]);
  });

  test('start before stop: the new task serves once the old one has stopped (one writer), not before', () => {
    // The new task is RUNNING at 20 s, but waits for the old one's data volume until 95 s.
    expect(
      gaps([task('old', { started: -3600, stopping: 30, stopped: 95 }), task('new', { started: 20 })])
    ).toEqual([[30, 95]]);
  });

  test('no restart, or a restart before the step: no outage', () => {
    expect(gaps([task('one', { started: -3600 })])).toEqual([]);
    expect(
      gaps([
        task('older', { started: -7200, stopping: -3610, stopped: -3605 }),
        task('one', { started: -3600 }),
      ])
    ).toEqual([]);
  });

  test('nothing serving when the step began is not a restart of the step: no window hides it', () => {
    expect(gaps([task('late', { started: 200 })])).toEqual([]);
    expect(gaps([])).toEqual([]);
  });

  test('a new task not serving yet when ECS was read: the outage runs to then', () => {
    expect(gaps([task('old', { started: -3600, stopping: 30, stopped: 40 })], 300)).toEqual([[30, 300]]);
  });

  test('two restarts in one step (a deployment and its rollback): two outages', () => {
    expect(
      gaps([
        task('a', { started: -3600, stopping: 30, stopped: 35 }),
        task('b', { started: 100, stopping: 200, stopped: 205 }),
        task('c', { started: 290 }),
      ])
    ).toEqual([
      [30, 100],
      [200, 290],
    ]);
  });

  test('the windows the requests are counted in: 1 s before for the clocks, 10 s after for callers, merged', () => {
    expect([CLOCK_ALLOWANCE_MS, SETTLE_MS]).toEqual([1000, 10_000]);
    expect(
      countingWindows([
        { start: 30_000, end: 100_000 },
        { start: 105_000, end: 120_000 },
        { start: 300_000, end: 310_000 },
      ])
    ).toEqual([
      { start: 29_000, end: 130_000 },
      { start: 299_000, end: 320_000 },
    ]);
  });
});

describe("a step's requests split between its planned outages and the rest", () => {
  test('every request in flight during a window is counted in it, once, and in the first it overlaps', () => {
    const counts = new StepCounts();
    // One request per 100 ms over 20 s, each 50 ms long; those from 5 s to 10 s fail.
    for (let i = 0; i < 200; i++) {
      const sentAt = i * 100;
      const failed = sentAt >= 5000 && sentAt < 10_000;
      counts.add({
        sentAt,
        doneAt: sentAt + 50,
        ...(failed ? { statusCode: 500 } : { statusCode: 200, latencyMs: 50 }),
      });
    }
    counts.add({ sentAt: 9_990, doneAt: 10_900, error: 'timeout' });
    const windows = [
      { start: 4_960, end: 10_000 },
      { start: 9_000, end: 12_000 }, // overlaps the first: a request in both counts in the first
    ];
    const [first, second] = counts.inWindows(windows);
    expect(first).toEqual({ requests: 51, non2xx: 50, errors: 1 });
    expect(second).toEqual({ requests: 20, non2xx: 0, errors: 0 });
    // Requests in flight across a window's edges are in it: here one answered, one timing out.
    expect(counts.inWindows([{ start: 10_020, end: 10_030 }])).toEqual([
      { requests: 2, non2xx: 0, errors: 1 },
    ]);
    expect(counts.snapshot()).toMatchObject({ requests: 201, non2xx: 50, errors: 1 });
  });

  test('holds any number of requests', () => {
    const counts = new StepCounts();
    for (let i = 0; i < 10_000; i++)
      counts.add({ sentAt: i, doneAt: i + 1, statusCode: i % 2 === 0 ? 200 : 503 });
    expect(counts.inWindows([{ start: 0, end: 5_000 }])).toEqual([
      { requests: 5_000, non2xx: 2_500, errors: 0 },
    ]);
  });
});
