import {
  cycleBackCalls,
  deploymentOrder,
  calleesOf,
  callersOf,
  containerEnvironment,
  cyclesOf,
  legacyEndpoint,
  serverFirstWaves,
  serviceNamed,
  validateTopology,
} from '../../lib/model/graph';
import { validateDeployable } from '../../lib/model/deployable';
import { ValidationError } from '../../lib/core/validation';
import { ServiceSpec, Topology } from '../../lib/model/topology';
import { YELB } from '../../lib/model/yelb';

/** YELB with one service changed. */
function withService(name: string, change: Partial<ServiceSpec>): Topology {
  return { ...YELB, services: YELB.services.map((s) => (s.name === name ? { ...s, ...change } : s)) };
}

describe('validateTopology: what a migration needs, one line per problem with its JSON path', () => {
  test('accepts Yelb', () => {
    expect(() => validateTopology(YELB)).not.toThrow();
  });

  const problemsOf = (topology: Topology): string[] => {
    try {
      validateTopology(topology);
      return [];
    } catch (err) {
      if (err instanceof ValidationError) return [...err.problems];
      throw err;
    }
  };

  test.each<[string, string, Partial<ServiceSpec>, RegExp]>([
    [
      'an unknown service in calls, naming the known ones',
      'yelb-appserver',
      { calls: [{ service: 'yelb-cache', env: 'CACHE', format: 'host' }] },
      /^services\[1\]\.calls\[0\]\.service: 'yelb-cache' is not a service of the topology; allowed: 'yelb-ui', 'yelb-appserver', 'yelb-db' or 'yelb-redis'$/,
    ],
    [
      'a service that calls itself',
      'yelb-db',
      { calls: [{ service: 'yelb-db', env: 'SELF', format: 'host' }] },
      /^services\[2\]\.calls\[0\]\.service: 'yelb-db' is the service itself/,
    ],
    [
      'a call of a service its callers could not find',
      'yelb-db',
      { legacyDiscovery: { kind: 'none' } },
      /^services\[1\]\.calls\[0\]\.service: 'yelb-db' has legacyDiscovery 'none'/,
    ],
    [
      'a call by URL of a plain TCP service',
      'yelb-appserver',
      { appProtocol: undefined, timeouts: undefined },
      /^services\[0\]\.calls\[0\]\.format: 'url', but 'yelb-appserver' is plain TCP/,
    ],
    [
      'a per-request timeout on a TCP port',
      'yelb-db',
      { timeouts: { perRequestSeconds: 5 } },
      /^services\[2\]\.timeouts\.perRequestSeconds: 5; allowed: only with an appProtocol/,
    ],
    [
      'a stateful service with more than one task',
      'yelb-redis',
      { desiredCount: 2 },
      /^services\[3\]\.desiredCount: 2; allowed: 1, as the service keeps its state in its task/,
    ],
    [
      'a call with both an environment variable and an argument',
      'yelb-ui',
      { calls: [{ service: 'yelb-appserver', env: 'A', argument: 1, format: 'url' }] },
      /^services\[0\]\.calls\[0\]: has both env and argument; allowed: one of them/,
    ],
  ])('refuses %s', (_label, name, change, message) => {
    expect(problemsOf(withService(name, change))).toEqual([expect.stringMatching(message)]);
  });

  test('refuses two services with one name, id, port name or old name, naming both', () => {
    const topology = withService('yelb-redis', { name: 'yelb-db', id: 'db', portName: 'yelb-db' });
    expect(problemsOf(topology)).toEqual(
      expect.arrayContaining([
        "services[3].name: 'yelb-db' is used by services[2] too; allowed: each once",
        "services[3].id: 'db' (given, or derived from the name) is used by services[2] too; allowed: each once",
        "services[3].portName: 'yelb-db' is used by services[2] too; allowed: each once, as it names the endpoint in the namespace (or set a discoveryName)",
      ])
    );
  });

  test('accepts a cycle of calls: the migration moves its members in one wave', () => {
    const cycle = withService('yelb-db', {
      calls: [{ service: 'yelb-appserver', env: 'APP', format: 'host' }],
    });
    expect(problemsOf(cycle)).toEqual([]);
  });

  test('refuses an old name longer than Service Connect allows for a client alias', () => {
    const topology = { ...YELB, cloudMapDnsNamespace: `${'a'.repeat(120)}.internal` };
    expect(problemsOf(topology)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^services\[2\]\.legacyDiscovery: the old name 'yelb-db\.a+\.internal' is \d+ characters; allowed: at most 127/
        ),
      ])
    );
  });

  test('needs the namespace of a Cloud Map name, here or at the top', () => {
    const { cloudMapDnsNamespace: _dropped, ...rest } = YELB;
    expect(problemsOf(rest)).toEqual([
      expect.stringMatching(/^services\[2\]\.legacyDiscovery\.namespace: missing/),
      expect.stringMatching(/^services\[3\]\.legacyDiscovery\.namespace: missing/),
    ]);
  });

  test('reports every problem at once', () => {
    const topology = withService('yelb-db', { desiredCount: 3, timeouts: { perRequestSeconds: 1 } });
    expect(problemsOf(topology)).toHaveLength(2);
  });
});

