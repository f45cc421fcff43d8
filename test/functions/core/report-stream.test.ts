import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { type LbState, lbStateKey } from '../../../functions/core/lb-state.js';
import { memoryLogger } from '../../../functions/core/logger.js';
import { createReportFlow } from '../../../functions/core/report.js';
import { rollStoredHour } from '../../../functions/core/rollups.js';
import { isoKey, partialKey, reportKeys } from '../../../functions/core/state-keys.js';
import {
  type KeyRange,
  MAX_LISTED_KEYS,
  type StateStore,
  type StoredText,
} from '../../../functions/core/state-store.js';
import {
  parseWindowDoc,
  serializeWindowDoc,
  WINDOW_DOC_VERSION,
  type WindowDoc,
  windowDocKey,
} from '../../../functions/core/window-docs.js';
import { S3StateStore } from '../../../functions/s3/state-store.js';
import {
  createAggregator,
  mergeAll,
  mergeWindows,
  serializeWindow,
  type WindowAggregate,
} from '../../../lib/aggregate/index.js';
import { analyze } from '../../../lib/analysis/index.js';
import { readLogStream } from '../../../lib/input/read-log.js';
import type { InputSummary } from '../../../lib/model.js';
import { buildReportModel, renderJson, summarizeRules } from '../../../lib/report/index.js';
import { DEFAULT_RULES, parseRules, type RuleSet } from '../../../lib/rules/index.js';
import { testConfig } from '../support/factories.js';
import { albLines } from '../support/log-lines.js';

const W = 300_000;
const T0 = Date.parse('2024-05-01T10:00:00Z');
const NOW = Date.parse('2024-05-01T11:12:00Z');
const PREFIX = 'lbwatch/';
const LBS = ['app/api/1f2e3d4c5b6a7988', 'app/web/50dc6c495c0c9188', 'app/zeta/0a0b0c0d0e0f1011'];

/**
 * An in-memory state store whose listings come in pages of `pageSize` keys, and whose whole listing refuses more
 * than `listBound` keys as the S3 store refuses more than MAX_LISTED_KEYS (small here: the period has ~40 documents).
 */
class PagedStore implements StateStore {
  readonly objects = new Map<string, string>();
  listed = 0;
  /** Keys read with get, in order. */
  readonly reads: string[] = [];
  constructor(
    private readonly pageSize: number,
    private readonly listBound = 10,
  ) {}
  async put(key: string, body: string): Promise<void> {
    this.objects.set(key, body);
  }
  async putIfAbsent(key: string, body: string): Promise<'created' | 'exists'> {
    if (this.objects.has(key)) return 'exists';
    this.objects.set(key, body);
    return 'created';
  }
  async putIfMatch(key: string, body: string): Promise<'written' | 'changed'> {
    this.objects.set(key, body);
    return 'written';
  }
  async get(key: string): Promise<StoredText | null> {
    this.reads.push(key);
    const text = this.objects.get(key);
    return text === undefined ? null : { text, etag: '"e"' };
  }
  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }
  async list(prefix: string, range: KeyRange = {}): Promise<string[]> {
    const keys = this.keysInRange(prefix, range);
    if (keys.length > this.listBound) throw new Error(`more than ${this.listBound} keys under ${prefix}`);
    return keys;
  }
  keysInRange(prefix: string, range: KeyRange = {}): string[] {
    return [...this.objects.keys()]
      .filter((k) => k.startsWith(prefix))
      .filter((k) => range.startAfter === undefined || k > range.startAfter)
      .filter((k) => range.endBefore === undefined || k < range.endBefore)
      .sort();
  }
  async *listPages(prefix: string, range: KeyRange = {}): AsyncGenerator<string[]> {
    const keys = this.keysInRange(prefix, range);
    for (let i = 0; i < keys.length; i += this.pageSize) {
      this.listed += 1;
      yield keys.slice(i, i + this.pageSize);
    }
  }
}

