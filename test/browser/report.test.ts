// Opens generated reports in Debian's headless Chromium: nothing requested but the page, nothing executed,
// no console error, charts with the model's series and points, hostile log strings shown as text.
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/main.js';
import type { AnalysisResult } from '../../lib/model.js';
import { buildReportModel, type ReportInput, type ReportModel, renderReport } from '../../lib/report/index.js';
import { anAnalysis, aReportInput, generateAnalysis } from '../lib/report/factories.js';
import { HOSTILE_LB, HOSTILE_MEMBER, hostileAnalysis, SCRIPT } from '../lib/report/hostile.js';

const CHROMIUM = '/usr/bin/chromium';
const OUTPUT = join(import.meta.dirname, '..', 'output');
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(`report browser test skipped: ${CHROMIUM} not found (install it with: apt-get install -y chromium)`);
}

interface Visit {
  page: Page;
  url: string;
  requests: string[];
  consoleErrors: string[];
  pageErrors: string[];
  dialogs: string[];
}

// Runs in the page; the project compiles without DOM types, so the element is reached through its own window.
const bodyBackground = (body: {
  ownerDocument: { defaultView: { getComputedStyle(e: unknown): { backgroundColor: string } } | null };
}): string => body.ownerDocument.defaultView?.getComputedStyle(body).backgroundColor ?? '';

function writePage(name: string, input: ReportInput): string {
  mkdirSync(OUTPUT, { recursive: true });
  const file = join(OUTPUT, name);
  writeFileSync(file, renderReport(input, 'html'));
  return pathToFileURL(file).href;
}

function combined(...parts: AnalysisResult[]): AnalysisResult {
  return {
    inputs: parts.flatMap((p) => p.inputs),
    windows: parts.flatMap((p) => p.windows),
    alerts: parts.flatMap((p) => p.alerts),
    codes: parts.flatMap((p) => p.codes ?? []),
  };
}

