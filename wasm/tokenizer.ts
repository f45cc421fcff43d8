// lbwatch's line tokenizer in AssemblyScript, compiled to WebAssembly with SIMD by `npm run build:wasm` into
// lib/formats/tokenizer-wasm.ts. It splits exactly like `splitFields` in lib/formats/bytes.ts (a property test holds
// the two equal): space-separated fields, "quoted" fields closed only by a quote followed by a space or the end of the
// line (a backslash escapes the next byte), [bracketed] fields closed by their first `]` when a space or the line's
// end follows it (else the field is a plain one, such as `[2001:db8::1]:443`), at most `max` fields. 16-byte SIMD
// compares find each field's end, where JavaScript pays a native call (or a byte loop) per field.
//
// It also interns the text fields a parse plan names (load balancer, member, TLS, user agent, ...): each such field is
// looked up in its table by a hash of its bytes and compared with SIMD; the slot's id goes to OUT_IDS, and a field not
// found replaces the slot's key and its id is listed at NEW_IDS, so that JavaScript decodes the key once and keeps the
// string under that id. JavaScript then reads a repeated field's string by id instead of comparing and hashing bytes.
// The request line's parts, and its path grouped (ids replaced by `{id}`, see lib/formats/path-group.ts), are interned
// the same way, each kind in a table of its own. Numeric fields the plan names are read into OUT_NUMS, each exactly as
// its reader in lib/formats/bytes.ts reads it (a property test holds them equal), +Infinity where JavaScript must read
// the field itself (decimals of more than 15 digits).
//
// Memory: field starts, ends, ids (i32), numbers (f64) and flags (u8) at OUT_*; the ids new in the tables at NEW_*;
// the request line parsed at REQ and its grouped path built at GROUP; parse plans (one byte per field: a table in the
// low 4 bits with DECODES_ESCAPES, REQUEST, or NUMBER with a kind) at PLANS; the chunk being parsed at IN, up to
// IN_CAPACITY bytes, followed by 16 bytes the SIMD loads may read past its end; then the tables' slot descriptions
// (META: key length, escape bit, used bit) and keys (KEYS, KEY_STRIDE bytes per slot, 16 bytes of slack after).

const SPACE: u8 = 0x20;
const QUOTE: u8 = 0x22;
const BACKSLASH: u8 = 0x5c;
const OPEN_BRACKET: u8 = 0x5b;
const CLOSE_BRACKET: u8 = 0x5d;
const DASH: u8 = 0x2d;
const SLASH: u8 = 0x2f;
const COLON: u8 = 0x3a;
const QUESTION: u8 = 0x3f;
const HASH: u8 = 0x23;
const FIELD_QUOTED: u8 = 1;
const FIELD_ESCAPED: u8 = 2;
const FIELD_BRACKETED: u8 = 4;

