import { withDeployableDefaults } from '../../lib/model/deployable';
import { adoptedPlan, liveNames, servesName } from '../../lib/model/live-service-connect';
import { validateTopology } from '../../lib/model/graph';
import { defaultPlanOptions, planSystem, servicePlan } from '../../lib/model/plan';
import { renderServiceConnect } from '../../lib/model/service-connect';
import { LiveServiceConnect, Topology } from '../../lib/model/topology';
import { YELB } from '../../lib/model/yelb';

/** A live configuration the plan's own would not write: every field it can carry, none of the plan's choices. */
const DB_LIVE: LiveServiceConnect = {
  namespace: 'yelb.sc.internal',
  services: [
    {
      portName: 'yelb-db',
      discoveryName: 'postgres',
      clientAliases: [{ port: 5432, dnsName: 'yelb-db.yelb.cloudmap.internal' }],
      ingressPortOverride: 15432,
      timeout: { idleTimeoutSeconds: 600 },
    },
  ],
  logConfiguration: {
    logDriver: 'awslogs',
    options: { 'awslogs-group': 'legacy/envoy', 'awslogs-stream-prefix': 'pg' },
  },
  accessLogConfiguration: { format: 'TEXT', includeQueryParameters: 'ENABLED' },
};

/** Yelb with live configurations recorded, as discover writes them. */
function withLive(live: Record<string, LiveServiceConnect>): Topology {
  return {
    ...YELB,
    services: YELB.services.map((s) => (live[s.name] ? { ...s, serviceConnect: live[s.name] } : s)),
  };
}

const REFS = { namespace: 'arn:ns/yelb', logGroupName: 'ecs/serviceconnectdemo', region: 'eu-west-1' };
const render = (topology: Topology, name: string, phase: 'serviceConnect' | 'retired' = 'serviceConnect') =>
  renderServiceConnect(
    servicePlan(planSystem(topology, defaultPlanOptions(phase)), name).serviceConnect!,
    REFS
  );

describe('a live configuration in the topology', () => {
  test.each(['serviceConnect', 'retired'] as const)(
    'that serves the old name its callers use is kept, rendered back field for field (%s phase)',
    (phase) => {
      const { namespace: _byName, ...rest } = DB_LIVE;
      expect(render(withLive({ 'yelb-db': DB_LIVE }), 'yelb-db', phase)).toEqual({
        enabled: true,
        namespace: REFS.namespace,
        ...rest,
      });
    }
  );

  test("says what it holds to the plan's other readers: the endpoint, the proxy's logs", () => {
    const plan = servicePlan(
      planSystem(withLive({ 'yelb-db': DB_LIVE }), defaultPlanOptions('retired')),
      'yelb-db'
    );
    expect(plan.serviceConnect).toMatchObject({
      endpoint: {
        portName: 'yelb-db',
        discoveryName: 'postgres',
        alias: { host: 'yelb-db.yelb.cloudmap.internal', port: 5432 },
        idleTimeoutSeconds: 600,
      },
      logStreamPrefix: 'pg',
      logGroupName: 'legacy/envoy',
      accessLogs: true,
    });
  });

  test("a client-only service's is kept, and a service without one gets the plan's", () => {
    const ui: LiveServiceConnect = { namespace: 'yelb.sc.internal', services: [] };
    const topology = withLive({ 'yelb-ui': ui });
    expect(render(topology, 'yelb-ui')).toEqual({ enabled: true, namespace: REFS.namespace, services: [] });
    expect(render(topology, 'yelb-redis')).toEqual(render(YELB, 'yelb-redis'));
  });

  test("that does not serve the old name is replaced by the plan's", () => {
    const moved = {
      ...DB_LIVE,
      services: [{ ...DB_LIVE.services[0], clientAliases: [{ port: 5432, dnsName: 'db.internal' }] }],
    };
    expect(render(withLive({ 'yelb-db': moved }), 'yelb-db')).toEqual(render(YELB, 'yelb-db'));
  });

  test('changes nothing in the phase without Service Connect', () => {
    const plan = planSystem(withLive({ 'yelb-db': DB_LIVE }), defaultPlanOptions('discovery'));
    expect(servicePlan(plan, 'yelb-db').serviceConnect).toBeUndefined();
  });

  test('fails when the plan would replace it and take away the alias a caller uses, naming the caller', () => {
    const moved = {
      ...DB_LIVE,
      services: [{ ...DB_LIVE.services[0], clientAliases: [{ port: 5432, dnsName: 'db.internal' }] }],
    };
    const topology = withLive({ 'yelb-db': moved });
    const callers = {
      ...topology,
      services: topology.services.map((s) =>
        s.name === 'yelb-appserver'
          ? { ...s, calls: s.calls.map((c) => (c.service === 'yelb-db' ? { ...c, name: 'db.internal' } : c)) }
          : s
      ),
    };
    expect(() => validateTopology(topology)).not.toThrow();
    expect(() => validateTopology(callers)).toThrow(
      /services\[2\]\.serviceConnect: the plan replaces the live configuration \(it does not serve yelb-db\.yelb\.cloudmap\.internal:5432\) and so removes the endpoint postgres \(port name yelb-db, client alias db\.internal:5432\), which 'yelb-appserver' uses \(services\[1\]\.calls\[0\]\); allowed: a legacyDiscovery with that name, or 'yelb-appserver' moved to yelb-db\.yelb\.cloudmap\.internal first/
    );
  });

  test("a copy in the CDK app leaves it out: its namespace, logs and keys are the original's", () => {
    const copy = withDeployableDefaults(withLive({ 'yelb-db': DB_LIVE }));
    expect(copy.services.every((s) => s.serviceConnect === undefined)).toBe(true);
  });
});

