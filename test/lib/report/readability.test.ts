// What the report says and draws for a reader: gaps for missing logs, units and rates on the charts, labelled
// incident bands with their length, whole evidence sentences, figures that reconcile with the records read, and
// wording without "0 of", "1 windows" or numbers in two styles.
import { describe, expect, it } from 'vitest';
import type { Alert, Incident as AnalysisIncident, WindowSummary } from '../../../lib/model.js';
import { errorWithoutPath, formatDuration, groupDigits, plural, recordsText } from '../../../lib/report/format.js';
import {
  buildReportModel,
  renderHtml,
  renderMarkdown,
  renderReport,
  withRecordsWithoutStatus,
} from '../../../lib/report/index.js';
import { timeSeriesChart } from '../../../lib/report/svg.js';
import { aCause, anAlert, anAnalysis, anInput, aReportInput, at, aWindow, T0, WINDOW_MS } from './factories.js';

/** The text of an HTML page or fragment without its tags (entities left as they are). */
const textOf = (html: string): string => html.replace(/<style>[\s\S]*?<\/style>/g, '').replace(/<[^>]+>/g, ' ');

/** Bare counts of four or more digits without thousands separators, the way the old evidence printed them. */
const UNGROUPED = /(?<![\w.,:/@#%+-])\d{4,}(?![\w,:/%-]|\.\d)/;

/** A day of 5-minute windows of which only the first four hours (48 windows) have logs. */
function dayWithTwentyHoursMissing(): WindowSummary[] {
  return Array.from({ length: 48 }, (_, index) => aWindow({ index, requests: 100 }));
}

describe('format helpers', () => {
  it.each([
    [300_000, '5 min'],
    [900_000, '15 min'],
    [3_600_000, '1 h'],
    [3_900_000, '1 h 5 min'],
    [65_000, '1 min 5 s'],
    [86_400_000, '1 d'],
    [90_000_000, '1 d 1 h'],
    [72_000_000, '20 h'],
  ])('formatDuration(%d) is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('groups bare counts in sentences and leaves addresses, ports, times, dates and ids alone', () => {
    expect(groupDigits('16053 requests got a backend answer; 5134 other requests.')).toBe(
      '16,053 requests got a backend answer; 5,134 other requests.',
    );
    const untouched = 'member 10.0.1.14:8080 at 2026-06-16T05:40 on i-0abc12345 path /v1/items/123456 (median 5.0 s)';
    expect(groupDigits(untouched)).toBe(untouched);
    expect(groupDigits('999 of 1200')).toBe('999 of 1,200');
  });

  it('says one thing once: singular for one, and the path left out of an error printed beside it', () => {
    expect([plural(1, 'window'), plural(2, 'window'), plural(12345, 'line')]).toEqual([
      '1 window',
      '2 windows',
      '12,345 lines',
    ]);
    expect(errorWithoutPath('logs/a.gz', 'logs/a.gz: gzip stream is truncated')).toBe('gzip stream is truncated');
    expect(errorWithoutPath('logs/a.gz', 'read error')).toBe('read error');
  });
});

describe('missing data', () => {
  it('leaves buckets without windows null, and keeps a window with 0 requests as 0', () => {
    // Prepare
    const analysis = anAnalysis({
      windows: [aWindow({ index: 0 }), aWindow({ index: 1, requests: 0, statusCodes: {} }), aWindow({ index: 3 })],
    });

    // Act
    const model = buildReportModel(aReportInput(analysis, { period: { from: at(0), to: at(5) } }));

    // Assess
    expect(model.overall.series.requests).toEqual([100, 0, null, 100, null]);
    expect(model.overall.series['5xx']).toEqual([0, 0, null, 0, null]);
    expect(model.loadBalancers[0]!.series.requests).toEqual([100, 0, null, 100, null]);
  });

  it('draws a day with 20 hours without logs as a gap with a "no data" shade, never as a flat zero', () => {
    // Prepare
    const input = aReportInput(anAnalysis({ windows: dayWithTwentyHoursMissing() }));

    // Act
    const html = renderReport(input, 'html');
    const md = renderReport(input, 'md');

    // Assess
    const chart = /<svg [^>]*data-chart="timeseries"[^>]*>[\s\S]*?<\/svg>/.exec(html)![0];
    expect(chart).toContain('data-gaps="1"');
    expect(chart).toContain('>no data</text>');
    // The requests area is one run of 48 points: nothing is drawn from 04:00 to midnight.
    const area = /<path class="s-req" data-series="requests"[^>]* d="([^"]*)"/.exec(chart)![1]!;
    expect(area.match(/M/g)).toHaveLength(1);
    expect(area.split('L')).toHaveLength(96);
    expect(html).toContain('No logs for 20 h of the 1 d shown');
    expect(md).toContain('No logs for 20 h of the 1 d period');
  });
});

