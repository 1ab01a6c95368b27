import { inferTopology } from '../../lib/discover/infer';
import type { Service, TaskDefinition } from '@aws-sdk/client-ecs';
import type { Listener, Rule } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ClusterSnapshot } from '../../lib/discover/snapshot';

// The inference alone, on plain objects in the APIs' shapes: the cases a fixture cluster does not show.
const LB = 'arn:lb/app/shared/1';
const LB_DNS = 'internal-shared-1.eu-west-1.elb.amazonaws.com';

function snapshot(parts: Partial<ClusterSnapshot>): ClusterSnapshot {
  return {
    region: 'eu-west-1',
    cluster: 'c',
    services: [],
    taskDefinitions: new Map(),
    registries: new Map(),
    namespaces: new Map(),
    namespaceServices: new Map(),
    instances: new Map(),
    targetGroups: [],
    loadBalancers: [],
    idleTimeouts: new Map(),
    listeners: [],
    rules: new Map(),
    records: [],
    ...parts,
  };
}

/** A service with one container (its environment, a port) attached to `targetGroup`. */
function service(
  name: string,
  env: Record<string, string>,
  port?: number,
  targetGroup?: string
): { service: Service; taskDefinition: [string, TaskDefinition] } {
  return {
    service: {
      serviceName: name,
      status: 'ACTIVE',
      taskDefinition: `td/${name}`,
      desiredCount: 1,
      ...(targetGroup && {
        loadBalancers: [{ targetGroupArn: targetGroup, containerName: name, containerPort: port }],
      }),
    },
    taskDefinition: [
      `td/${name}`,
      {
        family: name,
        containerDefinitions: [
          {
            name,
            image: 'x',
            healthCheck: { command: ['CMD', 'true'] },
            portMappings: port ? [{ containerPort: port, name: `${name}-port` }] : [],
            environment: Object.entries(env).map(([k, v]) => ({ name: k, value: v })),
          },
        ],
      },
    ],
  };
}

/** One internal ALB, two listeners (80 → a, 8080 → b), and names that point at it. */
function sharedLoadBalancer(records: ClusterSnapshot['records'], callerEnv: Record<string, string>) {
  const a = service('a', {}, 3000, 'tg-a');
  const b = service('b', {}, 4000, 'tg-b');
  const caller = service('caller', callerEnv);
  const all = [a, b, caller];
  return snapshot({
    services: all.map((s) => s.service),
    taskDefinitions: new Map(all.map((s) => s.taskDefinition)),
    targetGroups: [
      { TargetGroupArn: 'tg-a', Protocol: 'HTTP', LoadBalancerArns: [LB] },
      { TargetGroupArn: 'tg-b', Protocol: 'HTTP', LoadBalancerArns: [LB] },
    ],
    loadBalancers: [
      {
        LoadBalancerArn: LB,
        LoadBalancerName: 'shared',
        DNSName: LB_DNS,
        Scheme: 'internal',
        Type: 'application',
      },
    ],
    listeners: [
      {
        ListenerArn: 'l80',
        LoadBalancerArn: LB,
        Port: 80,
        Protocol: 'HTTP',
        DefaultActions: [{ Type: 'forward', TargetGroupArn: 'tg-a' }],
      },
      {
        ListenerArn: 'l8080',
        LoadBalancerArn: LB,
        Port: 8080,
        Protocol: 'HTTP',
        DefaultActions: [{ Type: 'forward', TargetGroupArn: 'tg-b' }],
      },
    ],
    records,
  });
}

