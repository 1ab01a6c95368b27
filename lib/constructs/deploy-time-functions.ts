import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Stack, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';

/**
 * The runtime of every function of the app, the CDK provider framework's included: Node.js 24,
 * the newest that Lambda offers generally available (until April 2028). aws-cdk-lib 2.278 also
 * knows Node.js 26, which Lambda offers only as a public preview runtime (aws-lambda-roadmap#56,
 * August 2026): not for functions a stack's deployment and deletion depend on. cdk-nag's
 * AwsSolutions-L1 asks for the newest the CDK knows; {@link useDeployTimeRuntime} says why not.
 * The CDK gives the framework's functions `NODEJS_LATEST` (Node.js 22, supported until April
 * 2027), which {@link useDeployTimeRuntime} replaces.
 */
export const DEPLOY_TIME_RUNTIME = lambda.Runtime.NODEJS_24_X;

/**
 * Puts every Lambda function under `scope` (the handlers and the provider framework's own) on
 * {@link DEPLOY_TIME_RUNTIME}, and acknowledges cdk-nag's AwsSolutions-L1 for them with the reason.
 */
export function useDeployTimeRuntime(scope: Construct): void {
  const functions = scope.node
    .findAll()
    .filter((c): c is lambda.CfnFunction => c instanceof lambda.CfnFunction);
  for (const fn of functions) fn.runtime = DEPLOY_TIME_RUNTIME.name;
  acknowledgeDeployTimeRuntime(scope);
}

/**
 * cdk-nag's AwsSolutions-L1 for the functions under `scope` that run {@link DEPLOY_TIME_RUNTIME}
 * (the CDK's own providers included, whose runtime it sets itself).
 */
export function acknowledgeDeployTimeRuntime(scope: Construct): void {
  Validations.of(scope).acknowledge({
    id: 'AwsSolutions-L1',
    reason: `${DEPLOY_TIME_RUNTIME.name}, the newest Node.js runtime Lambda offers generally available; nodejs26.x, which the CDK also knows, is a public preview runtime.`,
  });
}

/**
 * What the NIST 800-53 rev 5 pack asks of Lambda functions, and why this app's functions do
 * without it: they are custom-resource handlers and the CDK provider framework's own functions,
 * which CloudFormation runs only while it deploys or deletes the stack. Acknowledged on `scope`,
 * for every function under it.
 */
export function acknowledgeDeployTimeFunctions(
  scope: Construct,
  options: { readonly apiOnly: boolean }
): void {
  Validations.of(scope).acknowledge(
    {
      id: 'NIST.800.53.R5-LambdaConcurrency',
      reason:
        "Reserved concurrency comes out of the account's unreserved pool, which must keep 10: in a new account (limit 10) any reservation fails the deployment. These run only during deployments, a few at a time.",
    },
    {
      id: 'NIST.800.53.R5-LambdaDLQ',
      reason:
        'The CDK provider framework invokes these synchronously and reports a failure to CloudFormation, which shows it in the stack events; a dead-letter queue only receives failed asynchronous invocations.',
    },
    ...(options.apiOnly
      ? [
          {
            id: 'NIST.800.53.R5-LambdaInsideVPC',
            reason:
              "They call only AWS APIs over HTTPS; in the VPC they would need network interfaces that delay the stack's deletion, which is when the drain runs. The image copy, which reaches registries on the internet, runs in the VPC.",
          },
        ]
      : [])
  );
}

/**
 * What the CDK provider framework brings and does not let us change, acknowledged for
 * AwsSolutions: roles that may invoke every version of the functions they call (`<function
 * ARN>:*`, one finding per function of `scope`, by its exact id), the managed basic execution
 * policy, and, with an `isComplete` handler, a waiter whose log delivery has no resource and no
 * X-Ray.
 */
export function acknowledgeProviderFramework(
  scope: Construct,
  provider: cr.Provider,
  options: { readonly waiter: boolean }
): void {
  const stack = Stack.of(scope);
  const functions = scope.node
    .findAll()
    .filter((c): c is lambda.CfnFunction => c instanceof lambda.CfnFunction);
  Validations.of(provider).acknowledge(
    ...functions.map((fn) => ({
      id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(fn)}.Arn>:*]`,
      reason:
        "The CDK provider framework invokes the handler functions and its own by ARN, with any version (':*').",
    })),
    {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason:
        "The CDK provider framework's own functions write their logs with the basic execution role; the handlers have a role of their own.",
    },
    ...(options.waiter
      ? [
          {
            id: 'AwsSolutions-IAM5[Resource::*]',
            reason:
              "The waiter's log delivery to CloudWatch Logs (logs:CreateLogDelivery and related actions) supports no resource-level permissions.",
          },
          {
            id: 'AwsSolutions-SF2',
            reason:
              "The provider framework's waiter only polls isComplete every 15 s during a deletion; its steps are logged, X-Ray would add nothing.",
          },
        ]
      : [])
  );
}

/** The lockfile, whose versions the handlers are bundled with. */
const LOCKFILE = path.join(__dirname, '..', '..', 'package-lock.json');

/**
 * The asset hash of a handler bundled from `entry`: the contents of the project's files it
 * imports (followed from `entry`), the lockfile (the versions esbuild bundles) and the bundling
 * options. Without it the CDK hashes the bundle (fine), or, where a synth skips bundling (the
 * tests), the whole project folder, node_modules included: about 17 s of CPU per synth process.
 * Any change to what the bundle is made of changes the hash, so the function's code is updated
 * exactly when it should be.
 */
export function handlerAssetHash(entry: string, bundlingOptions: unknown): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify(bundlingOptions));
  hash.update(fs.readFileSync(LOCKFILE));
  const seen = new Set<string>();
  const pending = [path.resolve(entry)];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = fs.readFileSync(file, 'utf8');
    hash.update(path.relative(path.dirname(LOCKFILE), file)).update(text);
    for (const [, spec] of text.matchAll(/(?:from|import|require\()\s*\(?\s*'(\.[^']+)'/g)) {
      const target = path.resolve(path.dirname(file), spec);
      const found = [`${target}.ts`, path.join(target, 'index.ts')].find((f) => fs.existsSync(f));
      if (found) pending.push(found);
    }
  }
  return hash.digest('hex');
}
