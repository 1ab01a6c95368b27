import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { cdkJsonContext } from '../../lib/contract/cdk-json';
import { MIGRATION_PHASES } from '../../lib/model/phase';
import { synthesizePhases } from '../../lib/plan/synth-phases';
import { YELB } from '../../lib/model/yelb';

/** Where the templates of every phase, default context, are written for the test files. */
export const TEMPLATES_ENV = 'YELB_TEST_TEMPLATES';
/** The run's own temporary directory (global-teardown.ts checks that the tests left it empty). */
export const RUN_TMPDIR_ENV = 'YELB_TEST_RUN_TMPDIR';
/** The temporary directory the run was started with, which the run's own is in. */
export const OUTER_TMPDIR_ENV = 'YELB_TEST_OUTER_TMPDIR';

/**
 * Synthesizes every phase once, before the test files run, and writes the templates to a
 * directory the workers read: most test files check these same templates, and synthesizing them
 * again in each file was a third of the suite's time.
 */
/** The CDK's context keys that turn its stack traces off (aws-cdk-lib/cx-api). */
export const NO_STACK_TRACES = {
  [cxapi.DISABLE_CREATION_STACK_TRACES]: true,
  [cxapi.DISABLE_METADATA_STACK_TRACE]: true,
};

export default function globalSetup(): void {
  // A temporary directory of the run's own, for everything the tests and the tools they run
  // make (the workers inherit TMPDIR): the teardown checks this one, so that what other
  // processes on the machine create meanwhile in the system's cannot fail the run.
  const outer = os.tmpdir();
  const run = fs.mkdtempSync(path.join(outer, 'yelb-test-run-'));
  // As /tmp lets every user in: the system tests run Postgres as its own user in folders here.
  fs.chmodSync(run, 0o755);
  process.env[OUTER_TMPDIR_ENV] = outer;
  process.env[RUN_TMPDIR_ENV] = run;
  process.env.TMPDIR = run;
  // No construct creation and metadata stack traces in any app a test builds (the CDK reads
  // CDK_CONTEXT_JSON in every App, as it does for `cdk synth`'s context): under Jest each trace
  // goes through its source-map support, which was a tenth of a synth's time. They are the cloud
  // assembly's debugging metadata (manifest.json), never in a template.
  process.env.CDK_CONTEXT_JSON = JSON.stringify(NO_STACK_TRACES);
  const dir = fs.mkdtempSync(path.join(outer, 'yelb-templates-'));
  const context = { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] };
  for (const [phase, templates] of synthesizePhases(YELB, context, MIGRATION_PHASES, {
    // cdk-nag and the quotas run on their own (test/nag.spec.ts, test/app/).
    checks: false,
  })) {
    for (const [stack, template] of Object.entries(templates)) {
      fs.writeFileSync(path.join(dir, `${phase}.${stack}.json`), JSON.stringify(template));
    }
  }
  process.env[TEMPLATES_ENV] = dir;
}
