/**
 * The report model: every figure a summary report shows, computed once from an `AnalysisResult` so the HTML,
 * Markdown and JSON renderings cannot disagree with each other or with `lbwatch analyze --json`.
 */
import type {
  Alert,
  Incident as AnalysisIncident,
  AnalysisResult,
  CauseResult,
  InputSummary,
  Severity,
  WindowSummary,
} from '../model.js';

/** A threshold rule as the report shows it (the rules module's RuleSet maps onto this). */
export interface RuleSummary {
  id: string;
  codes: (number | string)[];
  source: 'any' | 'lb' | 'backend';
  rate?: number;
  count?: number;
  minRequests: number;
  severity: Severity;
}

/** What a report is rendered from: the analysis of one period plus the context to print beside it. */
export interface ReportInput {
  /** Page title; defaults to "lbwatch report". */
  title?: string;
  /** ISO 8601 UTC time the report was produced. */
  generatedAt: string;
  /** The reporting period, ISO 8601 UTC, `from` inclusive and `to` exclusive. Windows outside it are left out. */
  period: { from: string; to: string };
  /** The aggregation window length the analysis used. */
  windowMs: number;
  analysis: AnalysisResult;
  rules: RuleSummary[];
}

/** Version tag of the JSON model; bumped on any incompatible change. */
export const REPORT_SCHEMA = 'lbwatch.report/2';

/** Charts never draw more than this many time buckets: longer periods merge neighbouring windows. */
export const MAX_CHART_BUCKETS = 400;
/** How many codes, members and incidents each section lists. */
export const TOP_CODES = 8;
export const TOP_MEMBERS = 10;
export const TOP_CAUSES = 4;
/** Failed inputs listed by name (the totals always count all of them). */
export const MAX_FAILED_INPUTS = 50;

export interface Headline {
  /** Records with an HTTP status. */
  requests: number;
  /** Records without an HTTP status (CLB TCP-listener connections): read, but neither requests nor errors. */
  withoutStatus: number;
  /** Windows with data (per load balancer, so the overall figure sums them). */
  windows: number;
  errors: { total: number; '4xx': number; '5xx': number };
  /** Errors / requests, or null when there were no requests. */
  errorRate: { total: number | null; '4xx': number | null; '5xx': number | null };
  /** Errors (status >= 400) the load balancer generated itself, and those the backends returned. */
  lbGenerated: number;
  backendGenerated: number;
  alerts: { total: number; critical: number; warning: number; info: number };
  incidents: number;
}

/**
 * Requests and errors per time bucket, columnar. Bucket `i` starts at `start + i * bucketMs`; `bucketMs` is the
 * window length unless the period has more than MAX_CHART_BUCKETS windows. A bucket in which no window has data
 * is `null` in `requests`, `4xx` and `5xx`: no logs for that time, which is not the same as 0 requests.
 */
export interface Series {
  start: string;
  bucketMs: number;
  requests: (number | null)[];
  '4xx': (number | null)[];
  '5xx': (number | null)[];
  /** Alerts that fired in windows inside the bucket. */
  alerts: number[];
  /** The rate of the rate rule that fired most in the section, or null when no rate rule fired. */
  rate: RateSeries | null;
}

/** What share of the requests a rule matched, per bucket (null without data or without requests). */
export interface RateSeries {
  rule: string;
  /** The rule's rate threshold, 0..1. */
  threshold: number;
  values: (number | null)[];
}

export interface CodeFigure {
  loadBalancer: string;
  code: number;
  count: number;
  lbGenerated: number;
  /** Alerts of this load balancer whose matched codes include this one. */
  alerts: number;
  /**
   * Most likely first. When incidents of this load balancer matched the code, these are the causes of the
   * incident with the most of its responses, exactly as that incident ranks them; otherwise the analysis's
   * ranking over the period (background: no incident matched the code).
   */
  causes: CauseResult[];
  /** Where `causes` were ranked. */
  causeScope: CauseScope;
  /** Every incident of this load balancer that matched the code, with its own most likely cause for it. */
  incidents: CodeIncident[];
  /** Responses of this code inside those incidents' firing windows. */
  inIncidents: number;
}

/** Causes ranked on one incident's firing windows, or over the report's period where no incident matched. */
export type CauseScope =
  | { kind: 'incident'; rule: string; start: string; end: string }
  | { kind: 'background'; from: string; to: string };

