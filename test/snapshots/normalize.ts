/**
 * A template with its 64-hex content hashes (asset hashes, in S3 keys and names) replaced,
 * so that a snapshot changes only when the template does.
 */
export function normalized(template: unknown): unknown {
  return JSON.parse(JSON.stringify(template).replace(/[0-9a-f]{64}/g, '<sha256>'));
}
