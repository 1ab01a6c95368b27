import { Template } from 'aws-cdk-lib/assertions';
import { parseConfig } from '../../lib/app/config';
import { outputCount } from '../../lib/app/deploy-limits';
import { plannedResources, resourceCensus } from '../../lib/app/resources';
import { templateCensus } from '../support/census';
import { ACCESS_LOG_QUERY } from '../../lib/constructs/migration-dashboard';
import { DEPLOYMENT_ALARM_DEFAULTS } from '../../lib/model/alarms';
import { ValidationError } from '../../lib/core/validation';
import { MIGRATION_PHASES, MigrationPhase } from '../../lib/model/phase';
import { TEST_TRAFFIC_HEADER } from '../../lib/model/deployment';
import { validateTopology } from '../../lib/model/graph';
import { readTopologyFile } from '../../lib/model/topology-file';
import { YELB } from '../../lib/model/yelb';
import { planIsSafe, planStep } from '../../lib/plan/plan';
import { renderPlan } from '../../lib/plan/render';
import { TEST_CONTEXT, buildApp, phaseContext, templatesOf } from '../support/app';
import { nagAcknowledgements, nagViolations } from '../support/nag';
import { ecsServices, resourcesOf } from '../support/template';

/**
 * Every later deploy guarded by ECS itself: deployment alarms with rollback, gradual deployments
 * where ECS can shift the traffic, Service Connect access logs, TLS between the services, and
 * what the dashboard and the plan say of them. In every phase they apply to.
 */
const CA =
  'arn:aws:acm-pca:eu-west-1:123456789012:certificate-authority/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b';
const SHOP = 'examples/shop.topology.json';
const PUBLIC_ALARMS = ['yelb-cluster-deploy-public-target-5xx', 'yelb-cluster-deploy-public-p99'];
const APPSERVER_ALARMS = [
  'yelb-cluster-deploy-yelb-appserver-service-connect-5xx',
  'yelb-cluster-deploy-yelb-appserver-service-connect-p99',
];

const refusal = (context: Record<string, string>): string[] => {
  try {
    parseConfig({ ...TEST_CONTEXT, ...context }, YELB);
    return [];
  } catch (err) {
    if (err instanceof ValidationError) return [...err.problems];
    throw err;
  }
};

