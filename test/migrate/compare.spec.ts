import { canonicalServiceConnect, sameServiceConnect } from '../../lib/migrate/compare';

const ns = { name: 'yelb.sc.internal', arn: 'arn:aws:servicediscovery:us-east-1:1:namespace/ns-1' };
const sent = {
  enabled: true,
  namespace: 'yelb.sc.internal',
  services: [
    {
      portName: 'yelb-db',
      clientAliases: [{ port: 5432, dnsName: 'yelb-db.x' }],
      timeout: { idleTimeoutSeconds: 3600 },
    },
  ],
  logConfiguration: {
    logDriver: 'awslogs' as const,
    options: { 'awslogs-group': 'g', 'awslogs-region': 'r', 'awslogs-stream-prefix': 'db-envoy' },
  },
};

describe('sameServiceConnect', () => {
  test('matches what ECS reports back: namespace as ARN, discoveryName filled in, options reordered', () => {
    const reported = {
      ...sent,
      namespace: ns.arn,
      services: [{ ...sent.services[0], discoveryName: 'yelb-db' }],
      logConfiguration: {
        logDriver: 'awslogs' as const,
        options: { 'awslogs-stream-prefix': 'db-envoy', 'awslogs-region': 'r', 'awslogs-group': 'g' },
        secretOptions: [],
      },
    };
    expect(sameServiceConnect(reported, sent, ns)).toBe(true);
  });

  test('treats a missing services list as client-only, like an empty one', () => {
    const { services: _omitted, ...clientOnly } = sent;
    expect(
      sameServiceConnect({ ...clientOnly, namespace: ns.arn }, { ...clientOnly, services: [] }, ns)
    ).toBe(true);
  });

  test.each([
    [
      'another alias',
      { services: [{ ...sent.services[0], clientAliases: [{ port: 5432, dnsName: 'other' }] }] },
    ],
    ['another timeout', { services: [{ ...sent.services[0], timeout: { idleTimeoutSeconds: 60 } }] }],
    [
      'another per-request timeout',
      {
        services: [
          { ...sent.services[0], timeout: { idleTimeoutSeconds: 3600, perRequestTimeoutSeconds: 10 } },
        ],
      },
    ],
    ['another namespace', { namespace: 'arn:other' }],
    [
      'another log group',
      {
        logConfiguration: {
          ...sent.logConfiguration,
          options: { ...sent.logConfiguration.options, 'awslogs-group': 'h' },
        },
      },
    ],
  ])('tells apart %s', (_what, change) => {
    expect(sameServiceConnect({ ...sent, ...change }, sent, ns)).toBe(false);
  });

  test("takes the defaults ECS reports for what a configuration leaves out: an alias's name, access logs' query strings", () => {
    const withoutName = {
      ...sent,
      services: [{ ...sent.services[0], clientAliases: [{ port: 5432 }] }],
      accessLogConfiguration: { format: 'JSON' as const },
    };
    const named = {
      ...sent,
      services: [
        { ...sent.services[0], clientAliases: [{ port: 5432, dnsName: 'yelb-db.yelb.sc.internal' }] },
      ],
      accessLogConfiguration: { format: 'JSON' as const, includeQueryParameters: 'DISABLED' as const },
    };
    expect(sameServiceConnect(withoutName, named, ns)).toBe(true);
    const other = {
      ...named,
      services: [{ ...named.services[0], clientAliases: [{ port: 5432, dnsName: 'x.y' }] }],
    };
    expect(sameServiceConnect(withoutName, other, ns)).toBe(false);
    const queries = {
      ...named,
      accessLogConfiguration: { format: 'JSON' as const, includeQueryParameters: 'ENABLED' as const },
    };
    expect(sameServiceConnect(withoutName, queries, ns)).toBe(false);
  });

  test('sees every disabled or missing configuration as off', () => {
    expect(canonicalServiceConnect(undefined, ns)).toBe('off');
    expect(canonicalServiceConnect({ enabled: false }, ns)).toBe('off');
    expect(sameServiceConnect({ enabled: false, namespace: 'x' }, undefined, ns)).toBe(true);
    expect(sameServiceConnect(sent, { enabled: false }, ns)).toBe(false);
  });
});
