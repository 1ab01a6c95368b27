import * as fs from 'fs';
import * as path from 'path';
import { contextKeys } from '../lib/app/config';

const README = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');

describe('README', () => {
  test('documents every context key the app reads, and no other', () => {
    const section = README.split('## Context')[1].split('\n## ')[0];
    const documented = [...section.matchAll(/^\| `(\w+)`\s*\|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(Object.keys(contextKeys()).sort());
  });

  test('shows the set-up, synth and test commands', () => {
    for (const command of ['npm ci', 'npx cdk synth', 'npm test']) expect(README).toContain(command);
  });

  test('has no placeholder left for measured figures', () => {
    expect(README).not.toMatch(/SYNTH_TABLE|NPM_TEST_TIME/);
  });

  test("shows the offline example rehearsal's verdict as its report.json has it", () => {
    const example = JSON.parse(
      fs.readFileSync(path.join(__dirname, 'rehearse', 'example', 'report.json'), 'utf8')
    ) as { verdict: { reasons: string[] } };
    const shown = README.split('### An example report (made offline')[1].split('\n### ')[0];
    expect(example.verdict.reasons.length).toBeGreaterThan(0);
    for (const reason of example.verdict.reasons) expect(shown).toContain(`  - ${reason}`);
  });
});
