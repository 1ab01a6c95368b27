import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import * as path from 'path';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { DrainEvent, isComplete, onEvent } from '../../lib/teardown/handler';
import { templatesOf } from '../support/app';
import { resourcesOf } from '../support/template';
import { FakeAws } from '../support/fake-aws';

/**
 * The deletion as CloudFormation experiences it: aws-cdk-lib's own provider-framework runtime
 * (the code the Provider deploys: framework onEvent, the waiter's isComplete retried with the
 * synthesized state machine's retry policy, onTimeout), with its outbound calls replaced: Lambda
 * invocations run our handlers in process against the local fake of ECS and Cloud Map, and the
 * response to CloudFormation's pre-signed URL is recorded.
 */
// The runtime's Lambda and Step Functions clients come with the Lambda runtime, not with this
// project; the calls that use them are replaced below.
jest.mock('@aws-sdk/client-lambda', () => ({}), { virtual: true });
jest.mock('@aws-sdk/client-sfn', () => ({}), { virtual: true });

const RUNTIME = path.join(
  path.dirname(require.resolve('aws-cdk-lib/package.json')),
  'custom-resources/lib/provider-framework/runtime'
);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const framework = require(path.join(RUNTIME, 'framework'));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const outbound = require(path.join(RUNTIME, 'outbound'));

interface CfnResponse {
  readonly Status: 'SUCCESS' | 'FAILED';
  readonly Reason: string;
}

/** The waiter state machine's retry policy, read from the synthesized template. */
function waiterRetry(): { intervalSeconds: number; maxAttempts: number; backoffRate: number } {
  const [machine] = resourcesOf(templatesOf('serviceConnect').system, 'AWS::StepFunctions::StateMachine');
  const definition = JSON.stringify(machine.Properties.DefinitionString);
  const number = (key: string) => Number(new RegExp(`\\\\"${key}\\\\":([0-9.]+)`).exec(definition)![1]);
  return {
    intervalSeconds: number('IntervalSeconds'),
    maxAttempts: number('MaxAttempts'),
    backoffRate: number('BackoffRate'),
  };
}

let fake: FakeAws;
let saved: NodeJS.ProcessEnv;
let responses: CfnResponse[];
let waiterInput: unknown;
let now: number;

const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

beforeEach(async () => {
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
  fake = new FakeAws();
  saved = { ...process.env };
  Object.assign(process.env, fake.env(await fake.start()), {
    USER_ON_EVENT_FUNCTION_ARN: 'arn:aws:lambda:us-east-1:123456789012:function:drain-onEvent',
    USER_IS_COMPLETE_FUNCTION_ARN: 'arn:aws:lambda:us-east-1:123456789012:function:drain-isComplete',
    WAITER_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:waiter',
  });
  responses = [];
  waiterInput = undefined;
  // Virtual time: each retry of the waiter moves the clock on by its interval.
  now = Date.now();
  jest.spyOn(Date, 'now').mockImplementation(() => now);
  const clients = {
    ecs: new ECSClient({ maxAttempts: 1 }),
    cloudMap: new ServiceDiscoveryClient({ maxAttempts: 1 }),
    cloudWatch: new CloudWatchClient({ maxAttempts: 1 }),
  };
  // Lambda's Invoke: our handlers, with Lambda's shape for a function error.
  jest.spyOn(outbound, 'invokeFunction').mockImplementation(async (req: any) => {
    const event = JSON.parse(req.Payload) as DrainEvent;
    const handler = req.FunctionName.endsWith('onEvent') ? onEvent : isComplete;
    try {
      return { StatusCode: 200, Payload: encode(await handler(event, clients)) };
    } catch (err) {
      const e = err as Error;
      return {
        StatusCode: 200,
        FunctionError: 'Unhandled',
        Payload: encode({ errorType: e.name, errorMessage: e.message, trace: (e.stack ?? '').split('\n') }),
      };
    }
  });
  jest.spyOn(outbound, 'startExecution').mockImplementation((req: any) => {
    waiterInput = JSON.parse(req.input);
    return Promise.resolve({});
  });
  jest.spyOn(outbound, 'httpRequest').mockImplementation((_options: unknown, body: any) => {
    responses.push(JSON.parse(body));
    return Promise.resolve();
  });
});
afterEach(async () => {
  jest.restoreAllMocks();
  process.env = saved;
  await fake.stop();
});