describe('validateDeployable: what the CDK app needs on top', () => {
  const problemsOf = (topology: Topology): string[] => {
    try {
      validateDeployable(topology);
      return [];
    } catch (err) {
      if (err instanceof ValidationError) return [...err.problems];
      throw err;
    }
  };

  test('accepts Yelb', () => {
    expect(problemsOf(YELB)).toEqual([]);
  });

  test('refuses a service without an image or task size, naming the field', () => {
    const { image: _image, cpu: _cpu, ...ui } = YELB.services[0];
    const topology = { ...YELB, services: [ui, ...YELB.services.slice(1)] };
    expect(problemsOf(topology)).toEqual([
      expect.stringMatching(/^services\[0\]\.image: missing; allowed: a value, which the CDK app needs/),
      expect.stringMatching(/^services\[0\]\.cpu: missing/),
    ]);
  });

  test('refuses anything but exactly one public entry', () => {
    expect(problemsOf(withService('yelb-ui', { publicEntry: undefined }))).toEqual([
      expect.stringMatching(/^services\[\*\]\.publicEntry: none; allowed: exactly one service/),
    ]);
    expect(
      problemsOf(withService('yelb-appserver', { publicEntry: { port: 80, healthCheckPath: '/' } }))
    ).toEqual([expect.stringMatching(/^services\[\*\]\.publicEntry: 'yelb-ui' or 'yelb-appserver'/)]);
  });

  test('takes two services on one port of the internal load balancer by their names, and refuses one name twice', () => {
    const ui = { port: 4567, legacyDiscovery: { kind: 'internalAlb' as const, healthCheckPath: '/' } };
    expect(problemsOf(withService('yelb-ui', ui))).toEqual([]);
    const sameName = withService('yelb-ui', {
      ...ui,
      legacyDiscovery: { ...ui.legacyDiscovery, dnsName: 'yelb-appserver.yelb.lb.internal' },
    });
    expect(problemsOf(sameName)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^services\[1\]\.port: 4567 under the name yelb-appserver\.yelb\.lb\.internal is also 'yelb-ui''s behind the internal load balancer/
        ),
      ])
    );
  });

  test("states the app's defaults for what a file may leave out: shared names, the gate's image, the public port's name, the health-check path", () => {
    const {
      logGroupName: _l,
      cloudMapDnsNamespace: _c,
      internalZoneName: _z,
      readinessGateImage: _r,
      ...bare
    } = YELB;
    const topology = {
      ...bare,
      services: bare.services.map(({ legacyDiscovery, portName, ...svc }) => ({
        ...svc,
        ...(svc.publicEntry ? {} : { portName }),
        legacyDiscovery:
          legacyDiscovery.kind === 'internalAlb'
            ? { kind: 'internalAlb' as const }
            : legacyDiscovery.kind === 'cloudMapDns'
              ? { kind: 'cloudMapDns' as const }
              : legacyDiscovery,
      })),
    };
    const deployable = validateDeployable(topology);
    expect(deployable).toMatchObject({
      logGroupName: 'ecs/yelb',
      cloudMapDnsNamespace: 'yelb.cloudmap.internal',
      internalZoneName: 'yelb.lb.internal',
      readinessGateImage: 'public.ecr.aws/docker/library/busybox:1.37',
    });
    expect(deployable.services[0].portName).toBe('ui');
    expect(deployable.services[1].legacyDiscovery).toEqual({ kind: 'internalAlb', healthCheckPath: '/' });
  });

  test('writes calls it cannot write as they are: host:port for a longer value, the one old name for a second name', () => {
    const topology = withService('yelb-appserver', {
      calls: [
        { service: 'yelb-db', env: 'DATABASE_URL', format: 'text' },
        { service: 'yelb-redis', env: 'REDIS', format: 'host', name: 'cache.example.internal' },
      ],
    });
    const appserver = validateDeployable(topology).services[1];
    expect(containerEnvironment(topology, appserver)).toMatchObject({
      DATABASE_URL: 'yelb-db.yelb.cloudmap.internal:5432',
      REDIS: 'yelb-redis.yelb.cloudmap.internal',
    });
  });

  test('accepts a cycle (the app chains its members) and a client-only worker without a port', () => {
    const cycle = withService('yelb-db', {
      calls: [{ service: 'yelb-appserver', env: 'APP', format: 'host' }],
    });
    expect(problemsOf(cycle)).toEqual([]);
    const worker: Topology = {
      ...YELB,
      services: [
        ...YELB.services,
        {
          ...YELB.services[3],
          name: 'worker',
          id: 'worker',
          port: undefined,
          portName: undefined,
          singleton: undefined,
          legacyDiscovery: { kind: 'none' },
          calls: [{ service: 'yelb-db', env: 'DB', format: 'host' }],
        },
      ],
    };
    expect(problemsOf(worker)).toEqual([]);
  });

  test('refuses a public entry without a port', () => {
    expect(problemsOf(withService('yelb-ui', { port: undefined }))).toEqual([
      expect.stringMatching(
        /^services\[0\]\.port: missing; allowed: the container port \(and its name\) that the public load balancer sends to/
      ),
    ]);
  });
});

