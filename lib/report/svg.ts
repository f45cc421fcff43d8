/**
 * A small server-side SVG chart module for reports: no browser, no script, no external resource, so a page
 * works from disk, from a bucket or as an email attachment. Colours are CSS classes the page styles (light,
 * dark and print), and each chart carries `data-*` attributes (chart kind, series, points) that tests count.
 * Every text that reaches the SVG goes through `htmlText`.
 */
import { htmlText } from './escape.js';

/** One stacked series; `values[i]` belongs to time bucket or row `i`; null means no data (drawn as a gap). */
export interface ChartSeries {
  key: string;
  label: string;
  /** CSS class that colours it (fill for bars and areas, stroke for lines). */
  className: string;
  values: readonly (number | null)[];
}

export interface ChartPanel {
  label: string;
  /** What the left axis counts, e.g. "requests per 5 min"; written on the axis. */
  unit: string;
  kind: 'area' | 'bars';
  height: number;
  /** Stacked bottom to top in this order. */
  series: readonly ChartSeries[];
  /** A share of requests (0..1) drawn as a line on this panel's own right-hand axis in %. */
  rate?: RateLine;
}

/** A rate drawn as a line over a panel, with the threshold a rule fires at. */
export interface RateLine {
  key: string;
  label: string;
  className: string;
  values: readonly (number | null)[];
  /** Drawn as a dashed line; null for none. */
  threshold: number | null;
}

/** A shaded time range across every panel, e.g. an incident. */
export interface ChartMarker {
  startMs: number;
  endMs: number;
  className: string;
  /** Written above the band (e.g. "1" or "1 gateway-errors"); shortened to its first word where space is short. */
  label: string;
  title: string;
}

export interface TimeChartOptions {
  id: string;
  title: string;
  description: string;
  startMs: number;
  stepMs: number;
  points: number;
  panels: readonly ChartPanel[];
  markers: readonly ChartMarker[];
  width?: number;
}

/** Default drawing width of the charts (viewBox units); the page scales them to its column. */
export const CHART_WIDTH = 880;
const LEFT = 52;
const RIGHT = 14;
const RIGHT_WITH_RATE = 46;
const LEGEND_ROW = 22;
const LABEL_ROW = 13;
const PANEL_GAP = 26;
const AXIS = 34;
/** Width of a character of chart text (13 px system font), for layout estimates. */
const CHAR_W = 7.4;
/** The same for the bold marker labels, with room to spare: two labels must never touch. */
const LABEL_CHAR_W = 8.2;
const LABEL_GAP = 8;

const r1 = (v: number): string => {
  const rounded = Math.round(v * 10) / 10;
  return Number.isInteger(rounded) ? String(rounded) : rounded.toFixed(1);
};

/** The smallest 1, 2, 2.5 or 5 times a power of ten that is at least `v`, so axis labels read cleanly. */
export function niceCeiling(v: number): number {
  if (!(v > 0)) return 1;
  const exp = 10 ** Math.floor(Math.log10(v));
  for (const f of [1, 2, 2.5, 5, 10]) if (f * exp >= v) return f * exp;
  return 10 * exp;
}

