/**
 * Child process of `npm run bench:state`: runs the report flow (functions/core/report.ts, as the report function
 * does) over a synthetic period of N load balancers of 20 nodes, and prints one JSON line with its wall time, CPU
 * time, peak memory and what it read.
 *
 * Two layouts, both served by a state store that makes each document when it is read (no storage in the way; the
 * CPU spent making documents, and hashing what the report writes, is measured and left out of the report's figure):
 * - `rollups` (the layout the scheduled check leaves): every load balancer's state says its hours were rolled over
 *   the whole period, and each (load balancer, hour) has a rollup. The template load balancer's hours are rolled
 *   once, before the measurement, with the real `rollHour` from twelve re-stamped 20-node window documents each;
 *   load balancer i's rollup is that text with the template's name replaced by i's, made on read.
 * - `windows` (nothing rolled yet): states with `rolledUntil` 0, so the report reads each hour's twelve window
 *   documents and the next hour's first by key; each is the template document re-stamped, made on read.
 *
 * Usage: node --import tsx bench/state-report.ts <load balancers> [--days N] [--layout rollups|windows]
 */
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { type FunctionConfig, parseConfig } from '../functions/core/config.js';
import { type LbState, lbStateKey, lbStatesPrefix } from '../functions/core/lb-state.js';
import type { Log } from '../functions/core/logger.js';
import { createReportFlow } from '../functions/core/report.js';
import { rollupKey, rollupsPrefix } from '../functions/core/rollups.js';
import { MAX_LISTED_KEYS, type StateStore, type StoredText } from '../functions/core/state-store.js';
import { serializeWindowDoc, type WindowDoc, windowsPrefix } from '../functions/core/window-docs.js';
import { LATENESS_MS } from '../functions/core/window-store.js';
import { HOUR_MS } from '../lib/rollup/index.js';
import { DEFAULT_RULES } from '../lib/rules/index.js';
import { restampDoc, rolledHourText, templateDoc, WINDOW_MS } from './state-synthetic.js';

const DAY_MS = 86_400_000;
/** End of every measured period: a report run just after it closed reports the days before it. */
const PERIOD_END = Date.parse('2024-06-01T00:00:00Z');
/** Keys per listing page (S3's ListObjectsV2 maximum). */
const LIST_PAGE = 1_000;

export type ReportLayout = 'rollups' | 'windows';

export interface ReportMeasurement {
  loadBalancers: number;
  days: number;
  layout: ReportLayout;
  /** Windows the report fed (from rollups or documents). */
  windows: number;
  wallMs: number;
  /** CPU of the report flow, the documents' making left out. */
  cpuMs: number;
  /** Peak resident set of the whole process (KB), and before the report ran. */
  maxRssKb: number;
  baselineRssKb: number;
  /** Bytes of the report's three renderings and its pointer, and a digest of them (same data, same digest). */
  reportBytes: number;
  reportDigest: string;
  rollupsRead: number;
  /** Mean size of a rollup as served. */
  rollupBytes: number;
  windowDocsRead: number;
  /** Size of one window document as served. */
  docBytes: number;
  /** Load-balancer states read and listings made. */
  statesRead: number;
  lists: number;
  /** CPU (ms) spent before the measurement rolling the template's hours. */
  rollingMs: number;
  error: string | null;
}

const quiet: Log = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

function cpuMicros(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return used.user + used.system;
}

/** Serves a synthetic period for the given load balancers, every document made on read. */
class SyntheticPeriodStore implements StateStore {
  /** CPU (µs) spent making documents, left out of the report's figure. */
  makingMicros = 0;
  written = 0;
  private readonly writtenDigest = createHash('sha256');
  rollupsRead = 0;
  rollupBytes = 0;
  windowDocsRead = 0;
  statesRead = 0;
  lists = 0;
  private readonly lbByKeySegment = new Map<string, string>();
  private readonly stateKeys: string[];
  private readonly stateByKey = new Map<string, string>();