describe('inferTopology', () => {
  test('tells two services behind one name apart by the port, and lists the name without one as ambiguous', () => {
    const { topology, unmatched } = inferTopology(
      sharedLoadBalancer(
        [
          {
            zone: 'x.internal.',
            record: {
              Name: 'shared.x.internal.',
              Type: 'A',
              AliasTarget: {
                DNSName: `dualstack.${LB_DNS}.`,
                HostedZoneId: 'Z',
                EvaluateTargetHealth: false,
              },
            },
          },
        ],
        {
          A_URL: 'http://shared.x.internal',
          B_URL: 'http://shared.x.internal:8080/v1',
          WHICH: 'shared.x.internal',
        }
      )
    );
    const caller = topology.services.find((s) => s.name === 'caller')!;
    expect(caller.calls.map((c) => [c.service, c.env])).toEqual([
      ['a', 'A_URL'],
      ['b', 'B_URL'],
    ]);
    expect(unmatched).toEqual([
      {
        service: 'caller',
        evidence:
          'container caller, environment WHICH (more than one service answers on this name; give the port)',
        address: 'shared.x.internal',
      },
    ]);
    // Two services, two ports: one alias each, no duplicate.
    expect(topology.services.find((s) => s.name === 'a')!.legacyDiscovery).toMatchObject({
      dnsName: 'shared.x.internal',
      port: 80,
    });
    expect(topology.services.find((s) => s.name === 'b')!.legacyDiscovery).toMatchObject({
      dnsName: 'shared.x.internal',
      port: 8080,
    });
  });

  test('follows a CNAME to the load balancer, and its own DNS name', () => {
    const { topology } = inferTopology(
      sharedLoadBalancer(
        [
          {
            zone: 'x.internal.',
            record: { Name: 'api.x.internal.', Type: 'CNAME', ResourceRecords: [{ Value: LB_DNS }] },
          },
        ],
        {
          A: 'http://api.x.internal',
          B: `http://${LB_DNS}:8080`,
        }
      )
    );
    const caller = topology.services.find((s) => s.name === 'caller')!;
    expect(caller.calls.map((c) => [c.service, c.env])).toEqual([
      ['a', 'A'],
      ['b', 'B'],
    ]);
    expect(topology.services.find((s) => s.name === 'b')!.legacyDiscovery).toMatchObject({
      dnsName: LB_DNS,
      port: 8080,
    });
  });

  test('reports a CodeDeploy service, a Classic Load Balancer and a service already on Service Connect', () => {
    const legacy = service('legacy', {}, 80);
    const { findings } = inferTopology(
      snapshot({
        services: [
          {
            ...legacy.service,
            loadBalancers: [{ loadBalancerName: 'classic-1', containerName: 'legacy', containerPort: 80 }],
            deploymentController: { type: 'CODE_DEPLOY' },
            deployments: [
              { status: 'PRIMARY', serviceConnectConfiguration: { enabled: true, namespace: 'arn:ns/1' } },
            ],
          },
        ],
        taskDefinitions: new Map([legacy.taskDefinition]),
      })
    );
    expect(findings.map((f) => f.code)).toEqual([
      'deployment-controller',
      'proxy-log-group',
      'classic-load-balancer',
      'already-service-connect',
      'copy-public-entry',
    ]);
  });
});

/** An internal ALB's listener on `port`: its default action, and host rules. */
function listener(
  port: number,
  defaultGroup: string,
  hostRules: Record<string, string> = {}
): { listener: Listener; rules: Rule[] } {
  return {
    listener: {
      ListenerArn: `l${port}`,
      LoadBalancerArn: LB,
      Port: port,
      Protocol: 'HTTP',
      DefaultActions: [{ Type: 'forward', TargetGroupArn: defaultGroup }],
    },
    rules: Object.entries(hostRules).map(([host, group], i) => ({
      RuleArn: `l${port}/rule/${i}`,
      IsDefault: false,
      Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: [host] } }],
      Actions: [{ Type: 'forward', TargetGroupArn: group }],
    })),
  };
}

/** `services` behind the one internal ALB (each on its target group `tg-<name>`), with `listeners` and alias records to it. */
function behindLoadBalancer(
  services: ReturnType<typeof service>[],
  listeners: ReturnType<typeof listener>[],
  aliases: readonly string[],
  idleTimeout = 60
): ClusterSnapshot {
  return snapshot({
    services: services.map((s) => s.service),
    taskDefinitions: new Map(services.map((s) => s.taskDefinition)),
    targetGroups: services
      .filter((s) => s.service.loadBalancers)
      .map((s) => ({
        TargetGroupArn: `tg-${s.service.serviceName}`,
        Protocol: 'HTTP',
        LoadBalancerArns: [LB],
      })),
    loadBalancers: [
      {
        LoadBalancerArn: LB,
        LoadBalancerName: 'shared',
        DNSName: LB_DNS,
        Scheme: 'internal',
        Type: 'application',
      },
    ],
    idleTimeouts: new Map([[LB, idleTimeout]]),
    listeners: listeners.map((l) => l.listener),
    rules: new Map(listeners.map((l) => [l.listener.ListenerArn!, l.rules])),
    records: aliases.map((name) => ({
      zone: 'x.internal.',
      record: {
        Name: `${name}.`,
        Type: 'A',
        AliasTarget: { DNSName: `dualstack.${LB_DNS}.`, HostedZoneId: 'Z', EvaluateTargetHealth: false },
      },
    })),
  });
}

