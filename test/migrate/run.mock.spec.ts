import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { defaultPlanOptions } from '../../lib/model/plan';
import {
  DescribeClustersCommand,
  DescribeServicesCommand,
  ECSClient,
  Service,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import {
  GetNamespaceCommand,
  ListNamespacesCommand,
  ListServicesCommand,
  ServiceDiscoveryClient,
} from '@aws-sdk/client-servicediscovery';
import { AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { createClients } from '../../lib/aws/clients';
import { planApply } from '../../lib/migrate/plan';
import { runWaves } from '../../lib/migrate/run';
import { SC_UPDATE_DIR, loadScUpdates } from '../../lib/migrate/sc-files';
import { resolveTarget } from '../../lib/migrate/target';
import { YELB } from '../../lib/model/yelb';
import { ValidationError } from '../../lib/core/validation';

// Stubbed while these tests run only: mockClient patches the client classes themselves, and other
// specs of the same Jest file use real clients against the local fake.
let ecs: AwsClientStub<ECSClient>;
let cloudMap: AwsClientStub<ServiceDiscoveryClient>;
let cfn: AwsClientStub<CloudFormationClient>;
beforeAll(() => {
  ecs = mockClient(ECSClient);
  cloudMap = mockClient(ServiceDiscoveryClient);
  cfn = mockClient(CloudFormationClient);
});
afterAll(() => [ecs, cloudMap, cfn].forEach((m) => m.restore()));
const NS = {
  name: 'yelb.sc.internal',
  arn: 'arn:aws:servicediscovery:eu-west-1:1:namespace/ns-1',
  id: 'ns-1',
};
const wait = { timeoutSeconds: 5, pollSeconds: 0.01 };

beforeEach(() => {
  ecs.reset();
  cloudMap.reset();
  cfn.reset();
});

/** A service whose PRIMARY deployment runs `config`, as ECS reports it. */
function service(name: string, config?: object): Service {
  return {
    serviceName: name,
    status: 'ACTIVE',
    desiredCount: 1,
    runningCount: 1,
    deployments: [
      {
        id: `d-${name}`,
        status: 'PRIMARY',
        rolloutState: 'COMPLETED',
        serviceConnectConfiguration: config as any,
      },
    ],
  };
}

describe('runWaves with mocked clients', () => {
  const waves = planApply(
    YELB,
    {
      cluster: 'yelb-cluster',
      region: 'eu-west-1',
      namespace: NS.arn,
      options: defaultPlanOptions('serviceConnect'),
    },
    loadScUpdates(SC_UPDATE_DIR, YELB)
  );
  /** What ECS would report for a service after this plan was applied. */
  const applied = (name: string) => {
    const input = waves.flatMap((w) => w.updates).find((u) => u.service.name === name)!.input
      .serviceConnectConfiguration!;
    return {
      ...input,
      services: input.services?.map((s) => ({ ...s, discoveryName: s.portName })),
    };
  };

  test('sends nothing for services already in the target state (live configuration compared)', async () => {
    ecs
      .on(DescribeServicesCommand)
      .callsFake((input) => ({ services: input.services.map((n: string) => service(n, applied(n))) }));
    cloudMap
      .on(ListServicesCommand)
      .resolves({ Services: ['yelb-db', 'yelb-redis', 'yelb-appserver'].map((Name) => ({ Name })) });
    const outcomes = await runWaves(createClients('eu-west-1'), NS, waves, wait, () => undefined);
    expect(ecs.commandCalls(UpdateServiceCommand)).toHaveLength(0);
    expect(outcomes.map((o) => o.result)).toEqual(['skipped', 'skipped', 'skipped', 'skipped']);
  });

  test('updates only the service whose live configuration differs', async () => {
    let updated = false;
    ecs.on(DescribeServicesCommand).callsFake((input) => ({
      services: input.services.map((n: string) =>
        n === 'yelb-redis' && !updated
          ? service(n, {
              ...applied(n),
              services: [{ portName: 'yelb-redis', clientAliases: [{ port: 1 }] }],
            })
          : service(n, applied(n))
      ),
    }));
    ecs.on(UpdateServiceCommand).callsFake(() => {
      updated = true;
      return { service: service('yelb-redis', applied('yelb-redis')) };
    });
    cloudMap
      .on(ListServicesCommand)
      .resolves({ Services: ['yelb-db', 'yelb-redis', 'yelb-appserver'].map((Name) => ({ Name })) });
    const outcomes = await runWaves(createClients('eu-west-1'), NS, waves, wait, () => undefined);
    expect(ecs.commandCalls(UpdateServiceCommand).map((c) => c.args[0].input.service)).toEqual([
      'yelb-redis',
    ]);
    expect(outcomes.find((o) => o.service === 'yelb-redis')).toMatchObject({
      before: 'on (other configuration)',
      after: 'on',
      result: 'changed',
    });
  });

  test('fails when the service is stable on another PRIMARY deployment than the one it started (a rollback)', async () => {
    // A waiter that only checked "stable" would succeed here: the wait's acceptor notices.
    ecs
      .on(DescribeServicesCommand)
      .callsFake((input) => ({ services: input.services.map((n: string) => service(n)) }));
    ecs.on(UpdateServiceCommand).callsFake((input) => ({
      service: {
        ...service(input.service),
        deployments: [{ id: 'd-started', status: 'PRIMARY', rolloutState: 'IN_PROGRESS' }],
      },
    }));
    const attempt = runWaves(createClients('eu-west-1'), NS, waves, wait, () => undefined);
    await expect(attempt).rejects.toThrow(/yelb-db: deployment d-started failed and was rolled back/);
    expect(ecs.commandCalls(UpdateServiceCommand).map((c) => c.args[0].input.service)).toEqual([
      'yelb-db',
      'yelb-redis',
    ]);
  });
});

describe('runWaves: the checks that decide, and their near misses', () => {
  const waves = planApply(
    YELB,
    {
      cluster: 'yelb-cluster',
      region: 'eu-west-1',
      namespace: NS.arn,
      options: defaultPlanOptions('serviceConnect'),
    },
    loadScUpdates(SC_UPDATE_DIR, YELB)
  );
  const sent = (name: string) => {
    const input = waves.flatMap((w) => w.updates).find((u) => u.service.name === name)!.input
      .serviceConnectConfiguration!;
    return { ...input, services: input.services?.map((s) => ({ ...s, discoveryName: s.portName })) };
  };
  /** UpdateService starts `d-started`; DescribeServices then reports `after` for the started service. */
  function deployAndReport(
    after: (name: string) => Service,
    answer: (name: string) => object[] = () => [
      { id: 'd-started', status: 'PRIMARY', rolloutState: 'IN_PROGRESS' },
    ]
  ) {
    const started = new Set<string>();
    ecs.on(DescribeServicesCommand).callsFake((input) => ({
      services: input.services.map((n: string) => (started.has(n) ? after(n) : service(n))),
    }));
    ecs.on(UpdateServiceCommand).callsFake((input) => {
      started.add(input.service);
      return { service: { ...service(input.service), deployments: answer(input.service) } };
    });
    cloudMap
      .on(ListServicesCommand)
      .resolves({ Services: ['yelb-db', 'yelb-redis', 'yelb-appserver'].map((Name) => ({ Name })) });
  }
  const stable = (name: string, deployments: object[]): Service => ({
    ...service(name),
    deployments: deployments,
  });

  test('fails when the PRIMARY deployment is the one started but does not carry the configuration sent', async () => {
    deployAndReport((n) =>
      stable(n, [
        {
          id: 'd-started',
          status: 'PRIMARY',
          rolloutState: 'COMPLETED',
          serviceConnectConfiguration: {
            ...sent(n),
            services: [{ portName: 'yelb-db', clientAliases: [{ port: 1 }] }],
          },
        },
      ])
    );
    await expect(runWaves(createClients('eu-west-1'), NS, waves, wait, () => undefined)).rejects.toThrow(
      /yelb-db: the PRIMARY deployment does not carry what was sent/
    );
  });

  test('passes when the PRIMARY deployment is the one started and carries what was sent', async () => {
    deployAndReport((n) =>
      stable(n, [
        {
          id: 'd-started',
          status: 'PRIMARY',
          rolloutState: 'COMPLETED',
          serviceConnectConfiguration: sent(n),
        },
      ])
    );
    const outcomes = await runWaves(createClients('eu-west-1'), NS, waves, wait, () => undefined);
    expect(outcomes.map((o) => o.result)).toEqual(['changed', 'changed', 'changed', 'changed']);
  });

  test('fails, naming both, when another deployment became PRIMARY after the wait (even with the configuration sent)', async () => {
    // The wait sees the deployment started complete; by the verification someone else's
    // deployment (another UpdateService, a force-new-deployment) is PRIMARY. It carries the same
    // configuration, so only the deployment ID tells that this run's change is not what runs.
    let reads = 0;
    deployAndReport((n) => {
      reads += 1;
      const id = n === 'yelb-db' && reads > 2 ? 'd-someone-else' : 'd-started';
      return stable(n, [
        { id, status: 'PRIMARY', rolloutState: 'COMPLETED', serviceConnectConfiguration: sent(n) },
      ]);
    });
    await expect(runWaves(createClients('eu-west-1'), NS, waves, wait, () => undefined)).rejects.toThrow(
      /^yelb-db: the PRIMARY deployment is d-someone-else, not d-started that this run started/
    );
  });

  test("the deployment started is the PRIMARY one of UpdateService's answer, wherever it is listed", async () => {
    // ECS lists the old deployment first here: taking deployments[0] would be a near miss.
    deployAndReport(
      (n) =>
        stable(n, [
          {
            id: 'd-started',
            status: 'PRIMARY',
            rolloutState: 'COMPLETED',
            serviceConnectConfiguration: sent(n),
          },
        ]),
      (n) => [
        { id: `d-${n}`, status: 'ACTIVE', rolloutState: 'COMPLETED' },
        { id: 'd-started', status: 'PRIMARY', rolloutState: 'IN_PROGRESS' },
      ]
    );
    const outcomes = await runWaves(createClients('eu-west-1'), NS, waves, wait, () => undefined);
    expect(outcomes.map((o) => o.result)).toEqual(['changed', 'changed', 'changed', 'changed']);
  });

  test('a service that is on in another namespace is not "already migrated"', async () => {
    const otherNamespace = (n: string) => ({
      ...sent(n),
      namespace: 'arn:aws:servicediscovery:eu-west-1:1:namespace/ns-other',
    });
    ecs
      .on(DescribeServicesCommand)
      .callsFake((input) => ({ services: input.services.map((n: string) => service(n, otherNamespace(n))) }));
    ecs.on(UpdateServiceCommand).rejects(new Error('stop after the first update'));
    await expect(runWaves(createClients('eu-west-1'), NS, waves, wait, () => undefined)).rejects.toThrow(
      /UpdateService failed/
    );
    expect(ecs.commandCalls(UpdateServiceCommand)).toHaveLength(1);
  });
});

describe('resolveTarget with mocked clients', () => {
  test('takes the cluster, namespace and log group from the stack outputs', async () => {
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: 'Yelb',
          CreationTime: new Date(),
          StackStatus: 'UPDATE_COMPLETE',
          Outputs: [
            { OutputKey: 'ClusterName', OutputValue: 'from-stack' },
            { OutputKey: 'LogGroupName', OutputValue: '/logs' },
            { OutputKey: 'MigrationPhase', OutputValue: 'serviceConnect' },
            { OutputKey: 'ServiceConnectNamespaceId', OutputValue: 'ns-1' },
          ],
        },
      ],
    });
    ecs.on(DescribeClustersCommand).resolves({ clusters: [{ clusterName: 'from-stack', status: 'ACTIVE' }] });
    ecs
      .on(DescribeServicesCommand)
      .callsFake((input) => ({ services: input.services.map((n: string) => service(n)) }));
    cloudMap
      .on(GetNamespaceCommand)
      .resolves({ Namespace: { Id: 'ns-1', Arn: NS.arn, Name: NS.name, Type: 'HTTP' } });
    const target = await resolveTarget(createClients('eu-west-1'), 'eu-west-1', YELB, { stack: 'Yelb' });
    expect(target).toMatchObject({
      cluster: 'from-stack',
      logGroupName: '/logs',
      deployedPhase: 'serviceConnect',
      namespace: NS,
    });
    expect(ecs.commandCalls(DescribeClustersCommand)[0].args[0].input).toEqual({ clusters: ['from-stack'] });
  });

  test('collects every missing resource into one validation error', async () => {
    cfn
      .on(DescribeStacksCommand)
      .rejects(Object.assign(new Error('Stack with id Yelb does not exist'), { name: 'ValidationError' }));
    ecs.on(DescribeClustersCommand).resolves({ clusters: [], failures: [{ reason: 'MISSING' }] });
    cloudMap.on(ListNamespacesCommand).resolves({ Namespaces: [] });
    const attempt = resolveTarget(createClients('eu-west-1'), 'eu-west-1', YELB, { stack: 'Yelb' });
    await expect(attempt).rejects.toThrow(ValidationError);
    await expect(
      resolveTarget(createClients('eu-west-1'), 'eu-west-1', YELB, { stack: 'Yelb' })
    ).rejects.toThrow(
      /cluster 'yelb-cluster' does not exist in eu-west-1.*\n.*namespace 'yelb.sc.internal' does not exist/
    );
    expect(ecs.commandCalls(UpdateServiceCommand)).toHaveLength(0);
  });
});
