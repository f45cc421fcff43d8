/**
 * Byte-level helpers shared by the format scanners. Everything here works on a Buffer and a
 * `[start, end)` range so that a line is never copied or decoded as a whole: only the fields a
 * record needs become strings, and numbers are read straight from the digits.
 */

const SPACE = 0x20;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const DASH = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

/** The field was written inside double quotes (the quotes are not part of the slice). */
export const FIELD_QUOTED = 1;
/** The field contains a backslash escape (`\"`, `\\`, `\xHH`): decode it before display. */
export const FIELD_ESCAPED = 2;
/** The field was written inside square brackets (OTC `[time_iso8601]`). */
export const FIELD_BRACKETED = 4;

/**
 * Where each field of one line starts and ends, reused from line to line so that tokenising
 * allocates nothing. Slices exclude the surrounding quotes or brackets. The arrays may be views
 * into the WebAssembly tokenizer's memory, which writes them directly.
 */
export class FieldSlices {
  count = 0;

  constructor(
    readonly capacity: number,
    readonly starts = new Int32Array(capacity),
    readonly ends = new Int32Array(capacity),
    readonly flags = new Uint8Array(capacity),
  ) {}
}

/** Closing quote of a quoted field whose content starts at `from`, scanning escapes; -1 when unterminated. */
function closeQuoteCarefully(buf: Buffer, from: number, end: number): number {
  let j = from;
  for (;;) {
    if (j >= end) return -1;
    const d = buf[j]!;
    if (d === BACKSLASH) {
      j += 2;
      continue;
    }
    if (d === QUOTE && (j + 1 === end || buf[j + 1] === SPACE)) return j;
    j++;
  }
}

/**
 * Splits `buf[start, end)` into space-separated fields, honouring `"quoted fields with spaces"`
 * (a backslash escapes the next byte; a quote closes the field only when a space or the end of
 * the line follows it, so a stray inner quote does not shift every later field) and
 * `[bracketed]` fields (closed by their first `]`; when that `]` is not followed by a space or the end of the
 * line, as in `[2001:db8::1]:443`, the field is a plain one). Stops after `max` fields: trailing fields lbwatch does not know are
 * ignored, as AWS asks.
 *
 * Every field end is found with the native `indexOf` (memchr): per field, one native call costs less than
 * scanning even a short field byte by byte in JavaScript (measured: ~30% less tokenising time per ALB or OTC line
 * than scanning the first 12 bytes of each field in JavaScript first). `escapeFrom` is the position of the first
 * backslash at or after `start` (or any value >= `end` when the line has none); quoted fields before it need no
 * escape handling.
 *
 * @returns false when a quoted or bracketed field is not terminated before the end of the line.
 */
export function splitFields(
  buf: Buffer,
  start: number,
  end: number,
  max: number,
  out: FieldSlices,
  escapeFrom: number = start,
): boolean {
  const starts = out.starts;
  const ends = out.ends;
  const flags = out.flags;
  const limit = Math.min(max, out.capacity);
  let n = 0;
  let i = start;
  while (i < end && n < limit) {
    let c = buf[i]!;
    while (c === SPACE) {
      if (++i === end) {
        out.count = n;
        return true;
      }
      c = buf[i]!;
    }
    if (c === QUOTE) {
      let j = -1;
      let f = FIELD_QUOTED;
      if (escapeFrom > i) {
        // No backslash before escapeFrom: find the closing quote natively.
        let q = buf.indexOf(QUOTE, i + 1);
        while (q >= 0 && q < end && q < escapeFrom && q + 1 !== end && buf[q + 1] !== SPACE)
          q = buf.indexOf(QUOTE, q + 1);
        if (q >= 0 && q < end && q < escapeFrom) j = q;
        else if (escapeFrom >= end) return false;
      }
      if (j < 0) {
        j = closeQuoteCarefully(buf, i + 1, end);
        if (j < 0) return false;
        for (let k = Math.max(escapeFrom, i + 1); k < j; k++) {
          if (buf[k] === BACKSLASH) {
            f |= FIELD_ESCAPED;
            break;
          }
        }
        // The next backslash is unknown from here on: keep the careful path for this line.
        escapeFrom = j;
      }
      starts[n] = i + 1;
      ends[n] = j;
      flags[n] = f;
      n++;
      i = j + 2;
    } else {
      if (c === OPEN_BRACKET) {
        // A `[bracketed]` field (OTC `[time_iso8601]`) ends at its first `]`, which a space or the end of the line
        // follows; any other byte after that `]` makes the field a plain one, such as an IPv6 client written
        // `[2001:db8::1]:443`.
        const j = buf.indexOf(CLOSE_BRACKET, i + 1);
        if (j < 0 || j >= end) return false;
        if (j + 1 === end || buf[j + 1] === SPACE) {
          starts[n] = i + 1;
          ends[n] = j;
          flags[n] = FIELD_BRACKETED;
          n++;
          i = j + 2;
          continue;
        }
      }
      let j = buf.indexOf(SPACE, i + 1);
      if (j < 0 || j > end) j = end;
      starts[n] = i;
      ends[n] = j;
      let f = 0;
      for (let k = Math.max(escapeFrom, i); k < j; k++) {
        if (buf[k] === BACKSLASH) {
          f = FIELD_ESCAPED;
          break;
        }
      }
      flags[n] = f;
      n++;
      i = j + 1;
    }
  }
  out.count = n;
  return true;
}

