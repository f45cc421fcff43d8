/**
 * Analysis: window aggregates + rules -> the AnalysisResult that `lbwatch analyze --json` prints, the report
 * renders and the functions publish.
 */
import {
  combinePeriod,
  createWindowCombiner,
  foldInto,
  hourOf,
  mergeAll,
  OTHER_KEY,
  type WindowAggregate,
  type WindowCombiner,
} from '../aggregate/index.js';
import { rankCauses } from '../causes/index.js';
import { rankCodesCauses } from '../causes/weighted.js';
import {
  byIncidentStart,
  createGapTracker,
  createSpanTracker,
  deriveIncidents,
  gapsOf,
  type IncidentSpan,
  incidentWithCauses,
  type SpanTracker,
  verdictOf,
  type WindowVerdict,
} from '../incidents/index.js';
import type {
  Alert,
  AnalysisResult,
  CauseResult,
  CodeSummary,
  Incident,
  InputSummary,
  MemberSummary,
  Severity,
  WindowSummary,
} from '../model.js';
import type { RolledHour } from '../rollup/index.js';
import { evaluateRule } from '../rules/evaluate.js';
import { type Rule, type RuleSet, resolveAfterWindows, rulesDigest } from '../rules/index.js';

/** Members listed per window in summaries (the rest is folded into `(other)`). */
export const SUMMARY_MEMBERS = 10;
/** Error codes listed per load balancer in `codes`. */
export const SUMMARY_CODES = 10;

const SEVERITY_ORDER: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function plain(counts: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of Object.keys(counts).sort((a, b) => Number(a) - Number(b))) {
    const n = counts[key] ?? 0;
    if (n > 0) out[key] = n;
  }
  return out;
}

/**
 * Causes across several codes of one window's alert, most likely first (see {@link rankCodesCauses}).
 */
export function rankAlertCauses(window: WindowAggregate, codes: Record<string, number>, rules: RuleSet): CauseResult[] {
  return rankCodesCauses(window, codes, rules.thresholds);
}

/**
 * Applies every rule to one window. A window without requests never fires: "no requests" is not "no errors"
 * and not an error either.
 *
 * @example
 * const alerts = mergeAll(partials).flatMap((w) => evaluateWindow(w, DEFAULT_RULES));
 */
export function evaluateWindow(window: WindowAggregate, rules: RuleSet): Alert[] {
  const alerts: Alert[] = [];
  for (const rule of rules.rules) {
    const hit = evaluateRule(window, rule);
    if (hit === null) continue;
    alerts.push({
      rule: rule.id,
      severity: rule.severity,
      loadBalancer: window.loadBalancer,
      windowStart: iso(window.start),
      windowEnd: iso(window.start + window.windowMs),
      ...hit,
      causes: rankAlertCauses(window, hit.statusCodes, rules),
    });
  }
  return alerts;
}

function memberErrors(errors: Record<string, number>): number {
  return Object.values(errors).reduce((s, n) => s + n, 0);
}

/** Top members by errors then requests, the rest folded into `(other)`. */
export function summarizeMembers(window: WindowAggregate, limit = SUMMARY_MEMBERS): MemberSummary[] {
  const members = Object.entries(window.members).map(
    ([member, m]): MemberSummary => ({ member, requests: m.requests, errors: plain(m.errors) }),
  );
  const named = members
    .filter((m) => m.member !== OTHER_KEY)
    .sort(
      (a, b) =>
        memberErrors(b.errors) - memberErrors(a.errors) ||
        b.requests - a.requests ||
        (a.member < b.member ? -1 : a.member > b.member ? 1 : 0),
    );
  const kept = named.slice(0, limit);
  const rest = [...named.slice(limit), ...members.filter((m) => m.member === OTHER_KEY)];
  if (rest.length > 0) {
    const errors: Record<string, number> = {};
    for (const m of rest) for (const [code, n] of Object.entries(m.errors)) errors[code] = (errors[code] ?? 0) + n;
    kept.push({ member: OTHER_KEY, requests: rest.reduce((s, m) => s + m.requests, 0), errors: plain(errors) });
  }
  return kept;
}