export const OUT_CAPACITY: i32 = 64;
export const OUT_STARTS: usize = 65536;
export const OUT_ENDS: usize = OUT_STARTS + 4 * <usize>OUT_CAPACITY;
export const OUT_FLAGS: usize = OUT_ENDS + 4 * <usize>OUT_CAPACITY;
export const OUT_IDS: usize = OUT_FLAGS + <usize>OUT_CAPACITY;
/** Per field, the number a NUMBER role read (f64). */
export const OUT_NUMS: usize = 67584;
export const NEW_COUNT: usize = OUT_IDS + 4 * <usize>OUT_CAPACITY;
/** Slot ids whose key the last split replaced: at most one per field and per request-line part. */
export const NEW_IDS: usize = NEW_COUNT + 4;
export const PLANS: usize = 69632;
export const PLAN_COUNT: i32 = 16;
export const IN: usize = 131072;
export const IN_CAPACITY: i32 = 2 * 1024 * 1024;
export const TABLES: i32 = 16;
export const TABLE_BITS: i32 = 10;
export const KEY_CAPACITY: i32 = 255;
export const KEY_STRIDE: usize = 256;
export const META: usize = 35 * 65536;
export const KEYS: usize = META + 4 * (<usize>TABLES << <usize>TABLE_BITS);
export const MEMORY_END: usize = KEYS + KEY_STRIDE * (<usize>TABLES << <usize>TABLE_BITS) + 16;
const DECODES_ESCAPES: u8 = 16;
const REQUEST: u8 = 32;
const REQUEST_DISPLAY: u8 = 64;
/** A plan's byte for a numeric field: NUMBER | one of the NUM_ kinds. */
const NUMBER: u8 = 128;
export const NUM_UINT: u8 = 1;
export const NUM_SECONDS: u8 = 2;
export const NUM_DECIMAL: u8 = 3;
export const NUM_EPOCH_MILLIS: u8 = 4;
export const NUM_ISO_MICROS: u8 = 5;
export const REQUEST_TABLE: i32 = 10;
export const PART_METHOD: i32 = 0;
export const PART_PROTOCOL: i32 = 1;
export const PART_SCHEME: i32 = 2;
export const PART_HOST: i32 = 3;
export const PART_GROUP: i32 = 4;
const PARTS: i32 = 5;
export const REQ: usize = NEW_IDS + 4 * <usize>(OUT_CAPACITY + PARTS);
export const REQ_PORT: i32 = 5;
export const REQ_PATH_START: i32 = 6;
export const REQ_PATH_END: i32 = 7;
export const REQ_URI_LENGTH: i32 = 8;
export const REQ_MALFORMED: i32 = 9;
export const REQ_PART_STARTS: i32 = 10;
export const REQ_PART_ENDS: i32 = REQ_PART_STARTS + PARTS;
/** Where the grouped path is built: at most KEY_CAPACITY bytes, and 16 bytes of slack for the SIMD compare. */
const GROUP: usize = 73728;
const DOT: u8 = 0x2e;
const ID_PLACEHOLDER: u32 = 0x7d64697b; // "{id}" little-endian
const SLOT_USED: i32 = 0x400;
const SLOT_ESCAPED: i32 = 0x100;
const K1: u64 = 0x9e3779b97f4a7c15;
const K2: u64 = 0xc2b2ae3d27d4eb4f;
const K3: u64 = 0x165667b19e3779f9;
const K4: u64 = 0xff51afd7ed558ccd;

/** First position in [p, end) holding `a`, or `end`. */
function find1(p: usize, end: usize, a: u8): usize {
  const va = i8x16.splat(a);
  while (p < end) {
    let m = i8x16.bitmask(i8x16.eq(v128.load(p), va));
    const left = end - p;
    if (left < 16) m &= (1 << <i32>left) - 1;
    if (m != 0) return p + <usize>ctz(m);
    p += 16;
  }
  return end;
}

/** First position in [p, end) holding `a` or `b`, or `end`. */
function find2(p: usize, end: usize, a: u8, b: u8): usize {
  const va = i8x16.splat(a);
  const vb = i8x16.splat(b);
  while (p < end) {
    const v = v128.load(p);
    let m = i8x16.bitmask(v128.or(i8x16.eq(v, va), i8x16.eq(v, vb)));
    const left = end - p;
    if (left < 16) m &= (1 << <i32>left) - 1;
    if (m != 0) return p + <usize>ctz(m);
    p += 16;
  }
  return end;
}

function put(n: i32, start: usize, end: usize, flags: u8): void {
  const slot = <usize>n << 2;
  store<i32>(OUT_STARTS + slot, <i32>(start - IN));
  store<i32>(OUT_ENDS + slot, <i32>(end - IN));
  store<u8>(OUT_FLAGS + <usize>n, flags);
}

/** A hash of the `len` bytes at `s`, reading only those bytes (its ends and, when long, its middle). */
function hashBytes(s: usize, len: usize): u64 {
  let a: u64 = 0;
  let b: u64 = 0;
  if (len >= 8) {
    a = load<u64>(s);
    b = load<u64>(s + len - 8);
    if (len > 16) {
      a ^= rotl<u64>(load<u64>(s + 8) * K2, 29);
      b ^= rotl<u64>(load<u64>(s + len - 16) * K3, 37);
      if (len > 32) a += load<u64>(s + (len >> 1) - 4) * K4;
    }
  } else if (len >= 4) {
    a = <u64>load<u32>(s);
    b = <u64>load<u32>(s + len - 4);
  } else if (len > 0) {
    a = <u64>load<u8>(s) | (<u64>load<u8>(s + (len >> 1)) << 8) | (<u64>load<u8>(s + len - 1) << 16);
  }
  let h = (a * K1) ^ rotl<u64>(b * K2, 31) ^ (<u64>len * K3);
  h ^= h >> 32;
  h *= K4;
  h ^= h >> 29;
  return h;
}