/** True when the slice is exactly `-`, the "no value" marker of every format. */
export function isDash(buf: Uint8Array, start: number, end: number): boolean {
  return end - start === 1 && buf[start] === DASH;
}

/**
 * Reads an unsigned decimal integer of at most 15 digits.
 *
 * @returns the value, or -1 when the slice is empty, `-`, too long or not all digits.
 */
export function readUint(buf: Uint8Array, start: number, end: number): number {
  const len = end - start;
  if (len <= 0 || len > 15) return -1;
  let v = 0;
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if (c < ZERO || c > NINE) return -1;
    v = v * 10 + (c - ZERO);
  }
  return v;
}

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16];

/**
 * Reads a decimal such as `0.011`, `-1` or `19.028` with the same result as `parseFloat`
 * (all digits form one exact integer, divided once by a power of ten).
 *
 * @returns NaN when the slice is not a plain decimal.
 */
export function readDecimal(buf: Uint8Array, start: number, end: number): number {
  let i = start;
  let negative = false;
  if (i < end && buf[i] === DASH) {
    negative = true;
    i++;
  }
  if (i >= end) return Number.NaN;
  let mantissa = 0;
  let digits = 0;
  let fraction = -1;
  for (; i < end; i++) {
    const c = buf[i]!;
    if (c === DOT) {
      if (fraction >= 0) return Number.NaN;
      fraction = 0;
      continue;
    }
    if (c < ZERO || c > NINE) return Number.NaN;
    mantissa = mantissa * 10 + (c - ZERO);
    digits++;
    if (fraction >= 0) fraction++;
  }
  if (digits === 0 || digits > 15) {
    if (digits === 0) return Number.NaN;
    return Number.parseFloat(latin1(buf, start, end));
  }
  const value = fraction > 0 ? mantissa / POW10[fraction]! : mantissa;
  return negative ? -value : value;
}

/**
 * Reads a duration in seconds where `-` and `-1` mean "not recorded" (ALB, CLB, OTC upstream
 * times). Unreadable values are treated as not recorded too: a timing never rejects a line.
 */
export function readSeconds(buf: Uint8Array, start: number, end: number): number | null {
  if (end - start === 2 && buf[start] === DASH && buf[start + 1] === ZERO + 1) return null;
  const v = readDecimal(buf, start, end);
  return v >= 0 ? v : null;
}

/** Reads a byte count; `-` or garbage gives null. */
export function readCount(buf: Uint8Array, start: number, end: number): number | null {
  const v = readUint(buf, start, end);
  return v >= 0 ? v : null;
}