  constructor(
    private readonly prefix: string,
    private readonly layout: ReportLayout,
    private readonly period: { from: number; to: number },
    private readonly template: WindowDoc,
    /** Rollup text of the template's load balancer, per hour start. */
    private readonly rolledHours: ReadonlyMap<number, string>,
    private readonly loadBalancers: readonly string[],
  ) {
    for (const lb of loadBalancers) {
      const key = lbStateKey(prefix, lb);
      this.lbByKeySegment.set(key.slice(lbStatesPrefix(prefix).length), lb);
      this.stateByKey.set(key, JSON.stringify(this.stateOf(lb)));
    }
    this.stateKeys = [...this.stateByKey.keys()].sort();
  }

  private stateOf(loadBalancer: string): LbState {
    const rolled = this.layout === 'rollups';
    return {
      version: 1,
      loadBalancer,
      // Objects arrived until the period's end, so no hour of it is passed over as quiet.
      lastArrival: this.period.to + 240_000,
      lastObjectKey: 'AWSLogs/node-19.log.gz',
      intervalMs: WINDOW_MS,
      openRules: [],
      rolledFrom: rolled ? this.period.from : 0,
      rolledUntil: rolled ? this.period.to : 0,
      dirtyHours: [],
    };
  }

  async put(key: string, body: string): Promise<void> {
    this.written += Buffer.byteLength(body);
    const before = process.cpuUsage();
    this.writtenDigest.update(`${key}\n${body}\n`);
    this.makingMicros += cpuMicros(before);
  }

  digest(): string {
    return this.writtenDigest.digest('hex').slice(0, 16);
  }
  async putIfAbsent(): Promise<'created' | 'exists'> {
    return 'created';
  }
  async putIfMatch(): Promise<'written' | 'changed'> {
    return 'written';
  }
  async delete(): Promise<void> {}

  /** Bounded by the port's MAX_LISTED_KEYS, as the S3 store's listing is. */
  async list(prefix: string): Promise<string[]> {
    this.lists += 1;
    const keys = this.keysUnder(prefix);
    if (keys.length >= MAX_LISTED_KEYS) {
      throw new Error(`more than ${MAX_LISTED_KEYS} state objects under one prefix (the state store's listing bound)`);
    }
    return keys;
  }

  /** Pages of 1,000 keys, as S3 returns them; not bounded, like the S3 store's. */
  async *listPages(prefix: string): AsyncGenerator<string[]> {
    this.lists += 1;
    const keys = this.keysUnder(prefix);
    for (let i = 0; i < keys.length; i += LIST_PAGE) yield keys.slice(i, i + LIST_PAGE);
  }

  /** Load-balancer states, and an hour's rollups in the rollup layout; nothing else is listed by the report. */
  private keysUnder(prefix: string): string[] {
    if (prefix === lbStatesPrefix(this.prefix)) return this.stateKeys;
    if (this.layout !== 'rollups' || !prefix.startsWith(rollupsPrefix(this.prefix))) return [];
    const hour = Date.parse(prefix.slice(rollupsPrefix(this.prefix).length, -1));
    if (!this.rolledHours.has(hour)) return [];
    return this.loadBalancers.map((lb) => rollupKey(this.prefix, lb, hour)).sort();
  }

  async get(key: string): Promise<StoredText | null> {
    const state = this.stateByKey.get(key);
    if (state !== undefined) {
      this.statesRead += 1;
      return { text: state, etag: '"synthetic"' };
    }
    const before = process.cpuUsage();
    const text = this.make(key);
    this.makingMicros += cpuMicros(before);
    return text === null ? null : { text, etag: '"synthetic"' };
  }

