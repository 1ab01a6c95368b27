/**
 * `npm run schemas`: writes the JSON Schemas of the files users write or share (a rehearsal's
 * report.json, …) from the zod schemas the code validates them with.
 */
import * as fs from 'fs';
import { publishedSchemas, renderSchema, schemaPath } from '../lib/publish/schemas';

for (const [file, schema] of publishedSchemas()) {
  const target = schemaPath(file);
  const text = renderSchema(schema);
  const old = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : undefined;
  if (old !== text) fs.writeFileSync(target, text);
  console.log(`${old === text ? 'unchanged' : old === undefined ? 'created  ' : 'updated  '} ${file}`);
}