/** CloudFormation's delete request, as the stack's deletion sends it. */
function deleteRequest(template = templatesOf('serviceConnect').system) {
  const [drain] = resourcesOf(template, 'Custom::ServiceConnectDrain');
  return {
    RequestType: 'Delete',
    ResourceType: 'Custom::ServiceConnectDrain',
    ResponseURL: 'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/signed',
    StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/Yelb/1',
    RequestId: 'request-1',
    LogicalResourceId: drain.logicalId,
    PhysicalResourceId: 'service-connect-drain-yelb-cluster',
    ResourceProperties: {
      ...(drain.Properties as { ServiceTimeout: string }),
      NamespaceId: 'ns-yelbscinternal',
      ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:framework-onEvent',
    },
  };
}

/**
 * The waiter state machine: isComplete with Retry on States.ALL (interval, backoff, max attempts
 * as synthesized), then Catch → onTimeout with the last error as Step Functions passes it.
 * Returns how many isComplete attempts ran.
 */
async function runWaiter(): Promise<number> {
  const retry = waiterRetry();
  let interval = retry.intervalSeconds * 1000;
  let lastError: Error | undefined;
  for (let attempt = 1; attempt <= retry.maxAttempts + 1; attempt++) {
    try {
      await framework.isComplete(waiterInput);
      return attempt;
    } catch (err) {
      lastError = err as Error;
      now += interval;
      interval *= retry.backoffRate;
    }
  }
  await framework
    .onTimeout({
      Error: lastError!.name,
      Cause: JSON.stringify({ errorType: lastError!.name, errorMessage: lastError!.message }),
    })
    .catch(() => undefined);
  return retry.maxAttempts + 1;
}

const ALL = ['yelb-ui', 'yelb-appserver', 'yelb-db', 'yelb-redis'];

describe('the teardown through the CDK provider framework', () => {
  test('a namespace that drains: CloudFormation gets SUCCESS', async () => {
    fake.seedYelb({ serviceConnectOn: ALL });
    await framework.onEvent(deleteRequest());
    expect(waiterInput).toBeDefined();
    await runWaiter();
    expect(responses.map((r) => r.Status)).toEqual(['SUCCESS']);
    expect(fake.namespaceServiceNames()).toEqual([]);
  });

  test('a drain that never finishes: FAILED at the handler deadline, naming what is left, well before any backstop', async () => {
    fake.seedYelb({ serviceConnectOn: ALL });
    fake.stopDraining();
    const started = now;
    const request = deleteRequest();
    await framework.onEvent(request);
    const attempts = await runWaiter();
    expect(responses).toHaveLength(1);
    expect(responses[0].Status).toBe('FAILED');
    expect(responses[0].Reason).toMatch(
      /Service Connect namespace yelb.sc.internal still holds yelb-appserver, yelb-db, yelb-redis after 1500 s with Service Connect off: .* Check the services' deployments \(npm run migrate -- status\), then delete the stack again\./
    );
    // Answered by the handler's deadline (25 min), not the framework's onTimeout, and inside the
    // custom resource's ServiceTimeout.
    expect(attempts).toBeLessThan(waiterRetry().maxAttempts);
    const elapsedSeconds = (now - started) / 1000;
    expect(elapsedSeconds).toBeGreaterThanOrEqual(1500);
    expect(elapsedSeconds).toBeLessThan(Number(request.ResourceProperties.ServiceTimeout));
  });

  test('AWS errors that last (access denied, throttling): FAILED at the deadline with the error, never SUCCESS', async () => {
    fake.seedYelb({ serviceConnectOn: ALL });
    await framework.onEvent(deleteRequest());
    fake.throttle(100_000, 'ListServices');
    await runWaiter();
    expect(responses).toHaveLength(1);
    expect(responses[0].Status).toBe('FAILED');
    expect(responses[0].Reason).toMatch(
      /still cannot be read \(ThrottlingException: Rate exceeded\) after 1500 s/
    );
  });
});
