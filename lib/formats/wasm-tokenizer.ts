import { displayText, FIELD_ESCAPED, FieldSlices } from './bytes.js';
import { TOKENIZER_WASM_BASE64 } from './tokenizer-wasm.js';

/** The part of the WebAssembly API used here (Node's own types for it are incomplete in @types/node 20). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: unknown };
}
type WasmModule = { readonly __wasmModule?: never };
type WasmGlobal = { readonly value: number };

interface TokenizerExports {
  memory: { readonly buffer: ArrayBuffer };
  split(start: number, end: number, max: number, plan: number): number;
  OUT_CAPACITY: WasmGlobal;
  OUT_STARTS: WasmGlobal;
  OUT_ENDS: WasmGlobal;
  OUT_FLAGS: WasmGlobal;
  OUT_IDS: WasmGlobal;
  OUT_NUMS: WasmGlobal;
  NEW_COUNT: WasmGlobal;
  NEW_IDS: WasmGlobal;
  PLANS: WasmGlobal;
  PLAN_COUNT: WasmGlobal;
  IN: WasmGlobal;
  IN_CAPACITY: WasmGlobal;
  TABLES: WasmGlobal;
  TABLE_BITS: WasmGlobal;
  META: WasmGlobal;
  KEYS: WasmGlobal;
  KEY_STRIDE: WasmGlobal;
  REQ: WasmGlobal;
  REQUEST_TABLE: WasmGlobal;
  REQ_PART_STARTS: WasmGlobal;
  REQ_PART_ENDS: WasmGlobal;
}

/** A plan's byte for a field whose text is decoded with its backslash escapes (`displayText` with FIELD_ESCAPED). */
export const DECODES_ESCAPES = 16;
/** The escape bit of a slot's description in the module's META area. */
const SLOT_ESCAPED = 0x100;

/** A plan's byte for the request line field: parsed in WebAssembly, its parts interned (see `RequestParts`). */
export const REQUEST = 32;
/** With REQUEST: the method and protocol are interned too (they are left null otherwise). */
export const REQUEST_DISPLAY = 64;
/**
 * A plan's byte for a numeric field, with one of the kinds below: the tokenizer reads it into `nums` exactly as the
 * reader of lib/formats/bytes.ts named by the kind does (`readUint`; `readSeconds` with -1 for null; `readDecimal`;
 * `readEpochMillis`; `readIsoMicros`), or leaves +Infinity where JavaScript must read it (see `uintField` and its siblings in context.ts).
 */
export const NUMBER = 128;
export const NUM = { uint: 1, seconds: 2, decimal: 3, epochMillis: 4, isoMicros: 5 } as const;
/** Offsets in `WasmTokenizer.request` (the REQ area of wasm/tokenizer.ts): ids of the parts, then these. */
export const REQ = {
  method: 0,
  protocol: 1,
  scheme: 2,
  host: 3,
  /** The path grouped (`groupPath`). */
  group: 4,
  port: 5,
  pathStart: 6,
  pathEnd: 7,
  uriLength: 8,
  malformed: 9,
  partStarts: 10,
  partEnds: 15,
} as const;
/** Request-line parts the tokenizer interns: method, protocol, scheme, host, grouped path. */
const REQUEST_PARTS = REQ.partEnds - REQ.partStarts;

/**
 * Which fields of a line to intern, and in which table: `[field index, table (1-9) | DECODES_ESCAPES]`,
 * `[request field, REQUEST | REQUEST_DISPLAY?]`, or which to read as numbers: `[field, NUMBER | NUM.kind]`. A table
 * appears at most once per plan (the request line's parts have tables of their own); one table per kind of value
 * (load balancers, members, ...) keeps each kind's recent values from pushing out another's.
 */
export type InternPlan = readonly (readonly [field: number, role: number])[];

const wasmApi = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

