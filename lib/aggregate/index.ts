/**
 * Window aggregation: records -> per (load balancer, window start) mergeable aggregates.
 *
 * Merge is associative and commutative. It is exact while each top-N map has at most `maxKeys` distinct keys;
 * beyond that, totals (requests, codes, histograms, the `(other)` bucket) stay exact and only *which* keys are
 * kept by name can depend on the merge order.
 */
import {
  addWindowInto,
  boundWindow,
  boundWindowTo,
  byStartThenLoadBalancer,
  copyWindow,
  largestMap,
  type WindowAggregate,
} from './window.js';

export {
  type Aggregator,
  type AggregatorOptions,
  createAggregator,
  MAX_WINDOW_MS,
  MIN_WINDOW_MS,
} from './aggregator.js';
export * from './histogram.js';
export { parseWindow, serializeWindow } from './serialize.js';
export {
  byStartThenLoadBalancer,
  type CodeMember,
  type CodeStats,
  DEFAULT_MAX_KEYS,
  type MemberStats,
  OTHER_KEY,
  type PathCount,
  selectTop,
  WINDOW_VERSION,
  type WindowAggregate,
} from './window.js';

/**
 * Merges two partials of the same (load balancer, window start), e.g. from two log objects. Inputs are not
 * modified.
 *
 * @throws RangeError when load balancer, start or window length differ (a caller bug, not bad data).
 * @example
 * const merged = mergeWindows(parseWindow(a), parseWindow(b));
 */
export function mergeWindows(a: WindowAggregate, b: WindowAggregate): WindowAggregate {
  if (a.loadBalancer !== b.loadBalancer || a.start !== b.start || a.windowMs !== b.windowMs) {
    throw new RangeError(
      `cannot merge window ${a.loadBalancer}@${a.start}/${a.windowMs} with ${b.loadBalancer}@${b.start}/${b.windowMs}`,
    );
  }
  const out = copyWindow(a);
  addWindowInto(out, b);
  return boundWindow(out);
}

/** Merges partials as they arrive; see {@link createWindowMerger}. */
export interface WindowMerger {
  /**
   * Adds a partial. With `owned` (the default) the merger takes ownership and may keep and modify it; otherwise it
   * only reads it (a partial it keeps is copied first).
   */
  add(window: WindowAggregate, owned?: boolean): void;
  /** The merged windows, bounded and sorted by start then load balancer; the merger is empty afterwards. */
  take(): WindowAggregate[];
}

/**
 * A merger that keeps one aggregate per (load balancer, window start, length) and adds each partial into it as it
 * arrives, so a reader can hand windows over while it works instead of all at the end.
 *
 * @example
 * const merger = createWindowMerger();
 * worker.on('message', (m) => m.settled.forEach((w) => merger.add(w)));
 * // ... once every worker is done:
 * const windows = merger.take();
 */
export function createWindowMerger(): WindowMerger {
  const groups = new Map<string, WindowAggregate>();
  return {
    add(w, owned = true) {
      const key = `${w.start}\u0000${w.windowMs}\u0000${w.loadBalancer}`;
      const acc = groups.get(key);
      if (acc === undefined) groups.set(key, owned ? w : copyWindow(w));
      else addWindowInto(acc, w);
    },
    take() {
      const out = [...groups.values()].map(boundWindow);
      groups.clear();
      return out.sort(byStartThenLoadBalancer);
    },
  };
}

/**
 * Merges any number of partials: groups by (load balancer, start), sorted by start then load balancer. Inputs are
 * not modified.
 *
 * @example
 * const windows = mergeAll(partials.map(parseWindow));
 */
export function mergeAll(windows: Iterable<WindowAggregate>): WindowAggregate[] {
  const merger = createWindowMerger();
  for (const w of windows) merger.add(w, false);
  return merger.take();
}

