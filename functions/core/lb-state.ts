/**
 * One small document per load balancer: when its logs last arrived (the scheduled check opens `logs-missing` from
 * it) and which rules have an incident that still needs attention (so an object is checked against those rules'
 * records even when its own windows are quiet, and no other record is read). Updated with conditional writes as a
 * delta (arrival is a maximum, rules are added and removed), so concurrent writers never lose each other's change.
 */
import { LbwatchError } from '../../lib/errors.js';
import { conflictPause, MAX_CONFLICTS } from './concurrency.js';
import { keySegment } from './state-keys.js';
import type { StateStore, StoredText } from './state-store.js';
import { readWindowDoc } from './window-docs.js';

/**
 * The last arrival is written only when it moved by this much (or logs were missing), so most objects do not rewrite
 * the state: at one object per 5 minutes, one in three does. It may therefore be up to this much older than the true
 * last arrival: the scheduled check confirms a silence from the window documents before it opens `logs-missing`
 * ({@link newestArrival}), and whoever decides "nothing arrived since" allows for it ({@link arrivedBy}).
 */
export const ARRIVAL_RESOLUTION_MS = 15 * 60_000;

/** The latest the newest arrival can be, given the recorded one. */
export function arrivedBy(state: Pick<LbState, 'lastArrival'>): number {
  return state.lastArrival + ARRIVAL_RESOLUTION_MS;
}

export interface LbState {
  version: 1;
  loadBalancer: string;
  /**
   * Arrival (epoch ms, wall clock) of the newest object that carried records of this load balancer, as recorded:
   * up to ARRIVAL_RESOLUTION_MS older than the true one.
   */
  lastArrival: number;
  lastObjectKey: string | null;
  /**
   * How often this load balancer's logs come: the time the newest object covers (5 minutes for ALB, up to 60 minutes
   * for CLB or an hourly LTS transfer), or the gap between the last two recorded arrivals when that gap is longer than
   * the recording resolution explains. `logs-missing` waits at least 1.5 times this.
   */
  intervalMs: number;
  /** Rules whose incident is open or has a page still to send (`logs-missing` included). */
  openRules: string[];
  /**
   * Hourly rollups (see rollups.ts): the hours from `rolledFrom` up to `rolledUntil` (epoch ms, hour starts) have
   * been rolled as they closed; 0 before the first scheduled check saw this load balancer.
   */
  rolledFrom: number;
  rolledUntil: number;
  /** Hours already rolled that an object changed afterwards (a late object): rolled again by the next check. */
  dirtyHours: number[];
}

export interface LbStateDelta {
  arrival?: number;
  objectKey?: string;
  /** Time the arriving object's records cover (a CLB object of an hourly interval covers about an hour). */
  coverMs?: number;
  /**
   * The gap before this arrival was an outage (a `logs-missing` incident was open): it is not learnt as the delivery
   * interval, or the next outage would be noticed only after 1.5 times this one.
   */
  afterOutage?: boolean;
  add?: string[];
  remove?: string[];
  /** Rolled through this hour start (a maximum). */
  rolledUntil?: number;
  /** Where rolling began (kept from the first such change). */
  rolledFrom?: number;
  /** Hours an object changed after they closed. */
  dirty?: number[];
  /** Hours rolled again; like `remove`, applied only to the version it was decided on. */
  cleaned?: number[];
}

/** How long a load balancer may stay silent: the configured allowance, or 1.5 of its own delivery interval. */
export function silentAfter(state: LbState, configured: number): number {
  return Math.max(configured, Math.round(1.5 * state.intervalMs));
}

export function lbStatesPrefix(prefix: string): string {
  return `${prefix}lbs/`;
}

export function lbStateKey(prefix: string, loadBalancer: string): string {
  return `${lbStatesPrefix(prefix)}${keySegment(loadBalancer)}.json`;
}

export function parseLbState(text: string): LbState | null {
  try {
    const v = JSON.parse(text) as Partial<LbState>;
    if (v.version !== 1 || typeof v.loadBalancer !== 'string') return null;
    return {
      version: 1,
      loadBalancer: v.loadBalancer,
      lastArrival: typeof v.lastArrival === 'number' ? v.lastArrival : 0,
      lastObjectKey: typeof v.lastObjectKey === 'string' ? v.lastObjectKey : null,
      intervalMs: typeof v.intervalMs === 'number' ? v.intervalMs : 0,
      openRules: Array.isArray(v.openRules) ? v.openRules.filter((r) => typeof r === 'string') : [],
      rolledFrom: typeof v.rolledFrom === 'number' ? v.rolledFrom : 0,
      rolledUntil: typeof v.rolledUntil === 'number' ? v.rolledUntil : 0,
      dirtyHours: Array.isArray(v.dirtyHours) ? v.dirtyHours.filter((h) => typeof h === 'number') : [],
    };
  } catch {
    return null;
  }
}

/**
 * The delivery interval after a recorded arrival: the object's cover, unless the gap since the last recorded arrival
 * is longer than recording every ARRIVAL_RESOLUTION_MS explains (objects then come that far apart). A gap that was an
 * outage is not learnt.
 */
