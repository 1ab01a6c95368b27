import { CloudWatchClient, paginateDescribeAlarms } from '@aws-sdk/client-cloudwatch';

/**
 * The names of the metric alarms in ALARM whose names start with `prefix` (a cluster's
 * deployment alarms: `deploymentAlarmPrefix` in lib/model/deployment.ts). ECS does not watch a
 * deployment that starts while one of its alarms is in ALARM, so the rehearsal and `npm run plan
 * -- --deployed` read them before a deploy.
 */
export async function alarmsInAlarm(cloudwatch: CloudWatchClient, prefix: string): Promise<string[]> {
  const names: string[] = [];
  for await (const page of paginateDescribeAlarms(
    { client: cloudwatch },
    { AlarmNamePrefix: prefix, StateValue: 'ALARM', AlarmTypes: ['MetricAlarm'] }
  )) {
    names.push(...(page.MetricAlarms ?? []).map((a) => a.AlarmName ?? '?'));
  }
  return names;
}
