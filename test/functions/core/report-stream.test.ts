import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { memoryLogger } from '../../../functions/core/logger.js';
import { createReportFlow } from '../../../functions/core/report.js';
import { isoKey, partialKey, reportKeys } from '../../../functions/core/state-keys.js';
import {
  type KeyRange,
  MAX_LISTED_KEYS,
  type StateStore,
  type StoredText,
} from '../../../functions/core/state-store.js';
import {
  serializeWindowDoc,
  WINDOW_DOC_VERSION,
  type WindowDoc,
  windowDocKey,
} from '../../../functions/core/window-docs.js';
import { S3StateStore } from '../../../functions/s3/state-store.js';
import { createAggregator, serializeWindow, type WindowAggregate } from '../../../lib/aggregate/index.js';
import { analyze } from '../../../lib/analysis/index.js';
import { readLogStream } from '../../../lib/input/read-log.js';
import type { InputSummary } from '../../../lib/model.js';
import { buildReportModel, renderJson, summarizeRules } from '../../../lib/report/index.js';
import { DEFAULT_RULES } from '../../../lib/rules/index.js';
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
async function storePeriod(store: PagedStore): Promise<{ windows: WindowAggregate[]; inputs: InputSummary[] }> {
  const windows: WindowAggregate[] = [];
  const inputs: InputSummary[] = [];
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

function expectedJson(windows: WindowAggregate[], inputs: InputSummary[]): string {
  const analysis = analyze({ inputs, windows, rules: DEFAULT_RULES });
  return renderJson(
    buildReportModel({
      title: 'lbwatch summary',
      generatedAt: new Date(NOW).toISOString(),
      period: { from: isoKey(T0), to: isoKey(T0 + 12 * W) },
      windowMs: W,
      analysis,
      rules: summarizeRules(DEFAULT_RULES),
    }),
  );
}

describe('report flow over paged listings', () => {
  it.each([1, 2, 7, 1000])(
    'gives the report analyze() gives over the whole period, past the listing bound, at %i keys a page',
    async (size) => {
      // Prepare
      const store = new PagedStore(size);
      const { windows, inputs } = await storePeriod(store);
      const report = createReportFlow({
        config: testConfig({ REPORT_PERIOD: '1h' }),
        store,
        log: memoryLogger(),
        now: () => NOW,
      });
      // Act
      const result = await report(NOW, { rules: DEFAULT_RULES, windowMs: W, destinations: [] });
      // Assess
      expect(result.windows).toBe(windows.length);
      expect(result.incidents).toBeGreaterThan(0);
      expect(store.objects.get(reportKeys(PREFIX, T0 + 12 * W).json)).toBe(expectedJson(windows, inputs));
      const docs = store.keysInRange(`${PREFIX}windows/`).length;
      expect(store.listed).toBe(Math.ceil(docs / size));
    },
  );
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