/** Windows of one load balancer from ALB lines: `errors` 502s out of `count` in the window starting at `start`. */
async function windowsOf(lb: string, start: number, count: number, errors: number, id: string) {
  const aggregator = createAggregator({ windowMs: W });
  const spec = { loadBalancer: lb, target: '10.0.1.7:8080', elbStatus: 200, targetStatus: 200 };
  const lines = [
    ...albLines(count - errors, new Date(start + 1000), new Date(start + 200_000), spec),
    ...albLines(errors, new Date(start + 2000), new Date(start + 250_000), {
      ...spec,
      elbStatus: 502,
      targetStatus: null,
    }),
  ];
  async function* source() {
    yield Buffer.from(lines.join('\n'));
  }
  const read = await readLogStream(source(), (r) => aggregator.add(r), { name: id });
  return { windows: aggregator.windows(), summary: read.summary };
}

/**
 * One hour of three load balancers: window documents with gaps and a failing stretch, and legacy partials both
 * beside documents of the same window and alone. Returns what analyze() is given for the same data.
 */
async function storePeriod(
  store: PagedStore,
  options: { legacy?: boolean; rolled?: boolean } = {},
): Promise<{ windows: WindowAggregate[]; inputs: InputSummary[] }> {
  const windows: WindowAggregate[] = [];
  const inputs: InputSummary[] = [];
  for (const lb of LBS) await store.put(lbStateKey(PREFIX, lb), JSON.stringify(stateOf(lb, options.rolled === true)));
  for (const [l, lb] of LBS.entries()) {
    for (let i = 0; i < 12; i++) {
      if ((i + l) % 5 === 4) continue; // a window without logs
      const start = T0 + i * W;
      const errors = l === 1 && i >= 3 && i <= 6 ? 30 : i % 3;
      const id = `${l}-${i}`.padEnd(32, 'x');
      const read = await windowsOf(lb, start, 60 + 10 * l, errors, id);
      for (const w of read.windows) {
        const doc: WindowDoc = {
          version: WINDOW_DOC_VERSION,
          loadBalancer: w.loadBalancer,
          start: w.start,
          windowMs: w.windowMs,
          sources: [id],
          inputs: { [id]: { path: `s3://logs/${id}`, summary: read.summary, failure: null } },
          lastArrival: 0,
          lastObjectKey: id,
          aggregate: w,
        };
        await store.put(windowDocKey(PREFIX, lb, w.start), serializeWindowDoc(doc));
        windows.push(w);
        inputs.push({ ...read.summary, path: `s3://logs/${id}` });
      }
    }
  }
  if (options.legacy === false) return { windows, inputs };
  // Legacy partials: two beside a document, one in a window no document has, one of another load balancer.
  const legacy = [
    [LBS[0], 2, 8],
    [LBS[0], 2, 3],
    [LBS[2], 2, 40],
    [LBS[1], 4, 1],
    ['app/old/99aa88bb77cc66dd', 7, 0],
  ] as const;
  for (const [n, [lb, i, errors]] of legacy.entries()) {
    const id = `legacy-${n}`.padEnd(32, 'y');
    for (const w of (await windowsOf(lb ?? 'lb', T0 + i * W, 20, errors, id)).windows) {
      await store.put(partialKey(PREFIX, w.start, w.loadBalancer, id), serializeWindow(w));
      windows.push(w);
    }
  }
  return { windows, inputs };
}

/** A load balancer's state as ingest and the check leave it: logs until NOW, the hour rolled or not. */
function stateOf(lb: string, rolled: boolean): LbState {
  return {
    version: 1,
    loadBalancer: lb,
    lastArrival: NOW - 60_000,
    lastObjectKey: 'x.log',
    intervalMs: W,
    openRules: [],
    rolledFrom: rolled ? T0 : 0,
    rolledUntil: rolled ? T0 + 12 * W : 0,
    dirtyHours: [],
  };
}

