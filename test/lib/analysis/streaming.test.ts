import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createAggregator, type WindowAggregate } from '../../../lib/aggregate/index.js';
import { analyze, createStreamingAnalysis } from '../../../lib/analysis/index.js';
import type { LogRecord } from '../../../lib/formats/record.js';
import type { InputSummary } from '../../../lib/model.js';
import { DEFAULT_RULES, parseRules, type RuleSet } from '../../../lib/rules/index.js';
import { otcRecord } from '../aggregate/factories.js';

const W = 300_000;
const T0 = Date.parse('2026-06-16T05:00:00Z');
const LBS = ['loadbalancer_a', 'loadbalancer_b', 'loadbalancer_c'];
const MEMBERS = ['10.0.3.21:8080', '10.0.3.22:8080', '10.0.3.23:8080'];

/** What one load balancer did in one window: nothing (a gap), healthy traffic, or errors of one kind. */
type WindowState = 'gap' | 'quiet' | 'gateway' | 'client' | 'slow';
const stateArb = fc.constantFrom<WindowState>('gap', 'quiet', 'quiet', 'gateway', 'client', 'slow');

function windowRecords(lb: string, i: number, state: WindowState, requests: number, member: number): LogRecord[] {
  if (state === 'gap') return [];
  return Array.from({ length: requests }, (_, k) => {
    const time = T0 + i * W + 1000 + k;
    const bad = k % 3 === 0;
    const base = { loadBalancer: lb, time, member: MEMBERS[(member + k) % MEMBERS.length] ?? null };
    if (!bad || state === 'quiet') return otcRecord(base);
    if (state === 'client') return otcRecord({ ...base, status: 404, backendStatus: 404 });
    if (state === 'slow') return otcRecord({ ...base, requestTime: 12, headerTime: 12, responseTime: 12 });
    return otcRecord({
      ...base,
      status: 502,
      generatedBy: 'lb',
      backendConnected: false,
      connectTime: null,
      headerTime: null,
      backendStatus: null,
    });
  });
}

/** Merged windows of every load balancer's states, fed in start order with any order inside one start. */
function windowsOf(states: WindowState[][], requests: number, seed: number): WindowAggregate[] {
  const agg = createAggregator({ windowMs: W });
  states.forEach((lbStates, l) => {
    lbStates.forEach((s, i) => {
      for (const r of windowRecords(LBS[l] ?? 'lb', i, s, requests, seed + i)) agg.add(r);
    });
  });
  const scramble = (w: WindowAggregate) =>
    ((w.loadBalancer.charCodeAt(w.loadBalancer.length - 1) * 31 + seed) >>> 0) % 7;
  return agg.windows().sort((a, b) => a.start - b.start || scramble(a) - scramble(b));
}

const INPUTS: InputSummary[] = [
  { path: 's3://logs/a.log', format: 'otc-elb', lines: 3, records: 3, rejected: 0, rejects: {}, error: null },
];

const rulesArb = fc.constantFrom<RuleSet>(
  DEFAULT_RULES,
  parseRules(
    [
      'incidents:',
      '  resolveAfter: 15m',
      'logsMissing:',
      '  after: 10m',
      'silences:',
      '  - id: maintenance',
      '    loadBalancers: [loadbalancer_b]',
      '    from: "2026-06-16T05:10:00Z"',
      '    to: "2026-06-16T05:40:00Z"',
      '    reason: planned',
      '',
    ].join('\n'),
    'rules.yaml',
  ),
);

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