describe('1. a bad deployment rolls itself back', () => {
  const deployment = (phase: MigrationPhase) =>
    Object.fromEntries(
      Object.entries(ecsServices(templatesOf(phase).system)).map(([name, r]) => [
        name,
        r.Properties.DeploymentConfiguration,
      ])
    );

  test.each(MIGRATION_PHASES)(
    '%s: every service rolls back on the public alarms, a Service Connect server also on its own, the database on none; the circuit breaker stays',
    (phase) => {
      const serviceConnect = phase !== 'discovery';
      for (const [name, config] of Object.entries(deployment(phase))) {
        const own = serviceConnect && name === 'yelb-appserver' ? APPSERVER_ALARMS : [];
        // The database's deployment is a planned outage (stop before start): its callers'
        // errors during it would roll every one of its deployments back. Named, but off.
        const watched = name !== 'yelb-db';
        expect({ name, alarms: config.Alarms }).toEqual({
          name,
          alarms: { AlarmNames: [...PUBLIC_ALARMS, ...own], Enable: watched, Rollback: watched },
        });
        expect(config.DeploymentCircuitBreaker).toEqual({ Enable: true, Rollback: true });
      }
    }
  );

  test.each(MIGRATION_PHASES)(
    '%s: each service is created after the alarms its deployments watch',
    (phase) => {
      const template = templatesOf(phase).system;
      const alarmIds = new Map(
        resourcesOf(template, 'AWS::CloudWatch::Alarm').map((a) => [
          a.Properties.AlarmName as string,
          a.logicalId,
        ])
      );
      for (const [name, svc] of Object.entries(ecsServices(template))) {
        const watched = (svc.Properties.DeploymentConfiguration.Alarms.AlarmNames as string[]).map((n) =>
          alarmIds.get(n)
        );
        expect({ name, after: svc.DependsOn }).toEqual({ name, after: expect.arrayContaining(watched) });
      }
    }
  );

  test('the alarms exist in every phase (the same resources), without data they are OK, and they are named', () => {
    for (const phase of MIGRATION_PHASES) {
      const alarms = resourcesOf(templatesOf(phase).system, 'AWS::CloudWatch::Alarm').filter((a) =>
        String(a.Properties.AlarmName ?? '').includes('-deploy-')
      );
      expect(alarms.map((a) => a.Properties.AlarmName).sort()).toEqual(
        [...PUBLIC_ALARMS, ...APPSERVER_ALARMS].sort()
      );
      for (const alarm of alarms) expect(alarm.Properties.TreatMissingData).toBe('notBreaching');
    }
  });

  test("the public alarms watch the public load balancer's target 5xx and p99 (both its target groups); Service Connect's sum its callers' metrics", () => {
    const alarms = resourcesOf(templatesOf('serviceConnect').system, 'AWS::CloudWatch::Alarm');
    const byName = (name: string) => alarms.find((a) => a.Properties.AlarmName === name)!.Properties;
    expect(byName(PUBLIC_ALARMS[0])).toMatchObject({
      MetricName: 'HTTPCode_Target_5XX_Count',
      Namespace: 'AWS/ApplicationELB',
      Statistic: 'Sum',
      Threshold: DEPLOYMENT_ALARM_DEFAULTS.errorsPerMinute,
      DatapointsToAlarm: DEPLOYMENT_ALARM_DEFAULTS.errorMinutes,
      EvaluationPeriods: DEPLOYMENT_ALARM_DEFAULTS.evaluationMinutes,
    });
    // Not one target group's: after a gradual deployment of the public entry the traffic may be on either.
    for (const alarm of PUBLIC_ALARMS) {
      expect(byName(alarm).Dimensions.map((d: { Name: string }) => d.Name)).toEqual(['LoadBalancer']);
    }
    expect(byName(PUBLIC_ALARMS[1])).toMatchObject({
      MetricName: 'TargetResponseTime',
      ExtendedStatistic: 'p99',
      Threshold: 2,
    });
    const serviceConnect = byName(APPSERVER_ALARMS[0]);
    const [expression, ...metrics] = serviceConnect.Metrics;
    expect(expression.Expression).toBe('SUM([m0_0])');
    // yelb-appserver's one caller is yelb-ui: the metric on the dimensions Service Connect publishes.
    expect(metrics[0].MetricStat.Metric).toEqual({
      Namespace: 'AWS/ECS',
      MetricName: 'HTTPCode_Target_5XX_Count',
      Dimensions: [
        { Name: 'ClusterName', Value: 'yelb-cluster' },
        { Name: 'ServiceName', Value: 'yelb-ui' },
        { Name: 'TargetDiscoveryName', Value: 'yelb-appserver' },
      ],
    });
    expect(byName(APPSERVER_ALARMS[1]).Metrics[0].Expression).toBe('MAX([m0_0])');
    expect(byName(APPSERVER_ALARMS[1]).Threshold).toBe(2000);
  });

  test('a server with several callers sums them all (the shop: catalog is called by storefront and search)', () => {
    const template = Template.fromStack(buildApp('serviceConnect', { topology: SHOP }).system);
    const alarm = resourcesOf(template, 'AWS::CloudWatch::Alarm').find(
      (a) => a.Properties.AlarmName === 'shop-cluster-deploy-catalog-service-connect-5xx'
    )!;
    const callers = alarm.Properties.Metrics.slice(1).map(
      (m: { MetricStat: { Metric: { Dimensions: { Name: string; Value: string }[] } } }) =>
        m.MetricStat.Metric.Dimensions.find((d) => d.Name === 'ServiceName')!.Value
    );
    expect(callers.sort()).toEqual(['search', 'storefront']);
    expect(alarm.Properties.Metrics[0].Expression).toBe('SUM([m0_0, m1_0])');
    // The file's own thresholds (deploymentAlarms): what its normal traffic stays under.
    expect(alarm.Properties.Threshold).toBe(20);
    const p99 = resourcesOf(template, 'AWS::CloudWatch::Alarm').find(
      (a) => a.Properties.AlarmName === 'shop-cluster-deploy-public-p99'
    )!;
    expect(p99.Properties.Threshold).toBe(3);
  });

  test('the dashboard shows every deployment alarm', () => {
    const [dashboard] = resourcesOf(templatesOf('retired').system, 'AWS::CloudWatch::Dashboard');
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const logicalId of [
      'DeployPublicTarget5xxAlarm',
      'DeployAppserverServiceConnectResponseTimeAlarm',
    ]) {
      expect(body).toContain(`Monitoring${logicalId}`);
    }
  });
});