describe('charts', () => {
  const incidentAlerts = [3, 4, 5].map((index) =>
    anAlert({ index, requests: 200, matched: 30, rate: 0.15, statusCodes: { '502': 30 } }),
  );
  const windows = Array.from({ length: 12 }, (_, index) =>
    aWindow({
      index,
      requests: 200,
      statusCodes: index >= 3 && index <= 5 ? { '200': 170, '502': 30 } : { '200': 196, '404': 4 },
      lbGenerated: index >= 3 && index <= 5 ? { '502': 30 } : {},
    }),
  );
  const input = aReportInput(anAnalysis({ windows, alerts: incidentAlerts }), {
    period: { from: at(0), to: at(12) },
  });

  it('takes the rate line from the rate rule that fired most: matched over requests, with its threshold', () => {
    // Act
    const model = buildReportModel(input);

    // Assess
    const rate = model.loadBalancers[0]!.series.rate;
    expect(rate?.rule).toBe('gateway-errors');
    expect(rate?.threshold).toBe(0.05);
    expect(rate?.values).toEqual([0, 0, 0, 0.15, 0.15, 0.15, 0, 0, 0, 0, 0, 0]);
    expect(buildReportModel(aReportInput(anAnalysis({ windows }))).overall.series.rate).toBeNull();
  });

  it('writes the unit on every y-axis, the rate on its own axis in %, and labels incident bands in text', () => {
    // Act
    const html = renderHtml(buildReportModel(input));

    // Assess
    const units = [...html.matchAll(/<text class="panel-label"[^>]*data-unit>([^<]*)</g)].map((m) => m[1]);
    expect(units).toEqual(['requests per 5 min', 'errors per 5 min', 'requests per 5 min', 'errors per 5 min']);
    expect(html).toMatch(/class="tick rate-tick"[^>]*>20%</);
    expect(html).toContain('gateway-errors rate (% of requests, right axis)');
    expect(html).toMatch(/<line class="threshold"/);
    const labels = [...html.matchAll(/<text class="marker-label"[^>]*>([^<]*)</g)].map((m) => m[1]);
    expect(labels).toEqual(['1 gateway-errors', '1 gateway-errors']);
    // Under each chart, the bands in words: time, length, load balancer and rule.
    expect(html).toContain('2024-05-01 00:15–00:30 UTC (15 min) · shop-prod: gateway-errors (critical)');
    expect(html).toMatch(/<strong data-duration>15 min<\/strong>/);
  });

  it('says the real window in the units of a one-minute report', () => {
    // Prepare
    const minute = 60_000;
    const oneMinute = aReportInput(anAnalysis({ windows: [aWindow({ start: at(0, minute), end: at(1, minute) })] }), {
      windowMs: minute,
      period: { from: at(0, minute), to: at(10, minute) },
    });

    // Act
    const html = renderReport(oneMinute, 'html');

    // Assess
    expect(html).toContain('>requests per 1 min<');
    expect(html).toContain('>errors per 1 min<');
  });

  it('moves a band label that would overlap its neighbour to a second row or shortens it to its number', () => {
    // Act
    const svg = timeSeriesChart({
      id: 't',
      title: 't',
      description: 'd',
      startMs: T0,
      stepMs: WINDOW_MS,
      points: 100,
      panels: [{ label: 'Requests', unit: 'requests per 5 min', kind: 'area', height: 60, series: [] }],
      markers: [0, 2, 4].map((i) => ({
        startMs: T0 + i * WINDOW_MS,
        endMs: T0 + (i + 1) * WINDOW_MS,
        className: 'sev-critical',
        label: `${i / 2 + 1} gateway-errors`,
        title: 't',
      })),
    });

    // Assess
    const labels = [...svg.matchAll(/<text class="marker-label" x="([\d.]+)" y="([\d.]+)">([^<]*)</g)].map((m) => ({
      x: Number(m[1]),
      y: Number(m[2]),
      text: m[3],
    }));
    expect(labels.map((l) => l.text)).toEqual(['1 gateway-errors', '2 gateway-errors', '3']);
    expect(new Set(labels.map((l) => l.y)).size).toBe(2);
  });
});

