import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** Prefix of every folder a test makes in the system's temporary directory. */
export const TEMP_PREFIX = 'yelb-test-';

const made: string[] = [];

/**
 * A new folder in the system's temporary directory, removed after the test file's tests
 * (test/support/after-env.ts): no test leaves a folder behind.
 */
export function tempDir(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${TEMP_PREFIX}${name}-`));
  made.push(dir);
  return dir;
}

/** Removes the folders {@link tempDir} made. */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}
