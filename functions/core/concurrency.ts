/**
 * Runs `worker` over `items` with at most `limit` calls in flight, keeping result order. Input-sized
 * lists (partials of a window, objects of a period) must never become one unbounded Promise.all.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  worker: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lanes = Math.max(1, Math.min(limit, items.length));
  const runLane = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await worker(items[index] as T, index);
    }
  };
  const running: Promise<void>[] = [];
  for (let i = 0; i < lanes; i++) running.push(runLane());
  await Promise.all(running);
  return results;
}
