/**
 * Incidents: the unit of paging, diagnosis and reporting. Window results of one (load balancer, rule) become
 * incidents: an incident opens with the first firing window, stays open through firing windows and through quiet
 * stretches shorter than `resolveAfter`, and resolves after `resolveAfter` of quiet windows that had requests. A
 * window without requests neither fires nor counts as quiet. Causes are ranked once per incident, on the merged
 * aggregate of its firing windows, with evidence sentences that name that scope.
 *
 * Pure: the CLI derives incidents from every window at once; the functions keep the same verdicts in an incident
 * record and derive from them (see ./record.ts).
 */
import { createHash } from 'node:crypto';
import { combineWindows, type WindowAggregate } from '../aggregate/index.js';
import { scopePhrase } from '../causes/index.js';
import { rankCodesCauses } from '../causes/weighted.js';
import type { Alert, Incident, IncidentPeak, Severity } from '../model.js';
import { evaluateRule } from '../rules/evaluate.js';
import { type Rule, type RuleSet, resolveAfterWindows, silencedBy } from '../rules/index.js';

export { createGapTracker, type GapTracker, type GapWindow, gapsOf, type LogGap } from './gaps.js';

/** One window of one (load balancer, rule): fired (with its alert), quiet (requests, no alert), or neither. */
export interface WindowVerdict {
  start: number;
  windowMs: number;
  requests: number;
  /** Present when the rule fired in this window. */
  alert: Pick<Alert, 'requests' | 'matched' | 'rate' | 'statusCodes'> | null;
  /** Inside a silence. */
  silenced: boolean;
}

/** A run of firing windows that became one incident. */
export interface IncidentSpan {
  /** Firing windows in time order (at least one). */
  firing: WindowVerdict[];
  /** End of the quiet window that resolved it, or null while open at the end of the verdicts. */
  resolvedAt: number | null;
}

/** Follows one (load balancer, rule)'s verdicts in time order and cuts them into incident spans as they come. */
export interface SpanTracker {
  /**
   * Adds the next verdict (a later start than the previous one). Returns the span it opened (its first firing
   * window) and the span it resolved, each null when it did neither.
   */
  push(verdict: WindowVerdict): { opened: IncidentSpan | null; resolved: IncidentSpan | null };
  /** The span still open, or null. */
  open(): IncidentSpan | null;
}

/**
 * The state machine behind {@link incidentSpans}, one verdict at a time, so a reader can keep only the open span.
 *
 * @example
 * const tracker = createSpanTracker(2);
 * for (const v of verdictsInTimeOrder) tracker.push(v);
 */
export function createSpanTracker(resolveAfter: number): SpanTracker {
  let open: IncidentSpan | null = null;
  let quiet = 0;
  return {
    push(v) {
      if (v.alert !== null) {
        let opened: IncidentSpan | null = null;
        if (open === null) {
          open = { firing: [], resolvedAt: null };
          opened = open;
        }
        open.firing.push(v);
        quiet = 0;
        return { opened, resolved: null };
      }
      if (open !== null && v.requests > 0) {
        quiet += 1;
        if (quiet >= resolveAfter) {
          const resolved: IncidentSpan = open;
          resolved.resolvedAt = v.start + v.windowMs;
          open = null;
          quiet = 0;
          return { opened: null, resolved };
        }
      }
      return { opened: null, resolved: null };
    },
    open: () => open,
  };
}

/**
 * Splits one (load balancer, rule)'s verdicts into incidents. Order of the input does not matter (it is sorted by
 * start; a duplicated start keeps its last verdict).
 *
 * @example
 * incidentSpans(verdicts, 2) // [{ firing: [w1, w2, w4], resolvedAt: w6 end }, ...]
 */
export function incidentSpans(verdicts: readonly WindowVerdict[], resolveAfter: number): IncidentSpan[] {
  const byStart = new Map<number, WindowVerdict>();
  for (const v of verdicts) byStart.set(v.start, v);
  const ordered = [...byStart.values()].sort((a, b) => a.start - b.start);
  const tracker = createSpanTracker(resolveAfter);
  const spans: IncidentSpan[] = [];
  for (const v of ordered) {
    const { opened } = tracker.push(v);
    if (opened !== null) spans.push(opened);
  }
  return spans;
}

/** One window's verdict for one rule of its load balancer. */
export function verdictOf(window: WindowAggregate, rule: Rule, rules: RuleSet): WindowVerdict {
  return {
    start: window.start,
    windowMs: window.windowMs,
    requests: window.requests,
    alert: evaluateRule(window, rule),
    silenced: silencedBy(rules.silences, window.loadBalancer, rule.id, window.start) !== null,
  };
}

