import { Match, Template } from 'aws-cdk-lib/assertions';
import { ALARM_THRESHOLDS } from '../../lib/constructs/migration-dashboard';
import { MIGRATION_PHASES } from '../../lib/model/phase';
import { YELB } from '../../lib/model/yelb';
import { createApp } from '../../lib/app/app';
import { TEST_CONTEXT, templatesOf } from '../support/app';
import { ecsServices, logicalIdOf, resourcesOf } from '../support/template';

/** A CloudFormation string value with its intrinsics written as `${Ref:X}` / `${X.Attr}`. */
function flatten(value: any): string {
  if (typeof value === 'string') return value;
  if (value?.Ref) return `\${Ref:${value.Ref}}`;
  if (value?.['Fn::GetAtt']) return `\${${value['Fn::GetAtt'].join('.')}}`;
  if (value?.['Fn::Join']) return value['Fn::Join'][1].map(flatten).join(value['Fn::Join'][0]);
  throw new Error(`cannot flatten ${JSON.stringify(value)}`);
}

function dashboardOf(phase: (typeof MIGRATION_PHASES)[number], context: Record<string, string> = {}) {
  const { system: yelb } = templatesOf(phase, context);
  const [dashboard] = resourcesOf(yelb, 'AWS::CloudWatch::Dashboard');
  return { template: yelb, dashboard, body: JSON.parse(flatten(dashboard.Properties.DashboardBody)) };
}

/** The metric widgets by title, each with its metrics as compact strings. */
function widgets(body: any): Record<string, string[]> {
  return Object.fromEntries(
    body.widgets
      .filter((w: any) => w.type === 'metric' && w.properties.metrics)
      .map((w: any) => [
        w.properties.title,
        w.properties.metrics.map((m: any[]) => {
          const options = m[m.length - 1];
          if (options.expression) return `expr ${options.expression}`;
          // A graph's default statistic is Average, which the widget leaves out.
          return `${m.slice(0, -1).join(' ')} ${options.stat ?? 'Average'}`;
        }),
      ])
  );
}

describe('migration dashboard', () => {
  const { template, body } = dashboardOf('discovery');
  const publicAlb = logicalIdOf(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer', 'PublicAlb');
  const lb = `\${${publicAlb}.LoadBalancerFullName}`;
  const byTitle = widgets(body);

  test('is the same in every phase, so a phase change does not rebuild it', () => {
    for (const phase of MIGRATION_PHASES) {
      expect(dashboardOf(phase).dashboard.Properties).toEqual(dashboardOf('discovery').dashboard.Properties);
    }
  });

  test('shows the public load balancer: requests, 5xx of the load balancer and the targets, p50/p99 latency', () => {
    expect(byTitle['Public requests per minute']).toEqual([
      `AWS/ApplicationELB RequestCount LoadBalancer ${lb} Sum`,
    ]);
    expect(byTitle['Public 5xx per minute']).toEqual([
      `AWS/ApplicationELB HTTPCode_ELB_5XX_Count LoadBalancer ${lb} Sum`,
      `AWS/ApplicationELB HTTPCode_Target_5XX_Count LoadBalancer ${lb} Sum`,
      'expr IF(requests > 0, 100 * (FILL(elb5xx, 0) + FILL(target5xx, 0)) / requests, 0)',
      `AWS/ApplicationELB RequestCount LoadBalancer ${lb} Sum`,
    ]);
    expect(byTitle['Public target response time']).toEqual([
      `AWS/ApplicationELB TargetResponseTime LoadBalancer ${lb} p50`,
      `AWS/ApplicationELB TargetResponseTime LoadBalancer ${lb} p99`,
    ]);
  });

  test('finds the internal load balancer by its fixed name, which exists only in the old path', () => {
    expect(byTitle['Old path: internal load balancer requests']).toEqual([
      `expr SEARCH('{AWS/ApplicationELB,LoadBalancer} MetricName="RequestCount" LoadBalancer=legacy-yelb-cluster', 'Sum', 60)`,
    ]);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Name: 'legacy-yelb-cluster',
      Scheme: 'internal',
    });
  });

  test('shows Service Connect metrics of the appserver as its callers see them', () => {
    const search = (metric: string, stat: string) =>
      `expr SEARCH('{AWS/ECS} MetricName="${metric}" ClusterName="yelb-cluster" TargetDiscoveryName="yelb-appserver"', '${stat}', 60)`;
    expect(byTitle['New path: yelb-appserver as its callers see it (Service Connect)']).toEqual([
      search('RequestCount', 'Sum'),
      search('HTTPCode_Target_5XX_Count', 'Sum'),
      search('TargetResponseTime', 'p99'),
    ]);
  });

  test.each([
    ['Running tasks', 'ECS/ContainerInsights RunningTaskCount', 'Average'],
    ['CPU utilization (%)', 'AWS/ECS CPUUtilization', 'Average'],
    ['Memory utilization (%)', 'AWS/ECS MemoryUtilization', 'Average'],
  ])('shows %s per service', (title, metric, stat) => {
    expect(byTitle[title]).toEqual(
      ['yelb-ui', 'yelb-appserver', 'yelb-db', 'yelb-redis'].map(
        (s) => `${metric} ClusterName yelb-cluster ServiceName ${s} ${stat}`
      )
    );
  });

  test('puts its URL in the outputs', () => {
    expect(flatten(template.toJSON().Outputs.DashboardUrl.Value)).toBe(
      'https://${Ref:AWS::Region}.console.aws.amazon.com/cloudwatch/home?region=${Ref:AWS::Region}#dashboards:name=${Ref:' +
        logicalIdOf(template, 'AWS::CloudWatch::Dashboard', 'Monitoring') +
        '}'
    );
  });
});