describe('2. gradual deployments after the migration', () => {
  test('rolling by default, stated in every template (an absent strategy would leave a gradual one in place)', () => {
    for (const phase of MIGRATION_PHASES) {
      for (const svc of Object.values(ecsServices(templatesOf(phase).system))) {
        expect(svc.Properties.DeploymentConfiguration.Strategy).toBe('ROLLING');
        expect(svc.Properties.DeploymentConfiguration.BakeTimeInMinutes).toBeUndefined();
        expect(svc.Properties.DeploymentController).toBeUndefined();
      }
    }
  });

  test.each(['discovery', 'serviceConnect'] as const)(
    'refused in the %s phase, which still has the old path, with the reason',
    (phase) => {
      expect(refusal({ ...phaseContext(phase), deploymentStrategy: 'blueGreen' })).toEqual([
        expect.stringMatching(
          new RegExp(
            `^context key 'deploymentStrategy' is 'blueGreen', but the ${phase} phase still has the old path .*allowed: a gradual strategy with retireLegacy=true only`
          )
        ),
      ]);
    }
  );

  test.each([
    [
      { deploymentStrategy: 'purple' },
      /context key 'deploymentStrategy' has value 'purple'; allowed: 'rolling', 'blueGreen', 'linear' or 'canary'/,
    ],
    [{ bakeTimeMinutes: '5' }, /'bakeTimeMinutes' is set but deploymentStrategy is 'rolling'/],
    [
      { deploymentStrategy: 'blueGreen', deploymentStepPercent: '10' },
      /'deploymentStepPercent' is set but deploymentStrategy is 'blueGreen'/,
    ],
    [
      { deploymentStrategy: 'linear', deploymentStepPercent: '2' },
      /'deploymentStepPercent' is 2 with deploymentStrategy=linear; allowed: 3.0 to 100.0/,
    ],
    [
      { deploymentStrategy: 'canary', deploymentStepPercent: '0.05' },
      /'deploymentStepPercent' has value '0.05'/,
    ],
    [
      { deploymentStrategy: 'canary', bakeTimeMinutes: '1441' },
      /'bakeTimeMinutes' has value '1441'; allowed: an integer from 0 to 1440/,
    ],
  ])('refuses %j', (context, message) => {
    expect(refusal({ ...phaseContext('retired'), ...context }).join('\n')).toMatch(message);
  });

  const retiredWith = (context: Record<string, string>, topology?: string) =>
    Template.fromStack(
      buildApp('retired', { ...context, ...(topology !== undefined && { topology }) }).system
    );

  test("blueGreen in the retired phase: Yelb's appserver through Service Connect (with the test traffic header) and its public entry over the load balancer, each with the bake time", () => {
    const services = ecsServices(retiredWith({ deploymentStrategy: 'blueGreen', bakeTimeMinutes: '10' }));
    const appserver = services['yelb-appserver'].Properties;
    expect(services['yelb-ui'].Properties.DeploymentConfiguration).toMatchObject({
      Strategy: 'BLUE_GREEN',
      BakeTimeInMinutes: 10,
    });
    expect(appserver.DeploymentConfiguration).toMatchObject({
      Strategy: 'BLUE_GREEN',
      BakeTimeInMinutes: 10,
    });
    expect(appserver.DeploymentController).toBeUndefined();
    expect(appserver.ServiceConnectConfiguration.Services[0].ClientAliases[0]).toEqual({
      DnsName: 'yelb-appserver.yelb.lb.internal',
      Port: 4567,
      TestTrafficRules: { Header: { Name: TEST_TRAFFIC_HEADER } },
    });
    // The database and Redis stay rolling: singletons, one writer of their data.
    for (const name of ['yelb-db', 'yelb-redis']) {
      expect({ name, strategy: services[name].Properties.DeploymentConfiguration.Strategy }).toEqual({
        name,
        strategy: 'ROLLING',
      });
    }
  });

  test('linear and canary carry their step and step bake time', () => {
    const linear = ecsServices(
      retiredWith({
        deploymentStrategy: 'linear',
        deploymentStepPercent: '20',
        deploymentStepBakeMinutes: '2',
      })
    );
    for (const name of ['yelb-appserver', 'yelb-ui']) {
      expect(linear[name].Properties.DeploymentConfiguration).toMatchObject({
        Strategy: 'LINEAR',
        LinearConfiguration: { StepPercent: 20, StepBakeTimeInMinutes: 2 },
      });
    }
    const canary = ecsServices(retiredWith({ deploymentStrategy: 'canary', deploymentStepPercent: '5.5' }));
    for (const name of ['yelb-appserver', 'yelb-ui']) {
      expect(canary[name].Properties.DeploymentConfiguration).toMatchObject({
        Strategy: 'CANARY',
        CanaryConfiguration: { CanaryPercent: 5.5 },
      });
    }
  });

  test('in the shop: every HTTP server behind Service Connect and the public entry; singletons, TCP and the worker stay rolling', () => {
    const services = ecsServices(retiredWith({ deploymentStrategy: 'canary' }, SHOP));
    const strategies = Object.fromEntries(
      Object.entries(services).map(([name, r]) => [
        name,
        r.Properties.DeploymentConfiguration.Strategy ?? 'ROLLING',
      ])
    );
    expect(strategies).toEqual({
      storefront: 'CANARY',
      catalog: 'CANARY',
      search: 'CANARY',
      cart: 'CANARY',
      checkout: 'CANARY',
      payments: 'CANARY',
      sessions: 'ROLLING',
      'orders-db': 'ROLLING',
      mailer: 'ROLLING',
    });
  });

  test('the plan says a change of strategy is an in-place update, and the step is safe', () => {
    const from = buildApp('retired');
    const to = buildApp('retired', { deploymentStrategy: 'blueGreen' });
    const templates = (app: typeof from) =>
      Object.fromEntries([app.network, app.system].map((s) => [s.stackName, Template.fromStack(s).toJSON()]));
    const plan = planStep('retired', 'retired', templates(from), templates(to));
    expect(plan.notes).toEqual([
      'yelb-ui: deployment strategy ROLLING → BLUE_GREEN: an in-place update of the service; this deployment and the later ones run blue/green',
      'yelb-appserver: deployment strategy ROLLING → BLUE_GREEN: an in-place update of the service; this deployment and the later ones run blue/green',
    ]);
    expect(planIsSafe([plan])).toBe(true);
    expect(renderPlan([plan])).toContain('  note: yelb-appserver: deployment strategy ROLLING → BLUE_GREEN');
  });
});