describe('evidence and wording', () => {
  const longEvidence = `all 267 502s got no backend connection, 267 of them failing within 2.5 s; ${'sent to member 10.0.1.14:8080, which answered 5134 other requests normally; '.repeat(6)}end of the evidence`;

  it('prints an evidence sentence whole in HTML and Markdown, wrapped rather than cut, with grouped counts', () => {
    // Prepare
    const alerts = [anAlert({ index: 1, causes: [aCause({ evidence: longEvidence })] })];
    const input = aReportInput(anAnalysis({ windows: [aWindow({ index: 1 })], alerts }));

    // Act
    const html = renderReport(input, 'html');
    const md = renderReport(input, 'md');

    // Assess
    expect(longEvidence.length).toBeGreaterThan(500);
    expect(textOf(html)).toContain('end of the evidence');
    expect(md).toContain('end of the evidence');
    expect(html).toContain('answered 5,134 other requests');
    expect(textOf(html)).not.toMatch(UNGROUPED);
    expect(md).not.toMatch(UNGROUPED);
  });

  it('reconciles the records read with the requests: HTTP requests plus TCP connections without a status', () => {
    // Prepare
    const analysis = anAnalysis({
      inputs: [anInput({ format: 'clb', lines: 70_091, records: 70_089, rejected: 2 })],
      windows: [
        aWindow({ index: 0, loadBalancer: 'legacy-admin', requests: 40_000, withoutStatus: 50 }),
        aWindow({ index: 1, loadBalancer: 'legacy-admin', requests: 30_009, withoutStatus: 30 }),
      ],
    });

    // Act
    const model = buildReportModel(aReportInput(analysis));
    const html = renderHtml(model);
    const md = renderMarkdown(model);

    // Assess
    expect(model.overall.headline.withoutStatus).toBe(80);
    expect(model.loadBalancers[0]!.headline.withoutStatus).toBe(80);
    const split = '70,009 HTTP requests + 80 TCP connections without an HTTP status';
    expect(recordsText(model.inputs, model.overall.headline)).toBe(split);
    expect(html).toContain(`<div class="s" data-records>${split}</div>`);
    expect(md).toContain(`70,089 records: ${split}`);
    expect(html).toContain('2 windows with data, plus 80 TCP connections without an HTTP status');
  });

  it('copies the count of records without a status from the window aggregates onto the analysis windows', () => {
    // Prepare
    const analysis = anAnalysis({ windows: [aWindow({ index: 0 }), aWindow({ index: 1 })] });

    // Act
    const withCounts = withRecordsWithoutStatus(analysis, [
      { loadBalancer: 'shop-prod', start: Date.parse(at(1)), withoutStatus: 7 },
      { loadBalancer: 'other', start: Date.parse(at(0)), withoutStatus: 9 },
    ]);

    // Assess
    expect(withCounts.windows.map((w) => w.withoutStatus)).toEqual([undefined, 7]);
    expect(analysis.windows[1]!.withoutStatus).toBeUndefined();
  });

  it('says every input was read on a "Failed 0" card, and prints a failed input\'s path once', () => {
    // Prepare
    const clean = aReportInput(anAnalysis({ windows: [aWindow()] }));
    const broken = aReportInput(
      anAnalysis({
        windows: [aWindow()],
        inputs: [
          anInput({
            path: 'logs/cut.log.gz',
            error: 'logs/cut.log.gz: gzip stream is truncated',
            records: 1,
            lines: 1,
          }),
        ],
      }),
    );

    // Act
    const cleanHtml = renderReport(clean, 'html');
    const brokenHtml = renderReport(broken, 'html');
    const brokenMd = renderReport(broken, 'md');

    // Assess
    expect(cleanHtml).toContain('every input was read to the end');
    expect(cleanHtml).not.toContain('stopped early');
    expect(brokenHtml).toContain('input that stopped early');
    expect(textOf(brokenHtml).match(/logs\/cut\.log\.gz/g)).toHaveLength(1);
    expect(brokenMd.match(/logs\/cut\.log\.gz/g)).toHaveLength(1);
    expect(brokenMd).toContain('1 input, 1 of them stopped early; 1 line; 1 record');
    expect(renderReport(clean, 'md')).toContain('1 input, all read to the end');
  });

  it('names who generated a code without "0 by the load balancer"', () => {
    // Prepare
    const windows = [
      aWindow({ index: 0, statusCodes: { '200': 90, '500': 10 }, lbGenerated: {} }),
      aWindow({ index: 1, statusCodes: { '200': 90, '503': 10 }, lbGenerated: { '503': 10 } }),
    ];

    // Act
    const md = renderReport(aReportInput(anAnalysis({ windows })), 'md');

    // Assess
    expect(md).toContain('10 responses, all returned by backends');
    expect(md).toContain('10 responses, all generated by the load balancer');
    expect(md).not.toMatch(/\b0 by the load balancer/);
  });
});