export interface CodeIncident {
  id: string | null;
  rule: string;
  start: string;
  end: string;
  /** Responses of the code in its firing windows. */
  count: number;
  /** The incident's most likely cause for this code, or null when it ranked none. */
  topCause: CauseResult | null;
}

export interface MemberFigure {
  member: string;
  /** Set in the overall section, where members of different load balancers are ranked together. */
  loadBalancer?: string;
  requests: number;
  errors: { total: number; '4xx': number; '5xx': number };
}

export interface Incident {
  /** The analysis's incident id, or null for incidents merged here from alerts (analyses without incidents). */
  id: string | null;
  loadBalancer: string;
  rule: string;
  severity: Severity;
  /** Start of its first and end of its last firing window. */
  start: string;
  end: string;
  /** Still firing (not resolved) at the end of the data. */
  open: boolean;
  /** Inside a silence: recorded and reported, not paged. */
  silenced: boolean;
  windows: number;
  /** Sums over its windows. */
  requests: number;
  matched: number;
  statusCodes: Record<string, number>;
  /** The window with the highest rate (the earliest of equals). */
  peak: { start: string; end: string; rate: number; matched: number; requests: number };
  /** Most likely first, ranked once on the incident's firing windows (see `Incident` in the analysis model). */
  causes: CauseResult[];
}

export interface Section {
  headline: Headline;
  series: Series;
  codes: CodeFigure[];
  members: MemberFigure[];
  incidents: Incident[];
}

export interface LoadBalancerSection extends Section {
  name: string;
  format: string | null;
}

export interface InputsFigure {
  total: number;
  failed: number;
  lines: number;
  records: number;
  rejected: number;
  rejectsByReason: Record<string, number>;
  formats: Record<string, number>;
  /** The first MAX_FAILED_INPUTS inputs that could not be read to the end. */
  failures: { path: string; error: string }[];
}

export interface ReportModel {
  schema: typeof REPORT_SCHEMA;
  title: string;
  generatedAt: string;
  period: { from: string; to: string };
  windowMs: number;
  /** True when the period holds no window at all: renderers show "no data for this period". */
  empty: boolean;
  overall: Section;
  /** Most alerts first, then most errors, then by name. */
  loadBalancers: LoadBalancerSection[];
  inputs: InputsFigure;
  rules: RuleSummary[];
}

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

function addCounts(target: Record<string, number>, source: Record<string, number>): void {
  for (const key in source) target[key] = (target[key] ?? 0) + (source[key] ?? 0);
}

