/** Window partials stored per object before window documents (read by the report for older periods), and the lateness allowance. */
import { mergeAll, parseWindow, serializeWindow, type WindowAggregate } from '../../lib/aggregate/index.js';
import type { InputSummary } from '../../lib/model.js';
import { mapLimit } from './concurrency.js';
import type { Log } from './logger.js';
import { partialKey, windowPartialsPrefix } from './state-keys.js';
import type { StateStore } from './state-store.js';

/** GETs in flight at once when reading a window's or a period's partials. */
export const READ_CONCURRENCY = 8;

/** Reads and parses the given partial keys; unreadable partials are logged and left out. */
export async function readPartials(store: StateStore, keys: readonly string[], log: Log): Promise<WindowAggregate[]> {
  const parsed = await mapLimit(keys, READ_CONCURRENCY, async (key) => {
    const stored = await store.get(key);
    if (stored === null) return null;
    try {
      return parseWindow(stored.text);
    } catch (error) {
      log.warn('ignoring an unreadable partial', { partialKey: key, error: String(error) });
      return null;
    }
  });
  return parsed.filter((w): w is WindowAggregate => w !== null);
}

/**
 * How late a log object may land after its window ends. Load balancers deliver every 5 minutes and
 * an object can land up to about 5 minutes after the interval it covers; two intervals of margin.
 */
export const LATENESS_MS = 10 * 60_000;

/** A window is closed (no more data expected) once its end plus the lateness allowance has passed. */
export function isClosed(start: number, windowMs: number, now: number): boolean {
  return now >= start + windowMs + LATENESS_MS;
}

/** What one source object produced; also stored as the object's input record. */
export interface InputRecord {
  bucket: string;
  key: string;
  etag: string | null;
  versionId: string | null;
  objectId: string;
  /** The object's Last-Modified; nothing time-of-processing, so a re-run writes the same bytes. */
  lastModified: string | null;
  bytesIn: number;
  bytesOut: number;
  summary: InputSummary;
  /** Window starts (ISO) per load balancer that this object fed. */
  windows: { loadBalancer: string; start: string }[];
  /** Permanent damage (corrupt or truncated gzip): recorded, not retried. */
  failure: { code: string; message: string } | null;
}
