import { MIGRATION_PHASES, keepsLegacyPath } from '../../lib/model/phase';
import { templatesOf } from '../support/app';
import { ecsServices, logicalIdOf, resourcesOf, stackArn } from '../support/template';

describe.each(MIGRATION_PHASES)('the teardown custom resource, %s phase', (phase) => {
  const { yelb: template } = templatesOf(phase);
  const [drain] = resourcesOf(template, 'Custom::ServiceConnectDrain');

  test('is deleted before every ECS service and the namespace, which it drains', () => {
    const services = ecsServices(template);
    expect(drain.DependsOn!.sort()).toEqual(
      Object.values(services)
        .map((s) => s.logicalId)
        .sort()
    );
    const namespace = logicalIdOf(
      template,
      'AWS::ServiceDiscovery::HttpNamespace',
      'ServiceConnectNamespace'
    );
    expect(drain.Properties).toMatchObject({
      ClusterName: 'yelb-cluster',
      NamespaceId: { 'Fn::GetAtt': [namespace, 'Id'] },
      NamespaceName: 'yelb.sc.internal',
      DrainTimeoutSeconds: '1500',
    });
    expect(drain.Properties.ServiceNames).toEqual(['yelb-ui', 'yelb-appserver', 'yelb-db', 'yelb-redis']);
  });

  test("fails within CloudFormation's own bound too: ServiceTimeout after the framework's backstop", () => {
    // 25 min of the handler's deadline + 5 of the framework's backstop + 5: 35 min, not the default hour.
    expect(drain.Properties.ServiceTimeout).toBe('2100');
  });

  const ecsArn = (name: string) => stackArn('ecs', `service/yelb-cluster/${name}`);
  const cloudMapServices = stackArn('servicediscovery', 'service/*');

  test('runs TypeScript handlers from this repository, bundled at synth', () => {
    const handlers = resourcesOf(template, 'AWS::Lambda::Function').filter((f) =>
      /^Teardown(OnEvent|IsComplete)/.test(f.logicalId)
    );
    expect(handlers.map((f) => f.Properties.Handler).sort()).toEqual(['index.isComplete', 'index.onEvent']);
    for (const f of handlers) {
      expect(f.Properties.Code.S3Key).toMatch(/^[0-9a-f]{64}\.zip$/);
      expect(f.Properties.Role).toEqual({
        'Fn::GetAtt': [logicalIdOf(template, 'AWS::IAM::Role', 'TeardownHandlerRole'), 'Arn'],
      });
    }
  });

  test('may only describe and update these services, list and deregister Cloud Map entries and write its logs', () => {
    const [policy] = resourcesOf(template, 'AWS::IAM::Policy').filter((p) =>
      p.logicalId.startsWith('TeardownHandlerRoleDefaultPolicy')
    );
    expect(policy.Properties.PolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::Logs::LogGroup', 'TeardownLogs'), 'Arn'] },
      },
      {
        Effect: 'Allow',
        Action: ['ecs:DescribeServices', 'ecs:UpdateService'],
        Resource: ['yelb-appserver', 'yelb-db', 'yelb-redis', 'yelb-ui'].map(ecsArn),
      },
      { Effect: 'Allow', Action: 'servicediscovery:ListServices', Resource: '*' },
      {
        Effect: 'Allow',
        Action: ['servicediscovery:DeregisterInstance', 'servicediscovery:ListInstances'],
        Resource: cloudMapServices,
      },
    ]);
  });

  test('waits in the provider framework, bounded, polling every 15 s', () => {
    const [machine] = resourcesOf(template, 'AWS::StepFunctions::StateMachine');
    const definition = JSON.stringify(machine.Properties.DefinitionString);
    expect(definition).toContain('\\"IntervalSeconds\\":15');
    // 25 minutes of the handler's own deadline, plus 5 of backstop: 120 polls of 15 s.
    expect(definition).toContain('\\"MaxAttempts\\":120');
    expect(machine.Properties.LoggingConfiguration.Level).toBe('ALL');
  });
});

describe.each(MIGRATION_PHASES)("the old path's Cloud Map DNS services, %s phase", (phase) => {
  const { yelb: template } = templatesOf(phase);
  test(keepsLegacyPath(phase) ? 'each has a guard' : 'are gone with their guards', () => {
    const guards = resourcesOf(template, 'Custom::CloudMapServiceDrain');
    expect(guards).toHaveLength(keepsLegacyPath(phase) ? 2 : 0);
    expect(resourcesOf(template, 'AWS::ServiceDiscovery::Service')).toHaveLength(guards.length);
  });
});

describe.each(MIGRATION_PHASES.filter(keepsLegacyPath))(
  "a Cloud Map DNS service's guard, %s phase",
  (phase) => {
    const { yelb: template } = templatesOf(phase);
    const guards = resourcesOf(template, 'Custom::CloudMapServiceDrain');
    const dnsServices = resourcesOf(template, 'AWS::ServiceDiscovery::Service');

    test.each(['db', 'redis'])(
      'the %s guard is deleted after the ECS service that registers there and before the DNS service',
      (id) => {
        const guard = guards.find((g) =>
          g.logicalId.startsWith(`Teardown${id[0].toUpperCase()}${id.slice(1)}DnsService`)
        )!;
        const dnsService = dnsServices.find((s) => s.Properties.Name === `yelb-${id}`)!;
        // It refers to the DNS service: CloudFormation deletes the guard first.
        expect(guard.Properties).toMatchObject({
          ServiceId: { 'Fn::GetAtt': [dnsService.logicalId, 'Id'] },
          ServiceName: { 'Fn::GetAtt': [dnsService.logicalId, 'Name'] },
          DrainTimeoutSeconds: '300',
          ServiceTimeout: '600',
        });
        // The ECS service depends on it: CloudFormation deletes the ECS service first.
        expect(ecsServices(template)[`yelb-${id}`].DependsOn).toContain(guard.logicalId);
      }
    );
  }
);
