/**
 * Addresses inside configuration values: `http://orders.shop.internal:8080/v1`,
 * `jdbc:postgresql://db.shop.local:5432/app`, `cache.shop.local:6379,cache2.shop.local:6379`, or a
 * bare `orders.shop.internal`. Discovery reads a caller's environment values and command
 * arguments with this, and matches the host names against the names it knows.
 */

/** One address found in a value. */
export interface Address {
  /** Lower case, without a trailing dot. */
  readonly host: string;
  readonly port?: number;
  /** `http`, `postgresql`, …, when the address has one. */
  readonly scheme?: string;
}

// scheme://, user:password@, a dotted host name (with an optional trailing dot), :port.
const ADDRESS =
  /(?:([a-z][a-z0-9+.-]*):\/\/)?(?:[^@/\s,;]*@)?((?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)+[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)\.?(?::(\d{1,5}))?(?![a-z0-9_.-])/gi;

/** Every address-like token of `value`, in order. */
export function addressesIn(value: string): Address[] {
  const found: Address[] = [];
  for (const match of value.matchAll(ADDRESS)) {
    const [, scheme, host, port] = match;
    found.push({
      host: host.toLowerCase(),
      ...(port !== undefined && { port: Number(port) }),
      ...(scheme !== undefined && { scheme: scheme.toLowerCase() }),
    });
  }
  return found;
}

/** The port an address reaches: its own, or its scheme's default (http 80, https 443). */
export function effectivePort(address: Address): number | undefined {
  if (address.port !== undefined) return address.port;
  if (address.scheme === 'http') return 80;
  if (address.scheme === 'https') return 443;
  return undefined;
}

/**
 * Whether an unmatched token is worth listing as an address: it has a scheme or a port, or it is
 * the whole value (`orders.shop.internal`); a dotted word inside prose or a file name such as
 * `logback.xml` inside a longer value is not.
 */
export function looksLikeAddress(address: Address, value: string): boolean {
  if (address.scheme !== undefined || address.port !== undefined) return true;
  if (!/[a-z]/.test(address.host.slice(address.host.lastIndexOf('.') + 1))) return false;
  return value.trim().replace(/\.$/, '').toLowerCase() === address.host;
}

/**
 * How the value holds the address, in the topology's terms: `host` (the value is the name),
 * `url` (`http://name:port`, nothing more), or `text` (inside something longer).
 */
export function valueFormat(value: string, address: Address): 'host' | 'url' | 'text' {
  const v = value.trim().toLowerCase().replace(/\/$/, '');
  if (v === address.host || v === `${address.host}.`) return 'host';
  if (
    address.scheme === 'http' &&
    (v === `http://${address.host}` || v === `http://${address.host}:${address.port}`)
  )
    return 'url';
  return 'text';
}

/** A Route 53 record name as callers write it: lower case, `\052` decoded, no trailing dot. */
export function recordName(name: string): string {
  return name
    .replace(/\\(\d{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)))
    .toLowerCase()
    .replace(/\.$/, '');
}

/** A load balancer's DNS name as an alias target holds it: without `dualstack.` and the final dot. */
export function aliasTargetName(name: string): string {
  return recordName(name).replace(/^dualstack\./, '');
}