describe('inferTopology, at the edges a mutation run found untested', () => {
  test("takes a host rule's service for a name over another listener's default action", () => {
    // shared.x.internal: a host rule of listener 80 sends it to b; listener 8080's default action to a.
    const { topology, unmatched } = inferTopology(
      behindLoadBalancer(
        [
          service('a', {}, 3000, 'tg-a'),
          service('b', {}, 4000, 'tg-b'),
          service('caller', { SHARED: 'shared.x.internal', A_URL: 'http://shared.x.internal:8080' }),
        ],
        [listener(80, 'tg-other', { 'shared.x.internal': 'tg-b' }), listener(8080, 'tg-a')],
        ['shared.x.internal']
      )
    );
    expect(unmatched).toEqual([]);
    const caller = topology.services.find((s) => s.name === 'caller')!;
    expect(caller.calls.map((c) => [c.service, c.env])).toEqual([
      ['b', 'SHARED'],
      ['a', 'A_URL'],
    ]);
  });

  test("does not take a service's own name in its environment as a call to itself", () => {
    const { topology, unmatched } = inferTopology(
      behindLoadBalancer(
        [
          service('a', { PUBLIC_URL: 'http://a.x.internal', SELF: 'a.x.internal:80' }, 3000, 'tg-a'),
          service('caller', { A: 'http://a.x.internal' }),
        ],
        [listener(80, 'tg-a')],
        ['a.x.internal']
      )
    );
    expect(topology.services.find((s) => s.name === 'a')!.calls).toEqual([]);
    expect(topology.services.find((s) => s.name === 'caller')!.calls.map((c) => c.service)).toEqual(['a']);
    expect(unmatched).toEqual([]);
  });

  test.each([
    [15, false],
    [16, true],
  ])(
    "an idle timeout of %i s: longer than Service Connect's 15 s per-request default is %s",
    (idle, tooLong) => {
      const { topology, findings } = inferTopology(
        behindLoadBalancer(
          [service('a', {}, 3000, 'tg-a'), service('caller', { A: 'http://a.x.internal' })],
          [listener(80, 'tg-a')],
          ['a.x.internal'],
          idle
        )
      );
      expect(findings.some((f) => f.code === 'lb-idle-timeout')).toBe(tooLong);
      expect(topology.services.find((s) => s.name === 'a')!.timeouts).toEqual(
        tooLong ? { perRequestSeconds: idle } : undefined
      );
    }
  );

  test("a client-only service's container is its first essential one, not its first", () => {
    const worker: TaskDefinition = {
      family: 'worker',
      containerDefinitions: [
        { name: 'log-router', image: 'fluent-bit', essential: false },
        { name: 'app', image: 'shop/worker:9', essential: true },
        { name: 'other', image: 'shop/other:1', essential: true },
      ],
    };
    const { topology } = inferTopology(
      snapshot({
        services: [{ serviceName: 'worker', status: 'ACTIVE', taskDefinition: 'td/worker', desiredCount: 1 }],
        taskDefinitions: new Map([['td/worker', worker]]),
      })
    );
    expect(topology.services[0]).toMatchObject({ container: 'app', image: 'shop/worker:9' });
  });
});

/** `services` found through Cloud Map names `<name>.x.local`. */
function inCloudMap(services: ReturnType<typeof service>[], registered: readonly string[]): ClusterSnapshot {
  const arn = (name: string) => `arn:aws:servicediscovery:eu-west-1:111111111111:service/srv-${name}`;
  return snapshot({
    services: services.map((s) =>
      registered.includes(s.service.serviceName!)
        ? {
            ...s.service,
            serviceArn: `arn:aws:ecs:eu-west-1:111111111111:service/c/${s.service.serviceName}`,
            serviceRegistries: [{ registryArn: arn(s.service.serviceName!) }],
          }
        : {
            ...s.service,
            serviceArn: `arn:aws:ecs:eu-west-1:111111111111:service/c/${s.service.serviceName}`,
          }
    ),
    taskDefinitions: new Map(services.map((s) => s.taskDefinition)),
    registries: new Map(
      registered.map((name) => [arn(name), { Id: `srv-${name}`, Name: name, NamespaceId: 'ns-x' }])
    ),
    namespaces: new Map([['ns-x', { Id: 'ns-x', Name: 'x.local' }]]),
  });
}

