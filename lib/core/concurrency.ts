/**
 * `fn` over `items` with at most `limit` calls in flight, results in the order of `items`. The
 * first error rejects (calls already started finish on their own). For read-only API calls that
 * are independent of each other: the SDK's retry strategy absorbs the occasional throttling.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await fn(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