function expectedJson(windows: WindowAggregate[], inputs: InputSummary[], rules: RuleSet = DEFAULT_RULES): string {
  const analysis = analyze({ inputs, windows, rules });
  return renderJson(
    buildReportModel({
      title: 'lbwatch summary',
      generatedAt: new Date(NOW).toISOString(),
      period: { from: isoKey(T0), to: isoKey(T0 + 12 * W) },
      windowMs: W,
      analysis,
      rules: summarizeRules(rules),
    }),
  );
}

function reportFlow(store: StateStore) {
  return createReportFlow({ config: testConfig({ REPORT_PERIOD: '1h' }), store, log: memoryLogger(), now: () => NOW });
}

const windowReads = (store: PagedStore): number => store.reads.filter((k) => k.startsWith(`${PREFIX}windows/`)).length;

describe('report flow over paged listings', () => {
  it.each([1, 2, 7, 1000])(
    'gives the report analyze() gives over the whole period, past the listing bound, at %i keys a page',
    async (size) => {
      // Prepare: hours not rolled yet, so the report reads the window documents (by key: no listing of them)
      const store = new PagedStore(size);
      const { windows, inputs } = await storePeriod(store);
      // Act
      const result = await reportFlow(store)(NOW, { rules: DEFAULT_RULES, windowMs: W, destinations: [] });
      // Assess: legacy partials beside a document count with its window
      expect(result.windows).toBe(mergeAll(windows).length);
      expect(result.incidents).toBeGreaterThan(0);
      expect(store.objects.get(reportKeys(PREFIX, T0 + 12 * W).json)).toBe(expectedJson(windows, inputs));
      expect(store.listed).toBe(Math.ceil(LBS.length / size));
      expect(windowReads(store)).toBe(LBS.length * 13);
    },
  );
});

describe('report flow over rollups', () => {
  /** Stores the hour, rolls it as the scheduled check does, and forgets the reads that made the rollups. */
  async function rolledPeriod(rules: RuleSet) {
    const store = new PagedStore(1000, 1000);
    const data = await storePeriod(store, { legacy: false, rolled: true });
    for (const lb of LBS) await rollStoredHour(store, PREFIX, lb, T0, rules, memoryLogger());
    store.reads.length = 0;
    return { store, ...data };
  }

  it("reads each load balancer's rollup instead of its window documents, for the same report", async () => {
    // Prepare
    const { store, windows, inputs } = await rolledPeriod(DEFAULT_RULES);
    // Act
    const result = await reportFlow(store)(NOW, { rules: DEFAULT_RULES, windowMs: W, destinations: [] });
    // Assess
    expect(store.objects.get(reportKeys(PREFIX, T0 + 12 * W).json)).toBe(expectedJson(windows, inputs));
    expect(result.windows).toBe(windows.length);
    expect(windowReads(store)).toBe(0);
    expect(store.reads.filter((k) => k.includes('/rollups/'))).toHaveLength(LBS.length);
  });

  it('reads a dirty hour from its window documents, so a late object is in the report', async () => {
    // Prepare: after the roll, a late object adds 40 502s to one window of the second load balancer
    const { store, windows, inputs } = await rolledPeriod(DEFAULT_RULES);
    const lb = LBS[1] as string;
    const late = (await windowsOf(lb, T0 + 9 * W, 40, 40, 'late'.padEnd(32, 'z'))).windows[0] as WindowAggregate;
    const key = windowDocKey(PREFIX, lb, late.start);
    const current = parseWindowDoc(store.objects.get(key) as string);
    await store.put(key, serializeWindowDoc({ ...current, aggregate: mergeWindows(current.aggregate, late) }));
    await store.put(lbStateKey(PREFIX, lb), JSON.stringify({ ...stateOf(lb, true), dirtyHours: [T0] }));
    store.reads.length = 0;
    // Act
    await reportFlow(store)(NOW, { rules: DEFAULT_RULES, windowMs: W, destinations: [] });
    // Assess: the late records are counted; only that load balancer's documents were read
    expect(store.objects.get(reportKeys(PREFIX, T0 + 12 * W).json)).toBe(expectedJson([...windows, late], inputs));
    expect(new Set(store.reads.filter((k) => k.includes('/windows/')).map((k) => k.split('/').at(-1)))).toEqual(
      new Set([windowDocKey(PREFIX, lb, T0).split('/').at(-1)]),
    );
  });

  it('does not use a rollup rolled under other rules: the hour is read from its window documents', async () => {
    // Prepare: rolled with a resolve-after of 30 minutes, reported with the defaults
    const other = parseRules('incidents:\n  resolveAfter: 30m\n', 'rules.yaml');
    const { store, windows, inputs } = await rolledPeriod(other);
    // Act
    await reportFlow(store)(NOW, { rules: DEFAULT_RULES, windowMs: W, destinations: [] });
    // Assess
    expect(store.objects.get(reportKeys(PREFIX, T0 + 12 * W).json)).toBe(expectedJson(windows, inputs));
    expect(windowReads(store)).toBe(LBS.length * 13);
  });
});

