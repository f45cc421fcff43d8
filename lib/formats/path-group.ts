import type { TextSource } from './bytes.js';

const SLASH = 0x2f;
const DOT = 0x2e;
/** `{id}`: what an id in a path becomes. */
const PLACEHOLDER = [0x7b, 0x69, 0x64, 0x7d];

/** Per byte: 0 not in an id, 1 `-` or `_`, 2 hex letter, 3 decimal digit. */
const ID_BYTE = new Uint8Array(256);
for (const c of '-_') ID_BYTE[c.charCodeAt(0)] = 1;
for (const c of 'abcdefABCDEF') ID_BYTE[c.charCodeAt(0)] = 2;
for (const c of '0123456789') ID_BYTE[c.charCodeAt(0)] = 3;

/**
 * True when `buf[start, end)` is an id: only hex digits, `-` and `_`, with at least one decimal digit or at least
 * 8 hex digits (`173035`, `673a4e3e`, a UUID, `2026-06-16`; not `v1`, `cart`, `wp-login`).
 */
function isIdPart(buf: Uint8Array, start: number, end: number): boolean {
  let decimal = false;
  let hex = 0;
  for (let i = start; i < end; i++) {
    const kind = ID_BYTE[buf[i]!]!;
    if (kind === 0) return false;
    if (kind === 3) decimal = true;
    if (kind >= 2) hex++;
  }
  return decimal || hex >= 8;
}

/** End of the part of a path that starts at `start`: the next `/` or `.`, or `end`. */
function partEnd(buf: Uint8Array, start: number, end: number): number {
  let q = start;
  while (q < end) {
    const c = buf[q]!;
    if (c === SLASH || c === DOT) break;
    q++;
  }
  return q;
}

/** Reusable output of {@link groupPath}: grows to the longest grouped path seen. */
export class GroupScratch {
  bytes = new Uint8Array(256);
}

/**
 * The URL path at `buf[start, end)` (raw bytes as logged, query string already cut) with every id between `/` and `.`
 * replaced by `{id}`, decoded through `cache` with `flags`: `/images/products/173035.webp` becomes
 * `/images/products/{id}.webp`, `/static/js/app.673a4e3e.js` becomes `/static/js/app.{id}.js`. Windows count
 * requests per host and grouped path, so that a route whose URLs carry ids shows as one entry instead of thousands
 * of entries seen once; the WebAssembly tokenizer groups the same way (a property test holds the two equal).
 *
 * @example
 * groupPath(Buffer.from('/orders/42/items'), 0, 16, 0, directText, new GroupScratch()); // '/orders/{id}/items'
 */
export function groupPath(
  buf: Uint8Array,
  start: number,
  end: number,
  flags: number,
  cache: TextSource,
  scratch: GroupScratch,
): string {
  let p = start;
  // Most paths of a site have no id: find the first one before copying anything.
  for (;;) {
    const q = partEnd(buf, p, end);
    if (q > p && isIdPart(buf, p, q)) break;
    if (q >= end) return cache.get(buf, start, end, flags);
    p = q + 1;
  }
  // Each byte of the path gives at most 4 bytes of output (a 1-byte id becomes `{id}`).
  if (scratch.bytes.length < 4 * (end - start)) scratch.bytes = new Uint8Array(4 * (end - start));
  const out = scratch.bytes;
  out.set(buf.subarray(start, p));
  let o = p - start;
  while (p < end) {
    const q = partEnd(buf, p, end);
    if (q > p && isIdPart(buf, p, q)) {
      out.set(PLACEHOLDER, o);
      o += 4;
    } else {
      for (let i = p; i < q; i++) out[o++] = buf[i]!;
    }
    if (q < end) out[o++] = buf[q]!;
    p = q + 1;
  }
  return cache.get(out, 0, o, flags);
}
