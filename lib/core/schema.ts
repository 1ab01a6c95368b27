import { z } from 'zod';
import { ValidationError } from './validation';

/**
 * Files that users write or share (a topology, a rehearsal report) have one zod schema each: it
 * gives the TypeScript type (`z.infer`), the validation, and the published JSON Schema
 * (`z.toJSONSchema`), so that the three cannot drift apart.
 */

/** `steps[0].startedAt`: a JSON path as people read it, from a zod issue's path. */
export function jsonPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else text += text ? `.${String(key)}` : String(key);
  }
  return text || '(the whole file)';
}

/** What the value at an issue's path is, for the message: `"x"`, `42`, `a list`, or `missing`. */
function shown(input: unknown): string {
  if (input === undefined) return 'missing';
  if (Array.isArray(input)) return 'a list';
  if (input !== null && typeof input === 'object') return 'an object';
  const text = JSON.stringify(input);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * The value an issue is about. A union's discriminator issue (`kind`) carries the whole object as
 * its input while its path names the field: the field's value is the one to show.
 */
function valueAt(issue: z.core.$ZodIssue): unknown {
  const input = (issue as { input?: unknown }).input;
  const last = issue.path[issue.path.length - 1];
  if (
    issue.code === 'invalid_union' &&
    input !== null &&
    typeof input === 'object' &&
    typeof last === 'string'
  ) {
    return (input as Record<string, unknown>)[last];
  }
  return input;
}

/**
 * `value` checked against `schema`. Every problem is reported at once, one line each, naming the
 * file, the JSON path, the value found and what is allowed.
 *
 * @throws ValidationError
 */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, label: string): z.output<S> {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  throw new ValidationError(
    result.error.issues.map((issue) => {
      const found =
        'input' in issue && issue.code !== 'unrecognized_keys' ? `; found ${shown(valueAt(issue))}` : '';
      return `${label}: ${jsonPath(issue.path)}: ${issue.message}${found}`;
    })
  );
}

/** The JSON Schema of `schema`, as committed beside the code (draft 2020-12). */
export function jsonSchemaOf(schema: z.ZodType, meta: { title: string; description: string }) {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: meta.title,
    description: meta.description,
    ...z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input' }),
  };
}