const s3Mock = mockClient(S3Client);

describe('S3StateStore.listPages', () => {
  const BUCKET = 'example-lbwatch-state';
  const keys = Array.from({ length: 10 }, (_, i) => `lbwatch/windows/k${String(i).padStart(2, '0')}.json`);

  beforeEach(() => {
    s3Mock.reset();
  });

  /** Serves `keys` in pages of `size`, continuation tokens being the index of the next key. */
  function servePages(size: number, all: readonly string[] = keys): void {
    s3Mock.on(ListObjectsV2Command).callsFake((input: { StartAfter?: string; ContinuationToken?: string }) => {
      const from =
        input.ContinuationToken !== undefined
          ? Number(input.ContinuationToken)
          : input.StartAfter === undefined
            ? 0
            : all.filter((k) => k <= (input.StartAfter ?? '')).length;
      const page = all.slice(from, from + size);
      const more = from + size < all.length;
      return {
        Contents: page.map((Key) => ({ Key })),
        IsTruncated: more,
        NextContinuationToken: more ? String(from + size) : undefined,
      };
    });
  }

  it.each([1, 3, 4, 10])('yields the keys of the range in order, page by page, at %i keys a page', async (size) => {
    // Prepare
    servePages(size);
    const store = new S3StateStore(new S3Client({ region: 'eu-west-1' }), BUCKET);
    const pages: string[][] = [];
    // Act
    for await (const page of store.listPages('lbwatch/windows/', {
      startAfter: keys[1],
      endBefore: keys[8],
    }))
      pages.push(page);
    // Assess
    expect(pages.flat()).toEqual(keys.slice(2, 8));
    expect(pages.every((p) => p.length > 0 && p.length <= size)).toBe(true);
    expect(await store.list('lbwatch/windows/', { startAfter: keys[1], endBefore: keys[8] })).toEqual(keys.slice(2, 8));
  });

  it('keeps list() bounded while listPages goes past the bound', async () => {
    // Prepare
    const many = Array.from({ length: MAX_LISTED_KEYS + 1 }, (_, i) => `lbwatch/windows/${String(i).padStart(7, '0')}`);
    servePages(1000, many);
    const store = new S3StateStore(new S3Client({ region: 'eu-west-1' }), BUCKET);
    // Act
    let paged = 0;
    for await (const page of store.listPages('lbwatch/windows/')) paged += page.length;
    const listed = store.list('lbwatch/windows/');
    // Assess
    expect(paged).toBe(MAX_LISTED_KEYS + 1);
    await expect(listed).rejects.toMatchObject({ code: 'STATE_FAILED' });
  });
});
