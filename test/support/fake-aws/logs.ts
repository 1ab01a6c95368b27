import { ACCOUNT, FakeState, REGION } from './state';

/** CloudWatch Logs (JSON 1.1): log groups. */

export function logsApi(state: FakeState, operation: string, input: any): unknown {
  if (operation !== 'DescribeLogGroups')
    throw new Error(`fake CloudWatch Logs does not implement ${operation}`);
  return {
    logGroups: [...state.logGroups]
      .filter((g) => !input.logGroupNamePrefix || g.startsWith(input.logGroupNamePrefix))
      .map((logGroupName) => ({
        logGroupName,
        arn: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${logGroupName}:*`,
      })),
  };
}
