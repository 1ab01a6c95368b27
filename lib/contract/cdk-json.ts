import * as fs from 'fs';
import * as path from 'path';

/** The project's cdk.json. */
export const CDK_JSON = path.join(__dirname, '..', '..', 'cdk.json');

/**
 * The context of cdk.json (the feature flags), as the CDK CLI passes it to the app. Tools that
 * build the app in-process (the plan, the tests) start from it, so that they see the same
 * templates as `cdk synth`.
 */
export function cdkJsonContext(file = CDK_JSON): Record<string, unknown> {
  return readCdkJson(file).context ?? {};
}

/** The command that runs the app (cdk.json's `app`), as the CDK CLI and the toolkit run it. */
export function cdkJsonApp(file = CDK_JSON): string {
  return readCdkJson(file).app;
}

function readCdkJson(file: string): { app: string; context?: Record<string, unknown> } {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as { app: string; context?: Record<string, unknown> };
}
