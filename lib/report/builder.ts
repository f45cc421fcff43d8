/**
 * The report model built as the data streams by: windows, alerts and input figures are folded into running
 * per-load-balancer figures (headline counts, chart buckets, code and member totals) as they come, so building a
 * report holds memory in the number of load balancers and chart buckets, never in windows or objects.
 * `buildReportModel` is this builder fed from one whole analysis, so both give the same model for the same data.
 */
import type {
  Alert,
  Incident as AnalysisIncident,
  CauseResult,
  CodeSummary,
  InputSummary,
  WindowSummary,
} from '../model.js';
import {
  type CauseScope,
  type CodeFigure,
  type CodeIncident,
  type Headline,
  type Incident,
  type InputsFigure,
  incidentsFromAlerts,
  MAX_CHART_BUCKETS,
  MAX_FAILED_INPUTS,
  type MemberFigure,
  type RateSeries,
  REPORT_SCHEMA,
  type ReportInput,
  type ReportModel,
  type RuleSummary,
  reportIncidents,
  type Section,
  type Series,
  TOP_CAUSES,
  TOP_CODES,
  TOP_MEMBERS,
} from './model.js';

const iso = (ms: number): string => new Date(ms).toISOString();

/** The class of a status-code key: three digits starting with 4 or 5. Hot: called for every count of every window. */
function statusClass(code: string): '4xx' | '5xx' | null {
  if (code.length !== 3) return null;
  const c1 = code.charCodeAt(1);
  const c2 = code.charCodeAt(2);
  if (c1 < 48 || c1 > 57 || c2 < 48 || c2 > 57) return null;
  const c0 = code.charCodeAt(0);
  return c0 === 52 ? '4xx' : c0 === 53 ? '5xx' : null;
}

const rate = (part: number, whole: number): number | null => (whole > 0 ? part / whole : null);

export function addCounts(target: Record<string, number>, source: Record<string, number>): void {
  for (const key in source) target[key] = (target[key] ?? 0) + (source[key] ?? 0);
}

export function byIncidentStart(a: Incident, b: Incident): number {
  return (
    Date.parse(a.start) - Date.parse(b.start) ||
    a.loadBalancer.localeCompare(b.loadBalancer) ||
    a.rule.localeCompare(b.rule)
  );
}

interface Grid {
  startMs: number;
  bucketMs: number;
  buckets: number;
}

function gridOf(fromMs: number, toMs: number, windowMs: number): Grid {
  const first = Math.floor(fromMs / windowMs) * windowMs;
  const windows = Math.max(1, Math.ceil((toMs - first) / windowMs));
  const factor = Math.ceil(windows / MAX_CHART_BUCKETS);
  const bucketMs = windowMs * factor;
  const startMs = Math.floor(first / bucketMs) * bucketMs;
  return { startMs, bucketMs, buckets: Math.max(1, Math.ceil((toMs - startMs) / bucketMs)) };
}

const bucketIndex = (grid: Grid, time: string): number => {
  const i = Math.floor((Date.parse(time) - grid.startMs) / grid.bucketMs);
  return Math.min(grid.buckets - 1, Math.max(0, i));
};

/** Whether a rule's code list (`502`, `'5xx'`) holds a status code. */
function ruleHasCode(rule: RuleSummary, code: string): boolean {
  return rule.codes.some((c) => (typeof c === 'number' ? String(c) === code : c.length === 3 && c[0] === code[0]));
}

/** The responses of a window that a rule counts (its codes, from the source it looks at). */
function matchedBy(rule: RuleSummary, w: WindowSummary): number {
  let n = 0;
  for (const code in w.statusCodes) {
    if (!ruleHasCode(rule, code)) continue;
    const all = w.statusCodes[code] ?? 0;
    const lb = w.lbGenerated[code] ?? 0;
    n += rule.source === 'any' ? all : rule.source === 'lb' ? lb : all - lb;
  }
  return n;
}

/** Codes that made a rule fire come first (that is what the reader is looking for), then the most frequent. */
function byAlertsThenCount(
  a: { alerts: number; count: number; code: number; loadBalancer?: string },
  b: { alerts: number; count: number; code: number; loadBalancer?: string },
): number {
  return (
    Number(b.alerts > 0) - Number(a.alerts > 0) ||
    b.count - a.count ||
    a.code - b.code ||
    (a.loadBalancer ?? '').localeCompare(b.loadBalancer ?? '')
  );
}

interface MemberTotals {
  member: string;
  loadBalancer: string;
  requests: number;
  errors: { total: number; '4xx': number; '5xx': number };
}

const OTHER_MEMBER = '(other)';

