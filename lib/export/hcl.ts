/**
 * HashiCorp's HCL parser (`@cdktf/hcl2json`, the Go parser compiled to WebAssembly): an HCL text
 * to the JSON that `hcl2json` writes (blocks as lists, attributes as values).
 *
 * Loaded with `require`, on first use, and typed here: the package starts its WebAssembly module
 * when it is loaded (about 50 MiB, which every command of the CLI would pay), and its own typings
 * pull the DOM library into the whole program (`/// <reference lib="dom" />`), which changes the
 * types of Node's `fetch` and buffers everywhere else.
 */
interface Hcl2Json {
  parse(file: string, text: string): Promise<unknown>;
}

let hcl2json: Hcl2Json | undefined;

/** Parses `text` (named `file` in error messages). @throws Error with the parser's diagnostics. */
export function parseHcl(file: string, text: string): Promise<unknown> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  hcl2json ??= require('@cdktf/hcl2json') as Hcl2Json;
  return hcl2json.parse(file, text);
}
