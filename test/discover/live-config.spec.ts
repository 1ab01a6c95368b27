import type { Deployment, Service } from '@aws-sdk/client-ecs';
import { liveConfigurationOf, takenEndpointNames } from '../../lib/discover/live-config';
import { ClusterSnapshot } from '../../lib/discover/snapshot';
import { serviceSpecSchema } from '../../lib/model/topology';

// What discover records of a service's live Service Connect configuration, on plain objects in
// ECS's shape: every field a configuration can carry, which the fake's deployments do not all show.
const NS = 'arn:aws:servicediscovery:eu-west-1:111111111111:namespace/ns-sc';

function snapshot(services: Service[], endpoints: string[] = []): ClusterSnapshot {
  return {
    region: 'eu-west-1',
    cluster: 'c',
    services,
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
    serviceConnectNamespaces: new Map([
      [
        NS,
        {
          namespace: { Id: 'ns-sc', Arn: NS, Name: 'c.sc.internal', Type: 'HTTP' },
          endpoints: endpoints.map((Name) => ({ Name })),
        },
      ],
    ]),
  };
}

const withDeployments = (name: string, deployments: Deployment[]): Service => ({
  serviceName: name,
  deployments,
});

/** A configuration with every field ECS reports, as DescribeServices answers it. */
const EVERYTHING: Deployment['serviceConnectConfiguration'] = {
  enabled: true,
  namespace: NS,
  services: [
    {
      portName: 'http',
      discoveryName: 'api',
      clientAliases: [
        {
          port: 80,
          dnsName: 'API.x.internal',
          testTrafficRules: { header: { name: 'x-canary', value: { exact: 'green' } } },
        },
      ],
      ingressPortOverride: 15080,
      timeout: { idleTimeoutSeconds: 300, perRequestTimeoutSeconds: 60 },
      tls: {
        issuerCertificateAuthority: { awsPcaAuthorityArn: 'arn:aws:acm-pca:eu-west-1:1:ca/1' },
        kmsKey: 'arn:aws:kms:eu-west-1:1:key/1',
        roleArn: 'arn:aws:iam::1:role/sc-tls',
      },
    },
    // ECS's defaults: the discovery name is the port name, the alias's name <discoveryName>.<namespace>.
    { portName: 'grpc', clientAliases: [{ port: 9090 }], timeout: { perRequestTimeoutSeconds: 0 } },
  ],
  logConfiguration: {
    logDriver: 'awslogs',
    options: { 'awslogs-group': 'api/envoy', 'awslogs-stream-prefix': 'envoy' },
  },
  accessLogConfiguration: { format: 'TEXT', includeQueryParameters: 'ENABLED' },
};

const RECORDED = {
  namespace: 'c.sc.internal',
  services: [
    {
      portName: 'http',
      discoveryName: 'api',
      clientAliases: [
        {
          port: 80,
          dnsName: 'API.x.internal',
          testTrafficRules: { header: { name: 'x-canary', value: { exact: 'green' } } },
        },
      ],
      ingressPortOverride: 15080,
      timeout: { idleTimeoutSeconds: 300, perRequestTimeoutSeconds: 60 },
      tls: {
        issuerCertificateAuthority: { awsPcaAuthorityArn: 'arn:aws:acm-pca:eu-west-1:1:ca/1' },
        kmsKey: 'arn:aws:kms:eu-west-1:1:key/1',
        roleArn: 'arn:aws:iam::1:role/sc-tls',
      },
    },
    {
      portName: 'grpc',
      discoveryName: 'grpc',
      clientAliases: [{ port: 9090, dnsName: 'grpc.c.sc.internal' }],
      timeout: { perRequestTimeoutSeconds: 0 },
    },
  ],
  logConfiguration: {
    logDriver: 'awslogs',
    options: { 'awslogs-group': 'api/envoy', 'awslogs-stream-prefix': 'envoy' },
  },
  accessLogConfiguration: { format: 'TEXT', includeQueryParameters: 'ENABLED' },
};

const OLDER: Deployment = {
  status: 'ACTIVE',
  serviceConnectConfiguration: {
    enabled: true,
    namespace: NS,
    services: [{ portName: 'old', clientAliases: [{ port: 81 }] }],
  },
};

describe('liveConfigurationOf', () => {
  test.each([
    ['PRIMARY first', [{ status: 'PRIMARY', serviceConnectConfiguration: EVERYTHING }, OLDER]],
    ['PRIMARY last', [OLDER, { status: 'PRIMARY', serviceConnectConfiguration: EVERYTHING }]],
  ])(
    "records the PRIMARY deployment's configuration field for field, the namespace by name and ECS's defaults filled in (%s)",
    (_order, deployments) => {
      const api = withDeployments('api', deployments);
      const recorded = liveConfigurationOf(api, snapshot([api]));
      expect(recorded).toEqual(RECORDED);
      // What the topology file's schema takes.
      expect(serviceSpecSchema.shape.serviceConnect.parse(recorded)).toEqual(RECORDED);
    }
  );

  test("access logs without includeQueryParameters: ECS's default, DISABLED; a proxy that does not log to CloudWatch Logs: no log configuration", () => {
    const api = withDeployments('api', [
      {
        status: 'PRIMARY',
        serviceConnectConfiguration: {
          enabled: true,
          namespace: NS,
          services: [],
          logConfiguration: { logDriver: 'fluentd', options: { tag: 'envoy' } },
          accessLogConfiguration: { format: 'JSON' },
        },
      },
    ]);
    expect(liveConfigurationOf(api, snapshot([api]))).toEqual({
      namespace: 'c.sc.internal',
      services: [],
      accessLogConfiguration: { format: 'JSON', includeQueryParameters: 'DISABLED' },
    });
  });

  test('none for a service whose PRIMARY deployment has Service Connect off, or that has none', () => {
    const off = withDeployments('off', [
      { status: 'PRIMARY', serviceConnectConfiguration: { enabled: false, namespace: NS } },
      OLDER,
    ]);
    expect(liveConfigurationOf(off, snapshot([off]))).toBeUndefined();
    const never = withDeployments('never', [{ status: 'PRIMARY' }]);
    expect(liveConfigurationOf(never, snapshot([never]))).toBeUndefined();
  });
});

describe('takenEndpointNames', () => {
  test("every endpoint in the namespace (other clusters' too) and every discovery name the services run with", () => {
    const api = withDeployments('api', [{ status: 'PRIMARY', serviceConnectConfiguration: EVERYTHING }]);
    // 'api' and 'grpc' not listed by Cloud Map yet (ECS creates them as the deployment starts).
    expect([...takenEndpointNames(snapshot([api], ['orders-8080', 'other-cluster']))].sort()).toEqual([
      'api',
      'grpc',
      'orders-8080',
      'other-cluster',
    ]);
  });
});
