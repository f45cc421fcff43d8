/**
 * Silent logs in an analysed period: a load balancer that delivered logs and then none for `logsMissingAfter`. The
 * functions open `logs-missing` incidents for it as it happens; the CLI reports the gaps inside the data it read.
 */
import type { WindowAggregate } from '../aggregate/index.js';
import type { LogGapSummary as LogGap } from '../model.js';
import { type LogsMissingSettings, logsMissingAfter } from '../rules/index.js';

export type { LogGap };

/**
 * Gaps of at least the load balancer's `logsMissingAfter` between its windows with records, by start.
 *
 * @example gapsOf(windows, rules.logsMissing) // [{ loadBalancer: 'app/web/1', from: '…T05:20:00.000Z', to: '…T06:00:00.000Z' }]
 */
export function gapsOf(windows: readonly WindowAggregate[], settings: LogsMissingSettings): LogGap[] {
  const byLb = new Map<string, WindowAggregate[]>();
  for (const w of windows) {
    if (w.requests + w.withoutStatus === 0) continue;
    const list = byLb.get(w.loadBalancer);
    if (list === undefined) byLb.set(w.loadBalancer, [w]);
    else list.push(w);
  }
  const gaps: LogGap[] = [];
  for (const [lb, list] of byLb) {
    const after = logsMissingAfter(settings, lb);
    if (after === null) continue;
    list.sort((a, b) => a.start - b.start);
    for (let i = 1; i < list.length; i++) {
      const prev = list[i - 1] as WindowAggregate;
      const next = list[i] as WindowAggregate;
      const from = prev.start + prev.windowMs;
      if (next.start - from >= after)
        gaps.push({ loadBalancer: lb, from: new Date(from).toISOString(), to: new Date(next.start).toISOString() });
    }
  }
  return gaps.sort((a, b) => a.from.localeCompare(b.from) || (a.loadBalancer < b.loadBalancer ? -1 : 1));
}
