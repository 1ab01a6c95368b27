import { AwsClients } from './clients';

/** The API calls the clients sent, by operation: what discovery reports and its benchmark measures. */
export interface CallCounter {
  /** Calls so far, retries not counted. */
  total(): number;
  byOperation(): Record<string, number>;
}

let counters = 0;

/** Each client's service prefix, as IAM names the actions: `ecs:ListServices`, `servicediscovery:ListServices`. */
const PREFIXES: Readonly<Record<keyof AwsClients, string>> = {
  ecs: 'ecs',
  cloudMap: 'servicediscovery',
  cloudFormation: 'cloudformation',
  elb: 'elasticloadbalancing',
  route53: 'route53',
  logs: 'logs',
};

/**
 * Counts every command the clients send from now on, with a middleware at the `initialize` step
 * (once per call, before the SDK's retries), paginators' pages included. Operations are named as
 * IAM names the actions (`ecs:ListServices`), so that two APIs' operations of one name stay apart.
 */
export function countCalls(clients: AwsClients): CallCounter {
  const counts = new Map<string, number>();
  for (const key of Object.keys(PREFIXES) as (keyof AwsClients)[]) {
    (clients[key].middlewareStack as { add: (middleware: unknown, options: object) => void }).add(
      (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => (args: unknown) => {
        const name = `${PREFIXES[key]}:${(context.commandName ?? 'unknown').replace(/Command$/, '')}`;
        counts.set(name, (counts.get(name) ?? 0) + 1);
        return next(args);
      },
      { step: 'initialize', name: `countCalls${(counters += 1)}` }
    );
  }
  return {
    total: () => [...counts.values()].reduce((a, b) => a + b, 0),
    byOperation: () => Object.fromEntries([...counts].sort(([a], [b]) => a.localeCompare(b))),
  };
}