/** The window as JSON consumers see it (ISO times, plain objects). */
export function summarizeWindow(window: WindowAggregate): WindowSummary {
  const summary: WindowSummary = {
    loadBalancer: window.loadBalancer,
    start: iso(window.start),
    end: iso(window.start + window.windowMs),
    requests: window.requests,
    statusCodes: plain(window.statusCodes),
    lbGenerated: plain(window.lbGenerated),
    members: summarizeMembers(window),
  };
  if (window.format !== null) summary.format = window.format;
  // CLB TCP-listener records have no HTTP status: counted apart so figures reconcile with the records read.
  if (window.withoutStatus > 0) summary.withoutStatus = window.withoutStatus;
  return summary;
}

/** Per load balancer, its most frequent error codes over the whole period, with causes ranked on the period. */
export function summarizeCodes(
  windows: readonly WindowAggregate[],
  rules: RuleSet,
  limit = SUMMARY_CODES,
): CodeSummary[] {
  const byLb = new Map<string, WindowAggregate[]>();
  for (const w of windows) {
    const list = byLb.get(w.loadBalancer);
    if (list === undefined) byLb.set(w.loadBalancer, [w]);
    else list.push(w);
  }
  const out: CodeSummary[] = [];
  for (const lb of [...byLb.keys()].sort()) out.push(...codesOf(lb, combinePeriod(byLb.get(lb) ?? []), rules, limit));
  return out;
}

/** One load balancer's most frequent error codes in its combined period aggregate, with causes. */
function codesOf(lb: string, combined: WindowAggregate | null, rules: RuleSet, limit: number): CodeSummary[] {
  if (combined === null) return [];
  const thresholds = rules.thresholds[combined.format ?? 'otc-elb'];
  return Object.entries(combined.statusCodes)
    .filter(([code, n]) => Number(code) >= 400 && n > 0)
    .sort((a, b) => b[1] - a[1] || Number(a[0]) - Number(b[0]))
    .slice(0, limit)
    .map(([code, count]) => ({
      loadBalancer: lb,
      code: Number(code),
      count,
      lbGenerated: combined.lbGenerated[code] ?? 0,
      causes: rankCauses(combined, Number(code), thresholds),
    }));
}

/** Alerts by window, then load balancer, then severity (a stable sort: rule order within one window stays). */
function byAlertWindow(a: Alert, b: Alert): number {
  return (
    a.windowStart.localeCompare(b.windowStart) ||
    (a.loadBalancer < b.loadBalancer ? -1 : a.loadBalancer > b.loadBalancer ? 1 : 0) ||
    SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]
  );
}

/**
 * Turns inputs, window aggregates (partials are merged first) and rules into the analysis result. Alerts are
 * sorted by window, then load balancer, then severity.
 *
 * @example
 * const result = analyze({ inputs, windows: aggregator.windows(), rules: DEFAULT_RULES });
 */
export function analyze(input: { inputs: InputSummary[]; windows: WindowAggregate[]; rules: RuleSet }): AnalysisResult {
  const windows = mergeAll(input.windows);
  const alerts = windows.flatMap((w) => evaluateWindow(w, input.rules)).sort(byAlertWindow);
  return {
    inputs: input.inputs,
    windows: windows.map(summarizeWindow),
    alerts,
    incidents: deriveIncidents(windows, input.rules),
    logGaps: gapsOf(windows, input.rules.logsMissing),
    codes: summarizeCodes(windows, input.rules),
  };
}

