import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');
const read = (file: string) => JSON.parse(fs.readFileSync(path.join(ROOT, file), 'utf8'));

describe('install scripts of dependencies', () => {
  // npm 11 runs no dependency's install script unless package.json's allowScripts allows it, and
  // warns on every install about those it has no decision for. Each one has a decision here.
  test('every package in the lockfile with an install script has a decision in allowScripts', () => {
    const lock = read('package-lock.json');
    const withScripts = Object.entries<any>(lock.packages)
      .filter(([, entry]) => entry.hasInstallScript)
      .map(([location]) => location.replace(/^.*node_modules\//, ''));
    const decided = Object.keys(read('package.json').allowScripts ?? {});
    expect(withScripts.length).toBeGreaterThan(0);
    expect(withScripts.filter((name) => !decided.includes(name))).toEqual([]);
  });

  test('none runs: each ships its binary in an optional platform package, and a script would fetch or build one', () => {
    expect(read('package.json').allowScripts).toEqual({
      esbuild: false,
      '@swc/core': false,
      '@parcel/watcher': false,
    });
  });
});
