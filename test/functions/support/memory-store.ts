/**
 * In-memory ports for flow tests: a state store with conditional writes (and a hook run after a read has taken its
 * snapshot, to land another invocation's writes in between), and log objects served from memory.
 */
import { type LbState, lbStateKey, parseLbState } from '../../../functions/core/lb-state.js';
import type { ObjectSource } from '../../../functions/core/object-source.js';
import type { KeyRange, StateStore, StoredText } from '../../../functions/core/state-store.js';

/** An in-memory state store with conditional writes, and a hook run after a read has taken its snapshot. */
export class MemoryStore implements StateStore {
  readonly objects = new Map<string, { text: string; version: number }>();
  readonly reads: string[] = [];
  readonly writes: string[] = [];
  private version = 0;
  afterRead: ((key: string) => Promise<void>) | null = null;
  constructor(private readonly prefix = 'lbwatch/') {}
  async put(key: string, body: string): Promise<void> {
    this.writes.push(key);
    this.objects.set(key, { text: body, version: ++this.version });
  }
  async putIfAbsent(key: string, body: string): Promise<'created' | 'exists'> {
    if (this.objects.has(key)) return 'exists';
    await this.put(key, body);
    return 'created';
  }
  async putIfMatch(key: string, body: string, etag: string): Promise<'written' | 'changed'> {
    if (String(this.objects.get(key)?.version) !== etag) return 'changed';
    await this.put(key, body);
    return 'written';
  }
  async get(key: string): Promise<StoredText | null> {
    this.reads.push(key);
    const stored = this.objects.get(key);
    const snapshot = stored === undefined ? null : { text: stored.text, etag: String(stored.version) };
    if (this.afterRead !== null) await this.afterRead(key);
    return snapshot;
  }
  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }
  async list(prefix: string, range: KeyRange = {}): Promise<string[]> {
    return [...this.objects.keys()]
      .filter((k) => k.startsWith(prefix))
      .filter(
        (k) =>
          (range.startAfter === undefined || k > range.startAfter) &&
          (range.endBefore === undefined || k < range.endBefore),
      )
      .sort();
  }
  async *listPages(prefix: string, range: KeyRange = {}): AsyncGenerator<string[]> {
    yield await this.list(prefix, range);
  }
  state(lb: string): LbState {
    const state = parseLbState(this.objects.get(lbStateKey(this.prefix, lb))?.text ?? '');
    if (state === null) throw new Error(`no state for ${lb}`);
    return state;
  }
}

/** Log objects in memory. */
export function memorySource(objects: Map<string, string>): ObjectSource {
  return {
    async open(ref) {
      const text = objects.get(ref.key);
      if (text === undefined) throw Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey' });
      return {
        body: (async function* () {
          yield Buffer.from(text);
        })(),
        etag: `etag-${ref.key}`,
        versionId: null,
        lastModified: null,
      };
    },
  };
}
