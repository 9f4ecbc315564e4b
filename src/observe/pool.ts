/**
 * Bounded fan-out: run `fn` over every item with at most `limit` calls in flight. One slow or dead router must not
 * hold a slot for the others longer than its own request timeout, and ten thousand routers must not mean ten
 * thousand requests queued at once behind the client's window.
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T, i);
    }
  };
  const n = Math.max(1, Math.min(Math.floor(limit) || 1, items.length));
  await Promise.all(Array.from({ length: n }, worker));
  return out;
}
