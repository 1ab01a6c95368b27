import { Aws, Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { alarmTopicKey } from './log-group';
import { pascalCase } from '../core/names';
import { PublicEntry } from './public-entry';

/** A service on the dashboard. */
export interface DashboardService {
  readonly name: string;
  /** Its id: the construct id of its tasks alarm (`UiTasksAlarm`). */
  readonly id: string;
}

/** Props of {@link MigrationDashboard}. */
export interface MigrationDashboardProps {
  /** The dashboard's name (per account and region). */
  readonly dashboardName: string;
  /** The cluster, whose services' metrics the dashboard shows. */
  readonly clusterName: string;
  /** Every service: tasks, CPU and memory, and an alarm when it runs fewer tasks than desired. */
  readonly services: readonly DashboardService[];
  /**
   * The HTTP servers behind Service Connect and their discovery names: the new path, as their
   * callers see it.
   */
  readonly newPath: readonly { readonly server: string; readonly discoveryName: string }[];
  /** The public entry: its load balancer and target group are in every phase. */
  readonly publicEntry: PublicEntry;
  /**
   * Name of the internal load balancer of the old path. Its metrics are found by name, with a
   * search expression, so the widget stays the same in the phase where the load balancer is gone.
   */
  readonly internalAlbName: string;
  /**
   * E-mail address that receives the alarms (an SNS subscription to confirm).
   *
   * @default - alarms without notifications
   */
  readonly alarmEmail?: string;
  /**
   * A Logs Insights query of the Service Connect access logs on the dashboard (their log group).
   *
   * @default - no query widget
   */
  readonly accessLogGroupName?: string;
}

/** The alarms' thresholds: what the README documents and the tests assert. */
export const ALARM_THRESHOLDS = {
  /** Public 5xx (load balancer and targets) as a percentage of requests, per minute. */
  publicErrorRatePercent: 1,
  publicErrorRateMinutes: 3,
  /** Desired minus running tasks of a service. */
  missingTasks: 1,
  missingTasksMinutes: 5,
  /** Unhealthy targets behind the public load balancer. */
  unhealthyHosts: 1,
  unhealthyHostsMinutes: 3,
} as const;

const PERIOD = Duration.minutes(1);

/**
 * One CloudWatch dashboard that shows a migration side by side: what users get (public load
 * balancer requests, 5xx, latency), the old path (internal load balancer requests, which fall to
 * zero once clients use Service Connect), the new path (Service Connect metrics of each HTTP
 * server as its callers see it), and running tasks, CPU and memory per service. Every widget
 * exists in every phase: metrics of a path that a phase does not have simply show no data, so a
 * phase change does not rebuild the dashboard. {@link addAlarms} adds its own alarms (the
 * public 5xx rate, tasks below desired per service, unhealthy public targets) and one row with
 * their state and the deployment alarms' (which `DeploymentAlarms` makes; the dashboard only
 * shows them).
 */
export class MigrationDashboard extends Construct {
  public readonly dashboard: cloudwatch.Dashboard;
  public readonly alarms: cloudwatch.Alarm[] = [];
  public topic?: sns.Topic;
  private readonly props: MigrationDashboardProps;
  private readonly publicMetrics: PublicEntryMetrics;

  constructor(scope: Construct, id: string, props: MigrationDashboardProps) {
    super(scope, id);
    this.props = props;
    this.publicMetrics = publicEntryMetrics(props.publicEntry);
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.hours(3),
    });
    this.addWhatUsersGet(this.publicMetrics);
    this.addOldAndNewPath(props);
    this.addTasks(props);
  }

  /**
   * The dashboard's own alarms, the row with every alarm's state (the deployment alarms first),
   * the access-log query, and the notifications (`alarmEmail`) of all of them.
   */
  addAlarms(deploymentAlarms: readonly cloudwatch.Alarm[]): void {
    this.alarms.push(...deploymentAlarms);
    this.addOwnAlarms(this.props, this.publicMetrics.errorRate);
    if (this.props.accessLogGroupName) this.addAccessLogQuery(this.props.accessLogGroupName);
    if (this.props.alarmEmail) {
      this.topic = this.notify(this.props.clusterName, this.props.alarmEmail);
    } else {
      for (const alarm of this.alarms) {
        Validations.of(alarm).acknowledge({
          id: 'NIST.800.53.R5-CloudWatchAlarmAction',
          reason:
            'The alarms notify the address given with -c alarmEmail; without one they show on the dashboard and in the console, and an action would notify no one.',
        });
      }
    }
  }

  /** Row 1: requests, 5xx and latency at the public load balancer, in every phase. */
  private addWhatUsersGet(m: PublicEntryMetrics): void {
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: `## What users get: the public load balancer\nRequests, errors and latency at the entry point, in every phase.`,
        width: 24,
        height: 2,
      })
    );
    this.dashboard.addWidgets(
      graph('Public requests per minute', [m.requests]),
      graph('Public 5xx per minute', [m.elb5xx, m.target5xx], [m.errorRate]),
      graph('Public target response time', [m.p50, m.p99])
    );
  }

  /**
   * Row 2: the internal load balancer's requests (the old path; found by name, so the widget is
   * the same where it is gone) beside each HTTP server's Service Connect metrics as its callers
   * see them (the new path).
   */
  private addOldAndNewPath({
    clusterName: cluster,
    internalAlbName,
    newPath,
  }: MigrationDashboardProps): void {
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown:
          '## Old path and new path\nThe internal load balancer carries the calls until the clients use Service Connect, ' +
          'then its requests fall to zero; the Service Connect metrics show the same calls on the new path.',
        width: 24,
        height: 2,
      })
    );
    this.dashboard.addWidgets(
      graph('Old path: internal load balancer requests', [
        new cloudwatch.SearchExpression({
          expression: `SEARCH('{AWS/ApplicationELB,LoadBalancer} MetricName="RequestCount" LoadBalancer=${internalAlbName}', 'Sum', 60)`,
          label: 'internal ALB requests',
          period: PERIOD,
        }),
      ]),
      ...newPath.map(({ server, discoveryName: name }) =>
        graph(
          `New path: ${server} as its callers see it (Service Connect)`,
          [serviceConnectSearch(cluster, name, 'RequestCount', 'Sum', 'requests')],
          [
            serviceConnectSearch(cluster, name, 'HTTPCode_Target_5XX_Count', 'Sum', '5xx'),
            serviceConnectSearch(cluster, name, 'TargetResponseTime', 'p99', 'p99 response time (ms)'),
          ]
        )
      )
    );
  }

  /** Row 3: running tasks, CPU and memory per service. */
  private addTasks({ clusterName, services }: MigrationDashboardProps): void {
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({ markdown: '## Tasks, CPU and memory per service', width: 24, height: 1 })
    );
    const perService = (namespace: string, metricName: string, statistic: string) =>
      services.map((svc) => serviceMetric(clusterName, svc.name, namespace, metricName, statistic));
    this.dashboard.addWidgets(
      graph('Running tasks', perService('ECS/ContainerInsights', 'RunningTaskCount', 'Average')),
      graph('CPU utilization (%)', perService('AWS/ECS', 'CPUUtilization', 'Average')),
      graph('Memory utilization (%)', perService('AWS/ECS', 'MemoryUtilization', 'Average'))
    );
  }

  /**
   * The slowest and failing calls per pair of services, from the Service Connect proxies' JSON
   * access logs: the log stream prefix names the proxy's service (`<id>-envoy`), `authority` the
   * name it was called by.
   */
  private addAccessLogQuery(logGroupName: string): void {
    this.dashboard.addWidgets(
      new cloudwatch.LogQueryWidget({
        title: 'Service Connect calls per pair: slowest and failing (access logs)',
        logGroupNames: [logGroupName],
        queryLines: ACCESS_LOG_QUERY,
        width: 24,
        height: 6,
      })
    );
  }

  /** The alarms (public 5xx rate, unhealthy UI targets, tasks below desired per service) and their row. */
  private addOwnAlarms(
    { clusterName: cluster, services, publicEntry }: MigrationDashboardProps,
    errorRate: cloudwatch.IMetric
  ): void {
    this.alarms.push(
      new cloudwatch.Alarm(this, 'PublicErrorRateAlarm', {
        alarmDescription: `More than ${ALARM_THRESHOLDS.publicErrorRatePercent}% of public requests failed with a 5xx for ${ALARM_THRESHOLDS.publicErrorRateMinutes} minutes`,
        metric: errorRate,
        threshold: ALARM_THRESHOLDS.publicErrorRatePercent,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: ALARM_THRESHOLDS.publicErrorRateMinutes,
        datapointsToAlarm: ALARM_THRESHOLDS.publicErrorRateMinutes,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(this, 'UnhealthyHostsAlarm', {
        alarmDescription: `Unhealthy targets behind the public load balancer for ${ALARM_THRESHOLDS.unhealthyHostsMinutes} minutes`,
        metric: unhealthyTargets(publicEntry),
        threshold: ALARM_THRESHOLDS.unhealthyHosts,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: ALARM_THRESHOLDS.unhealthyHostsMinutes,
        datapointsToAlarm: ALARM_THRESHOLDS.unhealthyHostsMinutes,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      ...services.map((svc) => {
        const metric = (metricName: string) =>
          serviceMetric(cluster, svc.name, 'ECS/ContainerInsights', metricName, 'Average', null);
        return new cloudwatch.Alarm(this, `${pascalCase(svc.id)}TasksAlarm`, {
          alarmDescription: `${svc.name} runs fewer tasks than desired for ${ALARM_THRESHOLDS.missingTasksMinutes} minutes`,
          metric: new cloudwatch.MathExpression({
            expression: 'desired - running',
            usingMetrics: { desired: metric('DesiredTaskCount'), running: metric('RunningTaskCount') },
            period: PERIOD,
            label: `${svc.name} missing tasks`,
          }),
          threshold: ALARM_THRESHOLDS.missingTasks,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: ALARM_THRESHOLDS.missingTasksMinutes,
          datapointsToAlarm: ALARM_THRESHOLDS.missingTasksMinutes,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        });
      })
    );
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24 })
    );
  }

  /** An SNS topic with an e-mail subscription that every alarm notifies. */
  private notify(cluster: string, email: string): sns.Topic {
    const topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: `${cluster} migration alarms`,
      enforceSSL: true,
      // The stack's own key, which CloudWatch may use: alarms cannot publish to a topic
      // encrypted with the AWS managed SNS key.
      masterKey: alarmTopicKey(this),
    });
    topic.addSubscription(new subscriptions.EmailSubscription(email));
    for (const alarm of this.alarms) alarm.addAlarmAction(new actions.SnsAction(topic));
    return topic;
  }

  /** The console URL of the dashboard. */
  get url(): string {
    return `https://${Aws.REGION}.console.aws.amazon.com/cloudwatch/home?region=${Aws.REGION}#dashboards:name=${this.dashboard.dashboardName}`;
  }
}

