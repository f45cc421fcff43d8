import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { WindowAggregate } from '../../../lib/aggregate/index.js';
import { analyze, createStreamingAnalysis } from '../../../lib/analysis/index.js';
import { DEFAULT_RULES } from '../../../lib/rules/index.js';
import { INPUTS, rulesArb, stateArb, windowsOf } from './generated-windows.js';

describe('createStreamingAnalysis', () => {
  it('finishes with exactly what analyze gives for the same windows', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(stateArb, { minLength: 1, maxLength: 16 }), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 3, max: 40 }),
        fc.nat(),
        rulesArb,
        (states, requests, seed, rules) => {
          // Prepare
          const windows = windowsOf(states, requests, seed);
          const streaming = createStreamingAnalysis(rules);
          // Act
          for (const w of windows) streaming.add(w);
          const result = streaming.finish(INPUTS);
          // Assess
          expect(result).toEqual(analyze({ inputs: INPUTS, windows, rules }));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('finds an incident that is still open at the end, with causes on its firing windows', () => {
    // Prepare: one load balancer, healthy then failing to the end
    const windows = windowsOf([['quiet', 'quiet', 'gateway', 'gateway']], 30, 0);
    const streaming = createStreamingAnalysis(DEFAULT_RULES);
    // Act
    for (const w of windows) streaming.add(w);
    const result = streaming.finish([]);
    // Assess
    expect(result.incidents).toHaveLength(1);
    expect(result.incidents?.[0]).toMatchObject({ windows: 2, end: null, statusCodes: { 502: 20 } });
    expect(result.incidents?.[0]?.causes.length).toBeGreaterThan(0);
  });

  it('refuses a window older than one already added, and a window added twice', () => {
    // Prepare
    const [first, second] = windowsOf([['quiet', 'quiet']], 5, 0);
    const streaming = createStreamingAnalysis(DEFAULT_RULES);
    // Act
    streaming.add(second as WindowAggregate);
    // Assess
    expect(() => streaming.add(first as WindowAggregate)).toThrow(RangeError);
    expect(() => streaming.add(second as WindowAggregate)).toThrow(RangeError);
  });
});
