/**
 * Hourly rollups in the state store (the document is lib/rollup's): `<prefix>rollups/1h/<hour ISO>/<lb key>.json`.
 * The scheduled check rolls each load balancer's hours as they close, reading the hour's window documents by key
 * (and the next hour's first, whose carry ends this hour; no listing); the report reads rollups instead.
 *
 * Nothing is lost to a late object: the check rolls an hour only once its clock says the hour has closed (its last
 * window's end plus the lateness allowance), and an ingest that changes a window document of a closed hour (by its
 * own clock, read after the document was written) marks the hour dirty in the load balancer's state; the next check
 * rolls it again. A write the check read is in the rollup; a later one is marked. The report reads a dirty hour, and
 * any hour not rolled, from the window documents. Rolling is idempotent: the same documents give the same bytes.
 */
import type { WindowAggregate } from '../../lib/aggregate/index.js';
import type { InputSummary } from '../../lib/model.js';
import {
  HOUR_MS,
  hourClosesAt,
  parseRolledHour,
  type RolledHour,
  rollHour,
  serializeRolledHour,
  windowStartsOfHour,
} from '../../lib/rollup/index.js';
import type { RuleSet } from '../../lib/rules/index.js';
import { mapLimit } from './concurrency.js';
import { arrivedBy, type LbState, type LbStateDelta } from './lb-state.js';
import type { Log } from './logger.js';
import { isoKey, keySegment } from './state-keys.js';
import type { StateStore } from './state-store.js';
import { parseWindowDoc, viewOf, windowDocKey } from './window-docs.js';
import { LATENESS_MS } from './window-store.js';

/** Clock difference between invocations that the closed-hour decisions allow for. */
export const CLOCK_SKEW_MS = 2 * 60_000;
/**
 * Longest an ingest invocation can run (Lambda's and FunctionGraph's limit is 15 minutes): an hour nobody seemed to
 * write is passed over only when any invocation that could still be writing it has ended.
 */
export const INVOCATION_BOUND_MS = 15 * 60_000;
/** Hours one check run rolls per load balancer at most (the rest in the next runs), so a run stays short. */
export const MAX_HOURS_PER_RUN = 24;
/** Window documents of one hour read at once (its twelve and the next hour's first). */
const HOUR_READS = 13;

export function rollupsPrefix(prefix: string): string {
  return `${prefix}rollups/1h/`;
}

/** All load balancers' rollups of one hour sit under one prefix (one listing for the report). */
export function rollupsHourPrefix(prefix: string, hourStart: number): string {
  return `${rollupsPrefix(prefix)}${isoKey(hourStart)}/`;
}

export function rollupKey(prefix: string, loadBalancer: string, hourStart: number): string {
  return `${rollupsHourPrefix(prefix, hourStart)}${keySegment(loadBalancer)}.json`;
}

/** Whether an hour has closed at `at` (by this clock), with the skew allowance taken `towards` earlier or later. */
export function hourClosed(hourStart: number, windowMs: number, at: number, skew: 'early' | 'late'): boolean {
  const closes = hourClosesAt(hourStart, windowMs, LATENESS_MS);
  return skew === 'early' ? at >= closes - CLOCK_SKEW_MS : at >= closes;
}

/** Hours (starts) among these windows' that had closed at `at`, allowing for skew: an ingest marks them dirty. */
export function closedHoursOf(starts: readonly number[], windowMs: number, at: number): number[] {
  const hours = new Set(starts.map((s) => Math.floor(s / HOUR_MS) * HOUR_MS));
  return [...hours].filter((h) => hourClosed(h, windowMs, at, 'early')).sort((a, b) => a - b);
}

/** One window of an hour as readers see it: its records (document plus the next one's carry) and its inputs. */
export interface HourWindow {
  start: number;
  aggregate: WindowAggregate;
  /** Input summaries of the objects whose home document this window's is. */
  inputs: InputSummary[];
}

/**
 * The windows of one load balancer's hour, from the hour's window documents and the next hour's first (its carry
 * belongs to this hour's last window), read by key: a missing document is a window without data.
 */