/**
 * Unhealthy targets behind the public load balancer: of its target group, or the sum over both
 * when a gradual deployment may have moved the traffic to the alternate one (the metric exists
 * per target group only).
 */
function unhealthyTargets(publicEntry: PublicEntry): cloudwatch.IMetric {
  const unhealthy = (targetGroup: elbv2.IApplicationTargetGroup) =>
    targetGroup.metrics.unhealthyHostCount({ period: PERIOD, statistic: 'Maximum' });
  const alternate = publicEntry.trafficShift?.alternateTargetGroup;
  if (!alternate) return unhealthy(publicEntry.targetGroup);
  return new cloudwatch.MathExpression({
    expression: 'FILL(primary, 0) + FILL(alternate, 0)',
    usingMetrics: { primary: unhealthy(publicEntry.targetGroup), alternate: unhealthy(alternate) },
    period: PERIOD,
    label: 'unhealthy targets',
  });
}

/** The public load balancer's metrics that the dashboard and the 5xx alarm share. */
interface PublicEntryMetrics {
  readonly requests: cloudwatch.Metric;
  readonly elb5xx: cloudwatch.Metric;
  readonly target5xx: cloudwatch.Metric;
  /** 5xx of the load balancer and the targets, as a percentage of requests. */
  readonly errorRate: cloudwatch.MathExpression;
  readonly p50: cloudwatch.Metric;
  readonly p99: cloudwatch.Metric;
}

