/**
 * One compacted window document per (load balancer, window) in the state store: the merged aggregate of every
 * object whose newest window this is (its "home"), the ids of those objects, their input summaries, and what they
 * carried of the window before (`carry`: an ALB object holds a few records of the previous interval). An object is
 * merged in with a read-modify-write under a conditional write (`If-None-Match: *` to create, `If-Match` to replace),
 * so an object of one or two windows costs one GET and one PUT whatever the number of objects per window, and no
 * listing; older windows of a longer object get their own. A retried or duplicated object finds its id there and
 * changes nothing.
 *
 * A window's records are therefore its document's aggregate plus the next window's document's carry: readers take
 * {@link readWindowView} (or read both documents) rather than one document.
 */
import { mergeWindows, parseWindow, serializeWindow, type WindowAggregate } from '../../lib/aggregate/index.js';
import { LbwatchError } from '../../lib/errors.js';
import type { InputSummary } from '../../lib/model.js';
import { conflictPause, MAX_CONFLICTS, mapLimit } from './concurrency.js';
import { isoKey, keySegment } from './state-keys.js';
import type { StateStore } from './state-store.js';

export const WINDOW_DOC_VERSION = 3;
/** Documents of this version (no carry) are still read. */
const WINDOW_DOC_V2 = 2 as const;

/** What one object's reading produced, kept for the report's inputs section. */
export interface InputDigest {
  path: string;
  summary: InputSummary;
  failure: { code: string; message: string } | null;
}

export interface WindowDoc {
  /** Written as WINDOW_DOC_VERSION; documents of version 2 (without carry) are still read. */
  version: typeof WINDOW_DOC_VERSION | typeof WINDOW_DOC_V2;
  loadBalancer: string;
  start: number;
  windowMs: number;
  /** Ids of the objects merged in (a redelivered object is recognised by its id). */
  sources: string[];
  /** Input summaries of the objects whose home document this is, by object id. */
  inputs: Record<string, InputDigest>;
  /** Arrival time (epoch ms) of the newest object merged in. */
  lastArrival: number;
  /** Key of that object. */
  lastObjectKey: string;
  aggregate: WindowAggregate;
  /** Records of the window before (start - windowMs) that came in this window's objects; null or absent: none. */
  carry?: WindowAggregate | null;
  /**
   * The load balancer's state as the window's first object read it: the window's later objects take their open
   * rules and last arrival from here instead of reading the state again (see ingest.ts). Absent in older documents.
   */
  lb?: LbSnapshot | null;
}

/** What an object needs of its load balancer's state when nothing is to be written. */
export interface LbSnapshot {
  openRules: string[];
  lastArrival: number;
}

export function windowsPrefix(prefix: string): string {
  return `${prefix}windows/`;
}

/** `<prefix>windows/<window start ISO>/<lb key>.json`: keys sort by time, so a period is one key range. */
export function windowDocKey(prefix: string, loadBalancer: string, start: number): string {
  return `${windowsPrefix(prefix)}${isoKey(start)}/${keySegment(loadBalancer)}.json`;
}

export function serializeWindowDoc(doc: WindowDoc): string {
  const { aggregate, carry, ...meta } = doc;
  return JSON.stringify({
    ...meta,
    aggregate: serializeWindow(aggregate),
    carry: carry == null ? null : serializeWindow(carry),
  });
}

/** @throws LbwatchError PARTIAL_INVALID when the text is not a window document. */
export function parseWindowDoc(text: string): WindowDoc {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch (cause) {
    throw new LbwatchError('PARTIAL_INVALID', 'window document is not JSON', { cause });
  }
  if (
    (raw.version !== WINDOW_DOC_VERSION && raw.version !== WINDOW_DOC_V2) ||
    typeof raw.aggregate !== 'string' ||
    !Array.isArray(raw.sources)
  ) {
    throw new LbwatchError('PARTIAL_INVALID', 'not a window document of this version');
  }
  const aggregate = parseWindow(raw.aggregate);
  const carry = typeof raw.carry === 'string' ? parseWindow(raw.carry) : null;
  if (
    carry !== null &&
    (carry.loadBalancer !== aggregate.loadBalancer ||
      carry.windowMs !== aggregate.windowMs ||
      carry.start !== aggregate.start - aggregate.windowMs)
  ) {
    throw new LbwatchError('PARTIAL_INVALID', 'the carry of a window document is not its previous window');
  }
  return {
    version: WINDOW_DOC_VERSION,
    loadBalancer: aggregate.loadBalancer,
    start: aggregate.start,
    windowMs: aggregate.windowMs,
    sources: (raw.sources as unknown[]).filter((s): s is string => typeof s === 'string'),
    inputs: (typeof raw.inputs === 'object' && raw.inputs !== null ? raw.inputs : {}) as Record<string, InputDigest>,
    lastArrival: typeof raw.lastArrival === 'number' ? raw.lastArrival : 0,
    lastObjectKey: typeof raw.lastObjectKey === 'string' ? raw.lastObjectKey : '',
    aggregate,
    carry,
    lb: snapshotOf(raw.lb),
  };
}

function snapshotOf(raw: unknown): LbSnapshot | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const v = raw as Record<string, unknown>;
  if (!Array.isArray(v.openRules) || typeof v.lastArrival !== 'number') return null;
  return { openRules: v.openRules.filter((r): r is string => typeof r === 'string'), lastArrival: v.lastArrival };
}

