import * as fs from 'fs';
import * as path from 'path';
import { publishedSchemas, renderSchema, schemaPath } from '../lib/publish/schemas';
import { parseWith } from '../lib/core/schema';
import { rehearsalReportSchema } from '../lib/rehearse/report';
import { serviceConnectConfigSchema } from '../lib/model/service-connect';

describe('the published JSON Schemas', () => {
  test.each([...publishedSchemas()])(
    '%s is what its zod schema generates (npm run schemas)',
    (file, schema) => {
      expect(fs.readFileSync(schemaPath(file), 'utf8')).toBe(renderSchema(schema));
    }
  );

  test.each(fs.readdirSync(path.join(__dirname, '..', 'sc-update')))(
    'sc-update/%s follows the published sc-update schema',
    (name) => {
      const file = path.join(__dirname, '..', 'sc-update', name);
      const parsed = parseWith(serviceConnectConfigSchema, JSON.parse(fs.readFileSync(file, 'utf8')), file);
      expect(parsed.enabled).toBe(true);
    }
  );

  test("the example rehearsal report follows the report's schema", () => {
    const file = path.join(__dirname, 'rehearse', 'example', 'report.json');
    expect(() =>
      parseWith(rehearsalReportSchema, JSON.parse(fs.readFileSync(file, 'utf8')), file)
    ).not.toThrow();
  });
});