/** Analysis of windows fed one at a time; see {@link createStreamingAnalysis}. */
export interface StreamingAnalysis {
  /**
   * Adds one merged window (one per load balancer and start). Each load balancer's starts must increase; load
   * balancers may interleave. The window is only read: the caller can drop it afterwards.
   */
  add(window: WindowAggregate): void;
  /**
   * Adds a rolled hour: the same as adding each of its windows (rolled with the same rules, see lib/rollup), at a
   * fraction of the work.
   *
   * @throws RangeError when it was rolled with other rules.
   */
  addRolled(hour: RolledHour): void;
  /**
   * The analysis of every window added, exactly as {@link analyze} gives it for the same windows. Call it once.
   * With `onWindow`, the windows and alerts went there and are not in the result.
   */
  finish(inputs: InputSummary[]): AnalysisResult;
}

/** Where a streaming analysis hands each window's summary and alerts instead of keeping them. */
export type WindowSink = (summary: WindowSummary, alerts: readonly Alert[]) => void;

/** One (load balancer, rule)'s incident tracking: the open span's firing windows merged so far. */
interface RuleTrack {
  rule: Rule;
  spans: SpanTracker;
  firing: WindowCombiner | null;
}

interface LbTrack {
  /** The load balancer's name, detached from the text it was parsed from. */
  name: string;
  /** The period's hours combined (as combinePeriod does), and the fold of the hour still coming in. */
  period: WindowCombiner;
  hourFold: WindowAggregate | null;
  hour: number;
  rules: RuleTrack[];
  lastStart: number;
}

/**
 * A copy of a small value that shares no string with what it was made from. V8 keeps a string parsed by JSON.parse
 * as a slice of the whole parsed text: a load balancer name or a cause sentence kept from a window document would
 * keep that document's text (tens of KB) alive for the whole report.
 */
function detached<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/**
 * Streaming form of {@link analyze} for a long period: it keeps per load balancer a running period aggregate (for
 * `codes`) and the merged aggregate of each open incident's firing windows; per window its summary and alerts go to
 * `onWindow` when given (a report folds them as they come), else they are kept for the result. Its memory grows
 * with load balancers, never with whole aggregates, and with windows only when it keeps them.
 *
 * @example
 * const analysis = createStreamingAnalysis(rules);
 * for await (const w of windowsInStartOrder) analysis.add(w);
 * const result = analysis.finish(inputs);
 */
