import * as fs from 'fs';
import * as path from 'path';
import { contextKeys } from '../lib/app/config';
import { YELB } from '../lib/model/yelb';

const ROOT = path.join(__dirname, '..');
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const DOCS = fs.readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md'));
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
const anchorOf = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .replace(/\s/g, '-');

describe('README', () => {
  test('documents every context key the app reads, and no other', () => {
    const section = README.split('## Context')[1].split('\n## ')[0];
    const documented = [...section.matchAll(/^\| `(\w+)`\s*\|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(Object.keys(contextKeys(YELB)).sort());
  });

  test('shows the set-up, synth and test commands', () => {
    for (const command of ['npm ci', 'npx cdk synth', 'npm test']) expect(README).toContain(command);
  });

  test('has no placeholder left for measured figures', () => {
    expect(README).not.toMatch(/SYNTH_TABLE|NPM_TEST_TIME/);
  });

  test('stays the entry page: deep topics live in docs/', () => {
    expect(README.split('\n').length).toBeLessThan(400);
    expect(DOCS.length).toBeGreaterThan(8);
  });

  test.each(['README.md', ...DOCS.map((f) => `docs/${f}`)])(
    '%s links only to files and headings that exist',
    (file) => {
      const text = read(file);
      const links = [...text.matchAll(/\]\((?!https?:|mailto:)([^)\s]+)\)/g)].map((m) => m[1]);
      for (const link of links) {
        const [target, anchor] = link.split('#');
        const resolved = target ? path.join(path.dirname(file), target) : file;
        expect({ link, exists: fs.existsSync(path.join(ROOT, resolved)) }).toEqual({ link, exists: true });
        if (anchor && resolved.endsWith('.md')) {
          const headings = [...read(resolved).matchAll(/^#{1,4} (.+)$/gm)].map((m) => anchorOf(m[1]));
          expect({ link, anchors: headings.includes(anchor) }).toEqual({ link, anchors: true });
        }
      }
    }
  );

  test("shows the offline example rehearsal's verdict as its report.json has it", () => {
    const example = JSON.parse(
      fs.readFileSync(path.join(__dirname, 'rehearse', 'example', 'report.json'), 'utf8')
    ) as { verdict: { reasons: string[] } };
    const shown = read('docs/rehearsal.md').split('## An example report (made offline')[1].split('\n## ')[0];
    expect(example.verdict.reasons.length).toBeGreaterThan(0);
    for (const reason of example.verdict.reasons) expect(shown).toContain(`  - ${reason}`);
  });
});
