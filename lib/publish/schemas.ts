import * as path from 'path';
import { rehearsalReportJsonSchema } from '../rehearse/report';
import { TOPOLOGY_SCHEMA_FILE, topologyJsonSchema } from '../model/topology-file';
import { jsonSchemaOf } from '../core/schema';
import { serviceConnectConfigSchema } from '../model/service-connect';
import { appOptionsSchema } from '../contract/app-options';

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
    [
      'docs/sc-update.schema.json',
      jsonSchemaOf(serviceConnectConfigSchema, {
        title: 'Service Connect configuration (sc-update/svc-*.json)',
        description:
          "One service's Service Connect configuration as UpdateService takes it: what npm run sc-update writes, aws ecs update-service --service-connect-configuration file://… and npm run migrate -- --sc-dir read.",
      }),
    ],
    [
      'docs/app-options.schema.json',
      jsonSchemaOf(appOptionsSchema, {
        title: "The CDK app's options (the ServiceConnectOptions output)",
        description:
          "What the CDK app chose for every service's Service Connect configuration, as its stack's ServiceConnectOptions output states it: what npm run migrate reads from the stack, or from --options FILE.",
      }),
    ],
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