  /** `<hour or window ISO>/<lb key>.json` under `base` -> time and load balancer. */
  private split(key: string, base: string): { at: number; lb: string } | null {
    const rest = key.slice(base.length);
    const slash = rest.indexOf('/');
    const at = Date.parse(rest.slice(0, slash));
    const lb = this.lbByKeySegment.get(rest.slice(slash + 1));
    return lb === undefined || Number.isNaN(at) ? null : { at, lb };
  }

  private make(key: string): string | null {
    if (this.layout === 'rollups' && key.startsWith(rollupsPrefix(this.prefix))) {
      const found = this.split(key, rollupsPrefix(this.prefix));
      const text = found === null ? undefined : this.rolledHours.get(found.at);
      if (found === null || text === undefined) return null;
      const served = text.replaceAll(this.template.loadBalancer, found.lb);
      this.rollupsRead += 1;
      this.rollupBytes += Buffer.byteLength(served);
      return served;
    }
    if (this.layout === 'windows' && key.startsWith(windowsPrefix(this.prefix))) {
      const found = this.split(key, windowsPrefix(this.prefix));
      if (found === null || found.at < this.period.from || found.at >= this.period.to) return null;
      this.windowDocsRead += 1;
      return serializeWindowDoc(restampDoc(this.template, found.lb, found.at));
    }
    return null;
  }
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    args: process.argv.slice(2),
    allowPositionals: true,
    options: { days: { type: 'string', default: '1' }, layout: { type: 'string', default: 'rollups' } },
  });
  const count = Number(positionals[0] ?? '50');
  const days = Number(values.days);
  const layout = values.layout === 'windows' ? 'windows' : 'rollups';
  const loadBalancers = Array.from(
    { length: count },
    (_, i) => `app/web-${String(i).padStart(3, '0')}/${(0x50dc6c495c0c + i).toString(16)}`,
  );
  const period = { from: PERIOD_END - days * DAY_MS, to: PERIOD_END };
  const template = await templateDoc(loadBalancers[0] ?? 'app/web/0', period.from);
  const rollingStarted = process.cpuUsage();
  const rolledHours = new Map<number, string>();
  if (layout === 'rollups') {
    for (let hour = period.from; hour < period.to; hour += HOUR_MS)
      rolledHours.set(hour, rolledHourText(template, hour, DEFAULT_RULES));
  }
  const rollingMs = cpuMicros(rollingStarted) / 1000;
  const config: Readonly<FunctionConfig> = parseConfig({
    STATE_BUCKET: 'example-lbwatch-state',
    ALERT_WEBHOOK_URL: 'https://hooks.example.com/lbwatch',
    REPORT_PERIOD: `${days}d`,
  });
  const store = new SyntheticPeriodStore(config.statePrefix, layout, period, template, rolledHours, loadBalancers);
  const at = period.to + LATENESS_MS;
  const report = createReportFlow({ config, store, log: quiet, now: () => at });
  const baselineRssKb = process.resourceUsage().maxRSS;
  const cpu = process.cpuUsage();
  const started = performance.now();
  let error: string | null = null;
  let windows = 0;
  try {
    windows = (await report(at, { rules: DEFAULT_RULES, windowMs: WINDOW_MS, destinations: [] })).windows;
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  }
  const wallMs = performance.now() - started;
  const used = cpuMicros(cpu);
  const result: ReportMeasurement = {
    loadBalancers: count,
    days,
    layout,
    windows,
    wallMs,
    cpuMs: (used - store.makingMicros) / 1000,
    maxRssKb: process.resourceUsage().maxRSS,
    baselineRssKb,
    reportBytes: store.written,
    reportDigest: store.digest(),
    rollupsRead: store.rollupsRead,
    rollupBytes: store.rollupsRead === 0 ? 0 : store.rollupBytes / store.rollupsRead,
    windowDocsRead: store.windowDocsRead,
    docBytes: Buffer.byteLength(serializeWindowDoc(template)),
    statesRead: store.statesRead,
    lists: store.lists,
    rollingMs,
    error,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
