import { directText, FieldSlices, Interner, type TextSource } from './bytes.js';

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

  /**
   * @param keepRaw when true every field of a line is kept as `raw` (costs a string per field).
   * @param display when false the fields only people read (client address, user agent, TLS protocol and cipher,
   *   listener, method, protocol, actions executed, response bytes) are left null: window aggregation never reads
   *   them, and decoding them costs about a fifth of the parse.
   * @param fields where the current line's field slices go (the WebAssembly tokenizer's, when it is used).
   */
  constructor(
    readonly keepRaw = false,
    readonly display = true,
    fields?: FieldSlices,
  ) {
    this.fields = fields ?? new FieldSlices(keepRaw ? 1024 : 48);
  }
}