/**
 * The WebAssembly line tokenizer (wasm/tokenizer.ts): splits lines like `splitFields`, with 16-byte SIMD compares
 * instead of a native call per field (about 3x less tokenising time per ALB or OTC line). A chunk is copied into its
 * memory once (`load`), then each of its lines is split in place (`split`) into `fields`, whose arrays are views
 * into that memory.
 *
 * One per thread ({@link sharedTokenizer}): scanners push chunks synchronously, so they can take turns with it; a
 * line of a chunk that is no longer loaded (or never fitted) is split with `splitFields` instead.
 */
export class WasmTokenizer {
  readonly fields: FieldSlices;
  /** Largest chunk `load` accepts. */
  readonly capacity: number;
  private readonly exports: TokenizerExports;
  private readonly input: Uint8Array;
  /**
   * The string of every interned key, by slot id (`ids`). After each `split` it holds the text of every id that
   * split wrote: new keys are decoded before `split` returns.
   */
  readonly texts: string[];
  /** Per field of the last `split` with a plan: its slot id in `texts`, -1 (not interned), 0 (request line). */
  readonly ids: Int32Array;
  /** The request line the last `split` parsed (REQ offsets), when its plan had a REQUEST field. */
  readonly request: Int32Array;
  /** Per field of the last `split` whose plan gave it a NUMBER role: its value (see NUMBER). */
  readonly nums: Float64Array;
  private readonly meta: Int32Array;
  private readonly plans: Uint8Array;
  private readonly planKeys: string[] = [''];
  private readonly newCount: Int32Array;
  private readonly newIds: Int32Array;
  /** The module's memory, where `decodeNew` reads the keys. */
  private readonly memoryBytes: Uint8Array;
  private readonly keys: number;
  private readonly keyStride: number;
  /** The first table of the request-line parts: plain plans use the tables below it. */
  private readonly requestTable: number;
  private loaded: Uint8Array | null = null;

  constructor(api: WasmApi, module: WasmModule) {
    const exports = new api.Instance(module, {}).exports as TokenizerExports;
    this.exports = exports;
    const buffer = exports.memory.buffer;
    const capacity = exports.OUT_CAPACITY.value;
    this.fields = new FieldSlices(
      capacity,
      new Int32Array(buffer, exports.OUT_STARTS.value, capacity),
      new Int32Array(buffer, exports.OUT_ENDS.value, capacity),
      new Uint8Array(buffer, exports.OUT_FLAGS.value, capacity),
    );
    this.capacity = exports.IN_CAPACITY.value;
    this.input = new Uint8Array(buffer, exports.IN.value, this.capacity);
    this.ids = new Int32Array(buffer, exports.OUT_IDS.value, capacity);
    this.nums = new Float64Array(buffer, exports.OUT_NUMS.value, capacity);
    this.newCount = new Int32Array(buffer, exports.NEW_COUNT.value, 1);
    this.newIds = new Int32Array(buffer, exports.NEW_IDS.value, capacity + REQUEST_PARTS);
    this.memoryBytes = new Uint8Array(buffer);
    this.keys = exports.KEYS.value;
    this.keyStride = exports.KEY_STRIDE.value;
    this.plans = new Uint8Array(buffer, exports.PLANS.value, exports.PLAN_COUNT.value * capacity);
    const slots = exports.TABLES.value << exports.TABLE_BITS.value;
    this.texts = new Array<string>(slots).fill('');
    this.meta = new Int32Array(buffer, exports.META.value, slots);
    this.request = new Int32Array(buffer, exports.REQ.value, REQ.partEnds + REQUEST_PARTS);
    if (exports.REQ_PART_STARTS.value !== REQ.partStarts || exports.REQ_PART_ENDS.value !== REQ.partEnds) {
      throw new Error('tokenizer module and REQ offsets disagree');
    }
    this.requestTable = exports.REQUEST_TABLE.value;
  }

