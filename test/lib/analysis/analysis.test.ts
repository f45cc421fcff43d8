import { describe, expect, it } from 'vitest';
import { createAggregator, type WindowAggregate } from '../../../lib/aggregate/index.js';
import { analyze, evaluateWindow, summarizeMembers } from '../../../lib/analysis/index.js';
import type { LogRecord } from '../../../lib/formats/record.js';
import type { InputSummary } from '../../../lib/model.js';
import { DEFAULT_RULES, parseRules, type RuleSet } from '../../../lib/rules/index.js';
import { LB, otcNoConnection, otcRecord, repeat, T0 } from '../aggregate/factories.js';

function windowsOf(records: LogRecord[], maxKeys?: number): WindowAggregate[] {
  const agg = createAggregator(maxKeys === undefined ? { windowMs: 300_000 } : { windowMs: 300_000, maxKeys });
  for (const r of records) agg.add(r);
  return agg.windows();
}

function only(records: LogRecord[]): WindowAggregate {
  const [w] = windowsOf(records);
  if (w === undefined) throw new Error('no window');
  return w;
}

const rules = (yaml: string): RuleSet => parseRules(yaml, 'test.yaml');
const gateway = rules(
  'rules: [{id: gw, codes: [502, 503, 504], rate: 0.05, count: 10, minRequests: 20, severity: critical}]',
);

describe('evaluateWindow', () => {
  it('fires when rate, count and minRequests are all met', () => {
    // Prepare
    const w = only([...repeat(12, () => otcNoConnection(502, 0.002)), ...repeat(88, () => otcRecord())]);
    // Act
    const [alert] = evaluateWindow(w, gateway);
    // Assess
    expect(alert).toMatchObject({
      rule: 'gw',
      severity: 'critical',
      loadBalancer: LB,
      windowStart: '2026-03-01T10:00:00.000Z',
      windowEnd: '2026-03-01T10:05:00.000Z',
      requests: 100,
      matched: 12,
      rate: 0.12,
      statusCodes: { 502: 12 },
    });
    expect(alert?.causes[0]?.id).toMatch(/^502\./);
  });

  it.each([
    ['3 errors out of 5 requests (below minRequests)', 3, 2],
    ['9 errors out of 100 (below count)', 9, 91],
    ['10 errors out of 1000 (below rate)', 10, 990],
  ])('does not fire for %s', (_name, errors, fine) => {
    const w = only([...repeat(errors, () => otcNoConnection(502, 0.002)), ...repeat(fine, () => otcRecord())]);
    expect(evaluateWindow(w, gateway)).toEqual([]);
  });

  it('never fires on a window without HTTP requests (no requests is not no errors)', () => {
    // Prepare: CLB TCP lines only
    const w = only(repeat(50, () => otcRecord({ status: null, generatedBy: null })));
    // Act + Assess
    expect(evaluateWindow(w, rules('rules: [{id: any, codes: ["5xx"], count: 1}]'))).toEqual([]);
  });

  it('counts only what the source asks for: lb, backend', () => {
    // Prepare: 20 LB-generated 404s, 30 backend 404s
    const w = only([
      ...repeat(20, () => otcRecord({ status: 404, generatedBy: 'lb', backendStatus: null })),
      ...repeat(30, () => otcRecord({ status: 404, backendStatus: 404 })),
      ...repeat(50, () => otcRecord()),
    ]);
    const set = rules(`rules:
  - {id: lb, codes: [404], source: lb, count: 1}
  - {id: backend, codes: [404], source: backend, count: 1}
  - {id: any, codes: ["4xx"], count: 1}`);
    // Act
    const alerts = evaluateWindow(w, set);
    // Assess
    expect(alerts.map((a) => [a.rule, a.matched, a.statusCodes])).toEqual([
      ['lb', 20, { 404: 20 }],
      ['backend', 30, { 404: 30 }],
      ['any', 50, { 404: 50 }],
    ]);
  });

  it('ranks causes across the matched codes, weighting each by its share', () => {
    // Prepare: 60 fast unconnected 502s, 3 LB-generated 503s
    const w = only([
      ...repeat(60, () => otcNoConnection(502, 0.002, { member: null })),
      ...repeat(3, () =>
        otcRecord({ status: 503, generatedBy: 'lb', backendStatus: null, member: null, headerTime: null }),
      ),
      ...repeat(100, () => otcRecord()),
    ]);
    // Act
    const [alert] = evaluateWindow(w, gateway);
    // Assess
    expect(alert?.statusCodes).toEqual({ 502: 60, 503: 3 });
    expect(alert?.causes[0]?.code).toBe(502);
    const c503 = alert?.causes.find((c) => c.id === '503.backend-unavailable');
    expect(c503?.score).toBeCloseTo((3 * 3) / 63, 2);
    const scores = alert?.causes.map((c) => c.score) ?? [];
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });
});

