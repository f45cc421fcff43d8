import {
  directText,
  FieldSlices,
  Interner,
  isDash,
  readDecimal,
  readEpochMillis,
  readIsoMicros,
  readSeconds,
  readUint,
  type TextSource,
} from './bytes.js';
import { GroupScratch } from './path-group.js';
import {
  DECODES_ESCAPES,
  type InternPlan,
  NUM,
  NUMBER,
  REQUEST,
  REQUEST_DISPLAY,
  type WasmTokenizer,
} from './wasm-tokenizer.js';

/**
 * The WebAssembly tokenizer's intern table of each kind of text field (see `InternPlan`); the user agent is decoded
 * with its backslash escapes, the others as their bytes read.
 */
export const TEXT_TABLE = {
  loadBalancer: 1,
  member: 2,
  listener: 3,
  tlsProtocol: 4,
  tlsCipher: 5,
  actions: 6,
  errorReason: 7,
  classification: 8,
  userAgent: 9 | DECODES_ESCAPES,
} as const;

/** The plan role of a numeric field read the way `NUM` names. */
export const NUMERIC = {
  uint: NUMBER | NUM.uint,
  seconds: NUMBER | NUM.seconds,
  decimal: NUMBER | NUM.decimal,
  epochMillis: NUMBER | NUM.epochMillis,
  isoMicros: NUMBER | NUM.isoMicros,
} as const;

/**
 * A format's tokenizer plan: the `analysis` fields window aggregation reads, the request line (its method and
 * protocol too with `display`), and with `display` the `shown` fields only people read. A numeric field left out is
 * still read correctly, in JavaScript.
 */
export function internPlan(request: number, analysis: InternPlan, shown: InternPlan, display: boolean): InternPlan {
  return [...analysis, [request, display ? REQUEST | REQUEST_DISPLAY : REQUEST], ...(display ? shown : [])];
}

/**
 * Per-object parsing state reused across lines: the field slices of the current line and the
 * bounded string caches. One context per reader; never shared between concurrent readers.
 */
export class ParseContext {
  readonly fields: FieldSlices;
  // One cache per field, so each one's "same as the previous line" check keeps hitting.
  readonly loadBalancers = new Interner(64, 200);
  readonly listeners = new Interner(64, 200);
  readonly members = new Interner(1024, 64);
  readonly hosts = new Interner(512, 128);
  readonly methods = new Interner(32, 32);
  readonly schemes = new Interner(16, 16);
  readonly protocols = new Interner(16, 32);
  readonly tlsProtocols = new Interner(16, 32);
  readonly tlsCiphers = new Interner(64, 96);
  readonly actions = new Interner(64, 128);
  readonly errorReasons = new Interner(64, 96);
  readonly classifications = new Interner(32, 64);
  /** High-cardinality fields: a cache lookup would cost more than decoding. */
  readonly clients: TextSource = directText;
  readonly paths: TextSource = directText;
  readonly agents: TextSource = directText;
  /** Paths with their ids grouped repeat far more than paths (`groupPath`). */
  readonly pathGroups = new Interner(1024, 256);
  readonly groupScratch = new GroupScratch();
  /** True while the current line was split by the WebAssembly tokenizer with a plan: `ids` then holds its ids. */
  interned = false;
  /** Per field, its slot id in `texts` or -1 (the tokenizer's, when there is one). */
  readonly ids: Int32Array;
  readonly texts: readonly string[];
  /** The request line the tokenizer parsed for the current line, when `ids` of its field is 0 (REQ offsets). */
  readonly request: Int32Array;
  /** Per field, the number the tokenizer read, +Infinity when it left the field to JavaScript (see NUMBER). */
  readonly nums: Float64Array;