function digits2(buf: Uint8Array, i: number): number {
  const a = buf[i]! - ZERO;
  const b = buf[i + 1]! - ZERO;
  if (a < 0 || a > 9 || b < 0 || b > 9) return -1;
  return a * 10 + b;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The last date-and-hour prefix `readIsoMicros` decoded (a pure cache: same bytes, same value). */
const isoPrefix = { bytes: new Uint8Array(13), seconds: -1 };

/**
 * Reads an ISO 8601 time `YYYY-MM-DDThh:mm:ss[.ffffff](Z|±hh:mm)` as UTC epoch
 * **microseconds**. ALB and CLB write microseconds; keeping them lets callers truncate to
 * milliseconds (never round into the next window) and subtract two times exactly.
 *
 * @returns NaN when the slice is not such a time.
 */
export function readIsoMicros(buf: Uint8Array, start: number, end: number): number {
  if (end - start < 20) return Number.NaN;
  const i = start;
  if (
    buf[i + 4] !== DASH ||
    buf[i + 7] !== DASH ||
    buf[i + 10] !== 0x54 ||
    buf[i + 13] !== 0x3a ||
    buf[i + 16] !== 0x3a
  ) {
    return Number.NaN;
  }
  // Consecutive lines share the date and hour: reuse them when the first 13 bytes repeat.
  const prefix = isoPrefix.bytes;
  let same = isoPrefix.seconds >= 0;
  for (let k = 0; same && k < 13; k++) same = prefix[k] === buf[i + k];
  let hourSeconds: number;
  if (same) {
    hourSeconds = isoPrefix.seconds;
  } else {
    const y1 = digits2(buf, i);
    const y2 = digits2(buf, i + 2);
    const month = digits2(buf, i + 5);
    const day = digits2(buf, i + 8);
    const hour = digits2(buf, i + 11);
    if (y1 < 0 || y2 < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23) {
      return Number.NaN;
    }
    hourSeconds = daysFromCivil(y1 * 100 + y2, month, day) * 86400 + hour * 3600;
    for (let k = 0; k < 13; k++) prefix[k] = buf[i + k]!;
    isoPrefix.seconds = hourSeconds;
  }
  const minute = digits2(buf, i + 14);
  const second = digits2(buf, i + 17);
  if (minute < 0 || minute > 59 || second < 0 || second > 60) return Number.NaN;
  let p = i + 19;
  let micros = 0;
  if (buf[p] === DOT) {
    p++;
    let scale = 100000;
    const fracStart = p;
    while (p < end) {
      const c = buf[p]!;
      if (c < ZERO || c > NINE) break;
      if (scale >= 1) {
        micros += (c - ZERO) * scale;
        scale /= 10;
      }
      p++;
    }
    if (p === fracStart) return Number.NaN;
  }
  let offsetMinutes = 0;
  if (p === end - 1 && buf[p] === 0x5a) {
    // `Z`
  } else if (p === end - 6 && (buf[p] === 0x2b || buf[p] === DASH) && buf[p + 3] === 0x3a) {
    const oh = digits2(buf, p + 1);
    const om = digits2(buf, p + 4);
    if (oh < 0 || om < 0 || oh > 23 || om > 59) return Number.NaN;
    offsetMinutes = (oh * 60 + om) * (buf[p] === DASH ? -1 : 1);
  } else if (p !== end) {
    return Number.NaN;
  }
  const seconds = hourSeconds + minute * 60 + second - offsetMinutes * 60;
  return seconds * 1e6 + micros;
}

/**
 * Reads OTC `msec` (`1644819836.370`, epoch seconds with up to 3 decimals) as epoch
 * milliseconds using integer arithmetic only.
 *
 * @returns NaN when the slice is not such a number.
 */
export function readEpochMillis(buf: Uint8Array, start: number, end: number): number {
  let seconds = 0;
  let i = start;
  let digits = 0;
  for (; i < end; i++) {
    const c = buf[i]!;
    if (c === DOT) break;
    if (c < ZERO || c > NINE) return Number.NaN;
    seconds = seconds * 10 + (c - ZERO);
    digits++;
  }
  if (digits === 0 || digits > 12) return Number.NaN;
  let millis = 0;
  if (i < end) {
    i++;
    let scale = 100;
    if (i === end) return Number.NaN;
    for (; i < end; i++) {
      const c = buf[i]!;
      if (c < ZERO || c > NINE) return Number.NaN;
      if (scale >= 1) {
        millis += (c - ZERO) * scale;
        scale /= 10;
      }
    }
  }
  return seconds * 1000 + millis;
}

/**
 * Node's Buffer has had direct slice decoders for a long time (they back `toString`); calling them
 * skips the argument normalisation `toString` does for every field. Fall back when absent.
 */
interface SliceDecoders {
  latin1Slice?: (this: Uint8Array, start: number, end: number) => string;
  utf8Slice?: (this: Uint8Array, start: number, end: number) => string;
}
const decoders = Buffer.prototype as unknown as SliceDecoders;
const latin1Slice =
  decoders.latin1Slice ??
  function (this: Uint8Array, start: number, end: number): string {
    return Buffer.from(this.buffer, this.byteOffset, this.byteLength).toString('latin1', start, end);
  };
const utf8Slice =
  decoders.utf8Slice ??
  function (this: Uint8Array, start: number, end: number): string {
    return Buffer.from(this.buffer, this.byteOffset, this.byteLength).toString('utf8', start, end);
  };

/** Decodes a slice that holds only ASCII (ids, numbers, cipher names) without UTF-8 validation. `buf` must be a Buffer. */
export function latin1(buf: Uint8Array, start: number, end: number): string {
  return latin1Slice.call(buf, start, end);
}

/** Decodes a slice as UTF-8 (invalid sequences become U+FFFD; decoding never throws). `buf` must be a Buffer. */
export function utf8(buf: Uint8Array, start: number, end: number): string {
  return utf8Slice.call(buf, start, end);
}

function hexValue(c: number): number {
  if (c >= ZERO && c <= NINE) return c - ZERO;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

/**
 * Decodes backslash escapes for display: `\xHH` (nginx writes quotes, backslashes, control and
 * non-ASCII bytes this way, so a UTF-8 character arrives as several `\xHH`) becomes the byte,
 * `\c` becomes `c`. The result is read as UTF-8. Field boundaries never depend on this.
 */
export function decodeEscaped(buf: Uint8Array, start: number, end: number): string {
  const out = Buffer.allocUnsafe(end - start);
  let n = 0;
  let i = start;
  while (i < end) {
    const c = buf[i]!;
    if (c === BACKSLASH && i + 1 < end) {
      const next = buf[i + 1]!;
      if ((next === 0x78 || next === 0x58) && i + 3 < end) {
        const hi = hexValue(buf[i + 2]!);
        const lo = hexValue(buf[i + 3]!);
        if (hi >= 0 && lo >= 0) {
          out[n++] = hi * 16 + lo;
          i += 4;
          continue;
        }
      }
      out[n++] = next;
      i += 2;
      continue;
    }
    out[n++] = c;
    i++;
  }
  return out.toString('utf8', 0, n);
}

/** Decodes a display field, unescaping it only when the tokenizer saw a backslash in it. */
export function displayText(buf: Uint8Array, start: number, end: number, flags: number): string {
  return (flags & FIELD_ESCAPED) !== 0 ? decodeEscaped(buf, start, end) : utf8(buf, start, end);
}

/**
 * A small, bounded, direct-mapped cache from bytes to strings. Load-balancer names, members,
 * hosts, paths and user agents repeat from line to line; returning the same string keeps both
 * decoding work and retained memory down. A collision simply replaces the slot, so memory never
 * grows past `size` entries of at most `maxLength` bytes.
 */
export class Interner {
  private readonly keys: (Uint8Array | undefined)[];
  private readonly values: string[];
  private readonly mask: number;
  private readonly flagsOf: Uint8Array;

  /**
   * @param size number of slots, a power of two.
   * @param maxLength longer slices are decoded without caching.
   */
  constructor(
    size = 1024,
    private readonly maxLength = 256,
  ) {
    this.mask = size - 1;
    this.keys = new Array<Uint8Array | undefined>(size).fill(undefined);
    this.values = new Array<string>(size).fill('');
    this.flagsOf = new Uint8Array(size);
  }

  /** The key and value returned last: consecutive lines usually repeat a field's value. */
  private lastKey: Uint8Array = new Uint8Array(0);
  private lastValue = '';
  private lastFlags = -1;

  /** The string for `buf[start, end)`, decoded with `displayText` rules given `flags`. */
  get(buf: Uint8Array, start: number, end: number, flags = 0): string {
    const len = end - start;
    const last = this.lastKey;
    if (last.length === len && this.lastFlags === flags) {
      let k = len - 1;
      while (k >= 0 && last[k] === buf[start + k]) k--;
      if (k < 0) return this.lastValue;
    }
    if (len > this.maxLength) return displayText(buf, start, end, flags);
    // Hash a sample of the bytes (ends and a few spread inside): the full comparison below
    // settles equality, so the hash only needs to spread typical keys over the slots.
    let h = 0x811c9dc5 ^ len;
    if (len <= 16) {
      for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
    } else {
      const step = len >>> 3;
      for (let i = start; i < start + 4; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
      for (let i = end - 6; i < end; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
      for (let i = start + 4; i < end - 6; i += step) h = Math.imul(h ^ buf[i]!, 0x01000193);
    }
    h = (h ^ (h >>> 15)) & this.mask;
    const key = this.keys[h];
    if (key !== undefined && key.length === len && this.flagsOf[h] === flags) {
      let i = len - 1;
      while (i >= 0 && key[i] === buf[start + i]) i--;
      if (i < 0) {
        this.lastKey = key;
        this.lastValue = this.values[h]!;
        this.lastFlags = flags;
        return this.lastValue;
      }
    }
    const value = displayText(buf, start, end, flags);
    // A copy: `Buffer#slice` is a view and would pin (and follow changes to) the chunk.
    const copy = new Uint8Array(len);
    for (let i = 0; i < len; i++) copy[i] = buf[start + i]!;
    this.keys[h] = copy;
    this.values[h] = value;
    this.flagsOf[h] = flags;
    this.lastKey = copy;
    this.lastValue = value;
    this.lastFlags = flags;
    return value;
  }
}

/** Index of the last `:` in the slice, or -1: IPv6 `client:port` is written without brackets. */
export function lastColon(buf: Uint8Array, start: number, end: number): number {
  for (let i = end - 1; i >= start; i--) if (buf[i] === 0x3a) return i;
  return -1;
}

/** Something that turns a byte slice into a string: an {@link Interner} or plain decoding. */
export interface TextSource {
  get(buf: Uint8Array, start: number, end: number, flags?: number): string;
}

/** Plain decoding, for high-cardinality fields where a cache lookup costs more than it saves. */
export const directText: TextSource = {
  get: (buf, start, end, flags = 0) => displayText(buf, start, end, flags),
};