/** True when the `len` bytes at `a` and at `b` are equal (both may be read up to 16 bytes past `len`). */
function equal(a: usize, b: usize, len: usize): bool {
  if (len < 16) {
    const want = (1 << <i32>len) - 1;
    return (i8x16.bitmask(i8x16.eq(v128.load(a), v128.load(b))) & want) == want;
  }
  let off: usize = 0;
  while (off + 16 < len) {
    if (!i8x16.all_true(i8x16.eq(v128.load(a + off), v128.load(b + off)))) return false;
    off += 16;
  }
  return i8x16.all_true(i8x16.eq(v128.load(a + len - 16), v128.load(b + len - 16)));
}

let fresh: i32 = 0;

/**
 * The slot id of the `len` bytes at `s` in table `table` (-1 when longer than KEY_CAPACITY). A key not in its slot
 * replaces the slot's key and the slot id is listed at NEW_IDS.
 */
function intern(table: i32, s: usize, len: usize, escaped: bool): i32 {
  if (len > <usize>KEY_CAPACITY) return -1;
  const slot = (table << TABLE_BITS) | (<i32>hashBytes(s, len) & ((1 << TABLE_BITS) - 1));
  const meta = <i32>len | (escaped ? SLOT_ESCAPED : 0) | SLOT_USED;
  const metaAt = META + (<usize>slot << 2);
  const key = KEYS + <usize>slot * KEY_STRIDE;
  if (load<i32>(metaAt) != meta || !equal(key, s, len)) {
    memory.copy(key, s, len);
    store<i32>(metaAt, meta);
    store<i32>(NEW_IDS + (<usize>fresh << 2), slot);
    fresh++;
  }
  return slot;
}

/**
 * Interns the `n` fields just split as plan `plan` says: OUT_IDS gets each field's slot id (-1 for a field the
 * plan skips or longer than KEY_CAPACITY), NEW_IDS the slots that took a new key (NEW_COUNT of them).
 * A plan names each table at most once, and the request line's parts have tables of their own, so two texts of one
 * line never take the same slot. The request field (REQUEST role) is parsed into REQ instead (its id is 0).
 */
function internFields(n: i32, plan: i32): void {
  const row = PLANS + (<usize>plan << 6);
  fresh = 0;
  for (let i: i32 = 0; i < n; i++) {
    const role = load<u8>(row + <usize>i);
    const slotOffset = <usize>i << 2;
    let id: i32 = -1;
    // A field the plan does not read as a number is left to JavaScript (+Infinity), never to a stale value.
    if ((role & NUMBER) == 0) store<f64>(OUT_NUMS + (<usize>i << 3), Infinity);
    if (role != 0) {
      const s = IN + <usize>load<i32>(OUT_STARTS + slotOffset);
      const e = IN + <usize>load<i32>(OUT_ENDS + slotOffset);
      const escaped = (load<u8>(OUT_FLAGS + <usize>i) & FIELD_ESCAPED) != 0;
      if ((role & NUMBER) != 0) {
        store<f64>(OUT_NUMS + (<usize>i << 3), readNumber(role & 7, s, e));
      } else if ((role & REQUEST) != 0) {
        parseRequest(s, e, escaped, (role & REQUEST_DISPLAY) != 0);
        id = 0;
      } else {
        id = intern(<i32>(role & 15), s, e - s, (role & DECODES_ESCAPES) != 0 && escaped);
      }
    }
    store<i32>(OUT_IDS + slotOffset, id);
  }
  store<i32>(NEW_COUNT, fresh);
}

const ZERO: u8 = 0x30;
const NINE: u8 = 0x39;

function readNumber(kind: u8, s: usize, e: usize): f64 {
  if (kind == NUM_UINT) return readUint(s, e);
  if (kind == NUM_SECONDS) return readSeconds(s, e);
  if (kind == NUM_DECIMAL) return readDecimal(s, e);
  if (kind == NUM_EPOCH_MILLIS) return readEpochMillis(s, e);
  return readIsoMicros(s, e);
}

