/**
 * Many writers of one window document at once: the K objects of a window land together and, with the queue's
 * concurrency, are merged by K invocations at the same moment. Each must get its turn (jittered backoff between
 * conditional-write conflicts) rather than give up and wait out the queue's visibility timeout.
 */
import { describe, expect, it } from 'vitest';
import { conflictPauseMs, MAX_CONFLICTS } from '../../../functions/core/concurrency.js';
import type { KeyRange, StateStore, StoredText } from '../../../functions/core/state-store.js';
import { mergeIntoWindow, readWindowDoc } from '../../../functions/core/window-docs.js';
import { createAggregator, type WindowAggregate } from '../../../lib/aggregate/index.js';
import { otcRecord } from '../../lib/aggregate/factories.js';

const W = 300_000;
const T0 = Date.parse('2024-05-01T10:00:00Z');
const PREFIX = 'lbwatch/';
const LB = 'loadbalancer_a';

/** Conditional writes as S3 does them; every call yields to the event loop first, so concurrent writers interleave. */
class YieldingStore implements StateStore {
  private readonly objects = new Map<string, { text: string; version: number }>();
  private version = 0;
  conflicts = 0;
  private async turn(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
  }
  async put(key: string, body: string): Promise<void> {
    await this.turn();
    this.objects.set(key, { text: body, version: ++this.version });
  }
  async putIfAbsent(key: string, body: string): Promise<'created' | 'exists'> {
    await this.turn();
    if (this.objects.has(key)) {
      this.conflicts++;
      return 'exists';
    }
    this.objects.set(key, { text: body, version: ++this.version });
    return 'created';
  }
  async putIfMatch(key: string, body: string, etag: string): Promise<'written' | 'changed'> {
    await this.turn();
    if (String(this.objects.get(key)?.version) !== etag) {
      this.conflicts++;
      return 'changed';
    }
    this.objects.set(key, { text: body, version: ++this.version });
    return 'written';
  }
  async get(key: string): Promise<StoredText | null> {
    await this.turn();
    const stored = this.objects.get(key);
    return stored === undefined ? null : { text: stored.text, etag: String(stored.version) };
  }
  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }
  async list(_prefix: string, _range?: KeyRange): Promise<string[]> {
    return [];
  }
  async *listPages(): AsyncGenerator<string[]> {}
}

/** One node's partial of the window: `n` requests from member `node`. */
function partialOf(node: number, n: number): WindowAggregate {
  const aggregator = createAggregator({ windowMs: W });
  for (let i = 0; i < n; i++)
    aggregator.add(otcRecord({ loadBalancer: LB, time: T0 + 1000 + i, member: `10.0.0.${node}:80` }));
  const [w] = aggregator.windows();
  if (w === undefined) throw new Error('no window');
  return w;
}

describe('contended window documents', () => {
  it('merges 32 objects of one window written at the same moment, each once', async () => {
    // Prepare: more writers than the old limit of 12 conflicts could serve
    const store = new YieldingStore();
    const nodes = Array.from({ length: 32 }, (_, i) => i + 1);
    // Act
    const outcomes = await Promise.all(
      nodes.map((node) =>
        mergeIntoWindow(store, PREFIX, partialOf(node, node), {
          id: `object-${String(node).padStart(3, '0')}`,
          key: `node-${node}.log`,
          arrival: T0 + W + 60_000,
          input: null,
        }),
      ),
    );
    // Assess
    const doc = await readWindowDoc(store, PREFIX, LB, T0);
    expect(outcomes.every((o) => o.merged)).toBe(true);
    expect(store.conflicts).toBeGreaterThan(12);
    expect(doc?.sources).toHaveLength(32);
    expect(doc?.aggregate.requests).toBe((32 * 33) / 2);
  }, 60_000);

  it('pauses between attempts with full jitter, growing with the attempt and capped at one second', () => {
    // Act
    const longest = Array.from({ length: MAX_CONFLICTS }, (_, attempt) => conflictPauseMs(attempt, () => 0.999_999));
    // Assess
    expect(conflictPauseMs(5, () => 0)).toBe(0);
    expect(longest.slice(0, 4)).toEqual([19, 39, 79, 159]);
    expect(Math.max(...longest)).toBe(999);
    expect(longest.reduce((a, b) => a + b, 0)).toBeLessThan(40_000);
  });
});