/** `s` with its one container changed. */
function withContainer(
  s: ReturnType<typeof service>,
  change: Partial<NonNullable<TaskDefinition['containerDefinitions']>[number]>,
  taskChange: Partial<TaskDefinition> = {}
): ReturnType<typeof service> {
  const [arn, td] = s.taskDefinition;
  return {
    service: s.service,
    taskDefinition: [
      arn,
      { ...td, ...taskChange, containerDefinitions: [{ ...td.containerDefinitions![0], ...change }] },
    ],
  };
}

describe('findings a person reads', () => {
  const codes = (findings: readonly { code: string; services: readonly string[] }[], code: string) =>
    findings.filter((f) => f.code === code).map((f) => f.services.join(' '));

  test('no health check: a warning behind a load balancer, which waited for its check; a note for a Cloud Map name, which never did', () => {
    const behindLb = inferTopology(
      behindLoadBalancer(
        [
          withContainer(service('a', {}, 3000, 'tg-a'), { healthCheck: undefined }),
          service('caller', { A: 'http://a.x.internal' }),
        ],
        [listener(80, 'tg-a')],
        ['a.x.internal']
      )
    ).findings.find((f) => f.code === 'no-health-check')!;
    expect(behindLb).toMatchObject({
      severity: 'warning',
      why: expect.stringMatching(/^Today the load balancer/),
    });

    const cloudMap = inferTopology(
      inCloudMap(
        [
          withContainer(service('b', {}, 3000), { healthCheck: undefined }),
          service('caller', { B: 'b.x.local' }),
        ],
        ['b']
      )
    ).findings.find((f) => f.code === 'no-health-check')!;
    expect(cloudMap).toMatchObject({
      severity: 'info',
      why: expect.stringMatching(/^Nothing changes here: Cloud Map/),
    });
    expect(cloudMap.why).not.toMatch(/load balancer (waited|sends)/);
  });

  test('nginx by its command, or as a port 80 server with upstream URLs in its environment, not only by its image', () => {
    const backend = service('backend', {}, 4567);
    const nginxOf = (caller: ReturnType<typeof service>) =>
      inferTopology(inCloudMap([backend, caller], ['backend'])).findings.filter(
        (f) => f.code === 'nginx-ipv6'
      );
    const byCommand = withContainer(service('gateway', { UP: 'backend.x.local' }, 8080), {
      image: 'shop/gateway:3',
      command: ['sh', '-c', "envsubst < /tmpl > /etc/nginx/conf.d/default.conf && nginx -g 'daemon off;'"],
    });
    expect(nginxOf(byCommand)).toEqual([
      expect.objectContaining({
        what: expect.stringMatching(/^gateway runs nginx \(container gateway runs: sh -c envsubst/),
      }),
    ]);
    // yelb-ui: mreferre/yelb-ui, nginx on port 80 with proxy_pass $YELB_APPSERVER_ENDPOINT.
    const yelbUi = withContainer(
      service('ui', { YELB_APPSERVER_ENDPOINT: 'http://backend.x.local:4567' }, 80),
      {
        image: 'mreferre/yelb-ui:0.10',
      }
    );
    expect(nginxOf(yelbUi)).toEqual([
      expect.objectContaining({
        what: expect.stringMatching(/upstream URLs, YELB_APPSERVER_ENDPOINT\) and calls backend by name/),
      }),
    ]);
    // An application server that calls by URL is not nginx.
    const app = withContainer(service('app', { BACKEND_ENDPOINT: 'http://backend.x.local:4567' }, 8080), {
      image: 'shop/app:1',
    });
    expect(nginxOf(app)).toEqual([]);
  });

  test("a service that logs to no CloudWatch group: its proxy's log group and the execution role that must write there", () => {
    const logged = withContainer(service('a', {}, 3000), {
      logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/c' } },
    });
    const silent = withContainer(
      service('b', {}, 4000),
      { logConfiguration: { logDriver: 'splunk' } },
      { executionRoleArn: 'arn:aws:iam::111111111111:role/b-exec' }
    );
    const { topology, findings } = inferTopology(inCloudMap([logged, silent], []));
    expect(topology.logGroupName).toBe('/ecs/c');
    expect(findings.filter((f) => f.code === 'proxy-log-group')).toEqual([
      expect.objectContaining({
        services: ['b'],
        what: "b's containers do not log to CloudWatch Logs; its Service Connect proxy will, to /ecs/c, through its task execution role (arn:aws:iam::111111111111:role/b-exec).",
      }),
    ]);
    // No service logs there: the file has no log group, and the finding says to add one.
    const none = inferTopology(inCloudMap([silent], [])).findings.find((f) => f.code === 'proxy-log-group')!;
    expect(none.action).toMatch(/^Add logGroupName to the file/);
  });

  test('what a copy in the CDK app cannot take from the cluster: a data volume, images it cannot pull, one public entry', () => {
    const db = withContainer(
      service('db', {}, 5432),
      { mountPoints: [{ sourceVolume: 'data', containerPath: '/var/lib/postgresql/data' }] },
      { volumes: [{ name: 'data', efsVolumeConfiguration: { fileSystemId: 'fs-1' } }] }
    );
    const privateImage = withContainer(service('p', {}, 80), {
      image: 'registry.example.com/team/p:1',
      repositoryCredentials: {
        credentialsParameter: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:r',
      },
    });
    const otherAccount = withContainer(service('o', {}, 81), {
      image: '222222222222.dkr.ecr.eu-west-1.amazonaws.com/o:1',
    });
    const ownAccount = withContainer(service('s', {}, 82), {
      image: '111111111111.dkr.ecr.eu-west-1.amazonaws.com/s:1',
    });
    const { findings } = inferTopology(inCloudMap([db, privateImage, otherAccount, ownAccount], []));
    expect(findings.find((f) => f.code === 'copy-data-volume')).toMatchObject({
      services: ['db'],
      what: 'db keeps files on a volume (volume data at /var/lib/postgresql/data, EFS fs-1).',
    });
    expect(codes(findings, 'copy-image')).toEqual(['o', 'p']);
    expect(findings.find((f) => f.code === 'copy-image' && f.services[0] === 'o')!.what).toMatch(
      /in the ECR of another account \(222222222222\)/
    );
    expect(codes(findings, 'copy-public-entry')).toEqual(['']);
  });
});

