import { MIGRATION_PHASES } from '../../lib/model/phase';
import { templatesOf } from '../support/app';
import { ecsServices, logicalIdOf, resourcesOf } from '../support/template';

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
    expect(drain.Properties.ServiceNames).toEqual(
      ['yelb-ui', 'yelb-appserver', 'yelb-db', 'yelb-redis'].map((name) => ({
        'Fn::GetAtt': [services[name].logicalId, 'Name'],
      }))
    );
  });

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

  test('may only describe and update these services, list Cloud Map services and write its logs', () => {
    const [policy] = resourcesOf(template, 'AWS::IAM::Policy').filter((p) =>
      p.logicalId.startsWith('TeardownHandlerRoleDefaultPolicy')
    );
    const services = Object.values(ecsServices(template)).map((s) => ({ Ref: s.logicalId }));
    expect(policy.Properties.PolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::Logs::LogGroup', 'TeardownLogs'), 'Arn'] },
      },
      {
        Effect: 'Allow',
        Action: ['ecs:DescribeServices', 'ecs:UpdateService'],
        Resource: expect.arrayContaining(services),
      },
      { Effect: 'Allow', Action: 'servicediscovery:ListServices', Resource: '*' },
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