function rankMembers(members: MemberTotals[], withLoadBalancer: boolean): MemberFigure[] {
  return members
    .filter((m) => m.errors.total > 0)
    .sort(
      (a, b) =>
        Number(a.member === OTHER_MEMBER) - Number(b.member === OTHER_MEMBER) ||
        b.errors.total - a.errors.total ||
        b.requests - a.requests ||
        a.loadBalancer.localeCompare(b.loadBalancer) ||
        a.member.localeCompare(b.member),
    )
    .slice(0, TOP_MEMBERS)
    .map((m) => ({
      member: m.member,
      ...(withLoadBalancer ? { loadBalancer: m.loadBalancer } : {}),
      requests: m.requests,
      errors: m.errors,
    }));
}

/** An empty inputs figure, to fold inputs or other figures into. */
export function emptyInputsFigure(): InputsFigure {
  return { total: 0, failed: 0, lines: 0, records: 0, rejected: 0, rejectsByReason: {}, formats: {}, failures: [] };
}

/** Counts one input into a figure (in place). */
export function addInput(figure: InputsFigure, input: InputSummary): void {
  figure.total += 1;
  figure.lines += input.lines;
  figure.records += input.records;
  figure.rejected += input.rejected;
  addCounts(figure.rejectsByReason, input.rejects);
  const format = input.format ?? 'unknown';
  figure.formats[format] = (figure.formats[format] ?? 0) + 1;
  if (input.error !== null) {
    figure.failed += 1;
    if (figure.failures.length < MAX_FAILED_INPUTS) figure.failures.push({ path: input.path, error: input.error });
  }
}

/** Adds a figure of other inputs into `figure` (in place): totals sum, the failures listed stay the first ones. */
export function addInputsFigure(figure: InputsFigure, other: InputsFigure): void {
  figure.total += other.total;
  figure.failed += other.failed;
  figure.lines += other.lines;
  figure.records += other.records;
  figure.rejected += other.rejected;
  addCounts(figure.rejectsByReason, other.rejectsByReason);
  addCounts(figure.formats, other.formats);
  for (const f of other.failures) {
    if (figure.failures.length >= MAX_FAILED_INPUTS) break;
    figure.failures.push({ path: f.path, error: f.error });
  }
}

/** Everything the report keeps of one load balancer while windows stream by. */
interface LbFigures {
  name: string;
  format: string | null;
  requests: number;
  withoutStatus: number;
  windows: number;
  errors: { total: number; '4xx': number; '5xx': number };
  lbGenerated: number;
  alerts: { total: number; critical: number; warning: number; info: number };
  series: { requests: (number | null)[]; '4xx': (number | null)[]; '5xx': (number | null)[]; alerts: number[] };
  /** Per rate rule (index in the rules list): responses it matched per bucket. */
  rateMatched: number[][];
  /** Per rule id: alerts fired. */
  ruleAlerts: Map<string, number>;
  codeCounts: Record<string, number>;
  codeLbGenerated: Record<string, number>;
  /** Per code: alerts whose matched codes include it. */
  codeAlerts: Record<string, number>;
  members: Map<string, MemberTotals>;
}

/** What the builder needs besides the data: the same as a ReportInput without the analysis. */
export type ReportFrame = Omit<ReportInput, 'analysis'>;

export interface ReportBuilder {
  /** Adds one window summary (one per load balancer and window); windows outside the period are ignored. */
  window(w: WindowSummary): void;
  /** Adds one alert; alerts of windows outside the period are ignored. */
  alert(a: Alert): void;
  /** Counts one input. */
  input(input: InputSummary): void;
  /** Adds an inputs figure already folded (a rollup's). */
  inputs(figure: InputsFigure): void;
  /**
   * The model. `incidents` are the analysis's (those overlapping the period are shown), or undefined for an
   * analysis without incidents (they are then merged from the alerts); `codes` its per-code period summaries.
   */
  finish(rest: {
    incidents: readonly AnalysisIncident[] | undefined;
    codes: readonly CodeSummary[] | undefined;
  }): ReportModel;
}

/**
 * A report builder for one period. Bounds that do not parse are open for filtering; the chart then spans
 * `chartFrom`..`chartTo` (buildReportModel derives them from the data).
 */
