/**
 * Topological layers: layer 0 holds the items that depend on nothing (among `items`), and each
 * later layer the items whose dependencies are all in earlier layers. Within a layer, the order
 * of `items`. Dependencies on keys that are not among the items are ignored.
 *
 * @throws Error naming the items left when they depend on each other in a cycle.
 */
export function layers<T>(
  items: readonly T[],
  key: (item: T) => string,
  dependsOn: (item: T) => readonly string[]
): T[][] {
  const known = new Set(items.map(key));
  const placed = new Set<string>();
  const result: T[][] = [];
  let remaining = [...items];
  while (remaining.length > 0) {
    const layer = remaining.filter((item) => dependsOn(item).every((d) => placed.has(d) || !known.has(d)));
    if (layer.length === 0) {
      throw new Error(`a dependency cycle among ${remaining.map((i) => `'${key(i)}'`).join(', ')}`);
    }
    layer.forEach((item) => placed.add(key(item)));
    remaining = remaining.filter((item) => !placed.has(key(item)));
    result.push(layer);
  }
  return result;
}
