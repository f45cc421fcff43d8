import type { LogFormat } from './record.js';

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 0x30 && c <= 0x39;
}

/** `YYYY-MM-DDT` at `i`. */
function isoDateAt(buf: Uint8Array, i: number, end: number): boolean {
  return (
    i + 11 <= end &&
    isDigit(buf[i]) &&
    isDigit(buf[i + 1]) &&
    isDigit(buf[i + 2]) &&
    isDigit(buf[i + 3]) &&
    buf[i + 4] === 0x2d &&
    buf[i + 7] === 0x2d &&
    buf[i + 10] === 0x54
  );
}

/**
 * Guesses the format of one line from its first fields, cheaply and without parsing it:
 * ALB starts with a lower-case type (`http`, `https`, `h2`, `grpcs`, `ws`, `wss`, ...) then an
 * ISO time; CLB starts with the ISO time; OTC/Huawei starts with epoch `msec` and has the
 * `[time_iso8601]` as its third field. The caller confirms the guess by parsing the line.
 *
 * @example detectFormat(Buffer.from('1644819836.370 - [2024-02-14T14:23:56+02:00] elb_01 ...')) // 'otc-elb'
 */
export function detectFormat(line: Uint8Array | string, start = 0, end?: number): LogFormat | null {
  const buf = typeof line === 'string' ? Buffer.from(line) : line;
  const stop = end ?? buf.length;
  if (start >= stop) return null;
  const first = buf[start]!;
  if (first >= 0x61 && first <= 0x7a) {
    let i = start;
    while (i < stop && i - start < 10 && ((buf[i]! >= 0x61 && buf[i]! <= 0x7a) || isDigit(buf[i]))) i++;
    return buf[i] === 0x20 && isoDateAt(buf, i + 1, stop) ? 'alb' : null;
  }
  if (!isDigit(first) && first !== 0x2d) return null;
  if (isoDateAt(buf, start, stop)) return 'clb';
  // msec (digits with an optional fraction, or `-`), then a token, then `[time_iso8601]`.
  let i = start;
  if (first === 0x2d) i++;
  else while (i < stop && (isDigit(buf[i]) || buf[i] === 0x2e)) i++;
  if (buf[i] !== 0x20) return null;
  i++;
  while (i < stop && buf[i] !== 0x20) i++;
  return buf[i + 1] === 0x5b && isoDateAt(buf, i + 2, stop) ? 'otc-elb' : null;
}
