import { MIGRATION_PHASES, keepsLegacyPath } from '../../lib/model/phase';
import { templatesOf } from '../support/app';
import { ecsServices, logicalIdOf, resourcesOf, stackArn } from '../support/template';

describe.each(MIGRATION_PHASES)('the teardown custom resource, %s phase', (phase) => {
  const { system: template } = templatesOf(phase);
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
  const dnsServiceArns = resourcesOf(template, 'AWS::ServiceDiscovery::Service').map((s) => ({
    'Fn::GetAtt': [s.logicalId, 'Arn'],
  }));
  const cloudMapNamespace = logicalIdOf(
    template,
    'AWS::ServiceDiscovery::PrivateDnsNamespace',
    'CloudMapNamespace'
  );
  const route53Arn = (resource: string, ...rest: unknown[]) => ({
    'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:route53:::${resource}`, ...rest]],
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

  test("may only describe and update these services, list Cloud Map services, deregister the old path's instances (and their Route 53 records), read the deployment alarms and write its logs", () => {
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
      // What DeregisterInstance does in Route 53 for the caller (the Cloud Map API permissions
      // reference): the DNS namespace's records, and the health checks Cloud Map made.
      {
        Effect: 'Allow',
        Action: 'route53:ChangeResourceRecordSets',
        Resource: route53Arn('hostedzone/', { 'Fn::GetAtt': [cloudMapNamespace, 'HostedZoneId'] }),
      },
      {
        Effect: 'Allow',
        Action: ['route53:DeleteHealthCheck', 'route53:GetHealthCheck', 'route53:UpdateHealthCheck'],
        Resource: route53Arn('healthcheck/*'),
      },
      // The old path's two DNS services by ARN, nothing else of Cloud Map (another stage's
      // services included). Not a servicediscovery:NamespaceArn condition: the Service
      // Authorization Reference lists no such key for ListInstances or DeregisterInstance (only
      // ServiceArn, ResourceTag and ServiceCreatedByAccount), so it would deny every call.
      {
        Effect: 'Allow',
        Action: ['servicediscovery:DeregisterInstance', 'servicediscovery:ListInstances'],
        Resource: dnsServiceArns,
      },
      // The wait after the database's planned restart reads the deployment alarms, by name.
      {
        Effect: 'Allow',
        Action: 'cloudwatch:DescribeAlarms',
        Resource: [
          // Sorted, as the CDK's policy minimizing writes them.
          'yelb-cluster-deploy-public-p99',
          'yelb-cluster-deploy-public-target-5xx',
          'yelb-cluster-deploy-yelb-appserver-service-connect-5xx',
          'yelb-cluster-deploy-yelb-appserver-service-connect-p99',
        ].map((name) => ({
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':cloudwatch:',
              { Ref: 'AWS::Region' },
              ':',
              { Ref: 'AWS::AccountId' },
              `:alarm:${name}`,
            ],
          ],
        })),
      },
    ]);
    expect(dnsServiceArns).toHaveLength(2);
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

describe.each(MIGRATION_PHASES)('the wait after the planned restart of the database, %s phase', (phase) => {
  const { system: template } = templatesOf(phase);
  const [settle] = resourcesOf(template, 'Custom::DeploymentAlarmsSettled');
  const services = ecsServices(template);

  test('depends on the database, and every service that need not deploy before it depends on it', () => {
    expect(settle.DependsOn).toContain(services['yelb-db'].logicalId);
    // Servers first with Service Connect on; without it (a rollback), the clients go before the database.
    const after = phase === 'discovery' ? ['yelb-redis'] : ['yelb-ui', 'yelb-appserver', 'yelb-redis'];
    for (const name of ['yelb-ui', 'yelb-appserver'].filter((n) => !after.includes(n))) {
      expect(services[name].DependsOn).not.toContain(settle.logicalId);
    }
    for (const name of after) {
      expect({ name, after: services[name].DependsOn }).toEqual({
        name,
        after: expect.arrayContaining([settle.logicalId]),
      });
    }
  });

  test("waits for every deployment alarm, after their three-minute window on an update, 15 minutes at most; runs again whenever the database's plan or task definition changes", () => {
    expect(settle.Properties).toMatchObject({
      AfterService: 'yelb-db',
      EvaluationSeconds: '180',
      DrainTimeoutSeconds: '900',
      ServiceTimeout: '1200',
    });
    expect(settle.Properties.AlarmNames).toHaveLength(4);
    expect(JSON.stringify(settle.Properties.Revision)).toContain('DbTaskDef');
  });
});

test("the wait runs again on each phase change that changes the database's ECS service, and only then", () => {
  const byPhase = MIGRATION_PHASES.map((phase) => {
    const { system: template } = templatesOf(phase);
    const [settle] = resourcesOf(template, 'Custom::DeploymentAlarmsSettled');
    const { TaskDefinition: _taskDefinition, ...db } = ecsServices(template)['yelb-db'].Properties;
    return { phase, service: JSON.stringify(db), revision: JSON.stringify(settle.Properties.Revision) };
  });
  for (const a of byPhase) {
    for (const b of byPhase) {
      expect({ phases: [a.phase, b.phase], same: a.revision === b.revision }).toEqual({
        phases: [a.phase, b.phase],
        same: a.service === b.service,
      });
    }
  }
});

describe.each(MIGRATION_PHASES)("the old path's Cloud Map DNS services, %s phase", (phase) => {
  const { system: template } = templatesOf(phase);
  // Retired, they stay, empty: a deletion in the cleanup phase that fails would not fail the
  // update, and a rollback would then fail to create them again under the same name.
  test('are in the template with their guards, under the same logical IDs in every phase', () => {
    const guards = resourcesOf(template, 'Custom::CloudMapServiceDrain');
    const dnsServices = resourcesOf(template, 'AWS::ServiceDiscovery::Service');
    expect(guards).toHaveLength(2);
    expect(dnsServices.map((s) => s.logicalId).sort()).toEqual([
      'LegacyDbDnsServiceF63BA00E',
      'LegacyRedisDnsService3C330ABB',
    ]);
  });

  test.each(['db', 'redis'])(
    keepsLegacyPath(phase)
      ? 'the %s guard is deleted after the ECS service that registers there and before the DNS service; it drains only when deleted'
      : 'the %s guard drains the DNS service in the update, after the ECS service has dropped the registry',
    (id) => {
      const guards = resourcesOf(template, 'Custom::CloudMapServiceDrain');
      const dnsServices = resourcesOf(template, 'AWS::ServiceDiscovery::Service');
      const guard = guards.find((g) =>
        g.logicalId.startsWith(`Teardown${id[0].toUpperCase()}${id.slice(1)}DnsService`)
      )!;
      const dnsService = dnsServices.find((s) => s.Properties.Name === `yelb-${id}`)!;
      const ecsService = ecsServices(template)[`yelb-${id}`];
      // It refers to the DNS service: CloudFormation deletes the guard first.
      expect(guard.Properties).toMatchObject({
        ServiceId: { 'Fn::GetAtt': [dnsService.logicalId, 'Id'] },
        ServiceName: { 'Fn::GetAtt': [dnsService.logicalId, 'Name'] },
        DrainTimeoutSeconds: '300',
        ServiceTimeout: '600',
        Retired: String(!keepsLegacyPath(phase)),
      });
      if (keepsLegacyPath(phase)) {
        // The ECS service depends on it: CloudFormation deletes the ECS service first.
        expect(ecsService.DependsOn).toContain(guard.logicalId);
        expect(guard.DependsOn ?? []).not.toContain(ecsService.logicalId);
        expect(ecsService.Properties.ServiceRegistries).toEqual([
          { RegistryArn: { 'Fn::GetAtt': [dnsService.logicalId, 'Arn'] } },
        ]);
      } else {
        // It depends on the ECS service: updated (and so drained) after the service has been
        // updated without the registry and is stable.
        expect(guard.DependsOn).toContain(ecsService.logicalId);
        expect(ecsService.DependsOn ?? []).not.toContain(guard.logicalId);
        expect(ecsService.Properties.ServiceRegistries).toEqual([]);
      }
    }
  );
});
