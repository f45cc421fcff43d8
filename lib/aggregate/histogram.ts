/**
 * Sparse log-scale histograms: bucket index -> count. Buckets grow by 5%, so any threshold can be applied later
 * (when ranking causes) with at most 5% error, and two histograms merge exactly by adding counts.
 *
 * Values are non-negative numbers in a unit chosen by the caller (milliseconds for times, bytes, characters).
 * Bucket 0 holds values below 1; bucket b >= 1 holds values in [1.05^(b-1), 1.05^b).
 */
export type Histogram = Record<string, number>;

const GAMMA = 1.05;
const LN_GAMMA = Math.log(GAMMA);
/** Highest bucket index: 1.05^1000 is far above any time in ms or size in bytes a log line can carry. */
export const MAX_BUCKET = 1000;

/** A histogram with no prototype, so keys from parsed JSON can never reach `Object.prototype`. */
export function emptyHistogram(): Histogram {
  return Object.create(null) as Histogram;
}

/** The bucket a value falls into. */
export function bucketOf(value: number): number {
  if (!(value >= 1)) return 0;
  const b = Math.floor(Math.log(value) / LN_GAMMA) + 1;
  return Math.min(b, MAX_BUCKET);
}

/** Smallest value of a bucket. */
export function bucketLower(bucket: number): number {
  return bucket <= 0 ? 0 : GAMMA ** (bucket - 1);
}

/** A value representing the bucket (geometric middle), for quantiles. */
export function bucketMiddle(bucket: number): number {
  return bucket <= 0 ? 0 : GAMMA ** (bucket - 0.5);
}

export function addValue(h: Histogram, value: number): void {
  const b = bucketOf(value);
  h[b] = (h[b] ?? 0) + 1;
}

/** Adds `from` into `into`. */
export function addHistogram(into: Histogram, from: Histogram): void {
  for (const key in from) {
    into[key] = (into[key] ?? 0) + (from[key] ?? 0);
  }
}

export function copyHistogram(h: Histogram): Histogram {
  const out = emptyHistogram();
  addHistogram(out, h);
  return out;
}

export function histogramTotal(h: Histogram): number {
  let total = 0;
  for (const key in h) total += h[key] ?? 0;
  return total;
}

/** How many values are at least `value` (to the histogram's 5% resolution). */
export function countAtLeast(h: Histogram, value: number): number {
  const from = bucketOf(value);
  let total = 0;
  for (const key in h) if (Number(key) >= from) total += h[key] ?? 0;
  return total;
}

/** How many values are in [low, high) (to the histogram's 5% resolution). */
export function countBetween(h: Histogram, low: number, high: number): number {
  return countAtLeast(h, low) - countAtLeast(h, high);
}

/** Approximate quantile (q in 0..1); null for an empty histogram. */
export function quantile(h: Histogram, q: number): number | null {
  const total = histogramTotal(h);
  if (total === 0) return null;
  const buckets = Object.keys(h)
    .map(Number)
    .sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const b of buckets) {
    seen += h[b] ?? 0;
    if (seen >= rank) return bucketMiddle(b);
  }
  return bucketMiddle(buckets[buckets.length - 1] ?? 0);
}
