import { layeredTopology } from '../../lib/bench/scale-topology';
import { callersOf, serverFirstWaves, validateTopology } from '../../lib/model/graph';

describe('layeredTopology', () => {
  test.each([4, 16, 48])('generates %d valid services, each with a caller but the front end', (count) => {
    const topology = layeredTopology(count);
    expect(topology.services).toHaveLength(count);
    expect(() => validateTopology(topology)).not.toThrow();
    const front = topology.services.filter((s) => s.publicEntry);
    expect(front).toHaveLength(1);
    for (const svc of topology.services.filter((s) => !s.publicEntry))
      expect(callersOf(topology, svc).length).toBeGreaterThan(0);
  });

  test('has one wave per layer plus the front end', () => {
    expect(serverFirstWaves(layeredTopology(48)).length).toBe(5);
    expect(serverFirstWaves(layeredTopology(4)).map((w) => w.length)).toEqual([1, 1, 1, 1]);
  });

  test('fails below 3 services', () => {
    expect(() => layeredTopology(2)).toThrow(/at least 3 services, not 2/);
  });
});