describe('incidents from the analysis', () => {
  const fired = (index: number): Alert => anAlert({ index, statusCodes: { '502': 10 } });
  const anIncident = (overrides: Partial<AnalysisIncident> = {}): AnalysisIncident => ({
    id: 'lbw-1',
    loadBalancer: 'shop-prod',
    rule: 'gateway-errors',
    severity: 'critical',
    start: at(2),
    end: at(5),
    lastFiring: at(4),
    windows: 2,
    peak: { windowStart: at(3), rate: 0.3, matched: 30, requests: 100 },
    requests: 200,
    matched: 40,
    statusCodes: { '502': 40 },
    causes: [
      aCause({ id: '502.backend-port', evidence: 'in the 2 windows 00:10–00:25: port', score: 4 }),
      aCause({ id: '502.backend-reset', evidence: 'reset', score: 2 }),
    ],
    silenced: false,
    ...overrides,
  });
  const windows = Array.from({ length: 12 }, (_, index) =>
    aWindow({ index, statusCodes: { '200': 80, '502': 10, '404': 10 }, lbGenerated: { '502': 10 } }),
  );
  const codes = [
    // The period ranking names another top cause for 502: the report must not show it beside the incident's.
    {
      loadBalancer: 'shop-prod',
      code: 502,
      count: 120,
      lbGenerated: 120,
      causes: [aCause({ id: '502.backend-reset' })],
    },
    {
      loadBalancer: 'shop-prod',
      code: 404,
      count: 120,
      lbGenerated: 0,
      causes: [aCause({ code: 404, id: '404.backend-app-missing', evidence: '120 404s from the backends' })],
    },
  ];

  it('lists the incidents of the analysis once each, with their ids, open state and causes as ranked', () => {
    // Prepare
    const analysis = anAnalysis({
      windows,
      alerts: [fired(2), fired(4), fired(9)],
      incidents: [anIncident(), anIncident({ id: 'lbw-2', start: at(9), end: null, lastFiring: at(9), windows: 1 })],
      codes,
    });

    // Act
    const model = buildReportModel(aReportInput(analysis, { period: { from: at(0), to: at(12) } }));

    // Assess
    const incidents = model.overall.incidents;
    expect(incidents.map((i) => [i.id, i.start, i.end, i.open, i.windows])).toEqual([
      ['lbw-1', at(2), at(5), false, 2],
      ['lbw-2', at(9), at(10), true, 1],
    ]);
    expect(incidents[0]!.causes.map((c) => c.id)).toEqual(['502.backend-port', '502.backend-reset']);
    expect(incidents[0]!.peak).toEqual({ start: at(3), end: at(4), rate: 0.3, matched: 30, requests: 100 });
    expect(model.overall.headline.incidents).toBe(2);
    expect(model.loadBalancers[0]!.headline.incidents).toBe(2);
  });

  it('gives a code the causes of its incident, never another top cause, and calls the rest background', () => {
    // Prepare
    const analysis = anAnalysis({ windows, alerts: [fired(2), fired(4)], incidents: [anIncident()], codes });

    // Act
    const model = buildReportModel(aReportInput(analysis, { period: { from: at(0), to: at(12) } }));
    const md = renderMarkdown(model);
    const html = renderHtml(model);

    // Assess
    const c502 = model.overall.codes.find((c) => c.code === 502)!;
    expect(c502.causeScope).toEqual({ kind: 'incident', rule: 'gateway-errors', start: at(2), end: at(5) });
    expect(c502.causes[0]!.id).toBe(model.overall.incidents[0]!.causes[0]!.id);
    expect(c502.inIncidents).toBe(40);
    const c404 = model.overall.codes.find((c) => c.code === 404)!;
    expect(c404.causeScope).toEqual({ kind: 'background', from: at(0), to: at(12) });
    expect(c404.causes[0]!.id).toBe('404.backend-app-missing');
    expect(md).toContain('Causes as ranked for the incident 2024-05-01 00:10–00:25 UTC (15 min, gateway-errors).');
    expect(md).toContain('80 responses outside incidents (background, not ranked apart).');
    expect(md).toContain('Background: no incident matched this code; causes ranked over 2024-05-01 00:00–01:00 UTC.');
    // 502.backend-reset is the period's top 502 cause; it appears only as the incident's second cause.
    expect(md).not.toMatch(/^1\. `502\.backend-reset`/m);
    expect(html).toContain('data-scope="incident"');
    expect(html).toContain('data-scope="background"');
  });

  it('leaves incidents outside the period out', () => {
    // Prepare
    const analysis = anAnalysis({
      windows,
      incidents: [anIncident(), anIncident({ id: 'late', start: at(20), end: at(21), lastFiring: at(20) })],
    });

    // Act
    const model = buildReportModel(aReportInput(analysis, { period: { from: at(0), to: at(12) } }));

    // Assess
    expect(model.overall.incidents.map((i) => i.id)).toEqual(['lbw-1']);
  });
});
