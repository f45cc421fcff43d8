import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import {
  buildReportModel,
  cleanText,
  escapeHtml,
  markdownCode,
  markdownText,
  type ReportModel,
  renderReport,
} from '../../../lib/report/index.js';
import { anAnalysis, aReportInput, at, generateAnalysis, RULES } from './factories.js';
import { HOSTILE_LB, hostileAnalysis } from './hostile.js';

// Control characters other than the page's own newlines.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the test looks for control characters.
const CONTROL_CHARS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/;

describe('escaping', () => {
  it('makes control and bidi characters visible and cuts long values with an ellipsis', () => {
    expect(cleanText('a\nb\u0000c\u202e')).toBe('a\\x0ab\\x00c\\u202e');
    expect(cleanText('x'.repeat(10), 5)).toBe('xxxx…');
    expect(Array.from(cleanText('😀'.repeat(10), 3))).toEqual(['😀', '😀', '…']);
  });

  it('escapes every HTML special character', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });

  it('escapes Markdown prose and keeps code spans inside one table cell', () => {
    expect(markdownText('a|b `c` [d](e) <f> *g* _h_ ~i~ &amp;')).toBe(
      'a\\|b \\`c\\` \\[d\\](e) \\<f\\> \\*g\\* \\_h\\_ \\~i\\~ \\&amp;',
    );
    expect(markdownText('see http://evil.example/x or www.evil.example (10.0.0.1:80)')).toBe(
      'see http:\\/\\/evil.example/x or www\\.evil.example (10.0.0.1:80)',
    );
    expect(markdownCode('a|b')).toBe('`a\\|b`');
    expect(markdownCode('x`y')).toBe('``x`y``');
  });
});

describe('renderReport html', () => {
  it('shows hostile log-derived strings as text: no tag, attribute or control character gets through', () => {
    // Prepare
    const input = aReportInput(hostileAnalysis(), { title: `<script>t</script>`, period: { from: at(0), to: at(12) } });

    // Act
    const html = renderReport(input, 'html');

    // Assess
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toMatch(/<b>/);
    expect(html).not.toMatch(CONTROL_CHARS);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('\\x1b[31mred\\x00nul\\x0d\\x0anewline\\u202eevil');
    expect(html).not.toContain('a'.repeat(1000));
    expect(html).toContain('…');
    // Every attribute value stays quoted and closed: no quote from the data ends one early.
    expect(html).not.toMatch(/<[a-z][^>]*\son[a-z]+=/i);
    expect(html).toContain('onerror=&quot;document.title=&#39;pwned&#39;&quot;');
  });

  it('is one self-contained page: no script, no external URL, a strict content security policy', () => {
    // Act
    const html = renderReport(aReportInput(generateAnalysis(2, 288)), 'html');

    // Assess
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|url\(|@import/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i);
    expect(html).toContain("default-src 'none'");
    expect(html).toContain('prefers-color-scheme:dark');
    expect(html).toContain('@media print');
  });

  it('draws one time chart per section with three series of one point per window, and marks incidents', () => {
    // Prepare
    const input = aReportInput(generateAnalysis(3, 288));
    const model = buildReportModel(input);

    // Act
    const html = renderReport(input, 'html');

    // Assess
    const charts = [...html.matchAll(/<svg [^>]*data-chart="timeseries"[^>]*>/g)].map((m) => m[0]);
    expect(charts).toHaveLength(1 + model.loadBalancers.length);
    const sections = [model.overall, ...model.loadBalancers];
    charts.forEach((chart, i) => {
      // Requests, 5xx and 4xx, and the rate line of the rule that fired where one did.
      expect(chart).toContain(`data-series="${sections[i]!.series.rate === null ? 3 : 4}"`);
      expect(chart).toContain('data-points="288"');
    });
    expect(html.match(/data-chart="sparkline"/g)).toHaveLength(model.loadBalancers.length);
    const lbIncidents = model.loadBalancers.map((l) => l.incidents.length);
    const markers = charts.slice(1).map((c) => Number(/data-markers="(\d+)"/.exec(c)?.[1]));
    expect(markers).toEqual(lbIncidents);
    expect(html.match(/<tr data-incident>/g)?.length).toBe(
      model.overall.incidents.length + lbIncidents.reduce((a, b) => a + b, 0),
    );
  });

  it('renders "no data for this period" when the period is empty', () => {
    // Act
    const html = renderReport(aReportInput(anAnalysis()), 'html');

    // Assess
    expect(html).toContain('No data for this period');
    expect(html).not.toContain('data-chart');
    expect(html).toContain('Rules in force');
  });

  it('renders a day of 5-minute windows for 20 load balancers under 2 MB', () => {
    // Prepare
    const input = aReportInput(generateAnalysis(20, 288));

    // Act
    const times: number[] = [];
    let html = '';
    for (let run = 0; run < 5; run++) {
      const started = performance.now();
      html = renderReport(input, 'html');
      times.push(performance.now() - started);
    }

    // Assess
    const median = [...times].sort((a, b) => a - b)[2]!;
    const bytes = Buffer.byteLength(html);
    console.info(
      `report: 20 LBs x 288 windows: ${(bytes / 1024).toFixed(0)} KiB html, median render ${median.toFixed(0)} ms`,
    );
    expect(bytes).toBeLessThan(2 * 1024 * 1024);
    expect(median).toBeLessThan(3000);
  });
});

describe('renderReport md and json', () => {
  it('escapes hostile strings in Markdown so no row gains a cell and no HTML or link appears', () => {
    // Act
    const md = renderReport(aReportInput(hostileAnalysis()), 'md');

    // Assess
    expect(md).not.toMatch(CONTROL_CHARS);
    // Code spans are literal; outside them, every markup character carries a backslash.
    const prose = md.replace(/(`+)[^`].*?\1/g, '');
    expect(md).toContain('`lb<script>alert(1)</script>');
    expect(prose).not.toMatch(/(^|[^\\])<(script|img|b)/);
    expect(prose).not.toMatch(/(^|[^\\])\[link\]/);
    const unescapedPipes = (line: string) => line.replace(/\\\|/g, '').split('|').length - 1;
    for (const line of md.split('\n').filter((l) => l.startsWith('| '))) {
      const header = line.includes('Severity') || line.includes('---') ? null : line;
      if (header === null) continue;
      expect([8, 7]).toContain(unescapedPipes(line));
    }
  });

  it('renders the headline table, incidents and top codes with causes', () => {
    // Prepare
    const input = aReportInput(generateAnalysis(2, 48));

    // Act
    const md = renderReport(input, 'md');

    // Assess
    expect(md).toContain('| Load balancer | Requests | 5xx | 4xx | Errors LB / backend | Alerts | Incidents |');
    expect(md).toContain('## Incidents');
    expect(md).toMatch(/### 502 Bad Gateway on `elb-shop-0`/);
    expect(md).toMatch(/1\. `502.backend-reset` /);
  });

  it('prints the model as JSON, the same figures as buildReportModel', () => {
    // Prepare
    const input = aReportInput(generateAnalysis(2, 24), { rules: RULES });

    // Act
    const json = JSON.parse(renderReport(input, 'json')) as ReportModel;

    // Assess
    expect(json).toEqual(buildReportModel(input));
    expect(json.loadBalancers.map((l) => l.name)).toContain('elb-shop-0');
  });

  it('keeps a hostile load balancer name as data in the JSON model (escaping is for display)', () => {
    const json = JSON.parse(renderReport(aReportInput(hostileAnalysis()), 'json')) as ReportModel;
    expect(json.loadBalancers[0]!.name).toBe(HOSTILE_LB);
  });
});
