import { FakeAws } from './fake-aws';
import { LiveCluster, LiveService, LiveStack } from './live-cluster';
import { YELB_SAMPLE } from './yelb-sample-stack';

/**
 * The sample's four services over several stacks, one per service as Copilot makes them
 * (`<app>-<env>-<service>`: its task definition, service, Cloud Map service or target group, with
 * Copilot's parameters and manifest in the template, and Copilot's tags, which CloudFormation
 * passes on to the service), the load balancers and the alias record in the environment's stack.
 * The templates are JSON, two spaces, as `copilot svc package` writes them. `untagged` names
 * services that carry no tags at all (only DescribeStackResources finds their stack).
 */

export const APP = 'yelb';
export const ENV = 'test';
export const ENV_STACK = `${APP}-${ENV}`;

/** The stack of a service: `yelb-test-yelb-db`. */
export function stackOf(service: string): string {
  return `${APP}-${ENV}-${service}`;
}

/** The cluster, each service in its own stack. */
export function splitCluster(untagged: readonly string[] = []): LiveCluster {
  return {
    ...YELB_SAMPLE,
    services: YELB_SAMPLE.services.map((svc): LiveService => {
      const stack: LiveStack = {
        name: stackOf(svc.name),
        service: 'Service',
        taskDefinition: 'TaskDefinition',
        ...(svc.cloudMap && { registry: 'DiscoveryService' }),
        ...(svc.internal && {
          targetGroup: 'TargetGroup',
          record: { stack: ENV_STACK, logicalId: 'AppServerAliasRecord' },
        }),
        copilot: { app: APP, env: ENV },
        ...(untagged.includes(svc.name) && { untagged: true }),
      };
      return { ...svc, stack };
    }),
  };
}

/** A service's stack as Copilot writes it (the parts the export reads), JSON. */
export function copilotTemplate(svc: LiveService): string {
  const container = svc.containers[0];
  const port = container.ports![0].containerPort;
  const resources: Record<string, unknown> = {
    TaskDefinition: {
      Type: 'AWS::ECS::TaskDefinition',
      Properties: {
        Family: {
          'Fn::Join': ['', [{ Ref: 'AppName' }, '-', { Ref: 'EnvName' }, '-', { Ref: 'WorkloadName' }]],
        },
        Cpu: '256',
        Memory: '512',
        NetworkMode: 'awsvpc',
        RequiresCompatibilities: ['FARGATE'],
        ContainerDefinitions: [
          {
            Name: { Ref: 'WorkloadName' },
            Image: { Ref: 'ContainerImage' },
            PortMappings: [{ ContainerPort: port }],
          },
        ],
      },
    },
    Service: {
      Type: 'AWS::ECS::Service',
      Properties: {
        Cluster: { 'Fn::ImportValue': { 'Fn::Sub': '${AppName}-${EnvName}-ClusterId' } },
        TaskDefinition: { Ref: 'TaskDefinition' },
        DesiredCount: svc.desiredCount ?? 1,
        LaunchType: 'FARGATE',
        ...(svc.cloudMap && {
          ServiceRegistries: [{ RegistryArn: { 'Fn::GetAtt': ['DiscoveryService', 'Arn'] }, Port: port }],
        }),
        ...(svc.internal && {
          LoadBalancers: [
            {
              ContainerName: { Ref: 'WorkloadName' },
              ContainerPort: port,
              TargetGroupArn: { Ref: 'TargetGroup' },
            },
          ],
        }),
      },
    },
    ...(svc.cloudMap && {
      DiscoveryService: {
        Type: 'AWS::ServiceDiscovery::Service',
        Properties: {
          Name: { Ref: 'WorkloadName' },
          DnsConfig: { DnsRecords: [{ Type: 'A', TTL: 10 }], RoutingPolicy: 'MULTIVALUE' },
          NamespaceId: {
            'Fn::ImportValue': { 'Fn::Sub': '${AppName}-${EnvName}-ServiceDiscoveryNamespaceID' },
          },
        },
      },
    }),
    ...(svc.internal && {
      TargetGroup: {
        Type: 'AWS::ElasticLoadBalancingV2::TargetGroup',
        Properties: {
          Port: port,
          Protocol: 'HTTP',
          TargetType: 'ip',
          HealthCheckPath: svc.internal.healthCheckPath,
        },
      },
    }),
  };
  return `${JSON.stringify(
    {
      AWSTemplateFormatVersion: '2010-09-09',
      Description: `CloudFormation template that represents a backend service on Amazon ECS.`,
      Metadata: { Version: 'v1.34.0', Manifest: `name: ${svc.name}\ntype: Backend Service\n` },
      Parameters: {
        AppName: { Type: 'String' },
        EnvName: { Type: 'String' },
        WorkloadName: { Type: 'String' },
        ContainerImage: { Type: 'String' },
      },
      Resources: resources,
    },
    null,
    2
  )}\n`;
}

/** Seeds the fake with the split cluster, its services' stacks and the environment's stack. */
export function seedSplit(fake: FakeAws, untagged: readonly string[] = []): LiveCluster {
  const cluster = splitCluster(untagged);
  fake.seedCluster(cluster);
  for (const svc of cluster.services) {
    const container = svc.containers[0];
    fake.setStackTemplate(stackOf(svc.name), copilotTemplate(svc));
    fake.stackParameters.set(stackOf(svc.name), {
      AppName: APP,
      EnvName: ENV,
      WorkloadName: container.name,
      ContainerImage: container.image,
    });
    fake.stackTags.set(stackOf(svc.name), { 'copilot-application': APP, 'copilot-environment': ENV });
  }
  fake.setStackTemplate(ENV_STACK, { Resources: {} });
  return cluster;
}
