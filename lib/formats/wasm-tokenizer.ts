import { FieldSlices } from './bytes.js';
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
  split(start: number, end: number, max: number): number;
  OUT_CAPACITY: WasmGlobal;
  OUT_STARTS: WasmGlobal;
  OUT_ENDS: WasmGlobal;
  OUT_FLAGS: WasmGlobal;
  IN: WasmGlobal;
  IN_CAPACITY: WasmGlobal;
}

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
   * Splits the line at [start, end) of the loaded chunk into at most `max` fields of `fields`.
   *
   * @returns false when a quoted or bracketed field is not terminated before the end of the line.
   */
  split(start: number, end: number, max: number): boolean {
    const n = this.exports.split(start, end, max);
    if (n < 0) return false;
    this.fields.count = n;
    return true;
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
