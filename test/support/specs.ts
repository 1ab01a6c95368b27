import * as path from 'path';

/**
 * Runs the spec files `names` (`<name>.spec.ts` in `dir`) inside the one Jest test file that
 * calls this, each in a `describe` block of its own, so that a spec's top-level hooks apply to
 * its own tests only.
 *
 * Why: Jest gives every test file a module registry of its own, so each file that builds the
 * app loads aws-cdk-lib's construct libraries, the SDK clients and this project's modules again.
 * Grouping the nine stack test files into one took their CPU time from 25 s to 9 s (measured
 * with /usr/bin/time, net of Jest's start-up). Each spec keeps its own file, named after what it
 * tests, and runs alone with `npx jest -t '<name>'`.
 */
export function runSpecs(dir: string, names: readonly string[]): void {
  for (const name of names) {
    describe(name, () => {
      // A require inside the describe callback registers the spec's tests and hooks in this block.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require(path.join(dir, `${name}.spec`));
    });
  }
}