describe('alarms', () => {
  const { template } = dashboardOf('serviceConnect');
  const alarms = Object.fromEntries(
    resourcesOf(template, 'AWS::CloudWatch::Alarm').map((a) => [
      a.logicalId.replace(/[0-9A-F]{8}$/, ''),
      a.Properties,
    ])
  );

  test('alarm on the public 5xx rate above 1% for 3 minutes', () => {
    expect(alarms.MonitoringPublicErrorRateAlarm).toMatchObject({
      Threshold: ALARM_THRESHOLDS.publicErrorRatePercent,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      TreatMissingData: 'notBreaching',
    });
    expect(ALARM_THRESHOLDS.publicErrorRatePercent).toBe(1);
    const expressions = alarms.MonitoringPublicErrorRateAlarm.Metrics.map(
      (m: any) => m.Expression ?? m.MetricStat.Metric.MetricName
    );
    expect(expressions).toEqual([
      'IF(requests > 0, 100 * (FILL(elb5xx, 0) + FILL(target5xx, 0)) / requests, 0)',
      'RequestCount',
      'HTTPCode_ELB_5XX_Count',
      'HTTPCode_Target_5XX_Count',
    ]);
  });

  test('alarm on unhealthy UI targets for 3 minutes, in both target groups (a gradual deployment moves the traffic)', () => {
    const alarm = alarms.MonitoringUnhealthyHostsAlarm;
    expect(alarm).toMatchObject({
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 3,
    });
    const [sum, ...metrics] = alarm.Metrics;
    expect(sum.Expression).toBe('FILL(primary, 0) + FILL(alternate, 0)');
    expect(
      metrics.map((m: any) => ({
        id: m.Id,
        metric: m.MetricStat.Metric.MetricName,
        stat: m.MetricStat.Stat,
        targetGroup: JSON.stringify(
          m.MetricStat.Metric.Dimensions.find((d: any) => d.Name === 'TargetGroup').Value
        ),
      }))
    ).toEqual([
      {
        id: 'primary',
        metric: 'UnHealthyHostCount',
        stat: 'Maximum',
        targetGroup: expect.stringContaining('PublicAlbTargetGroup'),
      },
      {
        id: 'alternate',
        metric: 'UnHealthyHostCount',
        stat: 'Maximum',
        targetGroup: expect.stringContaining('PublicAlbAlternateTargetGroup'),
      },
    ]);
  });

  test.each(['Ui', 'Appserver', 'Db', 'Redis'])(
    'alarm when %s runs fewer tasks than desired for 5 minutes',
    (id) => {
      const alarm = alarms[`Monitoring${id}TasksAlarm`];
      expect(alarm).toMatchObject({
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 5,
        DatapointsToAlarm: 5,
      });
      expect(alarm.Metrics[0].Expression).toBe('desired - running');
      expect(alarm.Metrics.slice(1).map((m: any) => m.MetricStat.Metric.MetricName)).toEqual([
        'DesiredTaskCount',
        'RunningTaskCount',
      ]);
    }
  );

  test('notify nobody unless alarmEmail is set', () => {
    template.resourceCountIs('AWS::SNS::Topic', 0);
    for (const alarm of Object.values<any>(alarms)) expect(alarm.AlarmActions).toBeUndefined();
  });

  test('notify the alarmEmail address through an SSL-only topic', () => {
    const { template: withEmail } = dashboardOf('serviceConnect', { alarmEmail: 'ops@example.com' });
    withEmail.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
    const topic = { Ref: logicalIdOf(withEmail, 'AWS::SNS::Topic', 'MonitoringAlarmTopic') };
    for (const alarm of resourcesOf(withEmail, 'AWS::CloudWatch::Alarm'))
      expect(alarm.Properties.AlarmActions).toEqual([topic]);
    withEmail.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: [
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ],
      },
    });
  });

  test("encrypt the topic with the stack's key, which CloudWatch alarms may use (not the AWS managed SNS key)", () => {
    const { template: withEmail } = dashboardOf('serviceConnect', { alarmEmail: 'ops@example.com' });
    const [key] = resourcesOf(withEmail, 'AWS::KMS::Key');
    const [topic] = resourcesOf(withEmail, 'AWS::SNS::Topic');
    expect(topic.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [key.logicalId, 'Arn'] });
    expect(key.Properties.KeyPolicy.Statement).toContainEqual(
      expect.objectContaining({
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      })
    );
  });
});

describe('Service Connect metrics when port names differ from service names', () => {
  // ECS labels the metrics with the discovery name, which defaults to the port name.
  const topology = {
    ...YELB,
    services: YELB.services.map((s) => (s.name === 'yelb-appserver' ? { ...s, portName: 'api-http' } : s)),
  };
  const built = createApp({ context: { ...TEST_CONTEXT, serviceConnect: 'true' } }, topology);
  const template = Template.fromStack(built.system);

  test('the template leaves DiscoveryName to ECS, so the endpoint is named after the port', () => {
    const appserver = ecsServices(template)['yelb-appserver'];
    const [entry] = appserver.Properties.ServiceConnectConfiguration.Services;
    expect(entry.PortName).toBe('api-http');
    expect(entry.DiscoveryName).toBeUndefined();
  });

  test('the dashboard searches by that discovery name, not by the service name', () => {
    const body = JSON.stringify(template.findResources('AWS::CloudWatch::Dashboard'));
    expect(body).toContain('TargetDiscoveryName=\\\\\\"api-http\\\\\\"');
    expect(body).not.toContain('TargetDiscoveryName=\\\\\\"yelb-appserver\\\\\\"');
  });
});