describe('inferTopology of a cluster on Service Connect', () => {
  const NS = 'arn:aws:servicediscovery:eu-west-1:1:namespace/ns-sc';

  /** `svc` running Service Connect in c.sc.internal with these endpoints. */
  function onServiceConnect(
    svc: ReturnType<typeof service>,
    endpoints: NonNullable<
      NonNullable<Service['deployments']>[number]['serviceConnectConfiguration']
    >['services']
  ): ReturnType<typeof service> {
    return {
      ...svc,
      service: {
        ...svc.service,
        deployments: [
          {
            status: 'PRIMARY',
            serviceConnectConfiguration: { enabled: true, namespace: NS, services: endpoints },
          },
        ],
      },
    };
  }

  const namespaces = (endpoints: string[]) =>
    new Map([
      [
        NS,
        {
          namespace: { Id: 'ns-sc', Arn: NS, Name: 'c.sc.internal', Type: 'HTTP' as const },
          endpoints: endpoints.map((Name) => ({ Name })),
        },
      ],
    ]);

  test('keeps the name its live configuration answers on, though more callers use another', () => {
    const api = onServiceConnect(service('api', {}, 3000, 'tg-api'), [
      {
        portName: 'api-port',
        discoveryName: 'api-port',
        clientAliases: [{ port: 80, dnsName: 'a.x.internal' }],
      },
    ]);
    const callers = [
      service('c1', { U: 'http://b.x.internal' }),
      service('c2', { U: 'http://b.x.internal' }),
      service('c3', { U: 'http://a.x.internal' }),
    ];
    const { topology } = inferTopology({
      ...behindLoadBalancer([api, ...callers], [listener(80, 'tg-api')], ['a.x.internal', 'b.x.internal']),
      serviceConnectNamespaces: namespaces(['api-port']),
    });
    const named = (name: string) => topology.services.find((s) => s.name === name)!;
    expect(named('api').legacyDiscovery).toMatchObject({
      kind: 'internalAlb',
      dnsName: 'a.x.internal',
      port: 80,
    });
    expect(named('c1').calls).toEqual([expect.objectContaining({ service: 'api', name: 'b.x.internal' })]);
    expect(named('c3').calls[0].name).toBeUndefined();
    expect(topology.serviceConnectNamespace).toBe('c.sc.internal');
  });

  test('keeps its live discovery name, and gives a new endpoint one that no endpoint in the namespace has', () => {
    const a = onServiceConnect(service('a', {}, 3000, 'tg-a'), [
      { portName: 'a-port', discoveryName: 'custom', clientAliases: [{ port: 80, dnsName: 'a.x.internal' }] },
    ]);
    const b = service('b', {}, 4000, 'tg-b');
    const caller = service('caller', { A: 'http://a.x.internal', B: 'http://b.x.internal:8080' });
    const { topology } = inferTopology({
      ...behindLoadBalancer(
        [a, b, caller],
        [listener(80, 'tg-a'), listener(8080, 'tg-b')],
        ['a.x.internal', 'b.x.internal']
      ),
      // b-port: another cluster's endpoint in the namespace.
      serviceConnectNamespaces: namespaces(['custom', 'b-port']),
    });
    const named = (name: string) => topology.services.find((s) => s.name === name)!;
    expect(named('a')).toMatchObject({ portName: 'a-port', discoveryName: 'custom' });
    expect(named('b')).toMatchObject({ portName: 'b-port', discoveryName: 'b-b-port' });
  });

  test("a caller of a live alias by ECS's default name, or by its dnsName in another case, calls the service; the service keeps its live names", () => {
    const a = onServiceConnect(service('a', {}, 3000), [
      { portName: 'a-port', discoveryName: 'a-http', clientAliases: [{ port: 80 }] },
    ]);
    const b = onServiceConnect(service('b', {}, 9000), [
      {
        portName: 'b-port',
        discoveryName: 'b-custom',
        clientAliases: [{ port: 9000, dnsName: 'B.X.Internal' }],
      },
    ]);
    const caller = service('caller', { A: 'http://a-http.c.sc.internal', B: 'b.x.internal:9000' });
    const all = [a, b, caller];
    const { topology, unmatched } = inferTopology(
      snapshot({
        services: all.map((s) => s.service),
        taskDefinitions: new Map(all.map((s) => s.taskDefinition)),
        serviceConnectNamespaces: namespaces(['a-http', 'b-custom']),
      })
    );
    const named = (name: string) => topology.services.find((s) => s.name === name)!;
    expect(named('caller').calls.map((c) => [c.service, c.env])).toEqual([
      ['a', 'A'],
      ['b', 'B'],
    ]);
    expect(unmatched).toEqual([]);
    expect(named('a')).toMatchObject({
      portName: 'a-port',
      discoveryName: 'a-http',
      legacyDiscovery: { dnsName: 'a-http.c.sc.internal', port: 80 },
    });
    expect(named('b')).toMatchObject({
      portName: 'b-port',
      discoveryName: 'b-custom',
      legacyDiscovery: { dnsName: 'b.x.internal', port: 9000 },
    });
  });

  test('without an old path, a caller of a live alias calls the service on the port its endpoint names', () => {
    const search = onServiceConnect(
      {
        ...service('search', {}),
        taskDefinition: [
          'td/search',
          {
            family: 'search',
            containerDefinitions: [
              {
                name: 'search',
                image: 'x',
                portMappings: [
                  { containerPort: 9300, name: 'transport' },
                  { containerPort: 9200, name: 'http' },
                ],
              },
            ],
          },
        ],
      },
      [
        {
          portName: 'http',
          discoveryName: 'http',
          clientAliases: [{ port: 9200, dnsName: 'search.x.internal' }],
        },
      ]
    );
    const caller = service('caller', { SEARCH: 'search.x.internal:9200' });
    const { topology, findings, unmatched } = inferTopology(
      snapshot({
        services: [search.service, caller.service],
        taskDefinitions: new Map([search.taskDefinition, caller.taskDefinition]),
        serviceConnectNamespaces: namespaces(['http']),
      })
    );
    const found = topology.services.find((s) => s.name === 'search')!;
    expect(found).toMatchObject({
      port: 9200,
      portName: 'http',
      legacyDiscovery: {
        kind: 'internalAlb',
        dnsName: 'search.x.internal',
        port: 9200,
        oldPathNotFound:
          'no registry or target group is attached, and its deployment history (ECS keeps 90 days) names none',
      },
    });
    expect(topology.services.find((s) => s.name === 'caller')!.calls).toEqual([
      expect.objectContaining({ service: 'search', env: 'SEARCH', format: 'text' }),
    ]);
    expect(unmatched).toEqual([]);
    expect(findings.filter((f) => f.code === 'old-path-not-found').map((f) => f.services)).toEqual([
      ['search'],
    ]);
  });
});
