import { directText, FieldSlices, Interner, type TextSource } from './bytes.js';

/**
 * Per-object parsing state reused across lines: the field slices of the current line and the
 * bounded string caches. One context per reader; never shared between concurrent readers.
 */
export class ParseContext {
  readonly fields: FieldSlices;
  /** Load-balancer, listener and similar names (few distinct values). */
  readonly names = new Interner(256, 160);
  readonly members = new Interner(1024, 64);
  readonly clients: TextSource = directText;
  readonly hosts = new Interner(512, 128);
  readonly paths: TextSource = directText;
  readonly agents: TextSource = directText;
  /** Methods, schemes, protocols, TLS names, reason codes. */
  readonly small = new Interner(256, 96);

  /** @param keepRaw when true every field of a line is kept as `raw` (costs a string per field). */
  constructor(readonly keepRaw = false) {
    this.fields = new FieldSlices(keepRaw ? 1024 : 48);
  }
}