export async function readHourWindows(
  store: StateStore,
  prefix: string,
  loadBalancer: string,
  hourStart: number,
  windowMs: number,
  log: Log,
): Promise<HourWindow[]> {
  const starts = windowStartsOfHour(hourStart, windowMs);
  const last = starts[starts.length - 1] ?? hourStart;
  const docs = await mapLimit([...starts, last + windowMs], HOUR_READS, async (start) => {
    const key = windowDocKey(prefix, loadBalancer, start);
    const stored = await store.get(key);
    if (stored === null) return null;
    try {
      const doc = parseWindowDoc(stored.text);
      return doc.windowMs === windowMs ? doc : null;
    } catch (error) {
      log.warn('ignoring an unreadable window document', { windowKey: key, error: String(error) });
      return null;
    }
  });
  const windows: HourWindow[] = [];
  starts.forEach((start, i) => {
    const doc = docs[i] ?? null;
    const aggregate = viewOf(doc, docs[i + 1] ?? null);
    if (aggregate === null) return;
    const inputs = doc === null ? [] : Object.values(doc.inputs).map((d) => ({ ...d.summary, path: d.path }));
    windows.push({ start, aggregate, inputs });
  });
  return windows;
}

/** Rolls one load balancer's hour from its window documents and stores it; false when the hour has no data. */
export async function rollStoredHour(
  store: StateStore,
  prefix: string,
  loadBalancer: string,
  hourStart: number,
  rules: RuleSet,
  log: Log,
): Promise<boolean> {
  const windows = await readHourWindows(store, prefix, loadBalancer, hourStart, rules.windowMs, log);
  const rolled = rollHour(
    {
      loadBalancer,
      start: hourStart,
      windowMs: rules.windowMs,
      windows: windows.map((w) => w.aggregate),
      inputs: windows.flatMap((w) => w.inputs),
    },
    rules,
  );
  if (rolled === null) return false;
  await store.put(rollupKey(prefix, loadBalancer, hourStart), serializeRolledHour(rolled), 'application/json');
  return true;
}

/** The rollup of one load balancer's hour, or null when there is none (or it cannot be read). */
export async function readRollup(store: StateStore, key: string, log: Log): Promise<RolledHour | null> {
  const stored = await store.get(key);
  if (stored === null) return null;
  try {
    return parseRolledHour(stored.text);
  } catch (error) {
    log.warn('ignoring an unreadable rollup', { rollupKey: key, error: String(error) });
    return null;
  }
}

/**
 * The scheduled check's rolling for one load balancer: its dirty hours again, then the hours closed since it last
 * rolled (at most MAX_HOURS_PER_RUN), and the state change that records it. A load balancer seen for the first
 * time starts rolling at the hour before its last arrival (older hours are read from window documents by the
 * report, unless an object made them dirty).
 */
export async function rollDue(
  store: StateStore,
  prefix: string,
  state: LbState,
  rules: RuleSet,
  at: number,
  log: Log,
  /** True once the run has spent its rolling budget: no further hour is started (the next run goes on). */
  outOfTime: () => boolean = () => false,
): Promise<{ delta: LbStateDelta; rolled: number }> {
  const windowMs = rules.windowMs;
  let rolled = 0;
  const cleaned: number[] = [];
  for (const hour of state.dirtyHours.slice(0, MAX_HOURS_PER_RUN)) {
    if (outOfTime()) break;
    if (await rollStoredHour(store, prefix, state.loadBalancer, hour, rules, log)) rolled += 1;
    cleaned.push(hour);
  }
  let next = state.rolledUntil;
  let rolledFrom: number | undefined;
  if (next === 0) {
    // First seen: rolling starts at the hour before its last arrival (an object can cover an hour), or at the first
    // hour not closed yet if that is earlier. Older hours stay with their window documents.
    next = Math.floor(at / HOUR_MS) * HOUR_MS - HOUR_MS;
    while (hourClosed(next, windowMs, at, 'late')) next += HOUR_MS;
    next = Math.min(next, Math.floor(state.lastArrival / HOUR_MS) * HOUR_MS - HOUR_MS);
    rolledFrom = next;
  }
  for (let n = 0; n < MAX_HOURS_PER_RUN && hourClosed(next, windowMs, at, 'late') && !outOfTime(); n++) {
    // No object arrived since the hour began: nothing can be in it, once any invocation that might still be
    // writing it has ended (its state update comes after its window documents).
    const quiet = arrivedBy(state) + CLOCK_SKEW_MS < next;
    if (quiet) {
      if (at < hourClosesAt(next, windowMs, LATENESS_MS) + INVOCATION_BOUND_MS) break;
    } else if (await rollStoredHour(store, prefix, state.loadBalancer, next, rules, log)) rolled += 1;
    next += HOUR_MS;
  }
  return { delta: { rolledUntil: next, cleaned, ...(rolledFrom === undefined ? {} : { rolledFrom }) }, rolled };
}
