/**
 * Child process of `npm run bench:state`: runs the report flow (functions/core/report.ts, as the report function
 * does) over one synthetic day of window documents for N load balancers, and prints one JSON line with its wall
 * time, CPU time and peak memory.
 *
 * The day is served by a state store that makes each window document when it is read, from one realistic
 * aggregate per load balancer (20 nodes' objects of ~1,600 ALB lines through the real reader and aggregator)
 * re-stamped per window: no storage in the way, and the CPU spent making the documents is measured and left out.
 * The store keeps the port's listing bound (MAX_LISTED_KEYS) unless `--unbounded-list` is given.
 *
 * Usage: node --import tsx bench/state-report.ts <load balancers> [--unbounded-list]
 */
import { performance } from 'node:perf_hooks';
import type { FunctionConfig } from '../functions/core/config.js';
import { parseConfig } from '../functions/core/config.js';
import type { Log } from '../functions/core/logger.js';
import { createReportFlow } from '../functions/core/report.js';
import { keySegment } from '../functions/core/state-keys.js';
import { type KeyRange, MAX_LISTED_KEYS, type StateStore, type StoredText } from '../functions/core/state-store.js';
import {
  type InputDigest,
  serializeWindowDoc,
  type WindowDoc,
  windowDocKey,
  windowsPrefix,
} from '../functions/core/window-docs.js';
import { LATENESS_MS } from '../functions/core/window-store.js';
import { createAggregator, mergeWindows, type WindowAggregate } from '../lib/aggregate/index.js';
import { readLogStream } from '../lib/input/read-log.js';
import { DEFAULT_RULES } from '../lib/rules/index.js';
import { albLines } from '../test/functions/support/log-lines.js';

const WINDOW_MS = 300_000;
const DAY_MS = 86_400_000;
const DAY = Date.parse('2024-05-01T00:00:00Z');
const NODES = 20;
const LINES_PER_OBJECT = 1_600;
/** Keys per listing page (S3's ListObjectsV2 maximum). */
const LIST_PAGE = 1_000;

export interface ReportMeasurement {
  loadBalancers: number;
  windows: number;
  wallMs: number;
  /** CPU of the report flow, the documents' making left out. */
  cpuMs: number;
  /** Peak resident set of the whole process (KB), and before the report ran. */
  maxRssKb: number;
  baselineRssKb: number;
  reportBytes: number;
  /** Size of one window document as stored. */
  docBytes: number;
  error: string | null;
}

const quiet: Log = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/** One node's ~1,600 lines of the window starting at `start`: mostly 200s, a few 404s and 503s, 40 paths. */
function nodeLines(start: number, node: number, loadBalancer: string): string[] {
  const from = new Date(start);
  const to = new Date(start + WINDOW_MS - 1);
  const target = `10.0.${Math.floor(node / 8)}.${10 + (node % 8)}:8080`;
  const lines: string[] = [];
  const per = Math.floor(LINES_PER_OBJECT / 40);
  for (let p = 0; p < 40; p++) {
    lines.push(
      ...albLines(per - 2, from, to, {
        loadBalancer,
        target,
        elbStatus: 200,
        targetStatus: 200,
        path: `/shop/item/${p}`,
        client: `198.51.100.${(p * 7 + node) % 250}:4${p}00`,
      }),
      ...albLines(1, from, to, { loadBalancer, target, elbStatus: 404, targetStatus: 404, path: `/missing/${p}` }),
      ...albLines(1, from, to, { loadBalancer, target, elbStatus: 503, targetStatus: 503, path: `/shop/cart/${p}` }),
    );
  }
  return lines;
}

/** The window document a 20-node load balancer has at the end of a window: 20 objects merged. */
async function templateDoc(loadBalancer: string): Promise<WindowDoc> {
  let aggregate: WindowAggregate | null = null;
  const sources: string[] = [];
  const inputs: Record<string, InputDigest> = {};
  for (let node = 0; node < NODES; node++) {
    const aggregator = createAggregator({ windowMs: WINDOW_MS });
    const text = nodeLines(DAY, node, loadBalancer).join('\n');
    async function* body() {
      yield Buffer.from(text);
    }
    const read = await readLogStream(body(), (r) => aggregator.add(r), { name: `node-${node}`, fields: 'analysis' });
    const id = `${node.toString(16).padStart(2, '0')}${'5f3a9c'.repeat(5)}`;
    sources.push(id);
    inputs[id] = { path: `s3://example-elb-logs/AWSLogs/node-${node}.log.gz`, summary: read.summary, failure: null };
    for (const w of aggregator.takeWindows()) aggregate = aggregate === null ? w : mergeWindows(aggregate, w);
  }
  if (aggregate === null) throw new Error('template lines produced no window');
  return {
    version: 2,
    loadBalancer,
    start: DAY,
    windowMs: WINDOW_MS,
    sources,
    inputs,
    lastArrival: DAY + WINDOW_MS + 240_000,
    lastObjectKey: 'AWSLogs/node-19.log.gz',
    aggregate,
  };
}

