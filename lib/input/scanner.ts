import { detectFormat, LineParser, type RejectReason } from '../formats/index.js';
import { LtsUnwrapper } from '../formats/lts.js';
import type { LogFormat, LogRecord } from '../formats/record.js';
import type { InputSummary, RejectSample } from '../model.js';
import { asBuffer } from './stream-helpers.js';

/** Options shared by the push scanner and the stream reader. */
export interface LogScannerOptions {
  /** Object name or path: used in errors and as `InputSummary.path`. */
  name: string;
  /** Default `'auto'`: detect per object from its first lines that parse. */
  format?: LogFormat | 'auto';
  /** Default 1 MiB. Longer lines are rejected (`line-too-long`) without being buffered. */
  maxLineBytes?: number;
  /** Default false. When true every record gets `raw` (every field, quotes removed). */
  keepRaw?: boolean;
  /** Default 5: how many rejected lines to keep as samples. */
  maxSamples?: number;
  /**
   * Default `'all'`. `'analysis'` leaves the fields only people read null: `client`, `clientPort`, `userAgent`,
   * `tlsProtocol`, `tlsCipher`, `listener`, `method`, `protocol`, `path`, `actionsExecuted` and `responseBytes` (window
   * aggregation never reads them, it counts `pathGroup`; not decoding them makes the parse about a fifth faster).
   */
  fields?: 'all' | 'analysis';
  /**
   * Default `'auto'`: how lines wrap the log line, detected per object from its first lines. `'lts-json'` is an
   * LTS transfer in JSON format (one object per line, the log line in `message`); `'none'` is the log line itself
   * (ELB's own files, LTS transfers in RAW format).
   */
  wrapper?: LineWrapper | 'auto';
}

/** How an object's lines carry the log line: as they are, or inside LTS's JSON objects. */
export type LineWrapper = 'none' | 'lts-json';

/** A synchronous line scanner over already-decompressed bytes. */
export interface LogScanner {
  /** Feeds the next bytes; may be cut anywhere, even inside a `\r\n`. Records are emitted synchronously. */
  push(chunk: Uint8Array): void;
  /**
   * Ends the input and handles an unterminated last line. With `damaged`, that last line was cut
   * by a read failure (truncated gzip) and is counted as `truncated-line` instead of parsed.
   */
  end(damaged?: boolean): void;
  /** Bytes of log text pushed so far. */
  readonly bytes: number;
  /** Lines seen so far (records + rejected). */
  readonly lines: number;
  /** The format fixed by the options or detected so far, else null. */
  readonly format: LogFormat | null;
  /** The line wrapper fixed by the options or detected so far, else null. */
  readonly wrapper: LineWrapper | null;
  /** The figures so far, as `lbwatch analyze --json` reports them. */
  summary(error: string | null): InputSummary;
}

/** Longest text of a rejected line kept in a sample. */
export const SAMPLE_TEXT_BYTES = 512;
const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;
const NEWLINE = 0x0a;
const CR = 0x0d;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;

/**
 * Creates the push parser that turns log bytes into records: splits lines with a native newline
 * search, carries only the unterminated last line between chunks (bounded by `maxLineBytes`),
 * detects the format from the first line that parses, and counts every line as a record or a
 * reject with its reason. `lines === records + rejected` always holds.
 *
 * @example
 * const scanner = createLogScanner({ name: 'a.log' }, (r) => records.push(r));
 * scanner.push(Buffer.from('2015-05-13T23:39:43.945958Z my-lb ...\n'));
 * scanner.end();
 * scanner.summary(null); // { path: 'a.log', format: 'clb', lines: 1, records: 1, ... }
 */
