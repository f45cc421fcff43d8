/**
 * Silent logs in an analysed period: a load balancer that delivered logs and then none for `logsMissingAfter`. The
 * functions open `logs-missing` incidents for it as it happens; the CLI reports the gaps inside the data it read.
 */
import type { WindowAggregate } from '../aggregate/index.js';
import type { LogGapSummary as LogGap } from '../model.js';
import { type LogsMissingSettings, logsMissingAfter } from '../rules/index.js';

export type { LogGap };

/** The fields of a window that gaps are read from. */
export type GapWindow = Pick<WindowAggregate, 'loadBalancer' | 'start' | 'windowMs' | 'requests' | 'withoutStatus'>;

/** Finds gaps as windows come; see {@link createGapTracker}. */
export interface GapTracker {
  /** Adds a window; each load balancer's windows must come in non-decreasing start order. */
  add(window: GapWindow): void;
  /** The gaps so far, by start then load balancer. */
  gaps(): LogGap[];
}

/**
 * The running form of {@link gapsOf}: keeps per load balancer only the end of its last window with records.
 *
 * @example
 * const tracker = createGapTracker(rules.logsMissing);
 * for (const w of windowsInTimeOrder) tracker.add(w);
 * tracker.gaps();
 */
export function createGapTracker(settings: LogsMissingSettings): GapTracker {
  const lastEnd = new Map<string, number>();
  const found: LogGap[] = [];
  return {
    add(w) {
      if (w.requests + w.withoutStatus === 0) return;
      const after = logsMissingAfter(settings, w.loadBalancer);
      if (after === null) return;
      const from = lastEnd.get(w.loadBalancer);
      if (from !== undefined && w.start - from >= after)
        found.push({
          loadBalancer: w.loadBalancer,
          from: new Date(from).toISOString(),
          to: new Date(w.start).toISOString(),
        });
      lastEnd.set(w.loadBalancer, w.start + w.windowMs);
    },
    gaps() {
      return [...found].sort((a, b) => a.from.localeCompare(b.from) || (a.loadBalancer < b.loadBalancer ? -1 : 1));
    },
  };
}

/**
 * Gaps of at least the load balancer's `logsMissingAfter` between its windows with records, by start.
 *
 * @example gapsOf(windows, rules.logsMissing) // [{ loadBalancer: 'app/web/1', from: '…T05:20:00.000Z', to: '…T06:00:00.000Z' }]
 */
export function gapsOf(windows: readonly GapWindow[], settings: LogsMissingSettings): LogGap[] {
  const tracker = createGapTracker(settings);
  // A stable sort by start keeps each load balancer's windows in start order, as the tracker needs.
  for (const w of [...windows].sort((a, b) => a.start - b.start)) tracker.add(w);
  return tracker.gaps();
}
