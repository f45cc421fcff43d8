import { FIELD_ESCAPED, isDash, lastColon, readUint, type TextSource } from './bytes.js';
import type { ParseContext } from './context.js';
import { groupPath } from './path-group.js';
import { REQ } from './wasm-tokenizer.js';

const SPACE = 0x20;
const SLASH = 0x2f;
const COLON = 0x3a;
const QUESTION = 0x3f;
const HASH = 0x23;

/** The parts of a request line, written in place for each line (no allocation). */
export interface RequestParts {
  method: string | null;
  scheme: string | null;
  host: string | null;
  port: number | null;
  /** Null without `display` (window aggregation reads `pathGroup` instead). */
  path: string | null;
  /** The path with its ids grouped (`groupPath`). */
  pathGroup: string | null;
  uriLength: number;
  protocol: string | null;
  malformed: boolean;
}

/** A fresh scratch object for {@link parseRequestLine}; each scanner owns one and reuses it for every line. */
export function emptyRequestParts(): RequestParts {
  return {
    method: null,
    scheme: null,
    host: null,
    port: null,
    path: null,
    pathGroup: null,
    uriLength: 0,
    protocol: null,
    malformed: true,
  };
}

/** The scheme in lower case (the usual two without a new string). */
function lowerScheme(scheme: string): string {
  return scheme === 'http' || scheme === 'https' ? scheme : scheme.toLowerCase();
}

/** Finds `HTTP/` near the end of a URL whose protocol lost its separating space (OTC doc typo `/example/HTTP/1.1`). */
function gluedProtocolStart(buf: Uint8Array, start: number, end: number): number {
  for (let i = end - 5; i > start && i >= end - 12; i--) {
    if (buf[i] === 0x48 && buf[i + 1] === 0x54 && buf[i + 2] === 0x54 && buf[i + 3] === 0x50 && buf[i + 4] === SLASH) {
      return i;
    }
  }
  return -1;
}

/**
 * Parses `METHOD scheme://host[:port]/path?query PROTOCOL` from the quoted request field.
 * Splits on the first and last space (URLs may hold escaped spaces), tolerates a missing
 * protocol, `-` parts (CLB TCP `"- - - "`, ALB `"- http://host:80- -"`), relative URIs and
 * bracketed IPv6 hosts. The query string is measured (`uriLength`) but never decoded.
 */
export function parseRequestLine(
  buf: Uint8Array,
  start: number,
  end: number,
  flags: number,
  ctx: ParseContext,
  out: RequestParts,
): void {
  out.method = null;
  out.scheme = null;
  out.host = null;
  out.port = null;
  out.path = null;
  out.pathGroup = null;
  out.uriLength = 0;
  out.protocol = null;
  out.malformed = true;
  // CLB TCP listeners write `"- - - "`: trailing spaces belong to no part.
  while (end > start && buf[end - 1] === SPACE) end--;
  if (start >= end || isDash(buf, start, end)) return;

  let firstSpace = -1;
  for (let i = start; i < end; i++) {
    if (buf[i] === SPACE) {
      firstSpace = i;
      break;
    }
  }
  if (firstSpace < 0) return;
  let lastSpace = firstSpace;
  for (let i = end - 1; i > firstSpace; i--) {
    if (buf[i] === SPACE) {
      lastSpace = i;
      break;
    }
  }
  // Method and protocol are only shown to people: without `display` they are checked for presence, not decoded.
  const display = ctx.display;
  const hasMethod = !isDash(buf, start, firstSpace);
  if (hasMethod && display) out.method = ctx.methods.get(buf, start, firstSpace);
  let urlStart = firstSpace + 1;
  let urlEnd = end;
  let malformed = !hasMethod;
  if (lastSpace > firstSpace) {
    urlEnd = lastSpace;
    if (lastSpace + 1 < end && !isDash(buf, lastSpace + 1, end)) {
      if (display) out.protocol = ctx.protocols.get(buf, lastSpace + 1, end);
    } else malformed = true;
  } else {
    const glued = gluedProtocolStart(buf, urlStart, end);
    if (glued > urlStart) {
      urlEnd = glued;
      if (display) out.protocol = ctx.protocols.get(buf, glued, end);
    } else {
      malformed = true;
    }
  }
  while (urlStart < urlEnd && buf[urlStart] === SPACE) urlStart++;
  if (urlStart >= urlEnd || isDash(buf, urlStart, urlEnd)) {
    out.malformed = true;
    return;
  }

  // scheme://
  let uriStart = urlStart;
  const schemeLimit = Math.min(urlStart + 12, urlEnd);
  for (let i = urlStart; i < schemeLimit; i++) {
    const c = buf[i]!;
    if (c === COLON) {
      if (i > urlStart && i + 2 < urlEnd && buf[i + 1] === SLASH && buf[i + 2] === SLASH) {
        const scheme = ctx.schemes.get(buf, urlStart, i);
        out.scheme = lowerScheme(scheme);
        const hostStart = i + 3;
        let hostEnd = hostStart;
        while (hostEnd < urlEnd) {
          const d = buf[hostEnd]!;
          if (d === SLASH || d === QUESTION || d === HASH) break;
          hostEnd++;
        }
        uriStart = hostEnd;
        let nameEnd = hostEnd;
        let nameStart = hostStart;
        if (buf[hostStart] === 0x5b) {
          // [IPv6]:port
          let close = hostStart + 1;
          while (close < hostEnd && buf[close] !== 0x5d) close++;
          nameStart = hostStart + 1;
          nameEnd = close;
          if (close + 1 < hostEnd && buf[close + 1] === COLON) {
            const port = readUint(buf, close + 2, hostEnd);
            out.port = port >= 0 && port <= 65535 ? port : null;
          }
        } else {
          const colon = lastColon(buf, hostStart, hostEnd);
          if (colon >= 0) {
            nameEnd = colon;
            const port = readUint(buf, colon + 1, hostEnd);
            out.port = port >= 0 && port <= 65535 ? port : null;
          }
        }
        if (nameEnd > nameStart) out.host = ctx.hosts.get(buf, nameStart, nameEnd, flags & FIELD_ESCAPED);
      }
      break;
    }
    if (c === SLASH) break;
  }
  out.uriLength = urlEnd - uriStart;
  let pathEnd = uriStart;
  while (pathEnd < urlEnd) {
    const c = buf[pathEnd]!;
    if (c === QUESTION || c === HASH) break;
    pathEnd++;
  }
  const escaped = flags & FIELD_ESCAPED;
  if (pathEnd > uriStart) {
    if (display) out.path = ctx.paths.get(buf, uriStart, pathEnd, escaped);
    out.pathGroup = groupPath(buf, uriStart, pathEnd, escaped, ctx.pathGroups, ctx.groupScratch);
  } else if (out.host !== null) {
    if (display) out.path = '/';
    out.pathGroup = '/';
  }
  out.malformed = malformed;
}

