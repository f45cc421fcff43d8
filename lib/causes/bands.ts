/**
 * Where recorded values lie relative to a threshold, counted only as far as the histogram can vouch for them.
 * Evidence sentences state these counts and scores are computed from the same counts, so a sentence and its
 * score always agree with each other and with the recorded values.
 *
 * A histogram bucket spans 5%: a count "at least X" read straight off the buckets may include values up to 5%
 * below X. The helpers here count only buckets that lie wholly on the claimed side, so a claim undercounts by at
 * most one bucket and never overstates.
 */
import { bucketLower, bucketOf, type Histogram } from '../aggregate/index.js';

/** "About T" means within 10% of T, to the histogram's resolution (see {@link aroundThreshold}). */
export const ABOUT = 0.1;

/** Values (and their histogram) on one side of a threshold, for a count and a median of exactly those values. */
export interface Band {
  count: number;
  values: Histogram;
}

export interface AroundThreshold {
  /** Values within 10% of T: every value in [0.9·T, 1.1·T], possibly a few within one 5% bucket beyond. */
  about: Band;
  /** Values clearly longer than T: all of them above 1.1·T. */
  longer: Band;
  /** Values clearly shorter than T: all of them below 0.9·T. */
  shorter: Band;
}

function band(h: Histogram, from: number, to: number): Band {
  const values = Object.create(null) as Histogram;
  let count = 0;
  for (const key in h) {
    const b = Number(key);
    const c = h[key] ?? 0;
    if (b < from || b > to || c === 0) continue;
    values[key] = c;
    count += c;
  }
  return { count, values };
}

/**
 * Splits a histogram's values into shorter than, about, and longer than a threshold `t` (same unit as the
 * values). The "about" band is the buckets from the one holding 0.9·t to the one holding 1.1·t, so it holds every
 * value in [0.9·t, 1.1·t] and nothing outside [0.9·t / 1.05, 1.1·t · 1.05). Null when 0.9·t falls into the
 * histogram's first bucket (below 1 unit), where "about t" cannot be told from zero.
 *
 * @example
 * aroundThreshold(stats.requestTimeNoConnection, 5_000).about.count // unconnected requests that took about 5 s
 */
export function aroundThreshold(h: Histogram, t: number): AroundThreshold | null {
  const low = bucketOf((1 - ABOUT) * t);
  const high = bucketOf((1 + ABOUT) * t);
  if (low < 1) return null;
  return {
    shorter: band(h, 0, low - 1),
    about: band(h, low, high),
    longer: band(h, high + 1, Number.POSITIVE_INFINITY),
  };
}

/** How many values are surely at least `value`: those in buckets that start at or above it. */
export function countSurelyAtLeast(h: Histogram, value: number): number {
  const b = bucketOf(value);
  return band(h, bucketLower(b) >= value ? b : b + 1, Number.POSITIVE_INFINITY).count;
}

/** How many values are surely below `value`: those in buckets that end at or below it. */
export function countSurelyBelow(h: Histogram, value: number): number {
  return band(h, 0, bucketOf(value) - 1).count;
}

/** Whether any value may be at least `value` (one in the bucket holding `value`, or above). */
export function mayReach(h: Histogram, value: number): boolean {
  return band(h, bucketOf(value), Number.POSITIVE_INFINITY).count > 0;
}
