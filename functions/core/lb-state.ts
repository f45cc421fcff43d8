/**
 * One small document per load balancer: when its logs last arrived (the scheduled check opens `logs-missing` from
 * it) and which rules have an incident that still needs attention (so an object is checked against those rules'
 * records even when its own windows are quiet, and no other record is read). Updated with conditional writes as a
 * delta (arrival is a maximum, rules are added and removed), so concurrent writers never lose each other's change.
 */
import { LbwatchError } from '../../lib/errors.js';
import { keySegment } from './state-keys.js';
import type { StateStore, StoredText } from './state-store.js';
import { MAX_CONFLICTS } from './window-docs.js';

export interface LbState {
  version: 1;
  loadBalancer: string;
  /** Arrival (epoch ms, wall clock) of the newest object that carried records of this load balancer. */
  lastArrival: number;
  lastObjectKey: string | null;
  /** Rules whose incident is open or has a page still to send (`logs-missing` included). */
  openRules: string[];
}

export interface LbStateDelta {
  arrival?: number;
  objectKey?: string;
  add?: string[];
  remove?: string[];
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
      openRules: Array.isArray(v.openRules) ? v.openRules.filter((r) => typeof r === 'string') : [],
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
  const newer = delta.arrival !== undefined && delta.arrival > state.lastArrival;
  const next: LbState = {
    ...state,
    lastArrival: newer ? (delta.arrival as number) : state.lastArrival,
    lastObjectKey: newer ? (delta.objectKey ?? state.lastObjectKey) : state.lastObjectKey,
    openRules: [...open].sort(),
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
    state: parsed ?? { version: 1, loadBalancer, lastArrival: 0, lastObjectKey: null, openRules: [] },
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
  for (let attempt = 0; attempt < MAX_CONFLICTS; attempt++) {
    const next = applyLbDelta(current.state, delta);
    if (next === null) return current.state;
    const text = JSON.stringify(next);
    const written =
      current.stored === null
        ? await store.putIfAbsent(key, text)
        : await store.putIfMatch(key, text, current.stored.etag);
    if (written === 'created' || written === 'written') return next;
    current = await readLbState(store, prefix, loadBalancer);
  }
  throw new LbwatchError('STATE_FAILED', `load-balancer state ${key}: too many concurrent writers, will retry`, {
    context: { key },
  });
}
