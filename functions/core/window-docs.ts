/**
 * One compacted window document per (load balancer, window) in the state store: the merged aggregate of every
 * object that fed the window, the ids of those objects, and the input summaries of the objects whose first window
 * it is. An object is merged in with a read-modify-write under a conditional write (`If-None-Match: *` to create,
 * `If-Match` to replace), so each object costs one GET and one PUT per window it touches whatever the number of
 * objects per window, and no listing. A retried or duplicated object finds its id already there and changes nothing.
 */
import { mergeWindows, parseWindow, serializeWindow, type WindowAggregate } from '../../lib/aggregate/index.js';
import { LbwatchError } from '../../lib/errors.js';
import type { InputSummary } from '../../lib/model.js';
import { conflictPause, MAX_CONFLICTS } from './concurrency.js';
import { isoKey, keySegment } from './state-keys.js';
import type { StateStore } from './state-store.js';

export const WINDOW_DOC_VERSION = 2;

export { MAX_CONFLICTS } from './concurrency.js';

/** What one object's reading produced, kept for the report's inputs section. */
export interface InputDigest {
  path: string;
  summary: InputSummary;
  failure: { code: string; message: string } | null;
}

export interface WindowDoc {
  version: typeof WINDOW_DOC_VERSION;
  loadBalancer: string;
  start: number;
  windowMs: number;
  /** Ids of the objects merged in (a redelivered object is recognised by its id). */
  sources: string[];
  /** Input summaries of the objects whose first window this is, by object id. */
  inputs: Record<string, InputDigest>;
  /** Arrival time (epoch ms) of the newest object merged in. */
  lastArrival: number;
  /** Key of that object. */
  lastObjectKey: string;
  aggregate: WindowAggregate;
}

export function windowsPrefix(prefix: string): string {
  return `${prefix}windows/`;
}

/** `<prefix>windows/<window start ISO>/<lb key>.json`: keys sort by time, so a period is one key range. */
export function windowDocKey(prefix: string, loadBalancer: string, start: number): string {
  return `${windowsPrefix(prefix)}${isoKey(start)}/${keySegment(loadBalancer)}.json`;
}

export function serializeWindowDoc(doc: WindowDoc): string {
  const { aggregate, ...meta } = doc;
  return JSON.stringify({ ...meta, aggregate: serializeWindow(aggregate) });
}

/** @throws LbwatchError PARTIAL_INVALID when the text is not a window document. */
export function parseWindowDoc(text: string): WindowDoc {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch (cause) {
    throw new LbwatchError('PARTIAL_INVALID', 'window document is not JSON', { cause });
  }
  if (raw.version !== WINDOW_DOC_VERSION || typeof raw.aggregate !== 'string' || !Array.isArray(raw.sources)) {
    throw new LbwatchError('PARTIAL_INVALID', 'not a window document of this version');
  }
  const aggregate = parseWindow(raw.aggregate);
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
  };
}

export interface MergeOutcome {
  doc: WindowDoc;
  /** This call created the document (the first object of the window). */
  created: boolean;
  /** False when the object was already merged (a retry or a duplicate). */
  merged: boolean;
}

/**
 * Merges one object's partial into its window document. Safe under concurrency (conditional writes, re-read on
 * conflict) and under retries: a write whose answer was lost is recognised on the re-read by the object's id.
 */
export async function mergeIntoWindow(
  store: StateStore,
  prefix: string,
  partial: WindowAggregate,
  source: { id: string; key: string; arrival: number; input: InputDigest | null },
): Promise<MergeOutcome> {
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
