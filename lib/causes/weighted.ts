/** Ranking the causes of several codes at once (an alert's or an incident's matched codes). */
import type { WindowAggregate } from '../aggregate/index.js';
import type { CauseResult } from '../model.js';
import type { ThresholdsByFormat } from '../rules/index.js';
import { rankCauses } from './index.js';

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/**
 * Causes across several codes, most likely first: each code's scores are weighted by its share of the matched
 * requests, so a cause of 3 stray 503s does not outrank the cause of 400 502s. `scope` names what the aggregate
 * covers in evidence sentences ("in this window", "in the 3 windows 05:40–05:55").
 *
 * @example
 * rankCodesCauses(merged, { '502': 86 }, rules.thresholds, 'in the 3 windows 05:40–05:55')[0].id // '502.backend-port'
 */
export function rankCodesCauses(
  window: WindowAggregate,
  codes: Record<string, number>,
  thresholds: ThresholdsByFormat,
  scope?: string,
): CauseResult[] {
  const platform = thresholds[window.format ?? 'otc-elb'];
  const total = Object.values(codes).reduce((s, n) => s + n, 0);
  const ordered = Object.entries(codes).sort((a, b) => b[1] - a[1] || Number(a[0]) - Number(b[0]));
  const all: CauseResult[] = [];
  for (const [code, n] of ordered) {
    const weight = ordered.length === 1 || total === 0 ? 1 : n / total;
    for (const c of rankCauses(window, Number(code), platform, scope))
      all.push({ ...c, score: round(c.score * weight, 2) });
  }
  return all.sort((a, b) => b.score - a.score);
}