  /**
   * The number to pass to `split` for `plan` (registered once; equal plans share a number).
   *
   * @throws {RangeError} when a field index or table is out of range, a table appears twice, or the plans are full.
   */
  planFor(plan: InternPlan): number {
    const capacity = this.fields.capacity;
    const row = new Uint8Array(capacity);
    const tables = new Set<number>();
    for (const [field, role] of plan) {
      const table = role & 15;
      const request = role === REQUEST || role === (REQUEST | REQUEST_DISPLAY);
      const plain = table !== 0 && table < this.requestTable && (role & ~(15 | DECODES_ESCAPES)) === 0;
      const numeric = role > NUMBER && role <= (NUMBER | NUM.isoMicros);
      if (field < 0 || field >= capacity || !(request || plain || numeric) || row[field] !== 0) {
        throw new RangeError(`intern plan: field ${field} role ${role} is out of range or the field appears twice`);
      }
      if (!numeric) {
        const key = request ? 0 : table;
        if (tables.has(key)) throw new RangeError(`intern plan: table ${table} appears twice`);
        tables.add(key);
      }
      row[field] = role;
    }
    const key = row.join(',');
    const known = this.planKeys.indexOf(key);
    if (known > 0) return known;
    const id = this.planKeys.length;
    if (id * capacity >= this.plans.length) throw new RangeError('intern plan: no room for another plan');
    this.plans.set(row, id * capacity);
    this.planKeys.push(key);
    return id;
  }

  /** Copies `chunk` in for `split`. @returns false when it is larger than `capacity` (nothing is loaded then). */
  load(chunk: Uint8Array): boolean {
    if (chunk.length > this.capacity) {
      this.loaded = null;
      return false;
    }
    this.input.set(chunk);
    this.loaded = chunk;
    return true;
  }

  /** True when `chunk` is the chunk loaded last. */
  holds(chunk: Uint8Array): boolean {
    return this.loaded === chunk;
  }

  /**
   * Splits the line at [start, end) of the loaded chunk into at most `max` fields of `fields` and, given a plan
   * number from `planFor`, interns the fields it names (`ids`, `texts`).
   *
   * @returns false when a quoted or bracketed field is not terminated before the end of the line.
   */
  split(start: number, end: number, max: number, plan = 0): boolean {
    const n = this.exports.split(start, end, max, plan);
    if (n < 0) return false;
    this.fields.count = n;
    if (plan !== 0 && n > 0 && this.newCount[0] !== 0) this.decodeNew();
    return true;
  }

  /** Decodes the keys the last split put in the tables, from the module's copy of them, so that `texts` matches every slot again. */
  private decodeNew(): void {
    const memory = this.memoryBytes;
    const count = this.newCount[0]!;
    for (let k = 0; k < count; k++) {
      const id = this.newIds[k]!;
      const meta = this.meta[id]!;
      const at = this.keys + id * this.keyStride;
      this.texts[id] = displayText(memory, at, at + (meta & 0xff), (meta & SLOT_ESCAPED) !== 0 ? FIELD_ESCAPED : 0);
    }
  }
}

let compiled: WasmModule | null | undefined;
let shared: WasmTokenizer | null = null;

/**
 * This thread's tokenizer, created on first use; null where WebAssembly or its SIMD instructions are unavailable
 * (every Node version lbwatch supports has both), and the callers then split with `splitFields`.
 *
 * @example
 * const tokenizer = sharedTokenizer();
 * if (tokenizer?.load(chunk) && tokenizer.split(lineStart, lineEnd, 28)) use(tokenizer.fields);
 * const plan = tokenizer?.planFor([[2, 1]]); // intern field 2 in table 1: tokenizer.texts[tokenizer.ids[2]]
 */
export function sharedTokenizer(): WasmTokenizer | null {
  if (compiled === undefined) {
    try {
      compiled = wasmApi === undefined ? null : new wasmApi.Module(Buffer.from(TOKENIZER_WASM_BASE64, 'base64'));
    } catch {
      compiled = null;
    }
  }
  if (compiled !== null && wasmApi !== undefined && shared === null) shared = new WasmTokenizer(wasmApi, compiled);
  return shared;
}