/** Folds windows into one aggregate as they come; see {@link createWindowCombiner}. */
export interface WindowCombiner {
  /** Adds a window (only read, never kept or modified). */
  add(window: WindowAggregate): void;
  /** The combined aggregate so far, bounded (a copy: the combiner can go on), or null before the first window. */
  result(): WindowAggregate | null;
  /** The most keys one of its top-N maps holds now (what the combiner costs in memory). */
  largest(): number;
}

/** An hour, the grouping a period's windows are folded in before they are combined (rollups hold one each). */
export const HOUR_MS = 3_600_000;

/** The hour a window start belongs to. */
export function hourOf(startMs: number): number {
  return Math.floor(startMs / HOUR_MS) * HOUR_MS;
}

/**
 * A combined period keeps at most this many keys times `maxKeys` per top-N map: past twice that it is bounded back to
 * it (heavy hitters stay, the rest go to `(other)`), so a long period of ever-new paths or members (a scan) does not
 * grow without bound. Below it nothing is bounded before the end, and the result is exact.
 */
const COMBINE_KEEP_FACTOR = 8;

/**
 * The running form of {@link combineWindows}: the same result for the same windows in the same order, holding one
 * aggregate instead of the list (the streaming analysis keeps one per load balancer and per open incident).
 *
 * @example
 * const period = createWindowCombiner();
 * for (const w of windowsOfOneLb) period.add(w);
 * const combined = period.result();
 */
export function createWindowCombiner(): WindowCombiner {
  let out: WindowAggregate | null = null;
  /** How many more keys any map may take before it is measured again. */
  let slack = 0;
  return {
    add(w) {
      out = foldInto(out, w);
      slack -= largestMap(w);
      if (slack >= 0) return;
      const keep = COMBINE_KEEP_FACTOR * out.maxKeys;
      if (largestMap(out) > 2 * keep) boundWindowTo(out, keep);
      slack = 2 * keep - largestMap(out);
    },
    result() {
      return out === null ? null : boundWindow(copyWindow(out));
    },
    largest() {
      return out === null ? 0 : largestMap(out);
    },
  };
}

/** Adds a window into a running fold (a copy of the first), keeping the earliest start; returns the fold. */
export function foldInto(fold: WindowAggregate | null, w: WindowAggregate): WindowAggregate {
  if (fold === null) return copyWindow(w);
  addWindowInto(fold, w);
  if (w.start < fold.start) fold.start = w.start;
  return fold;
}

/**
 * Folds windows of one load balancer into one aggregate without bounding its maps (the earliest start is kept): what
 * a rollup stores, so that a combiner fed the folds of consecutive groups gives what it gives fed the windows.
 */
export function foldWindows(windows: readonly WindowAggregate[]): WindowAggregate | null {
  let out: WindowAggregate | null = null;
  for (const w of windows) out = foldInto(out, w);
  return out;
}

/**
 * Combines one load balancer's windows (in start order) over a period the way every reader does: folded per hour
 * first, the hours then combined, so the CLI and the functions (which read hourly rollups) bound a long period's maps
 * at the same points and agree.
 */
export function combinePeriod(windows: readonly WindowAggregate[]): WindowAggregate | null {
  const combiner = createWindowCombiner();
  let fold: WindowAggregate | null = null;
  let hour = Number.NaN;
  for (const w of windows) {
    if (hourOf(w.start) !== hour) {
      if (fold !== null) combiner.add(fold);
      fold = null;
      hour = hourOf(w.start);
    }
    fold = foldInto(fold, w);
  }
  if (fold !== null) combiner.add(fold);
  return combiner.result();
}

/**
 * Folds windows of one load balancer into a single aggregate over their whole period (for per-period code
 * summaries). The result keeps the earliest start and the summed window length is not meaningful.
 */
export function combineWindows(windows: readonly WindowAggregate[]): WindowAggregate | null {
  const combiner = createWindowCombiner();
  for (const w of windows) combiner.add(w);
  return combiner.result();
}
