import { Match } from 'aws-cdk-lib/assertions';
import { MIGRATION_PHASES, MigrationPhase } from '../../lib/model/phase';
import { templatesOf } from '../support/app';
import { ecsServices, logicalIdOf, resourcesOf, securityGroupRules, stackArn } from '../support/template';

const SERVICE_CONNECT_PHASES: MigrationPhase[] = ['serviceConnect', 'retired'];
const LEGACY_PHASES: MigrationPhase[] = ['discovery', 'serviceConnect'];

/** The client aliases each server keeps: the names its callers used before the migration. */
const OLD_NAMES = {
  'yelb-db': { DnsName: 'yelb-db.yelb.cloudmap.internal', Port: 5432, portName: 'yelb-db' },
  'yelb-redis': { DnsName: 'yelb-redis.yelb.cloudmap.internal', Port: 6379, portName: 'yelb-redis' },
  'yelb-appserver': { DnsName: 'yelb-appserver.yelb.lb.internal', Port: 4567, portName: 'yelb-appserver' },
} as const;

describe.each(MIGRATION_PHASES)('Yelb stack, %s phase', (phase) => {
  const { system: template } = templatesOf(phase);
  const services = ecsServices(template);

  test('has the cluster with Container Insights and one log group with retention', () => {
    template.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterName: 'yelb-cluster',
      ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
    });
    // One log group for the application and proxy logs; every log group has a retention.
    expect(
      Object.keys(
        template.findResources('AWS::Logs::LogGroup', {
          Properties: { LogGroupName: 'ecs/serviceconnectdemo' },
        })
      )
    ).toHaveLength(1);
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: 'ecs/serviceconnectdemo',
      RetentionInDays: 7,
    });
    for (const group of resourcesOf(template, 'AWS::Logs::LogGroup'))
      expect(group.Properties.RetentionInDays).toBe(7);
  });

  test('runs the four services on Fargate LATEST in private subnets without public IPs', () => {
    expect(Object.keys(services).sort()).toEqual(['yelb-appserver', 'yelb-db', 'yelb-redis', 'yelb-ui']);
    for (const svc of Object.values(services)) {
      expect(svc.Properties).toMatchObject({
        LaunchType: 'FARGATE',
        PlatformVersion: 'LATEST',
        NetworkConfiguration: { AwsvpcConfiguration: { AssignPublicIp: 'DISABLED' } },
      });
      const subnets = svc.Properties.NetworkConfiguration.AwsvpcConfiguration.Subnets;
      expect(subnets).toHaveLength(2);
      for (const subnet of subnets) {
        expect(subnet['Fn::GetStackOutput'].OutputName).toMatch(/VpcPrivateSubnet[12]Subnet/);
      }
    }
  });

  test.each([
    [
      'yelb-ui',
      'mreferre/yelb-ui:0.10',
      3,
      { YELB_APPSERVER_ENDPOINT: 'http://yelb-appserver.yelb.lb.internal:4567' },
    ],
    [
      'yelb-appserver',
      'mreferre/yelb-appserver:0.7',
      3,
      {
        RACK_ENV: 'custom',
        YELB_DB_SERVER_ENDPOINT: 'yelb-db.yelb.cloudmap.internal',
        REDIS_SERVER_ENDPOINT: 'yelb-redis.yelb.cloudmap.internal',
      },
    ],
    ['yelb-db', 'mreferre/yelb-db:0.6', 1, { PGDATA: '/var/lib/postgresql/data/pgdata' }],
    ['yelb-redis', 'public.ecr.aws/docker/library/redis:5.0.14', 1, {}],
  ])(
    "runs %s from %s (its copy in the app's ECR, unless it is in ECR already), %d tasks, with the same environment as before the migration",
    (name, image, count, env) => {
      expect(services[name].Properties.DesiredCount).toBe(count);
      const taskDefId = services[name].Properties.TaskDefinition.Ref;
      const taskDef = template.toJSON().Resources[taskDefId].Properties;
      expect(taskDef).toMatchObject({ Cpu: '256', Memory: '512', RequiresCompatibilities: ['FARGATE'] });
      const [container] = taskDef.ContainerDefinitions;
      expect(container.Name).toBe(name);
      if (image.startsWith('public.ecr.aws/')) {
        expect(container.Image).toBe(image);
      } else {
        const copy = resourcesOf(template, 'Custom::ImageCopy').find(
          (c) => c.Properties.SourceImage === `docker.io/${image}`
        )!;
        expect(JSON.stringify(container.Image)).toContain(`{"Fn::GetAtt":["${copy.logicalId}","DigestHex"]}`);
      }
      const environment = Object.fromEntries(
        (container.Environment ?? []).map((e: any) => [e.Name, e.Value])
      );
      expect(environment).toEqual(env);
    }
  );

  test('names each port mapping for Service Connect, with app protocol http only on HTTP services', () => {
    const mappings = Object.fromEntries(
      resourcesOf(template, 'AWS::ECS::TaskDefinition').map((td) => {
        const [container] = td.Properties.ContainerDefinitions;
        return [container.Name, container.PortMappings];
      })
    );
    expect(mappings).toEqual({
      'yelb-ui': [{ Name: 'yelb-ui', ContainerPort: 80, Protocol: 'tcp', AppProtocol: 'http' }],
      'yelb-appserver': [
        { Name: 'yelb-appserver', ContainerPort: 4567, Protocol: 'tcp', AppProtocol: 'http' },
      ],
      'yelb-db': [{ Name: 'yelb-db', ContainerPort: 5432, Protocol: 'tcp' }],
      'yelb-redis': [{ Name: 'yelb-redis', ContainerPort: 6379, Protocol: 'tcp' }],
    });
  });

  test('deploys every service rolling, stated, with circuit breaker and rollback, without a deployment controller', () => {
    for (const [name, svc] of Object.entries(services)) {
      // The database never runs two tasks on the same files: the old one stops first, a planned
      // outage that no alarm fed by its callers' errors may roll back.
      const [min, max, alarms] = name === 'yelb-db' ? [0, 100, false] : [100, 200, true];
      expect(svc.Properties.DeploymentConfiguration).toEqual({
        DeploymentCircuitBreaker: { Enable: true, Rollback: true },
        // The alarms that roll a deployment back: test/stacks/guard-rails.spec.ts.
        Alarms: expect.objectContaining({ Enable: alarms, Rollback: alarms }),
        MaximumPercent: max,
        MinimumHealthyPercent: min,
        // Stated: an absent strategy would leave a live gradual one in place (aws-cdk#27131).
        Strategy: 'ROLLING',
      });
      // A changed DeploymentController makes CloudFormation replace the service, which fails with a fixed name.
      expect(svc.Properties.DeploymentController).toBeUndefined();
      // Explicit, so that it does not change when a phase detaches a load balancer.
      expect(svc.Properties.HealthCheckGracePeriodSeconds).toBe(60);
    }
  });

  test('puts yelb-ui behind the public load balancer on port 80 with a database-free health check', () => {
    const albId = logicalIdOf(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer', 'PublicAlb');
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Scheme: 'internet-facing',
      Subnets: Match.arrayWith([
        Match.objectLike({
          'Fn::GetStackOutput': Match.objectLike({ OutputName: Match.stringLikeRegexp('PublicSubnet1') }),
        }),
      ]),
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      LoadBalancerArn: { Ref: albId },
      Port: 80,
      Protocol: 'HTTP',
    });
    const tgId = logicalIdOf(template, 'AWS::ElasticLoadBalancingV2::TargetGroup', 'PublicAlbTargetGroup');
    expect(services['yelb-ui'].Properties.LoadBalancers).toEqual([
      {
        ContainerName: 'yelb-ui',
        ContainerPort: 80,
        TargetGroupArn: { Ref: tgId },
        // In every phase: see the public entry's gradual deployments in guard-rails.spec.ts.
        AdvancedConfiguration: {
          AlternateTargetGroupArn: {
            Ref: logicalIdOf(template, 'AWS::ElasticLoadBalancingV2::TargetGroup', 'PublicAlbAlternate'),
          },
          ProductionListenerRule: {
            Ref: logicalIdOf(
              template,
              'AWS::ElasticLoadBalancingV2::ListenerRule',
              'PublicAlbProductionRule'
            ),
          },
          RoleArn: {
            'Fn::GetAtt': [logicalIdOf(template, 'AWS::IAM::Role', 'PublicAlbInfrastructureRole'), 'Arn'],
          },
        },
      },
    ]);
  });

  test('uses fast health checks and a deregistration delay of at most 30 s on every target group', () => {
    const groups = resourcesOf(template, 'AWS::ElasticLoadBalancingV2::TargetGroup');
    // The public entry's two (the alternate for gradual deployments), the internal one before retired.
    expect(groups.length).toBe(phase === 'retired' ? 2 : 3);
    for (const tg of groups) {
      expect(tg.Properties).toMatchObject({
        TargetType: 'ip',
        HealthCheckIntervalSeconds: 10,
        HealthyThresholdCount: 2,
        UnhealthyThresholdCount: 2,
      });
      const delay = tg.Properties.TargetGroupAttributes.find(
        (a: any) => a.Key === 'deregistration_delay.timeout_seconds'
      );
      expect(Number(delay.Value)).toBeLessThanOrEqual(30);
    }
  });

  test('keeps both namespaces in every phase', () => {
    template.hasResourceProperties('AWS::ServiceDiscovery::PrivateDnsNamespace', {
      Name: 'yelb.cloudmap.internal',
    });
    template.hasResourceProperties('AWS::ServiceDiscovery::HttpNamespace', { Name: 'yelb.sc.internal' });
  });

  test('opens only the ports of the call graph, only to the callers and the load balancers', () => {
    // Ingress names the caller's security group; egress is the called port inside the VPC.
    const common = [
      'in AppserverSecurityGroup ← UiSecurityGroup 4567',
      'in DbSecurityGroup ← AppserverSecurityGroup 5432',
      'in PublicAlbSecurityGroup ← 0.0.0.0/0 80',
      'in RedisSecurityGroup ← AppserverSecurityGroup 6379',
      'in UiSecurityGroup ← PublicAlbSecurityGroup 80',
      'out AppserverSecurityGroup → 0.0.0.0/0 443',
      'out AppserverSecurityGroup → vpc 5432',
      'out AppserverSecurityGroup → vpc 6379',
      'out DbSecurityGroup → 0.0.0.0/0 443',
      'out PublicAlbSecurityGroup → UiSecurityGroup 80',
      'out RedisSecurityGroup → 0.0.0.0/0 443',
      'out UiSecurityGroup → 0.0.0.0/0 443',
      'out UiSecurityGroup → vpc 4567',
      'in DbDataSecurityGroup ← DbSecurityGroup 2049',
      'out DbSecurityGroup → DbDataSecurityGroup 2049',
      'out DbDataSecurityGroup → none',
      // The image copy: HTTPS to the registries and ECR, through the NAT gateways.
      'out MirrorSecurityGroup → 0.0.0.0/0 443',
    ];
    const legacy = [
      'in AppserverSecurityGroup ← LegacyInternalAlbSecurityGroup 4567',
      'in LegacyInternalAlbSecurityGroup ← UiSecurityGroup 4567',
      'out LegacyInternalAlbSecurityGroup → AppserverSecurityGroup 4567',
    ];
    const expected = phase === 'retired' ? common : [...common, ...legacy];
    expect(securityGroupRules(template)).toEqual(expected.sort());
  });

  test('accepts traffic from an address range only at the public load balancer, on its port', () => {
    // Not left to cdk-nag: a rule open to the VPC or the internet anywhere else fails here.
    const fromRanges = securityGroupRules(template).filter(
      (r) => r.startsWith('in ') && /← (vpc|[0-9a-f:.]+\/\d+) /.test(r)
    );
    expect(fromRanges).toEqual(['in PublicAlbSecurityGroup ← 0.0.0.0/0 80']);
  });

  test('encrypts every file system at rest', () => {
    for (const fs of resourcesOf(template, 'AWS::EFS::FileSystem'))
      expect(fs.Properties.Encrypted).toBe(true);
  });

  test('gives no IAM policy a wildcard action, and no role trusts an account', () => {
    for (const policy of resourcesOf(template, 'AWS::IAM::Policy')) {
      for (const statement of policy.Properties.PolicyDocument.Statement) {
        for (const action of [statement.Action].flat()) expect(action).not.toMatch(/\*/);
      }
    }
    for (const role of resourcesOf(template, 'AWS::IAM::Role')) {
      for (const statement of role.Properties.AssumeRolePolicyDocument.Statement) {
        expect(Object.keys(statement.Principal)).toEqual(['Service']);
      }
    }
  });

  test('gives the tasks an execution role, a role without permissions and one for the database, trusted only by ECS tasks of this account', () => {
    const ecsRoles = resourcesOf(template, 'AWS::IAM::Role').filter((r) =>
      JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('ecs-tasks.amazonaws.com')
    );
    expect(ecsRoles.map((r) => r.logicalId.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual([
      'DbTaskRole',
      'ExecutionRole',
      'TaskRole',
    ]);
    const taskRoleOf = (family: string) =>
      resourcesOf(template, 'AWS::ECS::TaskDefinition').find((td) => td.Properties.Family === family)!
        .Properties.TaskRoleArn['Fn::GetAtt'][0];
    const shared = logicalIdOf(template, 'AWS::IAM::Role', 'TaskRole');
    expect(['yelb-ui', 'yelb-appserver', 'yelb-redis'].map(taskRoleOf)).toEqual([shared, shared, shared]);
    expect(taskRoleOf('yelb-db')).toBe(logicalIdOf(template, 'AWS::IAM::Role', 'DbTaskRole'));
    for (const role of ecsRoles) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      // The execution role: this account only. Whether the Fargate agent's assumption carries
      // aws:SourceArn is not documented, and a condition it does not meet would stop every task.
      const execution = role.logicalId.startsWith('ExecutionRole');
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        {
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { Service: 'ecs-tasks.amazonaws.com' },
          Condition: {
            ...(!execution && {
              ArnLike: {
                'aws:SourceArn': stackArn('ecs', '*'),
              },
            }),
            StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          },
        },
      ]);
    }
    // The applications call no AWS API: only the database's task role may mount its file system.
    const ecsRoleIds = ecsRoles.map((r) => r.logicalId);
    const executionRoleId = logicalIdOf(template, 'AWS::IAM::Role', 'ExecutionRole');
    const dbTaskRoleId = logicalIdOf(template, 'AWS::IAM::Role', 'DbTaskRole');
    expect(
      resourcesOf(template, 'AWS::IAM::Policy')
        .map((p) => p.Properties.Roles)
        .filter((roles) => ecsRoleIds.includes(roles[0].Ref))
    ).toEqual([[{ Ref: executionRoleId }], [{ Ref: dbTaskRoleId }]]);
    // The execution role writes the logs and pulls the app's mirror copies: nothing else.
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: executionRoleId }],
      PolicyDocument: {
        Statement: [
          {
            Action: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
            Effect: 'Allow',
            Resource: resourcesOf(template, 'AWS::ECR::Repository')
              .map((r) => r.logicalId)
              .sort()
              .map((id) => ({ 'Fn::GetAtt': [id, 'Arn'] })),
          },
          { Action: 'ecr:GetAuthorizationToken', Effect: 'Allow', Resource: '*' },
          {
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::Logs::LogGroup', 'Logs'), 'Arn'] },
          },
        ],
      },
    });
    expect(resourcesOf(template, 'AWS::ECR::Repository')).toHaveLength(3);
  });

  test('has the outputs that the CLIs read', () => {
    const outputs = template.toJSON().Outputs;
    expect(Object.keys(outputs).sort()).toEqual(
      [
        'AppUrl',
        'ClusterName',
        'LogGroupName',
        'MigrationPhase',
        'DashboardUrl',
        'DbDataFileSystemId',
        'CloudMapNamespaceName',
        'CloudMapNamespaceId',
        'CloudMapNamespaceArn',
        'ServiceConnectNamespaceName',
        'ServiceConnectNamespaceId',
        'ServiceConnectNamespaceArn',
        'ServiceConnectOptions',
        'UiServiceName',
        'AppserverServiceName',
        'DbServiceName',
        'RedisServiceName',
      ].sort()
    );
    expect(outputs.MigrationPhase.Value).toBe(phase);
    expect(outputs.ServiceConnectNamespaceName.Value).toBe('yelb.sc.internal');
    expect(outputs.CloudMapNamespaceName.Value).toBe('yelb.cloudmap.internal');
    expect(outputs.DbServiceName.Value).toEqual({ 'Fn::GetAtt': [services['yelb-db'].logicalId, 'Name'] });
    expect(JSON.stringify(outputs.AppUrl.Value)).toContain('PublicAlbLoadBalancer');
    // What the migration CLI renders every configuration with (test/stacks/one-plan.spec.ts).
    expect(JSON.parse(outputs.ServiceConnectOptions.Value)).toEqual({
      phase,
      accessLogs: true,
      deployment: { strategy: 'rolling' },
    });
  });
});