export function createStreamingAnalysis(rules: RuleSet, options: { onWindow?: WindowSink } = {}): StreamingAnalysis {
  const lbs = new Map<string, LbTrack>();
  const windows: { start: number; loadBalancer: string; summary: WindowSummary; alerts: Alert[] }[] = [];
  const incidents: Incident[] = [];
  const gaps = createGapTracker(rules.logsMissing);
  const digest = rulesDigest(rules);

  function close(lb: string, track: RuleTrack, span: IncidentSpan): void {
    incidents.push(detached(incidentWithCauses(lb, track.rule, span, track.firing?.result() ?? null, rules)));
    track.firing = null;
  }

  /** Adds the load balancer's hour folded so far to its period. */
  function flushHour(lb: LbTrack): void {
    if (lb.hourFold !== null) lb.period.add(lb.hourFold);
    lb.hourFold = null;
    lb.hour = Number.NaN;
  }

  /** The load balancer's track, checking that `start` comes after its last window. */
  function trackOf(loadBalancer: string, start: number, windowMs: number): LbTrack {
    let lb = lbs.get(loadBalancer);
    if (lb === undefined) {
      // As in deriveIncidents, a load balancer's resolve-after is counted in its first window's length.
      lb = {
        name: detached(loadBalancer),
        period: createWindowCombiner(),
        hourFold: null,
        hour: Number.NaN,
        rules: rules.rules.map((rule) => ({
          rule,
          spans: createSpanTracker(resolveAfterWindows(rule.incidents, windowMs)),
          firing: null,
        })),
        lastStart: Number.NEGATIVE_INFINITY,
      };
      lbs.set(lb.name, lb);
    } else if (start === lb.lastStart) {
      throw new RangeError(`window ${loadBalancer}@${start} added twice: merge partials first`);
    } else if (start < lb.lastStart) {
      throw new RangeError(`window ${loadBalancer}@${start} comes after start ${lb.lastStart}`);
    }
    lb.lastStart = start;
    return lb;
  }

  /** One window's verdicts, gap and summary, whether it came whole or rolled. */
  function step(
    lb: LbTrack,
    w: { start: number; windowMs: number; requests: number; withoutStatus: number },
    verdicts: readonly { alert: WindowVerdict['alert']; silenced: boolean }[],
    aggregate: WindowAggregate | null,
    summary: WindowSummary,
    alerts: Alert[],
  ): void {
    lb.rules.forEach((track, i) => {
      const v = verdicts[i] ?? { alert: null, silenced: false };
      const verdict: WindowVerdict = { start: w.start, windowMs: w.windowMs, requests: w.requests, ...v };
      const { opened, resolved } = track.spans.push(verdict);
      if (resolved !== null) close(lb.name, track, resolved);
      if (opened !== null) track.firing = createWindowCombiner();
      if (aggregate !== null && track.spans.open()?.firing.at(-1)?.start === w.start) track.firing?.add(aggregate);
    });
    gaps.add({
      loadBalancer: lb.name,
      start: w.start,
      windowMs: w.windowMs,
      requests: w.requests,
      withoutStatus: w.withoutStatus,
    });
    if (options.onWindow !== undefined) options.onWindow(summary, alerts);
    else
      windows.push({
        start: w.start,
        loadBalancer: lb.name,
        summary: detached(summary),
        alerts: alerts.length === 0 ? alerts : detached(alerts),
      });
  }

  return {
    add(w) {
      const lb = trackOf(w.loadBalancer, w.start, w.windowMs);
      if (hourOf(w.start) !== lb.hour) {
        flushHour(lb);
        lb.hour = hourOf(w.start);
      }
      lb.hourFold = foldInto(lb.hourFold, w);
      const verdicts = lb.rules.map((track) => verdictOf(w, track.rule, rules));
      step(lb, w, verdicts, w, summarizeWindow(w), evaluateWindow(w, rules));
    },
    addRolled(hour) {
      if (hour.rules !== digest)
        throw new RangeError(`rollup ${hour.loadBalancer}@${hour.start} was rolled with other rules`);
      const first = hour.windows[0];
      if (first === undefined) return;
      let lb = trackOf(hour.loadBalancer, Date.parse(first.summary.start), hour.windowMs);
      flushHour(lb);
      lb.period.add(hour.aggregate);
      hour.windows.forEach((rw, i) => {
        const start = Date.parse(rw.summary.start);
        if (i > 0) lb = trackOf(hour.loadBalancer, start, hour.windowMs);
        const w = {
          start,
          windowMs: hour.windowMs,
          requests: rw.summary.requests,
          withoutStatus: rw.summary.withoutStatus ?? 0,
        };
        step(lb, w, rw.verdicts, rw.firing, rw.summary, rw.alerts);
      });
    },
    finish(inputs) {
      for (const lb of lbs.values()) flushHour(lb);
      for (const [name, lb] of lbs) {
        for (const track of lb.rules) {
          const open = track.spans.open();
          if (open !== null) close(name, track, open);
        }
      }
      const ordered = [...windows].sort(
        (a, b) => a.start - b.start || (a.loadBalancer < b.loadBalancer ? -1 : a.loadBalancer > b.loadBalancer ? 1 : 0),
      );
      const codes: CodeSummary[] = [];
      for (const name of [...lbs.keys()].sort()) {
        codes.push(...codesOf(name, lbs.get(name)?.period.result() ?? null, rules, SUMMARY_CODES));
      }
      return {
        inputs,
        windows: ordered.map((w) => w.summary),
        alerts: ordered.flatMap((w) => w.alerts).sort(byAlertWindow),
        incidents: [...incidents].sort(byIncidentStart),
        logGaps: gaps.gaps(),
        codes,
      };
    },
  };
}
