import { Document, isAlias, isMap, isScalar, isSeq, parseDocument } from 'yaml';

/**
 * A stack's template as CloudFormation holds it (`GetTemplate`), JSON or YAML, edited without
 * losing what it says otherwise: a YAML template keeps its comments, its short-form tags (`!Ref`,
 * `!GetAtt`, `!Sub` …) and its order; a JSON template its indentation. Every edit gives a new
 * template. {@link StackTemplate.json} is the template in JSON's terms (the long forms `Ref`,
 * `Fn::GetAtt` …), which the diff engine and the checks read.
 */

/** The format a template was deployed in, kept in every file written from it. */
export type TemplateFormat = 'json' | 'yaml';

/** Where a value is in a template: keys and list indices from the top. */
export type TemplatePath = readonly (string | number)[];

/** One change to a template. */
export type TemplateEdit =
  | { readonly kind: 'set'; readonly path: TemplatePath; readonly value: unknown }
  | { readonly kind: 'delete'; readonly path: TemplatePath }
  /** Removes list items (indices in the list at `path`), keeping the others as they are written. */
  | { readonly kind: 'removeItems'; readonly path: TemplatePath; readonly indices: readonly number[] };

/** A template in JSON's terms. */
export type TemplateJson = Record<string, unknown> & { readonly Resources?: Record<string, ResourceJson> };

/** A resource of a template in JSON's terms. */
export interface ResourceJson {
  readonly Type?: unknown;
  readonly Properties?: Record<string, unknown>;
  readonly DependsOn?: unknown;
  readonly Condition?: unknown;
  readonly Metadata?: Record<string, unknown>;
}

/** A template that cannot be read, with the reason. */
export class UnreadableTemplate extends Error {}

/** A stack's template, JSON or YAML, that edits keep in its own format. */
export class StackTemplate {
  /**
   * Reads a template's text as CloudFormation returns it: JSON when it starts with `{`, YAML
   * otherwise (CloudFormation's short forms included).
   *
   * @throws UnreadableTemplate naming `where` and the parser's reason.
   */
  static parse(body: string, where: string): StackTemplate {
    if (body.trimStart().startsWith('{')) {
      try {
        return new StackTemplate('json', body, JSON.parse(body) as TemplateJson, jsonIndent(body));
      } catch (err) {
        throw new UnreadableTemplate(`${where}: the template is not valid JSON (${(err as Error).message})`);
      }
    }
    const doc = parseDocument(body, { keepSourceTokens: false, uniqueKeys: true });
    if (doc.errors.length > 0)
      throw new UnreadableTemplate(`${where}: the template is not valid YAML (${doc.errors[0].message})`);
    const json = yamlToJson(doc.contents, doc);
    if (json === null || typeof json !== 'object' || Array.isArray(json))
      throw new UnreadableTemplate(`${where}: the template is not a mapping of sections`);
    return new StackTemplate('yaml', body, json as TemplateJson, 0, doc);
  }

  private constructor(
    readonly format: TemplateFormat,
    /** The text as it was read, or as the edits wrote it. */
    private readonly body: string,
    private readonly value: TemplateJson,
    private readonly indent: number,
    private readonly doc?: Document
  ) {}

  /** The template in JSON's terms (intrinsic functions in their long form). */
  json(): TemplateJson {
    return this.value;
  }

  /** The template's text, in its format. */
  text(): string {
    return this.body;
  }

  /** The file extension of its format. */
  extension(): string {
    return this.format === 'json' ? 'json' : 'yaml';
  }

  /** A new template with `edits` applied in order. */
  edit(edits: readonly TemplateEdit[]): StackTemplate {
    if (edits.length === 0) return this;
    if (this.doc) {
      const doc = this.doc.clone();
      for (const edit of edits) {
        if (edit.kind === 'set') doc.setIn(edit.path, doc.createNode(edit.value));
        else if (edit.kind === 'delete') doc.deleteIn(edit.path);
        else for (const i of [...edit.indices].sort((a, b) => b - a)) doc.deleteIn([...edit.path, i]);
      }
      const body = doc.toString({ lineWidth: 0, flowCollectionPadding: false });
      return new StackTemplate('yaml', body, yamlToJson(doc.contents, doc) as TemplateJson, 0, doc);
    }
    const value = structuredClone(this.value) as Record<string, unknown>;
    for (const edit of edits) {
      if (edit.kind === 'set') setIn(value, edit.path, structuredClone(edit.value));
      else if (edit.kind === 'delete')
        delete (getIn(value, edit.path.slice(0, -1)) as Record<string | number, unknown>)[
          edit.path[edit.path.length - 1]
        ];
      else {
        const list = getIn(value, edit.path) as unknown[];
        for (const i of [...edit.indices].sort((a, b) => b - a)) list.splice(i, 1);
      }
    }
    const body = `${JSON.stringify(value, null, this.indent)}${this.body.endsWith('\n') ? '\n' : ''}`;
    return new StackTemplate('json', body, value, this.indent);
  }
}

/** The value at `path` of a JSON value, or undefined. */
export function getIn(value: unknown, path: TemplatePath): unknown {
  let here = value;
  for (const key of path) {
    if (here === null || typeof here !== 'object') return undefined;
    here = (here as Record<string | number, unknown>)[key];
  }
  return here;
}

function setIn(value: Record<string, unknown>, path: TemplatePath, next: unknown): void {
  let here: Record<string | number, unknown> = value;
  for (const key of path.slice(0, -1)) {
    if (here[key] === null || typeof here[key] !== 'object') here[key] = {};
    here = here[key] as Record<string | number, unknown>;
  }
  here[path[path.length - 1]] = next;
}

/** The indentation of a JSON text: its first indented line's, 0 for a text on one line. */
function jsonIndent(body: string): number {
  const match = /\n( +)\S/.exec(body);
  return match ? match[1].length : 0;
}

/**
 * A YAML node in JSON's terms: CloudFormation's short forms as their long forms (`!Ref X` →
 * `{"Ref": "X"}`, `!GetAtt A.B` → `{"Fn::GetAtt": ["A", "B"]}`, `!Sub …` → `{"Fn::Sub": …}`),
 * aliases resolved.
 */
function yamlToJson(node: unknown, doc: Document): unknown {
  if (isAlias(node)) return yamlToJson(node.resolve(doc), doc);
  if (isScalar(node)) return longForm(node.tag, node.value);
  if (isMap(node)) {
    const map: Record<string, unknown> = {};
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? pair.key.value : pair.key;
      map[String(key)] = yamlToJson(pair.value, doc);
    }
    return longForm(node.tag, map);
  }
  if (isSeq(node))
    return longForm(
      node.tag,
      node.items.map((item) => yamlToJson(item, doc))
    );
  return node ?? null;
}

/** A value under a CloudFormation short-form tag, in the long form. */
function longForm(tag: string | undefined, value: unknown): unknown {
  if (tag === undefined || !tag.startsWith('!') || tag.startsWith('!!')) return value;
  const name = tag.slice(1);
  if (name === 'Ref' || name === 'Condition') return { [name]: value };
  if (name === 'GetAtt' && typeof value === 'string') {
    const dot = value.indexOf('.');
    return { 'Fn::GetAtt': dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)] };
  }
  return { [`Fn::${name}`]: value };
}