describe.each(LEGACY_PHASES)('the old discovery path in the %s phase', (phase) => {
  const { system: template } = templatesOf(phase);
  const services = ecsServices(template);

  test('puts yelb-appserver behind an internal load balancer on 4567, with its own security group', () => {
    const internalAlb = logicalIdOf(
      template,
      'AWS::ElasticLoadBalancingV2::LoadBalancer',
      'LegacyInternalAlb'
    );
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Scheme: 'internal',
      SecurityGroups: [
        {
          'Fn::GetAtt': [
            logicalIdOf(template, 'AWS::EC2::SecurityGroup', 'LegacyInternalAlbSecurityGroup'),
            'GroupId',
          ],
        },
      ],
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      LoadBalancerArn: { Ref: internalAlb },
      Port: 4567,
      Protocol: 'HTTP',
    });
    const tg = logicalIdOf(
      template,
      'AWS::ElasticLoadBalancingV2::TargetGroup',
      'LegacyAppserverTargetGroup'
    );
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      Port: 4567,
      HealthCheckPath: '/api/hostname',
    });
    expect(services['yelb-appserver'].Properties.LoadBalancers).toEqual([
      { ContainerName: 'yelb-appserver', ContainerPort: 4567, TargetGroupArn: { Ref: tg } },
    ]);
  });

  test('aliases yelb-appserver.yelb.lb.internal to the internal load balancer in a private zone', () => {
    template.hasResourceProperties('AWS::Route53::HostedZone', {
      Name: 'yelb.lb.internal.',
      VPCs: [Match.objectLike({ VPCId: Match.anyValue() })],
    });
    template.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'yelb-appserver.yelb.lb.internal.',
      Type: 'A',
      AliasTarget: Match.objectLike({
        DNSName: Match.objectLike({
          'Fn::Join': Match.arrayWith([
            Match.arrayWith([
              Match.objectLike({
                'Fn::GetAtt': Match.arrayWith([Match.stringLikeRegexp('LegacyInternalAlb')]),
              }),
            ]),
          ]),
        }),
      }),
    });
  });

  test.each(['yelb-db', 'yelb-redis'])('registers %s in Cloud Map DNS (A, TTL 10)', (name) => {
    const dnsService = resourcesOf(template, 'AWS::ServiceDiscovery::Service').find(
      (s) => s.Properties.Name === name
    )!;
    expect(dnsService.Properties).toMatchObject({
      DnsConfig: { DnsRecords: [{ Type: 'A', TTL: 10 }] },
      NamespaceId: {
        'Fn::GetAtt': [
          logicalIdOf(template, 'AWS::ServiceDiscovery::PrivateDnsNamespace', 'CloudMapNamespace'),
          'Id',
        ],
      },
    });
    expect(services[name].Properties.ServiceRegistries).toEqual([
      { RegistryArn: { 'Fn::GetAtt': [dnsService.logicalId, 'Arn'] } },
    ]);
  });

  test('renders an explicit empty registry list on the services without one', () => {
    expect(services['yelb-ui'].Properties.ServiceRegistries).toEqual([]);
    expect(services['yelb-appserver'].Properties.ServiceRegistries).toEqual([]);
  });
});

