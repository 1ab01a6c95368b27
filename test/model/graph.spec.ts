import {
  calleesOf,
  callersOf,
  containerEnvironment,
  legacyEndpoint,
  serverFirstWaves,
  serviceNamed,
  validateTopology,
} from '../../lib/model/graph';
import { ServiceSpec, Topology } from '../../lib/model/topology';
import { YELB } from '../../lib/model/yelb';

/** YELB with one service changed. */
function withService(name: string, change: Partial<ServiceSpec>): Topology {
  return { ...YELB, services: YELB.services.map((s) => (s.name === name ? { ...s, ...change } : s)) };
}

describe('validateTopology', () => {
  test('accepts Yelb', () => {
    expect(() => validateTopology(YELB)).not.toThrow();
  });

  test('fails when a service calls an unknown service, naming it and the known ones', () => {
    const topology = withService('yelb-appserver', {
      calls: [{ service: 'yelb-cache', env: 'CACHE', format: 'host' }],
    });
    expect(() => validateTopology(topology)).toThrow(
      /service 'yelb-appserver' calls 'yelb-cache', which is not a service of the topology \(known: 'yelb-ui', 'yelb-appserver', 'yelb-db' or 'yelb-redis'\)/
    );
  });

  test('fails when the call graph has a cycle, and shows it', () => {
    const topology = withService('yelb-db', {
      calls: [{ service: 'yelb-appserver', env: 'APP', format: 'host' }],
    });
    expect(() => validateTopology(topology)).toThrow(/cycle: yelb-appserver → yelb-db → yelb-appserver/);
  });

  test('fails when a service calls itself', () => {
    const topology = withService('yelb-db', { calls: [{ service: 'yelb-db', env: 'SELF', format: 'host' }] });
    expect(() => validateTopology(topology)).toThrow(/service 'yelb-db' calls itself/);
  });

  test('fails when a called service cannot be found before the migration', () => {
    const topology = withService('yelb-db', { legacyDiscovery: { kind: 'none' } });
    expect(() => validateTopology(topology)).toThrow(/calls 'yelb-db', which has no legacy discovery/);
  });

  test('fails when a service is called by URL but speaks plain TCP', () => {
    const topology = withService('yelb-appserver', { appProtocol: undefined, timeouts: undefined });
    expect(() => validateTopology(topology)).toThrow(
      /calls 'yelb-appserver' by URL, but 'yelb-appserver' is plain TCP/
    );
  });

  test('fails when a per-request timeout is set on a TCP port', () => {
    const topology = withService('yelb-db', { timeouts: { perRequestSeconds: 5 } });
    expect(() => validateTopology(topology)).toThrow(
      /yelb-db'.*per-request timeout needs an HTTP-family app protocol/
    );
  });

  test('fails when a stateful service has more than one task', () => {
    const topology = withService('yelb-redis', { desiredCount: 2 });
    expect(() => validateTopology(topology)).toThrow(
      /'yelb-redis': keeps its state in the task, so its desired count must be 1, not 2/
    );
  });

  test('fails when names, ids or port names repeat', () => {
    const topology = withService('yelb-redis', { name: 'yelb-db', id: 'db', portName: 'yelb-db' });
    expect(() => validateTopology(topology)).toThrow(/service name 'yelb-db' is used more than once/);
    expect(() => validateTopology(topology)).toThrow(/service id 'db' is used more than once/);
    expect(() => validateTopology(topology)).toThrow(/port name 'yelb-db' is used more than once/);
  });

  test('fails when two services behind the internal load balancer share a port', () => {
    const topology = withService('yelb-ui', {
      port: 4567,
      legacyDiscovery: { kind: 'internalAlb', healthCheckPath: '/' },
    });
    expect(() => validateTopology(topology)).toThrow(
      /several services behind the internal load balancer use port 4567/
    );
  });

  test('fails when there is not exactly one public entry', () => {
    const none = withService('yelb-ui', { publicEntry: undefined });
    expect(() => validateTopology(none)).toThrow(
      /exactly one service must be the public entry .*; found none/
    );
    const two = withService('yelb-appserver', { publicEntry: { port: 80, healthCheckPath: '/' } });
    expect(() => validateTopology(two)).toThrow(/found 'yelb-ui' or 'yelb-appserver'/);
  });

  test('fails when a port or a desired count is out of range', () => {
    const topology = withService('yelb-appserver', { port: 70000, desiredCount: 0 });
    expect(() => validateTopology(topology)).toThrow(/port 70000 is not an integer from 1 to 65535/);
    expect(() => validateTopology(topology)).toThrow(/desired count 0 is not a positive integer/);
  });

  test('fails when a client alias would be longer than Service Connect allows', () => {
    const topology = { ...YELB, cloudMapDnsNamespace: `${'a'.repeat(120)}.internal` };
    expect(() => validateTopology(topology)).toThrow(
      /client alias 'yelb-db\.a+\.internal' is longer than 127 characters/
    );
  });

  test('reports every problem at once, one per line', () => {
    const topology = withService('yelb-db', { port: 0, desiredCount: 3 });
    expect(() => validateTopology(topology)).toThrow(
      expect.objectContaining({
        problems: expect.arrayContaining([
          expect.stringMatching(/port 0/),
          expect.stringMatching(/must be 1, not 3/),
        ]),
      })
    );
  });
});

