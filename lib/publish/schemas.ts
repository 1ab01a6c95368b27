import * as path from 'path';
import { rehearsalReportJsonSchema } from '../rehearse/report';
import { TOPOLOGY_SCHEMA_FILE, topologyJsonSchema } from '../model/topology-file';

/** The repository's root. */
const ROOT = path.join(__dirname, '..', '..');

/**
 * The JSON Schemas published in the repository, by path from its root, each generated from the
 * zod schema the code validates with (`npm run schemas` writes them; a test fails when one is
 * stale).
 */
export function publishedSchemas(): Map<string, unknown> {
  return new Map<string, unknown>([
    ['docs/rehearsal-report.schema.json', rehearsalReportJsonSchema()],
    [TOPOLOGY_SCHEMA_FILE, topologyJsonSchema()],
  ]);
}

/** A schema file's text: two-space JSON with a final newline. */
export function renderSchema(schema: unknown): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}

/** Where a published schema lives on disk. */
export function schemaPath(relative: string): string {
  return path.join(ROOT, relative);
}