function learnedInterval(state: LbState, delta: LbStateDelta): number {
  const cover = delta.coverMs ?? 0;
  if (delta.afterOutage === true) return Math.max(cover, state.intervalMs);
  if (state.lastArrival === 0 || delta.arrival === undefined) return cover;
  const gap = delta.arrival - state.lastArrival;
  return gap <= ARRIVAL_RESOLUTION_MS + cover ? cover : Math.max(cover, gap);
}

/** The state with a delta applied, or null when it changes nothing. */
export function applyLbDelta(state: LbState, delta: LbStateDelta): LbState | null {
  const open = new Set(state.openRules);
  for (const r of delta.add ?? []) open.add(r);
  for (const r of delta.remove ?? []) open.delete(r);
  const dirty = new Set(state.dirtyHours);
  for (const h of delta.cleaned ?? []) dirty.delete(h);
  for (const h of delta.dirty ?? []) dirty.add(h);
  const rolledUntil = Math.max(state.rolledUntil, delta.rolledUntil ?? 0);
  const newer = delta.arrival !== undefined && delta.arrival > state.lastArrival;
  const next: LbState = {
    ...state,
    lastArrival: newer ? (delta.arrival as number) : state.lastArrival,
    lastObjectKey: newer ? (delta.objectKey ?? state.lastObjectKey) : state.lastObjectKey,
    intervalMs: newer ? learnedInterval(state, delta) : state.intervalMs,
    openRules: [...open].sort(),
    rolledFrom: state.rolledFrom === 0 ? (delta.rolledFrom ?? 0) : state.rolledFrom,
    rolledUntil,
    dirtyHours: [...dirty].sort((a, b) => a - b),
  };
  return JSON.stringify(next) === JSON.stringify(state) ? null : next;
}

export async function readLbState(
  store: StateStore,
  prefix: string,
  loadBalancer: string,
): Promise<{ state: LbState; stored: StoredText | null }> {
  const stored = await store.get(lbStateKey(prefix, loadBalancer));
  const parsed = stored === null ? null : parseLbState(stored.text);
  return {
    state: parsed ?? {
      version: 1,
      loadBalancer,
      lastArrival: 0,
      lastObjectKey: null,
      intervalMs: 0,
      openRules: [],
      rolledFrom: 0,
      rolledUntil: 0,
      dirtyHours: [],
    },
    stored,
  };
}

/** Applies a delta with a conditional write, re-reading on conflict. Starts from `known` when given (saves a GET). */
export async function updateLbState(
  store: StateStore,
  prefix: string,
  loadBalancer: string,
  delta: LbStateDelta,
  known?: { state: LbState; stored: StoredText | null },
): Promise<LbState> {
  const key = lbStateKey(prefix, loadBalancer);
  let current = known ?? (await readLbState(store, prefix, loadBalancer));
  let change = delta;
  for (let attempt = 0; attempt < MAX_CONFLICTS; attempt++) {
    const next = applyLbDelta(current.state, change);
    if (next === null) return current.state;
    const text = JSON.stringify(next);
    const written =
      current.stored === null
        ? await store.putIfAbsent(key, text)
        : await store.putIfMatch(key, text, current.stored.etag);
    if (written === 'created' || written === 'written') return next;
    // Someone else wrote meanwhile: perhaps an invocation that just opened a new incident of a rule this one
    // judged done. A removal is only safe against the version it was decided on, so it is dropped; the rule stays
    // open and the next evaluation (ingest or the scheduled check) removes it if it is still done. Additions and
    // the arrival are kept: they never hide an incident. A rolled-again hour stays dirty the same way (the other
    // writer may have just changed it again).
    change = { ...change, remove: [], cleaned: [] };
    await conflictPause(attempt);
    current = await readLbState(store, prefix, loadBalancer);
  }
  throw new LbwatchError('STATE_FAILED', `load-balancer state ${key}: too many concurrent writers, will retry`, {
    context: { key },
  });
}

/** Window documents read at most to confirm a silence. */
const CONFIRM_WINDOWS = 48;

/**
 * The newest arrival the window documents know of for this load balancer, at or after the recorded one: the objects
 * that arrived within ARRIVAL_RESOLUTION_MS after it wrote their windows near their arrival (an object covers up to
 * `intervalMs` before it), so only those windows are read, by key. Null when none is newer.
 */
export async function newestArrival(
  store: StateStore,
  prefix: string,
  state: LbState,
  windowMs: number,
): Promise<{ arrival: number; objectKey: string } | null> {
  const cover = Math.max(state.intervalMs, windowMs);
  const first = Math.floor((state.lastArrival - cover - windowMs) / windowMs) * windowMs;
  const last = Math.floor(arrivedBy(state) / windowMs) * windowMs;
  const starts: number[] = [];
  for (let s = last; s >= first && starts.length < CONFIRM_WINDOWS; s -= windowMs) starts.push(s);
  let newest: { arrival: number; objectKey: string } | null = null;
  for (const start of starts) {
    const doc = await readWindowDoc(store, prefix, state.loadBalancer, start);
    if (doc !== null && doc.lastArrival > Math.max(state.lastArrival, newest?.arrival ?? 0))
      newest = { arrival: doc.lastArrival, objectKey: doc.lastObjectKey };
  }
  return newest;
}