function mergeCarry(existing: WindowAggregate | null, carried: WindowAggregate | null): WindowAggregate | null {
  if (carried === null) return existing;
  return existing === null ? carried : mergeWindows(existing, carried);
}

export interface MergeOutcome {
  doc: WindowDoc;
  /** This call created the document (the first object of the window). */
  created: boolean;
  /** False when the object was already merged (a retry or a duplicate). */
  merged: boolean;
}

/**
 * Merges one object's partial into its window document, with what it holds of the window before as the carry.
 * Safe under concurrency (conditional writes, re-read on conflict) and under retries: a write whose answer was lost
 * is recognised on the re-read by the object's id.
 */
export async function mergeIntoWindow(
  store: StateStore,
  prefix: string,
  partial: WindowAggregate,
  source: { id: string; key: string; arrival: number; input: InputDigest | null },
  carried: WindowAggregate | null = null,
  /** Reads the load balancer's state for the document's snapshot, when it has none yet. */
  snapshot?: () => Promise<LbSnapshot>,
): Promise<MergeOutcome> {
  if (
    carried !== null &&
    (carried.loadBalancer !== partial.loadBalancer ||
      carried.windowMs !== partial.windowMs ||
      carried.start !== partial.start - partial.windowMs)
  ) {
    throw new RangeError(`carry of ${partial.loadBalancer}@${partial.start} is not its previous window`);
  }
  const key = windowDocKey(prefix, partial.loadBalancer, partial.start);
  for (let attempt = 0; attempt < MAX_CONFLICTS; attempt++) {
    const stored = await store.get(key);
    const existing = stored === null ? null : parseWindowDoc(stored.text);
    if (existing !== null && existing.windowMs !== partial.windowMs) {
      throw new LbwatchError('STATE_FAILED', `window document ${key} has another window length`, {
        context: { key },
      });
    }
    if (existing?.sources.includes(source.id)) return { doc: existing, created: false, merged: false };
    const lb = existing?.lb ?? (snapshot === undefined ? null : await snapshot());
    const doc: WindowDoc = {
      version: WINDOW_DOC_VERSION,
      loadBalancer: partial.loadBalancer,
      start: partial.start,
      windowMs: partial.windowMs,
      sources: [...(existing?.sources ?? []), source.id],
      inputs: { ...(existing?.inputs ?? {}), ...(source.input === null ? {} : { [source.id]: source.input }) },
      lastArrival: Math.max(existing?.lastArrival ?? 0, source.arrival),
      lastObjectKey: source.arrival >= (existing?.lastArrival ?? 0) ? source.key : (existing?.lastObjectKey ?? ''),
      aggregate: existing === null ? partial : mergeWindows(existing.aggregate, partial),
      carry: mergeCarry(existing?.carry ?? null, carried),
      lb,
    };
    const text = serializeWindowDoc(doc);
    const written =
      stored === null ? await store.putIfAbsent(key, text) : await store.putIfMatch(key, text, stored.etag);
    if (written === 'created' || written === 'written') return { doc, created: stored === null, merged: true };
    await conflictPause(attempt);
  }
  throw new LbwatchError('STATE_FAILED', `window document ${key}: too many concurrent writers, will retry`, {
    context: { key },
  });
}

/** The window document, or null when no object fed that window yet. */
export async function readWindowDoc(
  store: StateStore,
  prefix: string,
  loadBalancer: string,
  start: number,
): Promise<WindowDoc | null> {
  const stored = await store.get(windowDocKey(prefix, loadBalancer, start));
  return stored === null ? null : parseWindowDoc(stored.text);
}

/** Window documents already at hand (just written or read), by window start; null: known not to exist. */
export type KnownDocs = Map<number, WindowDoc | null>;

/** A window's records from its document and the next window's carry (either may be missing). */
export function viewOf(doc: WindowDoc | null, next: WindowDoc | null): WindowAggregate | null {
  const carry = next?.carry ?? null;
  if (doc === null) return carry;
  return carry === null ? doc.aggregate : mergeWindows(doc.aggregate, carry);
}

/** Window documents read at once by {@link readWindowViews}. */
const VIEW_READS = 8;

/**
 * Windows' records as they stand, in the order of `starts`: each window's document plus what the next window's
 * document carries for it (null when neither has any). Each document is read once, however many views need it;
 * documents in `known` are not read again (those read are added).
 */
export async function readWindowViews(
  store: StateStore,
  prefix: string,
  loadBalancer: string,
  starts: readonly number[],
  windowMs: number,
  known: KnownDocs = new Map(),
): Promise<(WindowAggregate | null)[]> {
  const missing = [...new Set(starts.flatMap((start) => [start, start + windowMs]))].filter((t) => !known.has(t));
  await mapLimit(missing, VIEW_READS, async (start) => {
    known.set(start, await readWindowDoc(store, prefix, loadBalancer, start));
  });
  return starts.map((start) => viewOf(known.get(start) ?? null, known.get(start + windowMs) ?? null));
}

/** One window's records as they stand; see {@link readWindowViews}. */
export async function readWindowView(
  store: StateStore,
  prefix: string,
  loadBalancer: string,
  start: number,
  windowMs: number,
): Promise<WindowAggregate | null> {
  return (await readWindowViews(store, prefix, loadBalancer, [start], windowMs))[0] ?? null;
}