/** 950, 1.2k, 12k, 3.4M: short enough for an axis. */
export function compactNumber(v: number): string {
  const abs = Math.abs(v);
  const scaled = (d: number, suffix: string): string => {
    const x = v / d;
    return `${Math.abs(x) < 100 ? String(Number(x.toFixed(2))) : Math.round(x)}${suffix}`;
  };
  if (abs >= 1e9) return scaled(1e9, 'G');
  if (abs >= 1e6) return scaled(1e6, 'M');
  if (abs >= 1e3) return scaled(1e3, 'k');
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

/** A share as an axis label: 0.05 -> "5%", 0.025 -> "2.5%". */
export function percentLabel(share: number): string {
  const pct = share * 100;
  return `${Number.isInteger(pct) ? pct : Number(pct.toFixed(pct < 1 ? 2 : 1))}%`;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const TICK_STEPS = [
  MINUTE,
  2 * MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
  2 * DAY,
  7 * DAY,
  14 * DAY,
  30 * DAY,
];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function timeTicks(startMs: number, endMs: number, maxTicks: number): number[] {
  const span = Math.max(1, endMs - startMs);
  const step = TICK_STEPS.find((s) => span / s <= maxTicks) ?? 30 * DAY;
  const ticks: number[] = [];
  for (let t = Math.ceil(startMs / step) * step; t <= endMs; t += step) ticks.push(t);
  return ticks;
}

const pad2 = (n: number): string => String(n).padStart(2, '0');
const hhmm = (d: Date): string => `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}`;
const day = (d: Date): string => `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}`;

interface LegendItem {
  label: string;
  className: string;
  line?: boolean;
}

function legend(series: readonly LegendItem[], right: number, y: number): string {
  // Laid out right to left from the chart's right edge.
  let x = right;
  const items: string[] = [];
  for (const s of [...series].reverse()) {
    const w = 16 + s.label.length * CHAR_W;
    x -= w;
    const key = s.line
      ? `<line class="${s.className}" x1="${r1(x - 2)}" x2="${r1(x + 11)}" y1="${y - 3}" y2="${y - 3}"/>`
      : `<rect class="${s.className}" x="${r1(x)}" y="${y - 8}" width="10" height="10" rx="2"/>`;
    items.push(`${key}<text class="legend" x="${r1(x + 14)}" y="${y + 1}">${htmlText(s.label)}</text>`);
    x -= 10;
  }
  return `<g class="legend">${items.join('')}</g>`;
}

/** Runs of consecutive indexes whose value is not null: [first, last] inclusive. */
function dataRuns(present: (i: number) => boolean, points: number): [number, number][] {
  const runs: [number, number][] = [];
  let first = -1;
  for (let i = 0; i <= points; i++) {
    if (i < points && present(i)) {
      if (first < 0) first = i;
    } else if (first >= 0) {
      runs.push([first, i - 1]);
      first = -1;
    }
  }
  return runs;
}

interface PlacedLabel {
  x: number;
  end: number;
  row: number;
  text: string;
}

/**
 * Places marker labels in up to two rows above the plot, left to right: the full label where it fits, else its
 * first word (the number), else on the second row, else the number just after the shorter row's last label.
 */
function placeLabels(markers: readonly { x: number; label: string }[], maxX: number): PlacedLabel[] {
  const rowEnds = [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY];
  const placed: PlacedLabel[] = [];
  for (const m of [...markers].sort((a, b) => a.x - b.x)) {
    const short = m.label.split(' ')[0] ?? m.label;
    const candidates = m.label === short ? [m.label] : [m.label, short];
    let done = false;
    for (const row of [0, 1]) {
      for (const text of candidates) {
        const width = text.length * LABEL_CHAR_W;
        const x = Math.min(m.x, maxX - width);
        if (x >= rowEnds[row]! + LABEL_GAP) {
          placed.push({ x, end: x + width, row, text });
          rowEnds[row] = x + width;
          done = true;
          break;
        }
      }
      if (done) break;
    }
    if (!done) {
      // Crowded: the number goes right after the shorter row's last label, as close to its band as it gets.
      const row = rowEnds[0]! <= rowEnds[1]! ? 0 : 1;
      const width = short.length * LABEL_CHAR_W;
      const x = Math.min(rowEnds[row]! + LABEL_GAP, maxX - width);
      if (x >= rowEnds[row]! + LABEL_GAP) {
        placed.push({ x, end: x + width, row, text: short });
        rowEnds[row] = x + width;
      }
    }
  }
  return placed;
}

/**
 * Stacked time-series panels sharing one UTC time axis, with shaded, labelled markers across every panel. A
 * bucket without data (null) is a gap with a "no data" shade, never a zero; a panel may carry a rate line on
 * its own right-hand axis in percent.
 *
 * @example
 * timeSeriesChart({ id: 'c1', title: 'Requests and errors', description: '...', startMs, stepMs: 300_000,
 *   points: 288, panels: [{ label: 'Requests', unit: 'requests per 5 min', kind: 'area', height: 70, series: [...] }],
 *   markers: [] });
 */
export function timeSeriesChart(options: TimeChartOptions): string {
  const width = options.width ?? CHART_WIDTH;
  const hasRate = options.panels.some((p) => p.rate !== undefined);
  const right = hasRate ? RIGHT_WITH_RATE : RIGHT;
  const plotW = width - LEFT - right;
  const points = Math.max(1, options.points);
  const slot = plotW / points;
  const endMs = options.startMs + points * options.stepMs;
  const xOfTime = (t: number): number => LEFT + ((t - options.startMs) / (endMs - options.startMs)) * plotW;
  const bands = options.markers.map((m) => {
    const x0 = Math.max(LEFT, xOfTime(m.startMs));
    const x1 = Math.min(LEFT + plotW, xOfTime(m.endMs));
    return { marker: m, x0, w: Math.max(2, x1 - x0) };
  });
  const labels = placeLabels(
    bands.map((b) => ({ x: b.x0, label: b.marker.label })),
    LEFT + plotW,
  );
  const labelRows = labels.length === 0 ? 0 : Math.max(...labels.map((l) => l.row)) + 1;
  const top = LEGEND_ROW + labelRows * LABEL_ROW + 8;
  const panelsHeight = options.panels.reduce((sum, p) => sum + p.height, 0) + PANEL_GAP * (options.panels.length - 1);
  const height = top + panelsHeight + AXIS;
  const seriesCount = options.panels.reduce((sum, p) => sum + p.series.length + (p.rate === undefined ? 0 : 1), 0);
  const present = (i: number): boolean => options.panels.some((p) => p.series.some((s) => s.values[i] != null));
  const gaps = dataRuns((i) => !present(i), points);

  const parts: string[] = [];
  parts.push(
    `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${options.id}-t ${options.id}-d" data-chart="timeseries" data-series="${seriesCount}" data-points="${points}" data-markers="${options.markers.length}" data-gaps="${gaps.length}">`,
    `<title id="${options.id}-t">${htmlText(options.title, 300)}</title><desc id="${options.id}-d">${htmlText(options.description, 600)}</desc>`,
  );

  // No-data shades and markers first so the data is drawn over them.
  const gapParts = gaps.map(([a, b]) => {
    const x = LEFT + a * slot;
    const w = (b - a + 1) * slot;
    const text =
      w >= 56
        ? `<text class="nodata-label" x="${r1(x + w / 2)}" y="${r1(top + panelsHeight / 2)}" text-anchor="middle">no data</text>`
        : '';
    return `<g class="nodata"><title>no logs for this time</title><rect x="${r1(x)}" y="${top}" width="${r1(w)}" height="${panelsHeight}"/>${text}</g>`;
  });
  parts.push(`<g class="gaps">${gapParts.join('')}</g>`);
  const labelOf = new Map(labels.map((l, i) => [l, i]));
  const markerParts = bands.map((b) => {
    const m = b.marker;
    return `<g class="marker ${m.className}"><title>${htmlText(m.title, 400)}</title><rect class="band" x="${r1(b.x0)}" y="${top - 4}" width="${r1(b.w)}" height="${panelsHeight + 4}"/><rect class="flag" x="${r1(b.x0)}" y="${top - 6}" width="${r1(b.w)}" height="4"/></g>`;
  });
  const labelParts = [...labelOf.keys()].map(
    (l) =>
      `<text class="marker-label" x="${r1(l.x)}" y="${LEGEND_ROW + (l.row + 1) * LABEL_ROW - 2}">${htmlText(l.text, 80)}</text>`,
  );
  parts.push(`<g class="markers">${markerParts.join('')}</g><g class="marker-labels">${labelParts.join('')}</g>`);

  let y0 = top;
  const legendItems: LegendItem[] = [];
  for (const panel of options.panels) {
    const totals = new Array<number>(points).fill(0);
    for (const s of panel.series) for (let i = 0; i < points; i++) totals[i]! += s.values[i] ?? 0;
    const max = niceCeiling(Math.max(0, ...totals));
    const yOf = (v: number): number => y0 + panel.height - (v / max) * panel.height;
    const grid: string[] = [];
    for (const v of [0, max / 2, max]) {
      const y = r1(yOf(v));
      grid.push(
        `<line class="grid" x1="${LEFT}" x2="${LEFT + plotW}" y1="${y}" y2="${y}"/><text class="tick" x="${LEFT - 6}" y="${y}" dy="3.5" text-anchor="end">${compactNumber(v)}</text>`,
      );
    }
    parts.push(
      `<g class="panel">${grid.join('')}<text class="panel-label" x="${LEFT + 4}" y="${y0 + 11}" data-unit>${htmlText(panel.unit)}</text>`,
    );
    const base = new Array<number>(points).fill(0);
    for (const s of panel.series) {
      let d = '';
      if (panel.kind === 'bars') {
        const w = Math.max(0.6, slot * (points > 120 ? 0.9 : 0.75));
        for (let i = 0; i < points; i++) {
          const v = s.values[i] ?? 0;
          if (v <= 0) continue;
          const yb = yOf(base[i]!);
          const yt = yOf(base[i]! + v);
          const x = LEFT + i * slot + (slot - w) / 2;
          d += `M${r1(x)} ${r1(yb)}V${r1(Math.min(yt, yb - 0.6))}h${r1(w)}V${r1(yb)}z`;
        }
      } else {
        // One closed area per run of buckets with data; a lone bucket is drawn as a narrow block.
        for (const [a, b] of dataRuns((i) => s.values[i] != null, points)) {
          const top: string[] = [];
          const bottom: string[] = [];
          const xs = a === b ? [LEFT + (a + 0.1) * slot, LEFT + (a + 0.9) * slot] : null;
          for (let i = a; i <= b; i++) {
            const yTop = r1(yOf(base[i]! + (s.values[i] ?? 0)));
            const yBottom = r1(yOf(base[i]!));
            for (const x of xs ?? [LEFT + (i + 0.5) * slot]) {
              top.push(`${r1(x)} ${yTop}`);
              bottom.push(`${r1(x)} ${yBottom}`);
            }
          }
          d += `M${top.join('L')}L${bottom.reverse().join('L')}z`;
        }
      }
      for (let i = 0; i < points; i++) base[i]! += s.values[i] ?? 0;
      parts.push(
        `<path class="${s.className}" data-series="${htmlText(s.key)}" data-points="${points}" d="${d}"><title>${htmlText(s.label)}</title></path>`,
      );
      legendItems.push(s);
    }
    if (panel.rate !== undefined) {
      parts.push(rateLine(panel.rate, { x0: LEFT, slot, points, y0, height: panel.height, right: LEFT + plotW }));
      legendItems.push({ label: panel.rate.label, className: panel.rate.className, line: true });
    }
    parts.push('</g>');
    y0 += panel.height + PANEL_GAP;
  }

  // Time axis, UTC; a date line under the first tick and wherever the day changes.
  const axisY = top + panelsHeight;
  const ticks = timeTicks(options.startMs, endMs, Math.max(3, Math.floor(plotW / 90)));
  const axis: string[] = [`<line class="axis" x1="${LEFT}" x2="${LEFT + plotW}" y1="${axisY}" y2="${axisY}"/>`];
  let lastDay = '';
  for (const t of ticks) {
    // A label at the very right edge would be cut off; the axis end needs no label.
    if (xOfTime(t) > LEFT + plotW - 22) continue;
    const x = r1(xOfTime(t));
    const d = new Date(t);
    const dayLabel = day(d);
    const showDay = dayLabel !== lastDay;
    lastDay = dayLabel;
    axis.push(
      `<line class="axis" x1="${x}" x2="${x}" y1="${axisY}" y2="${axisY + 4}"/><text class="tick" x="${x}" y="${axisY + 15}" text-anchor="middle">${hhmm(d)}</text>${showDay ? `<text class="tick day" x="${x}" y="${axisY + 27}" text-anchor="middle">${dayLabel}</text>` : ''}`,
    );
  }
  axis.push(`<text class="tick" x="${LEFT - 22}" y="${axisY + 15}" text-anchor="end">UTC</text>`);
  parts.push(`<g class="time-axis">${axis.join('')}</g>`);
  parts.push(legend(legendItems, LEFT + plotW, 14));
  parts.push('</svg>');
  return parts.join('');
}

/** A rate line with its threshold over a panel, on a right-hand axis in percent. */
function rateLine(
  rate: RateLine,
  at: { x0: number; slot: number; points: number; y0: number; height: number; right: number },
): string {
  const observed = Math.max(0, ...rate.values.map((v) => v ?? 0));
  const max = Math.min(1, niceCeiling(Math.max(observed, (rate.threshold ?? 0) * 1.25, 0.001)));
  const yOf = (v: number): number => at.y0 + at.height - (Math.min(v, max) / max) * at.height;
  const parts: string[] = [];
  for (const v of [0, max / 2, max]) {
    parts.push(`<text class="tick rate-tick" x="${at.right + 5}" y="${r1(yOf(v))}" dy="3.5">${percentLabel(v)}</text>`);
  }
  let d = '';
  for (const [a, b] of dataRuns((i) => rate.values[i] != null, at.points)) {
    const pts: string[] = [];
    for (let i = a; i <= b; i++) pts.push(`${r1(at.x0 + (i + 0.5) * at.slot)} ${r1(yOf(rate.values[i] ?? 0))}`);
    if (a === b) pts.push(`${r1(at.x0 + (a + 0.9) * at.slot)} ${r1(yOf(rate.values[a] ?? 0))}`);
    d += `M${pts.join('L')}`;
  }
  if (rate.threshold !== null) {
    const y = r1(yOf(rate.threshold));
    parts.push(
      `<line class="threshold" x1="${at.x0}" x2="${at.right}" y1="${y}" y2="${y}"><title>threshold ${percentLabel(rate.threshold)}</title></line>`,
    );
  }
  parts.push(
    `<path class="${rate.className}" data-series="${htmlText(rate.key)}" data-points="${at.points}" d="${d}"><title>${htmlText(rate.label)}</title></path>`,
  );
  return `<g class="rate">${parts.join('')}</g>`;
}

export interface BarRow {
  label: string;
  /** A second, dimmer label line, e.g. the load balancer of a member. */
  sublabel?: string;
  /** Values per series, in the chart's series order. */
  values: readonly number[];
  /** Text written after the bar (e.g. "42 errors of 1,200 requests"). */
  note: string;
}

export interface BarChartOptions {
  id: string;
  title: string;
  description: string;
  series: readonly { key: string; label: string; className: string }[];
  rows: readonly BarRow[];
  width?: number;
}

/**
 * Horizontal stacked bars, one row per item (members, codes), sharing one scale.
 *
 * @example
 * barChart({ id: 'm1', title: 'Members with the most errors', description: '...',
 *   series: [{ key: '5xx', label: '5xx', className: 's-5xx' }], rows: [{ label: '10.0.3.21:8080', values: [41], note: '41' }] });
 */
export function barChart(options: BarChartOptions): string {
  const width = options.width ?? CHART_WIDTH;
  const labelW = 250;
  const noteW = 250;
  const rowH = 26;
  const top = 24;
  const plotW = width - labelW - noteW - RIGHT;
  const height = top + options.rows.length * rowH + 6;
  const max = Math.max(1, ...options.rows.map((r) => r.values.reduce((a, b) => a + b, 0)));
  const parts: string[] = [
    `<svg class="chart bars" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${options.id}-t ${options.id}-d" data-chart="bars" data-series="${options.series.length}" data-points="${options.rows.length}">`,
    `<title id="${options.id}-t">${htmlText(options.title, 300)}</title><desc id="${options.id}-d">${htmlText(options.description, 600)}</desc>`,
  ];
  const paths = options.series.map(() => '');
  options.rows.forEach((row, i) => {
    const y = top + i * rowH;
    const labelY = row.sublabel === undefined ? y + 16 : y + 11;
    parts.push(
      `<text class="row-label" x="${labelW - 10}" y="${labelY}" text-anchor="end">${htmlText(row.label, 34)}</text>`,
    );
    if (row.sublabel !== undefined) {
      parts.push(
        `<text class="row-sublabel" x="${labelW - 10}" y="${y + 23}" text-anchor="end">${htmlText(row.sublabel, 44)}</text>`,
      );
    }
    let x = labelW;
    row.values.forEach((v, s) => {
      if (v <= 0) return;
      const w = Math.max(1, (v / max) * plotW);
      paths[s] += `M${r1(x)} ${y + 5}h${r1(w)}v16h${r1(-w)}z`;
      x += w;
    });
    parts.push(`<text class="row-note" x="${r1(x + 8)}" y="${y + 17}">${htmlText(row.note, 60)}</text>`);
  });
  options.series.forEach((s, i) => {
    parts.push(
      `<path class="${s.className}" data-series="${htmlText(s.key)}" data-points="${options.rows.length}" d="${paths[i]}"><title>${htmlText(s.label)}</title></path>`,
    );
  });
  parts.push(legend(options.series, width - RIGHT, 12), '</svg>');
  return parts.join('');
}

export interface SparklineOptions {
  title: string;
  startMs: number;
  stepMs: number;
  /** Stacked bottom to top; every series has the same number of values. */
  series: readonly ChartSeries[];
  markers: readonly ChartMarker[];
  /** At most this many bars: neighbouring buckets are summed. */
  maxBars?: number;
  width?: number;
  height?: number;
}

/**
 * A small stacked-bar trend for a table cell (no axes, one scale per sparkline), with shaded markers.
 *
 * @example
 * sparkline({ title: '5xx and 4xx per window', startMs, stepMs: 300_000, series, markers: [] });
 */
export function sparkline(options: SparklineOptions): string {
  const width = options.width ?? 160;
  const height = options.height ?? 28;
  const points = options.series[0]?.values.length ?? 0;
  const factor = Math.max(1, Math.ceil(points / (options.maxBars ?? 80)));
  const bars = Math.max(1, Math.ceil(points / factor));
  const summed = options.series.map((s) => {
    const out = new Array<number>(bars).fill(0);
    for (let i = 0; i < points; i++) out[Math.floor(i / factor)]! += s.values[i] ?? 0;
    return out;
  });
  const totals = new Array<number>(bars).fill(0);
  for (const s of summed) for (let i = 0; i < bars; i++) totals[i]! += s[i]!;
  const max = Math.max(1, ...totals);
  const slot = width / bars;
  const spanMs = points * options.stepMs;
  const xOf = (t: number): number => ((t - options.startMs) / spanMs) * width;
  const parts: string[] = [
    `<svg class="spark" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" data-chart="sparkline" data-series="${options.series.length}" data-points="${bars}"><title>${htmlText(options.title, 300)}</title>`,
  ];
  for (const m of options.markers) {
    const x0 = Math.max(0, xOf(m.startMs));
    const x1 = Math.min(width, xOf(m.endMs));
    parts.push(
      `<rect class="spark-band ${m.className}" x="${r1(x0)}" y="0" width="${r1(Math.max(1.5, x1 - x0))}" height="${height}"><title>${htmlText(m.title, 300)}</title></rect>`,
    );
  }
  const base = new Array<number>(bars).fill(0);
  options.series.forEach((s, k) => {
    let d = '';
    for (let i = 0; i < bars; i++) {
      const v = summed[k]![i]!;
      if (v <= 0) continue;
      const y0 = height - (base[i]! / max) * (height - 2);
      const h = Math.max(0.8, (v / max) * (height - 2));
      d += `M${r1(i * slot + slot * 0.1)} ${r1(y0)}v${r1(-h)}h${r1(Math.max(0.5, slot * 0.8))}v${r1(h)}z`;
      base[i]! += v;
    }
    parts.push(`<path class="${s.className}" data-series="${htmlText(s.key)}" data-points="${bars}" d="${d}"/>`);
  });
  parts.push(`<line class="spark-base" x1="0" x2="${width}" y1="${height - 0.5}" y2="${height - 0.5}"/></svg>`);
  return parts.join('');
}