describe('serverFirstWaves', () => {
  test('puts Yelb servers first: db and redis, then appserver, then ui', () => {
    expect(serverFirstWaves(YELB).map((wave) => wave.map((s) => s.name))).toEqual([
      ['yelb-db', 'yelb-redis'],
      ['yelb-appserver'],
      ['yelb-ui'],
    ]);
  });

  test('places every service of a deeper graph after all of its callees', () => {
    const layered: Topology = {
      ...YELB,
      services: ['a', 'b', 'c', 'd', 'e'].map((id, i, ids) => ({
        ...YELB.services[2],
        name: `svc-${id}`,
        id,
        portName: `svc-${id}`,
        calls: ids
          .slice(i + 1, i + 3)
          .map((callee) => ({ service: `svc-${callee}`, env: `E_${callee}`, format: 'host' as const })),
      })),
    };
    const waves = serverFirstWaves(layered).map((wave) => wave.map((s) => s.id));
    expect(waves).toEqual([['e'], ['d'], ['c'], ['b'], ['a']]);
  });

  test('fails on a cycle instead of looping', () => {
    const topology = withService('yelb-db', { calls: [{ service: 'yelb-ui', env: 'UI', format: 'host' }] });
    expect(() => serverFirstWaves(topology)).toThrow(/cycle among/);
  });
});

describe('the call graph', () => {
  test('knows callers and callees', () => {
    const appserver = serviceNamed(YELB, 'yelb-appserver');
    expect(callersOf(YELB, appserver).map((s) => s.name)).toEqual(['yelb-ui']);
    expect(calleesOf(YELB, appserver).map((s) => s.name)).toEqual(['yelb-db', 'yelb-redis']);
  });

  test('serviceNamed fails with the known names', () => {
    expect(() => serviceNamed(YELB, 'nope')).toThrow(
      /'nope' is not a service of the topology \(known: 'yelb-ui'/
    );
  });
});

describe('legacy endpoints and environment', () => {
  test.each([
    ['yelb-db', { host: 'yelb-db.yelb.cloudmap.internal', port: 5432 }],
    ['yelb-redis', { host: 'yelb-redis.yelb.cloudmap.internal', port: 6379 }],
    ['yelb-appserver', { host: 'yelb-appserver.yelb.lb.internal', port: 4567 }],
    ['yelb-ui', undefined],
  ])('%s is reached at its pre-migration name', (name, endpoint) => {
    expect(legacyEndpoint(YELB, serviceNamed(YELB, name))).toEqual(endpoint);
  });

  test('clients are configured with the old names', () => {
    expect(containerEnvironment(YELB, serviceNamed(YELB, 'yelb-ui'))).toEqual({
      YELB_APPSERVER_ENDPOINT: 'http://yelb-appserver.yelb.lb.internal:4567',
    });
    expect(containerEnvironment(YELB, serviceNamed(YELB, 'yelb-appserver'))).toEqual({
      RACK_ENV: 'custom',
      YELB_DB_SERVER_ENDPOINT: 'yelb-db.yelb.cloudmap.internal',
      REDIS_SERVER_ENDPOINT: 'yelb-redis.yelb.cloudmap.internal',
    });
    expect(containerEnvironment(YELB, serviceNamed(YELB, 'yelb-db'))).toEqual({});
  });
});
