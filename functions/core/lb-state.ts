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

export interface LbState {
  version: 1;
  loadBalancer: string;
  /** Arrival (epoch ms, wall clock) of the newest object that carried records of this load balancer. */
  lastArrival: number;
  lastObjectKey: string | null;
  /**
   * How often this load balancer's logs come: the gap between the last two recorded arrivals, or the time the
   * newest object covers if longer (5 minutes for ALB, up to 60 minutes for CLB or an hourly LTS transfer).
   * `logs-missing` waits at least 1.5 times this.
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
    intervalMs: newer
      ? Math.max(
          delta.coverMs ?? 0,
          delta.afterOutage === true
            ? state.intervalMs
            : state.lastArrival > 0
              ? (delta.arrival as number) - state.lastArrival
              : 0,
        )
      : state.intervalMs,
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
