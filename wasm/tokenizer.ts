// lbwatch's line tokenizer in AssemblyScript, compiled to WebAssembly with SIMD by `npm run build:wasm` into
// lib/formats/tokenizer-wasm.ts. It splits exactly like `splitFields` in lib/formats/bytes.ts (a property test holds
// the two equal): space-separated fields, "quoted" fields closed only by a quote followed by a space or the end of the
// line (a backslash escapes the next byte), [bracketed] fields, at most `max` fields. 16-byte SIMD compares find each
// field's end, where JavaScript pays a native call (or a byte loop) per field.
//
// Memory: field starts, ends (i32) and flags (u8) at OUT_*; the chunk being parsed at IN, up to IN_CAPACITY bytes,
// followed by 16 bytes the SIMD loads may read past its end.

const SPACE: u8 = 0x20;
const QUOTE: u8 = 0x22;
const BACKSLASH: u8 = 0x5c;
const OPEN_BRACKET: u8 = 0x5b;
const CLOSE_BRACKET: u8 = 0x5d;
const FIELD_QUOTED: u8 = 1;
const FIELD_ESCAPED: u8 = 2;
const FIELD_BRACKETED: u8 = 4;

export const OUT_CAPACITY: i32 = 64;
export const OUT_STARTS: usize = 65536;
export const OUT_ENDS: usize = OUT_STARTS + 4 * <usize>OUT_CAPACITY;
export const OUT_FLAGS: usize = OUT_ENDS + 4 * <usize>OUT_CAPACITY;
export const IN: usize = 131072;
export const IN_CAPACITY: i32 = 2 * 1024 * 1024;

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

/**
 * Splits the line at [start, end) of the chunk at IN (offsets from IN) into at most `max` fields.
 *
 * @returns the number of fields, or -1 when a quoted or bracketed field is not terminated.
 */
export function split(start: i32, end: i32, max: i32): i32 {
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
    } else if (c == OPEN_BRACKET) {
      let j = i + 1;
      while (true) {
        j = find1(j, e, CLOSE_BRACKET);
        if (j >= e) return -1;
        if (j + 1 == e || load<u8>(j + 1) == SPACE) break;
        j++;
      }
      put(n++, i + 1, j, FIELD_BRACKETED);
      i = j + 2;
    } else {
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
