import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cdkJsonContext } from '../../lib/contract/cdk-json';
import { MIGRATION_PHASES } from '../../lib/model/phase';
import { synthesizePhases } from '../../lib/plan/synth-phases';
import { tempEntries } from './temp';
import { YELB } from '../../lib/model/yelb';

/** Where the templates of every phase, default context, are written for the test files. */
export const TEMPLATES_ENV = 'YELB_TEST_TEMPLATES';
/** The entries of the system's temporary directory before the run (global-teardown.ts checks them). */
export const TEMP_ENTRIES_ENV = 'YELB_TEST_TEMP_ENTRIES';

/**
 * Synthesizes every phase once, before the test files run, and writes the templates to a
 * directory the workers read: most test files check these same templates, and synthesizing them
 * again in each file was a third of the suite's time.
 */
export default function globalSetup(): void {
  process.env[TEMP_ENTRIES_ENV] = JSON.stringify(tempEntries());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yelb-templates-'));
  const context = { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] };
  for (const [phase, templates] of synthesizePhases(YELB, context, MIGRATION_PHASES)) {
    for (const [stack, template] of Object.entries(templates)) {
      fs.writeFileSync(path.join(dir, `${phase}.${stack}.json`), JSON.stringify(template));
    }
  }
  process.env[TEMPLATES_ENV] = dir;
}
