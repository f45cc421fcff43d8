import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AnalysisResult, WindowSummary } from '../../../lib/model.js';
import { buildReportModel, incidentsFromAlerts, MAX_CHART_BUCKETS, REPORT_SCHEMA } from '../../../lib/report/index.js';
import {
  aCause,
  aMember,
  anAlert,
  anAnalysis,
  anInput,
  aReportInput,
  at,
  aWindow,
  generateAnalysis,
  WINDOW_MS,
} from './factories.js';

/** Figures computed straight from the analysis JSON, independently of the report code. */
function expectedFigures(windows: readonly WindowSummary[]) {
  const sum = (pick: (code: number) => boolean, field: 'statusCodes' | 'lbGenerated') =>
    windows.reduce(
      (acc, w) => acc + Object.entries(w[field]).reduce((a, [c, n]) => a + (pick(Number(c)) ? n : 0), 0),
      0,
    );
  const is4xx = (c: number) => c >= 400 && c < 500;
  const is5xx = (c: number) => c >= 500 && c < 600;
  const isErr = (c: number) => is4xx(c) || is5xx(c);
  return {
    requests: windows.reduce((a, w) => a + w.requests, 0),
    e4xx: sum(is4xx, 'statusCodes'),
    e5xx: sum(is5xx, 'statusCodes'),
    lbGenerated: sum(isErr, 'lbGenerated'),
  };
}

const windowArb = fc.record({
  lb: fc.constantFrom('a', 'b', 'c'),
  index: fc.integer({ min: 0, max: 287 }),
  ok: fc.nat(500),
  c404: fc.nat(50),
  c502: fc.nat(50),
  lb502: fc.nat(50),
  c499: fc.nat(5),
});

