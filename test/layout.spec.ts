import * as fs from 'fs';
import * as path from 'path';
import { specsIn } from './support/specs';

/** Jest runs `*.test.ts` only: a spec runs when a test file of its folder runs the folder's specs. */
test('every folder with specs has a test file that runs them', () => {
  const folders: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory() && entry.name !== 'node_modules') walk(path.join(dir, entry.name));
    }
    if (specsIn(dir).length > 0) folders.push(dir);
  };
  walk(__dirname);
  expect(folders.length).toBeGreaterThan(5);
  const unrun = folders.filter(
    (dir) =>
      !fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('.test.ts'))
        .some((f) => fs.readFileSync(path.join(dir, f), 'utf8').includes('runSpecs(__dirname)'))
  );
  expect(unrun.map((dir) => path.relative(__dirname, dir))).toEqual([]);
});
