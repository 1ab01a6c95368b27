import { Match } from 'aws-cdk-lib/assertions';
import { MIGRATION_PHASES } from '../../lib/model/phase';
import { singleWriterEntryPoint } from '../../lib/constructs/single-writer';
import { MIGRATION_STEPS, planSteps } from '../../lib/plan/plan';
import { templatesOf } from '../support/app';
import { ecsServices, logicalIdOf, resourcesOf } from '../support/template';

describe.each(MIGRATION_PHASES)('the database on EFS, %s phase', (phase) => {
  const { system: template } = templatesOf(phase);
  const fileSystem = logicalIdOf(template, 'AWS::EFS::FileSystem', 'DbData');
  const accessPoint = logicalIdOf(template, 'AWS::EFS::AccessPoint', 'DbData');

  test('is encrypted at rest, backed up, refuses connections without TLS, and is deleted with the stack by default', () => {
    template.hasResource('AWS::EFS::FileSystem', {
      Properties: Match.objectLike({
        Encrypted: true,
        BackupPolicy: { Status: 'ENABLED' },
        FileSystemPolicy: Match.objectLike({
          Statement: Match.arrayWith([
            {
              Sid: 'DenyWithoutTls',
              Effect: 'Deny',
              Principal: { AWS: '*' },
              Action: '*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            },
          ]),
        }),
      }),
      DeletionPolicy: 'Delete',
      UpdateReplacePolicy: 'Delete',
    });
  });

  test('has mount targets in the two private subnets only, behind its own security group', () => {
    const targets = resourcesOf(template, 'AWS::EFS::MountTarget');
    expect(targets).toHaveLength(2);
    for (const t of targets) {
      expect(t.Properties.SubnetId['Fn::GetStackOutput'].OutputName).toMatch(/VpcPrivateSubnet[12]/);
      expect(t.Properties.SecurityGroups).toEqual([
        {
          'Fn::GetAtt': [logicalIdOf(template, 'AWS::EC2::SecurityGroup', 'DbDataSecurityGroup'), 'GroupId'],
        },
      ]);
    }
  });

  test('mounts through an access point owned by the postgres user (999), mode 0700', () => {
    template.hasResourceProperties('AWS::EFS::AccessPoint', {
      FileSystemId: { Ref: fileSystem },
      PosixUser: { Uid: '999', Gid: '999' },
      RootDirectory: {
        Path: '/yelb-db',
        CreationInfo: { OwnerUid: '999', OwnerGid: '999', Permissions: '700' },
      },
    });
  });

  test('is mounted at the Postgres data directory over TLS with IAM authorization, PGDATA in a subdirectory', () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Family: 'yelb-db',
      Volumes: [
        {
          Name: 'data',
          EFSVolumeConfiguration: {
            FilesystemId: { Ref: fileSystem },
            TransitEncryption: 'ENABLED',
            AuthorizationConfig: { AccessPointId: { Ref: accessPoint }, IAM: 'ENABLED' },
          },
        },
      ],
      ContainerDefinitions: Match.arrayWith([
        Match.objectLike({
          MountPoints: [{ ContainerPath: '/var/lib/postgresql/data', SourceVolume: 'data', ReadOnly: false }],
          Environment: [{ Name: 'PGDATA', Value: '/var/lib/postgresql/data/pgdata' }],
        }),
      ]),
    });
  });

  test('lets only the database task role mount and write it, and only through the access point', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: logicalIdOf(template, 'AWS::IAM::Role', 'DbTaskRole') }],
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: ['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite'],
            Resource: { 'Fn::GetAtt': [fileSystem, 'Arn'] },
            Condition: {
              StringEquals: {
                'elasticfilesystem:AccessPointArn': Match.objectLike({ 'Fn::Join': Match.anyValue() }),
              },
            },
          },
        ],
      },
    });
  });

  test('starts the database service only once the mount targets exist', () => {
    const db = ecsServices(template)['yelb-db'];
    const targets = resourcesOf(template, 'AWS::EFS::MountTarget').map((t) => t.logicalId);
    expect(db.DependsOn).toEqual(expect.arrayContaining(targets));
  });

  test('names the file system in an output, for the cleanup of its backups', () => {
    expect(template.toJSON().Outputs.DbDataFileSystemId.Value).toEqual({ Ref: fileSystem });
  });

  test("runs the image's own entrypoint and command under the data volume's lock (one writer)", () => {
    const db = resourcesOf(template, 'AWS::ECS::TaskDefinition').find(
      (td) => td.Properties.Family === 'yelb-db'
    )!;
    const [container] = db.Properties.ContainerDefinitions;
    expect(container.EntryPoint).toEqual(
      singleWriterEntryPoint({
        volumePath: '/var/lib/postgresql/data',
        dataDirectory: '/var/lib/postgresql/data/pgdata',
        readyCommand: 'pg_isready -h 127.0.0.1 -p 5432 -U postgres',
      })
    );
    expect(container.EntryPoint[2]).toMatch(/until flock --exclusive --nonblock 9; do/);
    expect(container.Command).toEqual(['docker-entrypoint.sh', 'postgres']);
    expect(container.Environment).toContainEqual({
      Name: 'PGDATA',
      Value: '/var/lib/postgresql/data/pgdata',
    });
  });

  test('never runs two database tasks: the old one stops before the new one starts', () => {
    expect(ecsServices(template)['yelb-db'].Properties).toMatchObject({
      DesiredCount: 1,
      DeploymentConfiguration: { MinimumHealthyPercent: 0, MaximumPercent: 100 },
    });
  });
});

