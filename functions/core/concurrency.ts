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

/** Conditional-write conflicts tolerated before an invocation gives up (and is retried by the platform). */
export const MAX_CONFLICTS = 40;
const CONFLICT_PAUSE_BASE_MS = 20;
const CONFLICT_PAUSE_CAP_MS = 1_000;

/**
 * The pause before retrying a conditional write that lost to another writer: full-jitter exponential backoff (AWS's
 * advice for contended retries), so the K objects of one window, delivered together to K invocations, spread out
 * instead of colliding again. With 40 attempts the pauses add up to about 30 s at most.
 */
export function conflictPause(attempt: number): Promise<void> {
  const ms = conflictPauseMs(attempt);
  return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
}

/** The length of {@link conflictPause} for a draw of `random` in [0, 1). */
export function conflictPauseMs(attempt: number, random: () => number = Math.random): number {
  return Math.floor(random() * Math.min(CONFLICT_PAUSE_CAP_MS, CONFLICT_PAUSE_BASE_MS * 2 ** attempt));
}
