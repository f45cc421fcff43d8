/**
 * The state-store port: lbwatch's state (window partials, input records, alert claims, reports) as
 * text objects under keys, with the two conditional writes that make every delivery idempotent.
 * Implementations turn storage failures into STATE_FAILED (transient: the invocation is retried).
 */

export interface StoredText {
  text: string;
  /** Opaque version tag, passed back to {@link StateStore.putIfMatch}. */
  etag: string;
}

/** Upper bound on keys returned by one listing (a window's partials, a period's inputs). */
export const MAX_LISTED_KEYS = 100_000;

export interface StateStore {
  put(key: string, body: string, contentType?: string): Promise<void>;
  /** Creates the object only if no object exists at `key`. */
  putIfAbsent(key: string, body: string): Promise<'created' | 'exists'>;
  /** Replaces the object only if it is still the version read with `etag`. */
  putIfMatch(key: string, body: string, etag: string): Promise<'written' | 'changed'>;
  /** The object's text and version tag, or null when it does not exist. */
  get(key: string): Promise<StoredText | null>;
  delete(key: string): Promise<void>;
  /**
   * Keys under `prefix`, in key order, optionally starting after `startAfter` and stopping at the
   * first key >= `endBefore`. Bounded by {@link MAX_LISTED_KEYS}.
   */
  list(prefix: string, range?: KeyRange): Promise<string[]>;
  /**
   * The same keys as {@link list}, page by page as the storage returns them (up to 1,000 a page on S3), without
   * the bound: for readers that handle each page and drop it (the report over a long period).
   */
  listPages(prefix: string, range?: KeyRange): AsyncIterable<string[]>;
}

/** Keys after `startAfter` and before `endBefore`, both optional. */
export interface KeyRange {
  startAfter?: string;
  endBefore?: string;
}
