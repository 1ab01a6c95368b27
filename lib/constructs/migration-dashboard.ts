import { Aws, Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { alarmTopicKey } from './log-group';
import { callersOf } from '../model/graph';
import { MigrationPhase } from '../model/phase';
import {
  deploymentAlarmPrefix,
  deploymentAlarmTargets,
  servesHttpThroughServiceConnect,
} from '../model/deployment';
import { DeployableTopology } from '../model/deployable';
import { serviceId } from '../model/topology';
import { pascalCase } from '../core/names';
import { discoveryNamesOf } from '../service-connect';
import { PublicEntry } from './public-entry';

/** Props of {@link MigrationDashboard}. */
export interface MigrationDashboardProps {
  readonly topology: DeployableTopology;
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
  /** The phase deployed: Service Connect's own alarms exist only where its metrics do. */
  readonly phase: MigrationPhase;
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
  /**
   * Deployment alarms (ECS rolls a deployment back when one goes off during it or its bake
   * time): 5xx per minute, in `deploy5xxMinutes` of the last `deployMinutes` minutes, and a p99
   * response time above `deployP99Seconds` for `deployMinutes` minutes.
   */
  deploy5xxPerMinute: 10,
  deploy5xxMinutes: 2,
  deployMinutes: 3,
  deployP99Seconds: 2,
} as const;

const PERIOD = Duration.minutes(1);

/**
 * One CloudWatch dashboard that shows a migration side by side: what users get (public load
 * balancer requests, 5xx, latency), the old path (internal load balancer requests, which fall to
 * zero once clients use Service Connect), the new path (Service Connect metrics of each HTTP
 * server as its callers see it), and running tasks, CPU and memory per service. Every widget
 * exists in every phase: metrics of a path that a phase does not have simply show no data, so a
 * phase change does not rebuild the dashboard. Plus alarms on the public 5xx rate, tasks below
 * desired per service and unhealthy UI targets.
 */
export class MigrationDashboard extends Construct {
  public readonly dashboard: cloudwatch.Dashboard;
  public readonly alarms: cloudwatch.Alarm[] = [];
  public readonly topic?: sns.Topic;
  /** The alarms each service's deployments watch, by service name (see `deploymentAlarmTargets`). */
  private readonly deploymentAlarms = new Map<string, cloudwatch.Alarm[]>();
  /** The deployment alarms' names as given (their `alarmName` attribute is a Ref). */
  private readonly names = new Map<cloudwatch.Alarm, string>();

  constructor(scope: Construct, id: string, props: MigrationDashboardProps) {
    super(scope, id);
    const cluster = props.topology.clusterName;
    const publicMetrics = publicEntryMetrics(props.publicEntry);
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${cluster}-migration`,
      defaultInterval: Duration.hours(3),
    });
    this.addWhatUsersGet(publicMetrics);
    this.addOldAndNewPath(props);
    this.addTasks(props.topology);
    this.addDeploymentAlarms(props);
    this.addAlarms(props, publicMetrics.errorRate);
    if (props.accessLogGroupName) this.addAccessLogQuery(props.accessLogGroupName);
    if (props.alarmEmail) {
      this.topic = this.notify(cluster, props.alarmEmail);
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
  private addOldAndNewPath({ topology, internalAlbName }: MigrationDashboardProps): void {
    const cluster = topology.clusterName;
    const httpServers = topology.services.filter((s) => servesHttpThroughServiceConnect(topology, s));
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
      ...httpServers.flatMap((server) =>
        discoveryNamesOf(topology, server).map((name) =>
          graph(
            `New path: ${server.name} as its callers see it (Service Connect)`,
            [serviceConnectSearch(cluster, name, 'RequestCount', 'Sum', 'requests')],
            [
              serviceConnectSearch(cluster, name, 'HTTPCode_Target_5XX_Count', 'Sum', '5xx'),
              serviceConnectSearch(cluster, name, 'TargetResponseTime', 'p99', 'p99 response time (ms)'),
            ]
          )
        )
      )
    );
  }

  /** Row 3: running tasks, CPU and memory per service. */
  private addTasks(topology: DeployableTopology): void {
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({ markdown: '## Tasks, CPU and memory per service', width: 24, height: 1 })
    );
    const perService = (namespace: string, metricName: string, statistic: string) =>
      topology.services.map((svc) =>
        serviceMetric(topology.clusterName, svc.name, namespace, metricName, statistic)
      );
    this.dashboard.addWidgets(
      graph('Running tasks', perService('ECS/ContainerInsights', 'RunningTaskCount', 'Average')),
      graph('CPU utilization (%)', perService('AWS/ECS', 'CPUUtilization', 'Average')),
      graph('Memory utilization (%)', perService('AWS/ECS', 'MemoryUtilization', 'Average'))
    );
  }

  /** A deployment alarm, named (not referenced: a service that refers to its alarms by Ref depends on them, which the CDK warns can close a dependency cycle). */
  private deploymentAlarm(id: string, name: string, props: cloudwatch.AlarmProps): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, { ...props, alarmName: name });
    this.names.set(alarm, name);
    return alarm;
  }

  /** The alarms that `service`'s deployments watch. */
  deploymentAlarmsOf(service: string): cloudwatch.Alarm[] {
    return this.deploymentAlarms.get(service) ?? [];
  }

  /** The names of the alarms that `service`'s deployments watch. */
  deploymentAlarmNames(service: string): string[] {
    return (this.deploymentAlarms.get(service) ?? []).map((a) => this.names.get(a)!);
  }

  /**
   * The deployment alarms: the public entry's target 5xx and p99 response time, watched by every
   * service's deployments, and, in the phases with Service Connect, each HTTP server's Service
   * Connect 5xx and p99 target response time, watched by its own deployments.
   * Service Connect publishes its target metrics per calling service (`ClusterName`, the
   * caller's `ServiceName`, `TargetDiscoveryName`): each alarm sums (5xx) or takes the highest
   * (p99) over the server's callers, from the model. Missing data is not breaching: a metric
   * with no traffic yet does not fail a deployment.
   */
  private addDeploymentAlarms({ topology, publicEntry, phase }: MigrationDashboardProps): void {
    const t = {
      ...ALARM_THRESHOLDS,
      deploy5xxPerMinute: topology.deploymentAlarms?.errorsPerMinute ?? ALARM_THRESHOLDS.deploy5xxPerMinute,
      deployP99Seconds: topology.deploymentAlarms?.p99Seconds ?? ALARM_THRESHOLDS.deployP99Seconds,
    };
    const base = {
      evaluationPeriods: t.deployMinutes,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    };
    const publicAlarms = [
      this.deploymentAlarm(
        'DeployPublicTarget5xxAlarm',
        `${deploymentAlarmPrefix(topology.clusterName)}public-target-5xx`,
        {
          ...base,
          alarmDescription: `Deployments roll back: ${t.deploy5xxPerMinute} or more target 5xx per minute at the public load balancer in ${t.deploy5xxMinutes} of ${t.deployMinutes} minutes`,
          metric: publicEntry.targetGroup.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, {
            period: PERIOD,
            statistic: 'Sum',
          }),
          threshold: t.deploy5xxPerMinute,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          datapointsToAlarm: t.deploy5xxMinutes,
        }
      ),
      this.deploymentAlarm(
        'DeployPublicResponseTimeAlarm',
        `${deploymentAlarmPrefix(topology.clusterName)}public-p99`,
        {
          ...base,
          alarmDescription: `Deployments roll back: p99 target response time at the public load balancer above ${t.deployP99Seconds} s for ${t.deployMinutes} minutes`,
          metric: publicEntry.targetGroup.metrics.targetResponseTime({ period: PERIOD, statistic: 'p99' }),
          threshold: t.deployP99Seconds,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          datapointsToAlarm: t.deployMinutes,
        }
      ),
    ];
    const serviceConnectAlarms = new Map<string, cloudwatch.Alarm[]>();
    const cluster = topology.clusterName;
    for (const server of topology.services) {
      // In every phase, so that the dashboard and the resources stay the same (before Service
      // Connect the metrics have no data: OK); deployments watch them only where they exist.
      if (!servesHttpThroughServiceConnect(topology, server)) continue;
      const id = pascalCase(serviceId(server));
      const perCaller = (metricName: string, statistic: string) =>
        Object.fromEntries(
          callersOf(topology, server).flatMap((caller, i) =>
            discoveryNamesOf(topology, server).map((name, k) => [
              `m${i}_${k}`,
              new cloudwatch.Metric({
                namespace: 'AWS/ECS',
                metricName,
                dimensionsMap: { ClusterName: cluster, ServiceName: caller.name, TargetDiscoveryName: name },
                statistic,
                period: PERIOD,
              }),
            ])
          )
        );
      const sum = perCaller('HTTPCode_Target_5XX_Count', 'Sum');
      const p99 = perCaller('TargetResponseTime', 'p99');
      serviceConnectAlarms.set(server.name, [
        this.deploymentAlarm(
          `Deploy${id}ServiceConnect5xxAlarm`,
          `${deploymentAlarmPrefix(topology.clusterName)}${server.name}-service-connect-5xx`,
          {
            ...base,
            alarmDescription: `Deployments roll back: ${t.deploy5xxPerMinute} or more 5xx per minute from ${server.name} through Service Connect (all its callers) in ${t.deploy5xxMinutes} of ${t.deployMinutes} minutes`,
            metric: new cloudwatch.MathExpression({
              expression: `SUM([${Object.keys(sum).join(', ')}])`,
              usingMetrics: sum,
              period: PERIOD,
              label: `${server.name} Service Connect 5xx`,
            }),
            threshold: t.deploy5xxPerMinute,
            comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            datapointsToAlarm: t.deploy5xxMinutes,
          }
        ),
        this.deploymentAlarm(
          `Deploy${id}ServiceConnectResponseTimeAlarm`,
          `${deploymentAlarmPrefix(topology.clusterName)}${server.name}-service-connect-p99`,
          {
            ...base,
            alarmDescription: `Deployments roll back: p99 response time of ${server.name} through Service Connect above ${t.deployP99Seconds} s for any caller, for ${t.deployMinutes} minutes`,
            metric: new cloudwatch.MathExpression({
              expression: `MAX([${Object.keys(p99).join(', ')}])`,
              usingMetrics: p99,
              period: PERIOD,
              label: `${server.name} Service Connect p99 (ms)`,
            }),
            // Service Connect reports TargetResponseTime in milliseconds.
            threshold: t.deployP99Seconds * 1000,
            comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            datapointsToAlarm: t.deployMinutes,
          }
        ),
      ]);
    }
    for (const svc of topology.services) {
      const targets = deploymentAlarmTargets(topology, svc, phase);
      this.deploymentAlarms.set(svc.name, [
        ...(targets.publicEntry ? publicAlarms : []),
        ...targets.serviceConnect.flatMap((name) => serviceConnectAlarms.get(name) ?? []),
      ]);
    }
    this.alarms.push(...publicAlarms, ...[...serviceConnectAlarms.values()].flat());
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
  private addAlarms({ topology, publicEntry }: MigrationDashboardProps, errorRate: cloudwatch.IMetric): void {
    const cluster = topology.clusterName;
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
        metric: publicEntry.targetGroup.metrics.unhealthyHostCount({ period: PERIOD, statistic: 'Maximum' }),
        threshold: ALARM_THRESHOLDS.unhealthyHosts,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: ALARM_THRESHOLDS.unhealthyHostsMinutes,
        datapointsToAlarm: ALARM_THRESHOLDS.unhealthyHostsMinutes,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      ...topology.services.map((svc) => {
        const metric = (metricName: string) =>
          serviceMetric(cluster, svc.name, 'ECS/ContainerInsights', metricName, 'Average', null);
        return new cloudwatch.Alarm(this, `${pascalCase(serviceId(svc))}TasksAlarm`, {
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