describe('discovery phase', () => {
  const { system: template } = templatesOf('discovery');
  const services = ecsServices(template);

  test('says Service Connect is off on every service, explicitly', () => {
    for (const svc of Object.values(services)) {
      expect(svc.Properties.ServiceConnectConfiguration).toEqual({ Enabled: false });
    }
  });

  test('creates the Service Connect namespace empty: only the teardown resource refers to it', () => {
    const namespaceId = logicalIdOf(
      template,
      'AWS::ServiceDiscovery::HttpNamespace',
      'ServiceConnectNamespace'
    );
    const referrers = Object.entries(template.toJSON().Resources)
      .filter(([, r]) => JSON.stringify(r).includes(namespaceId))
      .map(([, r]: [string, any]) => r.Type);
    expect(referrers).toEqual(['Custom::ServiceConnectDrain']);
  });

  test('orders updates clients first: ui, then appserver, then db and redis', () => {
    const id = (name: string) => services[name].logicalId;
    expect(services['yelb-db'].DependsOn).toContain(id('yelb-appserver'));
    expect(services['yelb-redis'].DependsOn).toContain(id('yelb-appserver'));
    expect(services['yelb-appserver'].DependsOn).toContain(id('yelb-ui'));
    expect(services['yelb-ui'].DependsOn).not.toEqual(expect.arrayContaining([id('yelb-appserver')]));
  });

  test('starts yelb-ui only after the appserver record and the internal listener exist', () => {
    expect(services['yelb-ui'].DependsOn).toEqual(
      expect.arrayContaining([
        logicalIdOf(template, 'AWS::Route53::RecordSet', 'LegacyAppserverRecord'),
        logicalIdOf(template, 'AWS::ElasticLoadBalancingV2::Listener', 'LegacyInternalAlbAppserverListener'),
      ])
    );
  });
});