describe('buildReportModel figures', () => {
  it('equal the sums of the analysis windows, overall and per load balancer, for any windows', () => {
    fc.assert(
      fc.property(fc.array(windowArb, { maxLength: 60 }), (specs) => {
        // Prepare: one window per (lb, index), as analyze produces.
        const seen = new Set<string>();
        const windows = specs
          .filter((s) => !seen.has(`${s.lb}/${s.index}`) && seen.add(`${s.lb}/${s.index}`))
          .map((s) =>
            aWindow({
              loadBalancer: s.lb,
              index: s.index,
              requests: s.ok + s.c404 + s.c502 + s.c499,
              statusCodes: { '200': s.ok, '404': s.c404, '502': s.c502, '499': s.c499, '-': 3 },
              lbGenerated: { '502': Math.min(s.lb502, s.c502) },
            }),
          );
        const analysis = anAnalysis({ windows });

        // Act
        const model = buildReportModel(aReportInput(analysis));

        // Assess
        const all = expectedFigures(windows);
        const h = model.overall.headline;
        expect(h.requests).toBe(all.requests);
        expect(h.errors['4xx']).toBe(all.e4xx);
        expect(h.errors['5xx']).toBe(all.e5xx);
        expect(h.errors.total).toBe(all.e4xx + all.e5xx);
        expect(h.lbGenerated).toBe(all.lbGenerated);
        expect(h.backendGenerated).toBe(all.e4xx + all.e5xx - all.lbGenerated);
        expect(h.errorRate['5xx']).toBe(all.requests > 0 ? all.e5xx / all.requests : null);
        expect(model.overall.series.requests.reduce<number>((a, b) => a + (b ?? 0), 0)).toBe(all.requests);
        expect(model.overall.series['5xx'].reduce<number>((a, b) => a + (b ?? 0), 0)).toBe(all.e5xx);
        expect(model.empty).toBe(windows.length === 0);
        for (const lb of model.loadBalancers) {
          const own = expectedFigures(windows.filter((w) => w.loadBalancer === lb.name));
          expect([lb.headline.requests, lb.headline.errors['4xx'], lb.headline.lbGenerated]).toEqual([
            own.requests,
            own.e4xx,
            own.lbGenerated,
          ]);
        }
        expect(model.loadBalancers.map((l) => l.name).sort()).toEqual(
          [...new Set(windows.map((w) => w.loadBalancer))].sort(),
        );
      }),
      { numRuns: 150 },
    );
  });

  it('counts alerts by severity and places them in the series buckets of their windows', () => {
    // Prepare
    const analysis = anAnalysis({
      windows: [aWindow({ index: 3 }), aWindow({ index: 4 }), aWindow({ index: 9 })],
      alerts: [
        anAlert({ index: 3 }),
        anAlert({ index: 4 }),
        anAlert({ index: 9, rule: 'client-errors', severity: 'warning' }),
      ],
    });

    // Act
    const model = buildReportModel(aReportInput(analysis));

    // Assess
    expect(model.overall.headline.alerts).toEqual({ total: 3, critical: 2, warning: 1, info: 0 });
    expect(model.overall.series.requests).toHaveLength(288);
    expect(model.overall.series.bucketMs).toBe(WINDOW_MS);
    expect(model.overall.series.start).toBe(at(0));
    const alerting = model.overall.series.alerts.flatMap((n, i) => (n > 0 ? [i] : []));
    expect(alerting).toEqual([3, 4, 9]);
  });

  it('leaves windows and alerts outside the period out', () => {
    // Prepare
    const analysis = anAnalysis({
      windows: [aWindow({ index: -1 }), aWindow({ index: 0 }), aWindow({ index: 11 }), aWindow({ index: 12 })],
      alerts: [anAlert({ index: -1 }), anAlert({ index: 11 }), anAlert({ index: 12 })],
    });

    // Act
    const model = buildReportModel(aReportInput(analysis, { period: { from: at(0), to: at(12) } }));

    // Assess
    expect(model.overall.headline.windows).toBe(2);
    expect(model.overall.headline.requests).toBe(200);
    expect(model.overall.headline.alerts.total).toBe(1);
    expect(model.overall.series.requests).toHaveLength(12);
  });

  it('merges neighbouring windows into coarser buckets when the period is long, keeping the sums', () => {
    // Prepare: two days of one-minute windows is 2,880 windows.
    const minute = 60_000;
    const windows = Array.from({ length: 2880 }, (_, i) =>
      aWindow({ start: at(i, minute), end: at(i + 1, minute), requests: 10, statusCodes: { '200': 9, '500': 1 } }),
    );

    // Act
    const model = buildReportModel(
      aReportInput(anAnalysis({ windows }), { windowMs: minute, period: { from: at(0), to: at(2880, minute) } }),
    );

    // Assess
    const s = model.overall.series;
    expect(s.requests.length).toBeLessThanOrEqual(MAX_CHART_BUCKETS);
    expect(s.bucketMs % minute).toBe(0);
    expect(s.requests.reduce<number>((a, b) => a + (b ?? 0), 0)).toBe(28_800);
    expect(s['5xx'].reduce<number>((a, b) => a + (b ?? 0), 0)).toBe(2880);
  });

  it('renders an empty period as empty, not as an error', () => {
    // Prepare
    const analysis = anAnalysis({ windows: [], alerts: [] });

    // Act
    const model = buildReportModel(aReportInput(analysis));

    // Assess
    expect(model.schema).toBe(REPORT_SCHEMA);
    expect(model.empty).toBe(true);
    expect(model.loadBalancers).toEqual([]);
    expect(model.overall.headline.requests).toBe(0);
    expect(model.overall.headline.errorRate.total).toBeNull();
    expect(model.inputs.total).toBe(1);
  });

  it('orders load balancers by alerts, then errors, then name', () => {
    // Prepare
    const analysis = anAnalysis({
      windows: [
        aWindow({ loadBalancer: 'quiet', statusCodes: { '200': 100 } }),
        aWindow({ loadBalancer: 'noisy', statusCodes: { '200': 90, '500': 10 } }),
        aWindow({ loadBalancer: 'alerting', statusCodes: { '200': 99, '502': 1 } }),
        aWindow({ loadBalancer: 'also-quiet', statusCodes: { '200': 100 } }),
      ],
      alerts: [anAlert({ loadBalancer: 'alerting' })],
    });

    // Act
    const model = buildReportModel(aReportInput(analysis));

    // Assess
    expect(model.loadBalancers.map((l) => l.name)).toEqual(['alerting', 'noisy', 'also-quiet', 'quiet']);
  });
});