  /**
   * @param keepRaw when true every field of a line is kept as `raw` (costs a string per field).
   * @param display when false the fields only people read (client address, user agent, TLS protocol and cipher,
   *   listener, method, protocol, path, actions executed, response bytes) are left null: window aggregation never
   *   reads them (it counts `pathGroup`), and decoding them costs about a fifth of the parse.
   * @param tokenizer the WebAssembly tokenizer whose field slices and interned texts the lines use, if any.
   */
  constructor(
    readonly keepRaw = false,
    readonly display = true,
    tokenizer: WasmTokenizer | null = null,
  ) {
    this.fields = tokenizer?.fields ?? new FieldSlices(keepRaw ? 1024 : 48);
    this.ids = tokenizer?.ids ?? new Int32Array(0);
    this.texts = tokenizer?.texts ?? [];
    this.request = tokenizer?.request ?? new Int32Array(0);
    this.nums = tokenizer?.nums ?? new Float64Array(0);
  }
}

/**
 * The text of field `i` of the current line: the tokenizer's interned string when it interned the field, else
 * decoded through `cache` with `flags` (FIELD_ESCAPED or 0, as the field's table in the plan says).
 */
export function fieldText(buf: Uint8Array, ctx: ParseContext, i: number, cache: TextSource, flags = 0): string {
  if (ctx.interned) {
    const id = ctx.ids[i]!;
    if (id >= 0) return ctx.texts[id]!;
  }
  return cache.get(buf, ctx.fields.starts[i]!, ctx.fields.ends[i]!, flags);
}

/** Like `fieldText`, but null for an empty field or `-`. */
export function optionalField(
  buf: Uint8Array,
  ctx: ParseContext,
  i: number,
  cache: TextSource,
  flags = 0,
): string | null {
  const start = ctx.fields.starts[i]!;
  const end = ctx.fields.ends[i]!;
  if (start >= end || isDash(buf, start, end)) return null;
  return fieldText(buf, ctx, i, cache, flags);
}

/**
 * The number the tokenizer read for field `i` of the current line, or +Infinity when it did not (the line was split in
 * JavaScript, or the plan left the field to JavaScript).
 */
function tokenizerNumber(ctx: ParseContext, i: number): number {
  return ctx.interned ? ctx.nums[i]! : Number.POSITIVE_INFINITY;
}

/** Field `i` read like `readUint` (-1 when not an unsigned integer of at most 15 digits). */
export function uintField(buf: Uint8Array, ctx: ParseContext, i: number): number {
  const v = tokenizerNumber(ctx, i);
  return v !== Number.POSITIVE_INFINITY ? v : readUint(buf, ctx.fields.starts[i]!, ctx.fields.ends[i]!);
}

/** Field `i` read like `readCount` (null when not a count). */
export function countField(buf: Uint8Array, ctx: ParseContext, i: number): number | null {
  const v = uintField(buf, ctx, i);
  return v >= 0 ? v : null;
}

/** Field `i` read like `readSeconds` (null when not recorded). */
export function secondsField(buf: Uint8Array, ctx: ParseContext, i: number): number | null {
  const v = tokenizerNumber(ctx, i);
  if (v !== Number.POSITIVE_INFINITY) return v >= 0 ? v : null;
  return readSeconds(buf, ctx.fields.starts[i]!, ctx.fields.ends[i]!);
}

/** Field `i` read like `readDecimal`. */
export function decimalField(buf: Uint8Array, ctx: ParseContext, i: number): number {
  const v = tokenizerNumber(ctx, i);
  return v !== Number.POSITIVE_INFINITY ? v : readDecimal(buf, ctx.fields.starts[i]!, ctx.fields.ends[i]!);
}

/** Field `i` read like `readEpochMillis`. */
export function epochMillisField(buf: Uint8Array, ctx: ParseContext, i: number): number {
  const v = tokenizerNumber(ctx, i);
  return v !== Number.POSITIVE_INFINITY ? v : readEpochMillis(buf, ctx.fields.starts[i]!, ctx.fields.ends[i]!);
}

/** Field `i` read like `readIsoMicros`. */
export function isoMicrosField(buf: Uint8Array, ctx: ParseContext, i: number): number {
  const v = tokenizerNumber(ctx, i);
  return v !== Number.POSITIVE_INFINITY ? v : readIsoMicros(buf, ctx.fields.starts[i]!, ctx.fields.ends[i]!);
}
