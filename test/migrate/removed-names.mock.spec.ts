import {
  ContainerDefinition,
  DescribeTaskDefinitionCommand,
  ECSClient,
  Service,
  ServiceConnectConfiguration,
} from '@aws-sdk/client-ecs';
import { AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { ConfigValue, callersUsing, removedNames } from '../../lib/migrate/removed-names';
import type { Session } from '../../lib/migrate/session';
import { Topology } from '../../lib/model/topology';
import { YELB } from '../../lib/model/yelb';

// Which names a configuration apply sends takes away from what runs, and who uses them: on plain
// objects in ECS's shapes, and task definitions from a stubbed ECS client.
const NS = { name: 'yelb.sc.internal', arn: 'arn:aws:servicediscovery:eu-west-1:1:namespace/ns-1' };
const OTHER_NS = 'arn:aws:servicediscovery:eu-west-1:1:namespace/ns-2';

/** yelb-db as it runs: endpoint `db` on port name `pg`, by its old name and by ECS's default name. */
const LIVE: ServiceConnectConfiguration = {
  enabled: true,
  namespace: NS.arn,
  services: [
    {
      portName: 'pg',
      discoveryName: 'db',
      clientAliases: [{ port: 5432, dnsName: 'yelb-db.yelb.cloudmap.internal' }, { port: 5433 }],
    },
  ],
};
const OLD_NAME = { host: 'yelb-db.yelb.cloudmap.internal', port: 5432, discoveryName: 'db', portName: 'pg' };
const DEFAULT_NAME = { host: 'db.yelb.sc.internal', port: 5433, discoveryName: 'db', portName: 'pg' };

const withEndpoint = (endpoint: object): ServiceConnectConfiguration => ({
  enabled: true,
  namespace: NS.name,
  services: [{ portName: 'pg', discoveryName: 'db', clientAliases: [], ...endpoint }],
});

describe('removedNames', () => {
  test('none when what is sent answers on every name (the namespace by name or ARN, the default name spelt out)', () => {
    const same = withEndpoint({
      clientAliases: [
        { port: 5432, dnsName: 'YELB-DB.yelb.cloudmap.internal' },
        { port: 5433, dnsName: 'db.yelb.sc.internal' },
      ],
    });
    expect(removedNames(LIVE, same, NS)).toEqual([]);
    expect(removedNames(LIVE, LIVE, NS)).toEqual([]);
  });

  test('every name, as the endpoint, when Service Connect goes off or the configuration moves to another namespace', () => {
    const all = [
      { ...OLD_NAME, what: 'endpoint' },
      { ...DEFAULT_NAME, what: 'endpoint' },
    ];
    expect(removedNames(LIVE, { enabled: false }, NS)).toEqual(all);
    expect(removedNames(LIVE, { ...LIVE, enabled: false }, NS)).toEqual(all);
    expect(removedNames(LIVE, { ...LIVE, namespace: OTHER_NS }, NS).map((n) => n.host)).toEqual([
      OLD_NAME.host,
      DEFAULT_NAME.host,
    ]);
  });

  test('a client alias the endpoint no longer has, or has on another port; its port name when that changes; the endpoint when another answers', () => {
    const oneAlias = { clientAliases: [{ port: 5432, dnsName: 'yelb-db.yelb.cloudmap.internal' }] };
    expect(removedNames(LIVE, withEndpoint(oneAlias), NS)).toEqual([
      { ...DEFAULT_NAME, what: 'client alias' },
    ]);
    const otherPort = {
      clientAliases: [...oneAlias.clientAliases, { port: 5434, dnsName: DEFAULT_NAME.host }],
    };
    expect(removedNames(LIVE, withEndpoint(otherPort), NS)).toEqual([
      { ...DEFAULT_NAME, what: 'client alias' },
    ]);
    expect(removedNames(LIVE, withEndpoint({ ...oneAlias, portName: 'postgres' }), NS)).toEqual([
      { ...DEFAULT_NAME, what: 'port name' },
    ]);
    expect(removedNames(LIVE, withEndpoint({ ...oneAlias, discoveryName: 'postgres' }), NS)).toEqual([
      { ...DEFAULT_NAME, what: 'endpoint' },
    ]);
  });

  test('none when what runs has Service Connect off; only the target namespace is compared (a service in another namespace: none)', () => {
    expect(removedNames({ ...LIVE, enabled: false }, { enabled: false }, NS)).toEqual([]);
    expect(removedNames({ ...LIVE, namespace: OTHER_NS }, { enabled: false }, NS)).toEqual([]);
  });
});

describe('callersUsing', () => {
  let ecs: AwsClientStub<ECSClient>;
  beforeAll(() => {
    ecs = mockClient(ECSClient);
  });
  afterAll(() => ecs.restore());

  /** The containers of each service's task definition (`td/<service>`). */
  const CONTAINERS: Record<string, ContainerDefinition> = {
    // Holds the name without a port: a caller.
    'yelb-ui': { name: 'ui', environment: [{ name: 'DB_HOST', value: 'yelb-db.yelb.cloudmap.internal' }] },
    // A caller by the topology; the same name in its environment does not name it twice.
    'yelb-appserver': {
      name: 'app',
      environment: [{ name: 'YELB_DB_SERVER', value: 'yelb-db.yelb.cloudmap.internal:5432' }],
    },
    // The name on another port in its environment, on the port in a command argument.
    'yelb-redis': {
      name: 'redis',
      environment: [{ name: 'OTHER', value: 'yelb-db.yelb.cloudmap.internal:6543' }],
      command: ['check', 'yelb-db.yelb.cloudmap.internal:5432'],
    },
    // Not on Service Connect in the namespace: its proxy does not know the name.
    'worker-off': { name: 'w', environment: [{ name: 'DB', value: 'yelb-db.yelb.cloudmap.internal:5432' }] },
    'worker-elsewhere': {
      name: 'w',
      environment: [{ name: 'DB', value: 'yelb-db.yelb.cloudmap.internal:5432' }],
    },
  };
  const topology: Topology = {
    ...YELB,
    services: [
      ...YELB.services,
      ...['worker-off', 'worker-elsewhere'].map((name) => ({
        name,
        calls: [],
        legacyDiscovery: { kind: 'none' as const },
      })),
    ],
  };
  const running = (name: string, namespace: string | undefined): Service => ({
    serviceName: name,
    taskDefinition: `td/${name}`,
    deployments: [
      {
        status: 'PRIMARY',
        serviceConnectConfiguration: namespace ? { enabled: true, namespace } : { enabled: false },
      },
    ],
  });
  const live = new Map(
    [
      running('yelb-ui', NS.arn),
      running('yelb-appserver', NS.name),
      running('yelb-db', NS.arn),
      running('yelb-redis', NS.arn),
      running('worker-off', undefined),
      running('worker-elsewhere', OTHER_NS),
    ].map((s) => [s.serviceName!, s])
  );

  test("the topology's callers by the name each uses, and the services in the namespace that hold it on its port or none, each once, task definitions read once", async () => {
    ecs.on(DescribeTaskDefinitionCommand).callsFake(({ taskDefinition }) => ({
      taskDefinition: { containerDefinitions: [CONTAINERS[taskDefinition.slice('td/'.length)]] },
    }));
    const session = {
      topology,
      clients: { ecs: new ECSClient({ region: 'eu-west-1' }) },
    } as unknown as Session;
    const read = new Map<string, Promise<ConfigValue[]>>();
    const removed = { ...OLD_NAME, what: 'endpoint' as const };
    const expected = [
      'yelb-appserver (topology: calls yelb-db)',
      'yelb-ui (container ui, environment DB_HOST)',
      'yelb-redis (container redis, command argument 1)',
    ];
    expect(await callersUsing(session, live, 'yelb-db', removed, NS, read)).toEqual(expected);
    expect(await callersUsing(session, live, 'yelb-db', removed, NS, read)).toEqual(expected);
    expect(
      ecs.commandCalls(DescribeTaskDefinitionCommand).map((c) => c.args[0].input.taskDefinition)
    ).toEqual(['td/yelb-ui', 'td/yelb-appserver', 'td/yelb-redis']);
  });
});