/** Serves one day of window documents for the given load balancers, made on read from one template. */
class SyntheticDayStore implements StateStore {
  /** CPU (µs) spent making documents, left out of the report's figure. */
  makingMicros = 0;
  written = 0;
  private readonly byLbKey = new Map<string, string>();

  constructor(
    private readonly prefix: string,
    private readonly template: WindowDoc,
    loadBalancers: readonly string[],
    private readonly boundedList: boolean,
  ) {
    for (const lb of loadBalancers) this.byLbKey.set(`${keySegment(lb)}.json`, lb);
  }

  async put(_key: string, body: string): Promise<void> {
    this.written += Buffer.byteLength(body);
  }
  async putIfAbsent(): Promise<'created' | 'exists'> {
    return 'created';
  }
  async putIfMatch(): Promise<'written' | 'changed'> {
    return 'written';
  }
  async delete(): Promise<void> {}

  async list(prefix: string, range: KeyRange = {}): Promise<string[]> {
    const inRange = this.keysInRange(prefix, range);
    if (this.boundedList && inRange.length >= MAX_LISTED_KEYS) {
      throw new Error(`more than ${MAX_LISTED_KEYS} state objects under one prefix (the state store's listing bound)`);
    }
    return inRange;
  }

  /** Pages of 1,000 keys, as S3 returns them; not bounded, like the S3 store's. */
  async *listPages(prefix: string, range: KeyRange = {}): AsyncGenerator<string[]> {
    const keys = this.keysInRange(prefix, range);
    for (let i = 0; i < keys.length; i += LIST_PAGE) yield keys.slice(i, i + LIST_PAGE);
  }

  private keysInRange(prefix: string, range: KeyRange): string[] {
    if (prefix !== windowsPrefix(this.prefix)) return [];
    const keys: string[] = [];
    for (let start = DAY; start < DAY + DAY_MS; start += WINDOW_MS) {
      for (const lb of [...this.byLbKey.values()].sort()) keys.push(windowDocKey(this.prefix, lb, start));
    }
    keys.sort();
    return keys.filter(
      (k) =>
        (range.startAfter === undefined || k > range.startAfter) &&
        (range.endBefore === undefined || k < range.endBefore),
    );
  }

  async get(key: string): Promise<StoredText | null> {
    const rest = key.slice(windowsPrefix(this.prefix).length);
    const slash = rest.indexOf('/');
    const start = Date.parse(rest.slice(0, slash));
    const lb = this.byLbKey.get(rest.slice(slash + 1));
    if (lb === undefined || Number.isNaN(start)) return null;
    const before = process.cpuUsage();
    const shift = start - this.template.start;
    const t = this.template.aggregate;
    const text = serializeWindowDoc({
      ...this.template,
      loadBalancer: lb,
      start,
      aggregate: { ...t, loadBalancer: lb, start, firstTime: t.firstTime + shift, lastTime: t.lastTime + shift },
    });
    const used = process.cpuUsage(before);
    this.makingMicros += used.user + used.system;
    return { text, etag: '"synthetic"' };
  }
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? '50');
  const boundedList = !process.argv.includes('--unbounded-list');
  const loadBalancers = Array.from(
    { length: count },
    (_, i) => `app/web-${String(i).padStart(3, '0')}/${(0x50dc6c495c0c + i).toString(16)}`,
  );
  const template = await templateDoc(loadBalancers[0] ?? 'app/web/0');
  const config: Readonly<FunctionConfig> = parseConfig({
    STATE_BUCKET: 'example-lbwatch-state',
    ALERT_WEBHOOK_URL: 'https://hooks.example.com/lbwatch',
  });
  const store = new SyntheticDayStore(config.statePrefix, template, loadBalancers, boundedList);
  const report = createReportFlow({ config, store, log: quiet, now: () => DAY + DAY_MS + LATENESS_MS });
  const baselineRssKb = process.resourceUsage().maxRSS;
  const cpu = process.cpuUsage();
  const started = performance.now();
  let error: string | null = null;
  try {
    await report(DAY + DAY_MS + LATENESS_MS, { rules: DEFAULT_RULES, windowMs: WINDOW_MS, destinations: [] });
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  }
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const result: ReportMeasurement = {
    loadBalancers: count,
    windows: count * (DAY_MS / WINDOW_MS),
    wallMs,
    cpuMs: (used.user + used.system - store.makingMicros) / 1000,
    maxRssKb: process.resourceUsage().maxRSS,
    baselineRssKb,
    reportBytes: store.written,
    docBytes: Buffer.byteLength(serializeWindowDoc(template)),
    error,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
