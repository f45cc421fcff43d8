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

/** Timeouts are given in seconds: `5 s`, `0.5 s`. */
export function timeout(s: number): string {
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}

export function bytes(n: number): string {
  if (n < 1024) return `${Math.round(n)} B`;
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
