import { inferTopology } from '../../lib/discover/infer';
import type { Service, TaskDefinition } from '@aws-sdk/client-ecs';
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