describe.each(SERVICE_CONNECT_PHASES)('Service Connect in the %s phase', (phase) => {
  const { system: template } = templatesOf(phase);
  const services = ecsServices(template);
  const namespace = {
    'Fn::GetAtt': [
      logicalIdOf(template, 'AWS::ServiceDiscovery::HttpNamespace', 'ServiceConnectNamespace'),
      'Arn',
    ],
  };
  const logGroup = { Ref: logicalIdOf(template, 'AWS::Logs::LogGroup', 'Logs') };

  test.each(Object.entries(OLD_NAMES))(
    'makes %s client-server with its old name as the client alias',
    (name, alias) => {
      expect(services[name].Properties.ServiceConnectConfiguration).toMatchObject({
        Enabled: true,
        Namespace: namespace,
        Services: [
          { PortName: alias.portName, ClientAliases: [{ DnsName: alias.DnsName, Port: alias.Port }] },
        ],
      });
    }
  );

  test('makes yelb-ui client-only', () => {
    const config = services['yelb-ui'].Properties.ServiceConnectConfiguration;
    expect(config).toMatchObject({ Enabled: true, Namespace: namespace });
    expect(config.Services ?? []).toEqual([]);
  });

  test.each([
    ['yelb-ui', 'ui-envoy'],
    ['yelb-appserver', 'appserver-envoy'],
    ['yelb-db', 'db-envoy'],
    ['yelb-redis', 'redis-envoy'],
  ])('sends the proxy logs of %s to the log group with prefix %s', (name, prefix) => {
    expect(services[name].Properties.ServiceConnectConfiguration.LogConfiguration).toEqual({
      LogDriver: 'awslogs',
      Options: {
        'awslogs-group': logGroup,
        'awslogs-region': { Ref: 'AWS::Region' },
        'awslogs-stream-prefix': prefix,
      },
    });
  });

  test('sets the timeouts deliberately: HTTP 15 s per request and 60 s idle, TCP one hour idle', () => {
    const timeout = (name: string) =>
      services[name].Properties.ServiceConnectConfiguration.Services[0].Timeout;
    expect(timeout('yelb-appserver')).toEqual({ PerRequestTimeoutSeconds: 15, IdleTimeoutSeconds: 60 });
    expect(timeout('yelb-db')).toEqual({ IdleTimeoutSeconds: 3600 });
    expect(timeout('yelb-redis')).toEqual({ IdleTimeoutSeconds: 3600 });
  });

  test('orders updates servers first: db and redis, then appserver, then ui', () => {
    const id = (name: string) => services[name].logicalId;
    expect(services['yelb-ui'].DependsOn).toContain(id('yelb-appserver'));
    expect(services['yelb-appserver'].DependsOn).toEqual(
      expect.arrayContaining([id('yelb-db'), id('yelb-redis')])
    );
    expect(services['yelb-db'].DependsOn).not.toContain(id('yelb-appserver'));
    expect(services['yelb-redis'].DependsOn).not.toContain(id('yelb-appserver'));
  });

  test('does not hold yelb-ui back for the old record', () => {
    expect(services['yelb-ui'].DependsOn!.filter((d) => d.startsWith('Legacy'))).toEqual([]);
  });
});

