import { describe, expect, it } from 'vitest';
import { applyLbDelta, type LbState, silentAfter } from '../../../functions/core/lb-state.js';

const T0 = Date.parse('2024-05-01T10:17:00Z');
const MIN = 60_000;
const state: LbState = {
  version: 1,
  loadBalancer: 'app/web/50dc6c495c0c9188',
  lastArrival: T0,
  lastObjectKey: 'a.log',
  intervalMs: 5 * MIN,
  openRules: [],
};

describe('load-balancer state', () => {
  it('learns the gap between arrivals as the delivery interval', () => {
    // Act
    const next = applyLbDelta(state, { arrival: T0 + 19 * MIN, objectKey: 'b.log', coverMs: 5 * MIN });
    // Assess
    expect(next).toMatchObject({ lastArrival: T0 + 19 * MIN, lastObjectKey: 'b.log', intervalMs: 19 * MIN });
    expect(next === null ? null : silentAfter(next, 20 * MIN)).toBe(28.5 * MIN);
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