function headlineOf(windows: readonly WindowSummary[], alerts: readonly Alert[], incidents: number): Headline {
  const errors = { total: 0, '4xx': 0, '5xx': 0 };
  let requests = 0;
  let withoutStatus = 0;
  let lbGenerated = 0;
  for (const w of windows) {
    requests += w.requests;
    withoutStatus += w.withoutStatus ?? 0;
    for (const code in w.statusCodes) {
      const cls = statusClass(code);
      if (cls === null) continue;
      const n = w.statusCodes[code] ?? 0;
      errors[cls] += n;
      errors.total += n;
    }
    for (const code in w.lbGenerated) if (statusClass(code) !== null) lbGenerated += w.lbGenerated[code] ?? 0;
  }
  const bySeverity = { critical: 0, warning: 0, info: 0 };
  for (const a of alerts) bySeverity[a.severity] += 1;
  return {
    requests,
    withoutStatus,
    windows: windows.length,
    errors,
    errorRate: {
      total: rate(errors.total, requests),
      '4xx': rate(errors['4xx'], requests),
      '5xx': rate(errors['5xx'], requests),
    },
    lbGenerated,
    backendGenerated: errors.total - lbGenerated,
    alerts: { total: alerts.length, ...bySeverity },
    incidents,
  };
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

/** The rate rule with the most alerts among these (the first in the rules file of equals), or null. */
function mostFiredRateRule(rules: readonly RuleSummary[], alerts: readonly Alert[]): RuleSummary | null {
  let best: RuleSummary | null = null;
  let bestCount = 0;
  for (const rule of rules) {
    if (rule.rate === undefined) continue;
    const count = alerts.filter((a) => a.rule === rule.id).length;
    if (count > bestCount) {
      best = rule;
      bestCount = count;
    }
  }
  return best;
}

function rateSeriesOf(
  grid: Grid,
  windows: readonly WindowSummary[],
  alerts: readonly Alert[],
  rules: readonly RuleSummary[],
): RateSeries | null {
  const rule = mostFiredRateRule(rules, alerts);
  if (rule === null || rule.rate === undefined) return null;
  const matched = new Array<number>(grid.buckets).fill(0);
  const requests = new Array<number | null>(grid.buckets).fill(null);
  for (const w of windows) {
    const i = bucketIndex(grid, w.start);
    requests[i] = (requests[i] ?? 0) + w.requests;
    matched[i]! += matchedBy(rule, w);
  }
  return {
    rule: rule.id,
    threshold: rule.rate,
    values: requests.map((n, i) => (n === null || n === 0 ? null : matched[i]! / n)),
  };
}

function seriesOf(
  grid: Grid,
  windows: readonly WindowSummary[],
  alerts: readonly Alert[],
  rules: readonly RuleSummary[],
): Series {
  const gaps = (): (number | null)[] => new Array<number | null>(grid.buckets).fill(null);
  const series: Series = {
    start: iso(grid.startMs),
    bucketMs: grid.bucketMs,
    requests: gaps(),
    '4xx': gaps(),
    '5xx': gaps(),
    alerts: new Array<number>(grid.buckets).fill(0),
    rate: rateSeriesOf(grid, windows, alerts, rules),
  };
  for (const w of windows) {
    const i = bucketIndex(grid, w.start);
    series.requests[i] = (series.requests[i] ?? 0) + w.requests;
    series['4xx'][i] ??= 0;
    series['5xx'][i] ??= 0;
    for (const code in w.statusCodes) {
      const cls = statusClass(code);
      if (cls !== null) series[cls][i] = (series[cls][i] ?? 0) + (w.statusCodes[code] ?? 0);
    }
  }
  for (const a of alerts) {
    const i = bucketIndex(grid, a.windowStart);
    series.alerts[i] = (series.alerts[i] ?? 0) + 1;
  }
  return series;
}

/** Keeps, per cause id, the summed score and the evidence of its strongest occurrence; most likely first. */
function mergeCauses(lists: readonly (readonly CauseResult[])[]): CauseResult[] {
  const merged = new Map<string, { cause: CauseResult; total: number; best: number; order: number }>();
  for (const list of lists) {
    for (const cause of list) {
      const seen = merged.get(cause.id);
      if (seen === undefined) {
        merged.set(cause.id, { cause, total: cause.score, best: cause.score, order: merged.size });
      } else {
        seen.total += cause.score;
        if (cause.score > seen.best || (seen.cause.evidence === '' && cause.evidence !== '')) {
          seen.best = Math.max(seen.best, cause.score);
          seen.cause = cause;
        }
      }
    }
  }
  return [...merged.values()]
    .sort((a, b) => b.total - a.total || a.order - b.order)
    .map(({ cause, total }) => ({ ...cause, score: total }));
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

function codesOf(
  loadBalancer: string,
  windows: readonly WindowSummary[],
  alerts: readonly Alert[],
  incidents: readonly Incident[],
  analysis: AnalysisResult,
  period: { from: string; to: string },
): CodeFigure[] {
  const counts: Record<string, number> = {};
  const lb: Record<string, number> = {};
  for (const w of windows) {
    addCounts(counts, w.statusCodes);
    addCounts(lb, w.lbGenerated);
  }
  const alertsFor = (code: string): number => alerts.filter((a) => (a.statusCodes[code] ?? 0) > 0).length;
  return Object.entries(counts)
    .filter(([code, n]) => statusClass(code) !== null && n > 0)
    .map(([code, count]) => ({ code: Number(code), count, alerts: alertsFor(code) }))
    .sort(byAlertsThenCount)
    .slice(0, TOP_CODES)
    .map(({ code, count, alerts: alertCount }) => {
      const key = String(code);
      const matching = incidents
        .filter((i) => (i.statusCodes[key] ?? 0) > 0)
        .map((i) => ({ incident: i, count: i.statusCodes[key] ?? 0, causes: i.causes.filter((c) => c.code === code) }));
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
        causeScope = { kind: 'incident', rule: main.incident.rule, start: main.incident.start, end: main.incident.end };
      } else {
        const summary = analysis.codes?.find((c) => c.loadBalancer === loadBalancer && c.code === code);
        causes = summary?.causes ?? [];
        causeScope = { kind: 'background', from: period.from, to: period.to };
      }
      return {
        loadBalancer,
        code,
        count,
        lbGenerated: lb[key] ?? 0,
        alerts: alertCount,
        causes: causes.slice(0, TOP_CAUSES),
        causeScope,
        incidents: codeIncidents,
        inIncidents: matching.reduce((sum, m) => sum + m.count, 0),
      };
    });
}

interface MemberTotals {
  member: string;
  loadBalancer: string;
  requests: number;
  errors: { total: number; '4xx': number; '5xx': number };
}

function memberTotals(loadBalancer: string, windows: readonly WindowSummary[]): MemberTotals[] {
  const byMember = new Map<string, MemberTotals>();
  for (const w of windows) {
    for (const m of w.members ?? []) {
      let t = byMember.get(m.member);
      if (t === undefined) {
        t = { member: m.member, loadBalancer, requests: 0, errors: { total: 0, '4xx': 0, '5xx': 0 } };
        byMember.set(m.member, t);
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
  }
  return [...byMember.values()];
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

/**
 * The analysis's incidents as the report shows them: one row per incident, with the causes the incident ranked.
 * An open incident ends, for the report, with its last firing window.
 */
export function reportIncidents(incidents: readonly AnalysisIncident[], windowMs: number): Incident[] {
  return incidents
    .map((i): Incident => {
      const lastEnd = new Date(Date.parse(i.lastFiring) + windowMs).toISOString();
      return {
        id: i.id,
        loadBalancer: i.loadBalancer,
        rule: i.rule,
        severity: i.severity,
        start: i.start,
        end: i.end ?? lastEnd,
        open: i.end === null,
        silenced: i.silenced,
        windows: i.windows,
        requests: i.requests,
        matched: i.matched,
        statusCodes: { ...i.statusCodes },
        peak: {
          start: i.peak.windowStart,
          end: new Date(Date.parse(i.peak.windowStart) + windowMs).toISOString(),
          rate: i.peak.rate,
          matched: i.peak.matched,
          requests: i.peak.requests,
        },
        causes: i.causes.slice(0, TOP_CAUSES),
      };
    })
    .sort(byIncidentStart);
}

/**
 * For an analysis without incidents (JSON from before they existed): consecutive alerting windows of the same
 * load balancer and rule become one incident, with causes summed over its windows.
 */
export function incidentsFromAlerts(alerts: readonly Alert[]): Incident[] {
  const groups = new Map<string, Alert[]>();
  for (const a of alerts) {
    const key = JSON.stringify([a.loadBalancer, a.rule]);
    const list = groups.get(key);
    if (list === undefined) groups.set(key, [a]);
    else list.push(a);
  }
  const incidents: Incident[] = [];
  for (const list of groups.values()) {
    const sorted = [...list].sort((a, b) => Date.parse(a.windowStart) - Date.parse(b.windowStart));
    let run: Alert[] = [];
    const flush = (): void => {
      if (run.length > 0) incidents.push(incidentOf(run));
      run = [];
    };
    for (const a of sorted) {
      const last = run[run.length - 1];
      if (last !== undefined && Date.parse(last.windowEnd) !== Date.parse(a.windowStart)) flush();
      run.push(a);
    }
    flush();
  }
  return incidents.sort(byIncidentStart);
}

function byIncidentStart(a: Incident, b: Incident): number {
  return (
    Date.parse(a.start) - Date.parse(b.start) ||
    a.loadBalancer.localeCompare(b.loadBalancer) ||
    a.rule.localeCompare(b.rule)
  );
}

const SEVERITY_RANK: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };

function incidentOf(run: readonly Alert[]): Incident {
  const first = run[0]!;
  const last = run[run.length - 1]!;
  let peak = first;
  const statusCodes: Record<string, number> = {};
  let requests = 0;
  let matched = 0;
  let severity = first.severity;
  for (const a of run) {
    if (a.rate > peak.rate) peak = a;
    requests += a.requests;
    matched += a.matched;
    addCounts(statusCodes, a.statusCodes);
    if (SEVERITY_RANK[a.severity] < SEVERITY_RANK[severity]) severity = a.severity;
  }
  return {
    id: null,
    loadBalancer: first.loadBalancer,
    rule: first.rule,
    severity,
    start: first.windowStart,
    end: last.windowEnd,
    open: false,
    silenced: false,
    windows: run.length,
    requests,
    matched,
    statusCodes,
    peak: {
      start: peak.windowStart,
      end: peak.windowEnd,
      rate: peak.rate,
      matched: peak.matched,
      requests: peak.requests,
    },
    causes: mergeCauses(run.map((a) => a.causes)).slice(0, TOP_CAUSES),
  };
}

function inputsOf(inputs: readonly InputSummary[]): InputsFigure {
  const figure: InputsFigure = {
    total: inputs.length,
    failed: 0,
    lines: 0,
    records: 0,
    rejected: 0,
    rejectsByReason: {},
    formats: {},
    failures: [],
  };
  for (const input of inputs) {
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
  return figure;
}

interface LoadBalancerWork {
  section: LoadBalancerSection;
  members: MemberTotals[];
}

function loadBalancerOf(
  grid: Grid,
  name: string,
  group: { windows: WindowSummary[]; alerts: Alert[]; incidents: Incident[] },
  analysis: AnalysisResult,
  input: ReportInput,
): LoadBalancerWork {
  const { windows, alerts, incidents } = group;
  const rules = input.rules;
  const members = memberTotals(name, windows);
  return {
    section: {
      name,
      format: windows.find((w) => w.format !== undefined)?.format ?? null,
      headline: headlineOf(windows, alerts, incidents.length),
      series: seriesOf(grid, windows, alerts, rules),
      codes: codesOf(name, windows, alerts, incidents, analysis, input.period),
      members: rankMembers(members, false),
      incidents,
    },
    members,
  };
}

/** Sums per bucket; a bucket stays null (no data) only when it is null in every array. */
const sumArrays = (arrays: readonly (readonly (number | null)[])[], length: number): (number | null)[] => {
  const out = new Array<number | null>(length).fill(null);
  for (const a of arrays) {
    for (let i = 0; i < length; i++) {
      const v = a[i];
      if (v !== null && v !== undefined) out[i] = (out[i] ?? 0) + v;
    }
  }
  return out;
};

/**
 * The overall section from the per-load-balancer ones: every figure is a sum, codes and members are ranked
 * together but stay tied to their load balancer ("502 on shop-prod"), and incidents never span load balancers.
 */
function overallOf(
  grid: Grid,
  work: readonly LoadBalancerWork[],
  windows: readonly WindowSummary[],
  alertList: readonly Alert[],
  rules: readonly RuleSummary[],
): Section {
  const lbs = work.map((w) => w.section);
  const errors = { total: 0, '4xx': 0, '5xx': 0 };
  const alerts = { total: 0, critical: 0, warning: 0, info: 0 };
  let requests = 0;
  let withoutStatus = 0;
  let windowCount = 0;
  let lbGenerated = 0;
  let incidents = 0;
  for (const { headline: h } of lbs) {
    requests += h.requests;
    withoutStatus += h.withoutStatus;
    windowCount += h.windows;
    lbGenerated += h.lbGenerated;
    incidents += h.incidents;
    for (const k of ['total', '4xx', '5xx'] as const) errors[k] += h.errors[k];
    for (const k of ['total', 'critical', 'warning', 'info'] as const) alerts[k] += h.alerts[k];
  }
  const series = (key: '4xx' | '5xx' | 'requests'): (number | null)[] =>
    sumArrays(
      lbs.map((l) => l.series[key]),
      grid.buckets,
    );
  const alertsPerBucket = new Array<number>(grid.buckets).fill(0);
  for (const l of lbs) for (let i = 0; i < grid.buckets; i++) alertsPerBucket[i]! += l.series.alerts[i] ?? 0;
  return {
    headline: {
      requests,
      withoutStatus,
      windows: windowCount,
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
      requests: series('requests'),
      '4xx': series('4xx'),
      '5xx': series('5xx'),
      alerts: alertsPerBucket,
      rate: rateSeriesOf(grid, windows, alertList, rules),
    },
    // Each load balancer's top codes hold every code of the overall top, so ranking their union is exact.
    codes: lbs
      .flatMap((l) => l.codes)
      .sort(byAlertsThenCount)
      .slice(0, TOP_CODES),
    members: rankMembers(
      work.flatMap((w) => w.members),
      true,
    ),
    incidents: lbs.flatMap((l) => l.incidents).sort(byIncidentStart),
  };
}

/** Whether an incident's time overlaps [from, to); a bound that is not a number is open. */
function overlaps(i: Incident, fromMs: number, toMs: number): boolean {
  const start = Date.parse(i.start);
  const end = Date.parse(i.end);
  return (Number.isNaN(toMs) || start < toMs) && (Number.isNaN(fromMs) || end > fromMs);
}

/**
 * Computes every figure of a summary report, overall and per load balancer, from one analysis.
 *
 * Counts come from the analysis's windows (exactly what `lbwatch analyze --json` prints), restricted to the
 * period; causes come from its per-code summaries, else from its alerts. The result is plain JSON, stable in
 * key and array order, and is what `renderReport(input, 'json')` prints.
 *
 * @example
 * const model = buildReportModel({ generatedAt, period: { from, to }, windowMs: 300_000, analysis, rules });
 * model.overall.headline.errorRate['5xx']; // 0.012
 */
export function buildReportModel(input: ReportInput): ReportModel {
  const { analysis } = input;
  const windowMs = Number.isFinite(input.windowMs) && input.windowMs > 0 ? input.windowMs : 300_000;
  let fromMs = Date.parse(input.period.from);
  let toMs = Date.parse(input.period.to);
  const inPeriod = (start: string): boolean => {
    const t = Date.parse(start);
    return (Number.isNaN(fromMs) || t >= fromMs) && (Number.isNaN(toMs) || t < toMs);
  };
  const windows = analysis.windows.filter((w) => inPeriod(w.start));
  const alerts = analysis.alerts.filter((a) => inPeriod(a.windowStart));
  // Incidents that fired inside the period, whole: the report names each once, with the causes it ranked.
  const incidents =
    analysis.incidents === undefined
      ? incidentsFromAlerts(alerts)
      : reportIncidents(analysis.incidents, windowMs).filter((i) => overlaps(i, fromMs, toMs));
  // An unparseable bound falls back to the data so a report still renders.
  if (Number.isNaN(fromMs)) fromMs = Math.min(...windows.map((w) => Date.parse(w.start)), Date.now());
  if (Number.isNaN(toMs)) toMs = Math.max(...windows.map((w) => Date.parse(w.end)), fromMs + windowMs);
  const grid = gridOf(fromMs, Math.max(toMs, fromMs + 1), windowMs);

  const byName = new Map<string, { windows: WindowSummary[]; alerts: Alert[]; incidents: Incident[] }>();
  const groupOf = (name: string) => {
    let group = byName.get(name);
    if (group === undefined) {
      group = { windows: [], alerts: [], incidents: [] };
      byName.set(name, group);
    }
    return group;
  };
  for (const w of windows) groupOf(w.loadBalancer).windows.push(w);
  for (const a of alerts) groupOf(a.loadBalancer).alerts.push(a);
  for (const i of incidents) groupOf(i.loadBalancer).incidents.push(i);
  const work = [...byName].map(([name, group]) => loadBalancerOf(grid, name, group, analysis, input));
  const loadBalancers = work
    .map((w) => w.section)
    .sort(
      (a, b) =>
        b.headline.alerts.total - a.headline.alerts.total ||
        b.headline.errors.total - a.headline.errors.total ||
        a.name.localeCompare(b.name),
    );

  return {
    schema: REPORT_SCHEMA,
    title: input.title ?? 'lbwatch report',
    generatedAt: input.generatedAt,
    period: { from: input.period.from, to: input.period.to },
    windowMs,
    empty: windows.length === 0 && alerts.length === 0 && incidents.length === 0,
    overall: overallOf(grid, work, windows, alerts, input.rules),
    loadBalancers,
    inputs: inputsOf(analysis.inputs),
    rules: input.rules.map((r) => ({ ...r, codes: [...r.codes] })),
  };
}

/** The part of a window aggregate that `withRecordsWithoutStatus` reads. */
export interface WithoutStatusCount {
  loadBalancer: string;
  /** Window start, epoch ms. */
  start: number;
  withoutStatus: number;
}

/**
 * Copies the count of records without an HTTP status (CLB TCP-listener connections) from the window aggregates
 * onto the analysis windows that lack it, so the report can reconcile its requests with the records read.
 *
 * @example
 * const analysis = withRecordsWithoutStatus(analyze({ inputs, windows, rules }), windows);
 */
export function withRecordsWithoutStatus(
  analysis: AnalysisResult,
  aggregates: readonly WithoutStatusCount[],
): AnalysisResult {
  const counts = new Map<string, number>();
  for (const a of aggregates) {
    if (a.withoutStatus <= 0) continue;
    const key = JSON.stringify([a.loadBalancer, a.start]);
    counts.set(key, (counts.get(key) ?? 0) + a.withoutStatus);
  }
  if (counts.size === 0) return analysis;
  const windows = analysis.windows.map((w) => {
    if (w.withoutStatus !== undefined) return w;
    const n = counts.get(JSON.stringify([w.loadBalancer, Date.parse(w.start)]));
    return n === undefined ? w : { ...w, withoutStatus: n };
  });
  return { ...analysis, windows };
}
