/**
 * Objects that hold records of two windows (an ALB object holds a few of the previous interval): one window document
 * write, the older records carried in the newer window's document, and every reader seeing each window whole —
 * whichever order the objects come in.
 */
import { describe, expect, it } from 'vitest';
import { createIngestFlow, homeOf } from '../../../functions/core/ingest.js';
import { lbStateKey } from '../../../functions/core/lb-state.js';
import { memoryLogger } from '../../../functions/core/logger.js';
import type { Runtime } from '../../../functions/core/runtime.js';
import { readWindowView, windowDocKey } from '../../../functions/core/window-docs.js';
import type { WindowAggregate } from '../../../lib/aggregate/index.js';
import { DEFAULT_RULES } from '../../../lib/rules/index.js';
import { testConfig } from '../support/factories.js';
import { albLines } from '../support/log-lines.js';
import { MemoryStore, memorySource } from '../support/memory-store.js';

const W = 300_000;
const MIN = 60_000;
const PREFIX = 'lbwatch/';
const LOGS = 'example-elb-logs';
const WEB = 'app/web/50dc6c495c0c9188';
const T0 = Date.parse('2024-05-01T10:00:00Z');
const RUNTIME: Runtime = { rules: DEFAULT_RULES, windowMs: W, destinations: [] };
const spec = { loadBalancer: WEB, target: '10.0.1.7:8080' };

const ok = (n: number, from: number): string[] =>
  albLines(n, new Date(from + 1000), new Date(from + 200_000), { ...spec, elbStatus: 200, targetStatus: 200 });
const bad = (n: number, from: number): string[] =>
  albLines(n, new Date(from + 250_000), new Date(from + 290_000), { ...spec, elbStatus: 502, targetStatus: null });

function setup() {
  const store = new MemoryStore();
  const logs = new Map<string, string>();
  let clock = T0;
  const ingest = createIngestFlow({
    config: testConfig(),
    source: memorySource(logs),
    store,
    log: memoryLogger(),
    now: () => clock,
  });
  return {
    store,
    async deliver(key: string, lines: string[], at: number) {
      clock = at;
      logs.set(key, lines.join('\n'));
      const [outcome] = await ingest.ingest(
        [{ bucket: LOGS, key, etag: `e-${key}`, versionId: null, size: 1 }],
        RUNTIME,
      );
      return outcome;
    },
  };
}

/** Just enough of a window for where it goes. */
const windowsAt = (...starts: number[]): WindowAggregate[] =>
  starts.map((start) => ({ start, windowMs: W }) as WindowAggregate);

describe('objects of two windows', () => {
  it("go to the newest window's document, the previous window as its carry, older ones to their own", () => {
    // Act
    const two = homeOf(windowsAt(T0 + W, T0));
    const gap = homeOf(windowsAt(T0, T0 + 2 * W));
    const hourly = homeOf(windowsAt(T0, T0 + W, T0 + 2 * W, T0 + 3 * W));
    // Assess
    expect([two.home.start, two.carried?.start, two.own]).toEqual([T0 + W, T0, []]);
    expect([gap.home.start, gap.carried, gap.own.map((w) => w.start)]).toEqual([T0 + 2 * W, null, [T0]]);
    expect([hourly.home.start, hourly.carried?.start, hourly.own.map((w) => w.start)]).toEqual([
      T0 + 3 * W,
      T0 + 2 * W,
      [T0, T0 + W],
    ]);
  });

  it("cost one window document write, and each window reads whole from its document and the next one's carry", async () => {
    // Prepare
    const t = setup();
    // Act: 10:05's object with 20 records of 10:00
    await t.deliver('a.log', [...ok(100, T0)], T0 + W + 4 * MIN);
    t.store.writes.length = 0;
    await t.deliver('b.log', [...bad(20, T0), ...ok(80, T0 + W)], T0 + 2 * W + 4 * MIN);
    // Assess
    expect(t.store.writes.filter((k) => k.includes('/windows/'))).toEqual([windowDocKey(PREFIX, WEB, T0 + W)]);
    const first = await readWindowView(t.store, PREFIX, WEB, T0, W);
    const second = await readWindowView(t.store, PREFIX, WEB, T0 + W, W);
    expect(first?.statusCodes).toEqual({ '200': 100, '502': 20 });
    expect(second?.statusCodes).toEqual({ '200': 80 });
  });

  it("judge a window with the records a later window's object carried even when that object came first", async () => {
    // Prepare: 10 502s of 10:00 come first, in 10:05's object (too few requests to judge alone); then 190 good
    // requests in 10:00's own object: 200 requests, 5% 502s — gateway-errors fires only on the two together
    const inOrder = setup();
    const reversed = setup();
    const carrying = [...bad(10, T0), ...ok(100, T0 + W)];
    const own = ok(190, T0);
    // Act
    const a1 = await inOrder.deliver('own.log', own, T0 + W + 4 * MIN);
    const a2 = await inOrder.deliver('carrying.log', carrying, T0 + 2 * W + 4 * MIN);
    const b1 = await reversed.deliver('carrying.log', carrying, T0 + W + 4 * MIN);
    const b2 = await reversed.deliver('own.log', own, T0 + 2 * W + 4 * MIN);
    // Assess: one incident opened either way, by the object that completed the window
    const opened = (o: typeof a1) => (o?.status === 'processed' ? o.pages.map((p) => `${p.state} ${p.rule}`) : []);
    expect([opened(a1), opened(a2)]).toEqual([[], ['opened gateway-errors']]);
    expect([opened(b1), opened(b2)]).toEqual([[], ['opened gateway-errors']]);
  });

  it("read the load balancer's state once per window in steady operation; an object that changes it reads it again", async () => {
    // Prepare: four nodes' objects of one window, healthy
    const t = setup();
    const lbKey = lbStateKey(PREFIX, WEB);
    t.store.reads.length = 0;
    // Act
    for (let n = 0; n < 4; n++) await t.deliver(`node${n}.log`, ok(50, T0 + W), T0 + 2 * W + (4 + n / 10) * MIN);
    const healthyReads = t.store.reads.filter((k) => k === lbKey).length;
    t.store.reads.length = 0;
    // a fifth node's object whose 502s fire gateway-errors: it records the open rule in the state it reads
    const fifth = await t.deliver('node4.log', [...ok(50, T0 + W), ...bad(40, T0 + W)], T0 + 2 * W + 5 * MIN);
    // Assess
    expect(healthyReads).toBe(1);
    expect(t.store.reads.filter((k) => k === lbKey).length).toBeGreaterThanOrEqual(1);
    expect(fifth?.status === 'processed' ? fifth.pages.map((p) => p.state) : []).toEqual(['opened']);
    expect(t.store.state(WEB).openRules).toEqual(['gateway-errors']);
  });
});