describe('deploymentOrder', () => {
  const pairs = (topology: Topology, direction: 'serversFirst' | 'clientsFirst') =>
    deploymentOrder(topology, direction)
      .map((w) => `${w.service} after ${w.after}`)
      .sort();

  test('Yelb: callers wait for their callees with Service Connect on, callees for their callers without', () => {
    expect(pairs(YELB, 'serversFirst')).toEqual([
      'yelb-appserver after yelb-db',
      'yelb-appserver after yelb-redis',
      'yelb-ui after yelb-appserver',
    ]);
    expect(pairs(YELB, 'clientsFirst')).toEqual([
      'yelb-appserver after yelb-ui',
      'yelb-db after yelb-appserver',
      'yelb-redis after yelb-appserver',
    ]);
  });

  // a → b → c → a, d → b: the cycle's members in a chain (model order), d outside it.
  const cycle: Topology = {
    ...YELB,
    services: ['a', 'b', 'c', 'd'].map((id) => ({
      ...YELB.services[2],
      name: id,
      id,
      portName: id,
      dataVolume: undefined,
      calls: { a: ['b'], b: ['c'], c: ['a'], d: ['b'] }[id]!.map((callee) => ({
        service: callee,
        env: callee.toUpperCase(),
        format: 'host' as const,
      })),
    })),
  };

  test('a cycle becomes a chain in model order (reversed without Service Connect), other calls as usual', () => {
    expect(pairs(cycle, 'serversFirst')).toEqual(['b after a', 'c after b', 'd after b']);
    expect(pairs(cycle, 'clientsFirst')).toEqual(['a after b', 'b after c', 'b after d']);
  });

  test('the calls a chain leaves unordered are the back calls: a caller before its callee', () => {
    expect(cycleBackCalls(cycle)).toEqual([
      { caller: 'a', callee: 'b' },
      { caller: 'b', callee: 'c' },
    ]);
    expect(cycleBackCalls(YELB)).toEqual([]);
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
    const waves = serverFirstWaves(layered).map((wave) => wave.map((s) => s.id!));
    expect(waves).toEqual([['e'], ['d'], ['c'], ['b'], ['a']]);
  });

  test('puts the members of a cycle in one wave, after what they call and before their callers', () => {
    // yelb-db calls yelb-appserver, which calls yelb-db: one wave for both, redis before it.
    const topology = withService('yelb-db', {
      calls: [{ service: 'yelb-appserver', env: 'APP', format: 'host' }],
    });
    expect(serverFirstWaves(topology).map((wave) => wave.map((s) => s.name))).toEqual([
      ['yelb-redis'],
      ['yelb-appserver', 'yelb-db'],
      ['yelb-ui'],
    ]);
    expect(cyclesOf(topology)).toEqual([['yelb-appserver', 'yelb-db']]);
    expect(cyclesOf(YELB)).toEqual([]);
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
