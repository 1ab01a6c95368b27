import { LatencyLog } from '../../lib/traffic/load';

describe('latency percentiles', () => {
  test('are exact on a known distribution: 1..1000 ms in any order', () => {
    const log = new LatencyLog();
    const values = Array.from({ length: 1000 }, (_, i) => i + 1);
    for (const v of values.reverse()) log.add(v);
    expect(log.summary()).toEqual({ p50: 500, p90: 900, p99: 990, max: 1000 });
  });

  test('a long tail moves p99 and max, not the median', () => {
    const log = new LatencyLog();
    for (let i = 0; i < 980; i++) log.add(5);
    for (let i = 0; i < 20; i++) log.add(3000);
    expect(log.summary()).toEqual({ p50: 5, p90: 5, p99: 3000, max: 3000 });
  });

  test('stay exact past the first storage chunk (65,536 values)', () => {
    const log = new LatencyLog();
    for (let i = 1; i <= 200_000; i++) log.add(i / 100);
    expect(log.summary()).toEqual({ p50: 1000, p90: 1800, p99: 1980, max: 2000 });
  });

  test('are zero without any response', () => {
    expect(new LatencyLog().summary()).toEqual({ p50: 0, p90: 0, p99: 0, max: 0 });
  });
});
