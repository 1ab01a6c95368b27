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

/** Of the alarms called `names`, those in ALARM (DescribeAlarms takes at most 100 names a call). */
export async function alarmsNamedInAlarm(
  cloudwatch: CloudWatchClient,
  names: readonly string[]
): Promise<string[]> {
  const inAlarm: string[] = [];
  for (let i = 0; i < names.length; i += 100) {
    for await (const page of paginateDescribeAlarms(
      { client: cloudwatch },
      { AlarmNames: names.slice(i, i + 100), StateValue: 'ALARM' }
    )) {
      inAlarm.push(...(page.MetricAlarms ?? []).map((a) => a.AlarmName ?? '?'));
    }
  }
  return inAlarm;
}