describe('retired phase', () => {
  const { system: template } = templatesOf('retired');
  const services = ecsServices(template);

  test('removes the internal load balancer, its listener and target group, the zone and the record; keeps the DNS services, empty', () => {
    expect(Object.keys(template.findResources('AWS::ElasticLoadBalancingV2::LoadBalancer'))).toEqual([
      logicalIdOf(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer', 'PublicAlb'),
    ]);
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 1);
    expect(
      Object.keys(template.findResources('AWS::ElasticLoadBalancingV2::TargetGroup')).filter(
        (id) => !id.startsWith('PublicAlb')
      )
    ).toEqual([]);
    template.resourceCountIs('AWS::Route53::HostedZone', 0);
    template.resourceCountIs('AWS::Route53::RecordSet', 0);
    // What is left of the old path: the two DNS services, which nothing registers in any more.
    expect(Object.keys(template.toJSON().Resources).filter((id) => id.startsWith('Legacy'))).toEqual([
      'LegacyDbDnsServiceF63BA00E',
      'LegacyRedisDnsService3C330ABB',
    ]);
  });

  test('detaches the old path explicitly: empty load balancer and registry lists', () => {
    expect(services['yelb-appserver'].Properties.LoadBalancers).toEqual([]);
    expect(services['yelb-db'].Properties.ServiceRegistries).toEqual([]);
    expect(services['yelb-redis'].Properties.ServiceRegistries).toEqual([]);
    expect(services['yelb-db'].Properties.LoadBalancers).toEqual([]);
  });

  test('leaves the public entry alone', () => {
    expect(services['yelb-ui'].Properties.LoadBalancers).toHaveLength(1);
  });
});

