import * as path from 'path';
import { readJsonFile } from '../core/json-file';
import { jsonSchemaOf, parseWith } from '../core/schema';
import { ValidationError } from '../core/validation';
import { validateTopology } from './graph';
import { Topology, topologySchema } from './topology';

/**
 * The topology file: JSON with the fields of {@link Topology}, checked against the one zod schema
 * that also gives the types and the published `topology.schema.json`, then for what a migration
 * needs (`validateTopology`). Every problem is reported at once, one line each, naming the file,
 * the JSON path, the value found and what is allowed. No AWS call is made before a file passes.
 */

/** The file name of the published JSON Schema, at the repository's root. */
export const TOPOLOGY_SCHEMA_FILE = 'topology.schema.json';

/** `value` (a file's parsed JSON) as a topology. @throws ValidationError naming `label` in every line. */
export function parseTopology(value: unknown, label: string): Topology {
  const topology = parseWith(topologySchema, value, label);
  try {
    validateTopology(topology);
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    throw new ValidationError(err.problems.map((p) => `${label}: ${p}`));
  }
  return topology;
}

/** Reads and checks a topology file. @throws ValidationError for a missing file, bad JSON or a bad topology. */
export function readTopologyFile(file: string): Topology {
  return parseTopology(readJsonFile(file), file);
}

/**
 * A topology file's text: `$schema` first (the path from `file`'s folder to the published schema,
 * so that an editor completes and checks it), two-space JSON, a final newline.
 */
export function renderTopologyFile(topology: Topology, schemaPath?: string): string {
  const { $schema: _old, ...rest } = topology;
  return `${JSON.stringify(schemaPath ? { $schema: schemaPath, ...rest } : rest, null, 2)}\n`;
}

/** The relative path from `file`'s folder to the published schema in `root`, as `$schema` holds it. */
export function schemaReference(file: string, root: string): string {
  const relative = path.relative(path.dirname(path.resolve(file)), path.join(root, TOPOLOGY_SCHEMA_FILE));
  return relative.startsWith('.') ? relative : `./${relative}`;
}

/** The JSON Schema of a topology file, published as `topology.schema.json`. */
export function topologyJsonSchema() {
  return jsonSchemaOf(topologySchema, {
    title: 'Topology',
    description:
      'The services of an ECS cluster, how each is found before Service Connect, and who calls whom: what npm run migrate -- discover writes and the migration CLI reads (--topology).',
  });
}
