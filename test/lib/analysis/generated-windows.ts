/**
 * Generated windows for analysis property tests: a few load balancers, each window a gap, healthy traffic or errors
 * of one kind, merged as the functions merge them; and the rule sets they are judged by.
 */
import fc from 'fast-check';
import { createAggregator, type WindowAggregate } from '../../../lib/aggregate/index.js';
import type { LogRecord } from '../../../lib/formats/record.js';
import type { InputSummary } from '../../../lib/model.js';
import { DEFAULT_RULES, parseRules, type RuleSet } from '../../../lib/rules/index.js';
import { otcRecord } from '../aggregate/factories.js';

export const W = 300_000;
export const T0 = Date.parse('2026-06-16T05:00:00Z');
export const LBS = ['loadbalancer_a', 'loadbalancer_b', 'loadbalancer_c'];
export const MEMBERS = ['10.0.3.21:8080', '10.0.3.22:8080', '10.0.3.23:8080'];

/** What one load balancer did in one window: nothing (a gap), healthy traffic, or errors of one kind. */
export type WindowState = 'gap' | 'quiet' | 'gateway' | 'client' | 'slow';
export const stateArb = fc.constantFrom<WindowState>('gap', 'quiet', 'quiet', 'gateway', 'client', 'slow');

export function windowRecords(
  lb: string,
  i: number,
  state: WindowState,
  requests: number,
  member: number,
): LogRecord[] {
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
export function windowsOf(states: WindowState[][], requests: number, seed: number): WindowAggregate[] {
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

export const INPUTS: InputSummary[] = [
  { path: 's3://logs/a.log', format: 'otc-elb', lines: 3, records: 3, rejected: 0, rejects: {}, error: null },
];

export const rulesArb = fc.constantFrom<RuleSet>(
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
