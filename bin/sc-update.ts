/**
 * `npm run sc-update`: regenerates `sc-update/svc-*.json` from the service model, the
 * walkthrough's per-service Service Connect configurations. The migration CLI applies them.
 */
import * as fs from 'fs';
import * as path from 'path';
import { SC_UPDATE_DIR, expectedScFiles, renderScFile } from '../lib/migrate/sc-files';
import { YELB } from '../lib/model/yelb';

fs.mkdirSync(SC_UPDATE_DIR, { recursive: true });
const expected = expectedScFiles(YELB);
for (const [file, config] of expected) {
  const target = path.join(SC_UPDATE_DIR, file);
  const text = renderScFile(config);
  const old = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : undefined;
  if (old !== text) fs.writeFileSync(target, text);
  console.log(
    `${old === text ? 'unchanged' : old === undefined ? 'created  ' : 'updated  '} sc-update/${file}`
  );
}
for (const file of fs
  .readdirSync(SC_UPDATE_DIR)
  .filter((f) => /^svc-.*\.json$/.test(f) && !expected.has(f))) {
  fs.rmSync(path.join(SC_UPDATE_DIR, file));
  console.log(`removed   sc-update/${file} (no such service in the model)`);
}
