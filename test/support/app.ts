import { Template } from 'aws-cdk-lib/assertions';
import * as fs from 'fs';
import * as path from 'path';
import { MigrationPhase, flagsOf } from '../../lib/model/phase';
import { YelbApp, createYelbApp } from '../../lib/yelb-app';

/**
 * The context of cdk.json (feature flags included). `new App()` does not read cdk.json, so
 * without it the tests would check a different template than `cdk synth` produces.
 */
export const CDK_JSON_CONTEXT: Record<string, unknown> = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')
).context;

/** The `-c` flags that select `phase`, as the command line passes them: strings. */
export function phaseContext(phase: MigrationPhase): Record<string, string> {
  const flags = flagsOf(phase);
  return { serviceConnect: String(flags.serviceConnect), retireLegacy: String(flags.retireLegacy) };
}

/** Builds the app as `cdk synth -c …` does, for `phase` plus `context` (strings, like `-c`). */
export function buildApp(phase: MigrationPhase, context: Record<string, string> = {}): YelbApp {
  return createYelbApp({ context: { ...CDK_JSON_CONTEXT, ...phaseContext(phase), ...context } });
}

/** Templates of both stacks for one phase. */
export interface PhaseTemplates {
  readonly network: Template;
  readonly yelb: Template;
}

const cache = new Map<string, PhaseTemplates>();

/** The templates of `phase` (default context), synthesized once per test file. */
export function templatesOf(phase: MigrationPhase, context: Record<string, string> = {}): PhaseTemplates {
  const key = JSON.stringify([phase, context]);
  let templates = cache.get(key);
  if (!templates) {
    const built = buildApp(phase, context);
    templates = { network: Template.fromStack(built.network), yelb: Template.fromStack(built.yelb) };
    cache.set(key, templates);
  }
  return templates;
}