describe('incidents', () => {
  it('merge consecutive alerting windows of one load balancer and rule, and split on a gap', () => {
    // Prepare: windows 2-4 alert, 5 does not, 6 alerts again; another rule overlaps.
    const alerts = [
      anAlert({ index: 4, rate: 0.2, matched: 20 }),
      anAlert({ index: 2, rate: 0.1, matched: 10 }),
      anAlert({ index: 3, rate: 0.3, matched: 30, requests: 100 }),
      anAlert({ index: 6, rate: 0.1 }),
      anAlert({ index: 3, rule: 'client-errors', severity: 'warning', statusCodes: { '404': 9 } }),
      anAlert({ index: 3, loadBalancer: 'other-lb' }),
    ];

    // Act
    const incidents = incidentsFromAlerts(alerts);

    // Assess
    const shop = incidents.filter((i) => i.loadBalancer === 'shop-prod' && i.rule === 'gateway-errors');
    expect(shop.map((i) => [i.start, i.end, i.windows])).toEqual([
      [at(2), at(5), 3],
      [at(6), at(7), 1],
    ]);
    expect(shop[0]!.peak).toEqual({ start: at(3), end: at(4), rate: 0.3, matched: 30, requests: 100 });
    expect(shop[0]!.matched).toBe(60);
    expect(shop[0]!.statusCodes).toEqual({ '502': 30 });
    expect(incidents).toHaveLength(4);
    expect(incidents.map((i) => i.start)).toEqual([at(2), at(3), at(3), at(6)]);
  });

  it('take the earliest window as the peak when rates are equal', () => {
    // Act
    const [incident] = incidentsFromAlerts([anAlert({ index: 1, rate: 0.5 }), anAlert({ index: 0, rate: 0.5 })]);

    // Assess
    expect(incident!.peak.start).toBe(at(0));
  });

  it('rank causes by their scores summed over the windows, with the strongest evidence sentence', () => {
    // Prepare
    const alerts = [
      anAlert({
        index: 0,
        causes: [
          aCause({ id: '502.backend-port', score: 2, evidence: 'port: weak' }),
          aCause({ id: '502.backend-reset', score: 1, evidence: 'reset: weak' }),
        ],
      }),
      anAlert({ index: 1, causes: [aCause({ id: '502.backend-reset', score: 5, evidence: 'reset: strong' })] }),
    ];

    // Act
    const [incident] = incidentsFromAlerts(alerts);

    // Assess
    expect(incident!.causes.map((c) => [c.id, c.score, c.evidence])).toEqual([
      ['502.backend-reset', 6, 'reset: strong'],
      ['502.backend-port', 2, 'port: weak'],
    ]);
  });
});

describe('codes and members', () => {
  it("take a code's causes from the analysis's code summaries, and counts from the windows", () => {
    // Prepare
    const analysis = anAnalysis({
      windows: [aWindow({ statusCodes: { '200': 80, '502': 15, '404': 5 }, lbGenerated: { '502': 12 } })],
      codes: [
        {
          loadBalancer: 'shop-prod',
          code: 502,
          count: 15,
          lbGenerated: 12,
          causes: [aCause({ id: '502.backend-port', evidence: 'from the summary' })],
        },
      ],
    });

    // Act
    const model = buildReportModel(aReportInput(analysis));

    // Assess
    const codes = model.loadBalancers[0]!.codes;
    expect(codes.map((c) => [c.code, c.count, c.lbGenerated, c.alerts])).toEqual([
      [502, 15, 12, 0],
      [404, 5, 0, 0],
    ]);
    expect(codes[0]!.causes.map((c) => c.evidence)).toEqual(['from the summary']);
    expect(codes[1]!.causes).toEqual([]);
    expect(model.overall.codes.map((c) => [c.loadBalancer, c.code])).toEqual([
      ['shop-prod', 502],
      ['shop-prod', 404],
    ]);
  });

  it("fall back to the alerts' causes for the code when the analysis has no code summaries", () => {
    // Prepare
    const analysis = anAnalysis({
      windows: [aWindow({ statusCodes: { '200': 80, '504': 20 } })],
      alerts: [
        anAlert({
          statusCodes: { '504': 20 },
          causes: [
            aCause({ code: 504, id: '504.connect-timeout', score: 4, evidence: '18 of 20 504s waited 5.0 s' }),
            aCause({ code: 502, id: '502.backend-reset', score: 9 }),
          ],
        }),
      ],
    });

    // Act
    const model = buildReportModel(aReportInput(analysis));

    // Assess
    expect(model.loadBalancers[0]!.codes[0]!.causes.map((c) => c.id)).toEqual(['504.connect-timeout']);
  });

  it('rank members by errors summed over the windows, with (other) last', () => {
    // Prepare
    const analysis = anAnalysis({
      windows: [
        aWindow({
          index: 0,
          members: [aMember('10.0.0.1:80', 50, { '502': 5 }), aMember('(other)', 500, { '500': 90 })],
        }),
        aWindow({
          index: 1,
          members: [aMember('10.0.0.1:80', 50, { '502': 6, '404': 1 }), aMember('10.0.0.2:80', 50, { '503': 8 })],
        }),
        aWindow({ index: 1, loadBalancer: 'b', members: [aMember('10.0.0.1:80', 10, { '504': 100 })] }),
        aWindow({ index: 2, members: [aMember('10.0.0.3:80', 50, {})] }),
      ],
    });

    // Act
    const model = buildReportModel(aReportInput(analysis));

    // Assess
    const shop = model.loadBalancers.find((l) => l.name === 'shop-prod')!;
    expect(shop.members).toEqual([
      { member: '10.0.0.1:80', requests: 100, errors: { total: 12, '4xx': 1, '5xx': 11 } },
      { member: '10.0.0.2:80', requests: 50, errors: { total: 8, '4xx': 0, '5xx': 8 } },
      { member: '(other)', requests: 500, errors: { total: 90, '4xx': 0, '5xx': 90 } },
    ]);
    expect(model.overall.members.map((m) => [m.loadBalancer, m.member, m.errors.total])).toEqual([
      ['b', '10.0.0.1:80', 100],
      ['shop-prod', '10.0.0.1:80', 12],
      ['shop-prod', '10.0.0.2:80', 8],
      ['shop-prod', '(other)', 90],
    ]);
  });
});

