/** `appserver` → `Appserver`, `yelb-db` → `YelbDb`: construct IDs and context keys from model ids. */
export function pascalCase(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