function publicEntryMetrics(publicEntry: PublicEntry): PublicEntryMetrics {
  const alb = publicEntry.loadBalancer.metrics;
  const requests = alb.requestCount({ period: PERIOD, statistic: 'Sum', label: 'requests' });
  const elb5xx = alb.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, {
    period: PERIOD,
    statistic: 'Sum',
    label: 'load balancer 5xx',
  });
  const target5xx = alb.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, {
    period: PERIOD,
    statistic: 'Sum',
    label: 'target 5xx',
  });
  return {
    requests,
    elb5xx,
    target5xx,
    errorRate: new cloudwatch.MathExpression({
      expression: 'IF(requests > 0, 100 * (FILL(elb5xx, 0) + FILL(target5xx, 0)) / requests, 0)',
      usingMetrics: { requests, elb5xx, target5xx },
      period: PERIOD,
      label: '5xx rate (%)',
    }),
    p50: alb.targetResponseTime({ period: PERIOD, statistic: 'p50', label: 'p50' }),
    p99: alb.targetResponseTime({ period: PERIOD, statistic: 'p99', label: 'p99' }),
  };
}

/** A per-service ECS metric (labelled with the service name unless `label` is null). */
function serviceMetric(
  cluster: string,
  service: string,
  namespace: string,
  metricName: string,
  statistic: string,
  label: string | null = service
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace,
    metricName,
    dimensionsMap: { ClusterName: cluster, ServiceName: service },
    statistic,
    period: PERIOD,
    ...(label !== null && { label }),
  });
}

