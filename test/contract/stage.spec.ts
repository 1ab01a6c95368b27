import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { STAGE, stackNames, stagedTopology } from '../../lib/contract/stage';
import { YELB } from '../../lib/model/yelb';
import { MigrationApp } from '../../lib/app/app';
import { buildApp } from '../support/app';

/**
 * The names that must be unique per account and region, by resource type and property: the
 * stacks' own names aside, what two copies of the app may not share.
 */
const ACCOUNT_UNIQUE: Record<string, string> = {
  'AWS::ECS::Cluster': 'ClusterName',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::ServiceDiscovery::HttpNamespace': 'Name',
  'AWS::CloudWatch::Dashboard': 'DashboardName',
  'AWS::ElasticLoadBalancingV2::LoadBalancer': 'Name',
  'AWS::ECR::Repository': 'RepositoryName',
  'AWS::CloudWatch::Alarm': 'AlarmName',
  'AWS::ElasticLoadBalancingV2::TargetGroup': 'Name',
  'AWS::SNS::Topic': 'TopicName',
  'AWS::IAM::Role': 'RoleName',
  'AWS::Lambda::Function': 'FunctionName',
  // Not unique as such, but a family is a revision history of its own per account and region.
  'AWS::ECS::TaskDefinition': 'Family',
};

/** Every account-unique name an app sets, stack names included (a name CloudFormation generates is not listed). */
function accountUniqueNames(built: MigrationApp): string[] {
  const stacks = built.app.node.children.filter((c): c is Stack => c instanceof Stack);
  const names = stacks.map((s) => `stack ${s.stackName}`);
  for (const stack of stacks) {
    const resources = Template.fromStack(stack).toJSON().Resources ?? {};
    for (const resource of Object.values<any>(resources)) {
      const property = ACCOUNT_UNIQUE[resource.Type];
      const value = property && resource.Properties?.[property];
      if (typeof value === 'string') names.push(`${resource.Type} ${value}`);
    }
  }
  return names.sort();
}

const flags = {
  serviceConnect: 'true',
  loadTest: 'true',
  mirrorImages: 'true',
  alarmEmail: 'ops@example.com',
};

describe('-c stage=NAME: a copy beside the others', () => {
  const blue = buildApp('discovery', { ...flags, stage: 'blue' });
  const green = buildApp('discovery', { ...flags, stage: 'green' });
  const plain = buildApp('discovery', flags);

  test('two stages share no account-unique name, nor with the copy without a stage', () => {
    const [b, g, p] = [blue, green, plain].map(accountUniqueNames);
    expect(b.length).toBeGreaterThan(8);
    expect(b.filter((n) => g.includes(n) || p.includes(n))).toEqual([]);
    expect(b.filter((n) => n.startsWith('stack '))).toEqual([
      'stack Yelb-blue',
      'stack YelbLoadTest-blue',
      'stack YelbNetwork-blue',
    ]);
    expect(b).toEqual(
      expect.arrayContaining([
        'AWS::ECS::Cluster yelb-cluster-blue',
        'AWS::Logs::LogGroup ecs/serviceconnectdemo-blue',
        'AWS::ServiceDiscovery::HttpNamespace blue.yelb.sc.internal',
        'AWS::CloudWatch::Dashboard yelb-cluster-blue-migration',
        'AWS::ElasticLoadBalancingV2::LoadBalancer legacy-yelb-cluster-blue',
        'AWS::ECR::Repository yelb-cluster-blue/docker.io/mreferre/yelb-ui',
        'AWS::ECS::TaskDefinition yelb-ui-blue',
        'AWS::ECS::TaskDefinition yelb-db-blue',
        'AWS::ECS::TaskDefinition yelb-loadtest-blue',
      ])
    );
  });

  test('the names the clients use stay the same in every stage (the migration story is the same)', () => {
    for (const built of [blue, green]) {
      const yelb = Template.fromStack(built.system);
      yelb.hasResourceProperties('AWS::ServiceDiscovery::PrivateDnsNamespace', {
        Name: 'yelb.cloudmap.internal',
      });
      yelb.hasResourceProperties('AWS::Route53::HostedZone', { Name: 'yelb.lb.internal.' });
      const [ui] = Object.values<any>(yelb.findResources('AWS::ECS::TaskDefinition')).filter((t) =>
        t.Properties.Family.startsWith('yelb-ui-')
      );
      expect(ui.Properties.ContainerDefinitions[0].Environment).toEqual([
        { Name: 'YELB_APPSERVER_ENDPOINT', Value: 'http://yelb-appserver.yelb.lb.internal:4567' },
      ]);
    }
  });

  test('without a stage every name is what it was', () => {
    expect(plain.app.node.children.filter((c) => c instanceof Stack).map((s) => s.stackName)).toEqual([
      'YelbNetwork',
      'Yelb',
      'YelbLoadTest',
    ]);
    expect(
      accountUniqueNames(plain)
        .filter((n) => n.startsWith('AWS::ECS::TaskDefinition'))
        .sort()
    ).toEqual(
      ['yelb-appserver', 'yelb-db', 'yelb-loadtest', 'yelb-redis', 'yelb-ui'].map(
        (family) => `AWS::ECS::TaskDefinition ${family}`
      )
    );
    expect(stagedTopology(YELB, undefined)).toEqual(YELB);
    expect(stackNames(YELB)).toEqual({ network: 'YelbNetwork', system: 'Yelb', loadTest: 'YelbLoadTest' });
  });

  test('an explicit cluster or log group name is kept as given', () => {
    expect(stagedTopology(YELB, 'blue', { clusterName: 'mine' })).toMatchObject({
      clusterName: 'mine',
      logGroupName: 'ecs/serviceconnectdemo-blue',
    });
  });

  test.each(['Blue', '1blue', 'blue-', 'a-very-long-stage', 'blue_1', ''])(
    'refuses the stage name %j',
    (name) => {
      expect(STAGE.test(name)).toBe(false);
    }
  );
});
