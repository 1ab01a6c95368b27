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
      'classic-load-balancer',
      'already-service-connect',
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