/** Stable id from load balancer, rule and start: the same data gives the same id however it is split or ordered. */
export function incidentId(loadBalancer: string, rule: string, startMs: number): string {
  const hash = createHash('sha256').update(`${loadBalancer}\n${rule}\n${startMs}`).digest('hex').slice(0, 24);
  return `lbw-${hash}`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** The firing window with the highest rate, the earliest of equals. */
export function peakOf(firing: readonly WindowVerdict[]): IncidentPeak {
  let best: WindowVerdict | null = null;
  for (const v of firing) if (v.alert !== null && (best === null || v.alert.rate > (best.alert?.rate ?? 0))) best = v;
  const alert = best?.alert ?? { rate: 0, matched: 0, requests: 0 };
  return { windowStart: iso(best?.start ?? 0), rate: alert.rate, matched: alert.matched, requests: alert.requests };
}

export interface IncidentFacts {
  loadBalancer: string;
  rule: string;
  severity: Severity;
  span: IncidentSpan;
  /** Ranks causes on the merged aggregate of the firing windows (null: no aggregate at hand, no causes). */
  causes: Incident['causes'];
}

/** Everything of an incident but its causes, from its span. */
export function incidentOf(facts: IncidentFacts): Incident {
  const { span } = facts;
  const first = span.firing[0] as WindowVerdict;
  const last = span.firing[span.firing.length - 1] as WindowVerdict;
  let requests = 0;
  let matched = 0;
  const codes: Record<string, number> = {};
  for (const v of span.firing) {
    if (v.alert === null) continue;
    requests += v.alert.requests;
    matched += v.alert.matched;
    for (const [code, n] of Object.entries(v.alert.statusCodes)) codes[code] = (codes[code] ?? 0) + n;
  }
  const statusCodes: Record<string, number> = {};
  for (const code of Object.keys(codes).sort((a, b) => Number(a) - Number(b))) statusCodes[code] = codes[code] ?? 0;
  return {
    id: incidentId(facts.loadBalancer, facts.rule, first.start),
    loadBalancer: facts.loadBalancer,
    rule: facts.rule,
    severity: facts.severity,
    start: iso(first.start),
    end: span.resolvedAt === null ? null : iso(last.start + last.windowMs),
    lastFiring: iso(last.start),
    windows: span.firing.length,
    peak: peakOf(span.firing),
    requests,
    matched,
    statusCodes,
    causes: facts.causes,
    silenced: span.firing.every((v) => v.silenced),
  };
}

/** The evidence scope of an incident's firing windows ("in this window", "in the 3 windows 05:40–05:55"). */
export function incidentScope(span: IncidentSpan): string {
  const first = span.firing[0] as WindowVerdict;
  const last = span.firing[span.firing.length - 1] as WindowVerdict;
  return scopePhrase(span.firing.length, first.start, last.start + last.windowMs, first.windowMs);
}

/**
 * Merges the firing windows' aggregates and ranks the incident's causes once, with the function alerts use.
 */
export function rankIncidentCauses(
  span: IncidentSpan,
  aggregates: readonly WindowAggregate[],
  statusCodes: Record<string, number>,
  rules: RuleSet,
): Incident['causes'] {
  return rankMergedCauses(span, combineWindows(aggregates), statusCodes, rules);
}

/** {@link rankIncidentCauses} on the firing windows already merged (null: none at hand, no causes). */
export function rankMergedCauses(
  span: IncidentSpan,
  merged: WindowAggregate | null,
  statusCodes: Record<string, number>,
  rules: RuleSet,
): Incident['causes'] {
  if (merged === null) return [];
  return rankCodesCauses(merged, statusCodes, rules.thresholds, incidentScope(span));
}

/** A whole incident of one (load balancer, rule) span, causes ranked on the merged aggregate of its firing windows. */
export function incidentWithCauses(
  loadBalancer: string,
  rule: Rule,
  span: IncidentSpan,
  merged: WindowAggregate | null,
  rules: RuleSet,
): Incident {
  const incident = incidentOf({ loadBalancer, rule: rule.id, severity: rule.severity, span, causes: [] });
  incident.causes = rankMergedCauses(span, merged, incident.statusCodes, rules);
  return incident;
}

/** Incidents by start, then load balancer, then rule (the order every incident list is given in). */
export function byIncidentStart(a: Incident, b: Incident): number {
  return (
    a.start.localeCompare(b.start) ||
    (a.loadBalancer < b.loadBalancer ? -1 : a.loadBalancer > b.loadBalancer ? 1 : 0) ||
    (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0)
  );
}

/**
 * Every incident in a set of merged windows, by start, then load balancer, then rule.
 *
 * @example
 * const incidents = deriveIncidents(mergeAll(partials), rules);
 */
export function deriveIncidents(windows: readonly WindowAggregate[], rules: RuleSet): Incident[] {
  const byLb = new Map<string, WindowAggregate[]>();
  for (const w of windows) {
    const list = byLb.get(w.loadBalancer);
    if (list === undefined) byLb.set(w.loadBalancer, [w]);
    else list.push(w);
  }
  const incidents: Incident[] = [];
  for (const [lb, list] of byLb) {
    const byStart = new Map(list.map((w) => [w.start, w]));
    for (const rule of rules.rules) {
      const verdicts = list.map((w) => verdictOf(w, rule, rules));
      for (const span of incidentSpans(verdicts, resolveAfterWindows(rule.incidents, list[0]?.windowMs ?? 1))) {
        const aggregates = span.firing.map((v) => byStart.get(v.start)).filter((w) => w !== undefined);
        incidents.push(incidentWithCauses(lb, rule, span, combineWindows(aggregates), rules));
      }
    }
  }
  return incidents.sort(byIncidentStart);
}

/** Human duration of an incident: `15 min`, `1 h 5 min`, `2 d 3 h`. */
export function durationText(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours < 48) return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
  const days = Math.floor(hours / 24);
  const h = hours % 24;
  return h === 0 ? `${days} d` : `${days} d ${h} h`;
}

/** The evidence scope of an incident given its firing window starts (in any order). */
export function incidentScopeOf(firingStarts: readonly number[], windowMs: number): string {
  if (firingStarts.length === 0) return 'in this incident';
  const first = Math.min(...firingStarts);
  const last = Math.max(...firingStarts);
  return scopePhrase(firingStarts.length, first, last + windowMs, windowMs);
}
