import { describe, expect, it } from 'vitest';
import {
  applyLbDelta,
  type LbState,
  lbStateKey,
  silentAfter,
  updateLbState,
} from '../../../functions/core/lb-state.js';
import type { StateStore, StoredText } from '../../../functions/core/state-store.js';

const T0 = Date.parse('2024-05-01T10:17:00Z');
const MIN = 60_000;
const state: LbState = {
  version: 1,
  loadBalancer: 'app/web/50dc6c495c0c9188',
  lastArrival: T0,
  lastObjectKey: 'a.log',
  intervalMs: 5 * MIN,
  openRules: [],
  rolledFrom: 0,
  rolledUntil: 0,
  dirtyHours: [],
};

describe('load-balancer state', () => {
  it('learns a gap between recorded arrivals as the delivery interval when recording every 15 minutes cannot explain it', () => {
    // Act
    const next = applyLbDelta(state, { arrival: T0 + 25 * MIN, objectKey: 'b.log', coverMs: 5 * MIN });
    const explained = applyLbDelta(state, { arrival: T0 + 19 * MIN, objectKey: 'b.log', coverMs: 5 * MIN });
    // Assess
    expect(next).toMatchObject({ lastArrival: T0 + 25 * MIN, lastObjectKey: 'b.log', intervalMs: 25 * MIN });
    expect(next === null ? null : silentAfter(next, 20 * MIN)).toBe(37.5 * MIN);
    // 19 minutes: objects every 5 minutes, recorded once in 15 minutes, leave such gaps; the cover is the interval
    expect(explained).toMatchObject({ lastArrival: T0 + 19 * MIN, intervalMs: 5 * MIN });
  });

  it('does not learn an outage as the interval when logs return after logs-missing', () => {
    // Prepare
    const missing = { ...state, openRules: ['logs-missing'] };
    // Act
    const next = applyLbDelta(missing, {
      arrival: T0 + 63 * MIN,
      objectKey: 'b.log',
      coverMs: 5 * MIN,
      afterOutage: true,
      remove: ['logs-missing'],
    });
    // Assess
    expect(next).toMatchObject({ lastArrival: T0 + 63 * MIN, intervalMs: 5 * MIN, openRules: [] });
    expect(next === null ? null : silentAfter(next, 20 * MIN)).toBe(20 * MIN);
  });
});

/** A store of one key whose conditional writes see what was written in between. */
function oneKeyStore(initial: LbState, meanwhile: (() => LbState) | null): StateStore & { text: () => string } {
  let text = JSON.stringify(initial);
  let version = 1;
  let interleave = meanwhile;
  const stored = (): StoredText => ({ text, etag: `"${version}"` });
  return {
    text: () => text,
    async get() {
      return stored();
    },
    async putIfMatch(_key: string, body: string, etag: string) {
      if (interleave !== null) {
        // Another invocation writes between this one's read and its write.
        text = JSON.stringify(interleave());
        version += 1;
        interleave = null;
      }
      if (etag !== `"${version}"`) return 'changed';
      text = body;
      version += 1;
      return 'written';
    },
    async putIfAbsent() {
      return 'exists';
    },
    async put() {},
    async delete() {},
    async list() {
      return [];
    },
    async *listPages() {},
  } as StateStore & { text: () => string };
}

describe('updating the load-balancer state under concurrency', () => {
  it('drops a removal decided on a version another invocation has changed (it may have opened that rule again)', async () => {
    // Prepare: this invocation judged gateway-errors done; meanwhile another opened a new incident of it
    const open = { ...state, openRules: ['gateway-errors'] };
    const store = oneKeyStore(open, () => ({ ...open, lastArrival: T0 + MIN, openRules: ['gateway-errors'] }));
    // Act
    const written = await updateLbState(
      store,
      'lbwatch/',
      state.loadBalancer,
      { remove: ['gateway-errors'] },
      {
        state: open,
        stored: { text: JSON.stringify(open), etag: '"1"' },
      },
    );
    // Assess
    expect(written.openRules).toEqual(['gateway-errors']);
    expect(JSON.parse(store.text()).openRules).toEqual(['gateway-errors']);
    expect(lbStateKey('lbwatch/', state.loadBalancer)).toBe('lbwatch/lbs/app~2fweb~2f50dc6c495c0c9188.json');
  });

  it('applies a removal when nobody wrote in between, and keeps additions after a conflict', async () => {
    // Prepare
    const open = { ...state, openRules: ['gateway-errors'] };
    const quiet = oneKeyStore(open, null);
    const busy = oneKeyStore(open, () => ({ ...open, lastArrival: T0 + MIN }));
    const known = { state: open, stored: { text: JSON.stringify(open), etag: '"1"' } };
    // Act
    const removed = await updateLbState(quiet, 'lbwatch/', state.loadBalancer, { remove: ['gateway-errors'] }, known);
    const added = await updateLbState(busy, 'lbwatch/', state.loadBalancer, { add: ['server-errors'] }, known);
    // Assess
    expect(removed.openRules).toEqual([]);
    expect(added.openRules).toEqual(['gateway-errors', 'server-errors']);
    expect(added.lastArrival).toBe(T0 + MIN);
  });
});