/** A request-line part the tokenizer parsed: its interned text, or decoded when too long to intern, or null. */
function partText(buf: Uint8Array, ctx: ParseContext, part: number, cache: TextSource, flags: number): string | null {
  const r = ctx.request;
  const id = r[part]!;
  if (id >= 0) return ctx.texts[id]!;
  const start = r[REQ.partStarts + part]!;
  return start < 0 ? null : cache.get(buf, start, r[REQ.partEnds + part]!, flags);
}

/**
 * Fills `out` from the request line in field `field` of the current line: from what the WebAssembly tokenizer
 * parsed when it did (its plan has the field as REQUEST), else with {@link parseRequestLine}. Same result.
 */
export function readRequestLine(buf: Uint8Array, ctx: ParseContext, field: number, out: RequestParts): void {
  const fields = ctx.fields;
  const flags = fields.flags[field]!;
  if (!ctx.interned || ctx.ids[field] !== 0) {
    parseRequestLine(buf, fields.starts[field]!, fields.ends[field]!, flags, ctx, out);
    return;
  }
  const r = ctx.request;
  const escaped = flags & FIELD_ESCAPED;
  out.method = partText(buf, ctx, REQ.method, ctx.methods, 0);
  out.protocol = partText(buf, ctx, REQ.protocol, ctx.protocols, 0);
  const scheme = partText(buf, ctx, REQ.scheme, ctx.schemes, 0);
  out.scheme = scheme === null ? null : lowerScheme(scheme);
  out.host = partText(buf, ctx, REQ.host, ctx.hosts, escaped);
  const port = r[REQ.port]!;
  out.port = port >= 0 ? port : null;
  const pathStart = r[REQ.pathStart]!;
  const pathEnd = r[REQ.pathEnd]!;
  if (pathEnd > pathStart) {
    out.path = ctx.display ? ctx.paths.get(buf, pathStart, pathEnd, escaped) : null;
    const group = r[REQ.group]!;
    out.pathGroup =
      group >= 0 ? ctx.texts[group]! : groupPath(buf, pathStart, pathEnd, escaped, ctx.pathGroups, ctx.groupScratch);
  } else {
    const root = out.host !== null ? '/' : null;
    out.path = ctx.display ? root : null;
    out.pathGroup = root;
  }
  out.uriLength = r[REQ.uriLength]!;
  out.malformed = r[REQ.malformed] !== 0;
}

/** Client address parts, written in place for each line. */
export interface AddressParts {
  ip: string | null;
  port: number | null;
}

/** Splits `ip:port` at the last colon (IPv6 is unbracketed in ALB/CLB/OTC); strips `[` `]` when present. */
export function splitAddress(buf: Uint8Array, start: number, end: number, ctx: ParseContext, out: AddressParts): void {
  out.ip = null;
  out.port = null;
  if (start >= end || isDash(buf, start, end)) return;
  // The tokenizer's slice of a `[bracketed]` field leaves the brackets out: `[2001:db8::1]` is an address, no port.
  const colon = start > 0 && buf[start - 1] === 0x5b && buf[end] === 0x5d ? -1 : lastColon(buf, start, end);
  if (colon < 0) {
    out.ip = ctx.clients.get(buf, start, end);
    return;
  }
  let ipStart = start;
  let ipEnd = colon;
  if (buf[ipStart] === 0x5b && buf[ipEnd - 1] === 0x5d) {
    ipStart++;
    ipEnd--;
  }
  const port = readUint(buf, colon + 1, end);
  out.ip = ipEnd > ipStart ? ctx.clients.get(buf, ipStart, ipEnd) : null;
  out.port = port >= 0 && port <= 65535 ? port : null;
}

/** The port after the last colon of `ip:port`, or null. */
export function portOf(buf: Uint8Array, start: number, end: number): number | null {
  const colon = lastColon(buf, start, end);
  if (colon < 0) return null;
  const port = readUint(buf, colon + 1, end);
  return port >= 0 && port <= 65535 ? port : null;
}
