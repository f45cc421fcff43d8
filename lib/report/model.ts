/**
 * The report model: every figure a summary report shows, computed once from an `AnalysisResult` so the HTML,
 * Markdown and JSON renderings cannot disagree with each other or with `lbwatch analyze --json`.
 */
import type { Alert, Incident as AnalysisIncident, AnalysisResult, CauseResult, Severity } from '../model.js';
import { addCounts, byIncidentStart, createReportBuilder } from './builder.js';

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

/**
 * Computes every figure of a summary report, overall and per load balancer, from one analysis.
 *
 * Counts come from the analysis's windows (exactly what `lbwatch analyze --json` prints), restricted to the
 * period; causes come from its per-code summaries, else from its alerts. The result is plain JSON, stable in
 * key and array order, and is what `renderReport(input, 'json')` prints. It is the streaming
 * {@link createReportBuilder} fed from the whole analysis, so the functions' report (fed window by window) is the same.
 *
 * @example
 * const model = buildReportModel({ generatedAt, period: { from, to }, windowMs: 300_000, analysis, rules });
 * model.overall.headline.errorRate['5xx']; // 0.012
 */
export function buildReportModel(input: ReportInput): ReportModel {
  const { analysis, ...frame } = input;
  const windowMs = Number.isFinite(input.windowMs) && input.windowMs > 0 ? input.windowMs : 300_000;
  const builder = createReportBuilder(frame, {
    chart: chartBounds(input, windowMs),
    incidentsFromAlerts: analysis.incidents === undefined,
  });
  for (const w of analysis.windows) builder.window(w);
  for (const a of analysis.alerts) builder.alert(a);
  for (const i of analysis.inputs) builder.input(i);
  return builder.finish({ incidents: analysis.incidents, codes: analysis.codes });
}

/** The chart's span: the period, or where a bound does not parse, the data's. */
function chartBounds(input: ReportInput, windowMs: number): { fromMs: number; toMs: number } {
  let fromMs = Date.parse(input.period.from);
  let toMs = Date.parse(input.period.to);
  const inPeriod = (start: string): boolean => {
    const t = Date.parse(start);
    return (Number.isNaN(fromMs) || t >= fromMs) && (Number.isNaN(toMs) || t < toMs);
  };
  const windows = input.analysis.windows.filter((w) => inPeriod(w.start));
  if (Number.isNaN(fromMs)) fromMs = Math.min(...windows.map((w) => Date.parse(w.start)), Date.now());
  if (Number.isNaN(toMs)) toMs = Math.max(...windows.map((w) => Date.parse(w.end)), fromMs + windowMs);
  return { fromMs, toMs };
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