export function createReportBuilder(
  frame: ReportFrame,
  options: {
    /** The chart's span when the period's bounds do not parse. */
    chart?: { fromMs: number; toMs: number };
    /** The analysis has no incidents (from before they existed): keep the alerts to merge incidents from. */
    incidentsFromAlerts?: boolean;
  } = {},
): ReportBuilder {
  const chart = options.chart;
  const windowMs = Number.isFinite(frame.windowMs) && frame.windowMs > 0 ? frame.windowMs : 300_000;
  const fromMs = Date.parse(frame.period.from);
  const toMs = Date.parse(frame.period.to);
  const inPeriod = (start: string): boolean => {
    const t = Date.parse(start);
    return (Number.isNaN(fromMs) || t >= fromMs) && (Number.isNaN(toMs) || t < toMs);
  };
  const chartFrom = chart?.fromMs ?? fromMs;
  const chartTo = chart?.toMs ?? toMs;
  const grid = gridOf(chartFrom, Math.max(chartTo, chartFrom + 1), windowMs);
  const rateRules = frame.rules.map((r, i) => ({ rule: r, i })).filter((r) => r.rule.rate !== undefined);
  const lbs = new Map<string, LbFigures>();
  const inputsFigure = emptyInputsFigure();
  /** Alerts kept only for an analysis without incidents (incidents are then merged from them). */
  const alertsForIncidents: Alert[] = [];
  let windowCount = 0;
  let alertCount = 0;

  function lbOf(name: string): LbFigures {
    let lb = lbs.get(name);
    if (lb === undefined) {
      const gaps = (): (number | null)[] => new Array<number | null>(grid.buckets).fill(null);
      lb = {
        name,
        format: null,
        requests: 0,
        withoutStatus: 0,
        windows: 0,
        errors: { total: 0, '4xx': 0, '5xx': 0 },
        lbGenerated: 0,
        alerts: { total: 0, critical: 0, warning: 0, info: 0 },
        series: { requests: gaps(), '4xx': gaps(), '5xx': gaps(), alerts: new Array<number>(grid.buckets).fill(0) },
        rateMatched: frame.rules.map(() => []),
        ruleAlerts: new Map(),
        codeCounts: {},
        codeLbGenerated: {},
        codeAlerts: {},
        members: new Map(),
      };
      lbs.set(name, lb);
    }
    return lb;
  }

  function rateSeriesFor(
    ruleAlerts: (id: string) => number,
    matched: (i: number) => number[],
    requests: (number | null)[],
  ): RateSeries | null {
    // The rate rule with the most alerts (the first in the rules file of equals), or none.
    let best: { rule: RuleSummary; i: number } | null = null;
    let bestCount = 0;
    for (const r of rateRules) {
      const count = ruleAlerts(r.rule.id);
      if (count > bestCount) {
        best = r;
        bestCount = count;
      }
    }
    if (best === null || best.rule.rate === undefined) return null;
    const m = matched(best.i);
    return {
      rule: best.rule.id,
      threshold: best.rule.rate,
      values: requests.map((n, i) => (n === null || n === 0 ? null : (m[i] ?? 0) / n)),
    };
  }

  function codesOf(
    lb: LbFigures,
    incidents: readonly Incident[],
    codes: readonly CodeSummary[] | undefined,
  ): CodeFigure[] {
    return Object.entries(lb.codeCounts)
      .filter(([code, n]) => statusClass(code) !== null && n > 0)
      .map(([code, count]) => ({ code: Number(code), count, alerts: lb.codeAlerts[code] ?? 0 }))
      .sort(byAlertsThenCount)
      .slice(0, TOP_CODES)
      .map(({ code, count, alerts: alertTotal }) => {
        const key = String(code);
        const matching = incidents
          .filter((i) => (i.statusCodes[key] ?? 0) > 0)
          .map((i) => ({
            incident: i,
            count: i.statusCodes[key] ?? 0,
            causes: i.causes.filter((c) => c.code === code),
          }));
        const codeIncidents: CodeIncident[] = matching.map((m) => ({
          id: m.incident.id,
          rule: m.incident.rule,
          start: m.incident.start,
          end: m.incident.end,
          count: m.count,
          topCause: m.causes[0] ?? null,
        }));
        // The incident with the most of this code speaks for it, so the card and the incident agree.
        const main = [...matching].sort((a, b) => b.count - a.count)[0];
        let causes: CauseResult[];
        let causeScope: CauseScope;
        if (main !== undefined) {
          causes = main.causes;
          causeScope = {
            kind: 'incident',
            rule: main.incident.rule,
            start: main.incident.start,
            end: main.incident.end,
          };
        } else {
          const summary = codes?.find((c) => c.loadBalancer === lb.name && c.code === code);
          causes = summary?.causes ?? [];
          causeScope = { kind: 'background', from: frame.period.from, to: frame.period.to };
        }
        return {
          loadBalancer: lb.name,
          code,
          count,
          lbGenerated: lb.codeLbGenerated[key] ?? 0,
          alerts: alertTotal,
          causes: causes.slice(0, TOP_CAUSES),
          causeScope,
          incidents: codeIncidents,
          inIncidents: matching.reduce((sum, m) => sum + m.count, 0),
        };
      });
  }

  function headlineOf(lb: LbFigures, incidents: number): Headline {
    const { errors, requests } = lb;
    return {
      requests,
      withoutStatus: lb.withoutStatus,
      windows: lb.windows,
      errors: { ...errors },
      errorRate: {
        total: rate(errors.total, requests),
        '4xx': rate(errors['4xx'], requests),
        '5xx': rate(errors['5xx'], requests),
      },
      lbGenerated: lb.lbGenerated,
      backendGenerated: errors.total - lb.lbGenerated,
      alerts: { ...lb.alerts },
      incidents,
    };
  }

  return {
    window(w) {
      if (!inPeriod(w.start)) return;
      windowCount += 1;
      const lb = lbOf(w.loadBalancer);
      if (lb.format === null && w.format !== undefined) lb.format = w.format;
      lb.windows += 1;
      lb.requests += w.requests;
      lb.withoutStatus += w.withoutStatus ?? 0;
      const i = bucketIndex(grid, w.start);
      const s = lb.series;
      s.requests[i] = (s.requests[i] ?? 0) + w.requests;
      s['4xx'][i] ??= 0;
      s['5xx'][i] ??= 0;
      for (const code in w.statusCodes) {
        const n = w.statusCodes[code] ?? 0;
        lb.codeCounts[code] = (lb.codeCounts[code] ?? 0) + n;
        const cls = statusClass(code);
        if (cls === null) continue;
        lb.errors[cls] += n;
        lb.errors.total += n;
        s[cls][i] = (s[cls][i] ?? 0) + n;
      }
      for (const code in w.lbGenerated) {
        const n = w.lbGenerated[code] ?? 0;
        lb.codeLbGenerated[code] = (lb.codeLbGenerated[code] ?? 0) + n;
        if (statusClass(code) !== null) lb.lbGenerated += n;
      }
      for (const r of rateRules) {
        const m = lb.rateMatched[r.i] as number[];
        m[i] = (m[i] ?? 0) + matchedBy(r.rule, w);
      }
      for (const m of w.members ?? []) {
        let t = lb.members.get(m.member);
        if (t === undefined) {
          t = { member: m.member, loadBalancer: lb.name, requests: 0, errors: { total: 0, '4xx': 0, '5xx': 0 } };
          lb.members.set(m.member, t);
        }
        t.requests += m.requests;
        for (const code in m.errors) {
          const cls = statusClass(code);
          if (cls === null) continue;
          const n = m.errors[code] ?? 0;
          t.errors[cls] += n;
          t.errors.total += n;
        }
      }
    },
    alert(a) {
      if (!inPeriod(a.windowStart)) return;
      alertCount += 1;
      const lb = lbOf(a.loadBalancer);
      lb.alerts.total += 1;
      lb.alerts[a.severity] += 1;
      lb.series.alerts[bucketIndex(grid, a.windowStart)]! += 1;
      lb.ruleAlerts.set(a.rule, (lb.ruleAlerts.get(a.rule) ?? 0) + 1);
      for (const code in a.statusCodes)
        if ((a.statusCodes[code] ?? 0) > 0) lb.codeAlerts[code] = (lb.codeAlerts[code] ?? 0) + 1;
      if (options.incidentsFromAlerts === true) alertsForIncidents.push(a);
    },
    input(input) {
      addInput(inputsFigure, input);
    },
    inputs(figure) {
      addInputsFigure(inputsFigure, figure);
    },
    finish(rest) {
      // Incidents that fired inside the period, whole: the report names each once, with the causes it ranked.
      const incidents =
        rest.incidents === undefined
          ? incidentsFromAlerts(alertsForIncidents)
          : reportIncidents(rest.incidents, windowMs).filter((i) => {
              const start = Date.parse(i.start);
              const end = Date.parse(i.end);
              return (Number.isNaN(toMs) || start < toMs) && (Number.isNaN(fromMs) || end > fromMs);
            });
      const byLb = new Map<string, Incident[]>();
      for (const i of incidents) {
        lbOf(i.loadBalancer);
        const list = byLb.get(i.loadBalancer);
        if (list === undefined) byLb.set(i.loadBalancer, [i]);
        else list.push(i);
      }
      const all = [...lbs.values()];
      const sections = all.map((lb) => {
        const own = byLb.get(lb.name) ?? [];
        return {
          name: lb.name,
          format: lb.format,
          headline: headlineOf(lb, own.length),
          series: {
            start: iso(grid.startMs),
            bucketMs: grid.bucketMs,
            requests: lb.series.requests,
            '4xx': lb.series['4xx'],
            '5xx': lb.series['5xx'],
            alerts: lb.series.alerts,
            rate: rateSeriesFor(
              (id) => lb.ruleAlerts.get(id) ?? 0,
              (i) => lb.rateMatched[i] ?? [],
              lb.series.requests,
            ),
          } satisfies Series,
          codes: codesOf(lb, own, rest.codes),
          members: rankMembers([...lb.members.values()], false),
          incidents: own,
        };
      });
      const loadBalancers = [...sections].sort(
        (a, b) =>
          b.headline.alerts.total - a.headline.alerts.total ||
          b.headline.errors.total - a.headline.errors.total ||
          a.name.localeCompare(b.name),
      );
      return {
        schema: REPORT_SCHEMA,
        title: frame.title ?? 'lbwatch report',
        generatedAt: frame.generatedAt,
        period: { from: frame.period.from, to: frame.period.to },
        windowMs,
        empty: windowCount === 0 && alertCount === 0 && incidents.length === 0,
        overall: overallOf(all, sections),
        loadBalancers,
        inputs: inputsFigure,
        rules: frame.rules.map((r) => ({ ...r, codes: [...r.codes] })),
      };
    },
  };

  /**
   * The overall section from the per-load-balancer ones: every figure is a sum, codes and members are ranked
   * together but stay tied to their load balancer ("502 on shop-prod"), and incidents never span load balancers.
   */
  function overallOf(all: readonly LbFigures[], sections: readonly Section[]): Section {
    const errors = { total: 0, '4xx': 0, '5xx': 0 };
    const alerts = { total: 0, critical: 0, warning: 0, info: 0 };
    let requests = 0;
    let withoutStatus = 0;
    let windows = 0;
    let lbGenerated = 0;
    let incidents = 0;
    for (const { headline: h } of sections) {
      requests += h.requests;
      withoutStatus += h.withoutStatus;
      windows += h.windows;
      lbGenerated += h.lbGenerated;
      incidents += h.incidents;
      for (const k of ['total', '4xx', '5xx'] as const) errors[k] += h.errors[k];
      for (const k of ['total', 'critical', 'warning', 'info'] as const) alerts[k] += h.alerts[k];
    }
    const sum = (key: '4xx' | '5xx' | 'requests'): (number | null)[] => {
      // A bucket stays null (no data) only when it is null for every load balancer.
      const out = new Array<number | null>(grid.buckets).fill(null);
      for (const lb of all) {
        const a = lb.series[key];
        for (let i = 0; i < grid.buckets; i++) {
          const v = a[i];
          if (v !== null && v !== undefined) out[i] = (out[i] ?? 0) + v;
        }
      }
      return out;
    };
    const alertsPerBucket = new Array<number>(grid.buckets).fill(0);
    for (const lb of all) for (let i = 0; i < grid.buckets; i++) alertsPerBucket[i]! += lb.series.alerts[i] ?? 0;
    const requestSeries = sum('requests');
    return {
      headline: {
        requests,
        withoutStatus,
        windows,
        errors,
        errorRate: {
          total: rate(errors.total, requests),
          '4xx': rate(errors['4xx'], requests),
          '5xx': rate(errors['5xx'], requests),
        },
        lbGenerated,
        backendGenerated: errors.total - lbGenerated,
        alerts,
        incidents,
      },
      series: {
        start: iso(grid.startMs),
        bucketMs: grid.bucketMs,
        requests: requestSeries,
        '4xx': sum('4xx'),
        '5xx': sum('5xx'),
        alerts: alertsPerBucket,
        rate: rateSeriesFor(
          (id) => all.reduce((n, lb) => n + (lb.ruleAlerts.get(id) ?? 0), 0),
          (r) => {
            const out = new Array<number>(grid.buckets).fill(0);
            for (const lb of all) {
              const m = lb.rateMatched[r] ?? [];
              for (let i = 0; i < grid.buckets; i++) out[i]! += m[i] ?? 0;
            }
            return out;
          },
          requestSeries,
        ),
      },
      // Each load balancer's top codes hold every code of the overall top, so ranking their union is exact.
      codes: sections
        .flatMap((l) => l.codes)
        .sort(byAlertsThenCount)
        .slice(0, TOP_CODES),
      members: rankMembers(
        all.flatMap((lb) => [...lb.members.values()]),
        true,
      ),
      incidents: sections.flatMap((l) => l.incidents).sort(byIncidentStart),
    };
  }
}