describe("2b. the public entry's gradual deployments, over its load balancer", () => {
  const CERTIFICATE = 'arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b';
  const BLUE_GREEN = { deploymentStrategy: 'blueGreen' };
  /** The stacks' templates by stack name, as planStep takes them. */
  const templates = (phase: MigrationPhase, context: Record<string, string> = {}) => {
    const t = templatesOf(phase, context);
    return { YelbNetwork: t.network.toJSON(), Yelb: t.system.toJSON() };
  };
  const ui = (t: ReturnType<typeof templates>) =>
    Object.values(t.Yelb.Resources as Record<string, any>).find(
      (r) => r.Type === 'AWS::ECS::Service' && r.Properties.ServiceName === 'yelb-ui'
    );
  const SHIFT_PREFIXES = [
    'PublicAlbAlternateTargetGroup',
    'PublicAlbProductionRule',
    'PublicAlbInfrastructureRole',
  ];
  /** The resources ECS shifts the traffic with, by logical ID. */
  const shiftResources = (t: ReturnType<typeof templates>) =>
    Object.fromEntries(
      Object.entries(t.Yelb.Resources as Record<string, unknown>).filter(([id]) =>
        SHIFT_PREFIXES.some((p) => id.startsWith(p))
      )
    );
  /** The templates of a version of the app without the attachment (before this one). */
  const withoutShift = (t: ReturnType<typeof templates>) => {
    const earlier = structuredClone(t);
    const resources = earlier.Yelb.Resources as Record<string, any>;
    for (const id of Object.keys(shiftResources(earlier))) delete resources[id];
    for (const r of Object.values(resources)) {
      if (Array.isArray(r.DependsOn)) r.DependsOn = r.DependsOn.filter((d: string) => d in resources);
    }
    delete ui(earlier).Properties.LoadBalancers[0].AdvancedConfiguration;
    return earlier;
  };

  test("every path of the listener that forwards goes through the production rule, to both target groups, all on the primary as created; the role is ECS's, with AWS's policy and the documented trust", () => {
    const template = templatesOf('retired', BLUE_GREEN).system;
    const [rule] = resourcesOf(template, 'AWS::ElasticLoadBalancingV2::ListenerRule');
    const id = (type: string, prefix: string) =>
      resourcesOf(template, type).find((r) => r.logicalId.startsWith(prefix))!;
    const primary = id('AWS::ElasticLoadBalancingV2::TargetGroup', 'PublicAlbTargetGroup');
    const alternate = id('AWS::ElasticLoadBalancingV2::TargetGroup', 'PublicAlbAlternateTargetGroup');
    expect(rule.Properties).toEqual({
      ListenerArn: { Ref: id('AWS::ElasticLoadBalancingV2::Listener', 'PublicAlb').logicalId },
      Priority: 50000,
      Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/*'] } }],
      Actions: [
        {
          Type: 'forward',
          ForwardConfig: {
            TargetGroups: [
              { TargetGroupArn: { Ref: primary.logicalId }, Weight: 100 },
              { TargetGroupArn: { Ref: alternate.logicalId }, Weight: 0 },
            ],
          },
        },
      ],
    });
    // The same health checks and draining: either may carry the production traffic.
    expect(alternate.Properties).toEqual(primary.Properties);
    const role = id('AWS::IAM::Role', 'PublicAlbInfrastructureRole');
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'ecs.amazonaws.com' } },
    ]);
    expect(JSON.stringify(role.Properties.ManagedPolicyArns)).toMatch(
      /:iam::aws:policy\/AmazonECSInfrastructureRolePolicyForLoadBalancers"/
    );
    expect(ecsServices(template)['yelb-ui'].Properties.LoadBalancers[0].AdvancedConfiguration).toEqual({
      AlternateTargetGroupArn: { Ref: alternate.logicalId },
      ProductionListenerRule: { Ref: rule.logicalId },
      RoleArn: { 'Fn::GetAtt': [role.logicalId, 'Arn'] },
    });
  });

  test('in every phase and with every strategy the attachment is the same: no deployment takes the tasks from the target group ECS left the traffic on', () => {
    const variants = [
      templates('discovery'),
      templates('serviceConnect'),
      templates('retired'),
      templates('retired', BLUE_GREEN),
    ];
    const [first, ...others] = variants;
    expect(Object.keys(shiftResources(first))).toHaveLength(3);
    for (const t of others) {
      expect(ui(t).Properties.LoadBalancers).toEqual(ui(first).Properties.LoadBalancers);
      expect(shiftResources(t)).toEqual(shiftResources(first));
    }
  });

  test('turning it on changes the strategies only, in place: nothing is added or removed, the load balancer stays as it is', () => {
    const step = planStep('retired', 'retired', templates('retired'), templates('retired', BLUE_GREEN));
    const [yelb] = step.stacks.filter((p) => p.stack === 'Yelb');
    expect([yelb.added, yelb.removed, step.replacements]).toEqual([[], [], []]);
    expect(yelb.updated.map((c) => c.type)).toEqual(['AWS::ECS::Service', 'AWS::ECS::Service']);
    expect(yelb.services).toContainEqual({ service: 'yelb-ui', properties: ['DeploymentConfiguration'] });
    expect(step.unsafe).toBeUndefined();
  });

  test('turning it off again: rolling, stated; the alternate target group, the rule whose weights ECS changed and the role stay, so the traffic stays where ECS left it', () => {
    const step = planStep('retired', 'retired', templates('retired', BLUE_GREEN), templates('retired'));
    const [yelb] = step.stacks.filter((p) => p.stack === 'Yelb');
    expect([yelb.added, yelb.removed, step.replacements]).toEqual([[], [], []]);
    expect(yelb.services).toContainEqual({ service: 'yelb-ui', properties: ['DeploymentConfiguration'] });
    expect(ui(templates('retired')).Properties.DeploymentConfiguration.Strategy).toBe('ROLLING');
    expect(step.notes).toContain(
      'yelb-ui: deployment strategy BLUE_GREEN → ROLLING: an in-place update of the service; this deployment and the later ones run rolling'
    );
    expect(planIsSafe([step])).toBe(true);
  });

  test('rolling back to serviceConnect with a strategy on is not safe as one deployment: the plan names the safe path, each of whose steps is safe', () => {
    const step = planStep(
      'retired',
      'serviceConnect',
      templates('retired', BLUE_GREEN),
      templates('serviceConnect')
    );
    expect(step.unsafe).toEqual({
      reason: expect.stringMatching(
        /^turns the gradual strategy of (yelb-ui \(BLUE_GREEN → ROLLING\), yelb-appserver \(BLUE_GREEN → ROLLING\)|yelb-appserver \(BLUE_GREEN → ROLLING\), yelb-ui \(BLUE_GREEN → ROLLING\)) off in the deployment that changes the phase: .*Deploy the retired phase without deploymentStrategy first \(rolling\), then the serviceConnect phase$/
      ),
      instead: [
        ['retired', 'retired'],
        ['retired', 'serviceConnect'],
      ],
    });
    expect(renderPlan([step])).toContain(
      [
        '  Take these steps instead:',
        '    retired → retired: npx cdk deploy --all -c serviceConnect=true -c retireLegacy=true',
        '    retired → serviceConnect: npx cdk deploy --all -c serviceConnect=true',
      ].join('\n')
    );
    const first = planStep('retired', 'retired', templates('retired', BLUE_GREEN), templates('retired'));
    const then = planStep('retired', 'serviceConnect', templates('retired'), templates('serviceConnect'));
    expect(planIsSafe([first, then])).toBe(true);
    // The public entry's load balancer is not part of the rollback.
    expect(ui(templates('serviceConnect')).Properties.LoadBalancers).toEqual(
      ui(templates('retired')).Properties.LoadBalancers
    );
  });

  test('from a version without the attachment: a rolling deployment attaches it (said); a strategy in the same deployment is not safe; going back to that version is blocked', () => {
    const earlier = withoutShift(templates('retired'));
    const attach = planStep('retired', 'retired', earlier, templates('retired'));
    expect(planIsSafe([attach])).toBe(true);
    expect(
      attach.stacks
        .find((p) => p.stack === 'Yelb')!
        .added.map((c) => c.type)
        .sort()
    ).toEqual([
      'AWS::ElasticLoadBalancingV2::ListenerRule',
      'AWS::ElasticLoadBalancingV2::TargetGroup',
      'AWS::IAM::Role',
    ]);
    expect(attach.notes).toEqual([
      expect.stringMatching(
        /^yelb-ui: an alternate target group, a production listener rule and ECS's role attached to its load balancer .*a rolling deployment/
      ),
    ]);
    const attachAndOn = planStep('retired', 'retired', earlier, templates('retired', BLUE_GREEN));
    expect(attachAndOn.unsafe).toEqual({
      reason: expect.stringMatching(
        /^turns a gradual strategy on for yelb-ui \(ROLLING → BLUE_GREEN\) in the deployment that attaches its alternate target group: .*Deploy without deploymentStrategy first, then with it$/
      ),
      instead: [],
    });
    const back = planStep('retired', 'retired', templates('retired'), earlier);
    expect(back.blockers.map((b) => `${b.impact} ${b.type} ${b.logicalId}`)).toEqual([
      expect.stringMatching(
        /^WILL_DESTROY AWS::ElasticLoadBalancingV2::TargetGroup PublicAlbAlternateTargetGroup/
      ),
    ]);
  });

  describe('with HTTPS (-c certificateArn)', () => {
    let built: ReturnType<typeof buildApp> | undefined;
    const app = () => (built ??= buildApp('retired', { ...BLUE_GREEN, certificateArn: CERTIFICATE }));
    const https = () => ({
      YelbNetwork: Template.fromStack(app().network).toJSON(),
      Yelb: Template.fromStack(app().system).toJSON(),
    });

    test('turning HTTPS on while the public entry deploys gradually moves its production rule: not safe as one deployment', () => {
      const step = planStep('retired', 'retired', templates('retired', BLUE_GREEN), https());
      expect(step.unsafe?.reason).toMatch(
        /^moves the production listener rule of yelb-ui \(BLUE_GREEN\) to another listener \(HTTPS turned on or off\) while it deploys gradually: /
      );
      expect(planIsSafe([step])).toBe(false);
    });

    test('cdk-nag AwsSolutions and NIST find nothing unacknowledged; the role is acknowledged beside it, with its reason', () => {
      for (const pack of ['AwsSolutions', 'NIST.800.53.R5'] as const) {
        expect(nagViolations(app().app, pack)).toEqual([]);
      }
      expect(
        nagAcknowledgements(app().app)
          .filter((a) => a.path.startsWith('Yelb/PublicAlb/InfrastructureRole'))
          .map((a) => [a.id, a.reason])
      ).toEqual([
        [
          'Annotation::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers]',
          expect.stringMatching(/^AWS's own policy for the ECS infrastructure role for load balancers: /),
        ],
      ]);
    });

    test('the model counts its resources', () => {
      const options = {
        mirrorImages: app().config.mirrorImages,
        https: true,
        domain: false,
        alarmEmail: false,
      };
      expect(templateCensus(app().system)).toEqual(
        resourceCensus(plannedResources(app().system.plan, options))
      );
    });
  });
});

describe('3. Service Connect access logs and timeouts that fit', () => {
  test.each(MIGRATION_PHASES)(
    '%s: JSON access logs on every Service Connect service, off only where it is',
    (phase) => {
      for (const svc of Object.values(ecsServices(templatesOf(phase).system))) {
        const config = svc.Properties.ServiceConnectConfiguration;
        if (phase === 'discovery') expect(config).toEqual({ Enabled: false });
        else
          expect(config.AccessLogConfiguration).toEqual({
            Format: 'JSON',
            IncludeQueryParameters: 'DISABLED',
          });
      }
    }
  );

  test('serviceConnectAccessLogs=false leaves them out', () => {
    const services = ecsServices(
      Template.fromStack(buildApp('serviceConnect', { serviceConnectAccessLogs: 'false' }).system)
    );
    for (const svc of Object.values(services)) {
      expect(svc.Properties.ServiceConnectConfiguration.AccessLogConfiguration).toBeUndefined();
    }
  });

  test('the dashboard has the query of the slowest and failing calls per service pair, on the log group', () => {
    const [dashboard] = resourcesOf(templatesOf('serviceConnect').system, 'AWS::CloudWatch::Dashboard');
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    expect(body).toContain('ecs/serviceconnectdemo');
    expect(body).toContain('pct(duration, 99) as p99_ms');
    expect(ACCESS_LOG_QUERY.join(' ')).toMatch(/stats .* by proxy, authority/);
  });

  test("a service's per-request timeout shorter than its caller's own timeout is refused, with the reason", () => {
    const shop = readTopologyFile(SHOP);
    const shorter = {
      ...shop,
      services: shop.services.map((s) =>
        s.name === 'checkout' ? { ...s, timeouts: { perRequestSeconds: 20 } } : s
      ),
    };
    expect(() => validateTopology(shorter)).toThrow(
      "services[4].timeouts.perRequestSeconds: 20 is shorter than 'storefront''s own timeout for it (30 s, services[0].calls[2].timeoutSeconds); allowed: at least 30, or 0 (none): the proxy would answer 504 to requests the caller still waits for"
    );
    const unset = {
      ...shop,
      services: shorter.services.map((s) => (s.name === 'checkout' ? { ...s, timeouts: undefined } : s)),
    };
    expect(() => validateTopology(unset)).toThrow(
      /perRequestSeconds: 15 \(Service Connect's default\) is shorter/
    );
    const none = {
      ...shop,
      services: shorter.services.map((s) =>
        s.name === 'checkout' ? { ...s, timeouts: { perRequestSeconds: 0 } } : s
      ),
    };
    expect(() => validateTopology(none)).not.toThrow();
    expect(() => validateTopology(shop)).not.toThrow();
  });
});

describe('4. encryption in transit between services, opt-in', () => {
  const withTls = (phase: MigrationPhase) => buildApp(phase, { serviceConnectTls: CA });

  test.each(['retired'] as const)(
    '%s: every Service Connect endpoint uses the Private CA, a key of the app and the ECS infrastructure role',
    (phase) => {
      const template = Template.fromStack(withTls(phase).system);
      const [key] = resourcesOf(template, 'AWS::KMS::Key').filter((k) =>
        String(k.Properties.Description).includes('TLS')
      );
      expect(key.Properties.EnableKeyRotation).toBe(true);
      const [role] = resourcesOf(template, 'AWS::IAM::Role').filter((r) =>
        r.logicalId.startsWith('ServiceConnectTls')
      );
      expect(role.Properties.AssumeRolePolicyDocument.Statement[0].Principal).toEqual({
        Service: 'ecs.amazonaws.com',
      });
      expect(JSON.stringify(role.Properties.ManagedPolicyArns)).toContain(
        'service-role/AmazonECSInfrastructureRolePolicyForServiceConnectTransportLayerSecurity'
      );
      for (const svc of Object.values(ecsServices(template))) {
        for (const entry of svc.Properties.ServiceConnectConfiguration.Services) {
          expect(entry.Tls).toEqual({
            IssuerCertificateAuthority: { AwsPcaAuthorityArn: CA },
            KmsKey: { 'Fn::GetAtt': [key.logicalId, 'Arn'] },
            RoleArn: { 'Fn::GetAtt': [role.logicalId, 'Arn'] },
          });
        }
      }
      // The CA's region is checked before anything is created (the app does not know its region).
      expect(JSON.stringify(template.toJSON().Rules)).toContain('eu-west-1');
    }
  );

  test('without the key nothing of it is there', () => {
    const template = templatesOf('retired').system;
    expect(JSON.stringify(template.toJSON())).not.toContain('acm-pca');
    expect(
      resourcesOf(template, 'AWS::IAM::Role').filter((r) => r.logicalId.startsWith('ServiceConnectTls'))
    ).toEqual([]);
  });

  test.each(['discovery', 'serviceConnect'] as const)(
    'refused in the %s phase: the old path still reaches the container ports in plain text; rolled back TLS off first',
    (phase) => {
      expect(refusal({ ...phaseContext(phase), serviceConnectTls: CA })).toEqual([
        expect.stringMatching(
          new RegExp(
            `^context key 'serviceConnectTls' is set in the ${phase} phase; allowed: serviceConnectTls with retireLegacy=true only: .*internal load balancer's health checks .*deploy it without serviceConnectTls first`
          )
        ),
      ]);
    }
  );

  test('every service updates after the TLS role has its grant (its policy), and is deleted before the key', () => {
    const template = Template.fromStack(withTls('retired').system);
    const policy = resourcesOf(template, 'AWS::IAM::Policy').find((p) =>
      p.logicalId.startsWith('ServiceConnectTls')
    )!;
    const key = resourcesOf(template, 'AWS::KMS::Key').find((k) =>
      k.logicalId.startsWith('ServiceConnectTls')
    )!;
    for (const [name, svc] of Object.entries(ecsServices(template))) {
      expect({ name, after: svc.DependsOn }).toEqual({
        name,
        after: expect.arrayContaining([policy.logicalId, key.logicalId]),
      });
    }
  });

  test('a bad CA ARN is refused', () => {
    expect(
      refusal({
        serviceConnectTls:
          'arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
      })
    ).toEqual([
      expect.stringMatching(
        /^context key 'serviceConnectTls' has value 'arn:aws:acm:.*'; allowed: an AWS Private CA ARN in the stack's region/
      ),
    ]);
  });

  test.each(['retired'] as const)(
    '%s: cdk-nag AwsSolutions and NIST find nothing unacknowledged',
    (phase) => {
      const app = withTls(phase);
      for (const pack of ['AwsSolutions', 'NIST.800.53.R5'] as const) {
        expect(nagViolations(app.app, pack)).toEqual([]);
      }
    }
  );

  test('the plan says TLS on is an in-place update that redeploys each service, and is safe; the model counts its resources', () => {
    const off = buildApp('retired');
    const on = withTls('retired');
    const templates = (app: typeof on) =>
      Object.fromEntries([app.network, app.system].map((s) => [s.stackName, Template.fromStack(s).toJSON()]));
    const plan = planStep('retired', 'retired', templates(off), templates(on));
    expect(plan.notes).toContainEqual(
      `yelb-appserver: Service Connect TLS on (${CA}): an in-place update of the service; a new deployment, whose tasks encrypt the traffic between the proxies (clients change nothing)`
    );
    expect(planIsSafe([plan])).toBe(true);
    const config = on.config;
    const options = { mirrorImages: config.mirrorImages, https: false, domain: false, alarmEmail: false };
    expect(templateCensus(on.system)).toEqual(resourceCensus(plannedResources(on.system.plan, options)));
    expect(Object.keys(Template.fromStack(on.system).toJSON().Outputs).length).toBe(
      outputCount(config.topology)
    );
  });
});