describe('health checks', () => {
  const { system: template } = templatesOf('serviceConnect');
  const healthChecks = Object.fromEntries(
    resourcesOf(template, 'AWS::ECS::TaskDefinition').map((td) => [
      td.Properties.Family,
      td.Properties.ContainerDefinitions[0].HealthCheck,
    ])
  );

  test.each([
    // Healthy while the image initialises a new data directory (the single-writer script bounds
    // that itself): its own health check cannot cut a first start off half-way.
    [
      'yelb-db',
      '[ -e /tmp/.single-writer-starting ] || { pg_isready -h 127.0.0.1 -p 5432 -U postgres; }',
      120,
    ],
    ['yelb-redis', 'redis-cli -h 127.0.0.1 -p 6379 ping | grep -q PONG', 10],
    [
      'yelb-appserver',
      expect.stringMatching(/^ruby -rnet\/http -e .*http:\/\/127\.0\.0\.1:4567\/api\/hostname/),
      30,
    ],
  ])('checks %s with the tool its image ships', (family, command, startPeriod) => {
    expect(healthChecks[family]).toEqual({
      Command: ['CMD-SHELL', command],
      Interval: 10,
      Timeout: 5,
      Retries: 3,
      StartPeriod: startPeriod,
    });
  });

  test('leaves yelb-ui to its load balancer health check (the nginx image is not known to ship a client)', () => {
    expect(healthChecks['yelb-ui']).toBeUndefined();
  });
});

describe('Service Connect routes to a task only once its app is healthy (containers-roadmap#2334)', () => {
  const { system: template } = templatesOf('serviceConnect');
  const containers = (family: string) =>
    resourcesOf(template, 'AWS::ECS::TaskDefinition').find((td) => td.Properties.Family === family)!
      .Properties.ContainerDefinitions;

  test.each(['yelb-appserver', 'yelb-db', 'yelb-redis'])(
    '%s: a non-essential container starts only once the app is HEALTHY, and exits',
    (family) => {
      const [app, gate] = containers(family);
      expect(app.HealthCheck).toBeDefined();
      expect(gate).toMatchObject({
        Name: `${family}-ready`,
        Image: 'public.ecr.aws/docker/library/busybox:1.37',
        Essential: false,
        Command: ['true'],
        DependsOn: [{ ContainerName: family, Condition: 'HEALTHY' }],
      });
      expect(gate.PortMappings).toBeUndefined();
    }
  );

  test('yelb-ui, which no service calls and which has no container health check, has no gate', () => {
    expect(containers('yelb-ui')).toHaveLength(1);
  });
});

describe('storage context', () => {
  // One synth for both settings: each test checks its own.
  const { system: retainedWithoutBackups } = templatesOf('discovery', {
    dbStorageRemoval: 'retain',
    dbBackups: 'false',
  });

  test('dbStorageRemoval=retain keeps the file system when the stack goes', () => {
    retainedWithoutBackups.hasResource('AWS::EFS::FileSystem', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  test('dbBackups=false turns automatic backups off explicitly (left out, CloudFormation would leave them on)', () => {
    retainedWithoutBackups.hasResourceProperties('AWS::EFS::FileSystem', {
      BackupPolicy: { Status: 'DISABLED' },
    });
    templatesOf('discovery').system.hasResourceProperties('AWS::EFS::FileSystem', {
      BackupPolicy: { Status: 'ENABLED' },
    });
  });

  test('dbStorage=ephemeral keeps the walkthrough: data in the task, new tasks first', () => {
    const { system: yelb } = templatesOf('serviceConnect', { dbStorage: 'ephemeral' });
    yelb.resourceCountIs('AWS::EFS::FileSystem', 0);
    yelb.resourceCountIs('AWS::EFS::AccessPoint', 0);
    const db = resourcesOf(yelb, 'AWS::ECS::TaskDefinition').find(
      (td) => td.Properties.Family === 'yelb-db'
    )!;
    expect(db.Properties.Volumes).toBeUndefined();
    expect(db.Properties.ContainerDefinitions[0].Environment).toBeUndefined();
    // Nothing shared, nothing to lock: the image starts as it always did.
    expect(db.Properties.ContainerDefinitions[0].EntryPoint).toBeUndefined();
    expect(db.Properties.ContainerDefinitions[0].Command).toBeUndefined();
    expect(ecsServices(yelb)['yelb-db'].Properties.DeploymentConfiguration).toMatchObject({
      MinimumHealthyPercent: 100,
      MaximumPercent: 200,
    });
  });
});

test('no step of the migration or its rollback touches the file system or its access point', () => {
  const templates = new Map(MIGRATION_PHASES.map((p) => [p, { Yelb: templatesOf(p).system.toJSON() }]));
  for (const plan of planSteps([...MIGRATION_STEPS, ['retired', 'discovery']], templates)) {
    const efs = plan.stacks
      .flatMap((s) => [...s.added, ...s.removed, ...s.updated])
      .filter((c) => c.type.startsWith('AWS::EFS::'));
    expect(`${plan.from} → ${plan.to}: ${JSON.stringify(efs)}`).toBe(`${plan.from} → ${plan.to}: []`);
  }
});
