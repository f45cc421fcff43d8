/**
 * Hourly rollups: everything a report reads of one load balancer's hour, computed once when the hour has closed, so a
 * report of a day reads 24 small documents per load balancer instead of 288 window aggregates, and a report of a
 * month 720. A rollup holds, for the windows that start in the hour: each window's summary, alerts and per-rule
 * verdicts (what incidents are cut from), the aggregate of the windows where a rule fired (their incident's causes
 * are ranked on it), the hour's windows folded into one unbounded aggregate (the period's per-code causes), and the
 * hour's input figures. Fed to the streaming analysis it gives exactly what the windows themselves give; the
 * verdicts are those of the rules it was rolled with, so a rollup rolled under other rules is not used.
 */
import {
  foldWindows,
  HOUR_MS,
  hourOf,
  parseWindow,
  serializeWindow,
  type WindowAggregate,
} from '../aggregate/index.js';
import { evaluateWindow, summarizeWindow } from '../analysis/index.js';
import { LbwatchError } from '../errors.js';
import { verdictOf, type WindowVerdict } from '../incidents/index.js';
import type { Alert, InputSummary, WindowSummary } from '../model.js';
import { addInput, emptyInputsFigure } from '../report/builder.js';
import type { InputsFigure } from '../report/model.js';
import { type RuleSet, rulesDigest } from '../rules/index.js';

export const ROLLUP_VERSION = 1;
export { HOUR_MS, hourOf } from '../aggregate/index.js';

/** One window of a rolled hour. */
export interface RolledWindow {
  summary: WindowSummary;
  alerts: Alert[];
  /**
   * Per rule of the rule set, in its order: whether it fired (and what it saw) and whether it was silenced. Empty
   * when no rule fired and none was silenced (most windows), which is how it is stored.
   */
  verdicts: Pick<WindowVerdict, 'alert' | 'silenced'>[];
  /** The window's aggregate when a rule fired in it, else null. */
  firing: WindowAggregate | null;
}

export interface RolledHour {
  version: typeof ROLLUP_VERSION;
  loadBalancer: string;
  /** Start of the hour (epoch ms); the rollup holds the windows that start in [start, start + 1 h). */
  start: number;
  windowMs: number;
  /** `rulesDigest` of the rules the verdicts and alerts were computed with. */
  rules: string;
  /** The hour's windows folded (not bounded: bounding happens once, over a report's whole period). */
  aggregate: WindowAggregate;
  /** In start order. */
  windows: RolledWindow[];
  /** The objects whose home window document is in this hour. */
  inputs: InputsFigure;
}

/** Starts of the windows of `windowMs` that start in the hour `hourStart`. */
export function windowStartsOfHour(hourStart: number, windowMs: number): number[] {
  const starts: number[] = [];
  for (let s = Math.ceil(hourStart / windowMs) * windowMs; s < hourStart + HOUR_MS; s += windowMs) starts.push(s);
  return starts;
}

/** When the last window starting in the hour has ended and its lateness allowance has passed. */
export function hourClosesAt(hourStart: number, windowMs: number, latenessMs: number): number {
  const starts = windowStartsOfHour(hourStart, windowMs);
  const last = starts[starts.length - 1] ?? hourStart;
  return last + windowMs + latenessMs;
}

/**
 * Rolls one load balancer's hour from its merged windows (one per start, any order; all of that load balancer and
 * starting in the hour) and the input summaries of the objects whose first window is in it.
 *
 * @throws RangeError when a window is of another load balancer, length or hour, or two share a start.
 */
export function rollHour(
  input: {
    loadBalancer: string;
    start: number;
    windowMs: number;
    windows: readonly WindowAggregate[];
    inputs: readonly InputSummary[];
  },
  rules: RuleSet,
): RolledHour | null {
  const windows = [...input.windows].sort((a, b) => a.start - b.start);
  const aggregate = foldWindows(windows);
  const rolled: RolledWindow[] = [];
  let previous = Number.NEGATIVE_INFINITY;
  for (const w of windows) {
    if (w.loadBalancer !== input.loadBalancer || w.windowMs !== input.windowMs || hourOf(w.start) !== input.start)
      throw new RangeError(`window ${w.loadBalancer}@${w.start} does not belong to the rollup of ${input.start}`);
    if (w.start === previous) throw new RangeError(`window ${w.loadBalancer}@${w.start} given twice: merge first`);
    previous = w.start;
    const verdicts = rules.rules.map((rule) => {
      const v = verdictOf(w, rule, rules);
      return { alert: v.alert, silenced: v.silenced };
    });
    const fired = verdicts.some((v) => v.alert !== null);
    rolled.push({
      summary: summarizeWindow(w),
      alerts: evaluateWindow(w, rules),
      verdicts: fired || verdicts.some((v) => v.silenced) ? verdicts : [],
      firing: fired ? w : null,
    });
  }
  const figure = emptyInputsFigure();
  for (const i of input.inputs) addInput(figure, i);
  if (aggregate === null) {
    if (figure.total === 0) return null;
    // Inputs without windows in the hour cannot be: an input's first window is where it is counted.
    throw new RangeError(`inputs without windows in the rollup of ${input.loadBalancer}@${input.start}`);
  }
  return {
    version: ROLLUP_VERSION,
    loadBalancer: input.loadBalancer,
    start: input.start,
    windowMs: input.windowMs,
    rules: rulesDigest(rules),
    aggregate,
    windows: rolled,
    inputs: figure,
  };
}

export function serializeRolledHour(hour: RolledHour): string {
  return JSON.stringify({
    ...hour,
    aggregate: serializeWindow(hour.aggregate),
    windows: hour.windows.map((w) => ({ ...w, firing: w.firing === null ? null : serializeWindow(w.firing) })),
  });
}

/** @throws LbwatchError PARTIAL_INVALID when the text is not a rollup of this version. */
export function parseRolledHour(text: string): RolledHour {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch (cause) {
    throw new LbwatchError('PARTIAL_INVALID', 'rollup is not JSON', { cause });
  }
  if (
    raw.version !== ROLLUP_VERSION ||
    typeof raw.loadBalancer !== 'string' ||
    typeof raw.start !== 'number' ||
    typeof raw.windowMs !== 'number' ||
    typeof raw.rules !== 'string' ||
    typeof raw.aggregate !== 'string' ||
    !Array.isArray(raw.windows) ||
    typeof raw.inputs !== 'object' ||
    raw.inputs === null
  ) {
    throw new LbwatchError('PARTIAL_INVALID', 'not a rollup of this version');
  }
  const windows = (raw.windows as Record<string, unknown>[]).map((w): RolledWindow => {
    if (typeof w !== 'object' || w === null || !Array.isArray(w.alerts) || !Array.isArray(w.verdicts))
      throw new LbwatchError('PARTIAL_INVALID', 'a rollup window is not an object with alerts and verdicts');
    return {
      summary: w.summary as WindowSummary,
      alerts: w.alerts as Alert[],
      verdicts: w.verdicts as RolledWindow['verdicts'],
      firing: typeof w.firing === 'string' ? parseWindow(w.firing) : null,
    };
  });
  return {
    version: ROLLUP_VERSION,
    loadBalancer: raw.loadBalancer,
    start: raw.start,
    windowMs: raw.windowMs,
    rules: raw.rules,
    aggregate: parseWindow(raw.aggregate),
    windows,
    inputs: raw.inputs as InputsFigure,
  };
}