describe('images and counts from context', () => {
  // One synth for the three settings: each test checks its own.
  const { system: template } = templatesOf('discovery', {
    yelbDbImage: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/mirror/yelb-db:0.6',
    yelbRedisImage: 'public.ecr.aws/docker/library/redis:7.2',
    yelbUiDesiredCount: '5',
    logRetentionDays: '30',
  });

  test('pulls a private ECR mirror with the execution role, granted on that repository only', () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Family: 'yelb-db',
      ContainerDefinitions: Match.arrayWith([
        Match.objectLike({
          Image: {
            'Fn::Join': [
              '',
              ['123456789012.dkr.ecr.eu-west-1.', { Ref: 'AWS::URLSuffix' }, '/mirror/yelb-db:0.6'],
            ],
          },
        }),
      ]),
    });
    const [policy] = resourcesOf(template, 'AWS::IAM::Policy').filter((p) =>
      p.logicalId.startsWith('ExecutionRoleDefaultPolicy')
    );
    const pull = policy.Properties.PolicyDocument.Statement.find((s: any) =>
      [s.Action].flat().includes('ecr:BatchGetImage')
    );
    expect(pull.Action).toEqual([
      'ecr:BatchCheckLayerAvailability',
      'ecr:BatchGetImage',
      'ecr:GetDownloadUrlForLayer',
    ]);
    // That repository, and the app's own mirror repositories of the other images: nothing else.
    const expected = [
      ...resourcesOf(template, 'AWS::ECR::Repository').map((r) => ({ 'Fn::GetAtt': [r.logicalId, 'Arn'] })),
      {
        'Fn::Join': [
          '',
          ['arn:', { Ref: 'AWS::Partition' }, ':ecr:eu-west-1:123456789012:repository/mirror/yelb-db'],
        ],
      },
    ];
    const sorted = (list: unknown[]) => list.map((x) => JSON.stringify(x)).sort();
    expect(sorted(pull.Resource)).toEqual(sorted(expected));
    expect(expected).toHaveLength(3);
  });

  test('pulls any other registry anonymously, with the image as given', () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Family: 'yelb-redis',
      ContainerDefinitions: Match.arrayWith([
        Match.objectLike({ Image: 'public.ecr.aws/docker/library/redis:7.2' }),
      ]),
    });
  });

  test('keeps the application and proxy logs as long as the context says (default a week)', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: 'ecs/serviceconnectdemo',
      RetentionInDays: 30,
    });
    templatesOf('discovery').system.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: 'ecs/serviceconnectdemo',
      RetentionInDays: 7,
    });
  });

  test('sets desired counts from context', () => {
    expect(ecsServices(template)['yelb-ui'].Properties.DesiredCount).toBe(5);
  });
});