describe.skipIf(!hasChromium)('report page in headless Chromium', () => {
  let browser: Browser;
  const input = aReportInput(combined(generateAnalysis(5, 288), hostileAnalysis()), { title: 'lbwatch summary' });
  const model: ReportModel = buildReportModel(input);

  async function visit(url: string, options: { colorScheme?: 'light' | 'dark' } = {}): Promise<Visit> {
    const page = await browser.newPage({
      viewport: { width: 1200, height: 900 },
      colorScheme: options.colorScheme ?? 'light',
    });
    const visit: Visit = { page, url, requests: [], consoleErrors: [], pageErrors: [], dialogs: [] };
    page.on('request', (r) => visit.requests.push(r.url()));
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') visit.consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => visit.pageErrors.push(e.message));
    page.on('dialog', (d) => {
      visit.dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(url, { waitUntil: 'load' });
    return visit;
  }

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('loads from a file URL with no request but the page, no console error and nothing executed', async () => {
    // Prepare
    const url = writePage('report.html', input);

    // Act
    const v = await visit(url);
    const scripts = await v.page.locator('script').count();
    const handlers = await v.page.$$eval(
      '*',
      (elements) => elements.filter((e) => [...e.attributes].some((a: { name: string }) => /^on/i.test(a.name))).length,
    );
    const title = await v.page.title();

    // Assess
    expect(v.requests).toEqual([url]);
    expect(v.consoleErrors).toEqual([]);
    expect(v.pageErrors).toEqual([]);
    expect(v.dialogs).toEqual([]);
    expect(scripts).toBe(0);
    expect(handlers).toBe(0);
    expect(title).toBe('lbwatch summary');
    await v.page.screenshot({ path: join(OUTPUT, 'report-light.png'), fullPage: true });
    await v.page.close();
  });

  it('draws the charts with the series and points of the model', async () => {
    // Prepare
    const v = await visit(writePage('report.html', input));

    // Act
    const charts = await v.page.$$eval('svg[data-chart]', (svgs) =>
      svgs.map((svg) => ({
        kind: svg.getAttribute('data-chart'),
        series: Number(svg.getAttribute('data-series')),
        paths: [...svg.querySelectorAll('path[data-series]')].map((p) => ({
          key: p.getAttribute('data-series'),
          points: Number(p.getAttribute('data-points')),
        })),
        markers: svg.querySelectorAll('.markers > g').length,
        width: svg.getBoundingClientRect().width,
      })),
    );

    // Assess
    const sections = [model.overall, ...model.loadBalancers];
    const timeCharts = charts.filter((c) => c.kind === 'timeseries');
    expect(timeCharts).toHaveLength(sections.length);
    timeCharts.forEach((chart, i) => {
      const withRate = sections[i]!.series.rate !== null;
      expect(chart.series).toBe(withRate ? 4 : 3);
      expect(chart.paths.map((p) => p.key)).toEqual(['requests', '5xx', '4xx', ...(withRate ? ['rate'] : [])]);
      for (const p of chart.paths) expect(p.points).toBe(sections[i]!.series.requests.length);
      expect(chart.width).toBeGreaterThan(600);
    });
    expect(timeCharts.slice(1).map((c) => c.markers)).toEqual(model.loadBalancers.map((l) => l.incidents.length));
    const sparklines = charts.filter((c) => c.kind === 'sparkline');
    expect(sparklines).toHaveLength(model.loadBalancers.length);
    for (const spark of sparklines) {
      expect(spark.paths.map((p) => p.key)).toEqual(['5xx', '4xx']);
      expect(spark.paths[0]!.points).toBe(Math.ceil(288 / Math.ceil(288 / 80)));
    }
    const barCharts = charts.filter((c) => c.kind === 'bars');
    expect(barCharts.map((c) => c.paths[0]!.points)).toEqual(
      sections.filter((s) => s.members.length > 0).map((s) => s.members.length),
    );
    await v.page.close();
  });

  it('shows hostile log-derived strings as text', async () => {
    // Prepare
    const v = await visit(writePage('report.html', input));

    // Act
    const text = await v.page.locator('body').textContent();
    const lbHeading = await v.page.locator('section.lb h2 .name').allTextContents();
    const svgText = await v.page.locator('svg text.row-label').allTextContents();

    // Assess
    expect(lbHeading.some((t) => t.startsWith(`lb${SCRIPT}"><img`))).toBe(true);
    expect(svgText.some((t) => t.startsWith(HOSTILE_MEMBER.slice(0, 30)))).toBe(true);
    expect(text).toContain('esc\\x1b[31mred\\x00nul\\x0d\\x0anewline\\u202eevil');
    expect(text).not.toContain('a'.repeat(1000));
    expect(await v.page.locator('img').count()).toBe(0);
    expect(v.dialogs).toEqual([]);
    expect(model.loadBalancers.some((l) => l.name === HOSTILE_LB)).toBe(true);
    await v.page.close();
  });

  it('reads in the dark scheme and in print without errors', async () => {
    // Prepare
    const url = writePage('report.html', input);

    // Act
    const dark = await visit(url, { colorScheme: 'dark' });
    const background = await dark.page.$eval('body', bodyBackground);
    await dark.page.screenshot({ path: join(OUTPUT, 'report-dark.png'), fullPage: true });
    await dark.page.emulateMedia({ media: 'print' });
    const printBackground = await dark.page.$eval('body', bodyBackground);
    const pdf = await dark.page.pdf({ format: 'A4' });

    // Assess
    expect(background).toBe('rgb(14, 17, 22)');
    expect(printBackground).toBe('rgb(255, 255, 255)');
    expect(pdf.subarray(0, 4).toString()).toBe('%PDF');
    expect(dark.consoleErrors).toEqual([]);
    expect(dark.requests).toEqual([url]);
    await dark.page.close();
  });

  it('shows "No data for this period" for an empty period', async () => {
    // Prepare
    const url = writePage('report-empty.html', aReportInput(anAnalysis()));

    // Act
    const v = await visit(url);

    // Assess
    await expect(v.page.locator('[data-empty]').textContent()).resolves.toContain('No data for this period');
    expect(await v.page.locator('svg[data-chart]').count()).toBe(0);
    expect(v.consoleErrors).toEqual([]);
    await v.page.screenshot({ path: join(OUTPUT, 'report-empty.png'), fullPage: true });
    await v.page.close();
  });
});

/** What the layout check reads in the page: page width, and each table's and chart's box and scroll container. */
interface Layout {
  innerWidth: number;
  scrollWidth: number;
  boxes: {
    kind: string;
    name: string;
    left: number;
    right: number;
    scroller: { left: number; right: number } | null;
  }[];
  causes: { left: number; right: number; width: number }[];
}

// Runs in the page as a string: the project compiles without DOM types.
const MEASURE_LAYOUT = `(() => {
  const scrollerOf = (el) => {
    for (let p = el.parentElement; p !== null && p !== document.body; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === 'auto' || o === 'scroll') { const r = p.getBoundingClientRect(); return { left: r.left, right: r.right }; }
    }
    return null;
  };
  const box = (kind) => (el) => {
    const r = el.getBoundingClientRect();
    return { kind, name: el.getAttribute('data-table') || el.getAttribute('data-chart') || '', left: r.left, right: r.right, scroller: scrollerOf(el) };
  };
  return {
    innerWidth: window.innerWidth,
    scrollWidth: document.documentElement.scrollWidth,
    boxes: [...[...document.querySelectorAll('table')].map(box('table')), ...[...document.querySelectorAll('svg.chart')].map(box('chart'))],
    causes: [...document.querySelectorAll('#incidents td.cause')].map((td) => {
      const r = td.getBoundingClientRect();
      return { left: r.left, right: r.right, width: r.width };
    }),
  };
})()`;

const WIDTHS = [375, 700, 1400] as const;

describe.skipIf(!hasChromium)('report page at phone, narrow-window and desktop widths', () => {
  let browser: Browser;
  const shots = mkdtempSync(join(tmpdir(), 'lbwatch-report-widths-'));
  const pages: Record<string, string> = {};

  beforeAll(async () => {
    // Prepare: the report of the bundled examples (long OTC load-balancer ids, five load balancers, nine
    // incidents) and a generated one with hostile, very long log-derived strings.
    const examples = join(shots, 'examples.html');
    const code = await runCli(
      ['report', join(import.meta.dirname, '..', '..', 'examples', 'logs'), '--out', examples],
      {
        stdout: new PassThrough(),
        stderr: new PassThrough(),
      },
    );
    expect(code).toBe(0);
    pages.examples = pathToFileURL(examples).href;
    const generated = join(shots, 'generated.html');
    writeFileSync(generated, renderReport(aReportInput(combined(generateAnalysis(5, 288), hostileAnalysis())), 'html'));
    pages.generated = pathToFileURL(generated).href;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run'],
    });
    console.info(`report width screenshots: ${shots}`);
  });

  afterAll(async () => {
    await browser?.close();
  });

  for (const width of WIDTHS) {
    for (const name of ['examples', 'generated']) {
      it(`${name} at ${width} px: no page-wide horizontal scroll, every table and chart fits or scrolls in its own box`, async () => {
        // Prepare
        const page = await browser.newPage({ viewport: { width, height: 900 } });
        const requests: string[] = [];
        page.on('request', (r) => requests.push(r.url()));

        // Act
        await page.goto(pages[name]!, { waitUntil: 'load' });
        const layout = (await page.evaluate(MEASURE_LAYOUT)) as Layout;
        await page.screenshot({ path: join(shots, `${name}-${width}.png`), fullPage: true });

        // Assess
        expect(requests).toEqual([pages[name]]);
        expect(layout.innerWidth).toBe(width);
        expect(layout.scrollWidth).toBeLessThanOrEqual(layout.innerWidth);
        expect(layout.boxes.filter((b) => b.kind === 'table').length).toBeGreaterThan(3);
        for (const b of layout.boxes) {
          const fits = b.left >= 0 && b.right <= layout.innerWidth + 0.5;
          const scrollsInItsBox =
            b.scroller !== null && b.scroller.left >= 0 && b.scroller.right <= layout.innerWidth + 0.5;
          expect(fits || scrollsInItsBox, `${b.kind} ${b.name} at ${width} px: ${b.left}..${b.right}`).toBe(true);
        }
        // The incidents table's cause column is on screen, wide enough to read.
        expect(layout.causes.length).toBeGreaterThan(0);
        for (const c of layout.causes) {
          expect(c.left).toBeGreaterThanOrEqual(0);
          expect(c.right).toBeLessThanOrEqual(layout.innerWidth);
          expect(c.width).toBeGreaterThanOrEqual(Math.min(250, width - 60));
        }
        await page.close();
      });
    }
  }
});
