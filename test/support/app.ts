import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as fs from 'fs';
import * as path from 'path';
import { TEMPLATES_ENV } from './global-setup';
import { cdkJsonContext } from '../../lib/contract/cdk-json';
import { MigrationPhase, phaseContext } from '../../lib/model/phase';
import { MigrationApp, createApp } from '../../lib/app/app';
import { CfnTemplate } from '../../lib/plan/template-diff';
import { YELB } from '../../lib/model/yelb';

/**
 * The context of cdk.json (feature flags included). `new App()` does not read cdk.json, so
 * without it the tests would check a different template than `cdk synth` produces.
 */
export const CDK_JSON_CONTEXT: Record<string, unknown> = cdkJsonContext();

/**
 * The context the tests synthesize with: cdk.json's, and no asset bundling (esbuild would
 * bundle the teardown handler at every synth). test/bin/app.test.ts synthesizes with bundling.
 */
export const TEST_CONTEXT: Record<string, unknown> = { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] };

export { phaseContext };

/**
 * A stack of its own for a construct under test, as aws-ecs-patterns tests a construct: the
 * app's context (feature flags, no bundling), and without the CDK's CloudFormation template
 * validation at synth (a WebAssembly engine that takes seconds per synth: test/cfn-validation.test.ts
 * runs it over the app's templates).
 */
export function bareStack(id = 'Test'): Stack {
  return new Stack(new App({ context: TEST_CONTEXT, builtinCloudFormationValidation: false }), id);
}

/**
 * Builds the app as `cdk synth -c …` does, for `phase` plus `context` (strings, like `-c`),
 * without the checks at synth (cdk-nag and the quotas: test/nag.spec.ts and test/app/ run them
 * over every phase and option set on their own), which would otherwise run at every synth of a test.
 */
export function buildApp(phase: MigrationPhase, context: Record<string, string> = {}): MigrationApp {
  return createApp({ context: { ...TEST_CONTEXT, ...phaseContext(phase), ...context } }, YELB, {
    checks: false,
  });
}

/** Templates of both stacks for one phase. */
export interface PhaseTemplates {
  readonly network: Template;
  readonly system: Template;
}

const cache = new Map<string, PhaseTemplates>();

/**
 * The templates of `phase` with `context`: for the default context, those the global setup
 * synthesized once for the whole run; otherwise synthesized here, once per test file.
 */
export function templatesOf(phase: MigrationPhase, context: Record<string, string> = {}): PhaseTemplates {
  const key = JSON.stringify([phase, context]);
  let templates = cache.get(key);
  const shared = process.env[TEMPLATES_ENV];
  if (!templates && shared && Object.keys(context).length === 0) {
    const read = (stack: string) =>
      Template.fromJSON(JSON.parse(fs.readFileSync(path.join(shared, `${phase}.${stack}.json`), 'utf8')));
    templates = { network: read('YelbNetwork'), system: read('Yelb') };
    cache.set(key, templates);
  }
  if (!templates) {
    const built = buildApp(phase, context);
    templates = { network: Template.fromStack(built.network), system: Template.fromStack(built.system) };
    cache.set(key, templates);
  }
  return templates;
}

/**
 * Every stack's template of a phase by stack name, as the CLIs' synthesizer returns them (the
 * empty YelbLoadTest included): a copy of the shared templates, free to change.
 */
export function stackTemplates(phase: MigrationPhase): Record<string, CfnTemplate> {
  const { network, system: yelb } = templatesOf(phase);
  return structuredClone({
    YelbNetwork: network.toJSON(),
    Yelb: yelb.toJSON(),
    YelbLoadTest: { Resources: {} },
  });
}

/** The synthesizer of the plan and rehearse CLIs, answered from the shared templates. */
export const fromSharedTemplates = (
  _context: Record<string, unknown>,
  phases: readonly MigrationPhase[]
): Map<MigrationPhase, Record<string, CfnTemplate>> => new Map(phases.map((p) => [p, stackTemplates(p)]));