describe('inputs and rules', () => {
  it('sum lines, records and rejects by reason, and list the inputs that failed', () => {
    // Prepare
    const analysis: AnalysisResult = anAnalysis({
      inputs: [
        anInput({ rejects: { 'bad-status': 2 } }),
        anInput({ path: 'b.log.gz', format: 'alb', rejects: { 'bad-status': 1, 'too-long': 4 }, rejected: 5 }),
        anInput({
          path: 'c.log.gz',
          format: null,
          lines: 3,
          records: 0,
          rejected: 0,
          rejects: {},
          error: 'gzip stream ended early',
        }),
      ],
    });

    // Act
    const model = buildReportModel(aReportInput(analysis));

    // Assess
    expect(model.inputs).toEqual({
      total: 3,
      failed: 1,
      lines: 203,
      records: 196,
      rejected: 7,
      rejectsByReason: { 'bad-status': 3, 'too-long': 4 },
      formats: { 'otc-elb': 1, alb: 1, unknown: 1 },
      failures: [{ path: 'c.log.gz', error: 'gzip stream ended early' }],
    });
    expect(model.rules.map((r) => r.id)).toEqual(['gateway-errors', 'client-errors']);
  });

  it('is plain, stable JSON: the same input gives the same model', () => {
    // Prepare
    const analysis = generateAnalysis(3, 48);

    // Act
    const first = JSON.stringify(buildReportModel(aReportInput(analysis)));
    const second = JSON.stringify(buildReportModel(aReportInput(structuredClone(analysis))));

    // Assess
    expect(second).toBe(first);
    expect(JSON.parse(first)).toEqual(buildReportModel(aReportInput(analysis)));
  });
});

describe('code ranking', () => {
  it('puts the codes that made a rule fire before more frequent ones', () => {
    // Prepare
    const analysis = anAnalysis({
      windows: [
        aWindow({ index: 0, statusCodes: { '200': 50, '404': 40, '504': 10 } }),
        aWindow({ index: 0, loadBalancer: 'b', statusCodes: { '200': 10, '404': 90 } }),
      ],
      alerts: [anAlert({ index: 0, statusCodes: { '504': 10 } })],
    });

    // Act
    const model = buildReportModel(aReportInput(analysis));

    // Assess
    expect(model.loadBalancers[0]!.codes.map((c) => [c.code, c.alerts])).toEqual([
      [504, 1],
      [404, 0],
    ]);
    expect(model.overall.codes.map((c) => [c.loadBalancer, c.code])).toEqual([
      ['shop-prod', 504],
      ['b', 404],
      ['shop-prod', 404],
    ]);
  });
});
