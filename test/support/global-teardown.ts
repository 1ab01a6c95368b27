import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { TEMPLATES_ENV, TEMP_ENTRIES_ENV } from './global-setup';
import { tempEntries } from './temp';

/** Caches of the tools, which outlive a run on purpose. */
const TOOL_CACHES = /^(jest_|v8-compile-cache)/;

/**
 * Removes the templates that the global setup wrote, then checks that the run left nothing else
 * in the system's temporary directory: every test cleans up what it makes.
 */
export default function globalTeardown(): void {
  const dir = process.env[TEMPLATES_ENV];
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  const before = new Set(JSON.parse(process.env[TEMP_ENTRIES_ENV] ?? '[]') as string[]);
  const left = tempEntries().filter((e) => !before.has(e) && !TOOL_CACHES.test(e));
  if (left.length > 0) {
    throw new Error(
      `the tests left ${left.length} entries in ${os.tmpdir()}: ${left.map((e) => path.join(os.tmpdir(), e)).join(', ')}`
    );
  }
}