describe('thresholds from the rules file', () => {
  it('reach the cause ranking: a 10 s OTC connect timeout makes 5 s 504s no connect timeout', () => {
    // Prepare
    const w = only([...repeat(20, () => otcNoConnection(504, 5.002)), ...repeat(80, () => otcRecord())]);
    const strict = rules('rules: [{id: gw, codes: [504], count: 1}]');
    const relaxed = rules('rules: [{id: gw, codes: [504], count: 1}]\nthresholds: {otc-elb: {connectTimeout: 10}}');
    // Act
    const [a] = evaluateWindow(w, strict);
    const [b] = evaluateWindow(w, relaxed);
    // Assess
    expect(a?.causes[0]?.id).toBe('504.connect-timeout');
    expect(b?.causes.find((c) => c.id === '504.connect-timeout')?.score).toBeLessThan(0);
  });
});

describe('summarizeMembers', () => {
  it('lists the top members by errors then requests and folds the rest into (other)', () => {
    // Prepare
    const records = [
      ...repeat(12, (i) => otcRecord({ member: `10.0.0.${i}:80` })),
      ...repeat(3, () => otcRecord({ member: '10.0.0.5:80', status: 500, backendStatus: 500 })),
    ];
    // Act
    const members = summarizeMembers(only(records), 2);
    // Assess
    expect(members).toEqual([
      { member: '10.0.0.5:80', requests: 4, errors: { 500: 3 } },
      { member: '10.0.0.0:80', requests: 1, errors: {} },
      { member: '(other)', requests: 10, errors: {} },
    ]);
  });
});

describe('analyze', () => {
  const input: InputSummary = {
    path: 'a.log',
    format: 'otc-elb',
    lines: 3,
    records: 3,
    rejected: 0,
    rejects: {},
    error: null,
  };

  it('merges partials, summarises windows with ISO times and lists alerts and per-LB codes', () => {
    // Prepare: the same window delivered as two partials, plus a later window
    const a = windowsOf([...repeat(15, () => otcNoConnection(502, 0.002)), ...repeat(30, () => otcRecord())]);
    const b = windowsOf([...repeat(30, () => otcRecord()), otcRecord({ time: T0 + 300_000 })]);
    // Act
    const result = analyze({ inputs: [input], windows: [...a, ...b], rules: DEFAULT_RULES });
    // Assess
    expect(result.inputs).toEqual([input]);
    expect(result.windows.map((w) => [w.start, w.end, w.requests, w.statusCodes, w.lbGenerated])).toEqual([
      ['2026-03-01T10:00:00.000Z', '2026-03-01T10:05:00.000Z', 75, { 200: 60, 502: 15 }, { 502: 15 }],
      ['2026-03-01T10:05:00.000Z', '2026-03-01T10:10:00.000Z', 1, { 200: 1 }, {}],
    ]);
    expect(result.alerts.map((x) => [x.rule, x.matched, x.requests])).toEqual([['gateway-errors', 15, 75]]);
    expect(result.codes?.map((c) => [c.loadBalancer, c.code, c.count, c.lbGenerated])).toEqual([[LB, 502, 15, 15]]);
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });

  it('returns empty lists for no input', () => {
    expect(analyze({ inputs: [], windows: [], rules: DEFAULT_RULES })).toEqual({
      inputs: [],
      windows: [],
      alerts: [],
      incidents: [],
      logGaps: [],
      codes: [],
    });
  });
});