/** `readUint`: at most 15 digits, else -1. */
function readUint(s: usize, e: usize): f64 {
  if (e <= s || e - s > 15) return -1;
  let v: i64 = 0;
  for (let i = s; i < e; i++) {
    const d = <u32>load<u8>(i) - <u32>ZERO;
    if (d > 9) return -1;
    v = v * 10 + <i64>d;
  }
  return <f64>v;
}

/** `readDecimal`, or +Infinity for more than 15 digits (JavaScript reads those with parseFloat). */
function readDecimal(s: usize, e: usize): f64 {
  let i = s;
  let negative = false;
  if (i < e && load<u8>(i) == DASH) {
    negative = true;
    i++;
  }
  if (i >= e) return NaN;
  // Up to 15 digits the mantissa is exact in an i64 and in an f64 alike; more are left to parseFloat.
  let mantissa: i64 = 0;
  let digits: i32 = 0;
  let fraction: i32 = -1;
  for (; i < e; i++) {
    const c = load<u8>(i);
    if (c == DOT) {
      if (fraction >= 0) return NaN;
      fraction = 0;
      continue;
    }
    const d = <u32>c - <u32>ZERO;
    if (d > 9) return NaN;
    if (digits < 16) mantissa = mantissa * 10 + <i64>d;
    digits++;
    if (fraction >= 0) fraction++;
  }
  if (digits == 0) return NaN;
  if (digits > 15) return Infinity;
  const value = fraction > 0 ? <f64>mantissa / pow10(fraction) : <f64>mantissa;
  return negative ? -value : value;
}

/** 10^n for n up to 15, exact (as the POW10 table of lib/formats/bytes.ts holds it). */
function pow10(n: i32): f64 {
  let p: i64 = 1;
  for (let k: i32 = 0; k < n; k++) p *= 10;
  return <f64>p;
}

/** `readSeconds`: -1 for "not recorded" (`-1`, `-`, unreadable or negative), +Infinity as readDecimal. */
function readSeconds(s: usize, e: usize): f64 {
  if (e - s == 2 && load<u8>(s) == DASH && load<u8>(s + 1) == ZERO + 1) return -1;
  const v = readDecimal(s, e);
  if (v == Infinity) return v;
  return v >= 0 ? v : -1;
}

/** `readEpochMillis`: `seconds[.fff]` as epoch milliseconds, NaN when unreadable. */
function readEpochMillis(s: usize, e: usize): f64 {
  let seconds: i64 = 0;
  let i = s;
  let digits: i32 = 0;
  for (; i < e; i++) {
    const c = load<u8>(i);
    if (c == DOT) break;
    const d = <u32>c - <u32>ZERO;
    if (d > 9) return NaN;
    if (digits < 13) seconds = seconds * 10 + <i64>d;
    digits++;
  }
  if (digits == 0 || digits > 12) return NaN;
  let millis: i64 = 0;
  if (i < e) {
    i++;
    let scale: i64 = 100;
    if (i == e) return NaN;
    for (; i < e; i++) {
      const d = <u32>load<u8>(i) - <u32>ZERO;
      if (d > 9) return NaN;
      millis += <i64>d * scale;
      scale /= 10;
    }
  }
  return <f64>(seconds * 1000 + millis);
}

/** Two digits at `p` as a number, or -1. */
function digits2(p: usize): i32 {
  const a = <i32>load<u8>(p) - 0x30;
  const b = <i32>load<u8>(p + 1) - 0x30;
  if (a < 0 || a > 9 || b < 0 || b > 9) return -1;
  return a * 10 + b;
}

