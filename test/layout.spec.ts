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

/** The folders of lib/ each file imports (relative imports, a subfolder counted as its folder). */
function folderImports(root: string): Map<string, Set<string>> {
  const lib = path.join(root, 'lib');
  const folderOf = (file: string) => path.relative(lib, file).split(path.sep)[0];
  const edges = new Map<string, Set<string>>();
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (file.endsWith('.ts')) {
        const from = folderOf(file);
        const text = fs.readFileSync(file, 'utf8');
        for (const [, spec] of text.matchAll(/(?:from|import|require\()\s*\(?\s*'(\.[^']+)'/g)) {
          const to = folderOf(path.resolve(path.dirname(file), spec));
          if (to !== from && !to.startsWith('..')) {
            if (!edges.has(from)) edges.set(from, new Set());
            edges.get(from)!.add(to);
          }
        }
      }
    }
  };
  walk(lib);
  return edges;
}

/** The cycles of a graph: each as the folders on it, from the folder where it was found. */
function cyclesIn(edges: Map<string, Set<string>>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of [...edges.keys()].sort()) if (!state.has(node)) visit(node);
  return cycles;
}

test('no folder of lib/ imports, through others, a folder that imports it (arrows point down only)', () => {
  const edges = folderImports(path.join(__dirname, '..'));
  expect(edges.size).toBeGreaterThan(10);
  expect(cyclesIn(edges).map((c) => c.join(' → '))).toEqual([]);
});

test('the cycle check finds a cycle between folders', () => {
  const edges = new Map([
    ['app', new Set(['stacks'])],
    ['stacks', new Set(['contract', 'app'])],
    ['contract', new Set<string>()],
  ]);
  expect(cyclesIn(edges)).toEqual([['app', 'stacks', 'app']]);
});
