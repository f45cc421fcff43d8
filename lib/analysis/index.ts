/**
 * Analysis: window aggregates + rules -> the AnalysisResult that `lbwatch analyze --json` prints, the report
 * renders and the functions publish.
 */
import { combineWindows, mergeAll, OTHER_KEY, type WindowAggregate } from '../aggregate/index.js';
import { rankCauses } from '../causes/index.js';
import { rankCodesCauses } from '../causes/weighted.js';
import { deriveIncidents, gapsOf } from '../incidents/index.js';
import type {
  Alert,
  AnalysisResult,
  CauseResult,
  CodeSummary,
  InputSummary,
  MemberSummary,
  Severity,
  WindowSummary,
} from '../model.js';
import { evaluateRule } from '../rules/evaluate.js';
import type { RuleSet } from '../rules/index.js';

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
  for (const lb of [...byLb.keys()].sort()) {
    const combined = combineWindows(byLb.get(lb) ?? []);
    if (combined === null) continue;
    const thresholds = rules.thresholds[combined.format ?? 'otc-elb'];
    const codes = Object.entries(combined.statusCodes)
      .filter(([code, n]) => Number(code) >= 400 && n > 0)
      .sort((a, b) => b[1] - a[1] || Number(a[0]) - Number(b[0]))
      .slice(0, limit);
    for (const [code, count] of codes) {
      out.push({
        loadBalancer: lb,
        code: Number(code),
        count,
        lbGenerated: combined.lbGenerated[code] ?? 0,
        causes: rankCauses(combined, Number(code), thresholds),
      });
    }
  }
  return out;
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
  const alerts = windows
    .flatMap((w) => evaluateWindow(w, input.rules))
    .sort(
      (a, b) =>
        a.windowStart.localeCompare(b.windowStart) ||
        (a.loadBalancer < b.loadBalancer ? -1 : a.loadBalancer > b.loadBalancer ? 1 : 0) ||
        SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity],
    );
  return {
    inputs: input.inputs,
    windows: windows.map(summarizeWindow),
    alerts,
    incidents: deriveIncidents(windows, input.rules),
    logGaps: gapsOf(windows, input.rules.logsMissing),
    codes: summarizeCodes(windows, input.rules),
  };
}