/**
 * Service Connect's client-side metric of a server, across its callers: a search in `AWS/ECS`
 * for the cluster and the server's discovery name (by default its port name, not its service
 * name) as the callers' TargetDiscoveryName. A search
 * rather than fixed dimensions, because the metric exists only once clients use Service Connect.
 */
function serviceConnectSearch(
  cluster: string,
  discoveryName: string,
  metricName: string,
  statistic: string,
  label: string
) {
  return new cloudwatch.SearchExpression({
    expression: `SEARCH('{AWS/ECS} MetricName="${metricName}" ClusterName="${cluster}" TargetDiscoveryName="${discoveryName}"', '${statistic}', 60)`,
    label,
    period: PERIOD,
  });
}

/**
 * The Logs Insights query of the Service Connect access logs (JSON, Envoy's field names): per
 * proxy (the log stream's first part, `<service id>-envoy`) and called name, the requests, the
 * failed ones (5xx, or no response) and the p99 and highest duration in ms, slowest first.
 */
export const ACCESS_LOG_QUERY = [
  'fields @logStream, authority, response_code, duration',
  '| filter ispresent(response_code)',
  '| parse @logStream "*/*" as proxy, rest',
  '| stats count(*) as requests, sum(response_code >= 500 or response_code = 0) as failed, pct(duration, 99) as p99_ms, max(duration) as max_ms by proxy, authority',
  '| sort p99_ms desc',
  '| limit 50',
];

function graph(
  title: string,
  left: cloudwatch.IMetric[],
  right: cloudwatch.IMetric[] = []
): cloudwatch.GraphWidget {
  return new cloudwatch.GraphWidget({ title, left, right, width: 8, height: 6 });
}
