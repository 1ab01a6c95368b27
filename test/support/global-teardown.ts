import * as fs from 'fs';
import * as path from 'path';
import { OUTER_TMPDIR_ENV, RUN_TMPDIR_ENV, TEMPLATES_ENV } from './global-setup';

/** Caches of the tools, which outlive a run on purpose. */
const TOOL_CACHES = /^(jest_|v8-compile-cache)/;

/**
 * Removes the templates that the global setup wrote, then checks that the run left nothing in
 * its own temporary directory (every test cleans up what it makes) and removes that too.
 */
export default function globalTeardown(): void {
  const templates = process.env[TEMPLATES_ENV];
  if (templates) fs.rmSync(templates, { recursive: true, force: true });
  const run = process.env[RUN_TMPDIR_ENV];
  if (!run) return;
  process.env.TMPDIR = process.env[OUTER_TMPDIR_ENV];
  const left = fs.readdirSync(run).filter((e) => !TOOL_CACHES.test(e));
  fs.rmSync(run, { recursive: true, force: true });
  if (left.length > 0) {
    throw new Error(
      `the tests left ${left.length} entries in their temporary directory ${run}: ${left.map((e) => path.join(run, e)).join(', ')}`
    );
  }
}
