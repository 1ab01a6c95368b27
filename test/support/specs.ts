import * as fs from 'fs';
import * as path from 'path';

/** The spec files of a folder, by name (`data-volume` for `data-volume.spec.ts`), sorted. */
export function specsIn(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.spec.ts'))
    .map((f) => f.slice(0, -'.spec.ts'.length))
    .sort();
}

/**
 * Runs every spec file of `dir` (`*.spec.ts`) inside the one Jest test file that calls this,
 * each in a `describe` block of its own, so that a spec's top-level hooks apply to its own tests
 * only. The specs are found, not listed, so a new one cannot be left out.
 *
 * Why: Jest gives every test file a module registry of its own, so each file that builds the
 * app loads aws-cdk-lib's construct libraries, the SDK clients and this project's modules again.
 * Grouping the nine stack test files into one took their CPU time from 25 s to 9 s (measured
 * with /usr/bin/time, net of Jest's start-up). Each spec keeps its own file, named after what it
 * tests, and runs alone with `npx jest <folder> -t '<name>'`.
 */
export function runSpecs(dir: string): void {
  for (const name of specsIn(dir)) {
    describe(name, () => {
      // A require inside the describe callback registers the spec's tests and hooks in this block.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require(path.join(dir, `${name}.spec`));
    });
  }
}