/** Days since 1970-01-01 of a proleptic Gregorian date, as `daysFromCivil` computes it. */
function daysFromCivil(year: f64, month: f64, day: f64): f64 {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** `readIsoMicros`: `YYYY-MM-DDThh:mm:ss[.ffffff](Z|±hh:mm)` as UTC epoch microseconds, NaN when unreadable. */
function readIsoMicros(s: usize, e: usize): f64 {
  if (e - s < 20) return NaN;
  if (
    load<u8>(s + 4) != DASH ||
    load<u8>(s + 7) != DASH ||
    load<u8>(s + 10) != 0x54 ||
    load<u8>(s + 13) != COLON ||
    load<u8>(s + 16) != COLON
  ) {
    return NaN;
  }
  const y1 = digits2(s);
  const y2 = digits2(s + 2);
  const month = digits2(s + 5);
  const day = digits2(s + 8);
  const hour = digits2(s + 11);
  if (y1 < 0 || y2 < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23) return NaN;
  const hourSeconds = daysFromCivil(<f64>(y1 * 100 + y2), <f64>month, <f64>day) * 86400 + <f64>(hour * 3600);
  const minute = digits2(s + 14);
  const second = digits2(s + 17);
  if (minute < 0 || minute > 59 || second < 0 || second > 60) return NaN;
  let p = s + 19;
  let micros: i32 = 0;
  if (load<u8>(p) == DOT) {
    p++;
    let scale: i32 = 100000;
    const fracStart = p;
    while (p < e) {
      const d = <u32>load<u8>(p) - <u32>ZERO;
      if (d > 9) break;
      micros += <i32>d * scale;
      scale /= 10;
      p++;
    }
    if (p == fracStart) return NaN;
  }
  let offsetMinutes: f64 = 0;
  if (p == e - 1 && load<u8>(p) == 0x5a) {
    // `Z`
  } else if (p == e - 6 && (load<u8>(p) == 0x2b || load<u8>(p) == DASH) && load<u8>(p + 3) == COLON) {
    const oh = digits2(p + 1);
    const om = digits2(p + 4);
    if (oh < 0 || om < 0 || oh > 23 || om > 59) return NaN;
    offsetMinutes = <f64>(oh * 60 + om) * (load<u8>(p) == DASH ? -1 : 1);
  } else if (p != e) {
    return NaN;
  }
  const seconds = hourSeconds + <f64>(minute * 60 + second) - offsetMinutes * 60;
  return seconds * 1e6 + <f64>micros;
}

function isDash(s: usize, e: usize): bool {
  return e - s == 1 && load<u8>(s) == DASH;
}

/** Position of the last `c` in [s, e), or 0 (no valid position is 0: IN is not). */
function findLast(s: usize, e: usize, c: u8): usize {
  while (e > s) {
    e--;
    if (load<u8>(e) == c) return e;
  }
  return 0;
}

/** The port number in [s, e) (at most 15 digits, at most 65535), or -1. */
function readPort(s: usize, e: usize): i32 {
  if (e <= s || e - s > 15) return -1;
  let v: i64 = 0;
  for (let i = s; i < e; i++) {
    const c = load<u8>(i);
    if (c < 0x30 || c > 0x39) return -1;
    v = v * 10 + <i64>(c - 0x30);
  }
  return v <= 65535 ? <i32>v : -1;
}

/** Start of `HTTP/` near the end of [s, e) (a protocol glued to the URL), or 0. */
function gluedProtocolStart(s: usize, e: usize): usize {
  for (let i = e - 5; i > s && i + 12 >= e; i--) {
    if (load<u32>(i) == 0x50545448 && load<u8>(i + 4) == SLASH) return i;
  }
  return 0;
}

function setPart(part: i32, s: usize, e: usize): void {
  store<i32>(REQ + <usize>(REQ_PART_STARTS + part) * 4, <i32>(s - IN));
  store<i32>(REQ + <usize>(REQ_PART_ENDS + part) * 4, <i32>(e - IN));
}

function internPart(part: i32, s: usize, e: usize, escaped: bool): void {
  setPart(part, s, e);
  store<i32>(REQ + <usize>part * 4, intern(REQUEST_TABLE + part, s, e - s, escaped));
}

/**
 * True when [s, e) is an id in a path: only hex digits, `-` and `_`, with a decimal digit or 8 hex digits
 * (`groupPath` in lib/formats/path-group.ts).
 */
function isIdPart(s: usize, e: usize): bool {
  let decimal = false;
  let hex: i32 = 0;
  for (let i = s; i < e; i++) {
    const c = load<u8>(i);
    if (c >= 0x30 && c <= 0x39) {
      decimal = true;
      hex++;
    } else if ((c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46)) hex++;
    else if (c != DASH && c != 0x5f) return false;
  }
  return decimal || hex >= 8;
}

/**
 * Builds the path at [s, e) grouped at GROUP, each id between `/` and `.` replaced by `{id}`, and interns it
 * (its id at REQ, -1 when the grouped path is longer than KEY_CAPACITY: JavaScript groups it then).
 */
function internGroup(s: usize, e: usize, escaped: bool): void {
  let o = GROUP;
  const limit = GROUP + <usize>KEY_CAPACITY;
  let p = s;
  while (p < e) {
    let q = p;
    while (q < e) {
      const c = load<u8>(q);
      if (c == SLASH || c == DOT) break;
      q++;
    }
    if (q > p && isIdPart(p, q)) {
      if (o + 4 > limit) return;
      store<u32>(o, ID_PLACEHOLDER);
      o += 4;
    } else {
      if (o + (q - p) > limit) return;
      memory.copy(o, p, q - p);
      o += q - p;
    }
    if (q < e) {
      if (o + 1 > limit) return;
      store<u8>(o, load<u8>(q));
      o++;
      q++;
    }
    p = q;
  }
  store<i32>(REQ + <usize>PART_GROUP * 4, intern(REQUEST_TABLE + PART_GROUP, GROUP, o - GROUP, escaped));
}

/**
 * Parses `METHOD scheme://host[:port]/path?query PROTOCOL` at [s, e) exactly like `parseRequestLine` in
 * lib/formats/request-line.ts (a property test holds the two equal) into REQ: the ids of method, protocol, scheme,
 * host and grouped path (-1 for none or too long; method and protocol only with `display`), the start and end of
 * the first four (start -1 for none), the port (-1 for none), the path's start and end, the URI's length and the
 * malformed flag.
 */
function parseRequest(s: usize, e: usize, escaped: bool, display: bool): void {
  for (let k: usize = 0; k < <usize>PARTS; k++) {
    store<i32>(REQ + k * 4, -1);
    store<i32>(REQ + (<usize>REQ_PART_STARTS + k) * 4, -1);
  }
  store<i32>(REQ + REQ_PORT * 4, -1);
  store<i32>(REQ + REQ_PATH_START * 4, 0);
  store<i32>(REQ + REQ_PATH_END * 4, 0);
  store<i32>(REQ + REQ_URI_LENGTH * 4, 0);
  store<i32>(REQ + REQ_MALFORMED * 4, 1);
  while (e > s && load<u8>(e - 1) == SPACE) e--;
  if (s >= e || isDash(s, e)) return;
  const firstSpace = find1(s, e, SPACE);
  if (firstSpace >= e) return;
  let lastSpace = firstSpace;
  for (let i = e - 1; i > firstSpace; i--) {
    if (load<u8>(i) == SPACE) {
      lastSpace = i;
      break;
    }
  }
  const hasMethod = !isDash(s, firstSpace);
  if (hasMethod && display) internPart(PART_METHOD, s, firstSpace, false);
  let urlStart = firstSpace + 1;
  let urlEnd = e;
  let malformed = !hasMethod;
  if (lastSpace > firstSpace) {
    urlEnd = lastSpace;
    if (lastSpace + 1 < e && !isDash(lastSpace + 1, e)) {
      if (display) internPart(PART_PROTOCOL, lastSpace + 1, e, false);
    } else malformed = true;
  } else {
    const glued = gluedProtocolStart(urlStart, e);
    if (glued > urlStart) {
      urlEnd = glued;
      if (display) internPart(PART_PROTOCOL, glued, e, false);
    } else malformed = true;
  }
  while (urlStart < urlEnd && load<u8>(urlStart) == SPACE) urlStart++;
  if (urlStart >= urlEnd || isDash(urlStart, urlEnd)) return;

  let uriStart = urlStart;
  const schemeLimit = urlStart + 12 < urlEnd ? urlStart + 12 : urlEnd;
  for (let i = urlStart; i < schemeLimit; i++) {
    const c = load<u8>(i);
    if (c == COLON) {
      if (i > urlStart && i + 2 < urlEnd && load<u8>(i + 1) == SLASH && load<u8>(i + 2) == SLASH) {
        internPart(PART_SCHEME, urlStart, i, false);
        const hostStart = i + 3;
        let hostEnd = hostStart;
        while (hostEnd < urlEnd) {
          const d = load<u8>(hostEnd);
          if (d == SLASH || d == QUESTION || d == HASH) break;
          hostEnd++;
        }
        uriStart = hostEnd;
        let nameStart = hostStart;
        let nameEnd = hostEnd;
        if (load<u8>(hostStart) == OPEN_BRACKET) {
          let close = hostStart + 1;
          while (close < hostEnd && load<u8>(close) != CLOSE_BRACKET) close++;
          nameStart = hostStart + 1;
          nameEnd = close;
          if (close + 1 < hostEnd && load<u8>(close + 1) == COLON) {
            store<i32>(REQ + REQ_PORT * 4, readPort(close + 2, hostEnd));
          }
        } else {
          const colon = findLast(hostStart, hostEnd, COLON);
          if (colon != 0) {
            nameEnd = colon;
            store<i32>(REQ + REQ_PORT * 4, readPort(colon + 1, hostEnd));
          }
        }
        if (nameEnd > nameStart) internPart(PART_HOST, nameStart, nameEnd, escaped);
      }
      break;
    }
    if (c == SLASH) break;
  }
  let pathEnd = uriStart;
  while (pathEnd < urlEnd) {
    const c = load<u8>(pathEnd);
    if (c == QUESTION || c == HASH) break;
    pathEnd++;
  }
  store<i32>(REQ + REQ_URI_LENGTH * 4, <i32>(urlEnd - uriStart));
  store<i32>(REQ + REQ_PATH_START * 4, <i32>(uriStart - IN));
  store<i32>(REQ + REQ_PATH_END * 4, <i32>(pathEnd - IN));
  store<i32>(REQ + REQ_MALFORMED * 4, malformed ? 1 : 0);
  if (pathEnd > uriStart) internGroup(uriStart, pathEnd, escaped);
}

/**
 * Splits the line at [start, end) of the chunk at IN (offsets from IN) into at most `max` fields, then, when `plan`
 * is not 0, interns the fields that plan names.
 *
 * @returns the number of fields, or -1 when a quoted or bracketed field is not terminated.
 */
export function split(start: i32, end: i32, max: i32, plan: i32): i32 {
  const n = tokenize(start, end, max);
  if (n > 0 && plan != 0) internFields(n, plan);
  return n;
}

function tokenize(start: i32, end: i32, max: i32): i32 {
  const e = IN + <usize>end;
  let i = IN + <usize>start;
  let n: i32 = 0;
  if (max > OUT_CAPACITY) max = OUT_CAPACITY;
  while (i < e && n < max) {
    let c = load<u8>(i);
    while (c == SPACE) {
      i++;
      if (i == e) return n;
      c = load<u8>(i);
    }
    if (c == QUOTE) {
      let flags = FIELD_QUOTED;
      let j = i + 1;
      while (true) {
        j = find2(j, e, QUOTE, BACKSLASH);
        if (j >= e) return -1;
        if (load<u8>(j) == BACKSLASH) {
          flags |= FIELD_ESCAPED;
          j += 2;
          continue;
        }
        if (j + 1 == e || load<u8>(j + 1) == SPACE) break;
        j++;
      }
      put(n++, i + 1, j, flags);
      i = j + 2;
    } else {
      if (c == OPEN_BRACKET) {
        // Bracketed up to the first `]` when a space or the line's end follows it, else a plain field
        // (`[2001:db8::1]:443`).
        const j = find1(i + 1, e, CLOSE_BRACKET);
        if (j >= e) return -1;
        if (j + 1 == e || load<u8>(j + 1) == SPACE) {
          put(n++, i + 1, j, FIELD_BRACKETED);
          i = j + 2;
          continue;
        }
      }
      let flags: u8 = 0;
      let j = find2(i, e, SPACE, BACKSLASH);
      if (j < e && load<u8>(j) == BACKSLASH) {
        flags = FIELD_ESCAPED;
        j = find1(j, e, SPACE);
      }
      put(n++, i, j, flags);
      i = j + 1;
    }
  }
  return n;
}
