/** Number and text formatting for evidence sentences (plain text; consumers escape for HTML or a terminal). */

/** Longest member, host or path shown in a sentence. */
export const MAX_SHOWN = 80;

/** A log-derived value for a sentence: query string dropped, control characters removed, cut to 80 chars. */
export function shownValue(value: string): string {
  const q = value.indexOf('?');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
  const clean = (q >= 0 ? value.slice(0, q) : value).replace(/[\u0000-\u001f\u007f-\u009f]/g, '');
  return clean.length > MAX_SHOWN ? `${clean.slice(0, MAX_SHOWN - 1)}…` : clean;
}

/** Milliseconds as a readable duration: `12 ms`, `4.9 s`, `300 s`. */
export function seconds(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.round(ms / 1000)} s`;
}

/**
 * The largest duration at most `ms` that {@link seconds} prints exactly, so "within 1.6 s" can be counted against
 * the 1.6 s the reader sees rather than a 1.65 s they do not.
 */
export function secondsAtMost(ms: number): number {
  if (ms < 1000) return Math.floor(ms);
  if (ms < 10_000) return Math.floor(ms / 100) * 100;
  return Math.floor(ms / 1000) * 1000;
}

/**
 * Timeouts are given in seconds and named as configured (to the millisecond): `5 s`, `0.5 s`, `2.75 s`; a
 * sentence must not call a 2.75 s timeout "2.8 s".
 */
export function timeout(s: number): string {
  const shown = Number.isInteger(s) ? s : s >= 1 ? Number(s.toFixed(3)) : Number(s.toPrecision(3));
  return `${shown} s`;
}

export function bytes(n: number): string {
  if (n < 1024) return `${Math.round(n)} B`;
  if (n < 10 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 2) return `${Math.round(n / 1024)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(1)} GB`;
}

export function percent(fraction: number): string {
  const p = fraction * 100;
  return `${p >= 10 || p === 0 ? Math.round(p) : p.toFixed(1)}%`;
}

/** `41 of 43 502s` / `all 43 502s` / `1 of 1 502` */
export function ofCode(k: number, n: number, code: number): string {
  const noun = n === 1 ? `${code}` : `${code}s`;
  return k === n && n > 1 ? `all ${n} ${noun}` : `${k} of ${n} ${noun}`;
}

const MINUTE = 60_000;
const DAY = 86_400_000;

/** `05:40`, or `05:40:30` when `withSeconds`; `2026-03-01 05:40` when `withDate`. UTC. */
function clock(ms: number, withDate: boolean, withSeconds: boolean): string {
  const iso = new Date(ms).toISOString();
  const time = iso.slice(11, withSeconds ? 19 : 16);
  return withDate ? `${iso.slice(0, 10)} ${time}` : time;
}

/**
 * How evidence sentences name the period they speak of: `in this window` for one window; for several,
 * `in the 3 windows 05:40–05:55` when they follow each other and `in 3 windows between 05:40 and 06:10` when
 * there are gaps between them. Times are UTC, with the date when the period spans days and with seconds when
 * windows do not start on whole minutes.
 *
 * @param windows how many windows the figures were summed over
 * @param firstStartMs start of the first window (epoch ms)
 * @param lastEndMs end of the last window (epoch ms, exclusive)
 * @param windowMs length of one window
 * @example
 * scopePhrase(3, Date.parse('2026-03-01T05:40Z'), Date.parse('2026-03-01T05:55Z'), 300_000)
 * // 'in the 3 windows 05:40–05:55'
 */
export function scopePhrase(windows: number, firstStartMs: number, lastEndMs: number, windowMs: number): string {
  if (windows <= 1) return 'in this window';
  const withSeconds = firstStartMs % MINUTE !== 0 || lastEndMs % MINUTE !== 0;
  // A period ending at midnight still lies within its first day.
  const withDate = Math.floor(firstStartMs / DAY) !== Math.floor((lastEndMs - 1) / DAY);
  const from = clock(firstStartMs, withDate, withSeconds);
  const to = clock(lastEndMs, withDate, withSeconds);
  return lastEndMs - firstStartMs <= windows * windowMs
    ? `in the ${windows} windows ${from}–${to}`
    : `in ${windows} windows between ${from} and ${to}`;
}
