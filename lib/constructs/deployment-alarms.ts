import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import { DeploymentAlarmPlan } from '../model/alarms';

/** Props of {@link DeploymentAlarms}. */
export interface DeploymentAlarmsProps {
  /** The plan's deployment alarms: what each measures, its name and threshold. */
  readonly alarms: readonly DeploymentAlarmPlan[];
  /** The cluster, whose services' Service Connect metrics the Service Connect alarms read. */
  readonly clusterName: string;
  /**
   * The public load balancer, whose targets' 5xx and response time the public alarms read: all
   * its target groups', since a gradual deployment of the public entry moves the traffic from one
   * to the other.
   */
  readonly publicLoadBalancer: elbv2.IApplicationLoadBalancer;
}

const PERIOD = Duration.minutes(1);

/**
 * The CloudWatch alarms that make ECS roll a deployment back, one per alarm of the plan, named as
 * the plan names them (the services name them: `DeploymentConfiguration.Alarms`). Missing data is
 * not breaching: a metric without traffic yet (Service Connect's, before the phase that has it)
 * does not fail a deployment. Service Connect's target metrics are published per calling service
 * (`ClusterName`, the caller's `ServiceName`, `TargetDiscoveryName`): each Service Connect alarm
 * sums (5xx) or takes the highest (p99) over the server's callers.
 */
export class DeploymentAlarms extends Construct {
  /** Every deployment alarm, in the plan's order. */
  public readonly alarms: cloudwatch.Alarm[];
  private readonly byName = new Map<string, cloudwatch.Alarm>();

  constructor(scope: Construct, id: string, props: DeploymentAlarmsProps) {
    super(scope, id);
    this.alarms = props.alarms.map((plan) => {
      const alarm = new cloudwatch.Alarm(this, plan.id, {
        alarmName: plan.name,
        alarmDescription: describe(plan),
        metric: metricOf(plan, props),
        threshold: plan.kind === 'serviceConnectP99' ? plan.threshold * 1000 : plan.threshold,
        comparisonOperator:
          plan.kind === 'publicTarget5xx' || plan.kind === 'serviceConnect5xx'
            ? cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
            : cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: plan.evaluationMinutes,
        datapointsToAlarm: plan.datapointsToAlarm,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      this.byName.set(plan.name, alarm);
      return alarm;
    });
  }

  /** The alarms called `names` (a service's, from its plan). @throws Error for a name the plan does not have. */
  named(names: readonly string[]): cloudwatch.Alarm[] {
    return names.map((name) => {
      const alarm = this.byName.get(name);
      if (!alarm) throw new Error(`no deployment alarm '${name}'`);
      return alarm;
    });
  }
}

function describe(plan: DeploymentAlarmPlan): string {
  const minutes = `${plan.datapointsToAlarm} of ${plan.evaluationMinutes} minutes`;
  switch (plan.kind) {
    case 'publicTarget5xx':
      return `Deployments roll back: ${plan.threshold} or more target 5xx per minute at the public load balancer in ${minutes}`;
    case 'publicP99':
      return `Deployments roll back: p99 target response time at the public load balancer above ${plan.threshold} s for ${plan.evaluationMinutes} minutes`;
    case 'serviceConnect5xx':
      return `Deployments roll back: ${plan.threshold} or more 5xx per minute from ${plan.server} through Service Connect (all its callers) in ${minutes}`;
    case 'serviceConnectP99':
      return `Deployments roll back: p99 response time of ${plan.server} through Service Connect above ${plan.threshold} s for any caller, for ${plan.evaluationMinutes} minutes`;
  }
}

function metricOf(plan: DeploymentAlarmPlan, props: DeploymentAlarmsProps): cloudwatch.IMetric {
  const target = props.publicLoadBalancer.metrics;
  switch (plan.kind) {
    case 'publicTarget5xx':
      return target.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, {
        period: PERIOD,
        statistic: 'Sum',
      });
    case 'publicP99':
      return target.targetResponseTime({ period: PERIOD, statistic: 'p99' });
    case 'serviceConnect5xx':
      return new cloudwatch.MathExpression({
        expression: `SUM([${Object.keys(perCaller(plan, props.clusterName, 'HTTPCode_Target_5XX_Count', 'Sum')).join(', ')}])`,
        usingMetrics: perCaller(plan, props.clusterName, 'HTTPCode_Target_5XX_Count', 'Sum'),
        period: PERIOD,
        label: `${plan.server} Service Connect 5xx`,
      });
    case 'serviceConnectP99':
      // Service Connect reports TargetResponseTime in milliseconds.
      return new cloudwatch.MathExpression({
        expression: `MAX([${Object.keys(perCaller(plan, props.clusterName, 'TargetResponseTime', 'p99')).join(', ')}])`,
        usingMetrics: perCaller(plan, props.clusterName, 'TargetResponseTime', 'p99'),
        period: PERIOD,
        label: `${plan.server} Service Connect p99 (ms)`,
      });
  }
}

/** One metric per caller of the server (`m<caller>_0`), as Service Connect publishes them. */
function perCaller(
  plan: DeploymentAlarmPlan,
  clusterName: string,
  metricName: string,
  statistic: string
): Record<string, cloudwatch.IMetric> {
  return Object.fromEntries(
    (plan.metrics ?? []).map((m, i) => [
      `m${i}_0`,
      new cloudwatch.Metric({
        namespace: 'AWS/ECS',
        metricName,
        dimensionsMap: {
          ClusterName: clusterName,
          ServiceName: m.caller,
          TargetDiscoveryName: m.discoveryName,
        },
        statistic,
        period: PERIOD,
      }),
    ])
  );
}