describe('the names a live configuration answers on', () => {
  const TWO: LiveServiceConnect = {
    namespace: 'yelb.sc.internal',
    services: [
      {
        portName: 'admin',
        discoveryName: 'db-admin',
        clientAliases: [{ port: 8080, dnsName: 'db-admin.internal' }],
      },
      {
        portName: 'yelb-db',
        discoveryName: 'postgres',
        clientAliases: [
          {
            port: 5432,
            dnsName: 'YELB-DB.yelb.cloudmap.internal',
            testTrafficRules: { header: { name: 'x-green' } },
          },
        ],
        timeout: { perRequestTimeoutSeconds: 0 },
        tls: { issuerCertificateAuthority: { awsPcaAuthorityArn: 'arn:aws:acm-pca:eu-west-1:1:ca/1' } },
      },
    ],
  };

  test('each client alias, its name in lower case, with the endpoint that answers', () => {
    expect(liveNames(TWO)).toEqual([
      { host: 'db-admin.internal', port: 8080, discoveryName: 'db-admin', portName: 'admin' },
      { host: 'yelb-db.yelb.cloudmap.internal', port: 5432, discoveryName: 'postgres', portName: 'yelb-db' },
    ]);
  });

  test.each([
    ['its alias, written in another case', 'yelb-db.yelb.cloudmap.internal', 5432, true],
    ['another port', 'yelb-db.yelb.cloudmap.internal', 8080, false],
    ['another name on the port', 'db-admin.yelb.cloudmap.internal', 5432, false],
  ])('serves %s: %s:%i is %s', (_what, host, port, served) => {
    expect(servesName(TWO, { host, port })).toBe(served);
  });

  test("an adopted plan's endpoint is the one that answers on the old name, with what it holds", () => {
    expect(adoptedPlan(TWO, { host: 'yelb-db.yelb.cloudmap.internal', port: 5432 }).endpoint).toEqual({
      portName: 'yelb-db',
      discoveryName: 'postgres',
      alias: { host: 'yelb-db.yelb.cloudmap.internal', port: 5432 },
      perRequestTimeoutSeconds: 0,
      tlsCertificateAuthorityArn: 'arn:aws:acm-pca:eu-west-1:1:ca/1',
      testTrafficHeader: 'x-green',
    });
  });
});
