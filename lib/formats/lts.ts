/**
 * LTS (Log Tank Service) transfers to OBS in JSON format write one object per line, for example
 * `{"host_name":"…","ip":"…","line_no":12,"message":"<access-log line>\n","path":"…","time":1718512345000}`
 * plus optional tag fields. Only `message` matters: it is the access-log line as ELB wrote it.
 *
 * The unwrapper walks the object's bytes instead of calling `JSON.parse` per line: keys and values are
 * skipped with native byte searches, and a message without escapes is handed on as a slice of the
 * line itself (no copy, no string). Structure is checked (strings closed, objects and arrays balanced,
 * nothing after the closing brace); number and literal spellings are not.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_SQUARE = 0x5b;
const CLOSE_SQUARE = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
const NEWLINE = 0x0a;
const CR = 0x0d;

/** `message` as bytes. */
const MESSAGE_KEY = [0x6d, 0x65, 0x73, 0x73, 0x61, 0x67, 0x65];

function isSpace(c: number | undefined): boolean {
  return c === 0x20 || c === 0x09 || c === NEWLINE || c === CR;
}

function hexValue(c: number | undefined): number {
  if (c === undefined) return -1;
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

/** Four hex digits at `i`, or -1. */
function hex4(buf: Uint8Array, i: number, end: number): number {
  if (i + 4 > end) return -1;
  const a = hexValue(buf[i]);
  const b = hexValue(buf[i + 1]);
  const c = hexValue(buf[i + 2]);
  const d = hexValue(buf[i + 3]);
  return a < 0 || b < 0 || c < 0 || d < 0 ? -1 : (a << 12) | (b << 8) | (c << 4) | d;
}

/**
 * Finds the first occurrence of one byte at or after a position with a native search, remembering the
 * answer: positions only grow along a line, so each byte of a chunk is searched about once.
 */
class NextByte {
  private buf: Uint8Array | null = null;
  private from = 0;
  private found = 0;

  constructor(private readonly byte: number) {}

  forget(): void {
    this.buf = null;
  }

  /** Position of the byte at or after `from`, or `buf.length` when there is none. */
  at(buf: Buffer, from: number): number {
    if (buf !== this.buf || from < this.from || from > this.found) {
      this.buf = buf;
      const i = buf.indexOf(this.byte, from);
      this.found = i < 0 ? buf.length : i;
    }
    this.from = from;
    return this.found;
  }
}

/**
 * Finds the `message` of LTS JSON lines; holds reusable state, so use one per reader.
 *
 * @example
 * const unwrapper = new LtsUnwrapper();
 * if (unwrapper.unwrap(line, 0, line.length)) parse(unwrapper.buf, unwrapper.start, unwrapper.end);
 */
export class LtsUnwrapper {
  /** After a successful `unwrap`: the bytes holding the message (the line itself, or a decoded copy). */
  buf: Buffer = Buffer.alloc(0);
  /** The message's first byte in `buf`. */
  start = 0;
  /** After the message's last byte in `buf`, its trailing newline (`\n` or `\r\n`) removed. */
  end = 0;

  private scratch = Buffer.allocUnsafe(0);
  private keyScratch = Buffer.allocUnsafe(16);
  private readonly quotes = new NextByte(QUOTE);
  private readonly escapes = new NextByte(BACKSLASH);

  /** Forgets remembered search positions: call when a buffer already seen is refilled with other bytes. */
  forget(): void {
    this.quotes.forget();
    this.escapes.forget();
  }

  /**
   * Reads `line[start, end)` as one JSON object and points `buf`/`start`/`end` at its string `message`
   * (the last one when the key repeats, as `JSON.parse` does). False when the line is not a JSON object
   * or has no string `message`.
   */
  unwrap(line: Buffer, start: number, end: number): boolean {
    let i = skipSpaces(line, start, end);
    if (line[i] !== OPEN_BRACE) return false;
    i = skipSpaces(line, i + 1, end);
    let found = false;
    if (line[i] === CLOSE_BRACE) {
      i++;
    } else {
      for (;;) {
        if (line[i] !== QUOTE) return false;
        const keyEnd = this.stringEnd(line, i, end);
        if (keyEnd < 0) return false;
        const isMessage = this.isMessageKey(line, i + 1, keyEnd - 1);
        i = skipSpaces(line, keyEnd, end);
        if (line[i] !== COLON) return false;
        i = skipSpaces(line, i + 1, end);
        if (isMessage && line[i] === QUOTE) {
          const valueEnd = this.readMessage(line, i, end);
          if (valueEnd < 0) return false;
          found = true;
          i = valueEnd;
        } else {
          if (isMessage) found = false;
          i = this.valueEnd(line, i, end);
          if (i < 0) return false;
        }
        i = skipSpaces(line, i, end);
        const c = line[i];
        if (i < end && c === COMMA) {
          i = skipSpaces(line, i + 1, end);
          continue;
        }
        if (i < end && c === CLOSE_BRACE) {
          i++;
          break;
        }
        return false;
      }
    }
    if (skipSpaces(line, i, end) !== end || !found) return false;
    // LTS keeps the line's own newline inside the message.
    if (this.end > this.start && this.buf[this.end - 1] === NEWLINE) this.end--;
    if (this.end > this.start && this.buf[this.end - 1] === CR) this.end--;
    return true;
  }

  /** After the closing quote of the string opening at `open`, or -1 when it is not closed before `end`. */
  private stringEnd(buf: Buffer, open: number, end: number): number {
    const quote = this.quotes.at(buf, open + 1);
    if (quote >= end) return -1;
    if (this.escapes.at(buf, open + 1) > quote) return quote + 1;
    let j = open + 1;
    while (j < end) {
      const c = buf[j]!;
      if (c === BACKSLASH) j += 2;
      else if (c === QUOTE) return j + 1;
      else j++;
    }
    return -1;
  }

  /** Whether the key `buf[start, end)` (between its quotes) spells `message`, escapes decoded. */
  private isMessageKey(buf: Buffer, start: number, end: number): boolean {
    if (end - start === MESSAGE_KEY.length) {
      for (let k = 0; k < MESSAGE_KEY.length; k++) if (buf[start + k] !== MESSAGE_KEY[k]) return false;
      return true;
    }
    if (end - start < MESSAGE_KEY.length || this.escapes.at(buf, start) >= end) return false;
    // `end` is the closing quote: decode up to it.
    if (this.keyScratch.length < end - start) this.keyScratch = Buffer.allocUnsafe(end - start);
    if (decodeJsonString(buf, start, end + 1, this.keyScratch, 0) < 0 || decodedLength !== MESSAGE_KEY.length) {
      return false;
    }
    for (let k = 0; k < MESSAGE_KEY.length; k++) if (this.keyScratch[k] !== MESSAGE_KEY[k]) return false;
    return true;
  }

  /** Points the result at the string value opening at `open`; returns the position after it, or -1. */
  private readMessage(buf: Buffer, open: number, end: number): number {
    const quote = this.quotes.at(buf, open + 1);
    if (quote >= end) return -1;
    const backslash = this.escapes.at(buf, open + 1);
    // No backslash, or only the trailing `\n` LTS adds: the message is a slice of the line.
    if (backslash > quote || (backslash === quote - 2 && buf[backslash + 1] === 0x6e)) {
      this.buf = buf;
      this.start = open + 1;
      this.end = Math.min(backslash, quote);
      return quote + 1;
    }
    // Escapes only shrink: the decoded text is never longer than the encoded one.
    if (this.scratch.length < end - open)
      this.scratch = Buffer.allocUnsafe(Math.max(end - open, 2 * this.scratch.length));
    const out = this.scratch;
    // Copy up to the first backslash natively, then decode byte by byte up to the closing quote.
    buf.copy(out, 0, open + 1, backslash);
    const after = decodeJsonString(buf, backslash, end, out, backslash - open - 1);
    if (after < 0) return -1;
    this.buf = out;
    this.start = 0;
    this.end = decodedLength;
    return after;
  }

  /** After the JSON value starting at `i` (string, number, literal, object or array), or -1. */
  private valueEnd(buf: Buffer, i: number, end: number): number {
    const c = buf[i];
    if (i >= end) return -1;
    if (c === QUOTE) return this.stringEnd(buf, i, end);
    if (c === OPEN_BRACE || c === OPEN_SQUARE) {
      let depth = 0;
      let j = i;
      while (j < end) {
        const d = buf[j]!;
        if (d === QUOTE) {
          j = this.stringEnd(buf, j, end);
          if (j < 0) return -1;
          continue;
        }
        if (d === OPEN_BRACE || d === OPEN_SQUARE) depth++;
        else if (d === CLOSE_BRACE || d === CLOSE_SQUARE) {
          depth--;
          if (depth === 0) return j + 1;
        }
        j++;
      }
      return -1;
    }
    // Number or literal (true, false, null): up to the next delimiter.
    let j = i;
    while (j < end) {
      const d = buf[j]!;
      if (d === COMMA || d === CLOSE_BRACE || d === CLOSE_SQUARE || isSpace(d)) break;
      if (d === QUOTE || d === OPEN_BRACE || d === OPEN_SQUARE || d === COLON) return -1;
      j++;
    }
    return j > i ? j : -1;
  }
}

/** Length of the text the last `decodeJsonString` wrote. */
let decodedLength = 0;

/**
 * Decodes JSON string content from `buf[start]` up to its closing quote into `out` from `o` (out must hold at
 * least `end - start` more bytes) as UTF-8. Returns the position after the closing quote, or -1 for a bad escape
 * or no closing quote before `end`; the decoded length is left in `decodedLength`. A lone surrogate becomes
 * U+FFFD, as `Buffer.from(string)` writes it.
 */
function decodeJsonString(buf: Buffer, start: number, end: number, out: Buffer, o: number): number {
  let i = start;
  while (i < end) {
    const c = buf[i]!;
    if (c === QUOTE) {
      decodedLength = o;
      return i + 1;
    }
    if (c !== BACKSLASH) {
      out[o++] = c;
      i++;
      continue;
    }
    const e = buf[i + 1];
    i += 2;
    if (e === 0x6e) out[o++] = NEWLINE;
    else if (e === QUOTE || e === BACKSLASH || e === 0x2f) out[o++] = e;
    else if (e === 0x74) out[o++] = 0x09;
    else if (e === 0x72) out[o++] = CR;
    else if (e === 0x62) out[o++] = 0x08;
    else if (e === 0x66) out[o++] = 0x0c;
    else if (e === 0x75) {
      let code = hex4(buf, i, end);
      if (code < 0) return -1;
      i += 4;
      if (code >= 0xd800 && code <= 0xdbff) {
        const low = buf[i] === BACKSLASH && buf[i + 1] === 0x75 ? hex4(buf, i + 2, end) : -1;
        if (low >= 0xdc00 && low <= 0xdfff) {
          code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
          i += 6;
        } else {
          code = 0xfffd;
        }
      } else if (code >= 0xdc00 && code <= 0xdfff) {
        code = 0xfffd;
      }
      o = writeUtf8(out, o, code);
    } else {
      return -1;
    }
  }
  return -1;
}

function skipSpaces(buf: Uint8Array, i: number, end: number): number {
  while (i < end && isSpace(buf[i])) i++;
  return i;
}

function writeUtf8(out: Buffer, o: number, code: number): number {
  if (code < 0x80) {
    out[o] = code;
    return o + 1;
  }
  if (code < 0x800) {
    out[o] = 0xc0 | (code >> 6);
    out[o + 1] = 0x80 | (code & 0x3f);
    return o + 2;
  }
  if (code < 0x10000) {
    out[o] = 0xe0 | (code >> 12);
    out[o + 1] = 0x80 | ((code >> 6) & 0x3f);
    out[o + 2] = 0x80 | (code & 0x3f);
    return o + 3;
  }
  out[o] = 0xf0 | (code >> 18);
  out[o + 1] = 0x80 | ((code >> 12) & 0x3f);
  out[o + 2] = 0x80 | ((code >> 6) & 0x3f);
  out[o + 3] = 0x80 | (code & 0x3f);
  return o + 4;
}