export function createLogScanner(options: LogScannerOptions, onRecord: (record: LogRecord) => void): LogScanner {
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const maxSamples = options.maxSamples ?? 5;
  const parser = new LineParser(options.keepRaw === true, options.fields !== 'analysis');
  const fixed = options.format !== undefined && options.format !== 'auto';
  let format: LogFormat | null = fixed ? (options.format as LogFormat) : null;
  // Until a line parses or unwraps, a line opening with `{` is tried as an LTS JSON object; once the object is
  // known to be plain, lines cost nothing more than before.
  let wrapper: LineWrapper | null =
    options.wrapper === undefined || options.wrapper === 'auto' ? null : options.wrapper;
  let unwrapper: LtsUnwrapper | null = null;

  let bytes = 0;
  let lines = 0;
  let records = 0;
  let rejected = 0;
  const rejects: Record<string, number> = {};
  const samples: RejectSample[] = [];

  // The unterminated last line; grows on demand up to maxLineBytes + 1 (a trailing `\r`).
  let carry = Buffer.allocUnsafe(0);
  let carryLength = 0;
  // Inside an over-long line that was already counted: drop bytes up to the next newline.
  let skipping = false;

  function reject(reason: RejectReason, buf: Buffer, start: number, end: number): void {
    rejected++;
    rejects[reason] = (rejects[reason] ?? 0) + 1;
    if (samples.length < maxSamples) {
      const stop = end - start > SAMPLE_TEXT_BYTES ? start + SAMPLE_TEXT_BYTES : end;
      samples.push({ line: lines, reason, text: buf.toString('utf8', start, stop) });
    }
  }

  // Position of the next backslash in the current chunk (or its length when none is left):
  // found with one native search per chunk and per backslash, it lets lines without escapes
  // skip their quoted fields natively.
  let escapeBuf: Buffer | null = null;
  let nextEscape = 0;

  function escapeAfter(buf: Buffer, start: number): number {
    if (buf !== escapeBuf || nextEscape < start) {
      escapeBuf = buf;
      const found = buf.indexOf(BACKSLASH, start);
      nextEscape = found < 0 ? buf.length : found;
    }
    return nextEscape;
  }

  function handleLine(buf: Buffer, start: number, end: number): void {
    lines++;
    if (end > start && buf[end - 1] === CR) end--;
    if (end === start) {
      reject('blank-line', buf, start, end);
      return;
    }
    if (end - start > maxLineBytes) {
      reject('line-too-long', buf, start, end);
      return;
    }
    if (wrapper !== 'none' && (wrapper === 'lts-json' || buf[start] === OPEN_BRACE)) {
      unwrapper ??= new LtsUnwrapper();
      if (!unwrapper.unwrap(buf, start, end)) {
        reject('bad-lts-wrapper', buf, start, end);
        return;
      }
      wrapper = 'lts-json';
      const message = unwrapper.buf;
      if (unwrapper.end === unwrapper.start) {
        reject('blank-line', message, unwrapper.start, unwrapper.end);
        return;
      }
      // A message without escapes is a slice of the line (the chunk the parser has loaded); a decoded one is not.
      const escapeFrom =
        message === buf ? escapeAfter(buf, unwrapper.start) : message.indexOf(BACKSLASH, unwrapper.start);
      parseLine(message, unwrapper.start, unwrapper.end, escapeFrom < 0 ? unwrapper.end : escapeFrom);
      return;
    }
    parseLine(buf, start, end, escapeAfter(buf, start));
  }

  function parseLine(buf: Buffer, start: number, end: number, escapeFrom: number): void {
    let result: LogRecord | RejectReason;
    if (format !== null) {
      result = parser.parse(format, buf, start, end, escapeFrom);
      // A line of another format is named as such, not by the first of its fields that failed (`--format clb` on
      // an OTC log would say `bad-time`). Checked only for lines that did not parse: never on the hot path.
      if (typeof result === 'string') {
        const shape = detectFormat(buf, start, end);
        if (shape !== null && shape !== format) result = 'wrong-format';
      }
    } else {
      const guess = detectFormat(buf, start, end);
      if (guess === null) {
        reject('unknown-format', buf, start, end);
        return;
      }
      result = parser.parse(guess, buf, start, end, escapeFrom);
      if (typeof result !== 'string') format = guess;
    }
    if (typeof result === 'string') {
      reject(result, buf, start, end);
    } else {
      wrapper ??= 'none';
      records++;
      onRecord(result);
    }
  }

  function appendCarry(buf: Buffer, start: number, end: number): void {
    const length = end - start;
    const needed = carryLength + length;
    if (needed > maxLineBytes + 1) {
      // Count the over-long line now, with what we have as its sample, and skip the rest of it.
      lines++;
      const head = Buffer.concat([
        carry.subarray(0, Math.min(carryLength, SAMPLE_TEXT_BYTES)),
        buf.subarray(start, end),
      ]);
      reject('line-too-long', head, 0, Math.min(head.length, SAMPLE_TEXT_BYTES));
      carryLength = 0;
      skipping = true;
      return;
    }
    if (needed > carry.length) {
      const grown = Buffer.allocUnsafe(Math.min(Math.max(needed, carry.length * 2, 4096), maxLineBytes + 1));
      carry.copy(grown, 0, 0, carryLength);
      carry = grown;
    }
    buf.copy(carry, carryLength, start, end);
    carryLength = needed;
  }

  function push(chunk: Uint8Array): void {
    const buf = asBuffer(chunk);
    const length = buf.length;
    bytes += length;
    escapeBuf = null;
    unwrapper?.forget();
    parser.load(buf);
    let pos = 0;
    if (skipping || carryLength > 0) {
      const newline = buf.indexOf(NEWLINE);
      if (newline < 0) {
        if (!skipping) appendCarry(buf, 0, length);
        return;
      }
      if (skipping) {
        skipping = false;
      } else {
        appendCarry(buf, 0, newline);
        if (!skipping) {
          escapeBuf = null;
          unwrapper?.forget();
          handleLine(carry, 0, carryLength);
          carryLength = 0;
        }
        skipping = false;
      }
      pos = newline + 1;
    }
    for (;;) {
      const newline = buf.indexOf(NEWLINE, pos);
      if (newline < 0) break;
      handleLine(buf, pos, newline);
      pos = newline + 1;
    }
    if (pos < length) appendCarry(buf, pos, length);
  }

  function end(damaged = false): void {
    if (carryLength > 0) {
      if (damaged) {
        lines++;
        reject('truncated-line', carry, 0, carryLength);
      } else {
        escapeBuf = null;
        unwrapper?.forget();
        handleLine(carry, 0, carryLength);
      }
      carryLength = 0;
    }
    skipping = false;
  }

  return {
    push,
    end,
    get bytes() {
      return bytes;
    },
    get lines() {
      return lines;
    },
    get format() {
      return format;
    },
    get wrapper() {
      return wrapper;
    },
    summary(error: string | null): InputSummary {
      return {
        path: options.name,
        format,
        lines,
        records,
        rejected,
        rejects: { ...rejects },
        samples: samples.map((s) => ({ ...s })),
        error,
      };
    },
  };
}
