/**
 * The access-log formats lbwatch reads, behind one line-parser interface: split the line into
 * field slices once, then let the format's scanner build a `LogRecord` or name a reject reason.
 */

import { ALB_MAX_FIELDS, AlbScratch, albInternPlan, parseAlb } from './alb.js';
import { splitFields, utf8 } from './bytes.js';
import { CLB_MAX_FIELDS, ClbScratch, clbInternPlan, parseClb } from './clb.js';
import { ParseContext } from './context.js';
import { OTC_MAX_FIELDS, OtcScratch, otcInternPlan, parseOtcElb } from './otc-elb.js';
import type { RejectReason } from './reasons.js';
import type { LogFormat, LogRecord } from './record.js';
import { sharedTokenizer, type WasmTokenizer } from './wasm-tokenizer.js';

export { detectFormat } from './detect.js';
export { REJECT_REASONS, type RejectReason } from './reasons.js';
export type { BackendAttempt, LogFormat, LogRecord, StatusSource } from './record.js';
export { LOG_FORMATS } from './record.js';

/** Parses single lines of any format; holds the reusable state, so use one per reader. */
export class LineParser {
  private readonly ctx: ParseContext;
  private readonly tokenizer: WasmTokenizer | null;
  private readonly otc = new OtcScratch();
  private readonly alb = new AlbScratch();
  private readonly clb = new ClbScratch();
  /** The tokenizer's intern plan number of each format. */
  private readonly albPlan: number;
  private readonly otcPlan: number;
  private readonly clbPlan: number;

  /**
   * @param keepRaw also attach every field of the line as `raw` (slower; for debugging views).
   * @param display decode the fields only people read (client, user agent, TLS, listener, method, protocol,
   *   path, actions, response bytes); false leaves them null.
   * @param tokenizer splits the lines of loaded chunks (default: this thread's WebAssembly tokenizer; null, or
   *   `keepRaw` with its thousand fields, splits every line with `splitFields`).
   */
  constructor(
    private readonly keepRaw = false,
    display = true,
    tokenizer: WasmTokenizer | null = sharedTokenizer(),
  ) {
    this.tokenizer = keepRaw ? null : tokenizer;
    this.ctx = new ParseContext(keepRaw, display, this.tokenizer);
    this.albPlan = this.tokenizer?.planFor(albInternPlan(display)) ?? 0;
    this.otcPlan = this.tokenizer?.planFor(otcInternPlan(display)) ?? 0;
    this.clbPlan = this.tokenizer?.planFor(clbInternPlan(display)) ?? 0;
  }

  /**
   * Makes `chunk` the one whose lines `parse` splits in WebAssembly (copied in once; a chunk larger than the
   * tokenizer's capacity is split in JavaScript). Lines of any other buffer are split in JavaScript.
   */
  load(chunk: Uint8Array): void {
    this.tokenizer?.load(chunk);
  }

  /**
   * Parses `buf[start, end)` (one line without its newline) as `format`. `escapeFrom` is the
   * position of the first backslash at or after `start` when the caller knows it (any value
   * >= `end` for none), which lets quoted fields be skipped natively; by default every quoted
   * field is checked for escapes byte by byte.
   *
   * @example
   * const parser = new LineParser();
   * const result = parser.parse('clb', line, 0, line.length);
   * if (typeof result === 'string') countReject(result); else use(result);
   */
  parse(format: LogFormat, buf: Buffer, start: number, end: number, escapeFrom = start): LogRecord | RejectReason {
    const ctx = this.ctx;
    const max = this.keepRaw
      ? ctx.fields.capacity
      : format === 'alb'
        ? ALB_MAX_FIELDS
        : format === 'otc-elb'
          ? OTC_MAX_FIELDS
          : CLB_MAX_FIELDS;
    const tokenizer = this.tokenizer;
    const interned = tokenizer?.holds(buf) === true;
    ctx.interned = interned;
    const split = interned
      ? (tokenizer as WasmTokenizer).split(
          start,
          end,
          max,
          format === 'alb' ? this.albPlan : format === 'otc-elb' ? this.otcPlan : this.clbPlan,
        )
      : splitFields(buf, start, end, max, ctx.fields, escapeFrom);
    if (!split) return 'unterminated-quote';
    const result =
      format === 'alb'
        ? parseAlb(buf, ctx, this.alb)
        : format === 'otc-elb'
          ? parseOtcElb(buf, ctx, this.otc)
          : parseClb(buf, ctx, this.clb);
    if (this.keepRaw && typeof result !== 'string') {
      const fields = ctx.fields;
      const raw: string[] = [];
      for (let i = 0; i < fields.count; i++) raw.push(utf8(buf, fields.starts[i]!, fields.ends[i]!));
      result.raw = raw;
    }
    return result;
  }
}
