/**
 * HashiCorp's HCL parser (`@cdktf/hcl2json`, the Go parser compiled to WebAssembly): an HCL text
 * to the JSON that `hcl2json` writes (blocks as lists, attributes as values).
 *
 * Loaded with `require` and typed here: the package's own typings pull the DOM library into the
 * whole program (`/// <reference lib="dom" />`), which changes the types of Node's `fetch` and
 * buffers everywhere else.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const hcl2json = require('@cdktf/hcl2json') as { parse: (file: string, text: string) => Promise<unknown> };

/** Parses `text` (named `file` in error messages). @throws Error with the parser's diagnostics. */
export function parseHcl(file: string, text: string): Promise<unknown> {
  return hcl2json.parse(file, text);
}
